//! The live directory (通讯录) of every simulated corp, shared by the contacts, identity, message
//! and suite APIs and edited through the control API. Corps installed at run time (a suite's
//! customers) get theirs added here too.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::directory::Directory;
use crate::world::World;

/// One corp's directory, behind a lock held only for the length of one read or write (never
/// across an `.await`).
pub type SharedDirectory = Arc<RwLock<Directory>>;

/// Directories by corp id.
#[derive(Debug, Default)]
pub struct Directories {
    by_corp: RwLock<BTreeMap<String, SharedDirectory>>,
}

impl Directories {
    /// Builds the directory of every corp in `world` from its [`crate::world::DirectorySource`].
    pub fn build(world: &World) -> Result<Directories, String> {
        let directories = Directories::default();
        for corp in &world.corps {
            let directory = corp
                .directory
                .build(&corp.corp_id)
                .map_err(|e| format!("corp {}: {e}", corp.name))?;
            directories.insert(&corp.corp_id, directory);
        }
        Ok(directories)
    }

    /// The directory of `corp_id`.
    pub fn get(&self, corp_id: &str) -> Option<SharedDirectory> {
        self.read().get(corp_id).cloned()
    }

    /// Adds or replaces the directory of `corp_id`.
    pub fn insert(&self, corp_id: &str, directory: Directory) -> SharedDirectory {
        let shared = Arc::new(RwLock::new(directory));
        self.by_corp
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(corp_id.to_owned(), shared.clone());
        shared
    }

    /// Every corp id with a directory, in order.
    pub fn corp_ids(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, SharedDirectory>> {
        self.by_corp
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
