//! Uploading with the media cache: the bytes are hashed (SHA-256), and an upload of the same
//! bytes, of the same type, in the same scope (a corp's apps share media; a robot has its own)
//! reuses the cached media_id while it has more than [`REUSE_MARGIN_SECS`] of its 3 days left.
//! After that the same content is uploaded again, transparently, and the cache updated.
//! Permanent image URLs (`uploadimg`) never expire.

use serde::Serialize;
use sha2::{Digest, Sha256};
use wxgate_client::WecomApi;
use wxgate_client::wecom::media::{MediaType, Upload};
use wxgate_client::wecom::robot::{RobotApi, RobotMediaType};
use wxgate_store::CachedMedia;

use crate::error::ApiError;
use crate::media::rules::{self, MediaKind};
use crate::messages::error::upstream;
use crate::state::Gateway;

/// Temporary media live 3 days (NOTES §3.4).
pub const MEDIA_TTL_SECS: i64 = 3 * 86_400;

/// A cached media_id is reused only with more than this left, so it cannot expire between
/// the upload answer and the message that uses it.
pub const REUSE_MARGIN_SECS: i64 = 3_600;

/// Who uploads, and where its media_ids are valid.
#[derive(Debug, Clone)]
pub enum Uploader {
    /// A WeCom app (or a suite in an authorised corp): media shared by the corp.
    Wecom {
        /// The API handle.
        api: WecomApi,
        /// The corp id.
        corp_id: String,
        /// The app's name.
        app: String,
    },
    /// A group robot: media for its own `file`/`voice` messages.
    Robot {
        /// The API handle.
        api: RobotApi,
        /// The robot's name.
        name: String,
    },
}

impl Uploader {
    fn scope(&self) -> String {
        match self {
            Uploader::Wecom { corp_id, .. } => corp_id.clone(),
            Uploader::Robot { name, .. } => format!("robot:{name}"),
        }
    }

    fn name(&self) -> &str {
        match self {
            Uploader::Wecom { app, .. } => app,
            Uploader::Robot { name, .. } => name,
        }
    }
}

/// A file received from the caller.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Its file name.
    pub filename: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The answer of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uploaded {
    /// `image`, `voice`, `video`, `file` or `uploadimg`.
    #[serde(rename = "type")]
    pub media_type: String,
    /// The media_id (temporary media).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// The permanent URL (`uploadimg`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: usize,
    /// The file name it was uploaded with.
    pub filename: String,
    /// When it was uploaded (unix seconds).
    pub created_at: i64,
    /// When the platform forgets it (unix seconds); absent for permanent images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Whether a cached upload of the same content was reused.
    pub reused: bool,
}

fn answer(cached: &CachedMedia, reused: bool) -> Uploaded {
    let permanent = cached.media_type == MediaKind::PermanentImage.as_str();
    Uploaded {
        media_type: cached.media_type.clone(),
        media_id: (!permanent).then(|| cached.media_id.clone()),
        url: permanent.then(|| cached.media_id.clone()),
        sha256: cached.sha256.clone(),
        size: usize::try_from(cached.size).unwrap_or_default(),
        filename: cached.filename.clone(),
        created_at: cached.created_at / 1000,
        expires_at: cached.expires_at.map(|e| e / 1000),
        reused,
    }
}

/// Uploads `file` as `kind` through `uploader`, or reuses the cached upload of the same content.
pub async fn upload(
    gateway: &Gateway,
    uploader: &Uploader,
    kind: MediaKind,
    file: Incoming,
) -> Result<Uploaded, ApiError> {
    let content_type = rules::check(kind, &file.bytes)?;
    let sha256 = hex::encode(Sha256::digest(&file.bytes));
    let scope = uploader.scope();
    let now = gateway.tokens.clock().now();
    if let Some(cached) = gateway
        .store
        .get_cached_media(&scope, kind.as_str(), &sha256)
        .await?
        && cached
            .expires_at
            .is_none_or(|e| e / 1000 > now + REUSE_MARGIN_SECS)
    {
        return Ok(answer(&cached, true));
    }
    let upload = Upload {
        filename: file.filename.clone(),
        content_type: content_type.to_owned(),
        bytes: file.bytes,
    };
    let media_id = match (uploader, kind) {
        (Uploader::Wecom { api, .. }, MediaKind::PermanentImage) => {
            api.media_uploadimg(&upload).await.map_err(upstream)?.url
        }
        (Uploader::Wecom { api, .. }, _) => {
            let media_type = match kind {
                MediaKind::Image => MediaType::Image,
                MediaKind::Voice => MediaType::Voice,
                MediaKind::Video => MediaType::Video,
                _ => MediaType::File,
            };
            api.media_upload(media_type, &upload)
                .await
                .map_err(upstream)?
                .media_id
        }
        (Uploader::Robot { api, .. }, MediaKind::File | MediaKind::Voice) => {
            let media_type = if kind == MediaKind::Voice {
                RobotMediaType::Voice
            } else {
                RobotMediaType::File
            };
            api.upload_media(media_type, &upload)
                .await
                .map_err(upstream)?
                .media_id
        }
        (Uploader::Robot { .. }, _) => {
            return Err(ApiError::bad_request(
                "robots take `file` and `voice` uploads (images go inline as base64)",
            ));
        }
    };
    let cached = CachedMedia {
        scope,
        media_type: kind.as_str().to_owned(),
        sha256,
        media_id,
        filename: upload.filename,
        size: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
        uploaded_by: uploader.name().to_owned(),
        created_at: now * 1000,
        expires_at: (kind != MediaKind::PermanentImage).then_some((now + MEDIA_TTL_SECS) * 1000),
    };
    gateway.store.put_cached_media(&cached).await?;
    Ok(answer(&cached, false))
}
