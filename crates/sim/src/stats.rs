//! Call statistics: how often each API path and each app was called, and which error codes each
//! path answered. Tests use them to prove a client cached its token or retried; the console shows
//! them. Recorded by the API layer for every platform call.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// A copy of the counters, as `GET /sim/stats` returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Every platform API call counted.
    pub total_calls: u64,
    /// Calls per API path.
    pub calls_by_path: BTreeMap<String, u64>,
    /// Calls per calling app (known once its secret or token was checked).
    pub calls_by_app: BTreeMap<String, u64>,
    /// Error answers per API path, per errcode.
    pub errors_by_path: BTreeMap<String, BTreeMap<i64, u64>>,
}

impl StatsSnapshot {
    /// Calls on `path`.
    pub fn calls(&self, path: &str) -> u64 {
        self.calls_by_path.get(path).copied().unwrap_or(0)
    }

    /// Answers with `errcode` on `path`.
    pub fn errors(&self, path: &str, errcode: i64) -> u64 {
        self.errors_by_path
            .get(path)
            .and_then(|m| m.get(&errcode))
            .copied()
            .unwrap_or(0)
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub struct Stats {
    inner: Mutex<StatsSnapshot>,
}

impl Stats {
    /// Counts one call on `path`, by `app` when known, answered with `errcode` when it failed.
    pub fn record(&self, path: &str, app: Option<&str>, errcode: Option<i64>) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        s.total_calls += 1;
        *s.calls_by_path.entry(path.to_owned()).or_default() += 1;
        if let Some(app) = app {
            *s.calls_by_app.entry(app.to_owned()).or_default() += 1;
        }
        if let Some(code) = errcode.filter(|c| *c != 0) {
            *s.errors_by_path
                .entry(path.to_owned())
                .or_default()
                .entry(code)
                .or_default() += 1;
        }
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Zeroes every counter.
    pub fn clear(&self) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = StatsSnapshot::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_calls_apps_and_errors() {
        let stats = Stats::default();
        stats.record("/a", Some("app"), None);
        stats.record("/a", None, Some(40014));
        stats.record("/a", Some("app"), Some(0));
        let s = stats.snapshot();
        assert_eq!((s.total_calls, s.calls("/a"), s.calls("/b")), (3, 3, 0));
        assert_eq!(s.calls_by_app["app"], 2);
        assert_eq!((s.errors("/a", 40014), s.errors("/a", 0)), (1, 0));
        stats.clear();
        assert_eq!(stats.snapshot(), StatsSnapshot::default());
    }
}
