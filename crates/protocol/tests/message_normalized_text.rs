//! The normalised JSON written as text (`Normalized::write_normalized_json`, the callback hot
//! path) is byte for byte what serialising `Normalized::to_normalized_json` gives, for every
//! parser and any mix of known, repeated and unknown fields.

use proptest::prelude::*;
use wxgate_protocol::message::{Normalized, parse_mini, parse_mp, parse_suite, parse_wecom};

/// Both forms of `message`'s normalised JSON: (written text, serialised `Value`).
fn both(message: &impl Normalized) -> (String, String) {
    let mut text = Vec::new();
    message.write_normalized_json(&mut text);
    let text = String::from_utf8(text).expect("UTF-8");
    let value = serde_json::to_string(&message.to_normalized_json()).expect("serialises");
    (text, value)
}

/// Parses `payload` with every parser and checks the two forms agree wherever one parses it;
/// returns how many parsers did.
fn check(payload: &str) -> usize {
    let mut parsed = 0;
    if let Ok(m) = parse_wecom(payload) {
        let (text, value) = both(&m);
        assert_eq!(text, value, "wecom: {payload}");
        parsed += 1;
    }
    if let Ok(m) = parse_mp(payload) {
        let (text, value) = both(&m);
        assert_eq!(text, value, "mp: {payload}");
        parsed += 1;
    }
    if let Ok(m) = parse_mini(payload) {
        let (text, value) = both(&m);
        assert_eq!(text, value, "mini: {payload}");
        parsed += 1;
    }
    if let Ok(m) = parse_suite(payload) {
        let (text, value) = both(&m);
        assert_eq!(text, value, "suite: {payload}");
        parsed += 1;
    }
    parsed
}

fn xml(fields: &[(&str, &str)]) -> String {
    let mut out = String::from("<xml>");
    for (name, value) in fields {
        out.push_str(&format!("<{name}><![CDATA[{value}]]></{name}>"));
    }
    out.push_str("</xml>");
    out
}

#[test]
fn samples_of_every_kind_agree() {
    let header = [
        ("ToUserName", "ww1"),
        ("FromUserName", "zhangsan"),
        ("CreateTime", "1409659813"),
    ];
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("MsgType", "text"),
            ("Content", "你好 \"quoted\" \\ \n"),
            ("MsgId", "4561255354251345929"),
            ("AgentID", "218"),
        ],
        vec![
            ("MsgType", "location"),
            ("Location_X", "23.134521"),
            ("Location_Y", "113.358803"),
            ("Scale", "20"),
            ("Label", "x"),
        ],
        vec![
            ("MsgType", "event"),
            ("Event", "change_contact"),
            ("ChangeType", "create_user"),
            ("UserID", "u1"),
            ("Department", "1,2,3"),
            ("Brand-New", "x"),
        ],
        vec![
            ("MsgType", "event"),
            ("Event", "change_contact"),
            ("ChangeType", "update_tag"),
            ("TagId", "1"),
            ("AddUserItems", "a,b"),
        ],
        vec![
            ("MsgType", "event"),
            ("Event", "subscribe"),
            ("EventKey", "qrscene_1"),
            ("Ticket", "t"),
        ],
        vec![
            ("MsgType", "event"),
            ("Event", "user_enter_tempsession"),
            ("SessionFrom", "s"),
        ],
        vec![
            ("MsgType", "event"),
            ("Event", "template_card_event"),
            ("EventKey", "k"),
            ("TaskId", "t"),
        ],
        vec![
            ("MsgType", "brand_new_type"),
            ("Whatever", "1"),
            ("extra", "clash"),
        ],
    ];
    for fields in cases {
        let all: Vec<(&str, &str)> = header.iter().copied().chain(fields).collect();
        assert!(check(&xml(&all)) > 0, "no parser took {all:?}");
    }
    let suite = xml(&[
        ("SuiteId", "ss1"),
        ("InfoType", "create_auth"),
        ("TimeStamp", "1403610513"),
        ("AuthCode", "code"),
        ("State", "st"),
        ("Unexpected", "u"),
    ]);
    assert!(check(&suite) > 0);
    let unknown_suite = xml(&[
        ("SuiteId", "ss1"),
        ("InfoType", "brand_new"),
        ("TimeStamp", "1"),
        ("Other", "o"),
    ]);
    assert!(check(&unknown_suite) > 0);
    let json = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"text","Content":"hi","MsgId":7}"#;
    assert!(check(json) > 0);
}

fn field() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        Just("MsgType".to_owned()),
        Just("Event".to_owned()),
        Just("Content".to_owned()),
        Just("MsgId".to_owned()),
        Just("AgentID".to_owned()),
        Just("EventKey".to_owned()),
        Just("ChangeType".to_owned()),
        Just("UserID".to_owned()),
        Just("Department".to_owned()),
        Just("InfoType".to_owned()),
        Just("SuiteId".to_owned()),
        Just("TimeStamp".to_owned()),
        Just("extra".to_owned()),
        "[A-Za-z_][A-Za-z0-9_]{0,10}",
    ];
    let value = prop_oneof![
        Just("text".to_owned()),
        Just("event".to_owned()),
        Just("change_contact".to_owned()),
        Just("create_user".to_owned()),
        Just("create_auth".to_owned()),
        Just("1,2".to_owned()),
        "[0-9]{1,20}",
        "[^\\]<>&]{0,20}",
    ];
    (name, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn written_text_equals_the_serialised_value(fields in proptest::collection::vec(field(), 0..10)) {
        let mut all = vec![
            ("ToUserName".to_owned(), "ww1".to_owned()),
            ("FromUserName".to_owned(), "u".to_owned()),
            ("CreateTime".to_owned(), "1".to_owned()),
        ];
        all.extend(fields);
        let borrowed: Vec<(&str, &str)> = all.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        check(&xml(&borrowed));
    }
}
