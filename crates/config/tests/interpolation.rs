//! `${NAME}` / `${NAME:-default}` / `$${` substitution, through `interpolate` and through
//! `Config::from_toml_str`, with an injected lookup (the process environment is never touched).

use wxgate_config::{Config, ConfigError, InterpolationError, interpolate};

fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn set_variable_is_substituted() {
    let out = interpolate("a = \"x-${FOO}-y\"\n", vars(&[("FOO", "bar")])).unwrap();
    assert_eq!(out, "a = \"x-bar-y\"\n");
}

#[test]
fn set_variable_wins_over_default() {
    let out = interpolate("a = \"${FOO:-dflt}\"", vars(&[("FOO", "bar")])).unwrap();
    assert_eq!(out, "a = \"bar\"");
}

#[test]
fn default_applies_when_unset_and_may_be_empty() {
    let out = interpolate("a = \"${FOO:-dflt}\"\nb = \"${BAR:-}\"", vars(&[])).unwrap();
    assert_eq!(out, "a = \"dflt\"\nb = \"\"");
}

#[test]
fn missing_variable_names_it_and_the_line() {
    let err = interpolate("# header\n\nsecret = \"${WXGATE_SECRET}\"\n", vars(&[])).unwrap_err();
    assert_eq!(
        err,
        InterpolationError::Missing {
            name: "WXGATE_SECRET".into(),
            line: 3
        }
    );
    let msg = err.to_string();
    assert!(
        msg.contains("line 3") && msg.contains("`WXGATE_SECRET` is not set"),
        "{msg}"
    );
}

#[test]
fn missing_variable_through_config_is_an_interpolation_error() {
    let err =
        Config::from_toml_str("[server]\nadmin_keys = [\"${ADMIN}\"]\n", vars(&[])).unwrap_err();
    match &err {
        ConfigError::Interpolation(InterpolationError::Missing { name, line }) => {
            assert_eq!((name.as_str(), *line), ("ADMIN", 2));
        }
        other => panic!("expected a missing-variable error, got {other:?}"),
    }
    assert!(err.to_string().contains("ADMIN"));
}

#[test]
fn double_dollar_escapes_a_literal_placeholder() {
    let out = interpolate("a = \"$${FOO} costs $5 and $$ stays\"", vars(&[])).unwrap();
    assert_eq!(out, "a = \"${FOO} costs $5 and $$ stays\"");
}

#[test]
fn comments_are_not_interpolated() {
    let text = "a = \"v\" # uses ${UNSET}\n# b = \"${ALSO_UNSET}\"\nc = \"${SET}\" # ${UNSET}\n";
    let out = interpolate(text, vars(&[("SET", "ok")])).unwrap();
    assert_eq!(
        out,
        "a = \"v\" # uses ${UNSET}\n# b = \"${ALSO_UNSET}\"\nc = \"ok\" # ${UNSET}\n"
    );
}

#[test]
fn a_hash_inside_a_string_is_not_a_comment() {
    let out = interpolate("a = \"#${SET}\"", vars(&[("SET", "ok")])).unwrap();
    assert_eq!(out, "a = \"#ok\"");
}

#[test]
fn values_are_escaped_inside_basic_strings_and_keep_line_numbers() {
    let text = "a = \"${V}\"\nb = \"\"\"\n${V}\"\"\"\n";
    let out = interpolate(text, vars(&[("V", "q\"b\\n\nl")])).unwrap();
    assert_eq!(out.lines().count(), text.lines().count());
    #[derive(serde::Deserialize)]
    struct T {
        a: String,
        b: String,
    }
    let t: T = toml::from_str(&out).unwrap();
    assert_eq!(t.a, "q\"b\\n\nl");
    assert_eq!(t.b, "q\"b\\n\nl");
}

#[test]
fn escaped_quote_does_not_end_a_basic_string() {
    let out = interpolate(r#"a = "x\"${V}" # ${NOPE}"#, vars(&[("V", "1")])).unwrap();
    assert_eq!(out, r#"a = "x\"1" # ${NOPE}"#);
}

#[test]
fn literal_strings_take_values_verbatim_but_reject_quotes() {
    let out = interpolate("a = '${V}'", vars(&[("V", r"C:\dir")])).unwrap();
    assert_eq!(out, r"a = 'C:\dir'");
    let err = interpolate("a = '${V}'", vars(&[("V", "it's")])).unwrap_err();
    assert!(
        matches!(&err, InterpolationError::Unrepresentable { name, line: 1, .. } if name == "V")
    );
    assert!(
        !err.to_string().contains("it's"),
        "the value must not be echoed"
    );
}

#[test]
fn bare_values_must_be_scalars() {
    let c = Config::from_toml_str(
        "[[wecom]]\nname = \"acme\"\ncorp_id = \"ww1234567890abcdef\"\n[[wecom.apps]]\nname = \"oa\"\nagent_id = ${AGENT}\nsecret = \"s3cr3t\"\n",
        vars(&[("AGENT", "1000002")]),
    )
    .unwrap();
    assert_eq!(c.wecom[0].apps[0].agent_id, 1000002);
    let err = interpolate("x = ${V}\n", vars(&[("V", "1\n[evil]")])).unwrap_err();
    assert!(
        matches!(err, InterpolationError::Unrepresentable { line: 1, .. }),
        "{err:?}"
    );
    let err = interpolate("x = ${V}\n", vars(&[("V", "")])).unwrap_err();
    assert!(
        matches!(err, InterpolationError::Unrepresentable { .. }),
        "{err:?}"
    );
}

#[test]
fn unterminated_and_bad_names_are_errors() {
    let err = interpolate("a = 1\nb = \"${FOO\"\n", vars(&[])).unwrap_err();
    assert_eq!(err, InterpolationError::Unterminated { line: 2 });
    let err = interpolate("b = \"${1FOO}\"", vars(&[])).unwrap_err();
    assert!(matches!(&err, InterpolationError::BadName { text, line: 1 } if text == "1FOO"));
    let err = interpolate("b = \"${}\"", vars(&[])).unwrap_err();
    assert!(matches!(err, InterpolationError::BadName { .. }));
}

#[test]
fn non_ascii_text_survives() {
    let out = interpolate(
        "# 通讯录同步\na = \"企业-${V}-微信\"",
        vars(&[("V", "应用")]),
    )
    .unwrap();
    assert_eq!(out, "# 通讯录同步\na = \"企业-应用-微信\"");
}

#[test]
fn defaults_are_literal_text_and_escaped_like_values() {
    let out = interpolate(r#"a = "${X:-C:\dir}""#, vars(&[])).unwrap();
    #[derive(serde::Deserialize)]
    struct T {
        a: String,
    }
    let t: T = toml::from_str(&out).unwrap();
    assert_eq!(t.a, r"C:\dir");
}
