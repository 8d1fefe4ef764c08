//! Verifying and opening one callback request, without HTTP: the query parameters and body in,
//! the decrypted plaintext (and how to answer) out, or a [`Refusal`]. WeCom kinds always use
//! `msg_signature` + AES; Official Accounts and Mini Programs choose per request from
//! `encrypt_type` (plaintext, or AES; compatibility-mode bodies carry both and are decrypted).

use std::borrow::Cow;

use wxgate_protocol::callback::{
    CallbackCrypto, MpMode, MsgSignatureParam, SignatureParam, verify_mp_url,
};
use wxgate_protocol::crypto::{KeySlot, ReceiveIdPolicy};
use wxgate_protocol::envelope::BodyFormat;

use super::refusal::Refusal;
use crate::registry::{AppEntry, AppKind, CallbackSetup};

/// Which URL of an app was called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/callback/{name}`.
    App,
    /// `/callback/{suite}/data/{corp_id}`: a suite's data callback for one authorising corp.
    SuiteData {
        /// The corp id from the path; the only receive id accepted on POST.
        corp_id: String,
    },
}

/// The callback's query parameters, URL-decoded (`application/x-www-form-urlencoded`), borrowed
/// from the request's query string unless decoding changed them. A callback carries three to
/// five parameters: a list beats a hashed map of owned strings (which cost a dozen allocations
/// and SipHash per request).
#[derive(Debug, Clone, Default)]
pub struct CallbackQuery<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> CallbackQuery<'a> {
    /// Parses a raw query string (`msg_signature=…&timestamp=…&nonce=…`; empty for none).
    /// Names and values without `%` or `+` (all of a platform's: hex, digits, base64 without
    /// padding) are borrowed as they are; the others are decoded as forms are.
    pub fn parse(query: &'a str) -> CallbackQuery<'a> {
        let mut pairs = Vec::with_capacity(5);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            pairs.push((decode(name), decode(value)));
        }
        CallbackQuery(pairs)
    }

    /// The value of `name`; when it is repeated, the last one (as a map would keep).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_ref())
    }

    fn required(&self, name: &'static str) -> Result<&str, Refusal> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Refusal::bad_request(format!("the query parameter `{name}` is missing")))
    }

    /// The signed `timestamp`.
    pub fn timestamp(&self) -> Result<&str, Refusal> {
        self.required("timestamp")
    }

    /// The `nonce`.
    pub fn nonce(&self) -> Result<&str, Refusal> {
        self.required("nonce")
    }
}

/// One `application/x-www-form-urlencoded` component (`+` is a space, `%XX` a byte, invalid
/// UTF-8 replaced), borrowed unless it has escapes.
fn decode(component: &str) -> Cow<'_, str> {
    if !component.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(component);
    }
    let spaced: Vec<u8> = component
        .bytes()
        .map(|b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Cow<'_, [u8]> = percent_encoding::percent_decode(&spaced).into();
    Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
}

/// How the answer to a callback must be shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    /// Plaintext mode (MP/Mini only): a passive reply goes back as is.
    Plain {
        /// XML or JSON, as the request.
        format: BodyFormat,
    },
    /// Encrypted: a passive reply is sealed with the key that opened the request.
    Encrypted {
        /// XML or JSON envelope, as the request.
        format: BodyFormat,
        /// The key slot that decrypted the request.
        key: KeySlot,
    },
}

/// An opened callback.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The decrypted (or plaintext-mode) message.
    pub plaintext: String,
    /// How to shape a passive reply.
    pub reply: ReplyMode,
    /// The request's nonce (reused in an encrypted reply).
    pub nonce: String,
}

/// Whether the kind is an Official Account / Mini Program (signature + optional AES).
pub fn is_mp_family(kind: &AppKind) -> bool {
    matches!(
        kind,
        AppKind::OfficialAccount { .. } | AppKind::MiniProgram { .. }
    )
}

fn setup(app: &AppEntry) -> Result<&CallbackSetup, Refusal> {
    app.callback
        .as_ref()
        .ok_or_else(|| Refusal::no_callback(&app.name))
}

fn check_window(query: &CallbackQuery, now: i64, window: u64) -> Result<(), Refusal> {
    let raw = query.timestamp()?;
    let timestamp: i64 = raw
        .parse()
        .map_err(|_| Refusal::bad_request("the query parameter `timestamp` is not an integer"))?;
    if (now - timestamp).unsigned_abs() > window {
        return Err(Refusal::stale_timestamp(timestamp, now, window));
    }
    Ok(())
}

/// The crypto for a WeCom-family request on `target`, with the receive ids it may carry.
/// The crypto of a WeCom callback: the app's own (borrowed: cloning it per callback copied the
/// token, the key schedules and the receive ids), or, for a suite, one with the receive ids of
/// this URL.
fn wecom_crypto<'a>(
    app: &'a AppEntry,
    target: &Target,
    url_check: bool,
) -> Result<Cow<'a, CallbackCrypto>, Refusal> {
    let setup = setup(app)?;
    let crypto = setup.crypto.as_ref().ok_or_else(|| {
        Refusal::no_callback(&app.name) // WeCom always encrypts; the registry requires a key
    })?;
    let AppKind::Suite { suite_id, provider } = &app.kind else {
        return Ok(Cow::Borrowed(crypto));
    };
    // NOTES §1 "ReceiveId meaning": provider URLs are verified with the suite id or the
    // provider's corp id; data callbacks carry the authorising corp's id.
    let mut ids = Vec::new();
    if url_check || *target == Target::App {
        ids.push(suite_id.clone());
        if url_check && let Some(provider) = provider {
            ids.push(provider.corp_id.clone());
        }
    }
    if let Target::SuiteData { corp_id } = target {
        ids.push(corp_id.clone());
    }
    let reply_id = match target {
        Target::SuiteData { corp_id } => corp_id.clone(),
        Target::App => suite_id.clone(),
    };
    CallbackCrypto::new(
        setup.token.expose(),
        crypto.keys().clone(),
        ReceiveIdPolicy::OneOf(ids),
        reply_id,
    )
    .map(Cow::Owned)
    .map_err(Refusal::from)
}

/// `GET` URL verification: the text to echo back.
pub fn verify_url(
    app: &AppEntry,
    target: &Target,
    query: &CallbackQuery,
    now: i64,
    window: u64,
) -> Result<String, Refusal> {
    let setup = setup(app)?;
    check_window(query, now, window)?;
    let (timestamp, nonce) = (query.timestamp()?, query.nonce()?);
    // A raw `+` in the query decodes to a space; base64 never contains spaces.
    let echostr = query.required("echostr")?.replace(' ', "+");
    if is_mp_family(&app.kind) {
        let signature = query.required("signature")?;
        let echo = verify_mp_url(
            setup.token.expose(),
            SignatureParam(signature),
            timestamp,
            nonce,
            &echostr,
        )?;
        return Ok(echo.to_owned());
    }
    let crypto = wecom_crypto(app, target, true)?;
    let msg_signature = query.required("msg_signature")?;
    let payload =
        crypto.verify_url(MsgSignatureParam(msg_signature), timestamp, nonce, &echostr)?;
    Ok(payload.message)
}

fn detect_format(body: &str) -> BodyFormat {
    if body.trim_start().starts_with('{') {
        BodyFormat::Json
    } else {
        BodyFormat::Xml
    }
}

/// `POST`: verifies the signature, the timestamp window and the receive id, and decrypts.
pub fn open(
    app: &AppEntry,
    target: &Target,
    query: &CallbackQuery,
    body: &str,
    now: i64,
    window: u64,
) -> Result<Inbound, Refusal> {
    let setup = setup(app)?;
    check_window(query, now, window)?;
    let (timestamp, nonce) = (query.timestamp()?, query.nonce()?);
    let mode = if is_mp_family(&app.kind) {
        MpMode::from_encrypt_type(query.get("encrypt_type"))
            .map_err(|e| Refusal::bad_request(e.to_string()))?
    } else {
        MpMode::Aes
    };
    if mode == MpMode::Plaintext {
        let signature = query.required("signature")?;
        verify_mp_url(
            setup.token.expose(),
            SignatureParam(signature),
            timestamp,
            nonce,
            "",
        )?;
        return Ok(Inbound {
            plaintext: body.to_owned(),
            reply: ReplyMode::Plain {
                format: detect_format(body),
            },
            nonce: nonce.to_owned(),
        });
    }
    let crypto = if is_mp_family(&app.kind) {
        setup.crypto.as_ref().map(Cow::Borrowed).ok_or_else(|| {
            Refusal::bad_request(format!(
                "encrypt_type=aes but app `{}` has no encoding_aes_key configured",
                app.name
            ))
        })?
    } else {
        wecom_crypto(app, target, false)?
    };
    let msg_signature = query.required("msg_signature")?;
    let opened = crypto.open(MsgSignatureParam(msg_signature), timestamp, nonce, body)?;
    Ok(Inbound {
        plaintext: opened.plaintext,
        reply: ReplyMode::Encrypted {
            format: opened.format,
            key: opened.key,
        },
        nonce: nonce.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decodes_like_a_form() {
        let raw = "msg_signature=abc123&timestamp=1409659813&nonce=n&echostr=a+b%2Bc%3D%3D=\
                   &empty=&flag&&nonce=last&%E4%BD%A0=%E5%A5%BD&bad=%FF";
        let query = CallbackQuery::parse(raw);
        assert_eq!(query.get("msg_signature"), Some("abc123"));
        assert_eq!(query.get("timestamp"), Some("1409659813"));
        assert_eq!(query.get("echostr"), Some("a b+c===")); // `=` after the first is the value's
        assert_eq!(query.get("empty"), Some(""));
        assert_eq!(query.get("flag"), Some(""));
        assert_eq!(query.get("nonce"), Some("last")); // repeated: the last one
        assert_eq!(query.get("你"), Some("好"));
        assert_eq!(query.get("bad"), Some("\u{FFFD}"));
        assert_eq!(query.get("missing"), None);
        let borrowed = CallbackQuery::parse("timestamp=1&nonce=2");
        assert!(
            borrowed
                .0
                .iter()
                .all(|(k, v)| matches!((k, v), (Cow::Borrowed(_), Cow::Borrowed(_))))
        );
        for (ours, forms) in query
            .0
            .iter()
            .zip(url::form_urlencoded::parse(raw.as_bytes()))
        {
            assert_eq!(
                (ours.0.as_ref(), ours.1.as_ref()),
                (forms.0.as_ref(), forms.1.as_ref())
            );
        }
        assert_eq!(CallbackQuery::parse("").0.len(), 0);
    }
}
