//! Resolving a [`CallbackTarget`] in the world: the gateway URL it is posted to, the token and
//! EncodingAESKey that protect it, the receive id sealed into the ciphertext and how the body is
//! shaped (NOTES.md §1, §1.3, §1.4). Anything missing is a [`ResolveError`] that says what to
//! configure; the worker records it as the delivery's failure.

use wxgate_protocol::crypto::AesKey;

use crate::push::CallbackTarget;
use crate::world::{SimPushFormat, SimSecret, World};

/// Why a target cannot be delivered to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The world has no `gateway_url`.
    #[error(
        "the simulator does not know the gateway's URL; set `gateway_url` in the world (server.base_url in the configuration)"
    )]
    NoGatewayUrl,
    /// No app, suite or account matches the target.
    #[error("no {0} in the world; check the name or id in the push")]
    UnknownTarget(String),
    /// The target has no callback token or EncodingAESKey.
    #[error(
        "{0} has no callback {1} configured; configure its callback (Token and EncodingAESKey)"
    )]
    NoCredentials(String, &'static str),
    /// The configured EncodingAESKey is not 43 base64 characters.
    #[error(
        "the EncodingAESKey of {0} is invalid ({1}); use the 43-character key of its callback settings"
    )]
    BadKey(String, String),
}

/// How an Official Account / Mini Program push is protected (NOTES.md §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MpWireMode {
    /// 明文模式: plaintext body, `signature` only.
    Plaintext,
    /// 兼容模式: plaintext fields and `Encrypt`, `encrypt_type=aes`.
    Compat,
    /// 安全模式: only `Encrypt`, `encrypt_type=aes`.
    Aes,
}

/// The platform-specific shape of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wire {
    /// WeCom apps and suites: always encrypted, XML envelope with `AgentID`.
    Wecom {
        /// `ToUserName` of the envelope: corp id or suite id.
        to_user_name: String,
        /// `AgentID` of the envelope (empty for suites and apps without one).
        agent_id: Option<u32>,
        /// A suite instruction callback: only the literal `success` is a valid answer.
        instruction: bool,
    },
    /// Official Accounts and Mini Programs.
    Mp {
        /// Protection mode.
        mode: MpWireMode,
        /// JSON envelope and body (Mini Programs configured for JSON).
        json: bool,
        /// The account's appid (the original id is derived from it when the payload has none).
        app_id: String,
    },
}

/// Everything needed to send one callback.
#[derive(Debug, Clone)]
pub struct ResolvedTarget {
    /// The gateway URL without query.
    pub url: String,
    /// The callback token.
    pub token: String,
    /// The AES key (absent only in MP plaintext mode).
    pub key: Option<AesKey>,
    /// The receive id sealed into the ciphertext and expected in encrypted replies.
    pub receive_id: String,
    /// Who receives URL verification echostrs (the provider's corp id for suites, NOTES §1).
    pub verify_receive_id: String,
    /// Request shape.
    pub wire: Wire,
}

fn gateway(world: &World) -> Result<&str, ResolveError> {
    world
        .gateway_url
        .as_deref()
        .map(|url| url.trim_end_matches('/'))
        .filter(|url| !url.is_empty())
        .ok_or(ResolveError::NoGatewayUrl)
}

fn key_of(owner: &str, secret: &SimSecret) -> Result<AesKey, ResolveError> {
    if secret.expose().is_empty() {
        return Err(ResolveError::NoCredentials(
            owner.to_owned(),
            "EncodingAESKey",
        ));
    }
    AesKey::from_encoding_aes_key(secret.expose())
        .map_err(|e| ResolveError::BadKey(owner.to_owned(), e.to_string()))
}

fn token_of(owner: &str, token: &str) -> Result<String, ResolveError> {
    if token.is_empty() {
        return Err(ResolveError::NoCredentials(owner.to_owned(), "Token"));
    }
    Ok(token.to_owned())
}

/// Resolves `target`; `compat` says whether an MP-style account is switched to 兼容模式.
pub fn resolve(
    world: &World,
    target: &CallbackTarget,
    compat: bool,
) -> Result<ResolvedTarget, ResolveError> {
    match target {
        CallbackTarget::WecomApp { app } => {
            let (corp, sim_app) = world
                .app_by_name(app)
                .ok_or_else(|| ResolveError::UnknownTarget(format!("WeCom app `{app}`")))?;
            let owner = format!("WeCom app `{app}`");
            let token = token_of(&owner, sim_app.token.as_deref().unwrap_or(""))?;
            let key = key_of(
                &owner,
                sim_app
                    .encoding_aes_key
                    .as_ref()
                    .unwrap_or(&SimSecret::default()),
            )?;
            Ok(ResolvedTarget {
                url: format!("{}/callback/{app}", gateway(world)?),
                token,
                key: Some(key),
                receive_id: corp.corp_id.clone(),
                verify_receive_id: corp.corp_id.clone(),
                wire: Wire::Wecom {
                    to_user_name: corp.corp_id.clone(),
                    agent_id: sim_app.agent_id,
                    instruction: false,
                },
            })
        }
        CallbackTarget::SuiteInstruction { suite_id }
        | CallbackTarget::SuiteData { suite_id, .. } => {
            let suite = world
                .suite(suite_id)
                .ok_or_else(|| ResolveError::UnknownTarget(format!("suite `{suite_id}`")))?;
            let owner = format!("suite `{}`", suite.name);
            let token = token_of(&owner, &suite.token)?;
            let key = key_of(&owner, &suite.encoding_aes_key)?;
            let base = gateway(world)?;
            let verify_receive_id = suite
                .provider_corp_id
                .clone()
                .unwrap_or_else(|| suite.suite_id.clone());
            let (url, receive_id, instruction) = match target {
                CallbackTarget::SuiteData { corp_id, .. } => (
                    format!("{base}/callback/{}/data/{corp_id}", suite.name),
                    corp_id.clone(),
                    false,
                ),
                _ => (
                    format!("{base}/callback/{}", suite.name),
                    suite.suite_id.clone(),
                    true,
                ),
            };
            Ok(ResolvedTarget {
                url,
                token,
                key: Some(key),
                receive_id: receive_id.clone(),
                verify_receive_id,
                wire: Wire::Wecom {
                    to_user_name: receive_id,
                    agent_id: None,
                    instruction,
                },
            })
        }
        CallbackTarget::OfficialAccount { app_id } => {
            let oa = world
                .official_accounts
                .iter()
                .find(|a| &a.app_id == app_id)
                .ok_or_else(|| {
                    ResolveError::UnknownTarget(format!("official account `{app_id}`"))
                })?;
            let owner = format!("official account `{}`", oa.name);
            mp_target(
                world,
                &owner,
                &oa.name,
                app_id,
                &oa.token,
                &oa.encoding_aes_key,
                false,
                compat,
            )
        }
        CallbackTarget::MiniProgram { app_id } => {
            let mini = world
                .miniprograms
                .iter()
                .find(|a| &a.app_id == app_id)
                .ok_or_else(|| ResolveError::UnknownTarget(format!("mini program `{app_id}`")))?;
            let owner = format!("mini program `{}`", mini.name);
            mp_target(
                world,
                &owner,
                &mini.name,
                app_id,
                &mini.token,
                &mini.encoding_aes_key,
                mini.format == SimPushFormat::Json,
                compat,
            )
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn mp_target(
    world: &World,
    owner: &str,
    name: &str,
    app_id: &str,
    token: &str,
    key: &SimSecret,
    json: bool,
    compat: bool,
) -> Result<ResolvedTarget, ResolveError> {
    let token = token_of(owner, token)?;
    let (key, mode) = if key.expose().is_empty() {
        (None, MpWireMode::Plaintext)
    } else if compat {
        (Some(key_of(owner, key)?), MpWireMode::Compat)
    } else {
        (Some(key_of(owner, key)?), MpWireMode::Aes)
    };
    Ok(ResolvedTarget {
        url: format!("{}/callback/{name}", gateway(world)?),
        token,
        key,
        receive_id: app_id.to_owned(),
        verify_receive_id: app_id.to_owned(),
        wire: Wire::Mp {
            mode,
            json,
            app_id: app_id.to_owned(),
        },
    })
}
