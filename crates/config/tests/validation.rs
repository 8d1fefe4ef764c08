//! Every validation rule has a failing case that asserts the path and the message, and several
//! problems are reported together.

use wxgate_config::{Config, ConfigError, ConfigIssue};

const CONTRACT: &str = include_str!("fixtures/contract.toml");

fn env(name: &str) -> Option<String> {
    match name {
        "WXGATE_ADMIN_KEY" => Some("adm-9f2c41d7e8b3a6051c".to_owned()),
        "WXGATE_WEBHOOK_SECRET" => Some("whs-4b1e0a9c7d2f6e83".to_owned()),
        _ => None,
    }
}

/// The contract file with `from` replaced by `to` (which must occur exactly once) …
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = CONTRACT.to_owned();
    for (from, to) in edits {
        assert_eq!(
            text.matches(from).count(),
            1,
            "edit target {from:?} must be unique"
        );
        text = text.replace(from, to);
    }
    text
}

/// … and appended text.
fn issues(text: &str) -> Vec<ConfigIssue> {
    match Config::from_toml_str(text, env) {
        Err(ConfigError::Invalid(issues)) => issues,
        Ok(_) => panic!("expected validation issues, the config was accepted"),
        Err(other) => panic!("expected validation issues, got {other}"),
    }
}

/// Asserts that exactly one issue has `path` and that its message contains every fragment.
#[track_caller]
fn assert_issue(issues: &[ConfigIssue], path: &str, fragments: &[&str]) {
    let found: Vec<&ConfigIssue> = issues.iter().filter(|i| i.path == path).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one issue at {path}, got {issues:#?}"
    );
    for f in fragments {
        assert!(
            found[0].message.contains(f),
            "{path}: {:?} lacks {f:?}",
            found[0].message
        );
    }
}

#[track_caller]
fn only_issue(text: &str, path: &str, fragments: &[&str]) {
    let issues = issues(text);
    assert_eq!(issues.len(), 1, "{issues:#?}");
    assert_issue(&issues, path, fragments);
}

#[test]
fn the_contract_itself_is_valid() {
    Config::from_toml_str(CONTRACT, env).unwrap();
}

#[test]
fn encoding_aes_key_length_and_charset() {
    let t = edited(&[(
        "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ",
        "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdoc",
    )]);
    only_issue(
        &t,
        "wecom[0].apps[0].encoding_aes_key",
        &[
            "exactly 43 characters of A-Z, a-z, 0-9 (got 42)",
            "copy it again",
        ],
    );
    let t = edited(&[(
        "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD",
        "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD=",
    )]);
    only_issue(
        &t,
        "suites[0].encoding_aes_key",
        &["(got 44)", "drop the trailing `=`"],
    );
    let t = edited(&[(
        "FfkCzJr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIxNK",
        "FfkCzJr4i0B3JrTAwR4y9ojfljoQoaF1Llqsaj+IxNK",
    )]);
    only_issue(
        &t,
        "wechat.miniprograms[0].encoding_aes_key",
        &["has other characters"],
    );
}

#[test]
fn previous_key_is_checked_and_needs_a_current_key() {
    let t = edited(&[(
        "  token = \"Rk7aP2xN\"\n",
        "  token = \"Rk7aP2xN\"\n  previous_encoding_aes_key = \"short\"\n",
    )]);
    only_issue(
        &t,
        "wecom[0].contacts.previous_encoding_aes_key",
        &["(got 5)"],
    );
    let t = edited(&[(
        "encoding_aes_key = \"e1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63\"",
        "previous_encoding_aes_key = \"e1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63\"",
    )]);
    only_issue(
        &t,
        "wechat.official_accounts[0].previous_encoding_aes_key",
        &["without `encoding_aes_key`"],
    );
}

#[test]
fn tokens() {
    let t = edited(&[("token = \"QDG6eK\"", "token = \"QDG6-eK\"")]);
    only_issue(
        &t,
        "wecom[0].apps[0].token",
        &["1–32 letters or digits", "has other characters"],
    );
    let long = "a".repeat(33);
    let t = edited(&[("token = \"hJ4kW8sQ2m\"", &format!("token = \"{long}\""))]);
    only_issue(&t, "suites[0].token", &["(got 33)"]);
    // Official accounts and mini programs need at least 3 characters.
    let t = edited(&[("token = \"n3wsT0ken\"", "token = \"ab\"")]);
    only_issue(
        &t,
        "wechat.official_accounts[0].token",
        &["3–32 letters or digits", "(got 2)"],
    );
}

#[test]
fn token_and_key_come_in_pairs() {
    let t = edited(&[("  token = \"QDG6eK\"\n", "")]);
    only_issue(
        &t,
        "wecom[0].apps[0].token",
        &["is missing but `encoding_aes_key` is set"],
    );
    let t = edited(&[(
        "  encoding_aes_key = \"u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ\"\n",
        "",
    )]);
    only_issue(
        &t,
        "wecom[0].apps[0].encoding_aes_key",
        &["is missing but `token` is set"],
    );
    // WeChat plaintext mode: a token without a key is fine.
    let t = edited(&[(
        "encoding_aes_key = \"e1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63\"",
        "",
    )]);
    let c = Config::from_toml_str(&t, env).unwrap();
    assert!(c.wechat.official_accounts[0].encoding_aes_key.is_none());
}

#[test]
fn names_charset_and_length() {
    let t = edited(&[("name = \"acme-oa\"", "name = \"Acme OA\"")]);
    only_issue(
        &t,
        "wecom[0].apps[0].name",
        &["`Acme OA` is not a valid name", "a-z, 0-9"],
    );
    let long = "a".repeat(65);
    let t = edited(&[("name = \"portal\"", &format!("name = \"{long}\""))]);
    only_issue(&t, "wechat.websites[0].name", &["1–64 characters"]);
    let t = edited(&[("name = \"crm\"", "name = \"-crm\"")]);
    only_issue(&t, "suites[0].name", &["starting with a letter or digit"]);
}

#[test]
fn names_are_unique_across_all_entities() {
    let t = edited(&[("name = \"portal\"", "name = \"acme-oa\"")]);
    only_issue(
        &t,
        "wechat.websites[0].name",
        &[
            "`acme-oa` is already used by wecom[0].apps[0].name",
            "share URLs",
        ],
    );
    // Corps share the namespace too.
    let t = edited(&[("name = \"crm\"", "name = \"acme\"")]);
    only_issue(&t, "suites[0].name", &["already used by wecom[0].name"]);
    // And so do named webhooks and robots.
    let t = format!(
        "{CONTRACT}\n[[robots]]\nname = \"shop\"\nkey = \"693a91f6-7a0c-4bc4-97a0-0ec2e1f4a5aa\"\n"
    );
    only_issue(
        &t,
        "robots[0].name",
        &["already used by wechat.miniprograms[0].name"],
    );
}

#[test]
fn corp_ids() {
    let t = edited(&[(
        "corp_id = \"ww1234567890abcdef\"",
        "corp_id = \"ab1234567890abcdef\"",
    )]);
    only_issue(
        &t,
        "wecom[0].corp_id",
        &["is not a CorpID", "starts with `ww` or `wx`"],
    );
    let t = format!("{CONTRACT}\n[[wecom]]\nname = \"acme2\"\ncorp_id = \"ww1234567890abcdef\"\n");
    only_issue(&t, "wecom[1].corp_id", &["already configured by wecom[0]"]);
    let t = edited(&[(
        "provider_corp_id = \"ww0123456789abcdef\"",
        "provider_corp_id = \"corp\"",
    )]);
    only_issue(&t, "suites[0].provider_corp_id", &["is not a CorpID"]);
}

#[test]
fn app_ids() {
    let t = edited(&[("app_id = \"wx0a1b2c3d4e5f6a7b\"", "app_id = \"wx0a1b2c\"")]);
    only_issue(
        &t,
        "wechat.official_accounts[0].app_id",
        &["is not a WeChat AppID", "`wx` followed by 16"],
    );
    let t = edited(&[(
        "app_id = \"wx2c3d4e5f6a7b8c9d\"",
        "app_id = \"wx1b2c3d4e5f6a7b8c\"",
    )]);
    only_issue(
        &t,
        "wechat.websites[0].app_id",
        &["already configured at wechat.miniprograms[0].app_id"],
    );
    let t = edited(&[(
        "app_id = \"wx3d4e5f6a7b8c9d0e\"",
        "app_id = \"ww3d4e5f6a7b8c9d0e\"",
    )]);
    only_issue(
        &t,
        "wecom[0].miniprograms[0].app_id",
        &["is not a WeChat AppID"],
    );
}

#[test]
fn suite_ids() {
    let t = edited(&[("suite_id = \"ww9f8e7d6c5b4a3210\"", "suite_id = \"\"")]);
    only_issue(&t, "suites[0].suite_id", &["is not a SuiteID"]);
    let t = format!(
        "{CONTRACT}\n[[suites]]\nname = \"crm2\"\nsuite_id = \"ww9f8e7d6c5b4a3210\"\nsuite_secret = \"s\"\ntoken = \"t\"\nencoding_aes_key = \"XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD\"\n"
    );
    only_issue(
        &t,
        "suites[1].suite_id",
        &["already configured by suites[0]"],
    );
}

#[test]
fn provider_credentials_come_in_pairs() {
    let t = edited(&[(
        "provider_secret = \"q2HZt_PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wI\"",
        "",
    )]);
    only_issue(
        &t,
        "suites[0].provider_secret",
        &["is missing but `provider_corp_id` is set"],
    );
}

#[test]
fn agent_ids() {
    let t = edited(&[("agent_id = 1000002", "agent_id = 0")]);
    only_issue(
        &t,
        "wecom[0].apps[0].agent_id",
        &["positive integer (got 0)"],
    );
    let t = edited(&[("agent_id = 1000003", "agent_id = -5")]);
    only_issue(&t, "wecom[0].miniprograms[0].agent_id", &["(got -5)"]);
    let t = edited(&[(
        "  [wecom.contacts]",
        "  [[wecom.apps]]\n  name = \"acme-hr\"\n  agent_id = 1000002\n  secret = \"x\"\n  [wecom.contacts]",
    )]);
    only_issue(
        &t,
        "wecom[0].apps[1].agent_id",
        &["already used by apps[0]"],
    );
}

#[test]
fn empty_secrets() {
    let t = edited(&[(
        "secret = \"mHFwUbbYrEqmSM9wCZ7Uw9xfogoEmvnEN5N1aE6PwZP\"",
        "secret = \"${OA_SECRET:-}\"",
    )]);
    only_issue(
        &t,
        "wecom[0].apps[0].secret",
        &["is empty", "environment variable"],
    );
    let t = edited(&[(
        "app_secret = \"HxjSI6bWHtP3fS2qHx6kwXoIIXGvOoNZ\"",
        "app_secret = \" \"",
    )]);
    only_issue(&t, "wechat.websites[0].app_secret", &["is empty"]);
}

#[test]
fn urls() {
    let t = edited(&[(
        "public_url = \"http://127.0.0.1:8080\"",
        "public_url = \"127.0.0.1:8080\"",
    )]);
    only_issue(&t, "server.public_url", &["http:// or https://"]);
    let t = edited(&[(
        "wecom = \"https://qyapi.weixin.qq.com\"",
        "wecom = \"https://\"",
    )]);
    only_issue(&t, "upstream.wecom", &["no host"]);
    let t = edited(&[(
        "url = \"http://127.0.0.1:3000/events\"",
        "url = \"http://127.0.0.1:300000/events\"",
    )]);
    only_issue(&t, "webhooks[0].url", &["port"]);
}

#[test]
fn listen_addresses() {
    let t = edited(&[("listen = \"127.0.0.1:8080\"", "listen = \"8080\"")]);
    only_issue(&t, "server.listen", &["is not HOST:PORT"]);
    let t = format!("{CONTRACT}\n[sim]\nlisten = \"localhost:http\"\n");
    only_issue(&t, "sim.listen", &["is not HOST:PORT"]);
}

#[test]
fn admin_keys() {
    let t = CONTRACT.replace("${WXGATE_ADMIN_KEY}", "short-key");
    only_issue(
        &t,
        "server.admin_keys[0]",
        &["at least 16 characters (got 9)", "openssl rand"],
    );
    let t = CONTRACT.replace("${WXGATE_ADMIN_KEY}", "");
    only_issue(&t, "server.admin_keys[0]", &["(got 0)"]);
}

#[test]
fn server_limits() {
    let t = edited(&[(
        "admin_keys = [",
        "callback_timestamp_window_secs = 0\nmax_body_bytes = 100\nadmin_keys = [",
    )]);
    let issues = issues(&t);
    assert_eq!(issues.len(), 2, "{issues:#?}");
    assert_issue(
        &issues,
        "server.callback_timestamp_window_secs",
        &["between 1 and 86400"],
    );
    assert_issue(&issues, "server.max_body_bytes", &["at least 4096"]);
}

#[test]
fn webhooks() {
    let t = CONTRACT.replace("${WXGATE_WEBHOOK_SECRET}", "tiny");
    only_issue(
        &t,
        "webhooks[0].secret",
        &["at least 16 characters (got 4)"],
    );
    let t = edited(&[(
        "secret = \"${WXGATE_WEBHOOK_SECRET}\"",
        "secret = \"${WXGATE_WEBHOOK_SECRET}\"\nevents = [\"wecom.*\", \"wecom*.x\", \"\"]\ntimeout_ms = 0\nname = \"Hooks\"",
    )]);
    let issues = issues(&t);
    assert_eq!(issues.len(), 4, "{issues:#?}");
    assert_issue(
        &issues,
        "webhooks[0].events[1]",
        &["`wecom*.x` is not an event filter"],
    );
    assert_issue(
        &issues,
        "webhooks[0].events[2]",
        &["is not an event filter"],
    );
    assert_issue(&issues, "webhooks[0].timeout_ms", &["between 1 and 120000"]);
    assert_issue(&issues, "webhooks[0].name", &["not a valid name"]);
}

#[test]
fn robots() {
    let t = format!(
        "{CONTRACT}\n[[robots]]\nname = \"ops\"\nkey = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a\"\n[[robots]]\nname = \"dev\"\nkey = \"\"\n"
    );
    let issues = issues(&t);
    assert_eq!(issues.len(), 2, "{issues:#?}");
    assert_issue(
        &issues,
        "robots[0].key",
        &["whole webhook URL", "after `key=`"],
    );
    assert_issue(&issues, "robots[1].key", &["is empty"]);
}

#[test]
fn jssdk_settings() {
    let t = edited(&[(
        "  token = \"QDG6eK\"\n",
        "  token = \"QDG6eK\"\n  trusted_domains = [\"https://oa.acme.example/\", \"oa.acme.example\"]\n  jsapi_list = [\"scanQRCode\", \"scan QR\"]\n",
    )]);
    let issues = issues(&t);
    assert_eq!(issues.len(), 2, "{issues:#?}");
    assert_issue(
        &issues,
        "wecom[0].apps[0].trusted_domains[0]",
        &["host name only"],
    );
    assert_issue(
        &issues,
        "wecom[0].apps[0].jsapi_list[1]",
        &["not a JSSDK API name"],
    );
    let t = edited(&[(
        "  token = \"QDG6eK\"\n",
        "  token = \"QDG6eK\"\n  cors_origins = [\"https://oa.acme.example\", \"http://localhost:3000\", \"https://oa.acme.example/\", \"oa.acme.example\", \"https://x.example/path\"]\n",
    )]);
    let found = self::issues(&t);
    assert_eq!(found.len(), 3, "{found:#?}");
    for i in 2..5 {
        assert_issue(
            &found,
            &format!("wecom[0].apps[0].cors_origins[{i}]"),
            &["not a browser origin", "without a path"],
        );
    }
}

#[test]
fn jssdk_rate_limit_and_trusted_proxies() {
    let t = edited(&[(
        "admin_keys = [",
        "jssdk_requests_per_minute = 0\ntrusted_proxies = [\"10.0.0.5\", \"::1\", \"proxy.local\"]\nadmin_keys = [",
    )]);
    let issues = issues(&t);
    assert_eq!(issues.len(), 2, "{issues:#?}");
    assert_issue(
        &issues,
        "server.jssdk_requests_per_minute",
        &["between 1 and 100000"],
    );
    assert_issue(
        &issues,
        "server.trusted_proxies[2]",
        &["`proxy.local` is not an IP address"],
    );
}

#[test]
fn open_platform_label() {
    let t = edited(&[(
        "name = \"portal\"",
        "name = \"portal\"\nopen_platform = \"Acme Open\"",
    )]);
    only_issue(
        &t,
        "wechat.websites[0].open_platform",
        &["not a valid name"],
    );
    // The same label on several accounts is the point: it is not a unique name.
    let t = edited(&[
        (
            "name = \"portal\"",
            "name = \"portal\"\nopen_platform = \"acme-open\"",
        ),
        (
            "name = \"news\"",
            "name = \"news\"\nopen_platform = \"acme-open\"",
        ),
    ]);
    Config::from_toml_str(&t, env).unwrap();
}

#[test]
fn storage_url_scheme() {
    let t = edited(&[(
        "url = \"sqlite://wxgate.db\"",
        "url = \"mysql://u:hunter22@h/db\"",
    )]);
    let issues = issues(&t);
    assert_issue(
        &issues,
        "storage.url",
        &["not a supported database URL", "sqlite://", "postgres://"],
    );
    assert!(
        !issues[0].message.contains("hunter22"),
        "the password must not be echoed"
    );
    for ok in [
        "sqlite://wxgate.db",
        "sqlite::memory:",
        "postgres://h/db",
        "postgresql://u:p@h:5432/db",
    ] {
        let t = edited(&[("url = \"sqlite://wxgate.db\"", &format!("url = \"{ok}\""))]);
        Config::from_toml_str(&t, env).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn sim_references_existing_names() {
    let t = format!(
        "{CONTRACT}\n[sim]\n[[sim.corps]]\ncorp = \"globex\"\n[[sim.corps]]\ncorp = \"acme\"\ndepartments = 0\n[[sim.corps]]\ncorp = \"acme\"\n[[sim.apps]]\napp = \"acme-oa\"\nvisible_departments = [0, 2]\n[[sim.apps]]\napp = \"acme-crm\"\n"
    );
    let issues = issues(&t);
    assert_eq!(issues.len(), 5, "{issues:#?}");
    assert_issue(
        &issues,
        "sim.corps[0].corp",
        &["`globex` is not the name of a [[wecom]] corp", "`acme`"],
    );
    assert_issue(&issues, "sim.corps[1].departments", &["at least 1"]);
    assert_issue(
        &issues,
        "sim.corps[2].corp",
        &["already has a [[sim.corps]] entry"],
    );
    assert_issue(
        &issues,
        "sim.apps[0].visible_departments[0]",
        &["start at 1"],
    );
    assert_issue(
        &issues,
        "sim.apps[1].app",
        &[
            "`acme-crm` is not the name of a configured app",
            "`acme-oa`",
            "`portal`",
        ],
    );
}

#[test]
fn login_names_scopes_and_limits() {
    let t = format!(
        "{CONTRACT}\n[login]\nwecom = \"news\"\nwechat = \"nope\"\ndesktop = \"shop\"\ndefault_return_to = \"//evil.example\"\nreturn_to_origins = [\"https://ok.example\", \"https://app.example/path\", \"ftp://x\"]\nrate_limit_burst = 0\ntimeout_secs = 5\n[login.apps.acme-oa]\nscope = \"snsapi_userinfo\"\n[login.apps.news]\nnon_members = \"guest\"\n[login.apps.shop]\n[login.apps.ghost]\n"
    );
    let issues = issues(&t);
    assert_eq!(issues.len(), 12, "{issues:#?}");
    assert_issue(
        &issues,
        "login.wecom",
        &[
            "`news` is a official_account app",
            "a [[wecom.apps]] app or a [[suites]] suite",
        ],
    );
    assert_issue(
        &issues,
        "login.wechat",
        &["no app is named `nope`", "`acme-oa`", "`portal`"],
    );
    assert_issue(&issues, "login.desktop", &["`shop` is a miniprogram app"]);
    assert_issue(
        &issues,
        "login.default_return_to",
        &["starting with `/` (not `//`)"],
    );
    assert_issue(&issues, "login.return_to_origins[1]", &["not an origin"]);
    assert_issue(&issues, "login.return_to_origins[2]", &["not an origin"]);
    assert_issue(&issues, "login.rate_limit_burst", &["at least 1"]);
    assert_issue(&issues, "login.timeout_secs", &["between 60 and 3600"]);
    assert_issue(
        &issues,
        "login.apps.acme-oa.scope",
        &[
            "`snsapi_userinfo` is not a scope of a wecom_app app",
            "`snsapi_privateinfo`",
        ],
    );
    assert_issue(
        &issues,
        "login.apps.news.non_members",
        &["only WeCom apps and suites"],
    );
    assert_issue(&issues, "login.apps.shop", &["has no browser login"]);
    assert_issue(&issues, "login.apps.ghost", &["no app is named `ghost`"]);
    // A suite serves desktops only with its provider credentials.
    Config::from_toml_str(&format!("{CONTRACT}\n[login]\ndesktop = \"crm\"\n"), env)
        .expect("a suite with a provider serves desktops");
    let without = edited(&[
        ("provider_corp_id = \"ww0123456789abcdef\"", ""),
        (
            "provider_secret = \"q2HZt_PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wI\"",
            "",
        ),
    ]);
    only_issue(
        &format!("{without}\n[login]\ndesktop = \"crm\"\n"),
        "login.desktop",
        &["`crm` is a suite app", "provider_corp_id"],
    );
}

#[test]
fn sim_numbers() {
    let t = format!(
        "{CONTRACT}\n[sim]\ntoken_ttl_secs = 0\nsuite_ticket_interval_secs = 0\nclock_speed = 0.0\nrate_limit_factor = -1.0\n"
    );
    let issues = issues(&t);
    assert_eq!(issues.len(), 4, "{issues:#?}");
    assert_issue(&issues, "sim.token_ttl_secs", &["greater than 0"]);
    assert_issue(
        &issues,
        "sim.suite_ticket_interval_secs",
        &["greater than 0"],
    );
    assert_issue(&issues, "sim.clock_speed", &["greater than 0"]);
    assert_issue(&issues, "sim.rate_limit_factor", &["0 or more"]);
    let t = format!("{CONTRACT}\n[sim]\nclock_speed = nan\nrate_limit_factor = 0.0\n");
    only_issue(&t, "sim.clock_speed", &["greater than 0"]);
}

#[test]
fn several_problems_are_all_reported_and_displayed_one_per_line() {
    let t = edited(&[
        ("corp_id = \"ww1234567890abcdef\"", "corp_id = \"nope\""),
        ("agent_id = 1000002", "agent_id = 0"),
        ("token = \"hJ4kW8sQ2m\"", "token = \"hJ4k-W8sQ2m\""),
        ("name = \"portal\"", "name = \"shop\""),
        ("url = \"sqlite://wxgate.db\"", "url = \"redis://x\""),
    ]);
    let text = t.replace("${WXGATE_ADMIN_KEY}", "short");
    let err = Config::from_toml_str(&text, env).unwrap_err();
    let ConfigError::Invalid(issues) = &err else {
        panic!("expected Invalid, got {err}");
    };
    let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
    for p in [
        "server.admin_keys[0]",
        "storage.url",
        "wecom[0].corp_id",
        "wecom[0].apps[0].agent_id",
        "suites[0].token",
        "wechat.websites[0].name",
    ] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
    }
    assert_eq!(issues.len(), 6, "{issues:#?}");
    let shown = err.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[0], "the configuration has 6 problems:");
    assert_eq!(lines.len(), 7);
    assert!(lines[1..].iter().all(|l| l.starts_with("  - ")), "{shown}");
    assert!(
        shown.contains("  - wecom[0].apps[0].agent_id: AgentId must be a positive integer (got 0)")
    );
}

#[test]
fn contacts_defaults_and_limits() {
    let config = Config::from_toml_str(CONTRACT, env).expect("contract loads");
    let c = &config.contacts;
    assert_eq!(
        (
            c.sync_interval_minutes,
            c.role_prefix.as_str(),
            c.concurrency,
            c.sync_suite_corps,
            c.rate_limited_pause_secs
        ),
        (1440, "dept:", 4, true, 60)
    );
    let t = format!(
        "{CONTRACT}\n[contacts]\nsync_interval_minutes = 0\nrole_prefix = \"org/\"\nconcurrency = 8\nsync_suite_corps = false\nrate_limited_pause_secs = 5\n"
    );
    let config = Config::from_toml_str(&t, env).expect("valid [contacts] loads");
    assert_eq!(config.contacts.sync_interval_minutes, 0);
    assert_eq!(config.contacts.role_prefix, "org/");
    assert_eq!(config.contacts.concurrency, 8);
    assert!(!config.contacts.sync_suite_corps);

    let t = format!("{CONTRACT}\n[contacts]\nconcurrency = 0\n");
    only_issue(&t, "contacts.concurrency", &["between 1 and 32"]);
    let t = format!("{CONTRACT}\n[contacts]\nconcurrency = 33\n");
    only_issue(&t, "contacts.concurrency", &["between 1 and 32"]);
    let t = format!("{CONTRACT}\n[contacts]\nrole_prefix = \"my dept\"\n");
    only_issue(&t, "contacts.role_prefix", &["without spaces"]);
    let t = format!("{CONTRACT}\n[contacts]\nrole_prefix = \"\"\n");
    only_issue(&t, "contacts.role_prefix", &["1–32"]);
    let t = format!("{CONTRACT}\n[contacts]\nrate_limited_pause_secs = 7200\n");
    only_issue(&t, "contacts.rate_limited_pause_secs", &["at most 3600"]);
    let t = format!("{CONTRACT}\n[contacts]\nsync_every = 5\n");
    assert!(
        Config::from_toml_str(&t, env).is_err(),
        "unknown keys are refused"
    );
}
