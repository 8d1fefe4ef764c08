//! Which flow and app a `/login` runs: from the browser (User-Agent) and an optional
//! `provider` hint.
//!
//! Browsers: `wxwork` in the User-Agent is the WeCom browser, else `MicroMessenger` is the WeChat
//! browser (WeCom's User-Agent carries both), anything else is "desktop" (a QR code to scan).
//!
//! Hint grammar: `provider=PLATFORM` or `provider=PLATFORM:NAME`, PLATFORM `wecom` or `wechat`.
//!
//! | hint | WeCom browser | WeChat browser / desktop |
//! |---|---|---|
//! | none | `[login] wecom` (OAuth) | `[login] wechat` (OA OAuth) / `[login] desktop` (QR) |
//! | `wecom` | `[login] wecom`, OAuth | `[login] desktop` if it is a WeCom app or suite, else `[login] wecom`; web login |
//! | `wecom:APP` | APP (WeCom app or suite), OAuth | APP, web login (a suite needs its provider) |
//! | `wecom:CORP` | the corp's app: `[login] wecom`/`desktop` if in that corp, else its only app | same, web login |
//! | `wechat` | `[login] wechat` in the WeChat browser, else `[login] desktop` if it is a website | |
//! | `wechat:APP` | APP: an official account runs OA OAuth, a website QR login, whatever the browser | |

use std::sync::Arc;

use axum::http::StatusCode;

use crate::login::error::LoginError;
use crate::login::flow::Flow;
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;

/// The kind of browser asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    /// The WeCom app's browser (User-Agent `wxwork`).
    Wecom,
    /// The WeChat app's browser (User-Agent `MicroMessenger`).
    Wechat,
    /// Anything else: a QR code to scan with a phone.
    Desktop,
}

impl Browser {
    /// Classifies a User-Agent.
    pub fn from_user_agent(user_agent: Option<&str>) -> Browser {
        let ua = user_agent.unwrap_or_default().to_ascii_lowercase();
        if ua.contains("wxwork") {
            Browser::Wecom
        } else if ua.contains("micromessenger") {
            Browser::Wechat
        } else {
            Browser::Desktop
        }
    }
}

/// The platform a hint names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// WeCom (企业微信).
    Wecom,
    /// WeChat (微信).
    Wechat,
}

/// A parsed `provider` hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The platform.
    pub platform: Platform,
    /// The app (or, for WeCom, corp) name, if one was given.
    pub name: Option<String>,
}

impl Hint {
    /// Parses `wecom`, `wechat`, `wecom:NAME`, `wechat:NAME`.
    pub fn parse(raw: &str) -> Result<Hint, LoginError> {
        let (platform, name) = match raw.split_once(':') {
            Some((p, n)) => (p, Some(n)),
            None => (raw, None),
        };
        let platform = match platform {
            "wecom" => Platform::Wecom,
            "wechat" => Platform::Wechat,
            _ => {
                return Err(LoginError::bad_request(
                    "invalid_provider",
                    format!("`provider={raw}` names no platform."),
                    "Use provider=wecom, provider=wechat, provider=wecom:APP or provider=wechat:APP (APP is a configured app name), or leave provider out.",
                ));
            }
        };
        let name = match name {
            None => None,
            Some(n) if is_name(n) => Some(n.to_owned()),
            Some(n) => {
                return Err(LoginError::bad_request(
                    "invalid_provider",
                    format!("`{n}` in `provider={raw}` is not an app name."),
                    "App names are 1–64 characters of a-z, 0-9, `_` and `-`.",
                ));
            }
        };
        Ok(Hint { platform, name })
    }
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The flow and app for a login from `browser` with `hint`.
pub fn choose(
    gateway: &Gateway,
    browser: Browser,
    hint: Option<&Hint>,
) -> Result<(Flow, Arc<AppEntry>), LoginError> {
    let login = &gateway.config.login;
    match hint {
        None => {
            let (key, name) = match browser {
                Browser::Wecom => ("wecom", &login.wecom),
                Browser::Wechat => ("wechat", &login.wechat),
                Browser::Desktop => ("desktop", &login.desktop),
            };
            let app = configured(gateway, key, name.as_deref())?;
            flow_for(browser, &app).map(|flow| (flow, app))
        }
        Some(Hint {
            platform: Platform::Wecom,
            name,
        }) => {
            let app = match name {
                Some(name) => wecom_app_or_corp(gateway, name)?,
                None if browser == Browser::Wecom => {
                    configured(gateway, "wecom", login.wecom.as_deref())?
                }
                None => match login
                    .desktop
                    .as_deref()
                    .and_then(|n| gateway.registry.get(n))
                {
                    Some(app) if is_wecom(&app) => app,
                    _ => configured(gateway, "wecom", login.wecom.as_deref())?,
                },
            };
            if !is_wecom(&app) {
                return Err(wrong_kind(&app, "wecom", "a WeCom app or suite"));
            }
            flow_for(browser, &app).map(|flow| (flow, app))
        }
        Some(Hint {
            platform: Platform::Wechat,
            name,
        }) => {
            let app = match name {
                Some(name) => known(gateway, name)?,
                None if browser == Browser::Wechat => {
                    configured(gateway, "wechat", login.wechat.as_deref())?
                }
                None => {
                    let app = configured(gateway, "desktop", login.desktop.as_deref())?;
                    if !matches!(app.kind, AppKind::Website { .. }) {
                        return Err(not_configured(
                            "wechat QR login",
                            "set [login] desktop to a [[wechat.websites]] app",
                        ));
                    }
                    app
                }
            };
            match app.kind {
                AppKind::OfficialAccount { .. } => Ok((Flow::WechatOauth, app)),
                AppKind::Website { .. } => Ok((Flow::WechatQr, app)),
                _ => Err(wrong_kind(
                    &app,
                    "wechat",
                    "an official account or a website app",
                )),
            }
        }
    }
}

fn is_wecom(app: &AppEntry) -> bool {
    matches!(app.kind, AppKind::WecomApp { .. } | AppKind::Suite { .. })
}

/// The flow `app` runs for `browser`.
fn flow_for(browser: Browser, app: &AppEntry) -> Result<Flow, LoginError> {
    let flow = match (&app.kind, browser) {
        (AppKind::WecomApp { .. }, Browser::Wecom) => Flow::WecomOauth,
        (AppKind::WecomApp { .. }, _) => Flow::WecomWeb,
        (AppKind::Suite { .. }, Browser::Wecom) => Flow::Wecom3rd,
        (AppKind::Suite { .. }, _) => Flow::Wecom3rdWeb,
        (AppKind::OfficialAccount { .. }, _) => Flow::WechatOauth,
        (AppKind::Website { .. }, _) => Flow::WechatQr,
        _ => {
            return Err(wrong_kind(
                app,
                "login",
                "a WeCom app, a suite, an official account or a website app",
            ));
        }
    };
    if !flow.runs_on(app) {
        return Err(LoginError::bad_request(
            "unsupported_provider",
            format!(
                "Suite `{}` has no provider credentials, so it cannot run WeCom web login outside the WeCom app.",
                app.name
            ),
            "Open this page inside WeCom, or ask an administrator to set provider_corp_id and provider_secret on the suite.",
        ));
    }
    Ok(flow)
}

/// The app `[login] KEY` names.
fn configured(
    gateway: &Gateway,
    key: &str,
    name: Option<&str>,
) -> Result<Arc<AppEntry>, LoginError> {
    let what = match key {
        "wecom" => "logins from the WeCom app",
        "wechat" => "logins from the WeChat app",
        _ => "logins from this browser (QR login)",
    };
    let Some(name) = name else {
        let kinds = match key {
            "wecom" => "a [[wecom.apps]] app or a [[suites]] suite",
            "wechat" => "a [[wechat.official_accounts]] account",
            _ => "a [[wechat.websites]] app or a [[wecom.apps]] app",
        };
        return Err(not_configured(
            what,
            &format!("set [login] {key} to {kinds}"),
        ));
    };
    known(gateway, name)
}

fn not_configured(what: &str, fix: &str) -> LoginError {
    LoginError::new(
        StatusCode::NOT_IMPLEMENTED,
        "login_not_configured",
        format!("This gateway has no app configured for {what}."),
        format!(
            "Try another browser or provider, or ask an administrator to {fix} in the gateway's configuration."
        ),
    )
}

/// The app called `name`.
fn known(gateway: &Gateway, name: &str) -> Result<Arc<AppEntry>, LoginError> {
    gateway.registry.get(name).ok_or_else(|| {
        LoginError::new(
            StatusCode::NOT_FOUND,
            "unknown_app",
            format!("No app named `{name}` is configured on this gateway."),
            "Check the provider= value in the link; an administrator can list the apps with `wxgate check-config`.",
        )
    })
}

/// A WeCom app or suite called `name`, or the login app of the corp called `name`.
fn wecom_app_or_corp(gateway: &Gateway, name: &str) -> Result<Arc<AppEntry>, LoginError> {
    if let Some(app) = gateway.registry.get(name) {
        return Ok(app);
    }
    let Some(corp) = gateway.config.wecom.iter().find(|c| c.name == name) else {
        return known(gateway, name);
    };
    let in_corp = |app: &AppEntry| matches!(&app.kind, AppKind::WecomApp { corp_id, .. } if *corp_id == corp.corp_id);
    let login = &gateway.config.login;
    for preferred in [&login.wecom, &login.desktop].into_iter().flatten() {
        if let Some(app) = gateway.registry.get(preferred).filter(|a| in_corp(a)) {
            return Ok(app);
        }
    }
    let apps: Vec<Arc<AppEntry>> = gateway
        .registry
        .all()
        .into_iter()
        .filter(|a| in_corp(a))
        .collect();
    match apps.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(not_configured(
            &format!("corp `{name}`"),
            "add a [[wecom.apps]] app to that corp",
        )),
        many => Err(LoginError::bad_request(
            "ambiguous_provider",
            format!(
                "Corp `{name}` has several apps, so `provider=wecom:{name}` does not say which one to log in with."
            ),
            format!(
                "Name the app instead: {}.",
                many.iter()
                    .map(|a| format!("provider=wecom:{}", a.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn wrong_kind(app: &AppEntry, platform: &str, needed: &str) -> LoginError {
    LoginError::bad_request(
        "unsupported_provider",
        format!(
            "`{}` is a {} app, which cannot run a {platform} login; that needs {needed}.",
            app.name,
            app.kind.name()
        ),
        "Use another provider= value, or leave it out to let the gateway choose.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_classify() {
        let wecom = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.0 MicroMessenger/7.0.1 Language/zh";
        let wechat = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36 MicroMessenger/8.0.40.2420(0x28002837) NetType/WIFI";
        assert_eq!(Browser::from_user_agent(Some(wecom)), Browser::Wecom);
        assert_eq!(Browser::from_user_agent(Some(wechat)), Browser::Wechat);
        assert_eq!(
            Browser::from_user_agent(Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")),
            Browser::Desktop
        );
        assert_eq!(Browser::from_user_agent(None), Browser::Desktop);
    }

    #[test]
    fn hints_parse() {
        assert_eq!(
            Hint::parse("wecom:acme-oa").unwrap(),
            Hint {
                platform: Platform::Wecom,
                name: Some("acme-oa".into())
            }
        );
        assert_eq!(Hint::parse("wechat").unwrap().name, None);
        for bad in [
            "github",
            "wecom:",
            "wecom:Acme",
            "wecom:a/b",
            "wechat:x:y",
            "",
        ] {
            let e = Hint::parse(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_provider", "{bad}");
        }
    }
}
