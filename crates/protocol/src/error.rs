//! The callback-crypto error type, one variant per official `WXBizMsgCrypt` error code.
//!
//! Tencent's SDKs (every language) report failures as the numbers −40001…−40011 (NOTES.md §1.2,
//! `ierror.py` / `errorCode.php`). Developers search for those numbers and names, so every
//! [`CryptoError`] carries its official [`code`](CryptoError::code) and
//! [`name`](CryptoError::name), plus a [`hint`](CryptoError::hint) naming the usual cause.
//!
//! Four codes exist for parity with the official table but are never produced by this crate,
//! because the Rust primitives behind them cannot fail: [`CryptoError::EncryptAes`],
//! [`CryptoError::EncodeBase64`] and [`CryptoError::GenReturnXml`] (encryption, base64 encoding
//! and reply rendering are infallible here). [`CryptoError::ComputeSignature`] is produced only
//! when a [`crate::callback::CallbackCrypto`] is built with an empty token. They can still be
//! obtained from [`CryptoError::from_code`], e.g. to explain a code seen in another system's log.

/// A callback-crypto failure, mapped to Tencent's official error codes −40001…−40011.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// −40001: the `msg_signature` does not match sha1(sort(token, timestamp, nonce, Encrypt)).
    #[error("signature mismatch (-40001 ValidateSignature_Error): {}", self.hint())]
    ValidateSignature,
    /// −40002: the body (XML or JSON) could not be parsed, or lacks the `Encrypt` field.
    #[error("cannot parse the callback body (-40002 ParseXml_Error): {detail}")]
    ParseXml {
        /// What was wrong with the body.
        detail: String,
    },
    /// −40003: a signature could not be computed (here: the token is empty).
    #[error("cannot compute a signature (-40003 ComputeSignature_Error): {}", self.hint())]
    ComputeSignature,
    /// −40004: the EncodingAESKey is not 43 characters of `[A-Za-z0-9]`.
    #[error("illegal EncodingAESKey (-40004 IllegalAesKey): {reason}")]
    IllegalAesKey {
        /// Why the key was refused.
        reason: String,
    },
    /// −40005: the receive id inside the decrypted payload is not one we expect.
    #[error(
        "receive id `{found}` is not the expected {expected:?} (-40005 ValidateCorpid_Error): {}",
        self.hint()
    )]
    ValidateReceiveId {
        /// The receive id found at the end of the decrypted payload.
        found: String,
        /// The receive ids that would have been accepted.
        expected: Vec<String>,
    },
    /// −40006: AES encryption failed (never produced by this crate).
    #[error("AES encryption failed (-40006 EncryptAES_Error)")]
    EncryptAes,
    /// −40007: AES decryption failed: the ciphertext is not whole blocks or its padding is wrong.
    #[error("AES decryption failed (-40007 DecryptAES_Error): {}", self.hint())]
    DecryptAes,
    /// −40008: the decrypted buffer is malformed (too short, bad length field, not UTF-8).
    #[error("decrypted buffer is malformed (-40008 IllegalBuffer): {reason}; {}", self.hint())]
    IllegalBuffer {
        /// What was malformed.
        reason: &'static str,
    },
    /// −40009: base64 encoding failed (never produced by this crate).
    #[error("base64 encoding failed (-40009 EncodeBase64_Error)")]
    EncodeBase64,
    /// −40010: the `Encrypt` field (or echostr) is not valid base64.
    #[error("`Encrypt`/echostr is not valid base64 (-40010 DecodeBase64_Error): {}", self.hint())]
    DecodeBase64,
    /// −40011: the reply XML could not be generated (never produced by this crate).
    #[error("cannot generate the reply XML (-40011 GenReturnXml_Error)")]
    GenReturnXml,
}

impl CryptoError {
    /// The official numeric code (−40001…−40011).
    pub fn code(&self) -> i32 {
        match self {
            CryptoError::ValidateSignature => -40001,
            CryptoError::ParseXml { .. } => -40002,
            CryptoError::ComputeSignature => -40003,
            CryptoError::IllegalAesKey { .. } => -40004,
            CryptoError::ValidateReceiveId { .. } => -40005,
            CryptoError::EncryptAes => -40006,
            CryptoError::DecryptAes => -40007,
            CryptoError::IllegalBuffer { .. } => -40008,
            CryptoError::EncodeBase64 => -40009,
            CryptoError::DecodeBase64 => -40010,
            CryptoError::GenReturnXml => -40011,
        }
    }

    /// The official name from `ierror.py` (without the `WXBizMsgCrypt_` prefix).
    pub fn name(&self) -> &'static str {
        match self {
            CryptoError::ValidateSignature => "ValidateSignature_Error",
            CryptoError::ParseXml { .. } => "ParseXml_Error",
            CryptoError::ComputeSignature => "ComputeSignature_Error",
            CryptoError::IllegalAesKey { .. } => "IllegalAesKey",
            CryptoError::ValidateReceiveId { .. } => "ValidateCorpid_Error",
            CryptoError::EncryptAes => "EncryptAES_Error",
            CryptoError::DecryptAes => "DecryptAES_Error",
            CryptoError::IllegalBuffer { .. } => "IllegalBuffer",
            CryptoError::EncodeBase64 => "EncodeBase64_Error",
            CryptoError::DecodeBase64 => "DecodeBase64_Error",
            CryptoError::GenReturnXml => "GenReturnXml_Error",
        }
    }

    /// A human hint naming the likely cause and what to check.
    pub fn hint(&self) -> String {
        match self {
            CryptoError::ValidateSignature => {
                "check the Token; msg_signature must be computed over \
                the Encrypt field (or the echostr of a GET check); do not use the plaintext-mode \
                `signature` parameter; echostr must be URL-decoded exactly once"
                    .into()
            }
            CryptoError::ParseXml { .. } => "the body must be the platform's envelope: XML \
                `<xml><Encrypt>…</Encrypt></xml>` or JSON `{\"encrypt\":…}` / `{\"Encrypt\":…}`; \
                in plaintext mode (no encrypt_type=aes) the body is not encrypted at all"
                .into(),
            CryptoError::ComputeSignature => {
                "the Token is empty; copy the Token from the callback configuration page".into()
            }
            CryptoError::IllegalAesKey { .. } => "the EncodingAESKey must be the exact 43 \
                characters [A-Za-z0-9] shown on the callback configuration page"
                .into(),
            CryptoError::ValidateReceiveId { found, .. } => format!(
                "the payload was encrypted for `{found}`, which looks like {}; enterprise-app \
                 callbacks use the corp id, third-party 指令回调 the suite id, personal-subject \
                 suites an empty id, and Official Accounts / Mini Programs / the open platform \
                 their appid",
                crate::crypto::describe_receive_id(found)
            ),
            CryptoError::EncryptAes | CryptoError::EncodeBase64 | CryptoError::GenReturnXml => {
                "not produced by wxgate; if another system reports it, check its EncodingAESKey"
                    .into()
            }
            CryptoError::DecryptAes | CryptoError::IllegalBuffer { .. } => "the EncodingAESKey \
                is wrong or was rotated on the platform; configure the new key as current and \
                keep the old one as previous"
                .into(),
            CryptoError::DecodeBase64 => "Encrypt must be standard base64 (`+`, `/`, `=`); an \
                echostr taken from the URL must be URL-decoded once (`%2B` → `+`), and not twice \
                (`+` must not become a space)"
                .into(),
        }
    }

    /// The error for an official code, with placeholder details; `None` for unknown codes.
    pub fn from_code(code: i32) -> Option<CryptoError> {
        Some(match code {
            -40001 => CryptoError::ValidateSignature,
            -40002 => CryptoError::ParseXml {
                detail: String::new(),
            },
            -40003 => CryptoError::ComputeSignature,
            -40004 => CryptoError::IllegalAesKey {
                reason: String::new(),
            },
            -40005 => CryptoError::ValidateReceiveId {
                found: String::new(),
                expected: Vec::new(),
            },
            -40006 => CryptoError::EncryptAes,
            -40007 => CryptoError::DecryptAes,
            -40008 => CryptoError::IllegalBuffer { reason: "" },
            -40009 => CryptoError::EncodeBase64,
            -40010 => CryptoError::DecodeBase64,
            -40011 => CryptoError::GenReturnXml,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_official_code_round_trips_with_its_ierror_name() {
        // NOTES.md §1.2 (ierror.py names, errorCode.php codes).
        let table = [
            (-40001, "ValidateSignature_Error"),
            (-40002, "ParseXml_Error"),
            (-40003, "ComputeSignature_Error"),
            (-40004, "IllegalAesKey"),
            (-40005, "ValidateCorpid_Error"),
            (-40006, "EncryptAES_Error"),
            (-40007, "DecryptAES_Error"),
            (-40008, "IllegalBuffer"),
            (-40009, "EncodeBase64_Error"),
            (-40010, "DecodeBase64_Error"),
            (-40011, "GenReturnXml_Error"),
        ];
        for (code, name) in table {
            let e = CryptoError::from_code(code).expect("official code");
            assert_eq!(e.code(), code);
            assert_eq!(e.name(), name);
            assert!(!e.hint().is_empty());
            assert!(e.to_string().contains(&code.to_string()), "{e}");
        }
        assert_eq!(CryptoError::from_code(0), None);
        assert_eq!(CryptoError::from_code(-40012), None);
    }

    #[test]
    fn receive_id_hint_names_the_found_id() {
        let e = CryptoError::ValidateReceiveId {
            found: "ww1436e0e65a779aee".into(),
            expected: vec!["wx5823bf96d3bd56c7".into()],
        };
        let text = e.to_string();
        assert!(text.contains("ww1436e0e65a779aee"), "{text}");
        assert!(text.contains("wx5823bf96d3bd56c7"), "{text}");
        assert!(e.hint().contains("corp id"), "{}", e.hint());
    }
}
