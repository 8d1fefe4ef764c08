//! What a platform API handler knows about the call it serves: which platform's answer style to
//! use, the API path, the client's IP (for `from ip:` in WeCom errors) and, once a credential was
//! checked, which app is calling (for the stats). The API layer puts an [`ApiCtx`] into every
//! platform request; handlers take it as an extractor.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Serialize;

/// Which platform a route belongs to: decides the error suffix and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// WeCom, `qyapi.weixin.qq.com`.
    WeCom,
    /// WeChat, `api.weixin.qq.com`.
    WeChat,
}

/// How a group of routes learns its platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformChoice {
    /// Every route in the group belongs to this platform.
    Fixed(Platform),
    /// Paths both platforms serve (`/cgi-bin/getcallbackip`…): the platform that issued the
    /// `access_token` query parameter; WeCom when there is none or it is unknown.
    ByToken,
}

#[derive(Debug)]
struct CtxInner {
    platform: Platform,
    path: String,
    client_ip: String,
    caller: Mutex<Option<String>>,
}

/// The context of one platform API call.
#[derive(Debug, Clone)]
pub struct ApiCtx {
    inner: Arc<CtxInner>,
}

impl ApiCtx {
    /// A context for a call on `path` from `client_ip`.
    pub fn new(platform: Platform, path: impl Into<String>, client_ip: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(CtxInner {
                platform,
                path: path.into(),
                client_ip: client_ip.into(),
                caller: Mutex::new(None),
            }),
        }
    }

    /// The platform whose answer style applies.
    pub fn platform(&self) -> Platform {
        self.inner.platform
    }

    /// The API path (the route pattern, e.g. `/cgi-bin/gettoken`).
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The caller's IP address as text.
    pub fn client_ip(&self) -> &str {
        &self.inner.client_ip
    }

    /// Records which app (or suite, account…) is calling.
    pub fn set_caller(&self, name: &str) {
        *self.inner.caller.lock().unwrap_or_else(|e| e.into_inner()) = Some(name.to_owned());
    }

    /// The calling app, once known.
    pub fn caller(&self) -> Option<String> {
        self.inner
            .caller
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCtx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ApiCtx>()
            .cloned()
            .unwrap_or_else(|| ApiCtx::new(Platform::WeCom, parts.uri.path(), "127.0.0.1")))
    }
}

/// A non-empty query parameter (the platforms treat `?x=` like a missing `x`).
pub fn param<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}
