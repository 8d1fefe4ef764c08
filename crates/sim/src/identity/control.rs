//! The identity control API under `/sim/identity/`: stand-ins for `wx.login` / `wx.qy.login` and
//! the login pages (mint a code), the open data a mini program front end receives
//! (`wx.getUserInfo` / `getPhoneNumber`), and the list of issued codes.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::identity::codes::{CodeKind, LoginSubject};
use crate::identity::mint::{MintRequest, Via, mint, mp_account};
use crate::identity::people;
use crate::state::SimState;
use crate::world::{MpKind, SimAppKind};

/// The identity control routes, to be nested under `/sim`.
pub fn control_routes() -> Router<SimState> {
    Router::new()
        .route("/identity/codes", get(list_codes).post(issue_code))
        .route("/identity/open-data", post(open_data))
}

/// HTTP 400 `{"error":"…"}`, like the rest of the control API.
fn refused(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": message.into() })),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueCode {
    kind: CodeKind,
    app: String,
    user: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    corp: Option<String>,
    #[serde(default)]
    non_member: bool,
}

fn default_scope(kind: CodeKind) -> &'static str {
    match kind {
        CodeKind::WechatQr => "snsapi_login",
        CodeKind::Mini | CodeKind::WecomMini => "",
        _ => "snsapi_base",
    }
}

/// `POST /sim/identity/codes` `{"kind","app","user","scope"?,"corp"?,"non_member"?}` → `{"code"}`.
async fn issue_code(State(state): State<SimState>, body: Bytes) -> Response {
    let request: IssueCode = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return refused(format!(
                "expected a JSON body like {{\"kind\":\"wechat_oauth\",\"app\":\"oa\",\"user\":\"alice\",\"scope\":\"snsapi_userinfo\"}}: {e}"
            ));
        }
    };
    let scope = request
        .scope
        .clone()
        .unwrap_or_else(|| default_scope(request.kind).to_owned());
    let mint_request = MintRequest {
        kind: request.kind,
        app: &request.app,
        corp: request.corp.as_deref(),
        user: &request.user,
        non_member: request.non_member,
        scope: &scope,
        via: Via::Control,
    };
    match mint(&state, &mint_request) {
        Ok(code) => Json(json!({ "code": code })).into_response(),
        Err(why) => refused(why),
    }
}

/// `GET /sim/identity/codes`: every code issued, with its state.
async fn list_codes(State(state): State<SimState>) -> Json<Value> {
    let now = state.clock.now();
    let codes: Vec<Value> = state
        .identity
        .codes()
        .into_iter()
        .map(|c| {
            let expired = now >= c.expires_at;
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["expired"] = json!(expired);
            v
        })
        .collect();
    Json(json!({ "codes": codes }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenData {
    app: String,
    person: String,
    #[serde(default = "default_open_data_kind")]
    kind: String,
}

fn default_open_data_kind() -> String {
    "userinfo".into()
}

/// `POST /sim/identity/open-data` `{"app","person","kind":"userinfo|phone"}` →
/// `{"rawData","signature","encryptedData","iv"}` under the person's current session_key
/// (`rawData`/`signature` only for userinfo).
async fn open_data(State(state): State<SimState>, body: Bytes) -> Response {
    let request: OpenData = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return refused(format!(
                "expected a JSON body like {{\"app\":\"mini\",\"person\":\"alice\",\"kind\":\"userinfo\"}}: {e}"
            ));
        }
    };
    let (app_id, open_platform, subject) = match mp_account(&state, &request.app) {
        Some(account) if account.kind == MpKind::MiniProgram => (
            account.app_id.to_owned(),
            account.open_platform.map(str::to_owned),
            LoginSubject::Person {
                person: request.person.clone(),
            },
        ),
        _ => {
            let linked = state
                .world
                .corp_app_by_mini_app_id(&request.app)
                .or_else(|| {
                    state
                        .world
                        .app_by_name(&request.app)
                        .filter(|(_, a)| matches!(a.kind, SimAppKind::MiniProgram { .. }))
                });
            match linked {
                Some((corp, app)) => {
                    let SimAppKind::MiniProgram { app_id } = &app.kind else {
                        return refused("not a mini program");
                    };
                    (
                        app_id.clone(),
                        None,
                        LoginSubject::Member {
                            corp_id: corp.corp_id.clone(),
                            userid: request.person.clone(),
                        },
                    )
                }
                None => return refused(format!("no mini program is {:?}", request.app)),
            }
        }
    };
    let Some(session_key) = state.identity.session_key(&app_id, &subject) else {
        return refused(format!(
            "{} has no session_key in {app_id}: exchange a code with jscode2session first",
            request.person
        ));
    };
    let watermark = json!({ "appid": app_id, "timestamp": state.clock.now() });
    let mut iv_bytes = [0u8; 16];
    rand::rng().fill(&mut iv_bytes);
    let iv = STANDARD.encode(iv_bytes);
    let mut answer = json!({ "iv": iv });
    let plaintext = match request.kind.as_str() {
        "userinfo" => {
            let p = people::profile(&request.person);
            let raw = json!({
                "nickName": p.nickname,
                "gender": p.sex,
                "language": "zh_CN",
                "city": p.city,
                "province": p.province,
                "country": p.country,
                "avatarUrl": p.headimgurl,
            });
            let raw_data = raw.to_string();
            let signature =
                wxgate_protocol::miniprogram::raw_data_signature(&raw_data, &session_key);
            answer["rawData"] = json!(raw_data);
            answer["signature"] = json!(signature.to_hex());
            let mut full = raw.clone();
            full["openId"] = json!(people::openid(&app_id, &request.person));
            if let Some(platform) = &open_platform {
                full["unionId"] = json!(people::unionid(platform, &request.person));
            }
            full["watermark"] = watermark;
            full
        }
        "phone" => {
            let phone = people::phone_number(&request.person);
            json!({
                "phoneNumber": phone,
                "purePhoneNumber": phone,
                "countryCode": "86",
                "watermark": watermark,
            })
        }
        other => return refused(format!("kind must be userinfo or phone, got {other:?}")),
    };
    match wxgate_protocol::miniprogram::encrypt_user_data(&session_key, &iv, &plaintext.to_string())
    {
        Ok(data) => {
            answer["encryptedData"] = json!(data);
            Json(answer).into_response()
        }
        Err(e) => refused(e.to_string()),
    }
}
