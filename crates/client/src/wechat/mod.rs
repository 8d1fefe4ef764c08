//! WeChat 公众号 / Mini Program / open-platform APIs on `api.weixin.qq.com`: token fetches,
//! OAuth (web login and `jscode2session`), and messages sent with an MP access_token through
//! [`MpApi`].

use std::sync::Arc;

use crate::http::Client;
use crate::scope::TokenScope;
use crate::token::{TokenKey, TokenProvider};

pub mod message;
pub mod oauth;
pub mod tokens;

/// Calls authenticated by an MP / Mini Program access_token (`?access_token=`).
#[derive(Debug, Clone)]
pub struct MpApi {
    pub(crate) scope: TokenScope,
}

impl MpApi {
    /// The token this handle uses.
    pub fn token_key(&self) -> &TokenKey {
        self.scope.key()
    }
}

impl Client {
    /// MP / Mini Program calls using the access_token named by `key`.
    pub fn mp(&self, tokens: Arc<dyn TokenProvider>, key: TokenKey) -> MpApi {
        MpApi {
            scope: TokenScope::new(self.clone(), tokens, key),
        }
    }
}
