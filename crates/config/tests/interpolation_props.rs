//! Properties of interpolation on arbitrary text: it never panics, leaves placeholder-free text
//! untouched, and never changes the number of lines.

use proptest::prelude::*;
use wxgate_config::interpolate;

fn lookup(name: &str) -> Option<String> {
    name.len()
        .is_multiple_of(2)
        .then(|| format!("v\"{name}'\\\n"))
}

proptest! {
    #[test]
    fn never_panics_and_keeps_line_count(text in r#"[a-z0-9 =#"'\\${}:\-\n]{0,200}"#) {
        if let Ok(out) = interpolate(&text, lookup) {
            prop_assert_eq!(out.lines().count(), text.lines().count());
        }
    }

    #[test]
    fn text_without_dollars_is_unchanged(text in "[^$]{0,300}") {
        prop_assert_eq!(interpolate(&text, |_| None).unwrap(), text);
    }

    #[test]
    fn any_value_round_trips_through_a_basic_string(value in any::<String>()) {
        let out = interpolate("v = \"${V}\"\n", |_| Some(value.clone())).unwrap();
        let table: toml::Table = toml::from_str(&out).unwrap();
        prop_assert_eq!(table["v"].as_str(), Some(value.as_str()));
    }
}
