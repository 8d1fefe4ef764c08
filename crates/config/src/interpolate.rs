//! `${NAME}` / `${NAME:-default}` substitution in the raw TOML text, before it is parsed, so secrets
//! can live in the environment instead of the file.
//!
//! Rules (see `docs/configuration.md`):
//! * Placeholders are replaced everywhere **except in comments**; a commented-out line never needs
//!   its variables to be set.
//! * Inside a `"…"` / `"""…"""` string the value is TOML-escaped, so a secret may contain `"`, `\`
//!   or a line break and still lands verbatim. Inside a `'…'` literal string (which has no escapes)
//!   a value containing `'` or a control character is rejected.
//! * Outside any string (e.g. `agent_id = ${AGENT_ID}`) the value must look like a number or a
//!   boolean (`[A-Za-z0-9_.+:-]+`), so the environment can never inject TOML structure.
//! * `$${` stands for a literal `${`. A lone `$` is kept as is.
//! * Substitution never adds lines, so line numbers in later TOML errors still match the file.
//!
//! The lookup is injected (`impl Fn(&str) -> Option<String>`) so tests never touch the process env.

use thiserror::Error;

/// Why the `${…}` substitution failed. Every variant names the line (1-based) in the file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InterpolationError {
    /// The variable is not set and the placeholder has no `:-default`.
    #[error(
        "line {line}: environment variable `{name}` is not set; set it, or write `${{{name}:-default}}` to give a default"
    )]
    Missing {
        /// The variable name.
        name: String,
        /// The line of the placeholder.
        line: usize,
    },
    /// `${` with no `}` before the end of the line.
    #[error(
        "line {line}: `${{` is not closed by `}}` on the same line; close it, or write `$${{` for a literal `${{`"
    )]
    Unterminated {
        /// The line of the placeholder.
        line: usize,
    },
    /// The text between `${` and `}` is not a variable name.
    #[error(
        "line {line}: `${{{text}}}` is not a valid placeholder; names are letters, digits and `_`, not starting with a digit (write `$${{` for a literal `${{`)"
    )]
    BadName {
        /// What was written between the braces.
        text: String,
        /// The line of the placeholder.
        line: usize,
    },
    /// The value cannot be written at that position without changing the TOML structure.
    #[error("line {line}: the value of `{name}` {reason}")]
    Unrepresentable {
        /// The variable name.
        name: String,
        /// The line of the placeholder.
        line: usize,
        /// What is wrong and what to do (never contains the value).
        reason: &'static str,
    },
}

/// Where a placeholder sits, which decides how its value is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Bare,
    Comment,
    Basic,
    MultiBasic,
    Literal,
    MultiLiteral,
}

/// Replaces every `${…}` placeholder outside comments with its value from `lookup`.
pub fn interpolate(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, InterpolationError> {
    let b = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(text.len());
    let mut state = Context::Bare;
    let mut line = 1;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            if matches!(state, Context::Comment | Context::Basic | Context::Literal) {
                // A single-line string cannot span lines; the parser reports it. Resync here.
                state = Context::Bare;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match state {
            Context::Comment => {
                out.push(c);
                i += 1;
            }
            Context::Bare => match c {
                b'#' => {
                    state = Context::Comment;
                    out.push(c);
                    i += 1;
                }
                b'"' | b'\'' => {
                    let run = quote_run(b, i, c);
                    let multi = run >= 3;
                    state = match (c, multi) {
                        (b'"', true) => Context::MultiBasic,
                        (b'"', false) => Context::Basic,
                        (_, true) => Context::MultiLiteral,
                        (_, false) => Context::Literal,
                    };
                    // `""` / `''` is an empty string: open and close at once.
                    let consumed = if multi {
                        3
                    } else if run == 2 {
                        2
                    } else {
                        1
                    };
                    if run == 2 {
                        state = Context::Bare;
                    }
                    out.extend_from_slice(&b[i..i + consumed]);
                    i += consumed;
                }
                b'$' => i = placeholder(text, i, line, state, &lookup, &mut out)?,
                _ => {
                    out.push(c);
                    i += 1;
                }
            },
            Context::Basic | Context::MultiBasic => match c {
                b'\\' => {
                    out.push(c);
                    i += 1;
                    if i < b.len() && b[i] != b'\n' {
                        out.push(b[i]);
                        i += 1;
                    }
                }
                b'"' => {
                    let run = if state == Context::Basic {
                        1
                    } else {
                        quote_run(b, i, c)
                    };
                    if state == Context::Basic || run >= 3 {
                        state = Context::Bare;
                    }
                    out.extend_from_slice(&b[i..i + run]);
                    i += run;
                }
                b'$' => i = placeholder(text, i, line, state, &lookup, &mut out)?,
                _ => {
                    out.push(c);
                    i += 1;
                }
            },
            Context::Literal | Context::MultiLiteral => match c {
                b'\'' => {
                    let run = if state == Context::Literal {
                        1
                    } else {
                        quote_run(b, i, c)
                    };
                    if state == Context::Literal || run >= 3 {
                        state = Context::Bare;
                    }
                    out.extend_from_slice(&b[i..i + run]);
                    i += run;
                }
                b'$' => i = placeholder(text, i, line, state, &lookup, &mut out)?,
                _ => {
                    out.push(c);
                    i += 1;
                }
            },
        }
    }
    // Only ASCII bytes were split on and only `String`s inserted, so this is valid UTF-8.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// How many `q` bytes start at `i`.
fn quote_run(b: &[u8], i: usize, q: u8) -> usize {
    b[i..].iter().take_while(|&&x| x == q).count()
}

/// Handles the `$` at `i`; returns the index after what it consumed.
fn placeholder(
    text: &str,
    i: usize,
    line: usize,
    ctx: Context,
    lookup: &impl Fn(&str) -> Option<String>,
    out: &mut Vec<u8>,
) -> Result<usize, InterpolationError> {
    let rest = &text[i..];
    if rest.starts_with("$${") {
        out.extend_from_slice(b"${");
        return Ok(i + 3);
    }
    if !rest.starts_with("${") {
        out.push(b'$');
        return Ok(i + 1);
    }
    let body_and_after = &rest[2..];
    let end = body_and_after
        .find(['}', '\n'])
        .filter(|&e| body_and_after.as_bytes()[e] == b'}')
        .ok_or(InterpolationError::Unterminated { line })?;
    let body = &body_and_after[..end];
    let (name, default) = match body.split_once(":-") {
        Some((n, d)) => (n, Some(d)),
        None => (body, None),
    };
    if !is_var_name(name) {
        return Err(InterpolationError::BadName {
            text: body.to_owned(),
            line,
        });
    }
    let value = lookup(name)
        .or_else(|| default.map(str::to_owned))
        .ok_or_else(|| InterpolationError::Missing {
            name: name.to_owned(),
            line,
        })?;
    write_value(name, &value, line, ctx, out)?;
    Ok(i + 2 + end + 1)
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn write_value(
    name: &str,
    value: &str,
    line: usize,
    ctx: Context,
    out: &mut Vec<u8>,
) -> Result<(), InterpolationError> {
    let unrepresentable = |reason| InterpolationError::Unrepresentable {
        name: name.to_owned(),
        line,
        reason,
    };
    match ctx {
        Context::Basic | Context::MultiBasic => {
            for ch in value.chars() {
                match ch {
                    '"' => out.extend_from_slice(b"\\\""),
                    '\\' => out.extend_from_slice(b"\\\\"),
                    '\n' => out.extend_from_slice(b"\\n"),
                    '\r' => out.extend_from_slice(b"\\r"),
                    '\t' => out.extend_from_slice(b"\\t"),
                    c if c.is_control() => {
                        out.extend_from_slice(format!("\\u{:04X}", c as u32).as_bytes())
                    }
                    c => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
            }
        }
        Context::Literal | Context::MultiLiteral => {
            if value.chars().any(|c| c == '\'' || c.is_control()) {
                return Err(unrepresentable(
                    "contains a `'` or a control character, which a '…' string cannot hold; put the placeholder in \"…\" quotes instead",
                ));
            }
            out.extend_from_slice(value.as_bytes());
        }
        Context::Bare => {
            let scalar = !value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.+:-".contains(c));
            if !scalar {
                return Err(unrepresentable(
                    "is used outside quotes, so it must be a plain number or boolean; put the placeholder inside \"…\" quotes",
                ));
            }
            out.extend_from_slice(value.as_bytes());
        }
        // Comments are copied verbatim by the scanner and never reach this function.
        Context::Comment => out.extend_from_slice(value.as_bytes()),
    }
    Ok(())
}
