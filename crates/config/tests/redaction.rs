//! Secrets never reach `Debug` output, however deeply nested.

use wxgate_config::{Config, REDACTED};

#[test]
fn debug_of_the_whole_config_hides_every_secret() {
    let secrets = [
        "adm-9f2c41d7e8b3a6051c",
        "whs-4b1e0a9c7d2f6e83",
        "mHFwUbbYrEqmSM9wCZ7Uw9xfogoEmvnEN5N1aE6PwZP",
        "QDG6eK",
        "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ",
        "Xz9w3QlY7Zkuvqdt7s8Stqcbnr3yBdGBLEPH1qhT61q",
        "2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlS",
        "tc4xatws8phP9nhFyJfm5di4PzJ59FHz5r1pY4OjE2j",
        "BMptUsGr7CmY-uCu3ZR1zTOlUcR64cXQLioDnkHIfxI",
        "hJ4kW8sQ2m",
        "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD",
        "q2HZt_PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wI",
        "ScGebcy8F5n3YNBDRzrZSgqbjG3uhkWK",
        "e1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63",
        "UQPFeNBTxaQWk8JzFalHlsZfYcMMDktX",
        "FfkCzJr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIxNK",
        "HxjSI6bWHtP3fS2qHx6kwXoIIXGvOoNZ",
    ];
    let text = include_str!("fixtures/contract.toml");
    let config = Config::from_toml_str(text, |name| match name {
        "WXGATE_ADMIN_KEY" => Some(secrets[0].to_owned()),
        "WXGATE_WEBHOOK_SECRET" => Some(secrets[1].to_owned()),
        _ => None,
    })
    .expect("contract loads");
    for shown in [format!("{config:?}"), format!("{config:#?}")] {
        for s in secrets {
            assert!(
                !shown.contains(s),
                "secret {s:.4}… leaked into Debug output"
            );
        }
        assert!(shown.contains(REDACTED));
        // Identifiers are not secret and stay visible for debugging.
        assert!(shown.contains("ww1234567890abcdef") && shown.contains("acme-oa"));
    }
}

#[test]
fn database_password_is_masked_in_debug() {
    let config = Config::from_toml_str(
        "[storage]\nurl = \"postgres://wxgate:${PW}@db.internal:5432/wxgate\"\n",
        |n| (n == "PW").then(|| "pg-pass-7d1e9a".to_owned()),
    )
    .expect("loads");
    let shown = format!("{config:?}");
    assert!(!shown.contains("pg-pass-7d1e9a"), "{shown}");
    assert!(
        shown.contains("postgres://wxgate:****@db.internal:5432/wxgate"),
        "{shown}"
    );
}
