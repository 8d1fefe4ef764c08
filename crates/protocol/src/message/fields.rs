//! One reader for every callback payload, whether it arrived as XML or as JSON.
//!
//! WeChat and WeCom push the same PascalCase fields in either format, but the value types differ:
//! XML has only text (`<CreateTime>1403610513</CreateTime>`), JSON has numbers and strings
//! (`"CreateTime": 1403610513`, `"Department": "1,2,3"` or sometimes `[1,2,3]`). [`Fields`] hides
//! that difference behind lenient typed accessors, so each message type is parsed once.
//!
//! Fields also remembers which keys were read. Whatever a parser did not read is handed back by
//! [`Fields::unread`] and kept under `extra`, so a field Tencent adds tomorrow is never dropped.

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::MessageError;
use crate::{flat_xml, xml};

/// A payload's top-level fields, read from XML or JSON.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    map: Map<String, Value>,
    read: RefCell<BTreeSet<String>>,
}

impl Fields {
    /// Reads `payload` as XML if it starts with `<`, as a JSON object if it starts with `{`.
    ///
    /// XML goes through the bounded [`xml::parse`] (no DTD, capped size); JSON is held to the same
    /// size cap.
    pub fn parse(payload: &str) -> Result<Fields, MessageError> {
        let limits = xml::Limits::default();
        let trimmed = payload.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
        match trimmed.as_bytes().first() {
            Some(b'<') => {
                // The usual payload is flat: straight into the map, without a tree.
                if let Some(doc) = flat_xml::read(trimmed, &limits) {
                    let mut map = Map::new();
                    for leaf in &doc.leaves {
                        let value = Value::String(leaf.text.to_owned());
                        xml::insert_gathering(&mut map, leaf.name.to_owned(), value);
                    }
                    return Ok(Fields::from_map(map));
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

    /// Wraps an already decoded object.
    pub fn from_map(map: Map<String, Value>) -> Fields {
        Fields {
            map,
            read: RefCell::new(BTreeSet::new()),
        }
    }

    /// Every field as received (XML leaves are strings), whether read or not.
    pub fn all(&self) -> &Map<String, Value> {
        &self.map
    }

    /// The raw value of `key`: exact match first, then ignoring ASCII case. Marks it read.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let (name, value) = match self.map.get_key_value(key) {
            Some(found) => found,
            None => self.map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?,
        };
        self.read.borrow_mut().insert(name.clone());
        Some(value)
    }

    /// The value as text exactly as sent (for free text such as `Content`); numbers and booleans
    /// are written out. `None` when absent or not a scalar.
    pub fn verbatim(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The value as trimmed text; `None` when absent, empty or not a scalar.
    pub fn text(&self, key: &str) -> Option<String> {
        let text = self.verbatim(key)?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            None
        } else if trimmed.len() == text.len() {
            Some(text)
        } else {
            Some(trimmed.to_owned())
        }
    }

    /// Like [`Fields::text`] but the field must be there and non-empty.
    pub fn required(&self, key: &'static str) -> Result<String, MessageError> {
        self.text(key).ok_or(MessageError::MissingField(key))
    }

    /// An unsigned integer from `123` or `"123"`; `None` when absent or empty.
    pub fn u64(&self, key: &'static str) -> Result<Option<u64>, MessageError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| not_a_number(key, &n.to_string())),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| not_a_number(key, s)),
            Some(other) => Err(not_a_number(key, &other.to_string())),
        }
    }

    /// A signed integer (error codes can be negative); `None` when absent or empty.
    pub fn i64(&self, key: &'static str) -> Result<Option<i64>, MessageError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| not_a_number(key, &n.to_string())),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| not_a_number(key, s)),
            Some(other) => Err(not_a_number(key, &other.to_string())),
        }
    }

    /// A finite decimal number (coordinates, precision); `None` when absent or empty.
    pub fn f64(&self, key: &'static str) -> Result<Option<f64>, MessageError> {
        let parsed = match self.get(key) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            Some(_) => None,
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
        match self.get(key)? {
            Value::Object(map) => Some(Fields::from_map(map.clone())),
            _ => None,
        }
    }

    /// The raw value of `key`, cloned (for structured fields kept as JSON, e.g. `ExtAttr`).
    pub fn value(&self, key: &str) -> Option<Value> {
        self.get(key).cloned()
    }

    /// Every field no accessor has read yet, as received.
    pub fn unread(&self) -> Map<String, Value> {
        let read = self.read.borrow();
        self.map
            .iter()
            .filter(|(k, _)| !read.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn list_items(&self, key: &str) -> Option<Vec<String>> {
        let items: Vec<String> = match self.get(key)? {
            Value::String(s) => s
                .split(',')
                .map(|part| part.trim().to_owned())
                .filter(|part| !part.is_empty())
                .collect(),
            Value::Array(values) => values
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .filter(|part| !part.is_empty())
                .collect(),
            Value::Number(n) => vec![n.to_string()],
            _ => return None,
        };
        if items.is_empty() { None } else { Some(items) }
    }

    fn raw_text(&self, key: &str) -> String {
        match self.map.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }
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
