//! `user/list_id` paging: completeness, cursor handling, limits.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::small;
use crate::directory::{DeptUser, Directory, GenerateOptions, Member};

fn all_pages(dir: &Directory, limit: usize) -> (Vec<DeptUser>, usize) {
    let mut cursor = String::new();
    let mut records = Vec::new();
    let mut pages = 0;
    loop {
        let page = dir.list_id(Some(&cursor), limit).unwrap();
        assert!(page.dept_user.len() <= limit);
        records.extend(page.dept_user);
        pages += 1;
        if page.next_cursor.is_empty() {
            return (records, pages);
        }
        cursor = page.next_cursor;
    }
}

fn expected_pairs(dir: &Directory) -> HashSet<(String, u32)> {
    dir.members()
        .flat_map(|m| m.department.iter().map(|d| (m.userid.clone(), *d)))
        .collect()
}

#[test]
fn paging_25000_members_yields_every_pair_once() {
    let dir = Directory::generate(&GenerateOptions {
        members: 25_000,
        departments: 800,
        seed: 25,
        ..GenerateOptions::default()
    });
    let (records, pages) = all_pages(&dir, 10_000);
    let expected = expected_pairs(&dir);
    assert!(
        expected.len() > 25_000,
        "some members are in several departments"
    );
    assert_eq!(
        records.len(),
        expected.len(),
        "no duplicates, nothing missing"
    );
    let got: HashSet<(String, u32)> = records
        .into_iter()
        .map(|r| (r.userid, r.department))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(pages, expected.len().div_ceil(10_000));
}

#[test]
fn small_pages_give_the_same_sequence_as_one_big_page() {
    let dir = small();
    let whole = dir.list_id(None, 10_000).unwrap();
    assert_eq!(whole.next_cursor, "");
    assert_eq!(whole.dept_user.len(), 5);
    for limit in [1, 2, 3, 4] {
        let (records, _) = all_pages(&dir, limit);
        assert_eq!(records, whole.dept_user, "limit {limit}");
    }
    // lisi is in two departments: two records, in the member's department order.
    let lisi: Vec<u32> = whole
        .dept_user
        .iter()
        .filter(|r| r.userid == "lisi")
        .map(|r| r.department)
        .collect();
    assert_eq!(lisi, [3, 5]);
}

#[test]
fn an_exactly_full_last_page_ends_the_listing() {
    let dir = small();
    let page = dir.list_id(None, 5).unwrap();
    assert_eq!(page.dept_user.len(), 5);
    assert_eq!(page.next_cursor, "");
    let page = dir.list_id(None, 4).unwrap();
    assert_ne!(page.next_cursor, "");
}

#[test]
fn limits_and_cursors_are_checked() {
    let dir = small();
    assert_eq!(dir.list_id(None, 0).unwrap_err().errcode(), 40058);
    assert_eq!(dir.list_id(None, 10_001).unwrap_err().errcode(), 40058);
    assert!(dir.list_id(None, 10_000).is_ok());
    for bad in [
        "!!!".to_owned(),
        URL_SAFE_NO_PAD.encode("v2|1|lisi"),
        URL_SAFE_NO_PAD.encode("v1|x|lisi"),
        URL_SAFE_NO_PAD.encode("v1|1|"),
        URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
    ] {
        let err = dir.list_id(Some(&bad), 10).unwrap_err();
        assert_eq!(err.errcode(), 50100, "{bad}");
    }
}

#[test]
fn edits_between_pages_neither_repeat_nor_skip_unchanged_members() {
    let mut dir = small();
    let first = dir.list_id(None, 2).unwrap();
    let seen: Vec<String> = first.dept_user.iter().map(|r| r.userid.clone()).collect();
    // Delete a member already listed and add one that sorts after the cursor.
    dir.delete_user(&seen[0]).unwrap();
    let mut m = Member::new("zzz", "最后", vec![1]);
    m.email = "zzz@sim.example".to_owned();
    dir.create_user(m).unwrap();
    let mut rest = Vec::new();
    let mut cursor = first.next_cursor;
    while !cursor.is_empty() {
        let page = dir.list_id(Some(&cursor), 2).unwrap();
        rest.extend(page.dept_user);
        cursor = page.next_cursor;
    }
    let mut all: Vec<(String, u32)> = first
        .dept_user
        .into_iter()
        .chain(rest)
        .map(|r| (r.userid, r.department))
        .collect();
    let unique: HashSet<_> = all.iter().cloned().collect();
    assert_eq!(unique.len(), all.len(), "a record was repeated: {all:?}");
    all.retain(|(u, _)| u != &seen[0]);
    let mut expected: Vec<_> = expected_pairs(&dir).into_iter().collect();
    expected.sort();
    all.sort();
    assert_eq!(all, expected);
}

#[test]
fn page_serialises_to_the_api_shape() {
    let dir = small();
    let page = dir.list_id(None, 1).unwrap();
    let v = serde_json::to_value(&page).unwrap();
    assert!(v["next_cursor"].is_string());
    assert_eq!(v["dept_user"][0]["userid"], "lisi");
    assert_eq!(v["dept_user"][0]["department"], 3);
}
