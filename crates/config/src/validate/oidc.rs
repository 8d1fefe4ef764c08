//! Checks of `[oidc]`: the issuer URL, lifetimes, the WeCom mini-program corp allowlist, and every
//! `[[oidc.clients]]` entry (on its own, plus unique client ids and mini programs that exist).

use std::collections::HashMap;

use super::{Validator, check_http_url};
use crate::Config;
use crate::app_ref::AppRef;

impl Validator {
    pub(super) fn oidc(&mut self, c: &Config) {
        let o = &c.oidc;
        if let Some(issuer) = &o.issuer {
            if let Err(why) = check_http_url(issuer) {
                self.issue(
                    "oidc.issuer",
                    format!("`{issuer}` is not a usable issuer: {why}"),
                );
            } else if issuer.contains(['?', '#']) {
                self.issue(
                    "oidc.issuer",
                    "an issuer has no query or fragment (OpenID Connect Discovery §3); write e.g. `https://login.example.com`",
                );
            }
        }
        let ttl = |v: &mut Validator, key: &str, value: u64, max: u64, hint: &str| {
            if value == 0 || value > max {
                v.issue(
                    format!("oidc.{key}"),
                    format!("must be between 1 and {max} (got {value}); {hint}"),
                );
            }
        };
        ttl(
            self,
            "access_token_ttl_secs",
            o.access_token_ttl_secs,
            86_400,
            "access tokens are meant to be short-lived (default 600)",
        );
        ttl(
            self,
            "id_token_ttl_secs",
            o.id_token_ttl_secs,
            86_400,
            "the default is 600",
        );
        ttl(
            self,
            "refresh_token_ttl_days",
            o.refresh_token_ttl_days,
            366,
            "the default is 30",
        );
        ttl(
            self,
            "code_ttl_secs",
            o.code_ttl_secs,
            600,
            "RFC 6749 recommends at most 10 minutes (default 60)",
        );
        for (i, corp) in o.wecom_mini_allowed_corps.iter().enumerate() {
            self.corp_id(&format!("oidc.wecom_mini_allowed_corps[{i}]"), corp);
        }
        let minis: Vec<&str> = c
            .apps()
            .filter(|a| matches!(a, AppRef::MiniProgram(_) | AppRef::WecomMiniProgram { .. }))
            .map(|a| a.name())
            .collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, client) in o.clients.iter().enumerate() {
            let base = format!("oidc.clients[{i}]");
            for (key, message) in client.issues() {
                self.issue(format!("{base}.{key}"), message);
            }
            if let Some(&earlier) = seen.get(client.client_id.as_str()) {
                self.issue(
                    format!("{base}.client_id"),
                    format!("`{}` is already the client_id of oidc.clients[{earlier}]; client ids are unique", client.client_id),
                );
            } else {
                seen.insert(&client.client_id, i);
            }
            for (j, app) in client.token_exchange_apps.iter().enumerate() {
                if !minis.contains(&app.as_str()) {
                    self.issue(
                        format!("{base}.token_exchange_apps[{j}]"),
                        format!(
                            "`{app}` is not a configured mini program; use the name of a [[wechat.miniprograms]] or [[wecom.miniprograms]] entry ({})",
                            super::listing(minis.iter().copied())
                        ),
                    );
                }
            }
        }
    }
}
