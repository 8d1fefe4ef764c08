//! Everything that can go wrong while loading a configuration, each with what to do about it.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

use crate::interpolate::InterpolationError;

/// Loading a configuration failed.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration file {}: {source}; check the path and its permissions", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A `${…}` placeholder could not be substituted.
    #[error("configuration: {0}")]
    Interpolation(#[from] InterpolationError),
    /// The text is not valid TOML or does not fit the schema (unknown key, wrong type, missing key).
    #[error("configuration line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line (0 when the parser could not tell).
        line: usize,
        /// 1-based column, counted in characters (0 when unknown).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The file parsed, but some values are wrong. Every problem found is listed.
    #[error("{}", Issues(.0))]
    Invalid(Vec<ConfigIssue>),
}

/// One validation problem: where it is and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Where, e.g. `wecom[0].apps[1].encoding_aes_key`.
    pub path: String,
    /// What is wrong and how to fix it. Never contains a secret value.
    pub message: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

struct Issues<'a>(&'a [ConfigIssue]);

impl fmt::Display for Issues<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the configuration has {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for issue in self.0 {
            write!(f, "\n  - {issue}")?;
        }
        Ok(())
    }
}

impl ConfigError {
    /// Builds a [`ConfigError::Syntax`] from a TOML error, locating it in `text`.
    pub(crate) fn from_toml(err: &toml::de::Error, text: &str) -> Self {
        let (line, column) = match err.span() {
            Some(span) => line_column(text, span.start),
            None => (0, 0),
        };
        let mut message = err.message().trim_end().to_owned();
        if message.starts_with("unknown field") {
            message.push_str("; check the spelling (every key is listed in docs/configuration.md)");
        }
        ConfigError::Syntax {
            line,
            column,
            message,
        }
    }
}

/// 1-based line and character column of byte offset `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
