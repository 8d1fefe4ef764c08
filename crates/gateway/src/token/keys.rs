//! The cache key of every token kind (the names shared with other services through the store),
//! and the mapping between keys and configured apps. The client crate defines the prefixes;
//! this module adds the constructors it lacks and the reverse lookup.
//!
//! | kind | key |
//! |---|---|
//! | WeCom app access token | `wecom:{corp_id}:{agent_id}` |
//! | WeCom contacts access token | `wecom-contacts:{corp_id}` |
//! | WeCom mini program access token | `wecom-mp:{corp_id}:{appid}` |
//! | WeCom corp jsapi_ticket | `wecom-jsapi:{corp_id}:{agent_id}` (fetched with that app's token) |
//! | WeCom agent_config ticket | `wecom-agent-ticket:{corp_id}:{agent_id}` |
//! | MP / mini program access token | `mp:{appid}` |
//! | MP jsapi ticket | `mp-jsapi:{appid}` |
//! | suite_access_token | `suite:{suite_id}` |
//! | provider_access_token | `provider:{provider_corp_id}` |
//! | authorised corp access token | `authcorp:{suite_id}:{corp_id}` |
//! | authorised corp jsapi_ticket | `authcorp-jsapi:{suite_id}:{corp_id}` |
//! | authorised corp agent_config ticket | `authcorp-agent-ticket:{suite_id}:{corp_id}` |
//!
//! Tickets are cached for their whole 7200 s like tokens, which is what keeps the gateway far
//! below the platform's ticket limits (400 per corp and 100 per app per hour, NOTES §3.6).

use wxgate_client::{TokenKey, TokenKind};

use crate::registry::{AppEntry, AppKind};

/// `wecom-mp:{corp_id}:{appid}`: a WeCom mini program's access token.
pub fn wecom_mini_program(corp_id: &str, app_id: &str) -> TokenKey {
    TokenKey::new(TokenKind::WecomMiniProgram, &[corp_id, app_id])
}

/// `wecom-jsapi:{corp_id}:{agent_id}`: the corp jsapi_ticket, fetched with that app's token.
pub fn wecom_jsapi_ticket(corp_id: &str, agent_id: &str) -> TokenKey {
    TokenKey::new(TokenKind::WecomJsapiTicket, &[corp_id, agent_id])
}

/// `wecom-agent-ticket:{corp_id}:{agent_id}`: an app's agent_config ticket.
pub fn wecom_agent_ticket(corp_id: &str, agent_id: &str) -> TokenKey {
    TokenKey::new(TokenKind::WecomAgentTicket, &[corp_id, agent_id])
}

/// `mp-jsapi:{appid}`: an MP jsapi ticket.
pub fn mp_jsapi_ticket(app_id: &str) -> TokenKey {
    TokenKey::new(TokenKind::MpJsapiTicket, &[app_id])
}

/// `authcorp-jsapi:{suite_id}:{corp_id}`: the corp jsapi_ticket of a corp that authorised a
/// suite, fetched with that corp's token.
pub fn auth_corp_jsapi_ticket(suite_id: &str, corp_id: &str) -> TokenKey {
    TokenKey::new(TokenKind::AuthCorpJsapiTicket, &[suite_id, corp_id])
}

/// `authcorp-agent-ticket:{suite_id}:{corp_id}`: the agent_config ticket of the suite's app in
/// a corp that authorised it.
pub fn auth_corp_agent_ticket(suite_id: &str, corp_id: &str) -> TokenKey {
    TokenKey::new(TokenKind::AuthCorpAgentTicket, &[suite_id, corp_id])
}

/// Every key of the corp `corp_id` authorised for `suite_id` (its token and its tickets), for
/// forgetting them together when the corp revokes the suite.
pub fn auth_corp_keys(suite_id: &str, corp_id: &str) -> [TokenKey; 3] {
    [
        TokenKey::auth_corp(suite_id, corp_id),
        auth_corp_jsapi_ticket(suite_id, corp_id),
        auth_corp_agent_ticket(suite_id, corp_id),
    ]
}

/// The parts of `key` after its kind's prefix (`wecom:ww1:1000002` → `["ww1", "1000002"]`).
pub fn parts(key: &TokenKey) -> Vec<&str> {
    key.as_str()
        .strip_prefix(key.kind().prefix())
        .and_then(|rest| rest.strip_prefix(':'))
        .map(|rest| rest.split(':').collect())
        .unwrap_or_default()
}

/// The key of `kind` belonging to `app`, or `None` when that app has no such token
/// (e.g. a jsapi ticket of a contacts secret).
pub fn for_app(app: &AppEntry, kind: TokenKind) -> Option<TokenKey> {
    match (&app.kind, kind) {
        (AppKind::WecomApp { corp_id, agent_id }, TokenKind::WecomApp) => {
            Some(TokenKey::wecom_app(corp_id, &agent_id.to_string()))
        }
        (AppKind::WecomApp { corp_id, agent_id }, TokenKind::WecomJsapiTicket) => {
            Some(wecom_jsapi_ticket(corp_id, &agent_id.to_string()))
        }
        (AppKind::WecomApp { corp_id, agent_id }, TokenKind::WecomAgentTicket) => {
            Some(wecom_agent_ticket(corp_id, &agent_id.to_string()))
        }
        (AppKind::WecomContacts { corp_id }, TokenKind::WecomContacts) => {
            Some(TokenKey::wecom_contacts(corp_id))
        }
        (
            AppKind::WecomMiniProgram {
                corp_id, app_id, ..
            },
            TokenKind::WecomMiniProgram,
        ) => Some(wecom_mini_program(corp_id, app_id)),
        (
            AppKind::OfficialAccount { app_id } | AppKind::MiniProgram { app_id, .. },
            TokenKind::MpAccessToken,
        ) => Some(TokenKey::mp(app_id)),
        (AppKind::OfficialAccount { app_id }, TokenKind::MpJsapiTicket) => {
            Some(mp_jsapi_ticket(app_id))
        }
        (AppKind::Suite { suite_id, .. }, TokenKind::SuiteAccessToken) => {
            Some(TokenKey::suite(suite_id))
        }
        (
            AppKind::Suite {
                provider: Some(provider),
                ..
            },
            TokenKind::ProviderAccessToken,
        ) => Some(TokenKey::provider(&provider.corp_id)),
        _ => None,
    }
}

/// The kind of an app's own access token (what `GET …/token` returns), if it has one.
pub fn access_token_kind(app: &AppEntry) -> Option<TokenKind> {
    match app.kind {
        AppKind::WecomApp { .. } => Some(TokenKind::WecomApp),
        AppKind::WecomContacts { .. } => Some(TokenKind::WecomContacts),
        AppKind::WecomMiniProgram { .. } => Some(TokenKind::WecomMiniProgram),
        AppKind::Suite { .. } => Some(TokenKind::SuiteAccessToken),
        AppKind::OfficialAccount { .. } | AppKind::MiniProgram { .. } => {
            Some(TokenKind::MpAccessToken)
        }
        AppKind::Website { .. } => None,
    }
}

/// Whether `app` owns `key` (the reverse of [`for_app`]; authorised-corp keys belong to their
/// suite).
pub fn owns(app: &AppEntry, key: &TokenKey) -> bool {
    let kind = key.kind();
    if matches!(
        kind,
        TokenKind::AuthCorpAccessToken
            | TokenKind::AuthCorpJsapiTicket
            | TokenKind::AuthCorpAgentTicket
    ) {
        return matches!(&app.kind, AppKind::Suite { suite_id, .. } if parts(key).first() == Some(&suite_id.as_str()));
    }
    for_app(app, kind).is_some_and(|own| own == *key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(kind: AppKind) -> AppEntry {
        AppEntry::bare("a", kind)
    }

    #[test]
    fn keys_round_trip_to_their_app() {
        let wecom = app(AppKind::WecomApp {
            corp_id: "ww1".into(),
            agent_id: 1000002,
        });
        let key = for_app(&wecom, TokenKind::WecomJsapiTicket).unwrap();
        assert_eq!(key.as_str(), "wecom-jsapi:ww1:1000002");
        assert_eq!(parts(&key), ["ww1", "1000002"]);
        assert!(owns(&wecom, &key));
        assert!(!owns(&wecom, &wecom_jsapi_ticket("ww1", "1000003")));
        assert_eq!(for_app(&wecom, TokenKind::MpAccessToken), None);

        let suite = app(AppKind::Suite {
            suite_id: "wwsuite".into(),
            provider: None,
        });
        assert!(owns(&suite, &TokenKey::auth_corp("wwsuite", "wwc")));
        assert!(!owns(&suite, &TokenKey::auth_corp("other", "wwc")));
        let ticket = auth_corp_jsapi_ticket("wwsuite", "wwc");
        assert_eq!(ticket.as_str(), "authcorp-jsapi:wwsuite:wwc");
        assert_eq!(parts(&ticket), ["wwsuite", "wwc"]);
        assert!(owns(&suite, &ticket));
        assert!(owns(&suite, &auth_corp_agent_ticket("wwsuite", "wwc")));
        assert!(!owns(&suite, &auth_corp_agent_ticket("other", "wwc")));
        assert_eq!(for_app(&suite, TokenKind::ProviderAccessToken), None);
        assert_eq!(access_token_kind(&suite), Some(TokenKind::SuiteAccessToken));
    }
}
