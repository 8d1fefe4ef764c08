//! `GET|POST /oidc/logout`: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).
//!
//! Parameters: `id_token_hint` (an ID token wxgate issued, expired or not), `client_id`,
//! `post_logout_redirect_uri`, `state`. The redirect URI must be one of the client's
//! `post_logout_redirect_uris` exactly (the client is named by the hint's `aud` or `client_id`);
//! otherwise wxgate shows an error page and redirects nowhere.
//!
//! The browser's wxgate session ends (cookie cleared, session revoked through
//! [`crate::accounts::end_session`]) and the grants that came from it are revoked, except those
//! with `offline_access`. When the hint names another user than the session's, the session is
//! left alone (the request cannot be for it).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::accounts::{CurrentSession, end_session};
use crate::oidc::access_token::verify_signed;
use crate::oidc::authorize::with_query;
use crate::oidc::clients;
use crate::oidc::issue::GRANT_CLAIM;
use crate::state::Gateway;

/// The logout route.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/oidc/logout", get(logout_get).post(logout_post))
}

async fn logout_get(
    State(gateway): State<Gateway>,
    session: CurrentSession,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    logout(
        &gateway,
        session,
        &headers,
        query.as_deref().unwrap_or_default(),
    )
    .await
}

async fn logout_post(
    State(gateway): State<Gateway>,
    session: CurrentSession,
    headers: HeaderMap,
    body: String,
) -> Response {
    logout(&gateway, session, &headers, &body).await
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    (
        status,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>{}</title><h1>{}</h1><p>{}</p>",
            escape(title),
            escape(title),
            escape(text)
        )),
    )
        .into_response()
}

fn refused(text: &str) -> Response {
    page(StatusCode::BAD_REQUEST, "Sign-out request refused", text)
}

async fn logout(
    gateway: &Gateway,
    session: CurrentSession,
    headers: &HeaderMap,
    raw: &str,
) -> Response {
    let params: HashMap<String, String> = url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let mut hint_sub = None;
    let mut client_id = get("client_id").map(str::to_owned);
    if let Some(hint) = get("id_token_hint") {
        let claims = match verify_signed(gateway, hint, None, false).await {
            Ok(c) if c[GRANT_CLAIM].is_null() => c,
            Ok(_) => return refused("id_token_hint is an access token; send the ID token"),
            Err(why) => {
                return refused(&format!(
                    "id_token_hint is not an ID token issued by wxgate: {why}"
                ));
            }
        };
        let aud = match &claims["aud"] {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Array(a) => a.first().and_then(|v| v.as_str()).map(str::to_owned),
            _ => None,
        };
        if let (Some(given), Some(aud)) = (&client_id, &aud)
            && given != aud
        {
            return refused("client_id does not match the audience of id_token_hint");
        }
        client_id = client_id.or(aud);
        hint_sub = claims["sub"].as_str().map(str::to_owned);
    }
    let redirect = match get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => {
            let Some(client_id) = &client_id else {
                return refused(
                    "post_logout_redirect_uri needs the client: send id_token_hint or client_id",
                );
            };
            let client = match clients::find(gateway, client_id).await {
                Ok(Some(c)) => c,
                Ok(None) => return refused(&format!("no OIDC client `{client_id}` is configured")),
                Err(e) => return refused(&format!("storage error: {e}")),
            };
            if !client.allows_post_logout_redirect(uri) {
                return refused(&format!(
                    "post_logout_redirect_uri `{uri}` is not registered for client `{client_id}`; it must match one of its post_logout_redirect_uris exactly"
                ));
            }
            Some(uri.to_owned())
        }
    };
    let mut clear_cookie = None;
    if let Some(current) = session.0 {
        let same_user = hint_sub.as_deref().is_none_or(|sub| sub == current.user.id);
        if same_user {
            if let Err(e) = gateway
                .store
                .revoke_session_grants(&current.session.id, "signed out (RP-initiated logout)")
                .await
            {
                tracing::error!(error = %e, "cannot revoke the grants of a session at logout");
            }
            match end_session(gateway, headers).await {
                Ok(cookie) => clear_cookie = Some(cookie),
                Err(e) => {
                    return page(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Sign-out failed",
                        &e.to_string(),
                    );
                }
            }
        }
    }
    let mut response = match redirect {
        Some(uri) => {
            let target = match get("state") {
                Some(state) => with_query(&uri, &[("state", state)]),
                None => uri,
            };
            let mut r = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&target) {
                r.headers_mut().insert(LOCATION, v);
            }
            r
        }
        None => page(
            StatusCode::OK,
            "Signed out",
            "You are signed out of wxgate. You can close this page.",
        ),
    };
    if let Some(cookie) = clear_cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
