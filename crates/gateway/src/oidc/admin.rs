//! The OIDC admin API (admin key): relying parties and signing keys.
//!
//! | method | path | |
//! |---|---|---|
//! | GET | `/api/v1/oidc/clients` | every client (configured and stored), never a secret |
//! | POST | `/api/v1/oidc/clients` | create; a confidential client's secret is generated and shown once |
//! | GET | `/api/v1/oidc/clients/{client_id}` | one client |
//! | PUT | `/api/v1/oidc/clients/{client_id}` | replace its settings (not the secret) |
//! | DELETE | `/api/v1/oidc/clients/{client_id}` | delete it and revoke its grants |
//! | POST | `/api/v1/oidc/clients/{client_id}/secret` | generate a new secret (shown once) |
//! | GET | `/api/v1/oidc/keys` | published signing keys |
//! | POST | `/api/v1/oidc/keys/rotate` | `{"alg":"RS256"\|"ES256"}` or `{}` for both |
//!
//! Clients of `[[oidc.clients]]` are read-only here: change them in the configuration file.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wxgate_config::{OidcClient, Secret, SigningAlg, all_scopes};
use wxgate_store::{NewOidcClient, StoreError};

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::oidc::clients::{self, Client, ClientSource};
use crate::oidc::issue::random_token;
use crate::oidc::token_lifetime_ms;
use crate::registry::AppKind;
use crate::state::Gateway;

/// The OIDC admin routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/oidc/clients", get(list).post(create))
        .route(
            "/api/v1/oidc/clients/{client_id}",
            get(show).put(update).delete(remove),
        )
        .route(
            "/api/v1/oidc/clients/{client_id}/secret",
            post(reset_secret),
        )
        .route("/api/v1/oidc/keys", get(keys))
        .route("/api/v1/oidc/keys/rotate", post(rotate))
}

/// A client as the API accepts it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientBody {
    #[serde(default)]
    client_id: Option<String>,
    /// `confidential` (default: a secret is generated) or `public`.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    signing_alg: Option<String>,
    #[serde(default)]
    token_exchange_apps: Vec<String>,
}

fn not_found(client_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_client",
        format!("no OIDC client `{client_id}`"),
    )
}

fn read_only(client_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "configured_client",
        format!(
            "client `{client_id}` is declared in [[oidc.clients]] of the configuration file; change it there"
        ),
    )
}

/// Checks `body` and turns it into the stored form (`secret`: the new secret, if any).
fn validate(
    gateway: &Gateway,
    client_id: &str,
    body: ClientBody,
    secret: Option<String>,
) -> Result<NewOidcClient, ApiError> {
    let signing_alg = match body.signing_alg.as_deref() {
        None => SigningAlg::default(),
        Some(s) => SigningAlg::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "signing_alg `{s}` is not supported; use RS256 or ES256"
            ))
        })?,
    };
    let candidate = OidcClient {
        client_id: client_id.to_owned(),
        client_secret: secret.as_ref().map(Secret::new),
        name: body.name,
        redirect_uris: body.redirect_uris,
        post_logout_redirect_uris: body.post_logout_redirect_uris,
        scopes: body.scopes.unwrap_or_else(all_scopes),
        signing_alg,
        token_exchange_apps: body.token_exchange_apps,
    };
    let mut problems: Vec<String> = candidate
        .issues()
        .into_iter()
        .map(|(key, message)| format!("{key}: {message}"))
        .collect();
    for app in &candidate.token_exchange_apps {
        let is_mini = gateway.registry.get(app).is_some_and(|e| {
            matches!(
                e.kind,
                AppKind::MiniProgram { .. } | AppKind::WecomMiniProgram { .. }
            )
        });
        if !is_mini {
            problems.push(format!(
                "token_exchange_apps: `{app}` is not a configured mini program"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::bad_request(problems.join("; ")));
    }
    Ok(NewOidcClient {
        client_id: candidate.client_id,
        client_secret: secret.map(wxgate_store::Secret::new),
        name: candidate.name,
        redirect_uris: candidate.redirect_uris,
        post_logout_redirect_uris: candidate.post_logout_redirect_uris,
        scopes: candidate.scopes,
        signing_alg: signing_alg.as_str().to_owned(),
        token_exchange_apps: candidate.token_exchange_apps,
    })
}

fn conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
        other => other.into(),
    }
}

async fn list(_: Admin, State(gateway): State<Gateway>) -> Result<Json<Value>, ApiError> {
    let all = clients::all(&gateway).await?;
    Ok(Json(
        json!({"clients": all.iter().map(Client::to_json).collect::<Vec<_>>()}),
    ))
}

async fn show(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(client_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let client = clients::find(&gateway, &client_id)
        .await?
        .ok_or_else(|| not_found(&client_id))?;
    Ok(Json(json!({"client": client.to_json()})))
}

async fn create(
    _: Admin,
    State(gateway): State<Gateway>,
    Json(body): Json<ClientBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let client_id = body
        .client_id
        .clone()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::bad_request("client_id is required"))?;
    if gateway
        .config
        .oidc
        .clients
        .iter()
        .any(|c| c.client_id == client_id)
    {
        return Err(read_only(&client_id));
    }
    let secret = match body.kind.as_deref() {
        None | Some("confidential") => Some(random_token()),
        Some("public") => None,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "type `{other}` is not `confidential` or `public`"
            )));
        }
    };
    let new = validate(&gateway, &client_id, body, secret.clone())?;
    let stored = gateway
        .store
        .create_oidc_client(&new)
        .await
        .map_err(conflict)?;
    let mut answer = json!({"client": Client::from_stored(stored).to_json()});
    if let Some(secret) = secret {
        answer["client_secret"] = json!(secret);
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn stored(gateway: &Gateway, client_id: &str) -> Result<Client, ApiError> {
    let client = clients::find(gateway, client_id)
        .await?
        .ok_or_else(|| not_found(client_id))?;
    if client.source == ClientSource::Config {
        return Err(read_only(client_id));
    }
    Ok(client)
}

async fn update(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(client_id): Path<String>,
    Json(body): Json<ClientBody>,
) -> Result<Json<Value>, ApiError> {
    let current = stored(&gateway, &client_id).await?;
    if body.client_id.as_ref().is_some_and(|c| c != &client_id) {
        return Err(ApiError::bad_request(
            "client_id cannot change; create a new client",
        ));
    }
    if body.kind.is_some() {
        return Err(ApiError::bad_request(
            "type cannot change; create a new client",
        ));
    }
    // Validate with a stand-in secret of the same kind; the stored secret is kept.
    let stand_in = (!current.is_public()).then(random_token);
    let mut new = validate(&gateway, &client_id, body, stand_in)?;
    new.client_secret = None;
    let updated = gateway
        .store
        .update_oidc_client(&new)
        .await?
        .ok_or_else(|| not_found(&client_id))?;
    Ok(Json(
        json!({"client": Client::from_stored(updated).to_json()}),
    ))
}

async fn remove(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(client_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    stored(&gateway, &client_id).await?;
    gateway.store.delete_oidc_client(&client_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn reset_secret(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(client_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let current = stored(&gateway, &client_id).await?;
    if current.is_public() {
        return Err(ApiError::bad_request(format!(
            "client `{client_id}` is public and has no secret"
        )));
    }
    let stored = gateway
        .store
        .get_oidc_client(&client_id)
        .await?
        .ok_or_else(|| not_found(&client_id))?;
    let secret = random_token();
    let new = NewOidcClient {
        client_id: stored.client_id,
        client_secret: Some(wxgate_store::Secret::new(secret.clone())),
        name: stored.name,
        redirect_uris: stored.redirect_uris,
        post_logout_redirect_uris: stored.post_logout_redirect_uris,
        scopes: stored.scopes,
        signing_alg: stored.signing_alg,
        token_exchange_apps: stored.token_exchange_apps,
    };
    gateway.store.update_oidc_client(&new).await?;
    Ok(Json(
        json!({"client_id": client_id, "client_secret": secret}),
    ))
}

fn key_json(k: &crate::oidc::keys::SigningKey) -> Value {
    json!({
        "kid": k.kid,
        "alg": k.alg,
        "active": k.retired_at.is_none(),
        "created_at": k.created_at,
        "retired_at": k.retired_at,
        "published_until": k.expires_at,
    })
}

async fn keys(_: Admin, State(gateway): State<Gateway>) -> Result<Json<Value>, ApiError> {
    let keys = gateway
        .oidc
        .keys
        .published(&gateway.store)
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "keys", e.to_string()))?;
    Ok(Json(
        json!({"keys": keys.iter().map(|k| key_json(k)).collect::<Vec<_>>()}),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotateBody {
    #[serde(default)]
    alg: Option<String>,
}

async fn rotate(
    _: Admin,
    State(gateway): State<Gateway>,
    body: Option<Json<RotateBody>>,
) -> Result<Json<Value>, ApiError> {
    let body = body.map(|b| b.0).unwrap_or_default();
    let algs = match body.alg.as_deref() {
        None => SigningAlg::ALL.to_vec(),
        Some(s) => vec![
            SigningAlg::parse(s)
                .ok_or_else(|| ApiError::bad_request(format!("alg `{s}` is not RS256 or ES256")))?,
        ],
    };
    let mut rotated = Vec::new();
    for alg in algs {
        let key = gateway
            .oidc
            .keys
            .rotate(&gateway.store, alg, token_lifetime_ms(&gateway))
            .await
            .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "keys", e.to_string()))?;
        rotated.push(key_json(&key));
    }
    Ok(Json(json!({"rotated": rotated})))
}
