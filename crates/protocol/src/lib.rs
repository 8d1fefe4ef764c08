//! # wxgate-protocol
//!
//! The pure protocol layer of wxgate: everything WeChat and WeCom define on the wire, with no I/O
//! and no async, so it can be used as a plain library and tested byte for byte against Tencent's
//! own samples.
//!
//! | module | what it is |
//! |---|---|
//! | [`callback`] | the facade: verify, decrypt and encrypt the callbacks of one URL ([`callback::CallbackCrypto`]) |
//! | [`crypto`] | `WXBizMsgCrypt` itself: [`crypto::AesKey`], encrypt/decrypt, key rotation, receive ids |
//! | [`signature`] | SHA-1 signatures: `msg_signature`, plaintext `signature`, JS-SDK |
//! | [`envelope`] | encrypted callback bodies (XML/JSON) and encrypted replies |
//! | [`message`] | typed messages and events of every callback kind, normalised to JSON |
//! | [`reply`] | passive replies (text, image, news, …) |
//! | [`miniprogram`] | Mini Program open data: `rawData` signature, `encryptedData` |
//! | [`error`] | [`error::CryptoError`], the official −40001…−40011 codes |
//! | [`xml`] | the safe, bounded XML reader every XML goes through |
//! | [`flat_xml`] | its fast path for flat documents (a root of leaves), falling back to [`xml`] |

pub mod callback;
pub mod crypto;
pub mod envelope;
pub mod error;
pub mod flat_xml;
pub mod message;
pub mod miniprogram;
pub mod reply;
pub mod signature;
pub mod xml;
