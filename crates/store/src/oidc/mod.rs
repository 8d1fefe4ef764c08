//! The OpenID Connect provider's storage: signing keys (private halves sealed), relying parties
//! added at run time, authorization codes, grants with their refresh tokens, revoked access
//! tokens, and the mini-program session keys.
//!
//! Codes and refresh tokens are stored only as keyed fingerprints ([`Store::oidc_token_hash`]);
//! a database dump cannot be replayed against the token endpoint.

mod clients;
mod codes;
mod grants;
mod keys;
mod mini_sessions;

pub use clients::{NewOidcClient, StoredOidcClient};
pub use codes::{NewCode, Redeemed, StoredCode};
pub use grants::{Grant, NewGrant, Refreshed};
pub use keys::{NewSigningKey, StoredSigningKey};
pub use mini_sessions::MiniSession;

use crate::store::Store;

impl Store {
    /// The keyed fingerprint under which a code, refresh token or client secret is stored.
    pub fn oidc_token_hash(&self, token: &str) -> String {
        self.secrets().fingerprint(token)
    }
}

/// A JSON array of strings stored as TEXT.
fn to_json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads a JSON array of strings (an unreadable value reads as empty).
fn from_json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}
