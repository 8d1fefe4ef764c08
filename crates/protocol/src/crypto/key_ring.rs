//! Key rotation: the platforms let an admin regenerate the EncodingAESKey, and messages
//! encrypted with the old key may still arrive for a while. The MP FAQ's advice (NOTES.md §1):
//! keep the current and the previous key, try the current one first, and reply with whichever
//! key worked. [`KeyRing`] does exactly that and tells the caller which key it was.

use super::{AesKey, Payload, decrypt};
use crate::error::CryptoError;

/// Which key of a [`KeyRing`] decrypted a message (and should encrypt the reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeySlot {
    /// The key currently configured (the default).
    #[default]
    Current,
    /// The key configured before the last rotation.
    Previous,
}

/// The current EncodingAESKey and, during a rotation, the previous one.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyRing {
    current: AesKey,
    previous: Option<AesKey>,
}

impl KeyRing {
    /// A ring with one key and no rotation in progress.
    pub fn new(current: AesKey) -> KeyRing {
        KeyRing {
            current,
            previous: None,
        }
    }

    /// A ring during a rotation: `current` is tried first, then `previous`.
    pub fn with_previous(current: AesKey, previous: AesKey) -> KeyRing {
        KeyRing {
            current,
            previous: Some(previous),
        }
    }

    /// Whether a previous key is configured.
    pub fn has_previous(&self) -> bool {
        self.previous.is_some()
    }

    /// The key in `slot`; [`KeySlot::Previous`] without a previous key gives the current key,
    /// so a reply is always encrypted with a key the platform knows.
    pub fn key(&self, slot: KeySlot) -> &AesKey {
        match slot {
            KeySlot::Previous => self.previous.as_ref().unwrap_or(&self.current),
            KeySlot::Current => &self.current,
        }
    }

    /// Decrypts with the current key, then (on a key-dependent failure) with the previous one.
    ///
    /// Only [`CryptoError::DecryptAes`] and [`CryptoError::IllegalBuffer`] depend on the key; a
    /// base64 error is returned at once. When both keys fail, the current key's error is returned.
    pub fn decrypt(&self, encrypt_b64: &str) -> Result<(Payload, KeySlot), CryptoError> {
        match decrypt(&self.current, encrypt_b64) {
            Ok(payload) => Ok((payload, KeySlot::Current)),
            Err(err @ (CryptoError::DecryptAes | CryptoError::IllegalBuffer { .. })) => {
                match &self.previous {
                    Some(previous) => decrypt(previous, encrypt_b64)
                        .map(|payload| (payload, KeySlot::Previous))
                        .map_err(|_| err),
                    None => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current)
            .field("previous", &self.previous)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::encrypt;

    #[test]
    fn picks_the_key_that_works() {
        let old = AesKey::from_bytes([1; 32]);
        let new = AesKey::from_bytes([2; 32]);
        let ring = KeyRing::with_previous(new.clone(), old.clone());
        let by_old = encrypt(&old, &[0; 16], "old", "corp");
        let by_new = encrypt(&new, &[0; 16], "new", "corp");
        assert_eq!(ring.decrypt(&by_new).unwrap().1, KeySlot::Current);
        let (payload, slot) = ring.decrypt(&by_old).unwrap();
        assert_eq!((payload.message.as_str(), slot), ("old", KeySlot::Previous));
        assert_eq!(ring.key(KeySlot::Previous), &old);
        assert_eq!(ring.key(KeySlot::Current), &new);
    }

    #[test]
    fn reports_the_current_keys_error_when_both_fail() {
        let ring = KeyRing::with_previous(AesKey::from_bytes([1; 32]), AesKey::from_bytes([2; 32]));
        let stranger = encrypt(&AesKey::from_bytes([3; 32]), &[0; 16], "x", "corp");
        let err = ring.decrypt(&stranger).unwrap_err();
        assert!(matches!(
            err,
            CryptoError::DecryptAes | CryptoError::IllegalBuffer { .. }
        ));
        assert_eq!(ring.decrypt("@@@"), Err(CryptoError::DecodeBase64));
    }

    #[test]
    fn without_previous_the_previous_slot_is_the_current_key() {
        let ring = KeyRing::new(AesKey::from_bytes([1; 32]));
        assert!(!ring.has_previous());
        assert_eq!(ring.key(KeySlot::Previous), ring.key(KeySlot::Current));
        assert_eq!(
            format!("{ring:?}"),
            "KeyRing { current: AesKey(**redacted**), previous: None }"
        );
    }
}
