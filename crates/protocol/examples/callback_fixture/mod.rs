//! The ~1 KB WeCom text callback shared by `benches/callback.rs` and `examples/callback_loop.rs`,
//! and the three per-callback paths they measure.

// Each user (the bench, the example) runs only some of the paths.
#![allow(dead_code)]

use std::hint::black_box;

use wxgate_protocol::callback::{CallbackCrypto, MsgSignatureParam, Opened};
use wxgate_protocol::crypto::KeySlot;
use wxgate_protocol::message::{Normalized, parse_wecom};
use wxgate_protocol::signature::msg_signature;

/// The WeCom sample token.
pub const TOKEN: &str = "QDG6eK";
/// The WeCom sample EncodingAESKey.
pub const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
/// The WeCom sample corp id.
pub const CORP: &str = "wx5823bf96d3bd56c7";

/// A short passive text reply.
pub const REPLY: &str = "<xml><ToUserName><![CDATA[zhangsan]]></ToUserName><FromUserName><![CDATA[wx5823bf96d3bd56c7]]></FromUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到，谢谢！]]></Content></xml>";

/// One encrypted callback, ready to open.
pub struct Fixture {
    pub crypto: CallbackCrypto,
    pub timestamp: &'static str,
    pub nonce: &'static str,
    pub plaintext: String,
    pub encrypt: String,
    pub body: String,
    pub signature: String,
}

impl Fixture {
    /// A WeCom text message whose encrypted POST body is about 1 KB.
    pub fn new() -> Fixture {
        let crypto = CallbackCrypto::single(TOKEN, KEY, CORP).unwrap();
        let (timestamp, nonce) = ("1409659813", "1372623149");
        let content =
            "会议改到下午三点，请大家准时参加。Meeting moved to 3pm, please be on time. ".repeat(3);
        let plaintext = format!(
            "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>\n<FromUserName><![CDATA[zhangsan]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{content}]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>1000002</AgentID>\n</xml>"
        );
        let sealed = crypto.seal(&plaintext, timestamp, nonce, KeySlot::Current, &[7; 16]);
        let body = format!(
            "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>",
            sealed.encrypt
        );
        let signature = msg_signature(TOKEN, timestamp, nonce, &sealed.encrypt).to_hex();
        Fixture {
            crypto,
            timestamp,
            nonce,
            plaintext,
            encrypt: sealed.encrypt,
            body,
            signature,
        }
    }

    /// (a) The whole POST body through `CallbackCrypto::open`.
    pub fn open(&self) -> Opened {
        self.crypto
            .open(
                MsgSignatureParam(&self.signature),
                self.timestamp,
                self.nonce,
                black_box(&self.body),
            )
            .unwrap()
    }

    /// (p) (a) + the typed parse: verify + decrypt + parse, the "< 3 µs" path.
    pub fn open_parse(&self) -> wxgate_protocol::message::WecomMessage {
        let opened = self.open();
        parse_wecom(&opened.plaintext).unwrap()
    }

    /// (b) (a) + typed parse + what the gateway derives from it.
    pub fn open_parse_normalize(&self) -> (String, String, serde_json::Value) {
        let opened = self.open();
        let message = parse_wecom(&opened.plaintext).unwrap();
        (
            message.event_type(),
            message.dedup_key(),
            message.to_normalized_json(),
        )
    }

    /// (c) Encrypt + sign a reply and render the XML answer.
    pub fn seal_to_xml(&self) -> String {
        self.crypto
            .seal(
                black_box(REPLY),
                self.timestamp,
                self.nonce,
                KeySlot::Current,
                &[9; 16],
            )
            .to_xml()
    }
}
