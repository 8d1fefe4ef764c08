//! `user/list_id` paging: the directory as a stable sequence of (userid, department) records, one
//! per member per department, handed out in pages with an opaque cursor (NOTES.md §3.3).
//!
//! The sequence is members by userid, each with its departments in its own order. The cursor
//! names the last member returned and how many of its records were sent, so a page boundary
//! survives edits made between calls: unchanged members are neither repeated nor skipped.

use std::ops::Bound;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use super::error::DirectoryError;
use super::model::Directory;

/// Largest page `user/list_id` serves.
pub const MAX_LIST_ID_LIMIT: usize = 10_000;

const CURSOR_VERSION: &str = "v1";

/// One record of `dept_user`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DeptUser {
    /// The member.
    pub userid: String,
    /// One of its departments.
    pub department: u32,
}

/// One page of `user/list_id`; serialises to the response body without errcode/errmsg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListIdPage {
    /// Pass this as `cursor` for the next page; empty when there is none.
    pub next_cursor: String,
    /// The records.
    pub dept_user: Vec<DeptUser>,
}

/// Where a page starts: after `sent` records of member `userid`.
struct Position {
    userid: String,
    sent: usize,
}

fn encode_cursor(position: &Position) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{CURSOR_VERSION}|{}|{}",
        position.sent, position.userid
    ))
}

fn decode_cursor(cursor: &str) -> Result<Position, DirectoryError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| DirectoryError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| DirectoryError::InvalidCursor)?;
    let mut parts = text.splitn(3, '|');
    let (Some(CURSOR_VERSION), Some(sent), Some(userid)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(DirectoryError::InvalidCursor);
    };
    let sent = sent.parse().map_err(|_| DirectoryError::InvalidCursor)?;
    if userid.is_empty() {
        return Err(DirectoryError::InvalidCursor);
    }
    Ok(Position {
        userid: userid.to_owned(),
        sent,
    })
}

impl Directory {
    /// One page of `user/list_id`. `cursor` is `None` (or empty) for the first page, then the
    /// previous page's `next_cursor`; `limit` must be 1–10000.
    pub fn list_id(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ListIdPage, DirectoryError> {
        if !(1..=MAX_LIST_ID_LIMIT).contains(&limit) {
            return Err(DirectoryError::InvalidLimit(limit));
        }
        let start = match cursor.filter(|c| !c.is_empty()) {
            Some(c) => Some(decode_cursor(c)?),
            None => None,
        };
        // Records still owed from the member the previous page stopped in, then later members.
        let (lower, skip) = match &start {
            Some(p) => (Bound::Included(p.userid.as_str()), p.sent),
            None => (Bound::Unbounded, 0),
        };
        let mut records = self
            .members
            .range::<str, _>((lower, Bound::Unbounded))
            .flat_map(|(userid, member)| {
                let skip_here = match &start {
                    Some(p) if *userid == p.userid => skip,
                    _ => 0,
                };
                member
                    .department
                    .iter()
                    .enumerate()
                    .skip(skip_here)
                    .map(move |(i, dept)| (userid, i, *dept))
            });
        let mut dept_user = Vec::with_capacity(limit.min(1024));
        let mut last = None;
        for (userid, i, department) in records.by_ref().take(limit) {
            dept_user.push(DeptUser {
                userid: userid.clone(),
                department,
            });
            last = Some((userid, i));
        }
        let more = records.next().is_some();
        let next_cursor = match (more, last) {
            (true, Some((userid, i))) => encode_cursor(&Position {
                userid: userid.clone(),
                sent: i + 1,
            }),
            _ => String::new(),
        };
        Ok(ListIdPage {
            next_cursor,
            dept_user,
        })
    }
}
