//! wxgate as an OpenID Connect provider: any business app (Keycloak, Logto, a Spring or Django
//! app with a stock OIDC library) signs its users in through wxgate and gets one stable `sub`
//! per person, whatever WeChat or WeCom login they used.
//!
//! | module | what it is |
//! |---|---|
//! | [`discovery`] | `/.well-known/openid-configuration` |
//! | [`jwks`] | `GET /oidc/jwks`: the published keys |
//! | [`keys`] | signing keys: generation, storage, rotation |
//! | [`clients`] | relying parties (config + admin API) and client authentication |
//! | [`authorize`] | `/oidc/authorize`: the authorization-code flow |
//! | [`pkce`] | PKCE S256 |
//! | [`token`] | `POST /oidc/token`: client authentication, rate limit, grant dispatch, code redemption |
//! | [`refresh`] | the `refresh_token` grant: rotation and reuse detection |
//! | [`token_exchange`] | RFC 8693: mini-program login codes → wxgate tokens |
//! | [`issue`] | minting access, ID and refresh tokens |
//! | [`claims`] | what tokens and userinfo say, by scope; `roles_of` |
//! | [`access_token`] | verifying the JWTs wxgate issued |
//! | [`userinfo`] | `/oidc/userinfo` |
//! | [`revoke`] | `POST /oidc/revoke` (RFC 7009) |
//! | [`logout`] | `/oidc/logout`: RP-initiated logout |
//! | [`admin`] | `/api/v1/oidc/…`: clients CRUD, key rotation |
//! | [`cleanup`] | hourly deletion of expired codes, tokens and keys |
//! | [`rate_limit`] | the token endpoint's limiter |
//! | [`error`] | OAuth error responses |

pub mod access_token;
pub mod admin;
pub mod authorize;
pub mod claims;
pub mod cleanup;
pub mod clients;
pub mod discovery;
pub mod error;
pub mod issue;
pub mod jwks;
pub mod keys;
pub mod logout;
pub mod pkce;
pub mod rate_limit;
pub mod refresh;
pub mod revoke;
pub mod token;
pub mod token_exchange;
pub mod userinfo;

use axum::Router;
use wxgate_config::Config;

use crate::oidc::keys::KeyRing;
use crate::oidc::rate_limit::TokenRateLimits;
use crate::state::Gateway;

/// The provider's in-memory state (`gateway.oidc`).
#[derive(Debug)]
pub struct Oidc {
    /// The signing keys.
    pub keys: KeyRing,
    /// The token endpoint's limits (per client id, per client address).
    pub token_limits: TokenRateLimits,
}

impl Oidc {
    /// The state for `config`.
    pub fn new(config: &Config) -> Oidc {
        Oidc {
            keys: KeyRing::default(),
            token_limits: TokenRateLimits::new(config),
        }
    }
}

/// The issuer: `[oidc] issuer`, else `[server] public_url` (else `http://{listen}`), without a
/// trailing `/`.
pub fn issuer(gateway: &Gateway) -> String {
    match &gateway.config.oidc.issuer {
        Some(issuer) => issuer.trim_end_matches('/').to_owned(),
        None => gateway.config.server.base_url(),
    }
}

/// The URL of an endpoint under the issuer.
pub fn endpoint(gateway: &Gateway, path: &str) -> String {
    format!("{}{path}", issuer(gateway))
}

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The longest lifetime of a signed token, ms (how long a retired key stays published).
pub fn token_lifetime_ms(gateway: &Gateway) -> i64 {
    let o = &gateway.config.oidc;
    let secs = o.access_token_ttl_secs.max(o.id_token_ttl_secs);
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX / 4)
}

/// The provider's routes. The endpoints a browser app (an SPA, a public client) calls with
/// `fetch` — discovery, JWKS, token, userinfo, revoke — answer CORS requests from any origin,
/// without credentials (no cookies are read there; tokens travel in headers and bodies).
pub fn routes() -> Router<Gateway> {
    use axum::http::Method;
    use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
    use tower_http::cors::{Any, CorsLayer};

    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE]);
    let apis = Router::new()
        .merge(discovery::routes())
        .merge(jwks::routes())
        .merge(token::routes())
        .merge(userinfo::routes())
        .merge(revoke::routes())
        .layer(cors);
    Router::new()
        .merge(apis)
        .merge(authorize::routes())
        .merge(logout::routes())
        .merge(admin::routes())
}
