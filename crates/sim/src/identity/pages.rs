//! The browser login pages, plain server-rendered HTML: WeChat / WeCom OAuth
//! (`/connect/oauth2/authorize`), WeChat website QR login (`/connect/qrconnect`) and WeCom web
//! login (`/wwlogin/sso/login`, `CorpApp` and `ServiceApp`).
//!
//! The OAuth page also serves third-party apps (`appid` = a suite id, path/91120).
//!
//! Each page validates its parameters like the platform (unknown appid, bad scope, a redirect_uri
//! that is not URL-encoded or not on a trusted domain: WeCom 50001, WeChat 10003) and lists
//! people to log in as. Tests skip the choice with `sim_user=USERID` (WeCom),
//! `sim_nonmember=PERSON` (WeCom non-member), `sim_person=ID` (WeChat) or `sim_deny=1` (the user
//! refuses: redirect with `state` only). Choosing redirects 302 to `redirect_uri?code=…&state=…`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::api_context::param;
use crate::identity::codes::CodeKind;
use crate::identity::mint::{MintRequest, Via, mint};
use crate::identity::people::DEFAULT_PERSONS;
use crate::identity::redirect::{self, RedirectProblem};
use crate::state::SimState;
use crate::world::MpKind;

/// How many directory members a WeCom page lists.
pub const MEMBERS_LISTED: usize = 50;

/// The page routes (merged at the root of the simulator).
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/connect/oauth2/authorize", get(authorize))
        .route("/connect/qrconnect", get(qrconnect))
        .route("/wwlogin/sso/login", get(sso_login))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1>{body}<p><small>wxgate simulator</small></p></body></html>",
        t = escape(title)
    )
}

/// An error page as the platform shows it (HTTP 200, the code in the text).
fn error_page(errcode: i64, message: &str) -> Response {
    Html(page(
        "授权失败 / login refused",
        &format!(
            "<p class=\"error\">errcode: <b id=\"errcode\">{errcode}</b></p><p id=\"errmsg\">{}</p>",
            escape(message)
        ),
    ))
    .into_response()
}

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

/// What a page has checked and needs to finish the login.
struct Login<'a> {
    kind: CodeKind,
    /// App name, corp id, appid, suite id or provider corp id for [`mint`].
    app: String,
    scope: String,
    redirect_uri: String,
    state: String,
    raw_query: &'a str,
    query: &'a HashMap<String, String>,
}

/// The redirect problem as the platform words it.
fn redirect_error(wecom: bool, problem: RedirectProblem) -> Response {
    match (wecom, problem) {
        (true, RedirectProblem::Untrusted(host)) => error_page(
            50001,
            &format!(
                "redirect_uri 与配置的授权完成回调域名不一致 ({host} is not a trusted domain)"
            ),
        ),
        (false, RedirectProblem::Untrusted(host)) => {
            error_page(10003, &format!("redirect_uri域名与后台配置不一致 ({host})"))
        }
        (_, RedirectProblem::NotEncoded) => error_page(
            10003,
            "redirect_uri 参数错误: redirect_uri must be URL-encoded",
        ),
        (_, RedirectProblem::Invalid(why)) => {
            error_page(10003, &format!("redirect_uri 参数错误: {why}"))
        }
    }
}

fn checked_redirect(
    raw_query: &str,
    query: &HashMap<String, String>,
    trusted: &[String],
) -> Result<String, RedirectProblem> {
    redirect::check(
        param(query, "redirect_uri"),
        redirect::raw_param(raw_query, "redirect_uri"),
        trusted,
    )
}

/// Finishes a checked login: deny, a preselected user, or the chooser page.
fn finish(state: &SimState, login: &Login<'_>, people: &[(String, String)]) -> Response {
    let q = login.query;
    if param(q, "sim_deny") == Some("1") {
        return found(&redirect::target(&login.redirect_uri, None, &login.state));
    }
    let wechat = matches!(login.kind, CodeKind::WechatOauth | CodeKind::WechatQr);
    let chosen = if wechat {
        param(q, "sim_person").map(|p| (p, false))
    } else {
        param(q, "sim_user")
            .map(|u| (u, false))
            .or_else(|| param(q, "sim_nonmember").map(|p| (p, true)))
    };
    if let Some((user, non_member)) = chosen {
        let request = MintRequest {
            kind: login.kind,
            app: &login.app,
            corp: param(q, "sim_corp"),
            user,
            non_member,
            scope: &login.scope,
            via: Via::Page,
        };
        return match mint(state, &request) {
            Ok(code) => found(&redirect::target(
                &login.redirect_uri,
                Some(&code),
                &login.state,
            )),
            Err(why) => error_page(60111, &why),
        };
    }
    chooser(login, people, wechat)
}

fn chooser(login: &Login<'_>, people: &[(String, String)], wechat: bool) -> Response {
    let field = if wechat { "sim_person" } else { "sim_user" };
    let mut body = format!(
        "<p>App <code>{}</code>, scope <code>{}</code>. Choose who logs in:</p><ul>",
        escape(&login.app),
        escape(&login.scope)
    );
    for (id, label) in people {
        body.push_str(&format!(
            "<li><a href=\"?{}&amp;{field}={}\">{}</a></li>",
            escape(login.raw_query),
            escape(&redirect::encode(id)),
            escape(label)
        ));
    }
    body.push_str("</ul><form method=\"get\">");
    for (name, value) in login.query {
        if !name.starts_with("sim_") {
            body.push_str(&format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(name),
                escape(value)
            ));
        }
    }
    body.push_str(&format!(
        "<input name=\"{field}\" placeholder=\"{}\"><button>Log in</button></form>",
        if wechat { "person id" } else { "userid" }
    ));
    body.push_str(&format!(
        "<p><a href=\"?{}&amp;sim_deny=1\">Refuse</a></p>",
        escape(login.raw_query)
    ));
    Html(page("选择登录用户 / choose a user", &body)).into_response()
}

fn members(state: &SimState, corp_id: &str) -> Vec<(String, String)> {
    state
        .directories
        .get(corp_id)
        .map(|dir| {
            let dir = dir.read().unwrap_or_else(|e| e.into_inner());
            dir.members()
                .filter(|m| m.status == 1)
                .take(MEMBERS_LISTED)
                .map(|m| (m.userid.clone(), format!("{} ({})", m.name, m.userid)))
                .collect()
        })
        .unwrap_or_default()
}

fn persons() -> Vec<(String, String)> {
    DEFAULT_PERSONS
        .iter()
        .map(|p| ((*p).to_owned(), (*p).to_owned()))
        .collect()
}

/// `GET /connect/oauth2/authorize`: WeChat OA OAuth (appid = OA appid) or WeCom OAuth (appid =
/// corp id, `agentid` required for snsapi_privateinfo).
async fn authorize(
    State(state): State<SimState>,
    RawQuery(raw): RawQuery,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let raw = raw.unwrap_or_default();
    let Some(app_id) = param(&query, "appid") else {
        return error_page(10016, "appid 参数错误: appid is missing");
    };
    if param(&query, "response_type") != Some("code") {
        return error_page(10004, "response_type 参数错误: must be code");
    }
    let scope = param(&query, "scope").unwrap_or_default().to_owned();
    let st = param(&query, "state").unwrap_or_default().to_owned();
    if let Some(corp) = state.world.corp(app_id) {
        if !matches!(
            scope.as_str(),
            "snsapi_base" | "snsapi_privateinfo" | "snsapi_userinfo"
        ) {
            return error_page(10005, "scope 参数错误: snsapi_base or snsapi_privateinfo");
        }
        let agent = match param(&query, "agentid").map(str::parse::<u32>) {
            None if scope == "snsapi_privateinfo" => {
                return error_page(10005, "agentid is required for snsapi_privateinfo");
            }
            None => None,
            Some(Ok(id)) => match state.world.corp_app_by_agent_id(&corp.corp_id, id) {
                Some(app) => Some(app),
                None => return error_page(10005, &format!("no app has agentid {id}")),
            },
            Some(Err(_)) => return error_page(10005, "agentid must be a number"),
        };
        let trusted: Vec<String> = match agent {
            Some(app) => app.trusted_domains.clone(),
            None => corp
                .apps
                .iter()
                .flat_map(|a| a.trusted_domains.iter().cloned())
                .collect(),
        };
        let redirect_uri = match checked_redirect(&raw, &query, &trusted) {
            Ok(uri) => uri,
            Err(problem) => return redirect_error(true, problem),
        };
        let login = Login {
            kind: CodeKind::WecomOauth,
            app: agent.map_or_else(|| corp.corp_id.clone(), |a| a.name.clone()),
            scope,
            redirect_uri,
            state: st,
            raw_query: &raw,
            query: &query,
        };
        return finish(&state, &login, &members(&state, &corp.corp_id));
    }
    if let Some(suite) = state.world.suite(app_id) {
        return suite_authorize(&state, suite, scope, st, &raw, &query);
    }
    let Some(account) = state.world.mp_account(app_id) else {
        return error_page(10016, &format!("appid 参数错误: no account is {app_id}"));
    };
    if account.kind != MpKind::OfficialAccount {
        return error_page(10016, "appid 参数错误: not an official account");
    }
    if !matches!(scope.as_str(), "snsapi_base" | "snsapi_userinfo") {
        return error_page(10005, "scope 参数错误或没有 scope 权限");
    }
    let trusted = state
        .world
        .official_accounts
        .iter()
        .find(|a| a.app_id == account.app_id)
        .map(|a| a.trusted_domains.clone())
        .unwrap_or_default();
    let redirect_uri = match checked_redirect(&raw, &query, &trusted) {
        Ok(uri) => uri,
        Err(problem) => return redirect_error(false, problem),
    };
    let login = Login {
        kind: CodeKind::WechatOauth,
        app: account.app_id.to_owned(),
        scope,
        redirect_uri,
        state: st,
        raw_query: &raw,
        query: &query,
    };
    finish(&state, &login, &persons())
}

/// The corp whose members a third-party page lists: `sim_corp`, else the first directory.
fn third_party_corp(state: &SimState, query: &HashMap<String, String>) -> String {
    param(query, "sim_corp")
        .map(str::to_owned)
        .or_else(|| state.directories.corp_ids().into_iter().next())
        .unwrap_or_default()
}

/// Third-party in-app OAuth (path/91120): `appid` is the suite id, scope `snsapi_base` or
/// `snsapi_privateinfo` (no agentid), the redirect host must be a trusted domain of the suite
/// (else 50001); the code is for `service/auth/getuserinfo3rd`.
fn suite_authorize(
    state: &SimState,
    suite: &crate::world::SimSuite,
    scope: String,
    st: String,
    raw: &str,
    query: &HashMap<String, String>,
) -> Response {
    if !matches!(scope.as_str(), "snsapi_base" | "snsapi_privateinfo") {
        return error_page(10005, "scope 参数错误: snsapi_base or snsapi_privateinfo");
    }
    let redirect_uri = match checked_redirect(raw, query, &suite.trusted_domains) {
        Ok(uri) => uri,
        Err(problem) => return redirect_error(true, problem),
    };
    let login = Login {
        kind: CodeKind::Wecom3rd,
        app: suite.suite_id.clone(),
        scope,
        redirect_uri,
        state: st,
        raw_query: raw,
        query,
    };
    finish(
        state,
        &login,
        &members(state, &third_party_corp(state, query)),
    )
}

/// `GET /connect/qrconnect`: website QR login (scope snsapi_login).
async fn qrconnect(
    State(state): State<SimState>,
    RawQuery(raw): RawQuery,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let raw = raw.unwrap_or_default();
    let Some(site) =
        param(&query, "appid").and_then(|id| state.world.websites.iter().find(|w| w.app_id == id))
    else {
        return error_page(10016, "appid 参数错误: not a website app");
    };
    if param(&query, "response_type") != Some("code") {
        return error_page(10004, "response_type 参数错误: must be code");
    }
    if param(&query, "scope") != Some("snsapi_login") {
        return error_page(10005, "scope 参数错误或没有 scope 权限: snsapi_login");
    }
    let redirect_uri = match checked_redirect(&raw, &query, &site.trusted_domains) {
        Ok(uri) => uri,
        Err(problem) => return redirect_error(false, problem),
    };
    let login = Login {
        kind: CodeKind::WechatQr,
        app: site.app_id.clone(),
        scope: "snsapi_login".into(),
        redirect_uri,
        state: param(&query, "state").unwrap_or_default().to_owned(),
        raw_query: &raw,
        query: &query,
    };
    finish(&state, &login, &persons())
}

/// `GET /wwlogin/sso/login?login_type=CorpApp|ServiceApp&appid=…[&agentid]&redirect_uri&state`.
async fn sso_login(
    State(state): State<SimState>,
    RawQuery(raw): RawQuery,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let raw = raw.unwrap_or_default();
    let app_id = param(&query, "appid").unwrap_or_default();
    let st = param(&query, "state").unwrap_or_default().to_owned();
    match param(&query, "login_type") {
        Some("CorpApp") => {
            let Some(corp) = state.world.corp(app_id) else {
                return error_page(40013, "invalid corpid");
            };
            let app = param(&query, "agentid")
                .and_then(|a| a.parse::<u32>().ok())
                .and_then(|id| state.world.corp_app_by_agent_id(&corp.corp_id, id));
            let Some(app) = app else {
                return error_page(
                    40056,
                    "invalid agentid: CorpApp login needs the app's agentid",
                );
            };
            let redirect_uri = match checked_redirect(&raw, &query, &app.trusted_domains) {
                Ok(uri) => uri,
                Err(problem) => return redirect_error(true, problem),
            };
            let login = Login {
                kind: CodeKind::WecomWeb,
                app: app.name.clone(),
                scope: "snsapi_base".into(),
                redirect_uri,
                state: st,
                raw_query: &raw,
                query: &query,
            };
            finish(&state, &login, &members(&state, &corp.corp_id))
        }
        Some("ServiceApp") => {
            let known = state.world.suite(app_id).is_some()
                || state
                    .world
                    .suites
                    .iter()
                    .any(|s| s.provider_corp_id.as_deref() == Some(app_id));
            if !known {
                return error_page(40013, "invalid appid: not a suite id or provider corp id");
            }
            let redirect_uri = match checked_redirect(&raw, &query, &[]) {
                Ok(uri) => uri,
                Err(problem) => return redirect_error(true, problem),
            };
            let corp_id = third_party_corp(&state, &query);
            let login = Login {
                kind: CodeKind::Wecom3rd,
                app: app_id.to_owned(),
                scope: "snsapi_base".into(),
                redirect_uri,
                state: st,
                raw_query: &raw,
                query: &query,
            };
            finish(&state, &login, &members(&state, &corp_id))
        }
        _ => error_page(40058, "login_type must be CorpApp or ServiceApp"),
    }
}
