//! A string that must never be printed: app secrets, callback tokens, EncodingAESKeys, admin keys,
//! webhook signing secrets. Keeping them in their own type means `{:?}` on a whole [`crate::Config`]
//! is safe to log, and reading the value is a visible, greppable `expose()` call.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// What `Debug` and `Display` print instead of the value.
pub const REDACTED: &str = "**redacted**";

/// A secret string from the configuration file. Prints as [`REDACTED`].
///
/// There is deliberately no `PartialEq`: compare a presented credential (an admin key, a
/// signature) in constant time (e.g. with `subtle`), never with `==`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (for tests and for callers that build a config in code).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Call it only where the value is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("hunter2hunter2hunter2");
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(s.expose(), "hunter2hunter2hunter2");
    }
}
