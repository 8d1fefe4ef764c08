//! Fields the platforms type inconsistently, normalised at the edge: numbers sent as strings
//! (`created_at`, `gender`, `sex`, department `id`), booleans sent as strings (`"true"`), so
//! the rest of the gateway sees one type per field.

use serde::{Deserialize, Deserializer};

/// A number or a numeric string (`1380000000` or `"1380000000"`).
#[derive(Deserialize)]
#[serde(untagged)]
enum IntOrString {
    Int(i64),
    Str(String),
}

/// Deserializes an optional integer sent as a number or a numeric string; an empty string is
/// `None`.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<IntOrString>::deserialize(d)? {
        None => Ok(None),
        Some(IntOrString::Int(i)) => Ok(Some(i)),
        Some(IntOrString::Str(s)) if s.trim().is_empty() => Ok(None),
        Some(IntOrString::Str(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expected an integer or a numeric string")),
    }
}

/// Deserializes an integer sent as a number or a numeric string.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    opt_int(d)?.ok_or_else(|| serde::de::Error::custom("expected an integer, got nothing"))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrString {
    Bool(bool),
    Int(i64),
    Str(String),
}

/// Deserializes an optional boolean sent as `true`, `1` or `"true"`/`"1"`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<BoolOrString>::deserialize(d)? {
        None => None,
        Some(BoolOrString::Bool(b)) => Some(b),
        Some(BoolOrString::Int(i)) => Some(i != 0),
        Some(BoolOrString::Str(s)) => match s.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => return Err(serde::de::Error::custom("expected a boolean")),
        },
    })
}

/// A member's gender. WeCom sends it as a string (`"1"`), MP `sex` as a number or a string;
/// `0` and anything unrecognised mean not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gender {
    /// 0, empty, or not disclosed.
    #[default]
    Unknown,
    /// 1.
    Male,
    /// 2.
    Female,
}

impl<'de> Deserialize<'de> for Gender {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = match Option::<IntOrString>::deserialize(d)? {
            Some(IntOrString::Int(i)) => i,
            Some(IntOrString::Str(s)) => s.trim().parse().unwrap_or(0),
            None => 0,
        };
        Ok(match code {
            1 => Gender::Male,
            2 => Gender::Female,
            _ => Gender::Unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "opt_int")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(default)]
        g: Gender,
    }

    fn t(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_and_numeric_strings_agree() {
        assert_eq!(t(r#"{"n":1380000000}"#).n, Some(1380000000));
        assert_eq!(t(r#"{"n":"1380000000"}"#).n, Some(1380000000));
        assert_eq!(t(r#"{"n":""}"#).n, None);
        assert_eq!(t("{}").n, None);
        assert!(serde_json::from_str::<T>(r#"{"n":"x1"}"#).is_err());
    }

    #[test]
    fn booleans_and_genders_normalise() {
        assert_eq!(t(r#"{"b":"true"}"#).b, Some(true));
        assert_eq!(t(r#"{"b":false}"#).b, Some(false));
        assert_eq!(t(r#"{"g":"1"}"#).g, Gender::Male);
        assert_eq!(t(r#"{"g":2}"#).g, Gender::Female);
        assert_eq!(t(r#"{"g":"0"}"#).g, Gender::Unknown);
        assert_eq!(t("{}").g, Gender::Unknown);
    }
}
