//! Temporary media (素材) on both platforms (NOTES §3.4): `media/upload` with the documented type
//! and size rules, `media/uploadimg` (permanent image URLs), `media/get`, and `GET /sim/media`.
//! media_ids live 3 simulated days and are shared by every app of a corp (WeChat: per appid).

pub mod rules;
pub mod store;

mod routes;

pub(crate) use routes::media_part;
pub use routes::{MEDIA_BODY_LIMIT, control_routes, routes};
pub use rules::{MediaKind, check_upload};
pub use store::{MEDIA_TTL_SECS, MediaItem, MediaStore};
