//! The seam to the gateway's token service: the client asks a [`TokenProvider`] for the token a
//! call needs and tells it when the platform rejected one. The client stores nothing.

use std::future::Future;
use std::pin::Pin;

use crate::error::ClientError;

/// A boxed, `Send` future, so [`TokenProvider`] works as `Arc<dyn TokenProvider>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which credential a call needs; the gateway's token service resolves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// WeCom self-built app access_token (`gettoken` with the app's secret).
    WecomApp,
    /// WeCom access_token from the 通讯录同步 (contacts) secret.
    WecomContacts,
    /// WeCom access_token of the app linked to a Mini Program.
    WecomMiniProgram,
    /// WeCom corp jsapi_ticket (`get_jsapi_ticket`, for `wx.config`).
    WecomJsapiTicket,
    /// WeCom app ticket (`ticket/get?type=agent_config`, for `wx.agentConfig`).
    WecomAgentTicket,
    /// MP / Mini Program access_token (`stable_token`).
    MpAccessToken,
    /// MP jsapi ticket (`ticket/getticket?type=jsapi`).
    MpJsapiTicket,
    /// WeCom third-party suite_access_token.
    SuiteAccessToken,
    /// WeCom provider_access_token.
    ProviderAccessToken,
    /// Access token of a corp that authorised a suite (`get_corp_token`).
    AuthCorpAccessToken,
    /// Corp jsapi_ticket of a corp that authorised a suite, fetched with its token.
    AuthCorpJsapiTicket,
    /// agent_config ticket of a suite's app in a corp that authorised it.
    AuthCorpAgentTicket,
}

impl TokenKind {
    /// The prefix of this kind's cache keys.
    pub fn prefix(self) -> &'static str {
        match self {
            TokenKind::WecomApp => "wecom",
            TokenKind::WecomContacts => "wecom-contacts",
            TokenKind::WecomMiniProgram => "wecom-mp",
            TokenKind::WecomJsapiTicket => "wecom-jsapi",
            TokenKind::WecomAgentTicket => "wecom-agent-ticket",
            TokenKind::MpAccessToken => "mp",
            TokenKind::MpJsapiTicket => "mp-jsapi",
            TokenKind::SuiteAccessToken => "suite",
            TokenKind::ProviderAccessToken => "provider",
            TokenKind::AuthCorpAccessToken => "authcorp",
            TokenKind::AuthCorpJsapiTicket => "authcorp-jsapi",
            TokenKind::AuthCorpAgentTicket => "authcorp-agent-ticket",
        }
    }
}

/// A cache key naming one token, e.g. `wecom:ww123:1000002`, `suite:ww456`,
/// `authcorp:ww456:wwcorp`. It is a name, never the token itself, so it may be logged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenKey {
    kind: TokenKind,
    key: String,
}

impl TokenKey {
    /// A key of `kind` made of `parts` joined with `:` after the kind's prefix.
    pub fn new(kind: TokenKind, parts: &[&str]) -> Self {
        let mut key = kind.prefix().to_owned();
        for part in parts {
            key.push(':');
            key.push_str(part);
        }
        TokenKey { kind, key }
    }

    /// `wecom:{corp_id}:{agent_id}`: a WeCom app's access_token.
    pub fn wecom_app(corp_id: &str, agent_id: &str) -> Self {
        Self::new(TokenKind::WecomApp, &[corp_id, agent_id])
    }

    /// `wecom-contacts:{corp_id}`: the contacts-secret access_token.
    pub fn wecom_contacts(corp_id: &str) -> Self {
        Self::new(TokenKind::WecomContacts, &[corp_id])
    }

    /// `mp:{appid}`: an MP / Mini Program access_token.
    pub fn mp(appid: &str) -> Self {
        Self::new(TokenKind::MpAccessToken, &[appid])
    }

    /// `suite:{suite_id}`: a suite_access_token.
    pub fn suite(suite_id: &str) -> Self {
        Self::new(TokenKind::SuiteAccessToken, &[suite_id])
    }

    /// `provider:{corp_id}`: a provider_access_token.
    pub fn provider(corp_id: &str) -> Self {
        Self::new(TokenKind::ProviderAccessToken, &[corp_id])
    }

    /// `authcorp:{suite_id}:{corp_id}`: an authorised corp's access_token.
    pub fn auth_corp(suite_id: &str, corp_id: &str) -> Self {
        Self::new(TokenKind::AuthCorpAccessToken, &[suite_id, corp_id])
    }

    /// The credential kind.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The key as one string.
    pub fn as_str(&self) -> &str {
        &self.key
    }
}

impl std::fmt::Display for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key)
    }
}

/// Supplies tokens to the client. Implemented by the gateway's token service (memory → store →
/// single-flight fetch); tests implement it with a script.
pub trait TokenProvider: Send + Sync {
    /// The current token for `key`, fetching one if needed.
    fn token<'a>(&'a self, key: &'a TokenKey) -> BoxFuture<'a, Result<String, ClientError>>;

    /// The platform rejected `token` for `key`: drop it, but only if it is still the cached one
    /// (compare-and-delete, so a fresher token fetched meanwhile survives).
    fn invalidate<'a>(&'a self, key: &'a TokenKey, token: &'a str) -> BoxFuture<'a, ()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_token_and_its_owner() {
        assert_eq!(
            TokenKey::wecom_app("ww123", "1000002").as_str(),
            "wecom:ww123:1000002"
        );
        assert_eq!(TokenKey::suite("ww456").as_str(), "suite:ww456");
        assert_eq!(
            TokenKey::auth_corp("ww456", "wwcorp").to_string(),
            "authcorp:ww456:wwcorp"
        );
        assert_eq!(TokenKey::mp("wx1").kind(), TokenKind::MpAccessToken);
    }
}
