//! The SHA-1 signatures of the platforms (NOTES.md §1.1), as one [`Signature`] type that is
//! compared in constant time.
//!
//! | file | signatures |
//! |---|---|
//! | [`callback`] | `msg_signature` (encrypted callbacks, replies, WeCom URL check) and the plaintext-mode `signature` |
//! | [`jssdk`] | JS-SDK `wx.config` / `wx.agentConfig` / `ww.register` signatures |
//!
//! The Mini Program `rawData` signature lives in [`crate::miniprogram`].

pub mod callback;
pub mod jssdk;

pub use callback::{msg_signature, plain_signature};
pub use jssdk::jssdk_signature;

use subtle::ConstantTimeEq;

/// A SHA-1 signature: 20 bytes, shown as 40 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; 20]);

impl Signature {
    /// Lowercase hex, as the platforms send and expect it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 40 hex digits (either case).
    pub fn parse_hex(text: &str) -> Result<Signature, SignatureParseError> {
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| SignatureParseError)?;
        Ok(Signature(bytes))
    }

    /// Whether `provided_hex` (either case) is this signature, compared in constant time.
    /// Anything that is not 40 hex digits is simply not equal.
    pub fn verify(&self, provided_hex: &str) -> bool {
        match Signature::parse_hex(provided_hex) {
            Ok(provided) => self.0.ct_eq(&provided.0).into(),
            Err(_) => false,
        }
    }
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = [0u8; 40];
        // 20 bytes always fit 40 hex digits.
        hex::encode_to_slice(self.0, &mut buf).map_err(|_| std::fmt::Error)?;
        f.write_str(std::str::from_utf8(&buf).map_err(|_| std::fmt::Error)?)
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({self})")
    }
}

impl std::str::FromStr for Signature {
    type Err = SignatureParseError;
    fn from_str(s: &str) -> Result<Signature, SignatureParseError> {
        Signature::parse_hex(s)
    }
}

/// A signature text that is not 40 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a signature must be 40 hex digits (SHA-1)")]
pub struct SignatureParseError;

/// SHA-1 over `parts` sorted bytewise and concatenated with no separator.
pub(crate) fn sha1_sorted(parts: &mut [&str]) -> Signature {
    use sha1::{Digest, Sha1};
    parts.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut hasher = Sha1::new();
    for part in parts.iter() {
        hasher.update(part.as_bytes());
    }
    Signature(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_case_insensitive_verify() {
        let s: Signature = "0F9DE62FCE790F9A083D5C99E95740CEB90C27ED".parse().unwrap();
        assert_eq!(s.to_hex(), "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
        assert_eq!(s.to_string(), s.to_hex());
        assert_eq!(
            format!("{s:?}"),
            "Signature(0f9de62fce790f9a083d5c99e95740ceb90c27ed)"
        );
        assert!(s.verify("0f9de62fce790f9a083d5c99e95740ceb90c27ed"));
        assert!(s.verify("0F9DE62FCE790F9A083D5C99E95740CEB90C27ED"));
        assert!(!s.verify("0f9de62fce790f9a083d5c99e95740ceb90c27ee"));
        assert!(!s.verify("0f9de62fce790f9a083d5c99e95740ceb90c27e"));
        assert!(!s.verify(""));
        assert!(!s.verify("zz9de62fce790f9a083d5c99e95740ceb90c27ed"));
        assert_eq!(Signature::parse_hex("12"), Err(SignatureParseError));
    }
}
