//! PKCE (RFC 7636): only the S256 method. `plain` is refused because it protects nothing when
//! the authorization request leaks; public clients must send a challenge.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Whether `s` has the syntax of a code verifier or S256 challenge: 43–128 characters of
/// `[A-Z a-z 0-9 - . _ ~]` (RFC 7636 §4.1, §4.2).
pub fn well_formed(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of `verifier`: BASE64URL(SHA256(ASCII(verifier))).
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is well formed and hashes to `challenge` (compared in constant time).
pub fn verify_s256(verifier: &str, challenge: &str) -> bool {
    well_formed(verifier)
        && s256_challenge(verifier)
            .as_bytes()
            .ct_eq(challenge.as_bytes())
            .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(s256_challenge(VERIFIER), CHALLENGE);
        assert!(verify_s256(VERIFIER, CHALLENGE));
    }

    #[test]
    fn wrong_or_malformed_verifiers_fail() {
        let mut wrong = VERIFIER.to_owned();
        wrong.replace_range(0..1, "e");
        assert!(!verify_s256(&wrong, CHALLENGE));
        assert!(!verify_s256("short", CHALLENGE));
        assert!(
            !verify_s256(CHALLENGE, CHALLENGE),
            "the challenge is not its own verifier"
        );
        assert!(!well_formed(&"a".repeat(129)));
        assert!(!well_formed(&format!("{}+", &VERIFIER[..43])));
        assert!(well_formed(&"a~._-".repeat(9)));
    }
}
