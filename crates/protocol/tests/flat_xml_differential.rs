//! Differential tests of the flat fast path (`flat_xml`) against the tree parser (`xml::parse`):
//! on generated flat documents, near-flat ones and hostile fragment soup, whenever the fast path
//! answers, the tree parser answers `Ok` with the same tree; and the public readers built on the
//! fast path (`parse_envelope`, `Fields::parse`) give the same result, or the same error, as the
//! tree-based reading they replaced.

use proptest::prelude::*;
use serde_json::Value;
use wxgate_protocol::envelope::{BodyFormat, Envelope, parse_envelope};
use wxgate_protocol::flat_xml;
use wxgate_protocol::message::{Fields, MessageError};
use wxgate_protocol::xml::{self, Limits};

/// Pieces that sit on the edges of the flat subset or of XML itself.
const FRAGMENTS: &[&str] = &[
    "<xml>",
    "</xml>",
    "<A>",
    "</A>",
    "<B>",
    "</B>",
    "<A/>",
    "<A />",
    "<A x=\"1\">",
    "</A >",
    "<a>",
    "<![CDATA[",
    "]]>",
    "]",
    ">",
    "<",
    "&amp;",
    "&lt;",
    "&xxe;",
    "&#x4e2d;",
    "&#0;",
    "&",
    "<!DOCTYPE x>",
    "<!-- c -->",
    "<?xml version=\"1.0\"?>",
    "<?pi x?>",
    " ",
    "\n",
    "\t",
    "\r",
    "\r\n",
    "\u{3000}",
    "\u{a0}",
    "\u{0}",
    "\u{1}",
    "\u{feff}",
    "中",
    "x",
    "1",
    "'",
    "\"",
    "/",
];

fn fragment() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(FRAGMENTS)
}

fn soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(fragment(), 0..40).prop_map(|parts| parts.concat())
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("ToUserName".to_string()),
        Just("Encrypt".to_string()),
        Just("encrypt".to_string()),
        Just("AgentID".to_string()),
        Just("MsgType".to_string()),
        Just("A".to_string()),
        "[A-Za-z_][A-Za-z0-9_]{0,12}",
        "[A-Za-z0-9_.:-]{1,6}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9+/=]{0,40}",
        2 => "\\PC{0,30}",
        3 => "[ \\t\\n]{0,3}[a-z0-9 ]{0,10}[ \\t\\n]{0,3}",
        1 => proptest::collection::vec(fragment(), 0..6).prop_map(|p| p.concat()),
    ]
}

fn content() -> impl Strategy<Value = String> {
    let ws = "[ \\t\\n\\r]{0,2}";
    prop_oneof![
        4 => text(),
        4 => (ws, text(), ws).prop_map(|(a, t, b)| format!("{a}<![CDATA[{t}]]>{b}")),
        1 => (text(), text()).prop_map(|(t, u)| format!("<![CDATA[{t}]]>{u}<![CDATA[x]]>")),
    ]
}

fn leaf() -> impl Strategy<Value = String> {
    let ws = prop_oneof![Just(""), Just("\n"), Just("\t"), Just(" \n"), Just("\r\n")];
    prop_oneof![
        12 => (ws.clone(), name(), content()).prop_map(|(w, n, c)| format!("{w}<{n}>{c}</{n}>")),
        1 => (ws.clone(), name()).prop_map(|(w, n)| format!("{w}<{n}/>")),
        1 => (ws, name(), name(), content()).prop_map(|(w, n, m, c)| format!("{w}<{n}>{c}</{m}>")),
        1 => (name(), name(), content()).prop_map(|(n, m, c)| format!("<{n}><{m}>{c}</{m}></{n}>")),
    ]
}

/// Documents that are flat, or one mistake away from it.
fn near_flat() -> impl Strategy<Value = String> {
    (
        prop_oneof![4 => Just(""), 4 => Just("\n"), 1 => Just(" "), 1 => Just("\u{feff}")],
        prop_oneof![Just("xml"), Just("root")],
        proptest::collection::vec(leaf(), 0..8),
        prop_oneof![4 => Just(""), 4 => Just("\n"), 1 => Just("junk"), 1 => Just("<xml/>")],
    )
        .prop_map(|(before, root, leaves, after)| {
            format!("{before}<{root}>{}</{root}>{after}", leaves.concat())
        })
}

/// The envelope as `parse_envelope` read it before the fast path: from the tree.
fn envelope_from_tree(body: &str) -> Option<Envelope> {
    let root = xml::parse(body, &Limits::default()).ok()?;
    let text = |name: &str| {
        root.child_ignore_case(name)
            .map(|c| c.text.clone())
            .filter(|t| !t.is_empty())
    };
    Some(Envelope {
        to_user_name: text("ToUserName"),
        encrypt: text("Encrypt")?,
        agent_id: text("AgentID"),
    })
}

/// The fields as `Fields::parse` read them before the fast path: the tree's JSON.
fn fields_from_tree(payload: &str) -> Result<serde_json::Map<String, Value>, MessageError> {
    match xml::parse(payload, &Limits::default())?.into_json() {
        Value::Object(map) => Ok(map),
        _ => Ok(serde_json::Map::new()),
    }
}

fn check(input: &str) -> Result<(), TestCaseError> {
    let limits = Limits::default();
    if let Some(flat) = flat_xml::read(input, &limits) {
        prop_assert_eq!(
            xml::parse(input, &limits),
            Ok(flat.to_element()),
            "fast path disagrees with the tree on {:?}",
            input
        );
        for leaf in &flat.leaves {
            let at = |start: usize, part: &str| input.get(start..start + part.len());
            prop_assert_eq!(at(leaf.name_at, leaf.name), Some(leaf.name));
            prop_assert_eq!(at(leaf.text_at, leaf.text), Some(leaf.text));
        }
    }
    if input.trim_start().starts_with('<') {
        match (parse_envelope(input), envelope_from_tree(input)) {
            (Ok((fast, format)), Some(tree)) => {
                prop_assert_eq!(format, BodyFormat::Xml);
                prop_assert_eq!(fast, tree, "envelope of {:?}", input);
            }
            (Err(e), None) => prop_assert_eq!(e.code(), -40002, "{:?}", input),
            (fast, tree) => {
                prop_assert!(false, "envelope of {:?}: {:?} vs {:?}", input, fast, tree)
            }
        }
    }
    let trimmed = input.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if trimmed.starts_with('<') {
        prop_assert_eq!(
            Fields::parse(input).map(|f| f.all().clone()),
            fields_from_tree(trimmed),
            "fields of {:?}",
            input
        );
        if let Ok(fields) = Fields::parse(input) {
            same_accessors(&fields, &Fields::from_map(fields.all().clone()), input)?;
        }
    }
    Ok(())
}

/// Every accessor answers the same on `fast` (possibly held flat) and `map` (held as a map),
/// and the same fields are left unread after the same reads.
fn same_accessors(fast: &Fields, map: &Fields, input: &str) -> Result<(), TestCaseError> {
    let mut keys: Vec<String> = map.all().keys().cloned().collect();
    keys.extend(["ToUserName", "encrypt", "AGENTID", "a", "Missing"].map(String::from));
    keys.extend(map.all().keys().map(|k| k.to_ascii_uppercase()));
    for (i, key) in keys.iter().enumerate() {
        // The accessors that name a field in their errors take a 'static key: leak it (a test).
        let key: &'static str = Box::leak(key.clone().into_boxed_str());
        let (a, b) = (fast, map);
        prop_assert_eq!(a.text(key), b.text(key), "text({}) of {:?}", key, input);
        prop_assert_eq!(a.verbatim(key), b.verbatim(key));
        prop_assert_eq!(a.u64(key), b.u64(key));
        prop_assert_eq!(a.i64(key), b.i64(key));
        prop_assert_eq!(format!("{:?}", a.f64(key)), format!("{:?}", b.f64(key)));
        prop_assert_eq!(a.u32_list(key), b.u32_list(key));
        prop_assert_eq!(a.string_list(key), b.string_list(key));
        prop_assert_eq!(a.value(key), b.value(key));
        prop_assert_eq!(a.get(key), b.get(key));
        prop_assert_eq!(
            a.nested(key).map(|f| f.all().clone()),
            b.nested(key).map(|f| f.all().clone())
        );
        if i % 2 == 0 {
            prop_assert_eq!(fast.unread(), map.unread(), "unread after {}", key);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn near_flat_documents_read_the_same(input in near_flat()) {
        check(&input)?;
    }

    #[test]
    fn fragment_soup_reads_the_same(input in soup()) {
        check(&input)?;
    }

    #[test]
    fn soup_inside_a_root_reads_the_same(inner in soup()) {
        check(&format!("<xml>{inner}</xml>"))?;
    }
}

#[test]
fn the_fast_path_takes_the_usual_callback_documents() {
    let limits = Limits::default();
    for doc in [
        // WeCom envelope (official Sample.cpp), a text message, a change_contact event.
        "<xml>\t<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypE==]]></Encrypt>\n\t<AgentID><![CDATA[218]]></AgentID>\n\t</xml>",
        "<xml><ToUserName><![CDATA[ww1]]></ToUserName>\n<FromUserName><![CDATA[zhangsan]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>",
        "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>update_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><Department><![CDATA[1,2,3]]></Department></xml>",
        // The official suite_ticket sample, with its stray space before the CDATA.
        "<xml>\n<SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId>\n<InfoType> <![CDATA[suite_ticket]]></InfoType>\n<TimeStamp>1403610513</TimeStamp>\n<SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket>\n</xml>",
    ] {
        let flat = flat_xml::read(doc, &limits).expect(doc);
        assert_eq!(xml::parse(doc, &limits), Ok(flat.to_element()));
        check(doc).unwrap();
    }
}

#[test]
fn hostile_documents_are_left_to_the_tree_parser_and_refused_by_it() {
    let limits = Limits::default();
    let many = format!("<xml>{}</xml>", "<A>1</A>".repeat(60_000));
    let big = format!("<xml><A>{}</A></xml>", "a".repeat(3 * 1024 * 1024));
    for doc in [
        r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><xml><Encrypt>&lol;</Encrypt></xml>"#,
        "<xml><Encrypt>&xxe;</Encrypt></xml>",
        "<xml><Encrypt>a</Encrypt></xml><xml/>",
        "<xml><Encrypt>a</Encrypt></xml>junk",
        "<xml><Encrypt>a</Encrypt>",
        "<xml><Encrypt><![CDATA[a</Encrypt></xml>",
        many.as_str(),
        big.as_str(),
    ] {
        assert_eq!(flat_xml::read(doc, &limits), None, "{:.80}", doc);
        assert!(xml::parse(doc, &limits).is_err(), "{:.80}", doc);
        assert_eq!(parse_envelope(doc).unwrap_err().code(), -40002);
        assert!(matches!(Fields::parse(doc), Err(MessageError::Xml(_))));
    }
}

#[test]
fn the_generated_near_flat_documents_often_take_the_fast_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = near_flat();
    let (mut fast, total) = (0, 2000);
    for _ in 0..total {
        let input = strategy.new_tree(&mut runner).unwrap().current();
        if flat_xml::read(&input, &Limits::default()).is_some() {
            fast += 1;
        }
    }
    // The differential property above means something only if both paths are exercised.
    assert!(
        fast * 10 > total,
        "only {fast} of {total} took the fast path"
    );
    assert!(
        fast * 10 < total * 9,
        "{fast} of {total} took the fast path"
    );
}
