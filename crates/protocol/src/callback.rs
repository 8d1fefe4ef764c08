//! The hard-to-misuse facade over the callback crypto, used by the gateway, the simulator and
//! the CLI: one [`CallbackCrypto`] per configured callback URL.
//!
//! * WeCom, and MP / Mini Program / open platform in 安全/兼容 mode:
//!   [`CallbackCrypto::verify_url`] for the GET URL check, [`CallbackCrypto::open`] for POSTs,
//!   [`CallbackCrypto::seal`] for encrypted replies. These take the `msg_signature` query
//!   parameter as a [`MsgSignatureParam`].
//! * MP / Mini Program plaintext mode ([`MpMode::Plaintext`]) and their GET URL check:
//!   [`CallbackCrypto::verify_plain`] / [`verify_mp_url`], which take the `signature` query
//!   parameter as a [`SignatureParam`]. The two wrapper types exist so that passing `signature`
//!   where `msg_signature` is needed does not compile unnoticed.
//!
//! Every entry point verifies the signature before it decrypts, and checks the receive id
//! after. Replay windows (timestamp freshness, nonce reuse) are the gateway's job.

use crate::crypto::{KeyRing, KeySlot, Payload, ReceiveIdPolicy, encrypt};
use crate::envelope::{BodyFormat, EncryptedReply, Envelope, parse_envelope};
use crate::error::CryptoError;
use crate::signature::{msg_signature, plain_signature};

/// The `msg_signature` query parameter (encrypted modes; always for WeCom).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsgSignatureParam<'a>(pub &'a str);

/// The `signature` query parameter (MP / Mini Program plaintext mode and their URL check).
/// It does not cover the body; never use it to accept an encrypted body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureParam<'a>(pub &'a str);

/// How an Official Account / Mini Program callback is protected, from the `encrypt_type`
/// query parameter (NOTES.md §1.3, §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MpMode {
    /// No `encrypt_type`, or `raw`: plaintext body checked with `signature`; reply plaintext.
    Plaintext,
    /// `encrypt_type=aes`: encrypted body checked with `msg_signature`; reply encrypted.
    Aes,
}

impl MpMode {
    /// Reads the `encrypt_type` query value (`None` when absent).
    pub fn from_encrypt_type(encrypt_type: Option<&str>) -> Result<MpMode, UnknownEncryptType> {
        match encrypt_type {
            None | Some("raw") => Ok(MpMode::Plaintext),
            Some("aes") => Ok(MpMode::Aes),
            Some(other) => Err(UnknownEncryptType(other.to_owned())),
        }
    }
}

/// An `encrypt_type` query value other than `raw` or `aes`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown encrypt_type `{0}`: expected `aes`, `raw` or no encrypt_type at all")]
pub struct UnknownEncryptType(pub String);

/// A decrypted, verified callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The decrypted message (XML or JSON, in the same format as the envelope).
    pub plaintext: String,
    /// The receive id found in the payload (already checked against the policy).
    pub receive_id: String,
    /// The key that decrypted it; encrypt the reply with the same one.
    pub key: KeySlot,
    /// Whether the body was XML or JSON; reply in the same format.
    pub format: BodyFormat,
    /// The envelope as received.
    pub envelope: Envelope,
}

/// Everything needed to verify, decrypt and encrypt the callbacks of one configured URL.
///
/// ```
/// use wxgate_protocol::callback::{CallbackCrypto, MsgSignatureParam};
/// use wxgate_protocol::crypto::{KeySlot, random_prefix};
///
/// // The official WeCom sample configuration (Token, EncodingAESKey, corp id).
/// let crypto = CallbackCrypto::single(
///     "QDG6eK",
///     "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
///     "wx5823bf96d3bd56c7",
/// )?;
///
/// // GET /callback?msg_signature=…&timestamp=…&nonce=…&echostr=… (echostr URL-decoded once)
/// let echo = crypto.verify_url(
///     MsgSignatureParam("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"),
///     "1409659589",
///     "263014780",
///     "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
/// )?;
/// assert_eq!(echo.message, "1616140317555161061"); // the response body, verbatim
///
/// // A passive reply, encrypted with the key that opened the request.
/// let reply = crypto.seal("<xml>…</xml>", "1409659813", "1372623149", KeySlot::Current, &random_prefix());
/// let opened = crypto.open(
///     MsgSignatureParam(&reply.msg_signature.to_hex()),
///     "1409659813",
///     "1372623149",
///     &reply.to_xml(),
/// )?;
/// assert_eq!(opened.plaintext, "<xml>…</xml>");
/// # Ok::<(), wxgate_protocol::error::CryptoError>(())
/// ```
#[derive(Clone)]
pub struct CallbackCrypto {
    token: String,
    keys: KeyRing,
    receive_ids: ReceiveIdPolicy,
    reply_receive_id: String,
}

impl CallbackCrypto {
    /// Builds the crypto of one callback URL.
    ///
    /// * `token` — the Token of the callback configuration (must not be empty);
    /// * `keys` — the current EncodingAESKey, and the previous one during a rotation;
    /// * `receive_ids` — which receive ids inbound payloads may carry;
    /// * `reply_receive_id` — the id put into encrypted replies: the corp id (WeCom apps), the
    ///   suite id (third-party 指令回调) or the appid (MP / Mini Program / open platform).
    pub fn new(
        token: impl Into<String>,
        keys: KeyRing,
        receive_ids: ReceiveIdPolicy,
        reply_receive_id: impl Into<String>,
    ) -> Result<CallbackCrypto, CryptoError> {
        let token = token.into();
        if token.is_empty() {
            return Err(CryptoError::ComputeSignature);
        }
        Ok(CallbackCrypto {
            token,
            keys,
            receive_ids,
            reply_receive_id: reply_receive_id.into(),
        })
    }

    /// The common case: one key, and one receive id used both ways (corp id or appid).
    pub fn single(
        token: &str,
        encoding_aes_key: &str,
        receive_id: &str,
    ) -> Result<CallbackCrypto, CryptoError> {
        let key = crate::crypto::AesKey::from_encoding_aes_key(encoding_aes_key)?;
        CallbackCrypto::new(
            token,
            KeyRing::new(key),
            ReceiveIdPolicy::only(receive_id),
            receive_id,
        )
    }

    /// The key ring (e.g. to report which keys are configured).
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// WeCom (and MP 安全模式) GET URL check: verifies `msg_signature` over `echostr`, decrypts
    /// it and checks its receive id. Answer the request with `Payload::message`, verbatim (no
    /// quotes, BOM or newline), within one second.
    ///
    /// `echostr` must be URL-decoded exactly once, as any query parser does; it contains `+`,
    /// `/` and `=` that arrive percent-encoded.
    pub fn verify_url(
        &self,
        msg_signature: MsgSignatureParam<'_>,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> Result<Payload, CryptoError> {
        self.verify_msg_signature(msg_signature, timestamp, nonce, echostr)?;
        let (payload, _) = self.keys.decrypt(echostr)?;
        self.receive_ids.check(&payload.receive_id)?;
        Ok(payload)
    }

    /// An encrypted callback POST: parses the envelope (XML or JSON), verifies `msg_signature`
    /// over its `Encrypt`, decrypts with the current or previous key and checks the receive id.
    pub fn open(
        &self,
        msg_signature: MsgSignatureParam<'_>,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> Result<Opened, CryptoError> {
        let (envelope, format) = parse_envelope(body)?;
        self.verify_msg_signature(msg_signature, timestamp, nonce, &envelope.encrypt)?;
        let (payload, key) = self.keys.decrypt(&envelope.encrypt)?;
        self.receive_ids.check(&payload.receive_id)?;
        Ok(Opened {
            plaintext: payload.message,
            receive_id: payload.receive_id,
            key,
            format,
            envelope,
        })
    }

    /// Encrypts and signs a passive reply with the key in `key` (use [`Opened::key`]) and the
    /// reply receive id. `timestamp` and `nonce` may be fresh or taken from the request URL;
    /// `random` should come from [`crate::crypto::random_prefix`].
    pub fn seal(
        &self,
        plaintext: &str,
        timestamp: &str,
        nonce: &str,
        key: KeySlot,
        random: &[u8; 16],
    ) -> EncryptedReply {
        let encrypted = encrypt(
            self.keys.key(key),
            random,
            plaintext,
            &self.reply_receive_id,
        );
        let msg_signature = msg_signature(&self.token, timestamp, nonce, &encrypted);
        EncryptedReply {
            encrypt: encrypted,
            msg_signature,
            timestamp: timestamp.to_owned(),
            nonce: nonce.to_owned(),
        }
    }

    /// MP / Mini Program plaintext mode: verifies the `signature` query parameter.
    pub fn verify_plain(
        &self,
        signature: SignatureParam<'_>,
        timestamp: &str,
        nonce: &str,
    ) -> Result<(), CryptoError> {
        verify_plain_with_token(&self.token, signature, timestamp, nonce)
    }

    fn verify_msg_signature(
        &self,
        provided: MsgSignatureParam<'_>,
        timestamp: &str,
        nonce: &str,
        encrypted: &str,
    ) -> Result<(), CryptoError> {
        if msg_signature(&self.token, timestamp, nonce, encrypted).verify(provided.0) {
            Ok(())
        } else {
            Err(CryptoError::ValidateSignature)
        }
    }
}

fn verify_plain_with_token(
    token: &str,
    signature: SignatureParam<'_>,
    timestamp: &str,
    nonce: &str,
) -> Result<(), CryptoError> {
    if plain_signature(token, timestamp, nonce).verify(signature.0) {
        Ok(())
    } else {
        Err(CryptoError::ValidateSignature)
    }
}

/// The Official Account / Mini Program GET URL check (all modes): verifies the plaintext-mode
/// `signature` = sha1(sort(token, timestamp, nonce)) and returns `echostr`, which must be
/// echoed back verbatim (it is not encrypted, unlike WeCom's).
pub fn verify_mp_url<'e>(
    token: &str,
    signature: SignatureParam<'_>,
    timestamp: &str,
    nonce: &str,
    echostr: &'e str,
) -> Result<&'e str, CryptoError> {
    if token.is_empty() {
        return Err(CryptoError::ComputeSignature);
    }
    verify_plain_with_token(token, signature, timestamp, nonce)?;
    Ok(echostr)
}

impl std::fmt::Debug for CallbackCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackCrypto")
            .field("token", &"**redacted**")
            .field("keys", &self.keys)
            .field("receive_ids", &self.receive_ids)
            .field("reply_receive_id", &self.reply_receive_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mp_mode_from_encrypt_type() {
        assert_eq!(MpMode::from_encrypt_type(None), Ok(MpMode::Plaintext));
        assert_eq!(
            MpMode::from_encrypt_type(Some("raw")),
            Ok(MpMode::Plaintext)
        );
        assert_eq!(MpMode::from_encrypt_type(Some("aes")), Ok(MpMode::Aes));
        assert_eq!(
            MpMode::from_encrypt_type(Some("AES")),
            Err(UnknownEncryptType("AES".into()))
        );
    }

    #[test]
    fn empty_token_is_refused() {
        let err = CallbackCrypto::single("", &"A".repeat(43), "wx1").unwrap_err();
        assert_eq!(err, CryptoError::ComputeSignature);
        assert_eq!(
            verify_mp_url("", SignatureParam("x"), "1", "2", "e"),
            Err(CryptoError::ComputeSignature)
        );
    }

    #[test]
    fn debug_redacts_token_and_keys() {
        let c = CallbackCrypto::single("s3cretToken", &"A".repeat(43), "wx1").unwrap();
        let text = format!("{c:?}");
        assert!(!text.contains("s3cretToken"), "{text}");
        assert!(text.contains("**redacted**"), "{text}");
        assert!(!text.contains("AAAA"), "{text}");
    }
}
