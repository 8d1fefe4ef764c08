//! Any body a callback URL may receive: the envelope parser must return, never panic, and an
//! envelope it accepts must go through the whole open path without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxgate_protocol::callback::{CallbackCrypto, MsgSignatureParam};
use wxgate_protocol::envelope::parse_envelope;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((envelope, _)) = parse_envelope(body) {
        assert!(!envelope.encrypt.is_empty());
        let crypto = CallbackCrypto::single(
            "QDG6eK",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
            "wx5823bf96d3bd56c7",
        )
        .expect("valid sample configuration");
        let _ = crypto.open(MsgSignatureParam("0"), "1", "2", body);
    }
});
