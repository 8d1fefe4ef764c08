//! `wxgate crypto`: the callback-crypto troubleshooting tool.
//!
//! Decrypt failures are the most common complaint against every WeChat SDK: the wrong receive
//! id, `signature` used where `msg_signature` is needed, an echostr still URL-encoded (or decoded
//! twice), a wrong or rotated EncodingAESKey. Each subcommand runs the same code the gateway
//! runs, and when a step fails it says which one and why. Output is one JSON object on stdout:
//! `{"ok":true,…}` with exit 0, or `{"ok":false,"code":<official code>,"error":"…","hint":"…"}`
//! with exit 1.

use std::io::Read as _;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};
use wxgate_protocol::callback::{CallbackCrypto, MsgSignatureParam};
use wxgate_protocol::crypto::{
    AesKey, KeyRing, KeySlot, ReceiveIdPolicy, describe_receive_id, random_prefix,
};
use wxgate_protocol::envelope::parse_envelope;
use wxgate_protocol::error::CryptoError;
use wxgate_protocol::message::{Normalized, parse_mini, parse_mp, parse_suite, parse_wecom};
use wxgate_protocol::miniprogram::{MiniProgramError, decrypt_user_data, raw_data_signature};
use wxgate_protocol::signature::{jssdk_signature, msg_signature, plain_signature};
use wxgate_protocol::xml;

/// The `wxgate crypto` subcommands.
#[derive(Subcommand)]
pub enum CryptoCommand {
    /// Check a WeCom GET URL verification (msg_signature over echostr) and decrypt the echostr.
    VerifyUrl(VerifyUrlArgs),
    /// Verify and decrypt a callback POST (its Encrypt field, or the whole body).
    Decrypt(DecryptArgs),
    /// Encrypt and sign a payload as the platform (or a passive reply) would.
    Encrypt(EncryptArgs),
    /// Compute msg_signature (with --encrypt) or the plaintext-mode signature (without).
    Sign(SignArgs),
    /// Compute a JS-SDK signature (wx.config, wx.agentConfig, ww.register).
    JssdkSign(JssdkSignArgs),
    /// Decrypt Mini Program encryptedData with a session_key.
    MiniDecrypt(MiniDecryptArgs),
    /// Check a Mini Program rawData signature.
    MiniVerify(MiniVerifyArgs),
}

/// The callback configuration: Token, EncodingAESKey and the receive ids to accept.
#[derive(Args)]
pub struct KeyArgs {
    /// The Token of the callback configuration.
    #[arg(long)]
    token: String,
    /// The EncodingAESKey (43 characters).
    #[arg(long = "aes-key")]
    aes_key: String,
    /// The previous EncodingAESKey, during a key rotation.
    #[arg(long = "previous-aes-key")]
    previous_aes_key: Option<String>,
    /// A receive id to accept (corp id, suite id or appid); repeat for several. Without it any
    /// receive id is accepted and reported.
    #[arg(long = "receive-id")]
    receive_ids: Vec<String>,
}

/// Arguments of `verify-url`.
#[derive(Args)]
pub struct VerifyUrlArgs {
    #[command(flatten)]
    keys: KeyArgs,
    /// The msg_signature query parameter.
    #[arg(long = "msg-signature")]
    msg_signature: String,
    /// The timestamp query parameter.
    #[arg(long)]
    timestamp: String,
    /// The nonce query parameter.
    #[arg(long)]
    nonce: String,
    /// The echostr query parameter, URL-decoded once.
    #[arg(long)]
    echostr: String,
}

/// Which parser reads a decrypted payload.
#[derive(Clone, Copy, ValueEnum)]
pub enum PayloadKind {
    /// Guess from the payload: InfoType → suite, ToUserName gh_… → Official Account, else WeCom.
    Auto,
    /// A WeCom self-built app, contacts or WeCom mini-program callback.
    Wecom,
    /// A WeCom third-party (suite) instruction callback.
    Suite,
    /// An Official Account callback.
    Mp,
    /// A Mini Program push.
    Mini,
}

/// Arguments of `decrypt`.
#[derive(Args)]
pub struct DecryptArgs {
    #[command(flatten)]
    keys: KeyArgs,
    /// The msg_signature query parameter.
    #[arg(long = "msg-signature")]
    msg_signature: String,
    /// The timestamp query parameter.
    #[arg(long)]
    timestamp: String,
    /// The nonce query parameter.
    #[arg(long)]
    nonce: String,
    /// The Encrypt field.
    #[arg(long, conflicts_with = "body", required_unless_present = "body")]
    encrypt: Option<String>,
    /// The whole POST body (XML or JSON) from a file, or `-` for standard input.
    #[arg(long)]
    body: Option<String>,
    /// How to read the decrypted payload.
    #[arg(long, value_enum, default_value = "auto")]
    kind: PayloadKind,
}

/// Envelope formats `encrypt` can produce.
#[derive(Clone, Copy, ValueEnum)]
pub enum EnvelopeFormat {
    /// `<xml><Encrypt>…</Encrypt><MsgSignature>…` (WeCom, Official Accounts, Mini Programs).
    Xml,
    /// `{"encrypt","msgsignature","timestamp","nonce"}` (WeCom JSON callbacks).
    Json,
    /// `{"Encrypt","MsgSignature","TimeStamp","Nonce"}` (Mini Program JSON format).
    MpJson,
}

/// Arguments of `encrypt`.
#[derive(Args)]
pub struct EncryptArgs {
    /// The Token of the callback configuration.
    #[arg(long)]
    token: String,
    /// The EncodingAESKey (43 characters).
    #[arg(long = "aes-key")]
    aes_key: String,
    /// The receive id to embed (corp id, suite id or appid).
    #[arg(long = "receive-id")]
    receive_id: String,
    /// The timestamp to sign.
    #[arg(long)]
    timestamp: String,
    /// The nonce to sign.
    #[arg(long)]
    nonce: String,
    /// The 16-byte random prefix (for reproducible output); random when absent.
    #[arg(long)]
    random: Option<String>,
    /// The payload to encrypt.
    #[arg(long)]
    plaintext: String,
    /// The envelope format.
    #[arg(long, value_enum, default_value = "xml")]
    format: EnvelopeFormat,
}

/// Arguments of `sign`.
#[derive(Args)]
pub struct SignArgs {
    /// The Token of the callback configuration.
    #[arg(long)]
    token: String,
    /// The timestamp.
    #[arg(long)]
    timestamp: String,
    /// The nonce.
    #[arg(long)]
    nonce: String,
    /// The Encrypt field (or echostr): gives msg_signature; without it, the plaintext-mode
    /// signature.
    #[arg(long)]
    encrypt: Option<String>,
}

/// Arguments of `jssdk-sign`.
#[derive(Args)]
pub struct JssdkSignArgs {
    /// The jsapi_ticket (corp or Official Account ticket; the agent_config ticket for wx.agentConfig).
    #[arg(long)]
    ticket: String,
    /// The nonceStr passed to wx.config.
    #[arg(long)]
    noncestr: String,
    /// The timestamp passed to wx.config.
    #[arg(long)]
    timestamp: String,
    /// The page URL (anything after `#` is ignored).
    #[arg(long)]
    url: String,
}

/// Arguments of `mini-decrypt`.
#[derive(Args)]
pub struct MiniDecryptArgs {
    /// The session_key from jscode2session (base64).
    #[arg(long = "session-key")]
    session_key: String,
    /// The iv handed to the front end with the data (base64).
    #[arg(long)]
    iv: String,
    /// The encryptedData (base64).
    #[arg(long = "encrypted-data")]
    encrypted_data: String,
    /// The Mini Program's appid, to check the watermark.
    #[arg(long)]
    appid: Option<String>,
}

/// Arguments of `mini-verify`.
#[derive(Args)]
pub struct MiniVerifyArgs {
    /// The rawData string exactly as the front end received it.
    #[arg(long = "raw-data")]
    raw_data: String,
    /// The session_key from jscode2session (base64 text).
    #[arg(long = "session-key")]
    session_key: String,
    /// The signature the front end received.
    #[arg(long)]
    signature: String,
}

/// A failed step: printed as `{"ok":false,"code","error","hint",…}`.
struct Failure {
    code: i32,
    error: String,
    hint: String,
    details: Map<String, Value>,
}

impl Failure {
    fn new(code: i32, error: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure {
            code,
            error: error.into(),
            hint: hint.into(),
            details: Map::new(),
        }
    }

    fn with(mut self, key: &str, value: impl Into<Value>) -> Failure {
        self.details.insert(key.to_owned(), value.into());
        self
    }
}

impl From<CryptoError> for Failure {
    fn from(e: CryptoError) -> Failure {
        let failure = Failure::new(e.code(), e.to_string(), e.hint());
        match &e {
            CryptoError::ValidateReceiveId { found, expected } => failure
                .with("receive_id", found.as_str())
                .with("expected_receive_ids", expected.clone()),
            _ => failure,
        }
    }
}

/// Runs one subcommand and prints its JSON result.
pub fn run(command: CryptoCommand) -> ExitCode {
    let result = match command {
        CryptoCommand::VerifyUrl(args) => verify_url(args),
        CryptoCommand::Decrypt(args) => decrypt(args),
        CryptoCommand::Encrypt(args) => encrypt(args),
        CryptoCommand::Sign(args) => Ok(sign(args)),
        CryptoCommand::JssdkSign(args) => Ok(jssdk_sign(args)),
        CryptoCommand::MiniDecrypt(args) => mini_decrypt(args),
        CryptoCommand::MiniVerify(args) => mini_verify(args),
    };
    match result {
        Ok(fields) => {
            let mut out = Map::new();
            out.insert("ok".into(), Value::Bool(true));
            out.extend(fields);
            println!("{}", Value::Object(out));
            ExitCode::SUCCESS
        }
        Err(failure) => {
            let mut out = Map::new();
            out.insert("ok".into(), Value::Bool(false));
            out.insert("code".into(), failure.code.into());
            out.insert("error".into(), failure.error.into());
            out.insert("hint".into(), failure.hint.into());
            out.extend(failure.details);
            println!("{}", Value::Object(out));
            ExitCode::from(1)
        }
    }
}

fn callback_crypto(keys: &KeyArgs) -> Result<CallbackCrypto, Failure> {
    let current = AesKey::from_encoding_aes_key(keys.aes_key.trim())
        .map_err(|e| Failure::from(e).with("key", "current"))?;
    let ring = match &keys.previous_aes_key {
        None => KeyRing::new(current),
        Some(previous) => {
            let previous = AesKey::from_encoding_aes_key(previous.trim())
                .map_err(|e| Failure::from(e).with("key", "previous"))?;
            KeyRing::with_previous(current, previous)
        }
    };
    let policy = if keys.receive_ids.is_empty() {
        ReceiveIdPolicy::Any
    } else {
        ReceiveIdPolicy::OneOf(keys.receive_ids.clone())
    };
    let reply_id = keys.receive_ids.first().cloned().unwrap_or_default();
    CallbackCrypto::new(keys.token.as_str(), ring, policy, reply_id).map_err(Failure::from)
}

/// Explains a msg_signature mismatch: which of the usual mistakes it is, if any.
fn signature_failure(
    token: &str,
    timestamp: &str,
    nonce: &str,
    signed: &str,
    provided: &str,
) -> Failure {
    let expected = msg_signature(token, timestamp, nonce, signed);
    let base = Failure::from(CryptoError::ValidateSignature)
        .with("expected_msg_signature", expected.to_hex())
        .with("provided_msg_signature", provided);
    if plain_signature(token, timestamp, nonce).verify(provided) {
        return Failure {
            hint: "the value passed as msg_signature is the plaintext-mode `signature` \
                   (sha1 of token, timestamp, nonce); pass the `msg_signature` query parameter, \
                   which also covers the Encrypt field"
                .into(),
            ..base
        };
    }
    if signed.contains('%') {
        let decoded = percent_encoding::percent_decode_str(signed).decode_utf8_lossy();
        if msg_signature(token, timestamp, nonce, &decoded).verify(provided) {
            return Failure {
                hint:
                    "the echostr/Encrypt value is still URL-encoded: decode it once (`%2B` → `+`, \
                       `%3D` → `=`) before verifying"
                        .into(),
                ..base
            };
        }
    }
    if signed.contains(' ') {
        let repaired = signed.replace(' ', "+");
        if msg_signature(token, timestamp, nonce, &repaired).verify(provided) {
            return Failure {
                hint: "the echostr/Encrypt value was URL-decoded twice: its `+` became spaces; \
                       decode the query string exactly once"
                    .into(),
                ..base
            };
        }
    }
    Failure {
        hint: format!(
            "{}; with these inputs the msg_signature would be {}: if the platform sent another \
             value, the Token differs from the callback configuration, or timestamp/nonce are not \
             the ones from the same URL",
            base.hint,
            expected.to_hex()
        ),
        ..base
    }
}

fn receive_id_report(receive_id: &str, checked: bool) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("receive_id".into(), receive_id.into());
    out.insert(
        "receive_id_kind".into(),
        describe_receive_id(receive_id).into(),
    );
    if !checked {
        out.insert(
            "hint".into(),
            "no --receive-id given: the receive id was not checked; pass the corp id, suite id \
             or appid this URL belongs to"
                .into(),
        );
    }
    out
}

fn verify_url(args: VerifyUrlArgs) -> Result<Map<String, Value>, Failure> {
    let crypto = callback_crypto(&args.keys)?;
    match crypto.verify_url(
        MsgSignatureParam(&args.msg_signature),
        &args.timestamp,
        &args.nonce,
        &args.echostr,
    ) {
        Ok(payload) => {
            let mut out = Map::new();
            out.insert("plaintext".into(), payload.message.into());
            out.extend(receive_id_report(
                &payload.receive_id,
                !args.keys.receive_ids.is_empty(),
            ));
            Ok(out)
        }
        Err(CryptoError::ValidateSignature) => Err(signature_failure(
            &args.keys.token,
            &args.timestamp,
            &args.nonce,
            &args.echostr,
            &args.msg_signature,
        )),
        Err(e) => Err(e.into()),
    }
}

fn read_body(source: &str) -> Result<String, Failure> {
    let mut body = String::new();
    let read = if source == "-" {
        std::io::stdin().read_to_string(&mut body).map(|_| ())
    } else {
        std::fs::read_to_string(source).map(|text| body = text)
    };
    read.map_err(|e| {
        Failure::new(
            -40002,
            format!("cannot read the body from {source}: {e}"),
            "pass the POST body as a file path, or `-` to read standard input",
        )
    })?;
    Ok(body)
}

fn decrypt(args: DecryptArgs) -> Result<Map<String, Value>, Failure> {
    let crypto = callback_crypto(&args.keys)?;
    let body = match (&args.encrypt, &args.body) {
        (Some(encrypt), _) => format!(
            "<xml><Encrypt><![CDATA[{}]]></Encrypt></xml>",
            encrypt.trim()
        ),
        (None, Some(source)) => read_body(source)?,
        (None, None) => unreachable!("clap requires --encrypt or --body"),
    };
    // Parse the envelope first, so a signature failure can be explained over its Encrypt.
    let (envelope, _) = parse_envelope(&body).map_err(Failure::from)?;
    let opened = match crypto.open(
        MsgSignatureParam(&args.msg_signature),
        &args.timestamp,
        &args.nonce,
        &body,
    ) {
        Ok(opened) => opened,
        Err(CryptoError::ValidateSignature) => {
            return Err(signature_failure(
                &args.keys.token,
                &args.timestamp,
                &args.nonce,
                &envelope.encrypt,
                &args.msg_signature,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = Map::new();
    out.insert("plaintext".into(), opened.plaintext.clone().into());
    out.extend(receive_id_report(
        &opened.receive_id,
        !args.keys.receive_ids.is_empty(),
    ));
    out.insert(
        "key".into(),
        match opened.key {
            KeySlot::Current => "current",
            KeySlot::Previous => "previous",
        }
        .into(),
    );
    match parse_payload(&opened.plaintext, args.kind) {
        Ok((event_type, message)) => {
            out.insert("event_type".into(), event_type.into());
            out.insert("message".into(), message);
        }
        Err(error) => {
            out.insert("message".into(), Value::Null);
            out.insert("message_error".into(), error.into());
        }
    }
    Ok(out)
}

/// Reads a decrypted payload with the parser `kind` names (or guesses), returning the event
/// type and the normalised JSON the gateway would forward.
fn parse_payload(plaintext: &str, kind: PayloadKind) -> Result<(String, Value), String> {
    let kind = match kind {
        PayloadKind::Auto => guess_kind(plaintext),
        other => other,
    };
    fn normalized(n: &impl Normalized) -> (String, Value) {
        (n.event_type(), n.to_normalized_json())
    }
    match kind {
        PayloadKind::Suite => parse_suite(plaintext).map(|m| normalized(&m)),
        PayloadKind::Mp => parse_mp(plaintext).map(|m| normalized(&m)),
        PayloadKind::Mini => parse_mini(plaintext).map(|m| normalized(&m)),
        PayloadKind::Wecom | PayloadKind::Auto => parse_wecom(plaintext).map(|m| normalized(&m)),
    }
    .map_err(|e| e.to_string())
}

fn guess_kind(plaintext: &str) -> PayloadKind {
    let field = |name: &str| -> Option<String> {
        if plaintext.trim_start().starts_with('{') {
            let value: Value = serde_json::from_str(plaintext).ok()?;
            value.get(name).and_then(Value::as_str).map(str::to_owned)
        } else {
            let root = xml::parse(plaintext, &xml::Limits::default()).ok()?;
            root.child_text(name).map(str::to_owned)
        }
    };
    if field("InfoType").is_some() {
        PayloadKind::Suite
    } else if field("ToUserName").is_some_and(|to| to.starts_with("gh_")) {
        PayloadKind::Mp
    } else {
        PayloadKind::Wecom
    }
}

fn encrypt(args: EncryptArgs) -> Result<Map<String, Value>, Failure> {
    let key = AesKey::from_encoding_aes_key(args.aes_key.trim()).map_err(Failure::from)?;
    let random: [u8; 16] = match &args.random {
        None => random_prefix(),
        Some(text) => text.as_bytes().try_into().map_err(|_| {
            Failure::new(
                -40006,
                format!("--random must be exactly 16 bytes, got {}", text.len()),
                "pass 16 ASCII characters, e.g. 1234567890123456",
            )
        })?,
    };
    let crypto = CallbackCrypto::new(
        args.token.as_str(),
        KeyRing::new(key),
        ReceiveIdPolicy::Any,
        args.receive_id.as_str(),
    )
    .map_err(Failure::from)?;
    let reply = crypto.seal(
        &args.plaintext,
        &args.timestamp,
        &args.nonce,
        KeySlot::Current,
        &random,
    );
    let envelope = match args.format {
        EnvelopeFormat::Xml => reply.to_xml(),
        EnvelopeFormat::Json => reply.to_wecom_json(),
        EnvelopeFormat::MpJson => reply.to_mp_json(),
    };
    let mut out = Map::new();
    out.insert("encrypt".into(), reply.encrypt.clone().into());
    out.insert("msg_signature".into(), reply.msg_signature.to_hex().into());
    out.insert("envelope".into(), envelope.into());
    Ok(out)
}

fn sign(args: SignArgs) -> Map<String, Value> {
    let (kind, signature) = match &args.encrypt {
        Some(encrypt) => (
            "msg_signature",
            msg_signature(&args.token, &args.timestamp, &args.nonce, encrypt),
        ),
        None => (
            "signature",
            plain_signature(&args.token, &args.timestamp, &args.nonce),
        ),
    };
    let mut out = Map::new();
    out.insert("signature".into(), signature.to_hex().into());
    out.insert("kind".into(), kind.into());
    out
}

fn jssdk_sign(args: JssdkSignArgs) -> Map<String, Value> {
    let signature = jssdk_signature(&args.ticket, &args.noncestr, &args.timestamp, &args.url);
    let signed_url = args.url.split('#').next().unwrap_or_default();
    let mut out = Map::new();
    out.insert("signature".into(), signature.to_hex().into());
    out.insert("url".into(), signed_url.into());
    out
}

/// The official Mini Program demo (`WXBizDataCrypt`) codes: −41001 illegal key, −41002
/// illegal iv, −41003 illegal buffer (incl. watermark mismatch), −41004 base64 decode error.
fn mini_failure(e: MiniProgramError) -> Failure {
    let (code, hint) = match &e {
        MiniProgramError::SessionKey(_) => (
            -41001,
            "use the session_key returned by jscode2session for the same wx.login",
        ),
        MiniProgramError::Iv(_) => (-41002, "pass the iv returned together with encryptedData"),
        MiniProgramError::EncryptedDataBase64 => (
            -41004,
            "pass encryptedData exactly as received; URL-decode it once if it came in a query",
        ),
        MiniProgramError::Decrypt | MiniProgramError::NotJson(_) => (
            -41003,
            "the session_key is probably stale: the front end must call wx.login before \
             wx.getUserInfo/getPhoneNumber, and the server use that login's session_key",
        ),
        MiniProgramError::WatermarkMismatch { .. } => (
            -41003,
            "the data was produced for another Mini Program: check --appid and the app's config",
        ),
    };
    Failure::new(code, e.to_string(), hint)
}

fn mini_decrypt(args: MiniDecryptArgs) -> Result<Map<String, Value>, Failure> {
    let data = decrypt_user_data(
        &args.session_key,
        &args.iv,
        &args.encrypted_data,
        args.appid.as_deref(),
    )
    .map_err(mini_failure)?;
    let mut out = Map::new();
    out.insert("data".into(), data);
    if args.appid.is_none() {
        out.insert(
            "hint".into(),
            "no --appid given: the watermark was not checked".into(),
        );
    }
    Ok(out)
}

fn mini_verify(args: MiniVerifyArgs) -> Result<Map<String, Value>, Failure> {
    let expected = raw_data_signature(&args.raw_data, &args.session_key);
    if expected.verify(&args.signature) {
        return Ok(Map::new());
    }
    Err(Failure::new(
        -40001,
        "rawData signature mismatch",
        "signature = sha1(rawData + session_key), with rawData byte-for-byte as the front end \
         received it (no re-serialised JSON) and the session_key as its base64 text",
    )
    .with("expected_signature", expected.to_hex())
    .with("provided_signature", json!(args.signature)))
}
