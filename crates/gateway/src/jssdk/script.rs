//! `GET /sdk/jssdk.js?app=NAME[&corp_id=CORP]`: the drop-in script (`jssdk.js`, a static asset
//! compiled into the binary) with the app's public settings — platform, `appId`/corp id, agent id,
//! `jsApiList` — written into it. No secret is ever part of it. `corp_id` picks the authorised
//! corp of a suite.

use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::jssdk::target;
use crate::registry::AppKind;
use crate::state::Gateway;

/// The script, with `/*WXGATE_SETTINGS*/ {}` standing for the settings.
pub const SCRIPT: &str = include_str!("jssdk.js");

const PLACEHOLDER: &str = "/*WXGATE_SETTINGS*/ {}";

/// Query of the script.
#[derive(Debug, Deserialize)]
pub struct ScriptQuery {
    /// The app's name.
    pub app: Option<String>,
    /// For a suite: the authorised corp.
    pub corp_id: Option<String>,
}

/// `settings` as a JavaScript expression that is safe inside a `<script>` element.
fn js_literal(settings: &serde_json::Value) -> String {
    settings
        .to_string()
        .replace("</", "<\\/")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The script for `settings`.
pub fn render(settings: &serde_json::Value) -> String {
    SCRIPT.replacen(PLACEHOLDER, &js_literal(settings), 1)
}

/// `GET /sdk/jssdk.js`.
pub async fn serve(
    State(gateway): State<Gateway>,
    Query(query): Query<ScriptQuery>,
) -> Result<Response, ApiError> {
    let name = query.app.filter(|a| !a.is_empty()).ok_or_else(|| {
        ApiError::bad_request("add `?app=NAME`: the app whose pages include the script")
    })?;
    let target = target::resolve(&gateway, &name, query.corp_id.as_deref()).await?;
    let settings = json!({
        "app": target.app.name,
        "platform": target.platform.as_str(),
        "appId": target.app_id,
        "agentId": target.agent_id,
        "jsApiList": target.app.jsapi_list,
        "suite": matches!(target.app.kind, AppKind::Suite { .. }),
        "base": gateway.config.server.base_url(),
    });
    Ok((
        [
            (CONTENT_TYPE, "application/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        render(&settings),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_replace_the_placeholder_and_cannot_close_the_script() {
        assert!(SCRIPT.contains(PLACEHOLDER));
        let js = render(&json!({"app": "x</script><script>alert(1)"}));
        assert!(!js.contains(PLACEHOLDER));
        assert!(js.contains(r#"var settings = {"app":"x<\/script><script>alert(1)"};"#));
        assert!(!js.contains("</script>"));
    }
}
