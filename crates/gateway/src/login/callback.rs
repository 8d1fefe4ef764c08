//! `GET /login/callback/{flow}/{app}?code=…&state=…`: where the platform sends the browser back.
//!
//! In order: the state must be one this gateway issued to this browser (its `wxgate_login`
//! cookie), for this very flow and app, unused and in time — else a clear refusal (a replayed
//! callback is "already used", another browser's is "started elsewhere"); no `code` means the
//! person declined; the code is exchanged once with the platform (a used code is the platform's
//! 40029 / 40163, shown as such); the proved identities sign in (create / link / merge, events);
//! a session starts (`Set-Cookie: wxgate_session`, replacing this browser's previous one) and the
//! browser is sent to `return_to` with `302`.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use wxgate_store::TakenLogin;

use crate::accounts::session::session_token;
use crate::accounts::{ClientInfo, sign_in, start_session};
use crate::login::entry::start_over_url;
use crate::login::error::LoginError;
use crate::login::flow::{Flow, complete};
use crate::login::state::browser_nonce;
use crate::state::Gateway;

/// The route.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/login/callback/{flow}/{app}", get(callback))
}

/// What the platform appends to the redirect URI.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    /// The login code (absent when the person declined).
    pub code: Option<String>,
    /// The provider web login's older name for the code.
    pub auth_code: Option<String>,
    /// The state `/login` sent.
    pub state: Option<String>,
}

async fn callback(
    State(gateway): State<Gateway>,
    Path((flow, app)): Path<(String, String)>,
    headers: HeaderMap,
    client: ClientInfo,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    match finish(&gateway, &flow, &app, &headers, &client, query).await {
        Ok(response) => response,
        Err(e) => {
            tracing::info!(flow = %flow, app = %app, code = e.code(), "login refused: {}", e.message());
            e.render(&headers)
        }
    }
}

fn start_again() -> LoginError {
    LoginError::bad_request(
        "invalid_state",
        "This login was not started by this gateway, or was started too long ago.",
        "Go back to the application and start the login again.",
    )
}

async fn finish(
    gateway: &Gateway,
    flow: &str,
    app: &str,
    headers: &HeaderMap,
    client: &ClientInfo,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, LoginError> {
    let Query(query) = query.map_err(|e| {
        LoginError::bad_request(
            "bad_request",
            format!("The platform's redirect is malformed: {e}."),
            "Start the login again.",
        )
    })?;
    let flow = Flow::parse(flow).ok_or_else(|| {
        LoginError::new(
            StatusCode::NOT_FOUND,
            "unknown_flow",
            format!("`{flow}` is not a login flow of this gateway."),
            "Start the login again from the application.",
        )
    })?;
    let state = query.state.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
        LoginError::bad_request(
            "missing_state",
            "The platform sent the browser back without the login's state, so this gateway cannot tell which login it belongs to.",
            "Start the login again from the application.",
        )
    })?;
    let nonce = browser_nonce(headers);
    let login = match gateway.store.take_login(state, nonce.as_deref()).await? {
        TakenLogin::Taken(login) => login,
        TakenLogin::Unknown => return Err(start_again()),
        TakenLogin::OtherBrowser => {
            return Err(LoginError::refused(
                "state_mismatch",
                "This login was started in another browser (or this browser did not keep the gateway's login cookie), so it cannot finish here.",
                "Start the login again in this browser, and allow cookies for this site.",
            ));
        }
        TakenLogin::Used => {
            return Err(LoginError::bad_request(
                "login_already_used",
                "This login has already finished; its link works once.",
                "Go back to the application; if you are not signed in, start the login again.",
            ));
        }
        TakenLogin::Expired => {
            return Err(LoginError::bad_request(
                "login_expired",
                "This login took too long and has expired.",
                "Start the login again and complete it within a few minutes.",
            ));
        }
    };
    if login.flow != flow.as_str() || login.app != app {
        // The platform came back to another redirect URI than the one this login sent.
        return Err(start_again());
    }
    let again = start_over_url(&login.return_to, None);
    let Some(code) = query
        .code
        .as_deref()
        .or(query.auth_code.as_deref())
        .filter(|c| !c.is_empty())
    else {
        return Err(LoginError::refused(
            "consent_declined",
            "The login was declined on the platform's page, so no account was shared.",
            "Start the login again and confirm it on the platform's page.",
        )
        .start_over(again));
    };
    let entry = gateway.registry.get(app).ok_or_else(|| {
        LoginError::new(
            StatusCode::NOT_FOUND,
            "unknown_app",
            format!("The app `{app}` is no longer configured on this gateway."),
            "Ask an administrator; then start the login again.",
        )
    })?;
    let proof = complete(gateway, flow, &entry, code)
        .await
        .map_err(|e| e.start_over(again.clone()))?;
    let signed_in = sign_in(gateway, proof).await?;
    if let Some(previous) = session_token(headers) {
        gateway.store.revoke_session(&previous).await?;
    }
    let method = format!("{flow}:{app}");
    let (_, cookie) = start_session(gateway, &signed_in.user.id, &method, client).await?;
    let location = HeaderValue::from_str(&login.return_to).map_err(|_| start_again())?;
    tracing::info!(flow = %flow, app = %app, user = %signed_in.user.id, created = signed_in.created, "signed in");
    Ok((
        StatusCode::FOUND,
        [
            (LOCATION, location),
            (SET_COOKIE, cookie),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response())
}
