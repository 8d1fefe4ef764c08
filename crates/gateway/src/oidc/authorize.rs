//! `GET|POST /oidc/authorize`: the authorization-code flow (OIDC Core §3.1.2) with PKCE.
//!
//! Checks, in order: the client exists and `redirect_uri` is one of its URIs exactly — otherwise
//! an error page and **no redirect** (no open redirects); then, answered to the client's
//! redirect URI with `state`: `response_type=code`, `openid` in `scope`, PKCE (S256 only;
//! `plain` refused; required for public clients). Then the browser session:
//!
//! - none, `prompt=none` → `error=login_required` to the client;
//! - none → `302 /login?return_to=<this request as path+query>` and `&provider=…` when the
//!   request named one (`provider=wecom:acme`, or `login_hint=provider:wecom:acme`); `/login`
//!   signs the person in and comes back here with the session cookie;
//! - `prompt=login`, or a session older than `max_age` → the same trip to `/login`, after which
//!   the request comes back without `prompt=login` and with the fresh session;
//! - a live session → a single-use code (valid `[oidc] code_ttl_secs`) to the redirect URI with
//!   `state` and `iss` (RFC 9207).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use wxgate_store::NewCode;

use crate::accounts::{CurrentSession, SessionUser};
use crate::oidc::clients::{self, Client};
use crate::oidc::issue::random_token;
use crate::oidc::{issuer, now_secs, pkce};
use crate::state::Gateway;

/// The authorize routes.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/oidc/authorize", get(authorize_get).post(authorize_post))
}

/// The path of the authorization endpoint (what `return_to` starts with).
pub const AUTHORIZE_PATH: &str = "/oidc/authorize";

async fn authorize_get(
    State(gateway): State<Gateway>,
    session: CurrentSession,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(&gateway, session, query.as_deref().unwrap_or_default()).await
}

async fn authorize_post(
    State(gateway): State<Gateway>,
    session: CurrentSession,
    body: String,
) -> Response {
    authorize(&gateway, session, &body).await
}

/// What went wrong before the redirect URI could be trusted: shown to the person, not sent
/// anywhere.
fn error_page(message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>Sign-in request refused</title>\
             <h1>This sign-in request cannot be handled</h1><p>{escaped}</p>\
             <p>The application that sent you here is misconfigured; tell its administrator.</p>"
        )),
    )
        .into_response()
}

fn found(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `uri` with `params` appended to its query.
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut url = match url::Url::parse(uri) {
        Ok(url) => url,
        Err(_) => return uri.to_owned(),
    };
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in params {
            pairs.append_pair(k, v);
        }
    }
    url.to_string()
}

/// The parameters of the request, refusing repeated ones (RFC 6749 §3.1).
fn parameters(raw: &str) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        if params.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(format!("the parameter `{k}` appears more than once"));
        }
    }
    Ok(params)
}

/// A validated authorization request.
struct Request<'a> {
    client: Client,
    redirect_uri: String,
    state: Option<&'a str>,
    params: &'a HashMap<String, String>,
}

impl Request<'_> {
    /// An error sent to the client's redirect URI.
    fn error(&self, gateway: &Gateway, code: &str, description: &str) -> Response {
        let iss = issuer(gateway);
        let mut params = vec![("error", code), ("error_description", description)];
        if let Some(state) = self.state {
            params.push(("state", state));
        }
        params.push(("iss", &iss));
        found(&with_query(&self.redirect_uri, &params))
    }
}

async fn authorize(gateway: &Gateway, session: CurrentSession, raw: &str) -> Response {
    let params = match parameters(raw) {
        Ok(p) => p,
        Err(why) => return error_page(&why),
    };
    let Some(client_id) = params.get("client_id") else {
        return error_page("the request has no client_id");
    };
    let client = match clients::find(gateway, client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return error_page(&format!("no OIDC client `{client_id}` is configured")),
        Err(e) => return error_page(&format!("storage error: {e}")),
    };
    let Some(redirect_uri) = params.get("redirect_uri") else {
        return error_page("the request has no redirect_uri (OpenID Connect requires it)");
    };
    if !client.allows_redirect(redirect_uri) {
        return error_page(&format!(
            "redirect_uri `{redirect_uri}` is not registered for client `{client_id}`; redirect URIs must match exactly"
        ));
    }
    let request = Request {
        redirect_uri: redirect_uri.clone(),
        state: params.get("state").map(String::as_str),
        client,
        params: &params,
    };
    match run(gateway, &request, session).await {
        Ok(response) => response,
        Err((code, description)) => request.error(gateway, code, &description),
    }
}

type Refusal = (&'static str, String);

async fn run(
    gateway: &Gateway,
    request: &Request<'_>,
    session: CurrentSession,
) -> Result<Response, Refusal> {
    let p = request.params;
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if get("request").is_some() || get("request_uri").is_some() {
        return Err((
            "request_not_supported",
            "request objects are not supported; send plain parameters".into(),
        ));
    }
    match get("response_type") {
        Some("code") => {}
        Some(other) => {
            return Err((
                "unsupported_response_type",
                format!("response_type `{other}` is not supported; use `code`"),
            ));
        }
        None => {
            return Err((
                "invalid_request",
                "response_type is missing; use `code`".into(),
            ));
        }
    }
    let scope = granted_scope(&request.client, get("scope").unwrap_or_default())?;
    let challenge = pkce_challenge(
        &request.client,
        get("code_challenge"),
        get("code_challenge_method"),
    )?;
    let prompts: Vec<&str> = get("prompt")
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect();
    if prompts.contains(&"none") && prompts.len() > 1 {
        return Err((
            "invalid_request",
            "prompt=none cannot be combined with other prompt values".into(),
        ));
    }
    let max_age = match get("max_age") {
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            (
                "invalid_request",
                format!("max_age `{v}` is not a number of seconds"),
            )
        })?),
        None => None,
    };
    let live = session
        .0
        .filter(|s| max_age.is_none_or(|max| now_secs() - s.session.created_at / 1000 <= max));
    let wants_login = prompts.contains(&"login");
    match live {
        Some(session) if !wants_login => {
            Ok(issue_code(gateway, request, &session, scope, challenge).await?)
        }
        _ if prompts.contains(&"none") => Err((
            "login_required",
            "the user is not signed in to wxgate (prompt=none)".into(),
        )),
        _ => Ok(found(&login_url(p))),
    }
}

/// The scopes to grant: the requested ones the client may have, `openid` required.
fn granted_scope(client: &Client, requested: &str) -> Result<String, Refusal> {
    let mut scopes: Vec<&str> = Vec::new();
    for s in requested.split(' ').filter(|s| !s.is_empty()) {
        if client.allows_scope(s) && !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    if !scopes.contains(&"openid") {
        return Err((
            "invalid_scope",
            "scope must include `openid` (and the client must be allowed it)".into(),
        ));
    }
    Ok(scopes.join(" "))
}

/// The PKCE challenge to remember.
fn pkce_challenge(
    client: &Client,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<String>, Refusal> {
    match (challenge, method) {
        (None, None) if client.is_public() => Err((
            "invalid_request",
            "public clients must use PKCE: send code_challenge and code_challenge_method=S256"
                .into(),
        )),
        (None, None) => Ok(None),
        (None, Some(_)) => Err((
            "invalid_request",
            "code_challenge_method without code_challenge".into(),
        )),
        (Some(_), Some("plain")) => Err((
            "invalid_request",
            "code_challenge_method=plain is refused; use S256".into(),
        )),
        (Some(_), Some(m)) if m != "S256" => Err((
            "invalid_request",
            format!("code_challenge_method `{m}` is not supported; use S256"),
        )),
        (Some(_), None) => Err((
            "invalid_request",
            "send code_challenge_method=S256 with code_challenge (plain is not supported)".into(),
        )),
        (Some(c), Some(_)) if !pkce::well_formed(c) => Err((
            "invalid_request",
            "code_challenge must be 43–128 characters of base64url (BASE64URL(SHA256(verifier)))"
                .into(),
        )),
        (Some(c), Some(_)) => Ok(Some(c.to_owned())),
    }
}

/// `/login?return_to=<this request>` (+ `provider`), the request rebuilt without `prompt=login`
/// so the trip ends (a POSTed request comes back as a GET with the same parameters).
fn login_url(params: &HashMap<String, String>) -> String {
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    let mut keys: Vec<&String> = params.keys().collect();
    keys.sort();
    for k in keys {
        let v = &params[k];
        if k == "prompt" {
            let rest: Vec<&str> = v
                .split(' ')
                .filter(|p| *p != "login" && !p.is_empty())
                .collect();
            if !rest.is_empty() {
                back.append_pair(k, &rest.join(" "));
            }
        } else if k == "max_age" {
            // The fresh session satisfies it; keeping it could loop on a max_age of 0.
        } else {
            back.append_pair(k, v);
        }
    }
    let return_to = format!("{AUTHORIZE_PATH}?{}", back.finish());
    let mut login = url::form_urlencoded::Serializer::new(String::new());
    login.append_pair("return_to", &return_to);
    if let Some(provider) = provider_hint(params) {
        login.append_pair("provider", &provider);
    }
    format!("/login?{}", login.finish())
}

/// The login flow the request asks for: `provider=…`, or `login_hint=provider:…`.
pub fn provider_hint(params: &HashMap<String, String>) -> Option<String> {
    params
        .get("provider")
        .filter(|p| !p.is_empty())
        .cloned()
        .or_else(|| {
            params
                .get("login_hint")
                .and_then(|h| h.strip_prefix("provider:"))
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
        })
}

async fn issue_code(
    gateway: &Gateway,
    request: &Request<'_>,
    session: &SessionUser,
    scope: String,
    challenge: Option<String>,
) -> Result<Response, Refusal> {
    let code = random_token();
    let ttl_ms =
        i64::try_from(gateway.config.oidc.code_ttl_secs.saturating_mul(1000)).unwrap_or(60_000);
    let stored = gateway
        .store
        .insert_code(&NewCode {
            code: code.clone(),
            client_id: request.client.client_id.clone(),
            user_id: session.user.id.clone(),
            session_id: Some(session.session.id.clone()),
            redirect_uri: request.redirect_uri.clone(),
            scope,
            nonce: request.params.get("nonce").cloned(),
            code_challenge: challenge,
            method: session.session.method.clone(),
            auth_time: session.session.created_at,
            expires_at: now_secs() * 1000 + ttl_ms,
        })
        .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "cannot store an authorization code");
        return Err((
            "temporarily_unavailable",
            "wxgate cannot store the authorization code right now; retry".into(),
        ));
    }
    let iss = issuer(gateway);
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = request.state {
        params.push(("state", state));
    }
    params.push(("iss", &iss));
    Ok(found(&with_query(&request.redirect_uri, &params)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn login_url_carries_the_request_and_the_provider() {
        let p = params(&[
            ("client_id", "crm"),
            ("state", "a b&c"),
            ("prompt", "login"),
            ("provider", "wecom:acme"),
        ]);
        let url = login_url(&p);
        assert!(
            url.starts_with("/login?return_to=%2Foidc%2Fauthorize%3F"),
            "{url}"
        );
        let (_, query) = url.split_once('?').unwrap();
        let back: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(back["provider"], "wecom:acme");
        let return_to = &back["return_to"];
        let (path, q) = return_to.split_once('?').unwrap();
        assert_eq!(path, AUTHORIZE_PATH);
        let inner: HashMap<String, String> = url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(inner["state"], "a b&c");
        assert!(
            !inner.contains_key("prompt"),
            "prompt=login is dropped so the trip ends"
        );
    }

    #[test]
    fn provider_from_login_hint() {
        assert_eq!(
            provider_hint(&params(&[("login_hint", "provider:wechat:news")])).as_deref(),
            Some("wechat:news")
        );
        assert_eq!(provider_hint(&params(&[("login_hint", "alice")])), None);
    }

    #[test]
    fn query_is_appended() {
        assert_eq!(
            with_query(
                "https://app.example/cb?x=1",
                &[("code", "a+b"), ("state", "s")]
            ),
            "https://app.example/cb?x=1&code=a%2Bb&state=s"
        );
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(parameters("a=1&a=2").is_err());
        assert_eq!(parameters("a=1&b=%20").unwrap()["b"], " ");
    }
}
