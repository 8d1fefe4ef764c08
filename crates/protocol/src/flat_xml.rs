//! A fast path for the one shape almost every callback document has: a root element whose
//! children are leaves holding one plain-text run or one CDATA section
//! (`<xml><ToUserName><![CDATA[ww1]]></ToUserName><CreateTime>1</CreateTime>…</xml>`),
//! read in one pass without building a tree, borrowing every name and text from the input.
//!
//! It exists because the callback hot path reads two such documents per callback (the envelope
//! and the decrypted payload), and building the [`xml::Element`] tree through quick-xml's event
//! reader was most of the cost of a callback (docs/benchmarks.md, "Protocol core").
//!
//! It **never refuses** anything. It recognises a strict subset of what [`xml::parse`] accepts
//! and answers `None` for everything outside it — every malformed, hostile, over-limit, DOCTYPE,
//! entity, comment, attribute or nested document included — so the caller falls back to
//! [`xml::parse`], which makes every check and produces every error. For each input where
//! [`read`] answers `Some`, [`xml::parse`] answers `Ok` with the same root name and exactly these
//! children and texts (the differential tests in `tests/flat_xml_differential.rs` hold it to that).
//!
//! The subset (`WS` is space, tab or line feed):
//!
//! ```text
//! document := WS* '<' NAME '>' (WS* leaf)* WS* '</' NAME '>' WS*
//! leaf     := '<' NAME '/>' | '<' NAME '>' content '</' NAME '>'
//! content  := plain | WS* '<![CDATA[' anything up to the first ']]>' ']]>' WS*
//! plain    := any characters except '<', '&', ']' and carriage return; trimmed like xml::parse
//! NAME     := one or more of [A-Za-z0-9_]
//! ```
//!
//! CDATA is kept verbatim, plain text is trimmed (`str::trim`), as [`xml::parse`] normalises them.

use crate::xml::{self, Limits};

/// One leaf child of the root: its name and its normalised text, both borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leaf<'a> {
    /// The element's name as written.
    pub name: &'a str,
    /// The element's text: a CDATA section verbatim, or plain text trimmed.
    pub text: &'a str,
    /// Byte offset of `name` in the input.
    pub name_at: usize,
    /// Byte offset of `text` in the input.
    pub text_at: usize,
}

/// A document of the flat shape: the root's name and its leaf children in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatDocument<'a> {
    /// The root element's name (usually `xml`).
    pub root: &'a str,
    /// The root's children, all leaves, in document order (names may repeat).
    pub leaves: Vec<Leaf<'a>>,
}

impl FlatDocument<'_> {
    /// The same document as [`xml::parse`] builds it (used by tests and for comparison).
    pub fn to_element(&self) -> xml::Element {
        xml::Element {
            name: self.root.to_owned(),
            text: String::new(),
            children: self
                .leaves
                .iter()
                .map(|leaf| xml::Element {
                    name: leaf.name.to_owned(),
                    text: leaf.text.to_owned(),
                    children: Vec::new(),
                })
                .collect(),
        }
    }
}

const CDATA_OPEN: &[u8] = b"<![CDATA[";

/// Reads `input` if it has the flat shape (see the module doc) and is within `limits`; `None`
/// means "use [`xml::parse`]", never "invalid".
pub fn read<'a>(input: &'a str, limits: &Limits) -> Option<FlatDocument<'a>> {
    if input.len() > limits.max_bytes || limits.max_depth < 1 || limits.max_elements < 1 {
        return None;
    }
    let mut cursor = Cursor {
        input,
        bytes: input.as_bytes(),
        pos: 0,
    };
    cursor.skip_ws();
    cursor.eat(b'<')?;
    let root = cursor.name()?;
    cursor.eat(b'>')?;
    let mut leaves = Vec::with_capacity(16);
    loop {
        cursor.skip_ws();
        cursor.eat(b'<')?;
        if cursor.peek() == Some(b'/') {
            cursor.pos += 1;
            break;
        }
        let name_at = cursor.pos;
        let name = cursor.name()?;
        let (text_at, text) = match cursor.peek()? {
            b'/' => {
                cursor.pos += 1;
                cursor.eat(b'>')?;
                (cursor.pos, "")
            }
            b'>' => {
                cursor.pos += 1;
                let text = cursor.content()?;
                cursor.eat(b'<')?;
                cursor.eat(b'/')?;
                cursor.name_equal_to(name)?;
                cursor.eat(b'>')?;
                text
            }
            _ => return None,
        };
        leaves.push(Leaf {
            name,
            text,
            name_at,
            text_at,
        });
    }
    cursor.name_equal_to(root)?;
    cursor.eat(b'>')?;
    cursor.skip_ws();
    if cursor.pos != cursor.bytes.len() {
        return None;
    }
    // The root is depth 1 and element 1; its leaves are depth 2.
    if (!leaves.is_empty() && limits.max_depth < 2) || leaves.len() >= limits.max_elements {
        return None;
    }
    Some(FlatDocument { root, leaves })
}

struct Cursor<'a> {
    input: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n')
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, expected: u8) -> Option<()> {
        if self.peek()? == expected {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    /// `self.input[start..end]`; `None` instead of a panic (positions are always ASCII
    /// boundaries here, so this is only a guard).
    fn slice(&self, start: usize, end: usize) -> Option<&'a str> {
        self.input.get(start..end)
    }

    fn name(&mut self) -> Option<&'a str> {
        let start = self.pos;
        while self.peek().is_some_and(is_name_byte) {
            self.pos += 1;
        }
        if self.pos == start {
            return None;
        }
        self.slice(start, self.pos)
    }

    fn name_equal_to(&mut self, expected: &str) -> Option<()> {
        let name = self.name()?;
        (name == expected).then_some(())
    }

    /// A leaf's content, up to (not including) the `<` of its end tag, and where it starts.
    fn content(&mut self) -> Option<(usize, &'a str)> {
        let start = self.pos;
        self.skip_ws();
        if self.bytes.get(self.pos..)?.starts_with(CDATA_OPEN) {
            let text_start = self.pos + CDATA_OPEN.len();
            let text_end = text_start + find_cdata_end(self.bytes.get(text_start..)?)?;
            self.pos = text_end + 3;
            self.skip_ws();
            return Some((text_start, self.slice(text_start, text_end)?));
        }
        // Plain text: up to the next `<`, refusing what needs xml::parse's handling.
        let end = start + memchr::memchr(b'<', self.bytes.get(start..)?)?;
        let run = self.bytes.get(start..end)?;
        if run.iter().any(|b| matches!(b, b'&' | b']' | b'\r')) {
            return None;
        }
        self.pos = end;
        let run = self.slice(start, end)?;
        let trimmed = run.trim_start();
        Some((start + run.len() - trimmed.len(), trimmed.trim_end()))
    }
}

/// Offset of the first `]]>` in `bytes`.
fn find_cdata_end(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let at = from + memchr::memchr(b']', bytes.get(from..)?)?;
        if bytes.get(at..at + 3)? == b"]]>" {
            return Some(at);
        }
        from = at + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(s: &str) -> Option<FlatDocument<'_>> {
        read(s, &Limits::default())
    }

    #[test]
    fn reads_a_wecom_text_message_borrowing_from_the_input() {
        let s = "<xml><ToUserName><![CDATA[ww1]]></ToUserName>\n<CreateTime> 1409659813 </CreateTime>\n\t<Content><![CDATA[ a <b> & ]] c ]]></Content><Empty/><E></E></xml>\n";
        let doc = flat(s).unwrap();
        assert_eq!(doc.root, "xml");
        let texts: Vec<(&str, &str)> = doc.leaves.iter().map(|l| (l.name, l.text)).collect();
        assert_eq!(
            texts,
            [
                ("ToUserName", "ww1"),
                ("CreateTime", "1409659813"),
                ("Content", " a <b> & ]] c "),
                ("Empty", ""),
                ("E", ""),
            ]
        );
        assert_eq!(
            Ok(doc.to_element()),
            xml::parse(s, &Limits::default()),
            "same tree as xml::parse"
        );
    }

    #[test]
    fn leaves_everything_else_to_the_tree_parser() {
        for s in [
            "",
            "<xml/>",
            "<?xml version=\"1.0\"?><xml><A>1</A></xml>",
            "<!DOCTYPE x><xml><A>1</A></xml>",
            "<xml><A>&amp;</A></xml>",
            "<xml><A>&xxe;</A></xml>",
            "<xml><A><B>1</B></A></xml>",
            "<xml><A x=\"1\">1</A></xml>",
            "<xml><A >1</A></xml>",
            "<xml><A>1</A ></xml>",
            "<xml><A>1</B></xml>",
            "<xml><A>1</A></xm>",
            "<xml><A>1</A>",
            "<xml><A>1</A></xml><xml/>",
            "<xml><A>1</A></xml>junk",
            "<xml>text<A>1</A></xml>",
            "<xml><A>x<![CDATA[y]]></A></xml>",
            "<xml><A><![CDATA[y]]><![CDATA[z]]></A></xml>",
            "<xml><A><![CDATA[unclosed</A></xml>",
            "<xml><A>a\r\nb</A></xml>",
            "<xml><!-- c --><A>1</A></xml>",
            "\u{feff}<xml><A>1</A></xml>",
            "<xml><Ä>1</Ä></xml>",
        ] {
            assert_eq!(flat(s), None, "{s:?}");
        }
    }

    #[test]
    fn leaves_over_limit_documents_to_the_tree_parser() {
        let s = "<xml><A>1</A><B>2</B></xml>";
        let limits = |max_bytes, max_depth, max_elements| Limits {
            max_bytes,
            max_depth,
            max_elements,
        };
        assert!(read(s, &limits(s.len(), 2, 3)).is_some());
        assert_eq!(read(s, &limits(s.len() - 1, 2, 3)), None);
        assert_eq!(read(s, &limits(s.len(), 1, 3)), None);
        assert_eq!(read(s, &limits(s.len(), 2, 2)), None);
    }
}
