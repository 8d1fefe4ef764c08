//! Relying parties: those of `[[oidc.clients]]` (in memory, from the configuration) and those
//! added through the admin API (stored, secret kept as a keyed fingerprint), behind one
//! [`Client`] type; and client authentication at the token and revocation endpoints
//! (`client_secret_basic`, `client_secret_post`, or `none` for public clients).

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;
use wxgate_config::{OidcClient, SigningAlg};
use wxgate_store::{StoreError, StoredOidcClient};

use crate::oidc::error::OAuthError;
use crate::state::Gateway;

/// How a client proves it is itself.
#[derive(Clone)]
pub enum ClientSecret {
    /// A public client: no secret (PKCE protects its codes).
    None,
    /// A configured secret.
    Plain(wxgate_config::Secret),
    /// A stored client's secret fingerprint.
    Hash(String),
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClientSecret::None => "None",
            _ => "**redacted**",
        })
    }
}

/// Where a client was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientSource {
    /// `[[oidc.clients]]` in the configuration file (read-only through the API).
    Config,
    /// Added through the admin API.
    Api,
}

/// A relying party.
#[derive(Debug, Clone)]
pub struct Client {
    /// The client id.
    pub client_id: String,
    /// How it authenticates.
    pub secret: ClientSecret,
    /// A display name.
    pub name: Option<String>,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
    /// Scopes it may receive.
    pub scopes: Vec<String>,
    /// Algorithm of its tokens.
    pub signing_alg: SigningAlg,
    /// Mini programs whose codes it may exchange.
    pub token_exchange_apps: Vec<String>,
    /// Where it was declared.
    pub source: ClientSource,
}

impl Client {
    /// Whether it has no secret.
    pub fn is_public(&self) -> bool {
        matches!(self.secret, ClientSecret::None)
    }

    /// Whether `uri` is one of its redirect URIs, compared exactly (no prefix, no normalisation).
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|u| u == uri)
    }

    /// Whether `uri` is one of its post-logout redirect URIs, compared exactly.
    pub fn allows_post_logout_redirect(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|u| u == uri)
    }

    /// Whether it may receive `scope`.
    pub fn allows_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The client as the admin API shows it (never the secret).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "client_id": self.client_id,
            "name": self.name,
            "type": if self.is_public() { "public" } else { "confidential" },
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "scopes": self.scopes,
            "signing_alg": self.signing_alg,
            "token_exchange_apps": self.token_exchange_apps,
            "source": self.source,
        })
    }

    fn from_config(c: &OidcClient) -> Client {
        Client {
            client_id: c.client_id.clone(),
            secret: match &c.client_secret {
                Some(s) => ClientSecret::Plain(s.clone()),
                None => ClientSecret::None,
            },
            name: c.name.clone(),
            redirect_uris: c.redirect_uris.clone(),
            post_logout_redirect_uris: c.post_logout_redirect_uris.clone(),
            scopes: c.scopes.clone(),
            signing_alg: c.signing_alg,
            token_exchange_apps: c.token_exchange_apps.clone(),
            source: ClientSource::Config,
        }
    }

    /// A stored client.
    pub fn from_stored(c: StoredOidcClient) -> Client {
        Client {
            secret: match c.secret_hash {
                Some(h) => ClientSecret::Hash(h),
                None => ClientSecret::None,
            },
            client_id: c.client_id,
            name: c.name,
            redirect_uris: c.redirect_uris,
            post_logout_redirect_uris: c.post_logout_redirect_uris,
            scopes: c.scopes,
            signing_alg: SigningAlg::parse(&c.signing_alg).unwrap_or_default(),
            token_exchange_apps: c.token_exchange_apps,
            source: ClientSource::Api,
        }
    }

    /// Whether `presented` is its secret (constant time). Public clients have none.
    fn secret_matches(&self, gateway: &Gateway, presented: &str) -> bool {
        match &self.secret {
            ClientSecret::None => false,
            ClientSecret::Plain(s) => s.expose().as_bytes().ct_eq(presented.as_bytes()).into(),
            ClientSecret::Hash(h) => gateway
                .store
                .oidc_token_hash(presented)
                .as_bytes()
                .ct_eq(h.as_bytes())
                .into(),
        }
    }
}

/// The client named `client_id`: the configuration's first, then the stored ones.
pub async fn find(gateway: &Gateway, client_id: &str) -> Result<Option<Client>, StoreError> {
    if let Some(c) = gateway
        .config
        .oidc
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
    {
        return Ok(Some(Client::from_config(c)));
    }
    Ok(gateway
        .store
        .get_oidc_client(client_id)
        .await?
        .map(Client::from_stored))
}

/// Every client, configured ones first.
pub async fn all(gateway: &Gateway) -> Result<Vec<Client>, StoreError> {
    let mut out: Vec<Client> = gateway
        .config
        .oidc
        .clients
        .iter()
        .map(Client::from_config)
        .collect();
    out.extend(
        gateway
            .store
            .list_oidc_clients()
            .await?
            .into_iter()
            .map(Client::from_stored),
    );
    Ok(out)
}

/// The credentials a request carried.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The client id.
    pub client_id: String,
    /// The secret, if one was sent.
    secret: Option<String>,
    /// Whether they came in `Authorization: Basic`.
    pub basic: bool,
}

fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Reads the client's credentials from `Authorization: Basic` (id and secret form-encoded, RFC
/// 6749 §2.3.1) or the form (`client_id`, `client_secret`). Using both is refused.
pub fn credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Credentials, OAuthError> {
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    if let Some(encoded) = basic {
        if form.contains_key("client_secret") {
            return Err(OAuthError::invalid_request(
                "send the client secret either in Authorization: Basic or as client_secret, not both",
            ));
        }
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                OAuthError::invalid_client(
                    "Authorization: Basic is not base64 of `id:secret`",
                    true,
                )
            })?;
        let (id, secret) = decoded.split_once(':').ok_or_else(|| {
            OAuthError::invalid_client(
                "Authorization: Basic must hold `client_id:client_secret`",
                true,
            )
        })?;
        let id = form_decode(id);
        if form.get("client_id").is_some_and(|f| f != &id) {
            return Err(OAuthError::invalid_request(
                "client_id in the form differs from the one in Authorization: Basic",
            ));
        }
        return Ok(Credentials {
            client_id: id,
            secret: Some(form_decode(secret)),
            basic: true,
        });
    }
    let client_id = form
        .get("client_id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            OAuthError::invalid_client(
                "no client credentials: send Authorization: Basic (confidential clients) or client_id (public clients)",
                false,
            )
        })?;
    Ok(Credentials {
        client_id: client_id.clone(),
        secret: form.get("client_secret").cloned(),
        basic: false,
    })
}

/// Authenticates the client behind `creds`: confidential clients must present their secret;
/// public clients must not claim one.
pub async fn authenticate(gateway: &Gateway, creds: &Credentials) -> Result<Client, OAuthError> {
    let unknown = || {
        OAuthError::invalid_client(
            format!(
                "unknown client `{}` or wrong secret; check client_id and client_secret against [[oidc.clients]] or the admin API",
                creds.client_id
            ),
            creds.basic,
        )
    };
    let client = find(gateway, &creds.client_id).await?.ok_or_else(unknown)?;
    match (&creds.secret, client.is_public()) {
        (None, true) => Ok(client),
        (Some(_), true) => Err(OAuthError::invalid_client(
            format!(
                "client `{}` is public and has no secret; send only client_id",
                client.client_id
            ),
            creds.basic,
        )),
        (None, false) => Err(OAuthError::invalid_client(
            format!(
                "client `{}` is confidential: authenticate with its secret (Authorization: Basic or client_secret)",
                client.client_id
            ),
            creds.basic,
        )),
        (Some(secret), false) if client.secret_matches(gateway, secret) => Ok(client),
        (Some(_), false) => Err(unknown()),
    }
}
