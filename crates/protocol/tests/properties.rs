//! Property tests: encryption round-trips for any message and receive id, and nothing panics on
//! arbitrary input.

use proptest::prelude::*;
use wxgate_protocol::callback::{CallbackCrypto, MsgSignatureParam};
use wxgate_protocol::crypto::{AesKey, KeySlot, decrypt, encrypt};
use wxgate_protocol::envelope::parse_envelope;
use wxgate_protocol::signature::{Signature, msg_signature};

fn receive_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("wx5823bf96d3bd56c7".to_string()),
        Just("企业微信服务商套件".to_string()),
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn encrypt_then_decrypt_is_identity(
        key in any::<[u8; 32]>(),
        random in any::<[u8; 16]>(),
        msg in "\\PC{0,300}|[\\u{4e00}-\\u{9fff}]{0,100}|<xml>.{0,200}</xml>",
        id in receive_id(),
    ) {
        let key = AesKey::from_bytes(key);
        let ct = encrypt(&key, &random, &msg, &id);
        let payload = decrypt(&key, &ct).unwrap();
        prop_assert_eq!(payload.message, msg);
        prop_assert_eq!(payload.receive_id, id);
    }

    #[test]
    fn canonical_base64_of_a_key_decodes_back_when_alphanumeric(key in any::<[u8; 32]>()) {
        use base64::Engine as _;
        let mut text = base64::engine::general_purpose::STANDARD.encode(key);
        text.pop();
        let parsed = AesKey::from_encoding_aes_key(&text);
        if text.bytes().all(|c| c.is_ascii_alphanumeric()) {
            prop_assert_eq!(parsed.unwrap(), AesKey::from_bytes(key));
        } else {
            prop_assert_eq!(parsed.unwrap_err().code(), -40004);
        }
    }

    #[test]
    fn any_43_alphanumeric_characters_are_a_key(text in "[A-Za-z0-9]{43}") {
        prop_assert!(AesKey::from_encoding_aes_key(&text).is_ok());
    }

    #[test]
    fn decrypt_never_panics_on_strings(s in "\\PC{0,200}") {
        let _ = decrypt(&AesKey::from_bytes([1; 32]), &s);
    }

    #[test]
    fn decrypt_never_panics_on_base64_of_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        use base64::Engine as _;
        let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let _ = decrypt(&AesKey::from_bytes([1; 32]), &text);
    }

    #[test]
    fn envelope_parser_never_panics(s in "\\PC{0,300}") {
        let _ = parse_envelope(&s);
    }

    #[test]
    fn seal_then_open_round_trips(
        msg in "\\PC{0,200}",
        timestamp in "[0-9]{1,12}",
        nonce in "[0-9A-Za-z]{0,16}",
        random in any::<[u8; 16]>(),
    ) {
        let crypto = CallbackCrypto::single("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7").unwrap();
        let reply = crypto.seal(&msg, &timestamp, &nonce, KeySlot::Current, &random);
        for body in [reply.to_xml(), reply.to_wecom_json(), reply.to_mp_json()] {
            let opened = crypto
                .open(MsgSignatureParam(&reply.msg_signature.to_hex()), &timestamp, &nonce, &body)
                .unwrap();
            prop_assert_eq!(&opened.plaintext, &msg);
        }
    }

    #[test]
    fn signature_is_order_independent(a in "\\PC{0,20}", b in "\\PC{0,20}", c in "\\PC{0,20}", d in "\\PC{0,20}") {
        prop_assert_eq!(msg_signature(&a, &b, &c, &d), msg_signature(&d, &c, &b, &a));
        let sig = msg_signature(&a, &b, &c, &d);
        prop_assert!(sig.verify(&sig.to_hex().to_uppercase()));
        prop_assert_eq!(sig.to_hex().parse::<Signature>().unwrap(), sig);
    }
}
