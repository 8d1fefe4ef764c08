//! The receive id at the end of every decrypted buffer says for whom the platform encrypted
//! it. Checking it stops a message for one corp or app from being accepted by another that
//! happens to share a key. Which id to expect depends on the callback kind (NOTES.md §1
//! "ReceiveId meaning"), so the policy is a set, and mismatches name what was found.

use crate::error::CryptoError;

/// Which receive ids a decrypted payload may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiveIdPolicy {
    /// Accept any receive id (e.g. a provider URL shared by many authorising corps whose
    /// corp ids are checked later against the store).
    Any,
    /// Accept exactly these ids (compared byte for byte; an empty string is a legal entry).
    OneOf(Vec<String>),
}

impl ReceiveIdPolicy {
    /// A policy accepting exactly one id.
    pub fn only(id: impl Into<String>) -> ReceiveIdPolicy {
        ReceiveIdPolicy::OneOf(vec![id.into()])
    }

    /// Checks `found`; a mismatch reports `found` and the expected set.
    pub fn check(&self, found: &str) -> Result<(), CryptoError> {
        match self {
            ReceiveIdPolicy::Any => Ok(()),
            ReceiveIdPolicy::OneOf(ids) if ids.iter().any(|id| id == found) => Ok(()),
            ReceiveIdPolicy::OneOf(ids) => Err(CryptoError::ValidateReceiveId {
                found: found.to_owned(),
                expected: ids.clone(),
            }),
        }
    }
}

/// A best guess at what kind of id `id` is, for error hints and the CLI.
///
/// Heuristic only: WeCom corp ids are `ww` + 16 hex digits (older corps: `wx…`), suite ids also
/// start with `ww` (legacy ones with `tj`), appids are `wx` + 16 hex digits.
pub fn describe_receive_id(id: &str) -> &'static str {
    let hexish = |rest: &str| rest.len() == 16 && rest.bytes().all(|b| b.is_ascii_alphanumeric());
    if id.is_empty() {
        "an empty receive id, used by callbacks of personal-subject third-party apps"
    } else if id.strip_prefix("ww").is_some_and(hexish) {
        "a WeCom corp id (enterprise-app and data callbacks) or a suite id (third-party 指令回调)"
    } else if id.starts_with("ww") {
        "a WeCom suite id (third-party 指令回调) or a malformed corp id"
    } else if id.strip_prefix("wx").is_some_and(hexish) {
        "an appid (Official Account, Mini Program, open platform) or an older WeCom corp id"
    } else if id.starts_with("tj") {
        "a legacy WeCom suite id (third-party 指令回调)"
    } else if id.starts_with("gh_") {
        "an original id (gh_…), which appears as ToUserName but is never a receive id"
    } else {
        "an id of unknown kind"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_membership_and_reports_what_it_found() {
        let policy = ReceiveIdPolicy::OneOf(vec!["wx5823bf96d3bd56c7".into(), String::new()]);
        assert!(policy.check("wx5823bf96d3bd56c7").is_ok());
        assert!(policy.check("").is_ok());
        let err = policy.check("ww1436e0e65a779aee").unwrap_err();
        assert_eq!(
            err,
            CryptoError::ValidateReceiveId {
                found: "ww1436e0e65a779aee".into(),
                expected: vec!["wx5823bf96d3bd56c7".into(), String::new()],
            }
        );
        assert_eq!(err.code(), -40005);
        assert!(ReceiveIdPolicy::Any.check("anything").is_ok());
        assert!(ReceiveIdPolicy::only("a").check("A").is_err());
    }

    #[test]
    fn describes_common_id_shapes() {
        assert!(describe_receive_id("").contains("personal-subject"));
        assert!(describe_receive_id("ww1436e0e65a779aee").contains("corp id"));
        assert!(describe_receive_id("wwddddccc7775555aaa").contains("suite id"));
        assert!(describe_receive_id("wx5823bf96d3bd56c7").contains("appid"));
        assert!(describe_receive_id("tj1234").contains("legacy"));
        assert!(describe_receive_id("gh_97417a04a28d").contains("original id"));
        assert!(describe_receive_id("???").contains("unknown"));
    }
}
