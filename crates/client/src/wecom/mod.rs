//! WeCom (企业微信) APIs on `qyapi.weixin.qq.com`, one file per area. Token-bearing calls go
//! through a handle that knows its credential: [`WecomApi`] (a corp access_token: self-built
//! app, contacts secret, authorised corp), [`SuiteApi`] (suite_access_token) and
//! [`ProviderApi`] (provider_access_token).

use std::sync::Arc;

use crate::http::Client;
use crate::rate_limit::RateLimiter;
use crate::scope::TokenScope;
use crate::token::{TokenKey, TokenProvider};

pub mod contacts;
pub mod identity;
pub mod media;
pub mod message;
pub mod robot;
pub mod suite;
pub mod tokens;

/// Calls authenticated by a corp access_token (`?access_token=`).
#[derive(Debug, Clone)]
pub struct WecomApi {
    pub(crate) scope: TokenScope,
}

/// Calls authenticated by a suite_access_token (`?suite_access_token=`).
#[derive(Debug, Clone)]
pub struct SuiteApi {
    pub(crate) scope: TokenScope,
}

/// Calls authenticated by a provider_access_token.
#[derive(Debug, Clone)]
pub struct ProviderApi {
    pub(crate) scope: TokenScope,
}

macro_rules! rate_limited {
    ($ty:ty) => {
        impl $ty {
            /// Sends every call through `limiter`, counted against `corp_id`.
            pub fn with_rate_limit(
                mut self,
                limiter: RateLimiter,
                corp_id: impl Into<String>,
            ) -> Self {
                self.scope.set_rate_limit(limiter, corp_id.into());
                self
            }

            /// The token this handle uses.
            pub fn token_key(&self) -> &TokenKey {
                self.scope.key()
            }
        }
    };
}
rate_limited!(WecomApi);
rate_limited!(SuiteApi);
rate_limited!(ProviderApi);

impl Client {
    /// WeCom calls using the corp access_token named by `key` (an app, the contacts secret, or
    /// an authorised corp).
    pub fn wecom(&self, tokens: Arc<dyn TokenProvider>, key: TokenKey) -> WecomApi {
        WecomApi {
            scope: TokenScope::new(self.clone(), tokens, key),
        }
    }

    /// Third-party suite calls using the suite_access_token named by `key`.
    pub fn suite(&self, tokens: Arc<dyn TokenProvider>, key: TokenKey) -> SuiteApi {
        SuiteApi {
            scope: TokenScope::new(self.clone(), tokens, key),
        }
    }

    /// Provider calls using the provider_access_token named by `key`.
    pub fn provider(&self, tokens: Arc<dyn TokenProvider>, key: TokenKey) -> ProviderApi {
        ProviderApi {
            scope: TokenScope::new(self.clone(), tokens, key),
        }
    }
}
