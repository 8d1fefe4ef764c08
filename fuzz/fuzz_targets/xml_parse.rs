//! The bounded XML reader on arbitrary input: it must return, never panic, and whatever it
//! accepts must convert to JSON. Its flat fast path (`flat_xml`) must never panic either, and
//! whenever it reads a document, the tree parser must read the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxgate_protocol::{flat_xml, xml};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = xml::Limits::default();
    let tree = xml::parse(text, &limits);
    if let Some(flat) = flat_xml::read(text, &limits) {
        assert_eq!(tree.as_ref(), Ok(&flat.to_element()), "{text:?}");
    }
    if let Ok(element) = tree {
        let _ = element.to_json();
    }
});
