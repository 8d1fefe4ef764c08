//! `POST /oidc/mini/open-data`: the mini program's open data, checked and decrypted with the
//! session_key of its last login — the user info of `wx.getUserInfo` (`rawData` + `signature`,
//! and/or `encryptedData` + `iv`) or the phone number of `getPhoneNumber` (`encryptedData` +
//! `iv`). The request carries the access token the mini program got from the token exchange
//! (`Authorization: Bearer …`); the mini program it came from names the session_key.
//!
//! The signature is `sha1(rawData + session_key)`; the encrypted data must carry the mini
//! program's appid as `watermark.appid`, and its `openId`, if any, must be the one that logged
//! in. What it tells (name, avatar, phone number, a unionid) is recorded on the user like any
//! sign-in (method `mini_program_open_data`); the decrypted data comes back without the
//! watermark.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wxgate_protocol::miniprogram::{decrypt_user_data, raw_data_signature};
use wxgate_store::{IdentityKind, MiniSession};

use crate::accounts::{LoginProof, PlatformIds, Profile, SignInError, sign_in, wechat_identities};
use crate::error::ApiError;
use crate::oidc::access_token;
use crate::state::Gateway;

/// The open-data route.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/oidc/mini/open-data", post(open_data))
}

/// The login method recorded when open data updates a user.
pub const METHOD: &str = "mini_program_open_data";

/// What the mini program forwards (field names as its APIs return them).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenData {
    /// `rawData` of `wx.getUserInfo`.
    #[serde(default, rename = "rawData")]
    pub raw_data: Option<String>,
    /// `signature` of `wx.getUserInfo`.
    #[serde(default)]
    pub signature: Option<String>,
    /// `encryptedData`.
    #[serde(default, rename = "encryptedData")]
    pub encrypted_data: Option<String>,
    /// `iv`.
    #[serde(default)]
    pub iv: Option<String>,
}

fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

/// Checks and decrypts `data` with `session`'s key for mini program `app_id`; returns the
/// verified fields (rawData parsed, decrypted data without its watermark) merged.
pub fn verify(session: &MiniSession, app_id: &str, data: &OpenData) -> Result<Value, ApiError> {
    let key = session.session_key.expose();
    let mut verified = serde_json::Map::new();
    match (&data.raw_data, &data.signature) {
        (Some(raw), Some(signature)) => {
            if !raw_data_signature(raw, key).verify(signature) {
                return Err(refused(
                    StatusCode::BAD_REQUEST,
                    "bad_signature",
                    "signature does not match rawData under the session_key of the last login; call wx.login, exchange the new code, then wx.getUserInfo again",
                ));
            }
            let parsed: Value = serde_json::from_str(raw)
                .map_err(|e| ApiError::bad_request(format!("rawData is not JSON: {e}")))?;
            if let Value::Object(map) = parsed {
                verified.extend(map);
            }
        }
        (None, None) => {}
        _ => return Err(ApiError::bad_request("send rawData and signature together")),
    }
    match (&data.encrypted_data, &data.iv) {
        (Some(encrypted), Some(iv)) => {
            let mut plain = decrypt_user_data(key, iv, encrypted, Some(app_id))
                .map_err(|e| refused(StatusCode::BAD_REQUEST, "bad_open_data", e.to_string()))?;
            if let Value::Object(map) = &mut plain {
                map.remove("watermark");
                verified.extend(std::mem::take(map));
            }
        }
        (None, None) => {}
        _ => return Err(ApiError::bad_request("send encryptedData and iv together")),
    }
    if verified.is_empty() {
        return Err(ApiError::bad_request(
            "send rawData + signature and/or encryptedData + iv, as the mini program received them",
        ));
    }
    let verified = Value::Object(verified);
    if session.identity.kind == IdentityKind::WechatOpenid
        && let Some(openid) = PlatformIds::from_platform(&verified).openid
        && openid != session.identity.subject
    {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "wrong_user",
            "the open data names another openid than the signed-in user's",
        ));
    }
    Ok(verified)
}

async fn open_data(
    State(gateway): State<Gateway>,
    headers: HeaderMap,
    Json(data): Json<OpenData>,
) -> Result<Json<Value>, ApiError> {
    let auth = access_token::from_headers(&gateway, &headers)
        .await
        .map_err(|e| refused(StatusCode::UNAUTHORIZED, "invalid_token", e.description))?;
    let app = auth.grant.method.strip_prefix("token_exchange:").ok_or_else(|| {
        refused(
            StatusCode::FORBIDDEN,
            "not_a_mini_program_token",
            "this access token did not come from a mini-program token exchange; use the one the mini program got from it",
        )
    })?;
    let entry = gateway
        .registry
        .get(app)
        .ok_or_else(|| ApiError::unknown_app(app))?;
    let app_id = entry.kind.app_id().unwrap_or_default().to_owned();
    let session = gateway
        .store
        .mini_session(app, &auth.user.id)
        .await?
        .ok_or_else(|| {
            refused(
                StatusCode::CONFLICT,
                "no_mini_session",
                format!("no login through `{app}` is on record for this user; exchange a new wx.login code first"),
            )
        })?;
    let verified = verify(&session, &app_id, &data)?;
    let profile = Profile::from_platform(&verified);
    let identities = match session.identity.kind {
        IdentityKind::WechatOpenid => {
            let unionid = PlatformIds::from_platform(&verified).unionid;
            wechat_identities(
                &gateway,
                &entry,
                &session.identity.subject,
                unionid.as_deref(),
            )
        }
        _ => vec![session.identity.clone()],
    };
    let signed_in = sign_in(
        &gateway,
        LoginProof {
            app: app.to_owned(),
            method: METHOD.to_owned(),
            identities,
            profile,
        },
    )
    .await
    .map_err(|e| match e {
        SignInError::Disabled { .. } => {
            refused(StatusCode::FORBIDDEN, "user_disabled", e.to_string())
        }
        SignInError::Store(e) => e.into(),
        SignInError::NoIdentity => ApiError::bad_request(e.to_string()),
    })?;
    let user = signed_in.user;
    Ok(Json(json!({
        "user": {
            "sub": user.id,
            "name": user.name,
            "picture": user.picture,
            "phone_number": user.phone_number,
        },
        "data": verified,
    })))
}
