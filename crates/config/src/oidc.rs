//! `[oidc]`: wxgate as an OpenID Connect provider — the issuer, token lifetimes, the token
//! endpoint's rate limit, the corps whose members may sign in through WeCom mini programs, and
//! the relying parties (`[[oidc.clients]]`) declared in the file. Clients added through the admin
//! API live in the database instead.

use serde::Deserialize;

use crate::secret::Secret;

/// Every scope wxgate understands. `openid` is required in authorization requests.
pub const OIDC_SCOPES: [&str; 7] = [
    "openid",
    "profile",
    "email",
    "phone",
    "roles",
    "identities",
    "offline_access",
];

/// The `[oidc]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Oidc {
    /// The `iss` of every token and the base of the discovery document. Default: `[server]
    /// public_url` (see [`crate::Server::base_url`]).
    #[serde(default)]
    pub issuer: Option<String>,
    /// Lifetime of access tokens (JWT), seconds. Default [`DEFAULT_ACCESS_TOKEN_TTL_SECS`].
    #[serde(default = "default_access_ttl")]
    pub access_token_ttl_secs: u64,
    /// Lifetime of ID tokens, seconds. Default [`DEFAULT_ID_TOKEN_TTL_SECS`].
    #[serde(default = "default_id_ttl")]
    pub id_token_ttl_secs: u64,
    /// Lifetime of a refresh token (each refresh issues a new one), days. Default
    /// [`DEFAULT_REFRESH_TOKEN_TTL_DAYS`].
    #[serde(default = "default_refresh_days")]
    pub refresh_token_ttl_days: u64,
    /// Lifetime of an authorization code, seconds. Default [`DEFAULT_CODE_TTL_SECS`].
    #[serde(default = "default_code_ttl")]
    pub code_ttl_secs: u64,
    /// Token-endpoint requests allowed per minute for one client, and separately for one client
    /// IP address; beyond it the endpoint answers 429 with `Retry-After`. 0 turns the limit off.
    /// Default [`DEFAULT_TOKEN_REQUESTS_PER_MINUTE`].
    #[serde(default = "default_token_rpm")]
    pub token_requests_per_minute: u32,
    /// Corp ids whose members may sign in through a WeCom mini program (token exchange). Empty
    /// (the default): the corp each `[[wecom.miniprograms]]` entry belongs to.
    #[serde(default)]
    pub wecom_mini_allowed_corps: Vec<String>,
    /// `[[oidc.clients]]`: relying parties declared in the file.
    #[serde(default)]
    pub clients: Vec<OidcClient>,
}

/// Default `access_token_ttl_secs`: 10 minutes.
pub const DEFAULT_ACCESS_TOKEN_TTL_SECS: u64 = 600;
/// Default `id_token_ttl_secs`: 10 minutes.
pub const DEFAULT_ID_TOKEN_TTL_SECS: u64 = 600;
/// Default `refresh_token_ttl_days`: 30 days.
pub const DEFAULT_REFRESH_TOKEN_TTL_DAYS: u64 = 30;
/// Default `code_ttl_secs`: 1 minute.
pub const DEFAULT_CODE_TTL_SECS: u64 = 60;
/// Default `token_requests_per_minute`.
pub const DEFAULT_TOKEN_REQUESTS_PER_MINUTE: u32 = 120;

fn default_access_ttl() -> u64 {
    DEFAULT_ACCESS_TOKEN_TTL_SECS
}
fn default_id_ttl() -> u64 {
    DEFAULT_ID_TOKEN_TTL_SECS
}
fn default_refresh_days() -> u64 {
    DEFAULT_REFRESH_TOKEN_TTL_DAYS
}
fn default_code_ttl() -> u64 {
    DEFAULT_CODE_TTL_SECS
}
fn default_token_rpm() -> u32 {
    DEFAULT_TOKEN_REQUESTS_PER_MINUTE
}

impl Default for Oidc {
    fn default() -> Self {
        Oidc {
            issuer: None,
            access_token_ttl_secs: DEFAULT_ACCESS_TOKEN_TTL_SECS,
            id_token_ttl_secs: DEFAULT_ID_TOKEN_TTL_SECS,
            refresh_token_ttl_days: DEFAULT_REFRESH_TOKEN_TTL_DAYS,
            code_ttl_secs: DEFAULT_CODE_TTL_SECS,
            token_requests_per_minute: DEFAULT_TOKEN_REQUESTS_PER_MINUTE,
            wecom_mini_allowed_corps: Vec::new(),
            clients: Vec::new(),
        }
    }
}

/// The algorithm a client's ID tokens and access tokens are signed with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (2048-bit keys): what every OIDC client supports.
    #[default]
    RS256,
    /// ECDSA P-256 with SHA-256: smaller tokens; the client must accept it.
    ES256,
}

impl SigningAlg {
    /// Both algorithms.
    pub const ALL: [SigningAlg; 2] = [SigningAlg::RS256, SigningAlg::ES256];

    /// The JOSE name (`RS256`, `ES256`).
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
        }
    }

    /// Parses the JOSE name.
    pub fn parse(s: &str) -> Option<SigningAlg> {
        SigningAlg::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One `[[oidc.clients]]` entry: a relying party (a business app signing its users in through
/// wxgate).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcClient {
    /// The `client_id` (1–128 characters of letters, digits, `.`, `_`, `-`); unique.
    pub client_id: String,
    /// The client secret. Present: a confidential client (authenticates at the token endpoint
    /// with `client_secret_basic` or `client_secret_post`; PKCE optional). Absent: a public
    /// client (PKCE S256 required).
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// A display name, for logs and the admin API.
    #[serde(default)]
    pub name: Option<String>,
    /// Where the authorization code may be sent: absolute URLs, matched exactly.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may return to: absolute URLs, matched exactly.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// The scopes the client may receive (a subset of [`OIDC_SCOPES`]). Default: all of them.
    #[serde(default = "all_scopes")]
    pub scopes: Vec<String>,
    /// The algorithm of its ID and access tokens. Default RS256.
    #[serde(default)]
    pub signing_alg: SigningAlg,
    /// Mini programs (names of `[[wechat.miniprograms]]` / `[[wecom.miniprograms]]`) whose
    /// login codes this client may exchange for tokens (RFC 8693 token exchange).
    #[serde(default)]
    pub token_exchange_apps: Vec<String>,
}

/// Every scope in [`OIDC_SCOPES`], as owned strings.
pub fn all_scopes() -> Vec<String> {
    OIDC_SCOPES.iter().map(|s| (*s).to_owned()).collect()
}

impl OidcClient {
    /// Whether the client holds a secret.
    pub fn is_confidential(&self) -> bool {
        self.client_secret.is_some()
    }
}

impl OidcClient {
    /// What is wrong with this client on its own (ids, secret, URLs, scopes), as `(key,
    /// message)` pairs; the names in `token_exchange_apps` are checked against the whole
    /// configuration by [`crate::Config::issues`]. Empty means valid.
    pub fn issues(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let id = &self.client_id;
        if id.is_empty()
            || id.len() > 128
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
        {
            out.push((
                "client_id",
                format!(
                    "`{id}` is not a usable client_id; use 1–128 letters, digits, `.`, `_` or `-`"
                ),
            ));
        }
        if let Some(secret) = &self.client_secret
            && secret.expose().chars().count() < MIN_CLIENT_SECRET
        {
            out.push((
                "client_secret",
                format!("is shorter than {MIN_CLIENT_SECRET} characters; generate a long random secret (e.g. `openssl rand -hex 32`)"),
            ));
        }
        for uri in &self.redirect_uris {
            if let Err(why) = check_redirect_uri(uri) {
                out.push(("redirect_uris", format!("`{uri}` {why}")));
            }
        }
        for uri in &self.post_logout_redirect_uris {
            if let Err(why) = check_redirect_uri(uri) {
                out.push(("post_logout_redirect_uris", format!("`{uri}` {why}")));
            }
        }
        for scope in &self.scopes {
            if !OIDC_SCOPES.contains(&scope.as_str()) {
                out.push((
                    "scopes",
                    format!(
                        "`{scope}` is not a scope wxgate issues; use some of {}",
                        OIDC_SCOPES.join(", ")
                    ),
                ));
            }
        }
        if !self.scopes.iter().any(|s| s == "openid") {
            out.push(("scopes", "must include `openid`".to_owned()));
        }
        if self.redirect_uris.is_empty() && self.token_exchange_apps.is_empty() {
            out.push((
                "redirect_uris",
                "the client can neither receive authorization codes nor exchange mini-program codes; list its callback URL(s) in `redirect_uris` or mini programs in `token_exchange_apps`".to_owned(),
            ));
        }
        out
    }
}

/// The shortest accepted client secret.
pub const MIN_CLIENT_SECRET: usize = 16;

/// A redirect URI wxgate can match exactly: absolute http(s), no fragment (RFC 6749 §3.1.2).
fn check_redirect_uri(uri: &str) -> Result<(), String> {
    crate::validate::check_http_url(uri)
        .map_err(|why| format!("is not a usable redirect URI: {why}"))?;
    if uri.contains('#') {
        return Err("must not contain a fragment (`#…`), RFC 6749 §3.1.2".to_owned());
    }
    Ok(())
}
