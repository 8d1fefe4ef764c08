//! JSON that is already text: the `source` and `data` of a [`crate::NewEvent`].
//!
//! The callback hot path used to hand the store `serde_json::Value`s, which the writer then
//! formatted (through `Display`, byte by byte) and dropped, map node by map node. A
//! [`JsonText`] is serialised once by whoever builds the event — with serde_json's own
//! serialiser, or written directly from a typed model — and is bound to the INSERT as it is
//! (an app's constant `source` is shared, not copied, per event).

use std::sync::Arc;

use serde::Serialize;

/// Valid JSON text (an object, array or scalar), ready to store.
#[derive(Debug, Clone)]
pub struct JsonText(Repr);

#[derive(Debug, Clone)]
enum Repr {
    /// Written for one event.
    Owned(String),
    /// Shared by many events (e.g. an app's `source`).
    Shared(Arc<str>),
}

impl JsonText {
    /// Serialises `value` with serde_json. Fails only for values serde_json cannot represent
    /// (a map with non-string keys, a failing `Serialize` impl).
    pub fn serialize<T: Serialize + ?Sized>(value: &T) -> Result<JsonText, serde_json::Error> {
        serde_json::to_string(value).map(|text| JsonText(Repr::Owned(text)))
    }

    /// Takes `text` written by a JSON serialiser (e.g. a hand-written writer that escapes with
    /// serde_json) as it is. It is not parsed again; debug builds check that it is valid JSON.
    pub fn from_serialized(text: String) -> JsonText {
        debug_assert!(
            serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok(),
            "not valid JSON: {text}"
        );
        JsonText(Repr::Owned(text))
    }

    /// The same text, cheap to clone from now on (for a value many events share).
    pub fn into_shared(self) -> JsonText {
        match self.0 {
            Repr::Owned(text) => JsonText(Repr::Shared(text.into())),
            shared @ Repr::Shared(_) => JsonText(shared),
        }
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Owned(text) => text,
            Repr::Shared(text) => text,
        }
    }

    /// Parses the text back into a `Value` (for code that needs to look inside).
    pub fn to_value(&self) -> serde_json::Value {
        // Valid JSON by construction; a parse failure cannot happen, `Null` keeps this total.
        serde_json::from_str(self.as_str()).unwrap_or(serde_json::Value::Null)
    }

    /// The text to bind: a `String` moved out when owned, else the shared `Arc<str>` (both bind
    /// without a copy on SQLite).
    pub(crate) fn into_string(self) -> Result<String, Arc<str>> {
        match self.0 {
            Repr::Owned(text) => Ok(text),
            Repr::Shared(text) => Err(text),
        }
    }
}

impl From<serde_json::Value> for JsonText {
    fn from(value: serde_json::Value) -> JsonText {
        JsonText(Repr::Owned(value.to_string()))
    }
}

impl From<&serde_json::Value> for JsonText {
    fn from(value: &serde_json::Value) -> JsonText {
        JsonText(Repr::Owned(value.to_string()))
    }
}

/// Equal when the texts are equal (not when they would parse to equal values).
impl PartialEq for JsonText {
    fn eq(&self, other: &JsonText) -> bool {
        self.as_str() == other.as_str()
    }
}

impl std::fmt::Display for JsonText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_text_round_trips() {
        let value = serde_json::json!({"b": [1, 2], "a": "x\"y"});
        let text = JsonText::serialize(&value).expect("serialises");
        assert_eq!(text.as_str(), r#"{"a":"x\"y","b":[1,2]}"#);
        assert_eq!(text.to_value(), value);
        let shared = text.clone().into_shared();
        assert_eq!(shared, text);
        assert_eq!(&*shared.into_string().expect_err("shared"), text.as_str());
        assert_eq!(text.clone().into_string().expect("owned"), text.as_str());
        assert_eq!(JsonText::from(value.clone()), text);
    }

    #[test]
    #[should_panic(expected = "not valid JSON")]
    #[cfg(debug_assertions)]
    fn invalid_text_is_caught_in_debug_builds() {
        let _ = JsonText::from_serialized("{\"a\":".to_owned());
    }
}
