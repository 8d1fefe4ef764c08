//! The merged answer of the `message/send` calls of one send: every call's `msgid` and
//! `response_code`, and the union of the invalid and unlicensed recipients. A call answered with
//! 81013 (none of its recipients valid) counts all of its recipients as invalid.

use serde::Serialize;
use serde_json::Value;
use wxgate_client::wecom::message::SendReceipt;

use crate::messages::split::Chunk;

/// What a WeCom app send achieved, over all its calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AppSendResult {
    /// One msgid per accepted call (for recall).
    pub msgids: Vec<String>,
    /// Userids that could not receive it (lower-cased, as the platform returns them).
    pub invaliduser: Vec<String>,
    /// Departments that could not receive it.
    pub invalidparty: Vec<String>,
    /// Tags that could not receive it.
    pub invalidtag: Vec<String>,
    /// Users without a licence.
    pub unlicenseduser: Vec<String>,
    /// Template-card response codes, one per accepted call.
    pub response_codes: Vec<String>,
    /// Calls made to `message/send`.
    pub calls: usize,
    /// Calls the platform accepted.
    pub accepted_calls: usize,
    /// Calls answered 81013 (none of that call's recipients valid).
    pub all_invalid_calls: usize,
    /// The call that failed otherwise, if one did (and the calls after it were not made).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_call: Option<FailedCall>,
}

/// A call that failed with something other than 81013.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedCall {
    /// Its index (0-based) among the calls.
    pub index: usize,
    /// The error, as the API answers it.
    pub error: Value,
}

impl AppSendResult {
    /// Adds an accepted call.
    pub fn accepted(&mut self, receipt: SendReceipt) {
        self.calls += 1;
        self.accepted_calls += 1;
        self.invaliduser.extend(receipt.invaliduser);
        self.invalidparty.extend(receipt.invalidparty);
        self.invalidtag.extend(receipt.invalidtag);
        self.unlicenseduser.extend(receipt.unlicenseduser);
        self.msgids.extend(receipt.msgid.filter(|m| !m.is_empty()));
        self.response_codes
            .extend(receipt.response_code.filter(|c| !c.is_empty()));
    }

    /// Adds a call answered 81013: all of `chunk` was invalid.
    pub fn all_invalid(&mut self, chunk: &Chunk) {
        self.calls += 1;
        self.all_invalid_calls += 1;
        self.invaliduser
            .extend(chunk.users.iter().map(|u| u.to_lowercase()));
        self.invalidparty.extend(chunk.parties.iter().cloned());
        self.invalidtag.extend(chunk.tags.iter().cloned());
    }

    /// Records the call `index` that failed with `error`.
    pub fn failed(&mut self, index: usize, error: Value) {
        self.calls += 1;
        self.failed_call = Some(FailedCall { index, error });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_and_81013_calls_merge() {
        let mut r = AppSendResult::default();
        r.accepted(SendReceipt {
            invaliduser: vec!["ghost".into()],
            msgid: Some("m1".into()),
            ..SendReceipt::default()
        });
        r.all_invalid(&Chunk {
            users: vec!["Nobody".into()],
            parties: vec!["999".into()],
            tags: vec![],
        });
        r.accepted(SendReceipt {
            invalidtag: vec!["7".into()],
            unlicenseduser: vec!["u3".into()],
            msgid: Some("m2".into()),
            response_code: Some("rc".into()),
            ..SendReceipt::default()
        });
        assert_eq!(r.msgids, ["m1", "m2"]);
        assert_eq!(r.invaliduser, ["ghost", "nobody"]);
        assert_eq!(
            (r.invalidparty.clone(), r.invalidtag.clone()),
            (vec!["999".to_owned()], vec!["7".to_owned()])
        );
        assert_eq!(r.unlicenseduser, ["u3"]);
        assert_eq!(r.response_codes, ["rc"]);
        assert_eq!((r.calls, r.accepted_calls, r.all_invalid_calls), (3, 2, 1));
    }
}
