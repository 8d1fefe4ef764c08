//! Errors from the TOML layer: unknown keys (typos) and syntax errors name the key and the line.

use wxgate_config::{Config, ConfigError};

fn syntax(text: &str) -> (usize, usize, String) {
    match Config::from_toml_str(text, |_| None) {
        Err(ConfigError::Syntax {
            line,
            column,
            message,
        }) => (line, column, message),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn unknown_top_level_key_names_the_key_and_line() {
    let (line, column, message) =
        syntax("[server]\nlisten = \"127.0.0.1:8080\"\n\n[storrage]\nurl = \"sqlite://x.db\"\n");
    assert_eq!(line, 4);
    assert!(column >= 1);
    assert!(message.contains("storrage"), "{message}");
}

#[test]
fn unknown_nested_key_names_the_key_and_line() {
    let text = "[[wecom]]\nname = \"acme\"\ncorp_id = \"ww1234567890abcdef\"\n  [[wecom.apps]]\n  name = \"oa\"\n  agent_id = 1\n  secret = \"s\"\n  encoding_aes_kye = \"k\"\n";
    let (line, column, message) = syntax(text);
    assert_eq!(line, 8);
    assert_eq!(column, 3);
    assert!(message.contains("encoding_aes_kye"), "{message}");
    let shown = Config::from_toml_str(text, |_| None)
        .unwrap_err()
        .to_string();
    assert!(
        shown.contains("line 8") && shown.contains("encoding_aes_kye"),
        "{shown}"
    );
}

#[test]
fn unknown_key_in_sim_and_server() {
    let (line, _, message) = syntax("[sim]\nclock_sped = 2.0\n");
    assert_eq!(line, 2);
    assert!(message.contains("clock_sped"), "{message}");
    let (line, _, message) = syntax("[server]\nadmin_key = [\"x\"]\n");
    assert_eq!(line, 2);
    assert!(message.contains("admin_key"), "{message}");
}

#[test]
fn wrong_type_and_missing_key_are_reported_with_the_line() {
    let (line, _, message) = syntax("[server]\n\nmax_body_bytes = \"big\"\n");
    assert_eq!(line, 3);
    assert!(!message.is_empty());
    let (_, _, message) =
        syntax("[[wechat.websites]]\nname = \"portal\"\napp_id = \"wx2c3d4e5f6a7b8c9d\"\n");
    assert!(message.contains("app_secret"), "{message}");
    let (_, _, message) = syntax(
        "[[wechat.miniprograms]]\nname = \"m\"\napp_id = \"wx2c3d4e5f6a7b8c9d\"\napp_secret = \"s\"\nformat = \"yaml\"\n",
    );
    assert!(
        message.contains("yaml") || message.contains("xml"),
        "{message}"
    );
}

#[test]
fn broken_toml_reports_the_line() {
    let (line, _, _) = syntax("[server]\nlisten = \"127.0.0.1:8080\n");
    assert_eq!(line, 2);
}
