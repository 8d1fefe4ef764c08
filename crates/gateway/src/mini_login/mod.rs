//! Mini-program logins: a `wx.login` code (WeChat Mini Program) or a `wx.qy.login` code (WeCom
//! Mini Program) proves who opened the mini program; wxgate exchanges it upstream, signs the
//! person in (one user behind their identities, like every other login), and keeps the returned
//! `session_key` sealed for later open-data decryption. Mini programs have no browser redirect,
//! so they reach this through the token endpoint's RFC 8693 token exchange
//! ([`crate::oidc::token_exchange`]); the open data (phone number, user info) comes afterwards
//! through [`open_data`].
//!
//! | module | what it is |
//! |---|---|
//! | [`wechat`] | `sns/jscode2session` with the mini program's AppSecret |
//! | [`wecom`] | `miniprogram/jscode2session` with the linked app's token; corp allowlist, visibility, member status |
//! | [`open_data`] | `POST /oidc/mini/open-data`: rawData signature check, encryptedData decryption |
//! | [`error`] | why a mini-program login was refused |

pub mod error;
pub mod open_data;
pub mod wechat;
pub mod wecom;

use axum::Router;

pub use error::MiniLoginError;

use crate::state::Gateway;

/// The mini-program routes (open data).
pub fn routes() -> Router<Gateway> {
    open_data::routes()
}
