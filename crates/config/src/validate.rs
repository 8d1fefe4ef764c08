//! Semantic checks after parsing. Collects every problem (not just the first) so one run of
//! `wxgate serve` tells the operator everything to fix. Messages never quote secret values.

use std::collections::{HashMap, HashSet};

use crate::error::ConfigIssue;
use crate::login::NonMembers;
use crate::secret::Secret;
use crate::{AppRef, Config};

mod oidc;

/// Checks `config`; an empty result means it is valid.
pub(crate) fn validate(config: &Config) -> Vec<ConfigIssue> {
    let mut v = Validator::default();
    v.server(config);
    v.storage(config);
    v.upstream(config);
    v.wecom(config);
    v.suites(config);
    v.wechat(config);
    v.webhooks(config);
    v.sim(config);
    v.accounts(config);
    v.login(config);
    v.oidc(config);
    v.contacts(config);
    v.unique_names();
    v.issues
}

#[derive(Default)]
struct Validator {
    issues: Vec<ConfigIssue>,
    /// Every named entity: (name, path of its `name` key), in file order.
    names: Vec<(String, String)>,
}

const MAX_NAME: usize = 64;
const MIN_ADMIN_KEY: usize = 16;
const MIN_WEBHOOK_SECRET: usize = 16;

impl Validator {
    fn issue(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.issues.push(ConfigIssue {
            path: path.into(),
            message: message.into(),
        });
    }

    /// A name in the shared URL space (`/callback/{name}`, `/api/v1/apps/{name}`).
    fn name(&mut self, path: String, name: &str) {
        self.label(&path, name);
        self.names.push((name.to_owned(), path));
    }

    /// The name charset, without registering the name.
    fn label(&mut self, path: &str, name: &str) {
        let mut chars = name.chars();
        let first_ok =
            matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_ok =
            chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !first_ok || !rest_ok || name.len() > MAX_NAME {
            self.issue(
                path,
                format!(
                    "`{name}` is not a valid name; use 1–{MAX_NAME} characters of a-z, 0-9, `_` and `-`, starting with a letter or digit (it appears in URLs)"
                ),
            );
        }
    }

    fn unique_names(&mut self) {
        let mut first: HashMap<String, String> = HashMap::new();
        for (name, path) in std::mem::take(&mut self.names) {
            match first.get(&name) {
                Some(earlier) => {
                    let msg = format!(
                        "the name `{name}` is already used by {earlier}; names must be unique across all corps, apps, suites, accounts, webhooks and robots because they share URLs"
                    );
                    self.issue(path, msg);
                }
                None => {
                    first.insert(name, path);
                }
            }
        }
    }

    fn non_empty_secret(&mut self, path: &str, secret: &Secret, what: &str) {
        if secret.expose().trim().is_empty() {
            self.issue(
                path,
                format!(
                    "{what} is empty; fill it in (or set the environment variable it refers to)"
                ),
            );
        }
    }

    fn aes_key(&mut self, path: &str, key: &Secret) {
        let k = key.expose();
        let n = k.chars().count();
        if n == 43 && k.chars().all(|c| c.is_ascii_alphanumeric()) {
            return;
        }
        let hint = if n == 44 && k.ends_with('=') {
            "; drop the trailing `=`"
        } else {
            "; copy it again from the app's 接收消息 (message receiving) settings"
        };
        let what = if n == 43 {
            "has other characters".to_owned()
        } else {
            format!("got {n}")
        };
        self.issue(
            path,
            format!("EncodingAESKey must be exactly 43 characters of A-Z, a-z, 0-9 ({what}){hint}"),
        );
    }

    /// A callback Token: letters/digits, `min..=32` characters.
    fn token(&mut self, path: &str, token: &Secret, min: usize) {
        let t = token.expose();
        let n = t.chars().count();
        if (min..=32).contains(&n) && t.chars().all(|c| c.is_ascii_alphanumeric()) {
            return;
        }
        let what = if (min..=32).contains(&n) {
            "has other characters".to_owned()
        } else {
            format!("got {n}")
        };
        self.issue(
            path,
            format!(
                "Token must be {min}–32 letters or digits ({what}); copy it from the app's 接收消息 (message receiving) settings"
            ),
        );
    }

    /// Token + EncodingAESKey (+ previous key) of a callback that may be left unconfigured.
    fn optional_callback(
        &mut self,
        base: &str,
        token: Option<&Secret>,
        key: Option<&Secret>,
        previous: Option<&Secret>,
        token_min: usize,
        key_needs_token_only: bool,
    ) {
        if let Some(t) = token {
            self.token(&format!("{base}.token"), t, token_min);
        }
        if let Some(k) = key {
            self.aes_key(&format!("{base}.encoding_aes_key"), k);
        }
        if let Some(p) = previous {
            self.aes_key(&format!("{base}.previous_encoding_aes_key"), p);
            if key.is_none() {
                self.issue(
                    format!("{base}.previous_encoding_aes_key"),
                    "is set without `encoding_aes_key`; set the current key too, or remove the previous one",
                );
            }
        }
        match (token, key) {
            (None, Some(_)) => self.issue(
                format!("{base}.token"),
                "is missing but `encoding_aes_key` is set; callbacks need both — add the Token from the same settings page",
            ),
            (Some(_), None) if !key_needs_token_only => self.issue(
                format!("{base}.encoding_aes_key"),
                "is missing but `token` is set; WeCom callbacks are always encrypted — add the EncodingAESKey from the same settings page",
            ),
            _ => {}
        }
    }

    fn corp_id(&mut self, path: &str, id: &str) {
        let ok = (id.starts_with("ww") || id.starts_with("wx"))
            && id.len() > 2
            && id.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok {
            self.issue(
                path,
                format!("`{id}` is not a CorpID; it starts with `ww` or `wx` followed by letters and digits — copy it from 我的企业 → 企业信息"),
            );
        }
    }

    fn app_id(&mut self, path: &str, id: &str) {
        let ok =
            id.starts_with("wx") && id.len() == 18 && id.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok {
            self.issue(
                path,
                format!("`{id}` is not a WeChat AppID; it is `wx` followed by 16 letters/digits — copy it from 开发 → 基本配置 (or 开发管理)"),
            );
        }
    }

    fn agent_id(&mut self, path: &str, id: i64) {
        if id <= 0 {
            self.issue(
                path,
                format!("AgentId must be a positive integer (got {id}); copy it from the app's page in the admin console"),
            );
        }
    }

    fn http_url(&mut self, path: &str, url: &str) {
        if let Err(why) = check_http_url(url) {
            self.issue(path, format!("`{url}` is not a usable URL: {why}"));
        }
    }

    fn socket_addr(&mut self, path: &str, addr: &str) {
        let ok = addr
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !ok {
            self.issue(
                path,
                format!("`{addr}` is not HOST:PORT; write e.g. `127.0.0.1:8080`, `0.0.0.0:8080` or `[::]:8080`"),
            );
        }
    }

    fn domains(&mut self, base: &str, domains: &[String]) {
        for (i, d) in domains.iter().enumerate() {
            let ok = !d.is_empty()
                && !d.contains("://")
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c));
            if !ok {
                self.issue(
                    format!("{base}.trusted_domains[{i}]"),
                    format!("`{d}` is not a domain; write the host name only, e.g. `app.example.com` (no scheme, no path)"),
                );
            }
        }
    }

    fn jsapi_list(&mut self, base: &str, list: &[String]) {
        for (i, api) in list.iter().enumerate() {
            if api.is_empty() || !api.chars().all(|c| c.is_ascii_alphanumeric()) {
                self.issue(
                    format!("{base}.jsapi_list[{i}]"),
                    format!("`{api}` is not a JSSDK API name; use names such as `scanQRCode` or `chooseImage`"),
                );
            }
        }
    }

    /// `cors_origins`: `http(s)://host[:port]`, nothing after the authority (browsers send the
    /// `Origin` header in exactly that form).
    fn origins(&mut self, base: &str, origins: &[String]) {
        for (i, origin) in origins.iter().enumerate() {
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let ok = check_http_url(origin).is_ok()
                && authority.is_some_and(|a| !a.is_empty() && !a.contains(['/', '?', '#', '@']));
            if !ok {
                self.issue(
                    format!("{base}.cors_origins[{i}]"),
                    format!("`{origin}` is not a browser origin; write scheme and host (and port) only, e.g. `https://app.example.com` or `http://localhost:3000`, without a path or trailing `/`"),
                );
            }
        }
    }

    fn server(&mut self, c: &Config) {
        let s = &c.server;
        if !(1..=100_000).contains(&s.jssdk_requests_per_minute) {
            self.issue(
                "server.jssdk_requests_per_minute",
                format!(
                    "must be between 1 and 100000 (got {}); the default 60 suits pages that sign once per load",
                    s.jssdk_requests_per_minute
                ),
            );
        }
        for (i, proxy) in s.trusted_proxies.iter().enumerate() {
            if proxy.parse::<std::net::IpAddr>().is_err() {
                self.issue(
                    format!("server.trusted_proxies[{i}]"),
                    format!("`{proxy}` is not an IP address; list the addresses of your reverse proxies, e.g. `127.0.0.1` or `10.0.0.5`"),
                );
            }
        }
        self.socket_addr("server.listen", &s.listen);
        if !(1..=3650).contains(&s.event_retention_days) {
            self.issue(
                "server.event_retention_days",
                format!(
                    "must be between 1 and 3650 days (got {})",
                    s.event_retention_days
                ),
            );
        }
        if let Some(url) = &s.public_url {
            self.http_url("server.public_url", url);
        }
        for (i, key) in s.admin_keys.iter().enumerate() {
            let n = key.expose().chars().count();
            if n < MIN_ADMIN_KEY {
                self.issue(
                    format!("server.admin_keys[{i}]"),
                    format!("admin key must be at least {MIN_ADMIN_KEY} characters (got {n}); generate one with `openssl rand -hex 32`"),
                );
            }
        }
        if !(1..=86_400).contains(&s.callback_timestamp_window_secs) {
            self.issue(
                "server.callback_timestamp_window_secs",
                format!("must be between 1 and 86400 seconds (got {}); the default 600 suits most deployments", s.callback_timestamp_window_secs),
            );
        }
        if s.max_body_bytes < 4096 {
            self.issue(
                "server.max_body_bytes",
                format!("must be at least 4096 bytes (got {}); callbacks are larger than that — the default is 1048576", s.max_body_bytes),
            );
        }
    }

    fn storage(&mut self, c: &Config) {
        let url = &c.storage.url;
        let ok = ["sqlite://", "sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| url.starts_with(p) && url.len() > p.len());
        if !ok {
            self.issue(
                "storage.url",
                format!(
                    "`{}` is not a supported database URL; use `sqlite://wxgate.db` or `postgres://user:password@host/db`",
                    c.storage.redacted_url()
                ),
            );
        }
    }

    fn upstream(&mut self, c: &Config) {
        self.http_url("upstream.wecom", &c.upstream.wecom);
        self.http_url("upstream.wechat", &c.upstream.wechat);
        self.http_url("upstream.wecom_open", &c.upstream.wecom_open);
        self.http_url("upstream.wechat_open", &c.upstream.wechat_open);
        self.http_url("upstream.wecom_login", &c.upstream.wecom_login);
    }

    fn webhooks(&mut self, c: &Config) {
        for (i, w) in c.webhooks.iter().enumerate() {
            let base = format!("webhooks[{i}]");
            if let Some(name) = &w.name {
                self.name(format!("{base}.name"), name);
            }
            self.http_url(&format!("{base}.url"), &w.url);
            let n = w.secret.expose().chars().count();
            if n < MIN_WEBHOOK_SECRET {
                self.issue(
                    format!("{base}.secret"),
                    format!("webhook secret must be at least {MIN_WEBHOOK_SECRET} characters (got {n}); generate one with `openssl rand -hex 32`"),
                );
            }
            for (j, pattern) in w.events.iter().enumerate() {
                let body = pattern.strip_suffix('*').unwrap_or(pattern);
                let ok = !pattern.is_empty()
                    && body
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                if !ok {
                    self.issue(
                        format!("{base}.events[{j}]"),
                        format!("`{pattern}` is not an event filter; use an event type such as `wecom.message.text` or a prefix ending in `*` such as `wecom.*`"),
                    );
                }
            }
            if !(1..=120_000).contains(&w.timeout_ms) {
                self.issue(
                    format!("{base}.timeout_ms"),
                    format!(
                        "must be between 1 and 120000 milliseconds (got {})",
                        w.timeout_ms
                    ),
                );
            }
            if !(1..=100).contains(&w.max_attempts) {
                self.issue(
                    format!("{base}.max_attempts"),
                    format!("must be between 1 and 100 (got {})", w.max_attempts),
                );
            }
            if !(1..=3_600_000).contains(&w.retry_base_ms) {
                self.issue(
                    format!("{base}.retry_base_ms"),
                    format!(
                        "must be between 1 and 3600000 milliseconds (got {})",
                        w.retry_base_ms
                    ),
                );
            }
        }
        for (i, r) in c.robots.iter().enumerate() {
            let base = format!("robots[{i}]");
            self.name(format!("{base}.name"), &r.name);
            let key = r.key.expose();
            if key.contains("://") || key.contains("key=") {
                self.issue(
                    format!("{base}.key"),
                    "looks like a whole webhook URL; put only the value after `key=` here",
                );
            } else {
                self.non_empty_secret(&format!("{base}.key"), &r.key, "the robot key");
            }
        }
    }

    fn wecom(&mut self, c: &Config) {
        let mut corp_ids: HashMap<&str, usize> = HashMap::new();
        for (i, corp) in c.wecom.iter().enumerate() {
            let base = format!("wecom[{i}]");
            self.name(format!("{base}.name"), &corp.name);
            self.corp_id(&format!("{base}.corp_id"), &corp.corp_id);
            if let Some(&earlier) = corp_ids.get(corp.corp_id.as_str()) {
                self.issue(
                    format!("{base}.corp_id"),
                    format!("this CorpID is already configured by wecom[{earlier}]; configure each corp once and list all its apps under it"),
                );
            } else {
                corp_ids.insert(&corp.corp_id, i);
            }
            let mut agents: HashMap<i64, usize> = HashMap::new();
            for (j, app) in corp.apps.iter().enumerate() {
                let base = format!("{base}.apps[{j}]");
                self.name(format!("{base}.name"), &app.name);
                self.agent_id(&format!("{base}.agent_id"), app.agent_id);
                if let Some(&earlier) = agents.get(&app.agent_id) {
                    self.issue(
                        format!("{base}.agent_id"),
                        format!("AgentId {} is already used by apps[{earlier}] of this corp; each app has its own AgentId", app.agent_id),
                    );
                } else {
                    agents.insert(app.agent_id, j);
                }
                self.non_empty_secret(&format!("{base}.secret"), &app.secret, "the app Secret");
                self.optional_callback(
                    &base,
                    app.token.as_ref(),
                    app.encoding_aes_key.as_ref(),
                    app.previous_encoding_aes_key.as_ref(),
                    1,
                    false,
                );
                self.domains(&base, &app.trusted_domains);
                self.jsapi_list(&base, &app.jsapi_list);
                self.origins(&base, &app.cors_origins);
            }
            if let Some(contacts) = &corp.contacts {
                let base = format!("{base}.contacts");
                self.name(format!("{base}.name"), &contacts.name);
                self.non_empty_secret(
                    &format!("{base}.secret"),
                    &contacts.secret,
                    "the contacts Secret",
                );
                self.optional_callback(
                    &base,
                    contacts.token.as_ref(),
                    contacts.encoding_aes_key.as_ref(),
                    contacts.previous_encoding_aes_key.as_ref(),
                    1,
                    false,
                );
            }
            for (j, mini) in corp.miniprograms.iter().enumerate() {
                let base = format!("{base}.miniprograms[{j}]");
                self.name(format!("{base}.name"), &mini.name);
                self.app_id(&format!("{base}.app_id"), &mini.app_id);
                self.agent_id(&format!("{base}.agent_id"), mini.agent_id);
                self.non_empty_secret(
                    &format!("{base}.secret"),
                    &mini.secret,
                    "the linked app's Secret",
                );
            }
        }
    }

    fn suites(&mut self, c: &Config) {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (i, s) in c.suites.iter().enumerate() {
            let base = format!("suites[{i}]");
            self.name(format!("{base}.name"), &s.name);
            if s.suite_id.is_empty() || !s.suite_id.chars().all(|c| c.is_ascii_alphanumeric()) {
                self.issue(
                    format!("{base}.suite_id"),
                    format!("`{}` is not a SuiteID; it is letters and digits (usually starting with `ww`) — copy it from the app's page in the service-provider console", s.suite_id),
                );
            }
            if let Some(&earlier) = ids.get(s.suite_id.as_str()) {
                self.issue(
                    format!("{base}.suite_id"),
                    format!("this SuiteID is already configured by suites[{earlier}]"),
                );
            } else {
                ids.insert(&s.suite_id, i);
            }
            self.non_empty_secret(
                &format!("{base}.suite_secret"),
                &s.suite_secret,
                "the suite Secret",
            );
            self.optional_callback(
                &base,
                Some(&s.token),
                Some(&s.encoding_aes_key),
                s.previous_encoding_aes_key.as_ref(),
                1,
                false,
            );
            match (&s.provider_corp_id, &s.provider_secret) {
                (Some(id), Some(secret)) => {
                    self.corp_id(&format!("{base}.provider_corp_id"), id);
                    self.non_empty_secret(&format!("{base}.provider_secret"), secret, "the provider Secret");
                }
                (Some(_), None) => self.issue(
                    format!("{base}.provider_secret"),
                    "is missing but `provider_corp_id` is set; add the provider Secret (服务商 Secret) or remove both",
                ),
                (None, Some(_)) => self.issue(
                    format!("{base}.provider_corp_id"),
                    "is missing but `provider_secret` is set; add the provider's own CorpID or remove both",
                ),
                (None, None) => {}
            }
            self.domains(&base, &s.trusted_domains);
            self.jsapi_list(&base, &s.jsapi_list);
            self.origins(&base, &s.cors_origins);
        }
    }

    fn wechat(&mut self, c: &Config) {
        let mut app_ids: HashMap<String, String> = HashMap::new();
        let mut check_id = |v: &mut Self, path: String, id: &str| {
            v.app_id(&path, id);
            if let Some(earlier) = app_ids.get(id) {
                let msg = format!(
                    "this AppID is already configured at {earlier}; configure each WeChat account once"
                );
                v.issue(path, msg);
            } else {
                app_ids.insert(id.to_owned(), path);
            }
        };
        let w = &c.wechat;
        for (i, a) in w.official_accounts.iter().enumerate() {
            let base = format!("wechat.official_accounts[{i}]");
            self.name(format!("{base}.name"), &a.name);
            check_id(self, format!("{base}.app_id"), &a.app_id);
            self.non_empty_secret(
                &format!("{base}.app_secret"),
                &a.app_secret,
                "the AppSecret",
            );
            self.optional_callback(
                &base,
                a.token.as_ref(),
                a.encoding_aes_key.as_ref(),
                a.previous_encoding_aes_key.as_ref(),
                3,
                true,
            );
            self.domains(&base, &a.trusted_domains);
            self.jsapi_list(&base, &a.jsapi_list);
            self.origins(&base, &a.cors_origins);
            if let Some(label) = &a.open_platform {
                self.label(&format!("{base}.open_platform"), label);
            }
        }
        for (i, m) in w.miniprograms.iter().enumerate() {
            let base = format!("wechat.miniprograms[{i}]");
            self.name(format!("{base}.name"), &m.name);
            check_id(self, format!("{base}.app_id"), &m.app_id);
            self.non_empty_secret(
                &format!("{base}.app_secret"),
                &m.app_secret,
                "the AppSecret",
            );
            self.optional_callback(
                &base,
                m.token.as_ref(),
                m.encoding_aes_key.as_ref(),
                m.previous_encoding_aes_key.as_ref(),
                3,
                true,
            );
            self.domains(&base, &m.trusted_domains);
            self.jsapi_list(&base, &m.jsapi_list);
            if let Some(label) = &m.open_platform {
                self.label(&format!("{base}.open_platform"), label);
            }
        }
        for (i, s) in w.websites.iter().enumerate() {
            let base = format!("wechat.websites[{i}]");
            self.name(format!("{base}.name"), &s.name);
            check_id(self, format!("{base}.app_id"), &s.app_id);
            self.non_empty_secret(
                &format!("{base}.app_secret"),
                &s.app_secret,
                "the AppSecret",
            );
            if let Some(label) = &s.open_platform {
                self.label(&format!("{base}.open_platform"), label);
            }
        }
    }

    fn accounts(&mut self, c: &Config) {
        let a = &c.accounts;
        if a.session_ttl_hours == 0 || a.session_ttl_hours > 24 * 366 {
            self.issue(
                "accounts.session_ttl_hours",
                "must be between 1 and 8784 (a year); the default is 168 (a week)",
            );
        }
        if a.default_open_platform.trim().is_empty() {
            self.issue(
                "accounts.default_open_platform",
                "must not be empty (default `wechat`)",
            );
        }
    }

    /// `[contacts]`: a usable concurrency, a role prefix that fits in a role name.
    fn contacts(&mut self, c: &Config) {
        let k = &c.contacts;
        if k.concurrency == 0 || k.concurrency > crate::MAX_CONCURRENCY {
            self.issue(
                "contacts.concurrency",
                format!(
                    "must be between 1 and {}: upstream calls one sync keeps in flight (default {})",
                    crate::MAX_CONCURRENCY,
                    crate::DEFAULT_CONCURRENCY
                ),
            );
        }
        let prefix = &k.role_prefix;
        if prefix.is_empty()
            || prefix.len() > 32
            || prefix
                .chars()
                .any(|ch| ch.is_whitespace() || ch.is_control())
        {
            self.issue(
                "contacts.role_prefix",
                "must be 1–32 characters without spaces (default `dept:`); roles are the prefix followed by a department path",
            );
        }
        if k.rate_limited_pause_secs > 3600 {
            self.issue(
                "contacts.rate_limited_pause_secs",
                "must be at most 3600 (the platform's longest block, after an hour limit)",
            );
        }
    }

    /// `[login]`: the apps it names exist and can log people in, scopes fit their kinds.
    fn login(&mut self, c: &Config) {
        let l = &c.login;
        let login_apps = || {
            c.apps().filter(|a| {
                matches!(
                    a,
                    AppRef::WecomApp { .. }
                        | AppRef::Suite(_)
                        | AppRef::OfficialAccount(_)
                        | AppRef::Website(_)
                )
            })
        };
        let named = |v: &mut Self,
                     key: &str,
                     name: &Option<String>,
                     ok: &dyn Fn(&AppRef<'_>) -> bool,
                     what: &str| {
            let Some(name) = name else { return };
            match c.app(name) {
                Some(app) if ok(&app) => {}
                Some(app) => v.issue(
                    format!("login.{key}"),
                    format!("`{name}` is a {} app; `login.{key}` needs {what}", app.kind()),
                ),
                None => v.issue(
                    format!("login.{key}"),
                    format!(
                        "no app is named `{name}`; `login.{key}` needs {what}. Apps that can log people in: {}",
                        listing(login_apps().map(|a| a.name()))
                    ),
                ),
            }
        };
        named(
            self,
            "wecom",
            &l.wecom,
            &|a| matches!(a, AppRef::WecomApp { .. } | AppRef::Suite(_)),
            "a [[wecom.apps]] app or a [[suites]] suite",
        );
        named(
            self,
            "wechat",
            &l.wechat,
            &|a| matches!(a, AppRef::OfficialAccount(_)),
            "a [[wechat.official_accounts]] account",
        );
        named(
            self,
            "desktop",
            &l.desktop,
            &|a| match a {
                AppRef::WecomApp { .. } | AppRef::Website(_) => true,
                AppRef::Suite(s) => s.provider_corp_id.is_some(),
                _ => false,
            },
            "a [[wechat.websites]] app, a [[wecom.apps]] app, or a [[suites]] suite with provider_corp_id and provider_secret",
        );
        if !return_to_shape_ok(&l.default_return_to) {
            self.issue(
                "login.default_return_to",
                format!(
                    "`{}` must be a path on this gateway starting with `/` (not `//`), e.g. `/me`",
                    l.default_return_to
                ),
            );
        }
        for (i, origin) in l.return_to_origins.iter().enumerate() {
            let bare = origin.trim_end_matches('/');
            let rest = bare
                .strip_prefix("https://")
                .or_else(|| bare.strip_prefix("http://"))
                .unwrap_or("");
            if check_http_url(origin).is_err()
                || rest.is_empty()
                || rest.contains(['/', '?', '#', '@'])
            {
                self.issue(
                    format!("login.return_to_origins[{i}]"),
                    format!("`{origin}` is not an origin; write scheme, host and optional port only, e.g. `https://app.example.com`"),
                );
            }
        }
        if l.rate_limit_per_minute > 0 && l.rate_limit_burst == 0 {
            self.issue(
                "login.rate_limit_burst",
                "must be at least 1 while rate_limit_per_minute is set (default 20)",
            );
        }
        if !(60..=3600).contains(&l.timeout_secs) {
            self.issue(
                "login.timeout_secs",
                format!(
                    "must be between 60 and 3600 seconds (got {}); the default 600 matches the platforms' code lifetimes",
                    l.timeout_secs
                ),
            );
        }
        for (name, options) in &l.apps {
            let base = format!("login.apps.{name}");
            let Some(app) = c.app(name) else {
                self.issue(
                    base,
                    format!(
                        "no app is named `{name}`. Apps that can log people in: {}",
                        listing(login_apps().map(|a| a.name()))
                    ),
                );
                continue;
            };
            let (scopes, wecom): (&[&str], bool) = match app {
                AppRef::WecomApp { .. } | AppRef::Suite(_) => {
                    (&["snsapi_base", "snsapi_privateinfo"], true)
                }
                AppRef::OfficialAccount(_) => (&["snsapi_base", "snsapi_userinfo"], false),
                AppRef::Website(_) => (&["snsapi_login"], false),
                other => {
                    self.issue(
                        base,
                        format!(
                            "`{name}` is a {} app and has no browser login; only WeCom apps, suites, official accounts and websites do",
                            other.kind()
                        ),
                    );
                    continue;
                }
            };
            if let Some(scope) = &options.scope
                && !scopes.contains(&scope.as_str())
            {
                self.issue(
                    format!("{base}.scope"),
                    format!(
                        "`{scope}` is not a scope of a {} app; use one of {}",
                        app.kind(),
                        listing(scopes.iter().copied())
                    ),
                );
            }
            if !wecom && options.non_members == NonMembers::Guest {
                self.issue(
                    format!("{base}.non_members"),
                    "only WeCom apps and suites have non-member visitors; remove this key",
                );
            }
        }
    }

    fn sim(&mut self, c: &Config) {
        let s = &c.sim;
        self.socket_addr("sim.listen", &s.listen);
        if s.token_ttl_secs == 0 {
            self.issue(
                "sim.token_ttl_secs",
                "must be greater than 0 (the platforms use 7200)",
            );
        }
        if s.suite_ticket_interval_secs == 0 {
            self.issue(
                "sim.suite_ticket_interval_secs",
                "must be greater than 0 (the platform pushes every 600 s)",
            );
        }
        if !(s.clock_speed.is_finite() && s.clock_speed > 0.0) {
            self.issue(
                "sim.clock_speed",
                format!("must be a number greater than 0 (got {}); 1.0 is real time, 60.0 makes a minute pass every second", s.clock_speed),
            );
        }
        if !(s.rate_limit_factor.is_finite() && s.rate_limit_factor >= 0.0) {
            self.issue(
                "sim.rate_limit_factor",
                format!("must be 0 or more (got {}); 1.0 applies the documented limits, 0 turns them off", s.rate_limit_factor),
            );
        }
        let corps: HashSet<&str> = c.wecom.iter().map(|corp| corp.name.as_str()).collect();
        let mut seen: HashSet<&str> = HashSet::new();
        for (i, sc) in s.corps.iter().enumerate() {
            let base = format!("sim.corps[{i}]");
            if !corps.contains(sc.corp.as_str()) {
                self.issue(
                    format!("{base}.corp"),
                    format!(
                        "`{}` is not the name of a [[wecom]] corp; use one of: {}",
                        sc.corp,
                        listing(c.wecom.iter().map(|c| c.name.as_str()))
                    ),
                );
            }
            if !seen.insert(&sc.corp) {
                self.issue(
                    format!("{base}.corp"),
                    format!(
                        "`{}` already has a [[sim.corps]] entry; merge them",
                        sc.corp
                    ),
                );
            }
            if sc.departments == 0 {
                self.issue(
                    format!("{base}.departments"),
                    "must be at least 1 (the root department)",
                );
            }
        }
        let mut seen: HashSet<&str> = HashSet::new();
        for (i, sa) in s.apps.iter().enumerate() {
            let base = format!("sim.apps[{i}]");
            if c.app(&sa.app).is_none() {
                self.issue(
                    format!("{base}.app"),
                    format!(
                        "`{}` is not the name of a configured app; use one of: {}",
                        sa.app,
                        listing(c.apps().map(|a| a.name()))
                    ),
                );
            }
            if !seen.insert(&sa.app) {
                self.issue(
                    format!("{base}.app"),
                    format!("`{}` already has a [[sim.apps]] entry; merge them", sa.app),
                );
            }
            for (j, d) in sa.visible_departments.iter().enumerate() {
                if *d == 0 {
                    self.issue(
                        format!("{base}.visible_departments[{j}]"),
                        "department ids start at 1 (the root)",
                    );
                }
            }
        }
    }
}

fn listing<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if all.is_empty() {
        "(none configured)".to_owned()
    } else {
        all.join(", ")
    }
}

/// A path on this host: ASCII (percent-encoded), starts with one `/`, no backslash, no control
/// characters.
fn return_to_shape_ok(path: &str) -> bool {
    path.starts_with('/')
        && path.is_ascii()
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// A minimal absolute http(s) URL check: scheme, non-empty host, numeric port if any.
pub(crate) fn check_http_url(url: &str) -> Result<(), &'static str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("it must start with http:// or https://")?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains spaces or control characters");
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or("its IPv6 host is missing `]`")?;
        (h, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err("it has no host");
    }
    if let Some(p) = port {
        p.parse::<u16>()
            .map_err(|_| "its port is not a number from 0 to 65535")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_http_url;

    #[test]
    fn http_urls() {
        assert!(check_http_url("https://qyapi.weixin.qq.com").is_ok());
        assert!(check_http_url("http://127.0.0.1:3000/events").is_ok());
        assert!(check_http_url("http://[::1]:9080").is_ok());
        assert!(check_http_url("ftp://x").is_err());
        assert!(check_http_url("http://").is_err());
        assert!(check_http_url("http://host:99999/").is_err());
        assert!(check_http_url("http://ho st/").is_err());
    }
}
