//! The one error type of the store; each variant says what to check or do.

use crate::secret_box::SecretError;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL is not one the store understands.
    #[error(
        "unsupported database URL `{url}`: use `sqlite://path/to/wxgate.db`, `sqlite::memory:` or `postgres://user@host:5432/db`"
    )]
    UnsupportedUrl {
        /// The URL with any password replaced by `***`.
        url: String,
    },
    /// The database could not be reached or opened.
    #[error(
        "cannot connect to the database at `{url}`: {source}; check that the server is running and reachable, the credentials and database name are right, or for SQLite that the directory exists and is writable"
    )]
    NotConnected {
        /// The URL with any password replaced by `***`.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// Running the embedded migrations failed.
    #[error(
        "database migration failed: {0}; the database may be newer than this wxgate binary or was changed by hand; restore from a backup or upgrade wxgate"
    )]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A sealed column could not be opened.
    #[error("cannot read the sealed `{column}` column: {source}")]
    Decryption {
        /// Which column held the value.
        column: &'static str,
        /// Why it could not be opened.
        #[source]
        source: SecretError,
    },
    /// The row is in a state that does not allow the operation.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The row does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// No lock could be taken within the wait.
    #[error(
        "lock `{name}` is held by another instance and was not released within {waited_ms} ms; retry later"
    )]
    LockBusy {
        /// The lock's name.
        name: String,
        /// How long we waited.
        waited_ms: u128,
    },
    /// A JSON column holds something that is not valid JSON (the row was edited by hand).
    #[error("column `{column}` holds invalid JSON ({source}); fix or delete the row")]
    CorruptJson {
        /// Which column.
        column: &'static str,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// Any other database error.
    #[error(
        "database error: {0}; check the database server's log and that migrations ran (`wxgate migrate`)"
    )]
    Db(#[from] sqlx::Error),
    /// An error of the callback writer's own SQLite connection.
    #[error(
        "database error in the event writer: {0}; check that the SQLite file is writable and that migrations ran (`wxgate migrate`)"
    )]
    Sqlite(#[from] rusqlite::Error),
    /// The callback writer's thread could not be started.
    #[error("cannot start the event writer thread: {0}")]
    WriterThread(#[source] std::io::Error),
    /// The callback writer's thread ended without answering (it panicked).
    #[error("the event writer thread stopped unexpectedly; the next batch starts a new one")]
    WriterStopped,
}

impl StoreError {
    pub(crate) fn sealed(column: &'static str) -> impl FnOnce(SecretError) -> StoreError {
        move |source| StoreError::Decryption { column, source }
    }

    pub(crate) fn json(column: &'static str) -> impl FnOnce(serde_json::Error) -> StoreError {
        move |source| StoreError::CorruptJson { column, source }
    }
}

/// `url` with the password (if any) replaced by `***`, safe to show and log.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let user = userinfo.split(':').next().unwrap_or("");
    let shown = if userinfo.contains(':') {
        format!("{user}:***")
    } else {
        user.to_owned()
    };
    format!("{}{}@{}", &url[..scheme_end + 3], shown, &rest[at + 1..])
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn password_is_hidden() {
        assert_eq!(
            redact_url("postgres://wx:s3cret@db:5432/wxgate?sslmode=require"),
            "postgres://wx:***@db:5432/wxgate?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://wx@db/wxgate"),
            "postgres://wx@db/wxgate"
        );
        assert_eq!(redact_url("sqlite://data/wx.db"), "sqlite://data/wx.db");
    }
}
