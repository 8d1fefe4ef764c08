//! `WXBizMsgCrypt` encryption itself: AES-256-CBC with IV = key[..16] over
//! `random(16) ‖ msg_len(u32 BE) ‖ msg ‖ receive_id`, PKCS#7-padded to a multiple of 32 bytes,
//! then standard base64 (NOTES.md §1). Byte-exact with Tencent's SDKs.
//!
//! # Decryption rules (what we accept and why)
//!
//! [`decrypt`] never panics. It checks, in order:
//!
//! 1. base64 (standard alphabet; `=` padding may be present or absent) → else
//!    [`CryptoError::DecodeBase64`];
//! 2. a non-empty whole number of 16-byte AES blocks → else [`CryptoError::DecryptAes`];
//! 3. the PKCS#7 padding: the last byte `n` must be in `1..=32` and the last `n` bytes must all
//!    equal `n` → else [`CryptoError::DecryptAes`]. The official decoders are more lenient (they
//!    treat an out-of-range pad as 0 and never look at the other pad bytes); being strict here
//!    rejects garbage earlier and with a clearer error, and every encoder we know (Tencent's
//!    servers and SDKs) writes consistent padding. We do *not* insist on a multiple of 32 bytes,
//!    so a peer that pads to 16 still decrypts, as it does with the official decoders;
//! 4. at least 20 bytes (random + length), a length field that fits, and UTF-8 message and
//!    receive id → else [`CryptoError::IllegalBuffer`].
//!
//! Padding is checked after the signature in [`crate::callback`], so it is no padding oracle.

use aes::Aes256;
use aes::cipher::array::Array;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit};
use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rand::Rng as _;

use super::AesKey;
use crate::error::CryptoError;

/// The PKCS#7 block size the platforms use: 32, not AES's 16.
const PAD_BLOCK: usize = 32;
/// Random prefix plus the 4-byte length.
const HEADER: usize = 20;

/// Standard base64, encoding with `=`; decoding accepts the padding present or absent.
const B64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A decrypted message and the receive id it was encrypted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The plaintext message (XML or JSON, or the echostr plaintext of a URL check).
    pub message: String,
    /// The receive id at the end of the buffer: corp id, suite id, appid, or empty.
    pub receive_id: String,
}

/// 16 fresh random bytes for [`encrypt`], from the operating system's CSPRNG (via `rand`).
pub fn random_prefix() -> [u8; 16] {
    let mut random = [0u8; 16];
    rand::rng().fill_bytes(&mut random);
    random
}

/// Encrypts `msg` for `receive_id` with the given 16-byte random prefix; returns base64.
///
/// Deterministic for a given `random`, which is what lets the tests reproduce the official
/// ciphertexts byte for byte; use [`random_prefix`] in production.
pub fn encrypt(key: &AesKey, random: &[u8; 16], msg: &str, receive_id: &str) -> String {
    let body = HEADER + msg.len() + receive_id.len();
    let pad = PAD_BLOCK - body % PAD_BLOCK;
    let mut buf = Vec::with_capacity(body + pad);
    buf.extend_from_slice(random);
    // A message over 4 GiB cannot arrive in a callback; saturate rather than wrap.
    let len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(msg.as_bytes());
    buf.extend_from_slice(receive_id.as_bytes());
    // `pad` is 1..=32, so the cast is exact.
    buf.resize(body + pad, pad as u8);

    let mut mode = cbc::Encryptor::<Aes256>::inner_iv_init(key.cipher().clone(), &key.iv().into());
    let (blocks, tail) = Array::slice_as_chunks_mut(&mut buf);
    debug_assert!(tail.is_empty());
    mode.encrypt_blocks(blocks);
    B64.encode(&buf)
}

/// Decrypts a base64 `Encrypt` field (or echostr). See the module doc for what is accepted.
///
/// The receive id is returned, not checked: see [`super::ReceiveIdPolicy`].
pub fn decrypt(key: &AesKey, encrypt_b64: &str) -> Result<Payload, CryptoError> {
    let mut buf = B64
        .decode(encrypt_b64.as_bytes())
        .map_err(|_| CryptoError::DecodeBase64)?;
    if buf.is_empty() || buf.len() % 16 != 0 {
        return Err(CryptoError::DecryptAes);
    }
    let mut mode = cbc::Decryptor::<Aes256>::inner_iv_init(key.cipher().clone(), &key.iv().into());
    let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
    mode.decrypt_blocks(blocks);

    let unpadded = unpad(&buf)?;
    if unpadded < HEADER {
        return Err(CryptoError::IllegalBuffer {
            reason: "shorter than the 20-byte random prefix and length",
        });
    }
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(&buf[16..HEADER]);
    let msg_len = u32::from_be_bytes(len_bytes) as usize;
    let msg_end = HEADER
        .checked_add(msg_len)
        .filter(|end| *end <= unpadded)
        .ok_or(CryptoError::IllegalBuffer {
            reason: "the length field points past the end of the buffer",
        })?;
    let receive_id = std::str::from_utf8(&buf[msg_end..unpadded])
        .map_err(|_| CryptoError::IllegalBuffer {
            reason: "the receive id is not UTF-8",
        })?
        .to_owned();
    buf.truncate(msg_end);
    buf.drain(..HEADER);
    let message = String::from_utf8(buf).map_err(|_| CryptoError::IllegalBuffer {
        reason: "the message is not UTF-8",
    })?;
    Ok(Payload {
        message,
        receive_id,
    })
}

/// Checks the PKCS#7 padding (pad value 1..=32, all pad bytes equal); returns the data length.
fn unpad(buf: &[u8]) -> Result<usize, CryptoError> {
    let pad = *buf.last().ok_or(CryptoError::DecryptAes)? as usize;
    if pad == 0 || pad > PAD_BLOCK || pad > buf.len() {
        return Err(CryptoError::DecryptAes);
    }
    let data_len = buf.len() - pad;
    if buf[data_len..].iter().any(|b| *b as usize != pad) {
        return Err(CryptoError::DecryptAes);
    }
    Ok(data_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> AesKey {
        AesKey::from_encoding_aes_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").unwrap()
    }

    /// Encrypts raw plaintext bytes (already laid out and padded) so tests can craft buffers.
    fn encrypt_raw(key: &AesKey, plain: &[u8]) -> String {
        let mut buf = plain.to_vec();
        let mut mode =
            cbc::Encryptor::<Aes256>::inner_iv_init(key.cipher().clone(), &key.iv().into());
        let (blocks, tail) = Array::slice_as_chunks_mut(&mut buf);
        assert!(tail.is_empty());
        mode.encrypt_blocks(blocks);
        B64.encode(&buf)
    }

    #[test]
    fn round_trips_and_counts_utf8_bytes() {
        // NOTES.md §1: msg_len counts UTF-8 bytes ("我是中文abcd123" → 19).
        let k = key();
        let ct = encrypt(
            &k,
            b"0123456789abcdef",
            "我是中文abcd123",
            "wx5823bf96d3bd56c7",
        );
        let raw = B64.decode(&ct).unwrap();
        assert_eq!(raw.len() % 32, 0);
        let mut buf = raw.clone();
        let mut mode = cbc::Decryptor::<Aes256>::inner_iv_init(k.cipher().clone(), &k.iv().into());
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        mode.decrypt_blocks(blocks);
        assert_eq!(&buf[..16], b"0123456789abcdef");
        assert_eq!(&buf[16..20], &19u32.to_be_bytes());
        let p = decrypt(&k, &ct).unwrap();
        assert_eq!(p.message, "我是中文abcd123");
        assert_eq!(p.receive_id, "wx5823bf96d3bd56c7");
    }

    #[test]
    fn pads_a_full_block_when_already_aligned() {
        // 20 + 12 = 32 bytes of data → a whole extra 32-byte block of 0x20.
        let ct = encrypt(&key(), &[0; 16], "abcdefghijkl", "");
        assert_eq!(B64.decode(&ct).unwrap().len(), 64);
        assert_eq!(decrypt(&key(), &ct).unwrap().message, "abcdefghijkl");
    }

    #[test]
    fn accepts_base64_without_padding() {
        let ct = encrypt(&key(), &[1; 16], "hello", "corp");
        let trimmed = ct.trim_end_matches('=');
        assert_eq!(decrypt(&key(), trimmed).unwrap().message, "hello");
    }

    #[test]
    fn rejects_bad_base64_and_partial_blocks() {
        let k = key();
        assert_eq!(decrypt(&k, "not base64!"), Err(CryptoError::DecodeBase64));
        assert_eq!(decrypt(&k, ""), Err(CryptoError::DecryptAes));
        // 15 bytes: not a whole block.
        assert_eq!(
            decrypt(&k, &B64.encode([0u8; 15])),
            Err(CryptoError::DecryptAes)
        );
        // A truncated ciphertext (one 16-byte block cut off) → padding no longer checks out
        // or the block count is wrong.
        let ct = encrypt(&k, &[2; 16], "<xml>hello</xml>", "wx5823bf96d3bd56c7");
        let mut raw = B64.decode(&ct).unwrap();
        raw.truncate(raw.len() - 16);
        assert!(decrypt(&k, &B64.encode(&raw)).is_err());
        // Truncated base64 text (not a multiple of 4 and not decodable).
        assert_eq!(
            decrypt(&k, &ct[..ct.len() - 3]),
            Err(CryptoError::DecodeBase64)
        );
    }

    #[test]
    fn rejects_bad_padding() {
        let k = key();
        let mut plain = vec![0u8; 64];
        plain[19] = 1; // msg_len = 1
        // pad value 0
        assert_eq!(
            decrypt(&k, &encrypt_raw(&k, &plain)),
            Err(CryptoError::DecryptAes)
        );
        // pad value 33
        plain[63] = 33;
        assert_eq!(
            decrypt(&k, &encrypt_raw(&k, &plain)),
            Err(CryptoError::DecryptAes)
        );
        // pad value 4 but inconsistent pad bytes
        plain[60..64].copy_from_slice(&[4, 4, 9, 4]);
        assert_eq!(
            decrypt(&k, &encrypt_raw(&k, &plain)),
            Err(CryptoError::DecryptAes)
        );
        // consistent pad of 4 → accepted (msg "\0", receive id = 39 zero bytes)
        plain[60..64].copy_from_slice(&[4, 4, 4, 4]);
        let p = decrypt(&k, &encrypt_raw(&k, &plain)).unwrap();
        assert_eq!(p.message, "\0");
        // 16-byte aligned padding (a peer padding to 16) is accepted as the official SDKs do.
        let mut plain16 = vec![0u8; 48];
        plain16[19] = 2;
        plain16[20..22].copy_from_slice(b"hi");
        plain16[22..32].copy_from_slice(b"corp123456");
        plain16[32..48].fill(16);
        let p = decrypt(&k, &encrypt_raw(&k, &plain16)).unwrap();
        assert_eq!(
            (p.message.as_str(), p.receive_id.as_str()),
            ("hi", "corp123456")
        );
    }

    #[test]
    fn rejects_short_and_inconsistent_buffers() {
        let k = key();
        // 32 bytes with a pad of 16 → 16 bytes of data: shorter than the 20-byte header.
        let mut short = vec![0u8; 32];
        short[16..].fill(16);
        assert!(matches!(
            decrypt(&k, &encrypt_raw(&k, &short)),
            Err(CryptoError::IllegalBuffer { .. })
        ));
        // Length field larger than the data.
        let mut long = vec![0u8; 64];
        long[16..20].copy_from_slice(&1000u32.to_be_bytes());
        long[32..].fill(32);
        assert!(matches!(
            decrypt(&k, &encrypt_raw(&k, &long)),
            Err(CryptoError::IllegalBuffer { .. })
        ));
        // u32::MAX length must not overflow.
        long[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            decrypt(&k, &encrypt_raw(&k, &long)),
            Err(CryptoError::IllegalBuffer { .. })
        ));
        // Message not UTF-8.
        let mut bad = vec![0u8; 64];
        bad[19] = 2;
        bad[20..22].copy_from_slice(&[0xff, 0xfe]);
        bad[32..].fill(32);
        assert!(matches!(
            decrypt(&k, &encrypt_raw(&k, &bad)),
            Err(CryptoError::IllegalBuffer { .. })
        ));
        // Receive id not UTF-8.
        bad[19] = 0;
        assert!(matches!(
            decrypt(&k, &encrypt_raw(&k, &bad)),
            Err(CryptoError::IllegalBuffer { .. })
        ));
    }

    #[test]
    fn wrong_key_fails_cleanly() {
        let ct = encrypt(&key(), &[3; 16], "<xml/>", "wx5823bf96d3bd56c7");
        let other = AesKey::from_bytes([9; 32]);
        let err = decrypt(&other, &ct).unwrap_err();
        assert!(matches!(
            err,
            CryptoError::DecryptAes | CryptoError::IllegalBuffer { .. }
        ));
    }

    #[test]
    fn random_prefix_differs_between_calls() {
        assert_ne!(random_prefix(), random_prefix());
    }
}
