//! The checkpoint of a full sync, saved with the job after every batch of staged data: which
//! paths the credential allowed, how far each phase got (the `user/list_id` cursor, which
//! departments are done). A sync resumed after a crash or a restart reads it back and carries on
//! where the last saved batch ended; nothing staged is fetched again.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// How departments are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentPath {
    /// `department/list`: the whole (visible) tree with names and leaders in one call.
    List,
    /// `department/simplelist` for the tree, then `department/get` per department for names.
    SimpleListAndGet,
    /// `department/simplelist` only: ids, parents and order; names unavailable.
    SimpleList,
}

/// How member details are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetailPath {
    /// `user/list` per department: every direct member with details in one call.
    UserList,
    /// `user/get` per member.
    UserGet,
    /// No details: members are known by id and departments only (`user/list_id`).
    None,
}

/// Progress through a list of work items processed out of order: everything below `low_water`
/// is done, plus the indexes in `done_above`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProgress {
    /// Items before this index are all done.
    pub low_water: usize,
    /// Items at or after `low_water` that are done.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub done_above: BTreeSet<usize>,
}

impl WorkProgress {
    /// Marks item `index` done.
    pub fn mark(&mut self, index: usize) {
        if index >= self.low_water {
            self.done_above.insert(index);
        }
        while self.done_above.remove(&self.low_water) {
            self.low_water += 1;
        }
    }

    /// Whether item `index` is done.
    pub fn is_done(&self, index: usize) -> bool {
        index < self.low_water || self.done_above.contains(&index)
    }

    /// The indexes below `len` still to do, in order.
    pub fn todo(&self, len: usize) -> Vec<usize> {
        (self.low_water.min(len)..len)
            .filter(|i| !self.done_above.contains(i))
            .collect()
    }

    /// How many items are done.
    pub fn done(&self) -> usize {
        self.low_water + self.done_above.len()
    }
}

/// The `user/list_id` phase.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdsProgress {
    /// Pages staged so far (keys `0..pages`).
    pub pages: u32,
    /// The cursor of the next page (`None` before the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Every page is staged.
    pub done: bool,
}

/// Everything a resumed sync needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Set once the department tree is staged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departments: Option<DepartmentPath>,
    /// `department/get` progress over the staged departments in id order.
    #[serde(default)]
    pub names: WorkProgress,
    /// Every name the credential allows is staged.
    #[serde(default)]
    pub names_done: bool,
    /// Whether `user/list_id` is allowed (`None`: not tried yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids_allowed: Option<bool>,
    /// The `user/list_id` pages.
    #[serde(default)]
    pub ids: IdsProgress,
    /// Set once the details path is chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<DetailPath>,
    /// Details progress over the work list (departments, or userids for `user/get`).
    #[serde(default)]
    pub details_progress: WorkProgress,
    /// Every member's details the credential allows are staged.
    #[serde(default)]
    pub details_done: bool,
    /// Whether tags are readable (`None`: not tried yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags_allowed: Option<bool>,
    /// Tags are staged (or unavailable).
    #[serde(default)]
    pub tags_done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_progress_advances_its_low_water_mark() {
        let mut p = WorkProgress::default();
        p.mark(2);
        p.mark(0);
        assert_eq!((p.low_water, p.done()), (1, 2));
        assert_eq!(p.todo(4), [1, 3]);
        p.mark(1);
        assert_eq!((p.low_water, p.done_above.len()), (3, 0));
        assert!(p.is_done(2) && !p.is_done(3));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<WorkProgress>(&json).unwrap(), p);
    }

    #[test]
    fn an_empty_checkpoint_reads_back() {
        let c: Checkpoint = serde_json::from_str("{}").unwrap();
        assert_eq!(c, Checkpoint::default());
    }
}
