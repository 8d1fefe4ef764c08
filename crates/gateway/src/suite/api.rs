//! The suite routes. Admin (behind the admin key):
//!
//! * `POST /api/v1/suites/{name}/install-url` `{"redirect_uri","state","auth_type":"test"|"formal"}`
//!   → `{"url","expires_in"}`;
//! * `GET /api/v1/suites/{name}/corps`, `GET /api/v1/suites/{name}/corps/{corp_id}`;
//! * `POST /api/v1/suites/{name}/corps/{corp_id}/refresh` (`get_auth_info` now).
//!
//! Public: `GET /suites/{name}/installed?auth_code=…&state=…`, where the install page sends the
//! admin back; it exchanges the code unless the create_auth callback already did, and shows a
//! small "installed" page.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::state::Gateway;
use crate::suite::corps::{self, CorpView};
use crate::suite::exchange::{self, CodeOrigin};
use crate::suite::install::{self, InstallRequest};
use crate::suite::{SuiteError, suite_by_name, suite_id};

/// The suite routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/suites/{name}/install-url", post(install_url))
        .route("/api/v1/suites/{name}/corps", get(list_corps))
        .route("/api/v1/suites/{name}/corps/{corp_id}", get(get_corp))
        .route(
            "/api/v1/suites/{name}/corps/{corp_id}/refresh",
            post(refresh_corp),
        )
        .route("/suites/{name}/installed", get(installed))
}

impl From<SuiteError> for ApiError {
    fn from(e: SuiteError) -> ApiError {
        match e {
            SuiteError::UnknownSuite { name } => ApiError::unknown_app(&name),
            SuiteError::NotASuite { .. } | SuiteError::BadRequest(_) => {
                ApiError::bad_request(e.to_string())
            }
            SuiteError::NotAuthorised { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_authorised", e.to_string())
            }
            SuiteError::CodeExpired { .. } => {
                ApiError::new(StatusCode::GONE, "auth_code_expired", e.to_string())
            }
            SuiteError::Incomplete { .. } => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_incomplete",
                e.to_string(),
            ),
            SuiteError::Upstream(e) => ApiError::from(e),
            SuiteError::Storage(e) => ApiError::from(e),
        }
    }
}

async fn install_url(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    Json(request): Json<InstallRequest>,
) -> Result<Json<install::InstallUrl>, ApiError> {
    let suite = suite_by_name(&gateway, &name)?;
    Ok(Json(
        install::install_url(&gateway, &suite, &request).await?,
    ))
}

async fn list_corps(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let suite = suite_by_name(&gateway, &name)?;
    let corps = gateway.store.list_auth_corps(suite_id(&suite)?).await?;
    let corps: Vec<CorpView> = corps.iter().map(CorpView::from).collect();
    Ok(Json(json!({ "corps": corps })))
}

async fn get_corp(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((name, corp_id)): Path<(String, String)>,
) -> Result<Json<CorpView>, ApiError> {
    let suite = suite_by_name(&gateway, &name)?;
    let suite_id = suite_id(&suite)?;
    let corp = gateway
        .store
        .get_auth_corp(suite_id, &corp_id)
        .await?
        .ok_or_else(|| SuiteError::NotAuthorised {
            suite_id: suite_id.to_owned(),
            corp_id: corp_id.clone(),
        })?;
    Ok(Json(CorpView::from(&corp)))
}

async fn refresh_corp(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((name, corp_id)): Path<(String, String)>,
) -> Result<Json<CorpView>, ApiError> {
    let suite = suite_by_name(&gateway, &name)?;
    let corp = corps::refresh(&gateway, &suite, &corp_id).await?;
    Ok(Json(CorpView::from(&corp)))
}

/// Query of the install redirect.
#[derive(Debug, Deserialize)]
struct InstalledQuery {
    auth_code: Option<String>,
    state: Option<String>,
}

async fn installed(
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    Query(query): Query<InstalledQuery>,
) -> Response {
    let page = |status: StatusCode, title: &str, body: &str| {
        (
            status,
            Html(format!(
                "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
                 <body><h1>{t}</h1><p>{b}</p></body></html>",
                t = escape(title),
                b = escape(body)
            )),
        )
            .into_response()
    };
    let suite = match suite_by_name(&gateway, &name) {
        Ok(suite) => suite,
        Err(e) => return page(StatusCode::NOT_FOUND, "Unknown app", &e.to_string()),
    };
    let Some(code) = query.auth_code.filter(|c| !c.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Installation not completed",
            "the install page did not hand back an auth_code",
        );
    };
    match exchange::remember_and_exchange(
        &gateway,
        &suite,
        &code,
        CodeOrigin::InstallRedirect,
        query.state,
        None,
    )
    .await
    {
        Ok(done) => page(
            StatusCode::OK,
            "Installed",
            &format!(
                "installed for {}",
                display_name(&done.corp_name, &done.corp_id)
            ),
        ),
        Err(SuiteError::CodeExpired { .. }) => page(
            StatusCode::GONE,
            "Installation link expired",
            "the authorisation code expired or was already used; install the app again",
        ),
        Err(e) => {
            tracing::warn!(suite = %suite.name, error = %e, "install redirect: exchange failed; the retry task continues");
            page(
                StatusCode::ACCEPTED,
                "Installation in progress",
                "the authorisation is being completed; reload this page in a moment",
            )
        }
    }
}

fn display_name<'a>(name: &'a str, corp_id: &'a str) -> &'a str {
    if name.is_empty() { corp_id } else { name }
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<b>A&B's \"co\"</b>"),
            "&lt;b&gt;A&amp;B&#39;s &quot;co&quot;&lt;/b&gt;"
        );
        assert_eq!(display_name("", "ww1"), "ww1");
        assert_eq!(display_name("Acme", "ww1"), "Acme");
    }
}
