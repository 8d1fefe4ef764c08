//! Hostile and malformed input: every parser returns a typed error and never panics.

use proptest::prelude::*;
use wxgate_protocol::message::{MessageError, parse_mini, parse_mp, parse_suite, parse_wecom};
use wxgate_protocol::xml::XmlError;

type Parser = fn(&str) -> Result<(), MessageError>;

const PARSERS: [(&str, Parser); 4] = [
    ("wecom", |s| parse_wecom(s).map(drop)),
    ("suite", |s| parse_suite(s).map(drop)),
    ("mp", |s| parse_mp(s).map(drop)),
    ("mini", |s| parse_mini(s).map(drop)),
];

#[test]
fn doctype_and_entity_tricks_are_refused() {
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><ToUserName>&lol2;</ToUserName><MsgType>text</MsgType><InfoType>x</InfoType></xml>"#;
    let xxe = r#"<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>"#;
    for (name, parse) in PARSERS {
        assert_eq!(
            parse(bomb),
            Err(MessageError::Xml(XmlError::DocType)),
            "{name}"
        );
        assert_eq!(
            parse(xxe),
            Err(MessageError::Xml(XmlError::DocType)),
            "{name}"
        );
        assert_eq!(
            parse("<xml><ToUserName>&xxe;</ToUserName></xml>"),
            Err(MessageError::Xml(XmlError::UnknownEntity("xxe".into()))),
            "{name}"
        );
    }
}

#[test]
fn huge_and_deep_inputs_are_refused() {
    let huge_xml = format!(
        "<xml><ToUserName>t</ToUserName><MsgType>text</MsgType><InfoType>x</InfoType><Content>{}</Content></xml>",
        "a".repeat(3 * 1024 * 1024)
    );
    let huge_json = format!(
        r#"{{"ToUserName":"t","MsgType":"text","InfoType":"x","Content":"{}"}}"#,
        "a".repeat(3 * 1024 * 1024)
    );
    let deep_xml = "<a>".repeat(100) + &"</a>".repeat(100);
    let deep_json = "[".repeat(10_000) + &"]".repeat(10_000);
    for (name, parse) in PARSERS {
        assert!(
            matches!(
                parse(&huge_xml),
                Err(MessageError::Xml(XmlError::TooLarge { .. }))
            ),
            "{name}"
        );
        assert!(
            matches!(parse(&huge_json), Err(MessageError::TooLarge { .. })),
            "{name}"
        );
        assert!(
            matches!(
                parse(&deep_xml),
                Err(MessageError::Xml(XmlError::TooDeep(_)))
            ),
            "{name}"
        );
        // serde_json's recursion limit turns this into an error, not a stack overflow.
        assert!(
            matches!(parse(&deep_json), Err(MessageError::Json(_))),
            "{name}"
        );
    }
}

#[test]
fn wrong_shapes_are_refused() {
    for (name, parse) in PARSERS {
        assert_eq!(
            parse(r#"[{"ToUserName":"t"}]"#),
            Err(MessageError::NotAnObject("an array")),
            "{name}"
        );
        assert_eq!(parse(""), Err(MessageError::UnknownFormat), "{name}");
        assert_eq!(parse("success"), Err(MessageError::UnknownFormat), "{name}");
        assert!(
            matches!(parse("{\"ToUserName\":"), Err(MessageError::Json(_))),
            "{name}"
        );
        assert!(
            matches!(parse("<xml><a></b></xml>"), Err(MessageError::Xml(_))),
            "{name}"
        );
        // An empty document has no routing fields.
        assert!(
            matches!(parse("<xml></xml>"), Err(MessageError::MissingField(_))),
            "{name}"
        );
        assert!(
            matches!(parse("{}"), Err(MessageError::MissingField(_))),
            "{name}"
        );
    }
}

#[test]
fn errors_say_what_to_do() {
    let err = parse_wecom("<xml><ToUserName>t</ToUserName></xml>").unwrap_err();
    assert!(err.to_string().contains("MsgType"));
    let err = parse_mini("[]").unwrap_err();
    assert!(err.to_string().contains("JSON object"));
}

fn payload_like() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("ToUserName"),
        Just("FromUserName"),
        Just("CreateTime"),
        Just("MsgType"),
        Just("Event"),
        Just("InfoType"),
        Just("ChangeType"),
        Just("Id"),
        Just("TagId"),
        Just("UserID"),
        Just("AuthCode"),
        Just("SuiteTicket"),
        Just("Department"),
        Just("SelectedItems"),
        Just("BatchJob"),
        Just("Location_X"),
    ];
    let value = prop_oneof![
        Just("text".to_owned()),
        Just("event".to_owned()),
        Just("change_contact".to_owned()),
        Just("create_user".to_owned()),
        Just("update_tag".to_owned()),
        Just("template_card_event".to_owned()),
        Just("batch_job_result".to_owned()),
        Just("location".to_owned()),
        Just("suite_ticket".to_owned()),
        Just("create_auth".to_owned()),
        Just("1,2,x".to_owned()),
        Just("<SelectedItem><OptionIds/></SelectedItem>".to_owned()),
        "[0-9]{1,25}",
        "[ -~]{0,12}",
    ];
    prop::collection::vec((field, value), 0..12).prop_map(|pairs| {
        let body: String = pairs
            .iter()
            .map(|(k, v)| format!("<{k}>{v}</{k}>"))
            .collect();
        format!("<xml>{body}</xml>")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        for (_, parse) in PARSERS {
            let _ = parse(&input);
        }
    }

    #[test]
    fn arbitrary_json_never_panics(input in "\\{[\"A-Za-z:,0-9\\[\\]{} ]{0,80}\\}") {
        for (_, parse) in PARSERS {
            let _ = parse(&input);
        }
    }

    #[test]
    fn payload_shaped_xml_never_panics(input in payload_like()) {
        for (_, parse) in PARSERS {
            let _ = parse(&input);
        }
    }
}
