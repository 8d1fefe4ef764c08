//! The position in the event stream, as handed to clients (`next_cursor`, `after=`, the SSE
//! `id:` and `Last-Event-ID`): the decimal `seq` of the last event seen, `0` (or nothing) for the
//! beginning. Opaque to clients; only this module reads or writes it.

use wxgate_store::StoredEvent;

use crate::error::ApiError;

/// A position in the event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor(pub i64);

impl Cursor {
    /// Parses a client-supplied cursor; empty or absent means the beginning.
    pub fn parse(text: Option<&str>) -> Result<Cursor, ApiError> {
        match text.map(str::trim) {
            None | Some("") => Ok(Cursor(0)),
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|seq| *seq >= 0)
                .map(Cursor)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "`{text}` is not an event cursor; pass a `next_cursor` (or SSE id) you received, or omit it to start at the beginning"
                    ))
                }),
        }
    }

    /// The cursor just after `event`.
    pub fn after(event: &StoredEvent) -> Cursor {
        Cursor(event.seq)
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        assert_eq!(Cursor::parse(None).unwrap(), Cursor(0));
        assert_eq!(Cursor::parse(Some("")).unwrap(), Cursor(0));
        assert_eq!(Cursor::parse(Some("42")).unwrap(), Cursor(42));
        assert_eq!(Cursor(42).to_string(), "42");
        assert_eq!(Cursor::parse(Some("-1")).unwrap_err().code(), "bad_request");
        assert_eq!(Cursor::parse(Some("x")).unwrap_err().code(), "bad_request");
    }
}
