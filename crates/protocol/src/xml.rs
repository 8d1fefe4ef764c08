//! Safe, bounded reading of the small XML documents WeChat and WeCom exchange.
//!
//! Every callback body and every decrypted payload passes through here, and callback URLs are
//! public: the reader must hold against hostile input. It therefore
//!
//! * refuses any `<!DOCTYPE …>` — no DTD, so no custom entities, so no entity expansion ever;
//! * resolves only the five predefined entities and character references, and refuses any other;
//! * caps the input size, the nesting depth and the number of elements;
//! * never panics (fuzzed by `fuzz/fuzz_targets/xml_parse.rs`).
//!
//! The result is a small tree of [`Element`]s. Text is normalised the way the platforms' own
//! parsers behave: within an element that carries CDATA, whitespace-only text around the CDATA
//! is dropped (the official suite_ticket sample has `<InfoType> <![CDATA[suite_ticket]]></InfoType>`),
//! and plain text without CDATA is trimmed. CDATA content itself is kept verbatim.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// Bounds applied while reading a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted element nesting (the root is depth 1).
    pub max_depth: usize,
    /// Most elements accepted in one document.
    pub max_elements: usize,
}

impl Default for Limits {
    /// 2 MiB, depth 32, 50 000 elements: far above any real callback, far below harm.
    fn default() -> Self {
        Limits {
            max_bytes: 2 * 1024 * 1024,
            max_depth: 32,
            max_elements: 50_000,
        }
    }
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The input is larger than [`Limits::max_bytes`].
    #[error("XML document is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The document declares a DTD; refused so that no entity is ever expanded.
    #[error("XML document declares a DOCTYPE; DTDs and custom entities are refused")]
    DocType,
    /// An entity other than the five predefined ones or a character reference.
    #[error("XML document uses the undeclared entity `&{0};`")]
    UnknownEntity(String),
    /// Elements nest deeper than [`Limits::max_depth`].
    #[error("XML elements nest deeper than {0} levels")]
    TooDeep(usize),
    /// More elements than [`Limits::max_elements`].
    #[error("XML document has more than {0} elements")]
    TooManyElements(usize),
    /// There is no root element.
    #[error("XML document has no root element")]
    NoRoot,
    /// Something follows the root element (a second root, or text).
    #[error("XML document has content after its root element")]
    TrailingContent,
    /// The document is not well-formed.
    #[error("XML is not well-formed: {0}")]
    Malformed(String),
}

/// One element: its name, its normalised text and its child elements, in document order.
///
/// Attributes are not kept: none of the platforms' payloads use them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The element's name as written (e.g. `ToUserName`).
    pub name: String,
    /// The element's own text (CDATA and plain text, normalised as the module doc says).
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name` (exact, case-sensitive).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The first child whose name equals `name` ignoring ASCII case.
    pub fn child_ignore_case(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The text of the first child named `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// The element as JSON: a leaf becomes its text (a string), an element with children an
    /// object keyed by child name, with repeated names gathered into an array in order.
    /// Nothing is dropped, so an unknown payload can be forwarded whole.
    pub fn to_json(&self) -> serde_json::Value {
        self.clone().into_json()
    }

    /// Like [`Element::to_json`], but consumes the element and moves its names and texts into
    /// the JSON instead of copying them (the callback path parses a payload only to do this).
    pub fn into_json(self) -> serde_json::Value {
        use serde_json::{Map, Value};
        if self.children.is_empty() {
            return Value::String(self.text);
        }
        let mut map = Map::new();
        for mut child in self.children {
            let name = std::mem::take(&mut child.name);
            let value = child.into_json();
            insert_gathering(&mut map, name, value);
        }
        Value::Object(map)
    }
}

/// Inserts a child's JSON under its name as [`Element::into_json`] does: a repeated name
/// gathers its values into an array, in order. Shared with the flat fast path
/// ([`crate::flat_xml`]) so that both build the same JSON.
pub(crate) fn insert_gathering(
    map: &mut serde_json::Map<String, serde_json::Value>,
    name: String,
    value: serde_json::Value,
) {
    use serde_json::Value;
    match map.get_mut(&name) {
        None => {
            map.insert(name, value);
        }
        // A child's own JSON is never an array, so an array here is one we gathered.
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

/// Parses `input` into its root [`Element`], within `limits`.
pub fn parse(input: &str, limits: &Limits) -> Result<Element, XmlError> {
    if input.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: input.len(),
            limit: limits.max_bytes,
        });
    }
    let mut reader = Reader::from_str(input);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;

    // Open elements, each with its text as read so far.
    let mut stack: Vec<(Element, TextBuilder)> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;

    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        match event {
            Event::Eof => break,
            Event::DocType(_) => return Err(XmlError::DocType),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(XmlError::TrailingContent);
            }
            Event::Start(start) => {
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XmlError::TooManyElements(limits.max_elements));
                }
                if stack.len() + 1 > limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                let name = start.name().as_ref().to_owned();
                stack.push((
                    Element {
                        name,
                        ..Element::default()
                    },
                    TextBuilder::default(),
                ));
            }
            Event::Empty(start) => {
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XmlError::TooManyElements(limits.max_elements));
                }
                if stack.len() + 1 > limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                let element = Element {
                    name: start.name().as_ref().to_owned(),
                    ..Element::default()
                };
                attach(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                let (mut element, text) = stack
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unexpected closing tag".into()))?;
                element.text = text.finish();
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                let content = text.xml10_content();
                match stack.last_mut() {
                    // Leading whitespace is dropped by `TextBuilder::finish` in every case; not
                    // storing it saves an allocation per indented child element.
                    Some((_, text)) if text.is_empty() && content.trim().is_empty() => {}
                    Some((_, text)) => text.push_plain(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(outside_root(root.is_some())),
                }
            }
            Event::CData(cdata) => match stack.last_mut() {
                Some((_, text)) => text.push_cdata(cdata.into_inner()),
                None => return Err(outside_root(root.is_some())),
            },
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => {
                        let name = reference.xml10_content();
                        resolve_predefined_entity(&name)
                            .ok_or_else(|| XmlError::UnknownEntity(name.clone().into_owned()))?
                            .to_owned()
                    }
                    Err(e) => return Err(XmlError::Malformed(e.to_string())),
                };
                match stack.last_mut() {
                    Some((_, text)) => text.push_plain(&resolved),
                    None => return Err(outside_root(root.is_some())),
                }
            }
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed(format!(
            "element <{}> is not closed",
            stack.last().map(|(e, _)| e.name.as_str()).unwrap_or("")
        )));
    }
    root.ok_or(XmlError::NoRoot)
}

fn outside_root(after_root: bool) -> XmlError {
    if after_root {
        XmlError::TrailingContent
    } else {
        XmlError::Malformed("text before the root element".into())
    }
}

/// An open element's text, normalised as it is read (see the module doc): plain runs between
/// CDATA sections are trimmed (whitespace-only runs vanish), CDATA is kept verbatim, and text
/// without any CDATA is trimmed as a whole. Built in place, so that the common element — one
/// CDATA section or one plain run — costs one allocation.
#[derive(Default)]
struct TextBuilder {
    /// Finished text: CDATA sections and the trimmed plain runs before them.
    done: String,
    /// The plain run being read (text and references since the last CDATA section).
    plain: String,
    /// Whether a CDATA section was seen, which changes how plain runs are normalised.
    cdata: bool,
}

impl TextBuilder {
    fn is_empty(&self) -> bool {
        !self.cdata && self.plain.is_empty()
    }

    /// Appends plain text, merging with the preceding plain text so that `a&amp;b` stays one run.
    fn push_plain(&mut self, text: &str) {
        self.plain.push_str(text);
    }

    fn push_cdata(&mut self, text: std::borrow::Cow<'_, str>) {
        self.flush_plain();
        if self.done.is_empty() {
            self.done = text.into_owned();
        } else {
            self.done.push_str(&text);
        }
        self.cdata = true;
    }

    fn flush_plain(&mut self) {
        let trimmed = self.plain.trim();
        if !trimmed.is_empty() {
            self.done.push_str(trimmed);
        }
        self.plain.clear();
    }

    fn finish(mut self) -> String {
        if self.cdata {
            self.flush_plain();
            return self.done;
        }
        let trimmed = self.plain.trim();
        if trimmed.len() == self.plain.len() {
            self.plain
        } else {
            trimmed.to_owned()
        }
    }
}

fn attach(stack: &mut [(Element, TextBuilder)], root: &mut Option<Element>, e: Element) {
    match stack.last_mut() {
        Some((parent, _)) => parent.children.push(e),
        None => *root = Some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Element, XmlError> {
        parse(s, &Limits::default())
    }

    #[test]
    fn reads_the_official_suite_ticket_sample_with_its_stray_space() {
        let doc = p("<xml>\n<SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId>\n<InfoType> <![CDATA[suite_ticket]]></InfoType>\n<TimeStamp>1403610513</TimeStamp>\n<SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket>\n</xml>").unwrap();
        assert_eq!(doc.name, "xml");
        assert_eq!(doc.child_text("InfoType"), Some("suite_ticket"));
        assert_eq!(doc.child_text("TimeStamp"), Some("1403610513"));
        assert_eq!(doc.child_text("SuiteTicket"), Some("asdfasfdasdfasdf"));
    }

    #[test]
    fn keeps_cdata_verbatim_and_resolves_predefined_entities() {
        let doc =
            p("<xml><Content><![CDATA[  a <b> & c  ]]></Content><T> x &amp; y &#x4e2d; </T></xml>")
                .unwrap();
        assert_eq!(doc.child_text("Content"), Some("  a <b> & c  "));
        assert_eq!(doc.child_text("T"), Some("x & y 中"));
    }

    #[test]
    fn normalises_mixed_plain_and_cdata_runs() {
        let doc = p("<xml><a> x <![CDATA[ y ]]> z &amp; w <![CDATA[]]>  </a><b> 1 &lt; 2 </b><c><![CDATA[]]></c></xml>").unwrap();
        assert_eq!(doc.child_text("a"), Some("x y z & w"));
        assert_eq!(doc.child_text("b"), Some("1 < 2"));
        assert_eq!(doc.child_text("c"), Some(""));
        assert_eq!(doc.to_json(), doc.clone().into_json());
    }

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><a>&lol2;</a></xml>"#;
        assert_eq!(p(bomb), Err(XmlError::DocType));
        assert_eq!(
            p("<xml><a>&xxe;</a></xml>"),
            Err(XmlError::UnknownEntity("xxe".into()))
        );
    }

    #[test]
    fn enforces_limits() {
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert_eq!(p(&deep), Err(XmlError::TooDeep(32)));
        let many = format!("<xml>{}</xml>", "<a/>".repeat(60_000));
        assert_eq!(p(&many), Err(XmlError::TooManyElements(50_000)));
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert!(matches!(
            parse("<xml>0123456789</xml>", &limits),
            Err(XmlError::TooLarge { .. })
        ));
    }

    #[test]
    fn refuses_malformed_and_trailing_content() {
        assert!(matches!(
            p("<xml><a></b></xml>"),
            Err(XmlError::Malformed(_))
        ));
        assert!(matches!(p("<xml><a>"), Err(XmlError::Malformed(_))));
        assert_eq!(p("<xml/><xml/>"), Err(XmlError::TrailingContent));
        assert_eq!(p("<xml/>junk"), Err(XmlError::TrailingContent));
        assert_eq!(p("   "), Err(XmlError::NoRoot));
    }

    #[test]
    fn converts_to_json_keeping_repeated_children() {
        let doc =
            p("<xml><A>1</A><L><item><x>1</x></item><item><x>2</x></item></L></xml>").unwrap();
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"A":"1","L":{"item":[{"x":"1"},{"x":"2"}]}})
        );
    }
}
