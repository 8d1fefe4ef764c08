//! # wxgate-client
//!
//! The async API client for WeCom (`qyapi.weixin.qq.com`) and WeChat (`api.weixin.qq.com`):
//! typed requests and responses, errcodes mapped to typed errors, and the retry rules around
//! tokens. It stores nothing: tokens come from the gateway through [`TokenProvider`].
//!
//! * [`Client`] — one pooled HTTP client with timeouts and the two base URLs ([`http`]).
//! * [`ClientError`], [`PlatformError`], [`ErrorKind`] — what went wrong and what to do ([`error`]).
//! * [`TokenProvider`], [`TokenKey`], [`TokenKind`] — the seam to the token service ([`token`]).
//! * [`Client::call_with_token`], [`RetryPolicy`] — invalidate-and-retry-once, −1 backoff ([`retry`]).
//! * [`RateLimiter`] — client-side per-(corp, API) limits that wait instead of failing ([`rate_limit`]).
//! * Token fetches: [`Client::wecom_get_token`], [`Client::get_suite_token`],
//!   [`Client::mp_stable_token`], … returning [`AccessToken`] / [`Ticket`] ([`credential`]).
//! * WeCom APIs by area ([`wecom`]): suite install, identity, contacts, messages, media, robots.
//! * WeChat APIs by area ([`wechat`]): OAuth and `jscode2session`, template/subscribe messages.
//! * [`decode()`] — errcode-first JSON decoding; [`Secret`] — credentials that never print.
//!
//! ```no_run
//! use std::sync::Arc;
//! use wxgate_client::{BoxFuture, Client, ClientConfig, ClientError, ErrorKind, TokenKey, TokenProvider};
//!
//! /// The gateway's token service goes here; this one knows a single token.
//! struct Fixed(String);
//!
//! impl TokenProvider for Fixed {
//!     fn token<'a>(&'a self, _key: &'a TokenKey) -> BoxFuture<'a, Result<String, ClientError>> {
//!         Box::pin(async move { Ok(self.0.clone()) })
//!     }
//!     fn invalidate<'a>(&'a self, _key: &'a TokenKey, _token: &'a str) -> BoxFuture<'a, ()> {
//!         Box::pin(async {})
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(ClientConfig::default())?;
//! let contacts = client.wecom(Arc::new(Fixed("TOKEN".into())), TokenKey::wecom_contacts("ww123"));
//! match contacts.user_get("zhangsan").await {
//!     Ok(member) => println!("{:?} is in {:?}", member.name, member.department),
//!     Err(e) if e.kind() == Some(ErrorKind::NotFound) => println!("no such member"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(())
//! # }
//! ```

pub mod credential;
pub mod decode;
pub mod error;
pub mod http;
pub mod lenient;
pub mod rate_limit;
pub mod redact;
pub mod retry;
mod scope;
pub mod token;
pub mod wechat;
pub mod wecom;

#[cfg(test)]
mod fixture_tests;

pub use credential::{AccessToken, Ticket};
pub use decode::decode;
pub use error::{CallContext, ClientError, ErrorKind, PlatformError};
pub use http::{CallObserver, Client, ClientConfig};
pub use lenient::Gender;
pub use rate_limit::{RateLimiter, RateLimits};
pub use redact::Secret;
pub use retry::RetryPolicy;
pub use token::{BoxFuture, TokenKey, TokenKind, TokenProvider};
pub use wechat::MpApi;
pub use wecom::{ProviderApi, SuiteApi, WecomApi};
