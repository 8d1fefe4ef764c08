//! One reader for every callback payload, whether it arrived as XML or as JSON.
//!
//! WeChat and WeCom push the same PascalCase fields in either format, but the value types differ:
//! XML has only text (`<CreateTime>1403610513</CreateTime>`), JSON has numbers and strings
//! (`"CreateTime": 1403610513`, `"Department": "1,2,3"` or sometimes `[1,2,3]`). [`Fields`] hides
//! that difference behind lenient typed accessors, so each message type is parsed once.
//!
//! Fields also remembers which keys were read. Whatever a parser did not read is handed back by
//! [`Fields::unread`] and kept under `extra`, so a field Tencent adds tomorrow is never dropped.

use std::cell::{Cell, OnceCell, RefCell};
use std::ops::Range;

use serde_json::{Map, Value};

use super::MessageError;
use crate::{flat_xml, xml};

/// A payload's top-level fields, read from XML or JSON.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    source: Source,
    /// Which fields an accessor has read, by position (see [`Fields::unread`]).
    read: ReadMarks,
}

/// Where the fields are held.
#[derive(Debug, Clone)]
enum Source {
    /// Decoded JSON, or the JSON form of an XML tree ([`xml::Element::into_json`]).
    Map(Map<String, Value>),
    /// A flat XML payload ([`flat_xml`]) with distinct names: one copy of the payload and the
    /// positions of each leaf's name and text in it, so that reading a callback allocates only
    /// for the values it keeps. Its JSON form (every value a string, as the tree gives it) is
    /// built only if [`Fields::all`] or [`Fields::get`] asks for it.
    Flat {
        payload: String,
        leaves: Vec<(Range<usize>, Range<usize>)>,
        map: OnceCell<Map<String, Value>>,
    },
}

impl Default for Source {
    fn default() -> Self {
        Source::Map(Map::new())
    }
}

/// A field's value as found, before an accessor interprets it.
#[derive(Clone, Copy)]
enum Found<'a> {
    /// A string: a flat XML leaf's text, or a JSON string.
    Text(&'a str),
    /// Any other JSON value.
    Value(&'a Value),
}

/// Most payloads have under 64 fields: one word of marks; positions beyond go to a list.
#[derive(Debug, Clone, Default)]
struct ReadMarks {
    first: Cell<u64>,
    rest: RefCell<Vec<usize>>,
}

impl ReadMarks {
    fn mark(&self, index: usize) {
        if index < 64 {
            self.first.set(self.first.get() | 1 << index);
        } else if !self.rest.borrow().contains(&index) {
            self.rest.borrow_mut().push(index);
        }
    }

    fn is_marked(&self, index: usize) -> bool {
        if index < 64 {
            self.first.get() & (1 << index) != 0
        } else {
            self.rest.borrow().contains(&index)
        }
    }
}

/// A flat payload with more leaves than this is held as a map: the distinct-names check is
/// quadratic, and such payloads are not callbacks' usual shape anyway.
const FLAT_MAX_LEAVES: usize = 32;

impl Fields {
    /// Reads `payload` as XML if it starts with `<`, as a JSON object if it starts with `{`.
    ///
    /// XML goes through the bounded [`xml::parse`] (no DTD, capped size), or its flat fast path
    /// [`flat_xml::read`]; JSON is held to the same size cap.
    pub fn parse(payload: &str) -> Result<Fields, MessageError> {
        let limits = xml::Limits::default();
        let trimmed = payload.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
        match trimmed.as_bytes().first() {
            Some(b'<') => {
                // The usual payload is flat: kept as is, without a tree or a map.
                if let Some(doc) = flat_xml::read(trimmed, &limits) {
                    return Ok(Fields::from_flat(trimmed, &doc));
                }
                let root = xml::parse(trimmed, &limits)?;
                match root.into_json() {
                    Value::Object(map) => Ok(Fields::from_map(map)),
                    // `<xml></xml>`: no fields at all; the parser reports the missing ones.
                    _ => Ok(Fields::default()),
                }
            }
            Some(b'{') | Some(b'[') => {
                if trimmed.len() > limits.max_bytes {
                    return Err(MessageError::TooLarge {
                        size: trimmed.len(),
                        limit: limits.max_bytes,
                    });
                }
                match serde_json::from_str::<Value>(trimmed) {
                    Ok(Value::Object(map)) => Ok(Fields::from_map(map)),
                    Ok(other) => Err(MessageError::NotAnObject(json_kind(&other))),
                    Err(e) => Err(MessageError::Json(e.to_string())),
                }
            }
            _ => Err(MessageError::UnknownFormat),
        }
    }

    /// Holds a flat document read from `payload`: as positions into one copy of it when its
    /// names are distinct, else as the map the tree would give (repeated names gathered).
    fn from_flat(payload: &str, doc: &flat_xml::FlatDocument<'_>) -> Fields {
        let leaves = &doc.leaves;
        let distinct = leaves.len() <= FLAT_MAX_LEAVES
            && leaves
                .iter()
                .enumerate()
                .all(|(i, leaf)| leaves[..i].iter().all(|other| other.name != leaf.name));
        if !distinct {
            let mut map = Map::new();
            for leaf in leaves {
                let value = Value::String(leaf.text.to_owned());
                xml::insert_gathering(&mut map, leaf.name.to_owned(), value);
            }
            return Fields::from_map(map);
        }
        let span = |part: &str, start: usize| start..start + part.len();
        Fields {
            source: Source::Flat {
                payload: payload.to_owned(),
                leaves: leaves
                    .iter()
                    .map(|leaf| (span(leaf.name, leaf.name_at), span(leaf.text, leaf.text_at)))
                    .collect(),
                map: OnceCell::new(),
            },
            read: ReadMarks::default(),
        }
    }

    /// Wraps an already decoded object.
    pub fn from_map(map: Map<String, Value>) -> Fields {
        Fields {
            source: Source::Map(map),
            read: ReadMarks::default(),
        }
    }

    /// Every field as received (XML leaves are strings), whether read or not.
    pub fn all(&self) -> &Map<String, Value> {
        match &self.source {
            Source::Map(map) => map,
            Source::Flat {
                payload,
                leaves,
                map,
            } => map.get_or_init(|| {
                leaves
                    .iter()
                    .map(|(name, text)| {
                        let text = payload.get(text.clone()).unwrap_or_default();
                        (
                            payload.get(name.clone()).unwrap_or_default().to_owned(),
                            Value::String(text.to_owned()),
                        )
                    })
                    .collect()
            }),
        }
    }

    /// The raw value of `key`: exact match first, then ignoring ASCII case. Marks it read.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let (name, _) = self.find(key)?;
        self.all().get(name)
    }

    /// Finds `key` as [`Fields::get`] does and marks it read; returns the name as stored.
    fn find(&self, key: &str) -> Option<(&str, Found<'_>)> {
        let (index, name, found) = match &self.source {
            Source::Map(map) => {
                let exact = map.iter().enumerate().find(|(_, (k, _))| *k == key);
                // The map is sorted, so this is the first case-insensitive match in key order.
                let (index, (name, value)) = exact.or_else(|| {
                    map.iter()
                        .enumerate()
                        .find(|(_, (k, _))| k.eq_ignore_ascii_case(key))
                })?;
                let found = match value {
                    Value::String(s) => Found::Text(s),
                    other => Found::Value(other),
                };
                (index, name.as_str(), found)
            }
            Source::Flat {
                payload, leaves, ..
            } => {
                let name_of = |i: usize| payload.get(leaves[i].0.clone()).unwrap_or_default();
                let exact = (0..leaves.len()).find(|&i| name_of(i) == key);
                // As the sorted map would: the smallest of the case-insensitive matches.
                let index = exact.or_else(|| {
                    (0..leaves.len())
                        .filter(|&i| name_of(i).eq_ignore_ascii_case(key))
                        .min_by_key(|&i| name_of(i))
                })?;
                let text = payload.get(leaves[index].1.clone()).unwrap_or_default();
                (index, name_of(index), Found::Text(text))
            }
        };
        self.read.mark(index);
        Some((name, found))
    }

    fn found(&self, key: &str) -> Option<Found<'_>> {
        self.find(key).map(|(_, found)| found)
    }

    /// The value as text exactly as sent (for free text such as `Content`); numbers and booleans
    /// are written out. `None` when absent or not a scalar.
    pub fn verbatim(&self, key: &str) -> Option<String> {
        match self.found(key)? {
            Found::Text(s) => Some(s.to_owned()),
            Found::Value(value) => scalar_text(value),
        }
    }

    /// The value as trimmed text; `None` when absent, empty or not a scalar.
    pub fn text(&self, key: &str) -> Option<String> {
        let trimmed = |s: &str| Some(s.trim()).filter(|t| !t.is_empty()).map(str::to_owned);
        match self.found(key)? {
            Found::Text(s) => trimmed(s),
            Found::Value(value) => trimmed(&scalar_text(value)?),
        }
    }

    /// Like [`Fields::text`] but the field must be there and non-empty.
    pub fn required(&self, key: &'static str) -> Result<String, MessageError> {
        self.text(key).ok_or(MessageError::MissingField(key))
    }

    /// An unsigned integer from `123` or `"123"`; `None` when absent or empty.
    pub fn u64(&self, key: &'static str) -> Result<Option<u64>, MessageError> {
        match self.found(key) {
            None => Ok(None),
            Some(Found::Value(Value::Number(n))) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| not_a_number(key, &n.to_string())),
            Some(Found::Text(s)) => parse_number(key, s),
            Some(Found::Value(other)) => Err(not_a_number(key, &other.to_string())),
        }
    }

    /// A signed integer (error codes can be negative); `None` when absent or empty.
    pub fn i64(&self, key: &'static str) -> Result<Option<i64>, MessageError> {
        match self.found(key) {
            None => Ok(None),
            Some(Found::Value(Value::Number(n))) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| not_a_number(key, &n.to_string())),
            Some(Found::Text(s)) => parse_number(key, s),
            Some(Found::Value(other)) => Err(not_a_number(key, &other.to_string())),
        }
    }

    /// A finite decimal number (coordinates, precision); `None` when absent or empty.
    pub fn f64(&self, key: &'static str) -> Result<Option<f64>, MessageError> {
        let parsed = match self.found(key) {
            None => return Ok(None),
            Some(Found::Value(Value::Number(n))) => n.as_f64(),
            Some(Found::Text(s)) if s.trim().is_empty() => {
                return Ok(None);
            }
            Some(Found::Text(s)) => s.trim().parse::<f64>().ok(),
            Some(Found::Value(_)) => None,
        };
        match parsed {
            Some(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(not_a_number(key, &self.raw_text(key))),
        }
    }

    /// A list of ids from `"1,2,3"`, `[1,2,3]`, `["1","2"]` or a single `1`; `None` when absent
    /// or empty.
    pub fn u32_list(&self, key: &'static str) -> Result<Option<Vec<u32>>, MessageError> {
        let Some(items) = self.list_items(key) else {
            return Ok(None);
        };
        items
            .iter()
            .map(|item| item.parse::<u32>().map_err(|_| not_a_number(key, item)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A list of text items from `"a,b"` or `["a","b"]`; `None` when absent or empty.
    pub fn string_list(&self, key: &str) -> Option<Vec<String>> {
        self.list_items(key)
    }

    /// The object under `key` (`<BatchJob>…</BatchJob>`), as its own [`Fields`].
    pub fn nested(&self, key: &str) -> Option<Fields> {
        match self.found(key)? {
            Found::Value(Value::Object(map)) => Some(Fields::from_map(map.clone())),
            _ => None,
        }
    }

    /// The raw value of `key`, cloned (for structured fields kept as JSON, e.g. `ExtAttr`).
    pub fn value(&self, key: &str) -> Option<Value> {
        match self.found(key)? {
            Found::Text(s) => Some(Value::String(s.to_owned())),
            Found::Value(value) => Some(value.clone()),
        }
    }

    /// Every field no accessor has read yet, as received.
    pub fn unread(&self) -> Map<String, Value> {
        match &self.source {
            Source::Map(map) => map
                .iter()
                .enumerate()
                .filter(|(i, _)| !self.read.is_marked(*i))
                .map(|(_, (k, v))| (k.clone(), v.clone()))
                .collect(),
            Source::Flat {
                payload, leaves, ..
            } => leaves
                .iter()
                .enumerate()
                .filter(|(i, _)| !self.read.is_marked(*i))
                .map(|(_, (name, text))| {
                    let text = payload.get(text.clone()).unwrap_or_default();
                    (
                        payload.get(name.clone()).unwrap_or_default().to_owned(),
                        Value::String(text.to_owned()),
                    )
                })
                .collect(),
        }
    }

    fn list_items(&self, key: &str) -> Option<Vec<String>> {
        let split = |s: &str| -> Vec<String> {
            s.split(',')
                .map(|part| part.trim().to_owned())
                .filter(|part| !part.is_empty())
                .collect()
        };
        let items: Vec<String> = match self.found(key)? {
            Found::Text(s) => split(s),
            Found::Value(Value::Array(values)) => values
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .filter(|part| !part.is_empty())
                .collect(),
            Found::Value(Value::Number(n)) => vec![n.to_string()],
            Found::Value(_) => return None,
        };
        if items.is_empty() { None } else { Some(items) }
    }

    /// The value under exactly `key` as text, for error messages.
    fn raw_text(&self, key: &str) -> String {
        match self.all().get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }
}

/// A scalar JSON value written out as text; `None` for null, arrays and objects.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An integer from text (trimmed); `None` when blank.
fn parse_number<T: std::str::FromStr>(key: &str, s: &str) -> Result<Option<T>, MessageError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    s.trim()
        .parse::<T>()
        .map(Some)
        .map_err(|_| not_a_number(key, s))
}

/// The values of a repeated element or JSON array, whichever was sent: XML's `to_json` turns one
/// `<Item>` into an object and several into an array.
pub fn repeated(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn not_a_number(field: &str, value: &str) -> MessageError {
    const SHOWN: usize = 40;
    let mut shown: String = value.chars().take(SHOWN).collect();
    if value.chars().count() > SHOWN {
        shown.push('…');
    }
    MessageError::NotANumber {
        field: field.to_owned(),
        value: shown,
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_xml_and_json_the_same_way() {
        let x = Fields::parse("<xml><CreateTime>1403610513</CreateTime><Department><![CDATA[1,2,3]]></Department><IsLeaderInDept>1,0,0</IsLeaderInDept></xml>").unwrap();
        let j = Fields::parse(
            r#"{"CreateTime":1403610513,"Department":[1,2,3],"IsLeaderInDept":"1,0,0"}"#,
        )
        .unwrap();
        for f in [&x, &j] {
            assert_eq!(f.u64("CreateTime").unwrap(), Some(1403610513));
            assert_eq!(f.u32_list("Department").unwrap(), Some(vec![1, 2, 3]));
            assert_eq!(f.u32_list("IsLeaderInDept").unwrap(), Some(vec![1, 0, 0]));
        }
    }

    #[test]
    fn trims_text_but_keeps_verbatim_on_request() {
        let f = Fields::parse(r#"{"InfoType":" suite_ticket ","Content":"  hi  ","Empty":"  "}"#)
            .unwrap();
        assert_eq!(f.text("InfoType").as_deref(), Some("suite_ticket"));
        assert_eq!(f.verbatim("Content").as_deref(), Some("  hi  "));
        assert_eq!(f.text("Empty"), None);
        assert_eq!(f.u64("Empty").unwrap(), None);
    }

    #[test]
    fn falls_back_to_case_insensitive_keys() {
        let f = Fields::parse(r#"{"tousername":"corp","AgentId":"1"}"#).unwrap();
        assert_eq!(f.text("ToUserName").as_deref(), Some("corp"));
        assert_eq!(f.u64("AgentID").unwrap(), Some(1));
        assert!(f.unread().is_empty());
    }

    #[test]
    fn reports_non_numbers_with_a_short_value() {
        let f = Fields::parse(&format!(r#"{{"CreateTime":"{}"}}"#, "x".repeat(500))).unwrap();
        match f.u64("CreateTime") {
            Err(MessageError::NotANumber { field, value }) => {
                assert_eq!(field, "CreateTime");
                assert!(value.chars().count() <= 41);
            }
            other => panic!("unexpected {other:?}"),
        }
        let f = Fields::parse(r#"{"Department":"1,x"}"#).unwrap();
        assert!(matches!(
            f.u32_list("Department"),
            Err(MessageError::NotANumber { .. })
        ));
        let f = Fields::parse(r#"{"Latitude":"NaN"}"#).unwrap();
        assert!(f.f64("Latitude").is_err());
    }

    #[test]
    fn keeps_unread_fields() {
        let f = Fields::parse("<xml><A>1</A><B><C>2</C></B></xml>").unwrap();
        let _ = f.text("A");
        assert_eq!(Value::Object(f.unread()), json!({"B": {"C": "2"}}));
    }

    #[test]
    fn refuses_what_is_not_an_object() {
        assert_eq!(
            Fields::parse("[1,2]").unwrap_err(),
            MessageError::NotAnObject("an array")
        );
        assert_eq!(
            Fields::parse("hello").unwrap_err(),
            MessageError::UnknownFormat
        );
        assert_eq!(Fields::parse("").unwrap_err(), MessageError::UnknownFormat);
        assert!(matches!(
            Fields::parse("{\"a\":"),
            Err(MessageError::Json(_))
        ));
    }
}
