//! `[oidc]`: defaults, and every validation rule with the path and message it reports.

use wxgate_config::{
    Config, ConfigError, ConfigIssue, DEFAULT_ACCESS_TOKEN_TTL_SECS, OIDC_SCOPES, SigningAlg,
};

const APPS: &str = r#"
[server]
public_url = "https://wx.example.com/"

[[wechat.miniprograms]]
name = "shop"
app_id = "wx1b2c3d4e5f6a7b8c"
app_secret = "shop-secret"

[[wechat.official_accounts]]
name = "news"
app_id = "wx0a1b2c3d4e5f6a7b"
app_secret = "news-secret"
"#;

fn load(oidc: &str) -> Result<Config, ConfigError> {
    Config::from_toml_str(&format!("{APPS}\n{oidc}"), |_| None)
}

fn issues(oidc: &str) -> Vec<ConfigIssue> {
    match load(oidc) {
        Err(ConfigError::Invalid(issues)) => issues,
        Ok(_) => panic!("expected validation issues for {oidc}"),
        Err(other) => panic!("expected validation issues, got {other}"),
    }
}

#[track_caller]
fn assert_issue(issues: &[ConfigIssue], path: &str, fragment: &str) {
    assert!(
        issues
            .iter()
            .any(|i| i.path == path && i.message.contains(fragment)),
        "expected an issue at {path} containing {fragment:?}, got {issues:#?}"
    );
}

#[test]
fn defaults_and_a_full_client() {
    let config = load(
        r#"
[oidc]
wecom_mini_allowed_corps = ["wwacme0000000001"]

[[oidc.clients]]
client_id = "crm.prod"
client_secret = "0123456789abcdef0123"
redirect_uris = ["https://crm.example.com/oidc/callback", "http://127.0.0.1:8000/cb"]
post_logout_redirect_uris = ["https://crm.example.com/"]
signing_alg = "ES256"
token_exchange_apps = ["shop"]
"#,
    )
    .expect("valid");
    let o = &config.oidc;
    assert_eq!(o.issuer, None);
    assert_eq!(o.access_token_ttl_secs, DEFAULT_ACCESS_TOKEN_TTL_SECS);
    let client = &o.clients[0];
    assert!(client.is_confidential());
    assert_eq!(client.signing_alg, SigningAlg::ES256);
    assert_eq!(
        client.scopes.len(),
        OIDC_SCOPES.len(),
        "all scopes by default"
    );
    assert!(
        !format!("{client:?}").contains("0123456789abcdef0123"),
        "the secret is redacted"
    );
    assert!(
        load("").unwrap().oidc.clients.is_empty(),
        "no [oidc] section is fine"
    );
}

#[test]
fn every_rule_reports_where_and_what() {
    let found = issues(
        r#"
[oidc]
issuer = "https://login.example.com/?x=1"
access_token_ttl_secs = 0
code_ttl_secs = 3600
wecom_mini_allowed_corps = ["acme"]

[[oidc.clients]]
client_id = "bad id"
client_secret = "short"
redirect_uris = ["https://crm.example.com/cb#frag", "ftp://crm.example.com/cb"]
post_logout_redirect_uris = ["not a url"]
scopes = ["profile", "admin"]

[[oidc.clients]]
client_id = "twin"
redirect_uris = ["https://a.example.com/cb"]

[[oidc.clients]]
client_id = "twin"
token_exchange_apps = ["news", "ghost"]

[[oidc.clients]]
client_id = "idle"
"#,
    );
    assert_issue(&found, "oidc.issuer", "no query or fragment");
    assert_issue(&found, "oidc.access_token_ttl_secs", "between 1 and");
    assert_issue(&found, "oidc.code_ttl_secs", "at most 10 minutes");
    assert_issue(&found, "oidc.wecom_mini_allowed_corps[0]", "not a CorpID");
    assert_issue(
        &found,
        "oidc.clients[0].client_id",
        "not a usable client_id",
    );
    assert_issue(&found, "oidc.clients[0].client_secret", "shorter than 16");
    assert_issue(&found, "oidc.clients[0].redirect_uris", "fragment");
    assert_issue(
        &found,
        "oidc.clients[0].redirect_uris",
        "http:// or https://",
    );
    assert_issue(
        &found,
        "oidc.clients[0].post_logout_redirect_uris",
        "not a usable redirect URI",
    );
    assert_issue(&found, "oidc.clients[0].scopes", "`admin` is not a scope");
    assert_issue(&found, "oidc.clients[0].scopes", "must include `openid`");
    assert_issue(
        &found,
        "oidc.clients[2].client_id",
        "already the client_id of oidc.clients[1]",
    );
    assert_issue(
        &found,
        "oidc.clients[2].token_exchange_apps[0]",
        "`news` is not a configured mini program",
    );
    assert_issue(&found, "oidc.clients[2].token_exchange_apps[1]", "`shop`");
    assert_issue(
        &found,
        "oidc.clients[3].redirect_uris",
        "neither receive authorization codes",
    );
}

#[test]
fn unknown_keys_and_algorithms_are_syntax_errors() {
    assert!(matches!(
        load("[oidc]\nissuer_url = \"x\"\n"),
        Err(ConfigError::Syntax { .. })
    ));
    assert!(matches!(
        load(
            "[[oidc.clients]]\nclient_id = \"a\"\nredirect_uris = [\"https://a.example/cb\"]\nsigning_alg = \"HS256\"\n"
        ),
        Err(ConfigError::Syntax { .. })
    ));
}
