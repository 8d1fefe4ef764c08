//! Decryption of attacker-chosen ciphertext must never panic: both as text (the `Encrypt`
//! field as received) and as raw bytes behind valid base64 (so the AES, padding, length and
//! UTF-8 checks are reached), and a successful decryption must re-encrypt consistently.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use wxgate_protocol::crypto::{AesKey, decrypt, encrypt};

fuzz_target!(|data: &[u8]| {
    let key = AesKey::from_encoding_aes_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
        .expect("valid sample key");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decrypt(&key, text);
        let _ = AesKey::from_encoding_aes_key(text);
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    if let Ok(payload) = decrypt(&key, &b64) {
        let again = encrypt(&key, &[0; 16], &payload.message, &payload.receive_id);
        let round = decrypt(&key, &again).expect("our own ciphertext decrypts");
        assert_eq!(round, payload);
    }
});
