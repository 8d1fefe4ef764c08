//! The product's contract: the configuration file from the spec, with real-looking values, loads
//! and every field lands where expected; the shipped example loads and validates.

use wxgate_config::{AppRef, Config, MessageFormat};

const CONTRACT: &str = include_str!("fixtures/contract.toml");
const ADMIN_KEY: &str = "adm-9f2c41d7e8b3a6051c";
const WEBHOOK_SECRET: &str = "whs-4b1e0a9c7d2f6e83";

fn env(name: &str) -> Option<String> {
    match name {
        "WXGATE_ADMIN_KEY" => Some(ADMIN_KEY.to_owned()),
        "WXGATE_WEBHOOK_SECRET" => Some(WEBHOOK_SECRET.to_owned()),
        _ => None,
    }
}

fn contract() -> Config {
    Config::from_toml_str(CONTRACT, env).unwrap_or_else(|e| panic!("contract file: {e}"))
}

#[test]
fn server_storage_upstream_and_webhooks() {
    let c = contract();
    assert_eq!(c.server.listen, "127.0.0.1:8080");
    assert_eq!(c.server.base_url(), "http://127.0.0.1:8080");
    assert_eq!(c.server.admin_keys.len(), 1);
    assert_eq!(c.server.admin_keys[0].expose(), ADMIN_KEY);
    assert_eq!(c.server.callback_timestamp_window_secs, 600);
    assert_eq!(c.server.max_body_bytes, 1024 * 1024);
    assert_eq!(c.storage.url, "sqlite://wxgate.db");
    assert_eq!(c.upstream.wecom, "https://qyapi.weixin.qq.com");
    assert_eq!(c.upstream.wechat, "https://api.weixin.qq.com");
    assert_eq!(c.webhooks.len(), 1);
    let w = &c.webhooks[0];
    assert_eq!(w.name, None);
    assert_eq!(w.url, "http://127.0.0.1:3000/events");
    assert_eq!(w.secret.expose(), WEBHOOK_SECRET);
    assert!(w.events.is_empty());
    assert_eq!(w.timeout_ms, 5000);
    assert!(c.robots.is_empty());
}

#[test]
fn wecom_corp_apps_contacts_and_miniprograms() {
    let c = contract();
    assert_eq!(c.wecom.len(), 1);
    let corp = &c.wecom[0];
    assert_eq!(corp.name, "acme");
    assert_eq!(corp.corp_id, "ww1234567890abcdef");
    assert_eq!(corp.apps.len(), 1);
    let app = &corp.apps[0];
    assert_eq!(app.name, "acme-oa");
    assert_eq!(app.agent_id, 1000002);
    assert_eq!(
        app.secret.expose(),
        "mHFwUbbYrEqmSM9wCZ7Uw9xfogoEmvnEN5N1aE6PwZP"
    );
    assert_eq!(app.token.as_ref().map(|t| t.expose()), Some("QDG6eK"));
    assert_eq!(
        app.encoding_aes_key.as_ref().map(|k| k.expose()),
        Some("u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ")
    );
    assert!(app.previous_encoding_aes_key.is_none());
    assert!(app.trusted_domains.is_empty() && app.jsapi_list.is_empty());
    let contacts = corp.contacts.as_ref().expect("contacts");
    assert_eq!(contacts.name, "acme-contacts");
    assert_eq!(
        contacts.secret.expose(),
        "Xz9w3QlY7Zkuvqdt7s8Stqcbnr3yBdGBLEPH1qhT61q"
    );
    assert_eq!(
        contacts.token.as_ref().map(|t| t.expose()),
        Some("Rk7aP2xN")
    );
    assert_eq!(
        contacts.encoding_aes_key.as_ref().map(|k| k.expose()),
        Some("2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlS")
    );
    assert_eq!(corp.miniprograms.len(), 1);
    let mini = &corp.miniprograms[0];
    assert_eq!(mini.name, "acme-approval");
    assert_eq!(mini.app_id, "wx3d4e5f6a7b8c9d0e");
    assert_eq!(mini.agent_id, 1000003);
    assert_eq!(
        mini.secret.expose(),
        "tc4xatws8phP9nhFyJfm5di4PzJ59FHz5r1pY4OjE2j"
    );
}

#[test]
fn suite() {
    let c = contract();
    assert_eq!(c.suites.len(), 1);
    let s = &c.suites[0];
    assert_eq!(s.name, "crm");
    assert_eq!(s.suite_id, "ww9f8e7d6c5b4a3210");
    assert_eq!(
        s.suite_secret.expose(),
        "BMptUsGr7CmY-uCu3ZR1zTOlUcR64cXQLioDnkHIfxI"
    );
    assert_eq!(s.token.expose(), "hJ4kW8sQ2m");
    assert_eq!(
        s.encoding_aes_key.expose(),
        "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD"
    );
    assert_eq!(s.provider_corp_id.as_deref(), Some("ww0123456789abcdef"));
    assert_eq!(
        s.provider_secret.as_ref().map(|p| p.expose()),
        Some("q2HZt_PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wI")
    );
}

#[test]
fn wechat_accounts() {
    let c = contract();
    let oa = &c.wechat.official_accounts[0];
    assert_eq!(oa.name, "news");
    assert_eq!(oa.app_id, "wx0a1b2c3d4e5f6a7b");
    assert_eq!(oa.app_secret.expose(), "ScGebcy8F5n3YNBDRzrZSgqbjG3uhkWK");
    assert_eq!(oa.token.as_ref().map(|t| t.expose()), Some("n3wsT0ken"));
    assert_eq!(
        oa.encoding_aes_key.as_ref().map(|k| k.expose()),
        Some("e1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63")
    );
    assert_eq!(oa.open_platform, None);
    let mp = &c.wechat.miniprograms[0];
    assert_eq!(mp.name, "shop");
    assert_eq!(mp.app_id, "wx1b2c3d4e5f6a7b8c");
    assert_eq!(mp.app_secret.expose(), "UQPFeNBTxaQWk8JzFalHlsZfYcMMDktX");
    assert_eq!(mp.token.as_ref().map(|t| t.expose()), Some("sh0pT0ken"));
    assert_eq!(mp.format, MessageFormat::Json);
    let web = &c.wechat.websites[0];
    assert_eq!(web.name, "portal");
    assert_eq!(web.app_id, "wx2c3d4e5f6a7b8c9d");
    assert_eq!(web.app_secret.expose(), "HxjSI6bWHtP3fS2qHx6kwXoIIXGvOoNZ");
}

#[test]
fn sim_defaults_when_absent() {
    let c = contract();
    assert_eq!(c.sim.listen, "127.0.0.1:9080");
    assert_eq!(c.sim.token_ttl_secs, 7200);
    assert_eq!(c.sim.suite_ticket_interval_secs, 600);
    assert_eq!(c.sim.clock_speed, 1.0);
    assert_eq!(c.sim.rate_limit_factor, 1.0);
    assert!(c.sim.corps.is_empty() && c.sim.apps.is_empty());
}

#[test]
fn apps_index_covers_every_kind() {
    let c = contract();
    let listed: Vec<(&str, &str)> = c.apps().map(|a| (a.name(), a.kind())).collect();
    assert_eq!(
        listed,
        [
            ("acme-oa", "wecom_app"),
            ("acme-contacts", "wecom_contacts"),
            ("acme-approval", "wecom_miniprogram"),
            ("crm", "suite"),
            ("news", "official_account"),
            ("shop", "miniprogram"),
            ("portal", "website"),
        ]
    );
    match c.app("acme-oa") {
        Some(AppRef::WecomApp { corp, app }) => {
            assert_eq!(corp.corp_id, "ww1234567890abcdef");
            assert_eq!(app.agent_id, 1000002);
        }
        other => panic!("acme-oa resolved to {other:?}"),
    }
    match c.app("acme-contacts") {
        Some(AppRef::Contacts { corp, contacts }) => {
            assert_eq!(corp.name, "acme");
            assert_eq!(contacts.name, "acme-contacts");
        }
        other => panic!("acme-contacts resolved to {other:?}"),
    }
    assert!(matches!(c.app("crm"), Some(AppRef::Suite(s)) if s.suite_id == "ww9f8e7d6c5b4a3210"));
    assert!(
        matches!(c.app("shop"), Some(AppRef::MiniProgram(m)) if m.app_id == "wx1b2c3d4e5f6a7b8c")
    );
    assert!(c.app("acme").is_none(), "a corp is not an app");
    assert!(c.app("nope").is_none());
}

#[test]
fn empty_file_gives_defaults() {
    let c = Config::from_toml_str("", |_| None).expect("empty config is valid");
    assert_eq!(c.server.listen, "127.0.0.1:8080");
    assert_eq!(c.server.base_url(), "http://127.0.0.1:8080");
    assert_eq!(c.storage.url, "sqlite://wxgate.db");
    assert_eq!(c.upstream.wecom, wxgate_config::WECOM_API);
    assert_eq!(c.upstream.wechat, wxgate_config::WECHAT_API);
    assert_eq!(c.upstream.wechat_open, wxgate_config::WECHAT_OPEN);
    assert_eq!(c.upstream.wecom_login, wxgate_config::WECOM_LOGIN);
    assert_eq!(c.apps().count(), 0);
    assert_eq!(c.login.wecom, None);
    assert_eq!(c.login.default_return_to, wxgate_config::DEFAULT_RETURN_TO);
    assert_eq!(
        (c.login.rate_limit_per_minute, c.login.rate_limit_burst),
        (
            wxgate_config::DEFAULT_RATE_LIMIT_PER_MINUTE,
            wxgate_config::DEFAULT_RATE_LIMIT_BURST
        )
    );
    assert_eq!(
        c.login.app("anything").non_members,
        wxgate_config::NonMembers::Refuse
    );
}

#[test]
fn example_loads_and_validates() {
    let c = Config::from_toml_str(wxgate_config::EXAMPLE, |_| None)
        .unwrap_or_else(|e| panic!("EXAMPLE: {e}"));
    assert_eq!(c.apps().count(), 7);
    assert_eq!(c.robots[0].name, "ops-alerts");
    assert_eq!(c.webhooks[0].events, ["wecom.*", "wechat.*"]);
    assert_eq!(c.sim.corps[0].corp, "acme");
    assert_eq!(c.sim.corps[0].members, 200);
    assert_eq!(c.sim.apps[0].visible_departments, [1]);
    assert!(c.sim.apps[0].created_after_privacy_rules);
    assert_eq!(
        c.wechat.websites[0].open_platform.as_deref(),
        Some("acme-open")
    );
    assert_eq!(c.login.wecom.as_deref(), Some("acme-oa"));
    assert_eq!(c.login.desktop.as_deref(), Some("portal"));
    assert_eq!(
        c.login.app("acme-oa").scope.as_deref(),
        Some("snsapi_privateinfo")
    );
    assert_eq!(
        c.login.app("news").scope.as_deref(),
        Some("snsapi_userinfo")
    );
    // The environment overrides the development fallbacks.
    let prod = Config::from_toml_str(wxgate_config::EXAMPLE, |n| {
        (n == "WXGATE_WECOM_API").then(|| "https://qyapi.weixin.qq.com".to_owned())
    })
    .expect("EXAMPLE with env");
    assert_eq!(prod.upstream.wecom, "https://qyapi.weixin.qq.com");
    assert_eq!(Config::example().server.admin_keys.len(), 1);
}

#[test]
fn load_reads_a_file_and_reports_a_missing_one() {
    let dir = std::env::temp_dir().join(format!("wxgate-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("wxgate.toml");
    std::fs::write(
        &path,
        "[storage]\nurl = \"postgres://wx@localhost/wxgate\"\n",
    )
    .expect("write");
    let c = Config::load(&path).expect("load");
    assert_eq!(c.storage.url, "postgres://wx@localhost/wxgate");
    let missing = dir.join("absent.toml");
    let err = Config::load(&missing).expect_err("missing file");
    let msg = err.to_string();
    assert!(
        msg.contains("absent.toml") && msg.contains("check the path"),
        "{msg}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn contract_without_its_environment_names_the_first_missing_variable() {
    let err = Config::from_toml_str(CONTRACT, |_| None).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("line 4") && msg.contains("WXGATE_ADMIN_KEY"),
        "{msg}"
    );
}
