//! Uploaded media by content hash, so the same bytes are uploaded once per media lifetime: a
//! temporary media_id lives 3 days and is shared by every app of a corp, so the cache is keyed by
//! (scope = corp id, media type, SHA-256 of the bytes). The gateway decides freshness with its
//! own clock; this module only remembers.

use crate::backend::on_pool;
use crate::error::StoreError;
use crate::store::Store;

/// One cached upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedMedia {
    /// Who may use the media_id (a WeCom corp id, or `robot:{name}` for a robot's uploads).
    pub scope: String,
    /// `image`, `voice`, `video`, `file`, or `uploadimg` for permanent image URLs.
    pub media_type: String,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// The media_id (for `uploadimg`: the permanent URL).
    pub media_id: String,
    /// The file name it was uploaded with.
    pub filename: String,
    /// Its size in bytes.
    pub size: i64,
    /// The app (or robot) that uploaded it.
    pub uploaded_by: String,
    /// When it was uploaded (unix ms).
    pub created_at: i64,
    /// When the platform forgets it (unix ms); `None` for permanent uploads.
    pub expires_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    scope: String,
    media_type: String,
    sha256: String,
    media_id: String,
    filename: String,
    size: i64,
    uploaded_by: String,
    created_at: i64,
    expires_at: Option<i64>,
}

impl From<Row> for CachedMedia {
    fn from(r: Row) -> CachedMedia {
        CachedMedia {
            scope: r.scope,
            media_type: r.media_type,
            sha256: r.sha256,
            media_id: r.media_id,
            filename: r.filename,
            size: r.size,
            uploaded_by: r.uploaded_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
        }
    }
}

impl Store {
    /// The cached upload of these bytes (by hash) in `scope`, fresh or not.
    pub async fn get_cached_media(
        &self,
        scope: &str,
        media_type: &str,
        sha256: &str,
    ) -> Result<Option<CachedMedia>, StoreError> {
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT scope, media_type, sha256, media_id, filename, size, uploaded_by, created_at, expires_at \
                 FROM media_cache WHERE scope = $1 AND media_type = $2 AND sha256 = $3",
            )
            .bind(scope)
            .bind(media_type)
            .bind(sha256)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(CachedMedia::from))
    }

    /// Remembers an upload, replacing an older one of the same bytes.
    pub async fn put_cached_media(&self, media: &CachedMedia) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO media_cache (scope, media_type, sha256, media_id, filename, size, uploaded_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (scope, media_type, sha256) DO UPDATE SET media_id = excluded.media_id, \
                 filename = excluded.filename, size = excluded.size, uploaded_by = excluded.uploaded_by, \
                 created_at = excluded.created_at, expires_at = excluded.expires_at",
            )
            .bind(&media.scope)
            .bind(&media.media_type)
            .bind(&media.sha256)
            .bind(&media.media_id)
            .bind(&media.filename)
            .bind(media.size)
            .bind(&media.uploaded_by)
            .bind(media.created_at)
            .bind(media.expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
