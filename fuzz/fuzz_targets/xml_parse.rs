//! The bounded XML reader on arbitrary input: it must return, never panic, and whatever it
//! accepts must convert to JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxgate_protocol::xml;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(element) = xml::parse(text, &xml::Limits::default()) {
        let _ = element.to_json();
    }
});
