//! WeCom third-party (suite) instruction callbacks (指令回调), by `InfoType`.
//!
//! Sources: developer.work.weixin.qq.com path/90628 (suite_ticket), 90642 (create_auth,
//! change_auth, cancel_auth), 90639/90640 (change_contact for suites, also offered as JSON),
//! and the reset_permanent_code notice (AuthCode, like create_auth). These payloads have no
//! `ToUserName`/`MsgType`; they are keyed by `SuiteId`, `InfoType` and `TimeStamp`, and must be
//! answered with `success`.
//!
//! The suite ticket and the temporary auth code are credentials: their `Debug` output is
//! redacted and they are left out of the normalised JSON sent to business backends (the gateway
//! consumes them itself).

use std::fmt;

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

use super::{ContactChange, Fields, JsonObject, MessageError, Normalized, key_part, type_segment};

/// The suite ticket (`SuiteTicket`), needed to obtain a suite access token. Redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SuiteTicket(String);

/// A temporary authorisation code (`AuthCode`), exchanged for a permanent code. Redacted in
/// `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthCode(String);

macro_rules! credential {
    ($ty:ident, $name:literal) => {
        impl $ty {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                $ty(value.into())
            }
            /// The value itself, for the one call that needs it.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($name, "(<redacted, {} bytes>)"), self.0.len())
            }
        }
    };
}
credential!(SuiteTicket, "SuiteTicket");
credential!(AuthCode, "AuthCode");

/// Fields every suite callback carries.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteHeader {
    /// `SuiteId` (empty when absent).
    pub suite_id: String,
    /// `TimeStamp`, seconds since the Unix epoch (0 when absent).
    pub time_stamp: u64,
    /// `AuthCorpId`: the authorising corp (absent for suite_ticket and create_auth).
    pub auth_corp_id: Option<String>,
    /// Fields not read into the typed ones, as received.
    pub extra: Map<String, Value>,
}

/// A suite instruction callback.
// One value per callback, matched on once: variant size does not matter, plain matching does.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum SuiteEvent {
    /// `suite_ticket`: pushed every 10 minutes, valid 30 minutes; always use the newest.
    SuiteTicket {
        /// Common fields.
        header: SuiteHeader,
        /// `SuiteTicket`.
        suite_ticket: SuiteTicket,
    },
    /// `create_auth`: a corp installed the app; answer within 1000 ms.
    CreateAuth {
        /// Common fields.
        header: SuiteHeader,
        /// `AuthCode`, valid 10 minutes, single use.
        auth_code: AuthCode,
        /// `State` passed in the install link.
        state: Option<String>,
        /// `ExtraInfo`, kept as sent.
        extra_info: Option<Value>,
    },
    /// `change_auth`: the corp changed the app's authorisation.
    ChangeAuth {
        /// Common fields.
        header: SuiteHeader,
        /// `State`, when sent.
        state: Option<String>,
        /// `ExtraInfo`, kept as sent.
        extra_info: Option<Value>,
    },
    /// `cancel_auth`: the corp removed the app; its data must be deleted.
    CancelAuth {
        /// Common fields.
        header: SuiteHeader,
    },
    /// `reset_permanent_code`: exchange `AuthCode` for a new permanent code.
    ResetPermanentCode {
        /// Common fields.
        header: SuiteHeader,
        /// `AuthCode`.
        auth_code: AuthCode,
    },
    /// `change_contact`: a member, department or tag changed in an authorising corp.
    ChangeContact {
        /// Common fields.
        header: SuiteHeader,
        /// The change.
        change: ContactChange,
    },
    /// An `InfoType` this crate does not know; every field is kept.
    Unknown {
        /// Common fields (`extra` holds the unread fields).
        header: SuiteHeader,
        /// The `InfoType` as sent.
        info_type: String,
        /// Every field of the payload, as received.
        fields: Map<String, Value>,
    },
}

/// Parses the decrypted plaintext (XML or JSON) of a suite instruction callback.
pub fn parse_suite(plaintext: &str) -> Result<SuiteEvent, MessageError> {
    let f = Fields::parse(plaintext)?;
    let info_type = f.required("InfoType")?;
    let suite_id = f.text("SuiteId").unwrap_or_default();
    let time_stamp = f.u64("TimeStamp")?.unwrap_or(0);
    let auth_corp_id = f.text("AuthCorpId");
    let header = |f: &Fields| SuiteHeader {
        suite_id: suite_id.clone(),
        time_stamp,
        auth_corp_id: auth_corp_id.clone(),
        extra: f.unread(),
    };
    let required_code = |f: &Fields| f.required("AuthCode").map(AuthCode);
    Ok(match info_type.as_str() {
        "suite_ticket" => {
            let suite_ticket = SuiteTicket(f.required("SuiteTicket")?);
            SuiteEvent::SuiteTicket {
                header: header(&f),
                suite_ticket,
            }
        }
        "create_auth" => {
            let auth_code = required_code(&f)?;
            let state = f.text("State");
            let extra_info = extra_info(&f);
            SuiteEvent::CreateAuth {
                header: header(&f),
                auth_code,
                state,
                extra_info,
            }
        }
        "change_auth" => {
            let state = f.text("State");
            let extra_info = extra_info(&f);
            SuiteEvent::ChangeAuth {
                header: header(&f),
                state,
                extra_info,
            }
        }
        "cancel_auth" => SuiteEvent::CancelAuth { header: header(&f) },
        "reset_permanent_code" => {
            let auth_code = required_code(&f)?;
            SuiteEvent::ResetPermanentCode {
                header: header(&f),
                auth_code,
            }
        }
        "change_contact" => {
            let change = ContactChange::read(&f)?;
            SuiteEvent::ChangeContact {
                header: header(&f),
                change,
            }
        }
        _ => SuiteEvent::Unknown {
            header: header(&f),
            fields: f.all().clone(),
            info_type,
        },
    })
}

fn extra_info(f: &Fields) -> Option<Value> {
    f.value("ExtraInfo")
        .filter(|v| !matches!(v, Value::String(s) if s.trim().is_empty()))
}

impl SuiteEvent {
    /// The common fields, whatever the variant.
    pub fn header(&self) -> &SuiteHeader {
        match self {
            SuiteEvent::SuiteTicket { header, .. }
            | SuiteEvent::CreateAuth { header, .. }
            | SuiteEvent::ChangeAuth { header, .. }
            | SuiteEvent::CancelAuth { header }
            | SuiteEvent::ResetPermanentCode { header, .. }
            | SuiteEvent::ChangeContact { header, .. }
            | SuiteEvent::Unknown { header, .. } => header,
        }
    }

    /// The wire `InfoType`.
    pub fn info_type(&self) -> &str {
        match self {
            SuiteEvent::SuiteTicket { .. } => "suite_ticket",
            SuiteEvent::CreateAuth { .. } => "create_auth",
            SuiteEvent::ChangeAuth { .. } => "change_auth",
            SuiteEvent::CancelAuth { .. } => "cancel_auth",
            SuiteEvent::ResetPermanentCode { .. } => "reset_permanent_code",
            SuiteEvent::ChangeContact { .. } => "change_contact",
            SuiteEvent::Unknown { info_type, .. } => info_type,
        }
    }
}

impl Normalized for SuiteEvent {
    fn event_type(&self) -> String {
        match self {
            SuiteEvent::ChangeContact { change, .. } => change.event_type("suite"),
            other => format!("suite.{}", type_segment(other.info_type())),
        }
    }

    fn to_normalized_json(&self) -> Value {
        self.normalized_object().build()
    }

    fn write_normalized_json(&self, out: &mut Vec<u8>) {
        self.normalized_object().write(out)
    }

    fn dedup_key(&self) -> String {
        let header = self.header();
        let mut parts = vec![
            header.suite_id.clone(),
            header.auth_corp_id.clone().unwrap_or_default(),
        ];
        match self {
            // Two corps may install in the same second: tell them apart by the code, hashed so
            // the key (stored, logged) does not carry the credential.
            SuiteEvent::CreateAuth { auth_code, .. }
            | SuiteEvent::ResetPermanentCode { auth_code, .. } => {
                parts.push(fingerprint(auth_code.expose()));
            }
            SuiteEvent::ChangeContact { change, .. } => parts.extend(change.dedup_parts()),
            _ => {}
        }
        let mut key = format!(
            "suite:{}:{}",
            type_segment(self.info_type()),
            header.time_stamp
        );
        for part in parts {
            key.push(':');
            key.push_str(&key_part(&part));
        }
        key
    }
}

impl SuiteEvent {
    /// The normalised JSON object, for both forms of [`Normalized`].
    fn normalized_object(&self) -> JsonObject<'_> {
        let header = self.header();
        let mut out = JsonObject::new();
        out.str("suite_id", &header.suite_id);
        out.str("info_type", self.info_type());
        out.num("time_stamp", header.time_stamp);
        out.opt_str("auth_corp_id", header.auth_corp_id.as_ref());
        match self {
            SuiteEvent::CreateAuth {
                state, extra_info, ..
            }
            | SuiteEvent::ChangeAuth {
                state, extra_info, ..
            } => {
                out.opt_str("state", state.as_ref());
                out.opt_value("extra_info", extra_info.clone());
            }
            SuiteEvent::ChangeContact { change, .. } => change.write(&mut out),
            SuiteEvent::Unknown { fields, .. } => {
                out.extra(fields);
                return out;
            }
            SuiteEvent::SuiteTicket { .. }
            | SuiteEvent::CancelAuth { .. }
            | SuiteEvent::ResetPermanentCode { .. } => {}
        }
        out.extra(&header.extra);
        out
    }
}

fn fingerprint(secret: &str) -> String {
    let digest = Sha1::digest(secret.as_bytes());
    hex::encode(&digest[..8])
}
