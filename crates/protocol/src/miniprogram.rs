//! Mini Program open data (NOTES.md §1.1): the `rawData` signature and the AES-128-CBC
//! `encryptedData` (user info, phone number, …) that `wx.getUserInfo` and friends hand to the
//! front end, which the server decrypts with the user's `session_key`.
//!
//! Unlike the callback crypto, this uses a 16-byte key (`Base64_Decode(session_key)`), a
//! separate IV sent with the data, and ordinary PKCS#7 padding to 16 bytes.

use aes::Aes128;
use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use crate::signature::Signature;

/// Why open data could not be decrypted or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MiniProgramError {
    /// The session_key is not base64 of 16 bytes.
    #[error(
        "session_key must be base64 of 16 bytes ({0}); use the session_key from jscode2session"
    )]
    SessionKey(String),
    /// The iv is not base64 of 16 bytes.
    #[error("iv must be base64 of 16 bytes ({0}); pass the iv returned alongside encryptedData")]
    Iv(String),
    /// encryptedData is not valid base64.
    #[error("encryptedData is not valid base64; pass it exactly as the front end received it")]
    EncryptedDataBase64,
    /// Decryption failed (not whole blocks, or bad padding): usually a stale session_key.
    #[error(
        "encryptedData does not decrypt with this session_key (bad length or padding); the \
         session_key is probably stale: call wx.login again and use the new session_key"
    )]
    Decrypt,
    /// The plaintext is not a JSON object.
    #[error("the decrypted data is not a JSON object: {0}")]
    NotJson(String),
    /// `watermark.appid` is not the expected appid.
    #[error(
        "watermark.appid is {found:?}, expected `{expected}`: the data was produced for another \
         Mini Program"
    )]
    WatermarkMismatch {
        /// The appid in the watermark, if there is one.
        found: Option<String>,
        /// The appid we expected.
        expected: String,
    },
}

/// The `rawData` signature: sha1(rawData + session_key), the session_key appended as its
/// base64 text (not decoded). Compare with the front end's `signature` via [`Signature::verify`].
pub fn raw_data_signature(raw_data: &str, session_key: &str) -> Signature {
    let mut hasher = Sha1::new();
    hasher.update(raw_data.as_bytes());
    hasher.update(session_key.as_bytes());
    Signature(hasher.finalize().into())
}

fn decode16(
    text: &str,
    err: fn(String) -> MiniProgramError,
) -> Result<Zeroizing<[u8; 16]>, MiniProgramError> {
    let bytes = Zeroizing::new(STANDARD.decode(text).map_err(|e| err(e.to_string()))?);
    let array: [u8; 16] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| err(format!("it decodes to {} bytes", bytes.len())))?;
    Ok(Zeroizing::new(array))
}

/// Decrypts `encryptedData` (AES-128-CBC, PKCS#7) into JSON, checking `watermark.appid`
/// against `expected_appid` when one is given.
pub fn decrypt_user_data(
    session_key_b64: &str,
    iv_b64: &str,
    encrypted_data_b64: &str,
    expected_appid: Option<&str>,
) -> Result<serde_json::Value, MiniProgramError> {
    let key = decode16(session_key_b64, MiniProgramError::SessionKey)?;
    let iv = decode16(iv_b64, MiniProgramError::Iv)?;
    let ciphertext = STANDARD
        .decode(encrypted_data_b64)
        .map_err(|_| MiniProgramError::EncryptedDataBase64)?;
    let plaintext = cbc::Decryptor::<Aes128>::new((&*key).into(), (&*iv).into())
        .decrypt_padded_vec::<Pkcs7>(&ciphertext)
        .map_err(|_| MiniProgramError::Decrypt)?;
    let value: serde_json::Value =
        serde_json::from_slice(&plaintext).map_err(|e| MiniProgramError::NotJson(e.to_string()))?;
    if !value.is_object() {
        return Err(MiniProgramError::NotJson("not an object".into()));
    }
    if let Some(expected) = expected_appid {
        let found = value
            .pointer("/watermark/appid")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        if found.as_deref() != Some(expected) {
            return Err(MiniProgramError::WatermarkMismatch {
                found,
                expected: expected.to_owned(),
            });
        }
    }
    Ok(value)
}

/// Encrypts `plaintext` the way the platform does (for the simulator and tests); returns base64.
pub fn encrypt_user_data(
    session_key_b64: &str,
    iv_b64: &str,
    plaintext: &str,
) -> Result<String, MiniProgramError> {
    let key = decode16(session_key_b64, MiniProgramError::SessionKey)?;
    let iv = decode16(iv_b64, MiniProgramError::Iv)?;
    let ciphertext = cbc::Encryptor::<Aes128>::new((&*key).into(), (&*iv).into())
        .encrypt_padded_vec::<Pkcs7>(plaintext.as_bytes());
    Ok(STANDARD.encode(ciphertext))
}
