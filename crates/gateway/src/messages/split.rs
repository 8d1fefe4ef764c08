//! Splitting recipients over several `message/send` calls: one call takes at most 1000 userids,
//! 100 departments and 100 tags (NOTES §3.4), so a larger audience goes out in as many calls as
//! the longest list needs, call *i* carrying the *i*-th slice of each list. Duplicates are dropped
//! first (userids case-insensitively, as the platform compares them).

use std::collections::HashSet;

/// Most userids in one call.
pub const MAX_USERS: usize = 1000;
/// Most department ids in one call.
pub const MAX_PARTIES: usize = 100;
/// Most tag ids in one call.
pub const MAX_TAGS: usize = 100;

/// The recipients of one `message/send` call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chunk {
    /// Userids (or `@all`).
    pub users: Vec<String>,
    /// Department ids.
    pub parties: Vec<String>,
    /// Tag ids.
    pub tags: Vec<String>,
}

fn dedup(items: &[String], key: impl Fn(&str) -> String) -> Vec<String> {
    let mut seen = HashSet::new();
    items
        .iter()
        .filter(|i| seen.insert(key(i)))
        .cloned()
        .collect()
}

fn slice(items: &[String], size: usize, index: usize) -> Vec<String> {
    items
        .iter()
        .skip(index * size)
        .take(size)
        .cloned()
        .collect()
}

/// The calls that reach `users`, `parties` and `tags`.
pub fn split(users: &[String], parties: &[String], tags: &[String]) -> Vec<Chunk> {
    let users = dedup(users, str::to_lowercase);
    let parties = dedup(parties, str::to_owned);
    let tags = dedup(tags, str::to_owned);
    let calls = users
        .len()
        .div_ceil(MAX_USERS)
        .max(parties.len().div_ceil(MAX_PARTIES))
        .max(tags.len().div_ceil(MAX_TAGS));
    (0..calls)
        .map(|i| Chunk {
            users: slice(&users, MAX_USERS, i),
            parties: slice(&parties, MAX_PARTIES, i),
            tags: slice(&tags, MAX_TAGS, i),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    #[test]
    fn small_audiences_take_one_call() {
        let chunks = split(&ids("u", 3), &ids("", 2), &[]);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].users.len(), 3);
        assert_eq!(chunks[0].parties, ["0", "1"]);
        assert!(split(&[], &[], &[]).is_empty());
    }

    #[test]
    fn every_list_is_cut_at_its_limit() {
        let chunks = split(&ids("u", 2500), &ids("", 150), &ids("", 320));
        assert_eq!(chunks.len(), 4);
        for c in &chunks {
            assert!(
                c.users.len() <= MAX_USERS
                    && c.parties.len() <= MAX_PARTIES
                    && c.tags.len() <= MAX_TAGS
            );
        }
        assert_eq!(chunks.iter().map(|c| c.users.len()).sum::<usize>(), 2500);
        assert_eq!(chunks.iter().map(|c| c.parties.len()).sum::<usize>(), 150);
        assert_eq!(chunks.iter().map(|c| c.tags.len()).sum::<usize>(), 320);
        assert_eq!((chunks[2].users.len(), chunks[3].users.len()), (500, 0));
        assert_eq!(chunks[3].tags.len(), 20);
    }

    #[test]
    fn duplicates_are_sent_once() {
        let users: Vec<String> = ["ZhangSan", "zhangsan", "lisi"].map(String::from).into();
        let chunks = split(&users, &["1".into(), "1".into()], &[]);
        assert_eq!(chunks[0].users, ["ZhangSan", "lisi"]);
        assert_eq!(chunks[0].parties, ["1"]);
    }
}
