//! The install page (`GET /3rdapp/install`, the simulated `open.work.weixin.qq.com/3rdapp/install`):
//! checks the pre_auth_code, lets a person (or a test, with `sim_corp` / `sim_new_corp`,
//! `sim_user` and `sim_allow_party` / `sim_allow_user` / `sim_allow_tag`) pick the installing
//! corp, admin and visible range, then authorises the suite: a single-use auth_code, the
//! `create_auth` push to the suite's instruction callback and a 302 to
//! `redirect_uri?auth_code=…&state=…&expires_in=600`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

use super::instruction;
use super::registry::{AUTH_CODE_TTL_SECS, Authorisation, CodeProblem};
use crate::api_context::param;
use crate::directory::{Directory, GenerateOptions, VisibleRange};
use crate::push::CallbackTarget;
use crate::state::SimState;
use crate::tokens::TokenOwner;

/// What a query value keeps unescaped (RFC 3986 unreserved characters).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `GET /3rdapp/install` (a browser page, merged next to `/sim`).
pub fn pages() -> Router<SimState> {
    Router::new().route("/3rdapp/install", get(install))
}

/// The corp id a customer corp created on the install page gets: `ww` + 16 hex digits of
/// SHA-256(name), so the same name always makes the same corp.
pub fn customer_corp_id(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    format!("ww{}", &hex::encode(digest)[..16])
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn refuse(message: &str) -> Response {
    let body = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>安装失败</title>\
         <h1>无法安装应用</h1><p>{}</p>",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

fn list<T: std::str::FromStr>(
    query: &HashMap<String, String>,
    name: &str,
) -> Result<Vec<T>, String> {
    param(query, name).map_or(Ok(Vec::new()), |text| {
        text.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse()
                    .map_err(|_| format!("{name}: {s:?} is not valid"))
            })
            .collect()
    })
}

fn form(state: &SimState, query: &HashMap<String, String>, suite_name: &str) -> Response {
    let hidden: String = ["suite_id", "pre_auth_code", "redirect_uri", "state"]
        .iter()
        .map(|name| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(query.get(*name).map(String::as_str).unwrap_or_default())
            )
        })
        .collect();
    let options: String = state
        .directories
        .corp_ids()
        .iter()
        .map(|id| {
            let name = state
                .world
                .corp(id)
                .map(|c| c.name.clone())
                .or_else(|| state.suites.customer_corp_name(id))
                .unwrap_or_default();
            format!(
                "<option value=\"{0}\">{1} ({0})</option>",
                escape(id),
                escape(&name)
            )
        })
        .collect();
    let body = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>安装 {name}</title>\
         <h1>安装第三方应用「{name}」</h1>\
         <form method=\"get\" action=\"/3rdapp/install\">{hidden}\
         <p><label>企业 <select name=\"sim_corp\"><option value=\"\">— 新建企业 —</option>{options}</select></label></p>\
         <p><label>新企业名称 <input name=\"sim_new_corp\"></label></p>\
         <p><label>管理员 UserID（留空：第一位成员） <input name=\"sim_user\"></label></p>\
         <p><label>可见部门 <input name=\"sim_allow_party\" value=\"1\"></label>\
         <label>可见成员 <input name=\"sim_allow_user\"></label>\
         <label>可见标签 <input name=\"sim_allow_tag\"></label></p>\
         <p><button type=\"submit\">同意并授权</button></p></form>",
        name = escape(suite_name),
    );
    Html(body).into_response()
}

async fn install(
    State(state): State<SimState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(suite) = param(&query, "suite_id").and_then(|id| state.world.suite(id)) else {
        return refuse("suite_id is missing or names no suite of the simulated world");
    };
    let Some(pre_auth_code) = param(&query, "pre_auth_code") else {
        return refuse("pre_auth_code is missing: get one with /cgi-bin/service/get_pre_auth_code");
    };
    let Some(redirect_uri) = param(&query, "redirect_uri") else {
        return refuse("redirect_uri is missing");
    };
    let now = state.clock.now();
    if let Err(problem) = state
        .suites
        .check_pre_auth_code(&suite.suite_id, pre_auth_code, now)
    {
        return refuse(match problem {
            CodeProblem::Invalid => "pre_auth_code is unknown, already used or for another suite",
            CodeProblem::Expired => "pre_auth_code has expired (1200 s): get a new one",
        });
    }
    let corp_id = match (param(&query, "sim_corp"), param(&query, "sim_new_corp")) {
        (Some(corp_id), _) => {
            if state.directories.get(corp_id).is_none() {
                return refuse(&format!(
                    "sim_corp {corp_id} is not a corp of the simulator"
                ));
            }
            corp_id.to_owned()
        }
        (None, Some(name)) => {
            let corp_id = customer_corp_id(name);
            if state.directories.get(&corp_id).is_none() {
                let seed = u64::from_str_radix(&corp_id[2..], 16).unwrap_or(1);
                state.directories.insert(
                    &corp_id,
                    Directory::generate(&GenerateOptions {
                        corp_id: corp_id.clone(),
                        members: 12,
                        departments: 3,
                        seed,
                    }),
                );
                state.suites.add_customer_corp(&corp_id, name);
            }
            corp_id
        }
        (None, None) => return form(&state, &query, &suite.name),
    };
    let admin = {
        let Some(directory) = state.directories.get(&corp_id) else {
            return refuse("the corp has no directory");
        };
        let directory = directory.read().unwrap_or_else(|e| e.into_inner());
        match param(&query, "sim_user") {
            Some(userid) => directory.member(userid).map(|m| m.userid.clone()),
            None => directory.members().next().map(|m| m.userid.clone()),
        }
    };
    let Some(admin) = admin else {
        return refuse("sim_user is not a member of the installing corp");
    };
    let visible = match (
        list::<u32>(&query, "sim_allow_party"),
        list::<String>(&query, "sim_allow_user"),
        list::<u32>(&query, "sim_allow_tag"),
    ) {
        (Ok(departments), Ok(users), Ok(tags)) => VisibleRange {
            departments: if departments.is_empty() && users.is_empty() && tags.is_empty() {
                vec![1]
            } else {
                departments
            },
            users,
            tags,
        },
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return refuse(&e),
    };
    let suite_index = state
        .world
        .suites
        .iter()
        .position(|s| s.suite_id == suite.suite_id)
        .unwrap_or(0);
    let state_param = query.get("state").cloned().unwrap_or_default();
    let authorisation = Authorisation {
        suite_id: suite.suite_id.clone(),
        corp_id: corp_id.clone(),
        corp_name: state
            .world
            .corp(&corp_id)
            .map(|c| c.name.clone())
            .or_else(|| state.suites.customer_corp_name(&corp_id))
            .unwrap_or_default(),
        permanent_code: String::new(),
        auth_type: 0,
        agentid: 1_000_100 + u32::try_from(suite_index).unwrap_or(0),
        level: 1,
        visible,
        admin_userid: admin,
        state: state_param.clone(),
        installed_at: now,
        cancelled: false,
    };
    let auth_code = match state.suites.install(pre_auth_code, authorisation, now) {
        Ok(code) => code,
        Err(_) => return refuse("pre_auth_code is no longer usable"),
    };
    // A reinstall replaces the permanent code: tokens from the old one stop working.
    state.tokens.invalidate_exact(
        &TokenOwner::AuthorisedCorp {
            suite_id: suite.suite_id.clone(),
            corp_id: corp_id.clone(),
        },
        42001,
        now,
    );
    state.pusher.push(
        CallbackTarget::SuiteInstruction {
            suite_id: suite.suite_id.clone(),
        },
        instruction::create_auth(&suite.suite_id, &auth_code, &state_param, now),
    );
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!(
        "{redirect_uri}{separator}auth_code={}&state={}&expires_in={AUTH_CODE_TTL_SECS}",
        utf8_percent_encode(&auth_code, QUERY_VALUE),
        utf8_percent_encode(&state_param, QUERY_VALUE),
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}
