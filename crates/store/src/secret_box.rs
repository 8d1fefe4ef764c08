//! Sealing secrets at rest: every secret column (app secrets, permanent codes, access tokens and
//! tickets, suite tickets, session keys) holds `v1:` + base64(nonce | ciphertext | tag), encrypted
//! with AES-256-GCM under the master key (`WXGATE_MASTER_KEY`) and a fresh random 96-bit nonce.
//! The `v1:` prefix lets the format evolve (key rotation, key ids) without guessing.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// A secret read back from the store. Its `Debug` never shows the value; the memory is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a plaintext secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The plaintext, for the one place that needs it (an API call, a signature).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why a master key or a sealed value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The master key is not base64 of exactly 32 bytes.
    #[error(
        "the master key (WXGATE_MASTER_KEY) must be standard base64 of exactly 32 random bytes; generate one with `openssl rand -base64 32`"
    )]
    BadMasterKey,
    /// The value does not start with a known format tag.
    #[error(
        "sealed value has an unknown format (expected the `v1:` prefix); it was not written by this wxgate version"
    )]
    UnknownFormat,
    /// The value is truncated or not base64.
    #[error(
        "sealed value is malformed (bad base64 or too short); the row was damaged or edited by hand"
    )]
    Malformed,
    /// Authentication failed: almost always a different master key.
    #[error(
        "the master key differs from the one the data was written with (or the value was altered); set WXGATE_MASTER_KEY to the original key"
    )]
    WrongKey,
    /// The plaintext is not UTF-8 (cannot happen for values sealed by `seal`).
    #[error("sealed value decrypted to invalid UTF-8; the row was not written by wxgate")]
    NotUtf8,
}

/// AES-256-GCM with the gateway's master key. Cheap to clone; `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
    fingerprint_key: [u8; 32],
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

impl SecretBox {
    /// A box from a raw 32-byte master key.
    pub fn new(master_key: &[u8; 32]) -> Self {
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*master_key));
        let mut h = Sha256::new();
        h.update(b"wxgate fingerprint key v1\0");
        h.update(master_key);
        SecretBox {
            cipher,
            fingerprint_key: h.finalize().into(),
        }
    }

    /// A box from the base64 master key (the value of `WXGATE_MASTER_KEY`).
    pub fn from_base64(master_key: &str) -> Result<Self, SecretError> {
        let bytes = Zeroizing::new(
            B64.decode(master_key.trim())
                .map_err(|_| SecretError::BadMasterKey)?,
        );
        let key: &[u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SecretError::BadMasterKey)?;
        Ok(Self::new(key))
    }

    /// A box with a fresh random key, for development and tests; returns the key as base64 too,
    /// so it can be printed once and put in `WXGATE_MASTER_KEY`.
    pub fn generate() -> (Self, String) {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut());
        (Self::new(&key), B64.encode(key.as_ref()))
    }

    /// Seals `plaintext` with a fresh random nonce.
    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        self.seal_with_nonce(plaintext, nonce)
    }

    /// Seals with a given nonce. Private: only `seal` (fresh random nonce) and the known-answer
    /// tests call it, because reusing a nonce under the same key breaks AES-GCM.
    fn seal_with_nonce(&self, plaintext: &str, nonce: [u8; NONCE_LEN]) -> String {
        let ciphertext = self
            .cipher
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            .expect("AES-GCM encrypts any message shorter than 64 GiB");
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}", B64.encode(out))
    }

    /// Opens a value written by [`SecretBox::seal`].
    pub fn open(&self, sealed: &str) -> Result<Secret, SecretError> {
        let body = sealed
            .strip_prefix(PREFIX)
            .ok_or(SecretError::UnknownFormat)?;
        let bytes = B64.decode(body).map_err(|_| SecretError::Malformed)?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(SecretError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SecretError::Malformed)?;
        let plaintext = Zeroizing::new(
            self.cipher
                .decrypt(&Nonce::from(nonce), ciphertext)
                .map_err(|_| SecretError::WrongKey)?,
        );
        let text = std::str::from_utf8(&plaintext).map_err(|_| SecretError::NotUtf8)?;
        Ok(Secret::new(text))
    }

    /// A keyed, deterministic fingerprint of a secret (hex SHA-256 under a key derived from the
    /// master key), for equality checks on sealed columns whose ciphertext is randomised.
    pub(crate) fn fingerprint(&self, plaintext: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.fingerprint_key);
        h.update(plaintext.as_bytes());
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AES-256-GCM test case 14 of McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)":
    /// K = 0^256, IV = 0^96, P = 0^128 → C = cea7403d4d606b6e074ec5d3baf39d18,
    /// T = d0d1c8a799996bf0265b98b5d48ab919.
    #[test]
    fn known_answer_gcm_spec_test_case_14() {
        let sb = SecretBox::new(&[0u8; 32]);
        let sealed = sb.seal_with_nonce(&"\0".repeat(16), [0u8; 12]);
        let expected = hex::decode(concat!(
            "000000000000000000000000",
            "cea7403d4d606b6e074ec5d3baf39d18",
            "d0d1c8a799996bf0265b98b5d48ab919"
        ))
        .unwrap();
        assert_eq!(sealed, format!("v1:{}", B64.encode(expected)));
        assert_eq!(sb.open(&sealed).unwrap().expose(), "\0".repeat(16));
    }

    #[test]
    fn round_trip_uses_fresh_nonces() {
        let (sb, key) = SecretBox::generate();
        let a = sb.seal("corp-secret-中文");
        let b = sb.seal("corp-secret-中文");
        assert_ne!(a, b, "two seals of one value must differ");
        assert!(a.starts_with("v1:"));
        assert_eq!(sb.open(&a).unwrap().expose(), "corp-secret-中文");
        let again = SecretBox::from_base64(&key).unwrap();
        assert_eq!(again.open(&b).unwrap().expose(), "corp-secret-中文");
    }

    #[test]
    fn wrong_key_says_master_key_differs() {
        let (a, _) = SecretBox::generate();
        let (b, _) = SecretBox::generate();
        let err = b.open(&a.seal("x")).unwrap_err();
        assert_eq!(err, SecretError::WrongKey);
        assert!(err.to_string().contains("master key differs"));
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let (sb, _) = SecretBox::generate();
        assert_eq!(sb.open("plain").unwrap_err(), SecretError::UnknownFormat);
        assert_eq!(sb.open("v1:!!!").unwrap_err(), SecretError::Malformed);
        assert_eq!(sb.open("v1:AAAA").unwrap_err(), SecretError::Malformed);
        let mut tampered = sb.seal("value");
        tampered.pop();
        tampered.push('A');
        assert!(sb.open(&tampered).is_err());
        assert_eq!(
            SecretBox::from_base64("c2hvcnQ=").unwrap_err(),
            SecretError::BadMasterKey
        );
        assert_eq!(
            SecretBox::from_base64("not base64!").unwrap_err(),
            SecretError::BadMasterKey
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let (sb, key) = SecretBox::generate();
        assert_eq!(format!("{sb:?}"), "SecretBox(***)");
        assert!(!format!("{sb:?}").contains(&key));
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let a = SecretBox::new(&[1u8; 32]);
        let b = SecretBox::new(&[2u8; 32]);
        assert_eq!(a.fingerprint("tok"), a.fingerprint("tok"));
        assert_ne!(a.fingerprint("tok"), a.fingerprint("tok2"));
        assert_ne!(a.fingerprint("tok"), b.fingerprint("tok"));
    }
}
