//! Uploaded media, by media_id, with their owner scope (a WeCom corp id or a WeChat appid) and
//! upload time; `media/get` reads them back while they are less than 3 days old.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use rand::RngExt;
use serde::Serialize;

use super::rules::MediaKind;

/// Temporary media live 3 days (NOTES §3.4).
pub const MEDIA_TTL_SECS: i64 = 3 * 86_400;

/// One upload.
#[derive(Debug, Clone, Serialize)]
pub struct MediaItem {
    /// The media_id (or, for `uploadimg`, the id inside the URL).
    pub media_id: String,
    /// The corp id (WeCom) or appid (WeChat) that may use it.
    pub scope: String,
    /// The app that uploaded it.
    pub uploaded_by: String,
    /// The `type`, or `None` for permanent `uploadimg` images.
    pub kind: Option<MediaKind>,
    /// The filename sent with the upload.
    pub filename: String,
    /// The content type served by `media/get`.
    pub content_type: String,
    /// Size in bytes.
    pub size: usize,
    /// Simulated unix time of the upload.
    pub created_at: i64,
    /// The contents (never listed).
    #[serde(skip)]
    pub bytes: Bytes,
}

/// Every upload since start.
#[derive(Debug, Default)]
pub struct MediaStore {
    items: Mutex<HashMap<String, MediaItem>>,
}

const ID_CHARSET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn fresh_id() -> String {
    let mut rng = rand::rng();
    (0..44)
        .map(|_| ID_CHARSET[rng.random_range(0..ID_CHARSET.len())] as char)
        .collect()
}

impl MediaStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, MediaItem>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores an upload under a new media_id and returns it (without the bytes cloned twice).
    pub fn insert(&self, mut item: MediaItem) -> MediaItem {
        let mut items = self.lock();
        let id = loop {
            let id = fresh_id();
            if !items.contains_key(&id) {
                break id;
            }
        };
        item.media_id = id.clone();
        items.insert(id, item.clone());
        item
    }

    /// The media `media_id` of `scope`, if it exists and (for temporary media) has not expired.
    pub fn get(&self, scope: &str, media_id: &str, now: i64) -> Option<MediaItem> {
        let items = self.lock();
        let item = items.get(media_id)?;
        let alive = item.kind.is_none() || now < item.created_at + MEDIA_TTL_SECS;
        (item.scope == scope && alive).then(|| item.clone())
    }

    /// Every upload (bytes are not serialised), oldest first.
    pub fn list(&self) -> Vec<MediaItem> {
        let mut all: Vec<MediaItem> = self.lock().values().cloned().collect();
        all.sort_by(|a, b| (a.created_at, &a.media_id).cmp(&(b.created_at, &b.media_id)));
        all
    }

    /// Forgets every upload (control API reset).
    pub fn clear(&self) {
        self.lock().clear();
    }
}
