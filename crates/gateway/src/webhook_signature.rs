//! The signature on every request wxgate sends to a business backend, so the backend can tell it
//! came from this gateway and was not replayed:
//! `Wxgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//!
//! [`sign`] makes the header value; [`verify`] checks one (for backends written in Rust, and for
//! our tests). Several `v1=` entries may be present (one per secret while a secret rotates); any
//! one matching is enough. `docs/webhooks.md` describes the algorithm for other languages.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The request header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Wxgate-Signature";

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is not `t=<seconds>,v1=<hex>[,v1=<hex>…]`.
    #[error("malformed Wxgate-Signature header: {0}; expected `t=<unix seconds>,v1=<hex>`")]
    Malformed(&'static str),
    /// The timestamp is further from `now` than the tolerance allows (a replay, or a skewed clock).
    #[error(
        "Wxgate-Signature timestamp {timestamp} is {skew_secs} s away from now (tolerance {tolerance_secs} s); check the clocks or refuse the replay"
    )]
    Expired {
        /// The signed timestamp.
        timestamp: u64,
        /// How far it is from now, in seconds.
        skew_secs: u64,
        /// The allowed distance.
        tolerance_secs: u64,
    },
    /// No `v1` entry matches the body under this secret.
    #[error(
        "no v1 signature matches the body; check the webhook secret and verify the raw body bytes, not re-serialised JSON"
    )]
    Mismatch,
}

fn mac_hex(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The `Wxgate-Signature` header value for `body` sent at `timestamp` (unix seconds).
pub fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", mac_hex(secret, timestamp, body))
}

/// Checks a `Wxgate-Signature` header value against `body`, the shared `secret`, and the time
/// `now` (unix seconds): the timestamp must be within `tolerance_secs` of `now`, and one `v1`
/// entry must equal the expected MAC (compared in constant time). Unknown keys are ignored.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: u64,
    tolerance_secs: u64,
) -> Result<(), SignatureError> {
    let mut timestamp: Option<u64> = None;
    let mut candidates: Vec<&str> = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed("an entry has no `=`"))?;
        match key {
            "t" => {
                if timestamp.is_some() {
                    return Err(SignatureError::Malformed("more than one `t`"));
                }
                timestamp =
                    Some(value.parse().map_err(|_| {
                        SignatureError::Malformed("`t` is not a non-negative integer")
                    })?);
            }
            "v1" => candidates.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed("no `t`"))?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed("no `v1`"));
    }
    let skew = now.abs_diff(timestamp);
    if skew > tolerance_secs {
        return Err(SignatureError::Expired {
            timestamp,
            skew_secs: skew,
            tolerance_secs,
        });
    }
    let expected = mac_hex(secret, timestamp, body);
    let mut ok = subtle::Choice::from(0u8);
    for candidate in candidates {
        let candidate = candidate.to_ascii_lowercase();
        if candidate.len() == expected.len() {
            ok |= candidate.as_bytes().ct_eq(expected.as_bytes());
        }
    }
    if bool::from(ok) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test_0123456789abcdef";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"wecom.message.text"}"#;
    const T: u64 = 1_700_000_000;

    #[test]
    fn known_answer() {
        // Computed independently: printf '1700000000.{"id":"evt_1","type":"wecom.message.text"}'
        //   | openssl dgst -sha256 -hmac whsec_test_0123456789abcdef
        assert_eq!(
            sign(SECRET, T, BODY),
            "t=1700000000,v1=cff57d2ea81db6426b5eda045eb33b9086ff5c2700829e1306a801df637cdc48"
        );
    }

    #[test]
    fn verifies_its_own_signature_and_refuses_tampering() {
        let header = sign(SECRET, T, BODY);
        assert_eq!(verify(SECRET, &header, BODY, T + 10, 300), Ok(()));
        assert_eq!(
            verify(SECRET, &header, b"{}", T, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"another secret of length", &header, BODY, T, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_old_and_future_timestamps() {
        let header = sign(SECRET, T, BODY);
        assert!(matches!(
            verify(SECRET, &header, BODY, T + 301, 300),
            Err(SignatureError::Expired { skew_secs: 301, .. })
        ));
        assert!(matches!(
            verify(SECRET, &header, BODY, T - 301, 300),
            Err(SignatureError::Expired { .. })
        ));
    }

    #[test]
    fn any_v1_entry_may_match_during_rotation() {
        let old = sign(b"the old secret, rotating out", T, BODY);
        let new = sign(SECRET, T, BODY);
        let old_v1 = old.split_once(",v1=").unwrap().1;
        let new_v1 = new.split_once(",v1=").unwrap().1;
        let header = format!("t={T},v1={old_v1},v1={new_v1},v0=ignored");
        assert_eq!(verify(SECRET, &header, BODY, T, 300), Ok(()));
    }

    #[test]
    fn malformed_headers_are_typed_errors() {
        for header in [
            "",
            "t=1",
            "v1=00",
            "t=x,v1=00",
            "t=-1,v1=00",
            "garbage",
            "t=1,t=2,v1=00",
        ] {
            assert!(
                matches!(
                    verify(SECRET, header, BODY, T, 300),
                    Err(SignatureError::Malformed(_))
                ),
                "{header}"
            );
        }
    }
}
