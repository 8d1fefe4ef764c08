//! Every typed-message parser on arbitrary input: each must return, never panic, and whatever
//! it accepts must normalise to JSON and give an event type and a dedup key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxgate_protocol::message::{Normalized, parse_mini, parse_mp, parse_suite, parse_wecom};

fn exercise(message: &impl Normalized) {
    let _ = message.event_type();
    let _ = message.to_normalized_json();
    let _ = message.dedup_key();
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = parse_wecom(text) {
        exercise(&m);
    }
    if let Ok(m) = parse_suite(text) {
        exercise(&m);
    }
    if let Ok(m) = parse_mp(text) {
        exercise(&m);
    }
    if let Ok(m) = parse_mini(text) {
        exercise(&m);
    }
});
