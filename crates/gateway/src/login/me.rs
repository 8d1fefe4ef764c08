//! The browser session seen from a web page: `GET /me` (the signed-in user as JSON, 401
//! without a session), `POST /logout` and `GET /logout?return_to=…` (ends the session; the
//! `return_to` rules are `/login`'s).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{CurrentSession, end_session};
use crate::error::ApiError;
use crate::login::error::LoginError;
use crate::login::page::{render, wants_json};
use crate::state::Gateway;

/// The routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/me", get(me))
        .route("/logout", get(logout).post(logout))
}

/// `GET /me`: `{"user":…,"identities":[…],"roles":[…],"session":{method,created_at,expires_at}}`.
async fn me(State(gateway): State<Gateway>, session: CurrentSession) -> Result<Response, ApiError> {
    let Some(current) = session.0 else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            "no live session: sign in at /login?return_to=… first",
        ));
    };
    let identities = gateway.store.identities_of_user(&current.user.id).await?;
    let roles = gateway.store.roles_of_user(&current.user.id).await?;
    let body = json!({
        "user": current.user,
        "identities": identities,
        "roles": roles,
        "session": {
            "method": current.session.method,
            "created_at": current.session.created_at,
            "expires_at": current.session.expires_at,
        },
    });
    Ok((
        [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(body),
    )
        .into_response())
}

/// `/logout`'s parameters.
#[derive(Debug, Default, Deserialize)]
pub struct LogoutQuery {
    /// Where to go once signed out (checked like `/login`'s).
    pub return_to: Option<String>,
}

async fn logout(
    State(gateway): State<Gateway>,
    headers: HeaderMap,
    query: Result<Query<LogoutQuery>, QueryRejection>,
) -> Response {
    match sign_out(&gateway, &headers, query).await {
        Ok(response) => response,
        Err(e) => e.render(&headers),
    }
}

async fn sign_out(
    gateway: &Gateway,
    headers: &HeaderMap,
    query: Result<Query<LogoutQuery>, QueryRejection>,
) -> Result<Response, LoginError> {
    let return_to = match query.map(|Query(q)| q.return_to) {
        Ok(Some(raw)) if !raw.is_empty() => {
            Some(gateway.login.return_to.check(&raw).map_err(|e| {
                LoginError::bad_request(
                    "invalid_return_to",
                    format!("The logout link asks to go somewhere this gateway does not send browsers: {e}."),
                    "Go back to the application and sign out from there.",
                )
            })?)
        }
        Ok(_) => None,
        Err(e) => {
            return Err(LoginError::bad_request(
                "bad_request",
                format!("The logout link is malformed: {e}."),
                "Go back to the application and sign out from there.",
            ));
        }
    };
    let cookie = end_session(gateway, headers).await?;
    let no_store = (CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(return_to) = return_to {
        let location = HeaderValue::from_str(&return_to).map_err(|_| {
            LoginError::bad_request(
                "invalid_return_to",
                "The logout link's return_to is not a valid URL.",
                "Go back to the application and sign out from there.",
            )
        })?;
        return Ok((
            StatusCode::FOUND,
            [(LOCATION, location), (SET_COOKIE, cookie), no_store],
        )
            .into_response());
    }
    if wants_json(headers) {
        return Ok((
            StatusCode::OK,
            [(SET_COOKIE, cookie), no_store],
            Json(json!({"signed_out": true})),
        )
            .into_response());
    }
    let page = render(
        "Signed out",
        "<p id=\"message\">You are signed out of this gateway.</p>",
    );
    Ok((StatusCode::OK, [(SET_COOKIE, cookie), no_store], Html(page)).into_response())
}
