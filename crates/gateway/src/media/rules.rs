//! What may be uploaded, checked before anything goes to the platform (NOTES §3.4, path/96484):
//! every file more than 5 bytes; `image` at most 10 MB of JPG or PNG; `voice` at most 2 MB of AMR;
//! `video` at most 10 MB of MP4; `file` at most 20 MB; a permanent image (`uploadimg`) at most
//! 2 MB of JPG or PNG. Types are recognised by their first bytes, not by the file name.

use axum::http::StatusCode;

use crate::error::ApiError;

const MB: usize = 1024 * 1024;

/// The largest upload of any kind (a `file`).
pub const MAX_UPLOAD: usize = 20 * MB;

/// What is being uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// Temporary image: JPG/PNG ≤ 10 MB.
    Image,
    /// Temporary voice: AMR ≤ 2 MB.
    Voice,
    /// Temporary video: MP4 ≤ 10 MB.
    Video,
    /// Temporary file ≤ 20 MB.
    File,
    /// A permanent image for message bodies (`uploadimg`): JPG/PNG ≤ 2 MB.
    PermanentImage,
}

impl MediaKind {
    /// Parses `?type=` (with `permanent=true` for `uploadimg`).
    pub fn parse(kind: Option<&str>, permanent: bool) -> Result<MediaKind, ApiError> {
        match (kind, permanent) {
            (Some("image"), true) => Ok(MediaKind::PermanentImage),
            (_, true) => Err(ApiError::bad_request(
                "only images can be uploaded permanently: use `?type=image&permanent=true`",
            )),
            (Some("image"), false) => Ok(MediaKind::Image),
            (Some("voice"), false) => Ok(MediaKind::Voice),
            (Some("video"), false) => Ok(MediaKind::Video),
            (Some("file"), false) => Ok(MediaKind::File),
            _ => Err(ApiError::bad_request(
                "`?type=` must be image, voice, video or file (add `&permanent=true` to an image for a permanent URL)",
            )),
        }
    }

    /// The name in the cache and the answer (`uploadimg` for permanent images).
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Voice => "voice",
            MediaKind::Video => "video",
            MediaKind::File => "file",
            MediaKind::PermanentImage => "uploadimg",
        }
    }

    /// The largest accepted size.
    pub fn max_bytes(self) -> usize {
        match self {
            MediaKind::Image | MediaKind::Video => 10 * MB,
            MediaKind::Voice | MediaKind::PermanentImage => 2 * MB,
            MediaKind::File => 20 * MB,
        }
    }

    fn accepts(self, sniffed: Option<&str>) -> bool {
        match self {
            MediaKind::Image | MediaKind::PermanentImage => {
                matches!(sniffed, Some("image/jpeg" | "image/png"))
            }
            MediaKind::Voice => sniffed == Some("audio/amr"),
            MediaKind::Video => sniffed == Some("video/mp4"),
            MediaKind::File => true,
        }
    }

    fn formats(self) -> &'static str {
        match self {
            MediaKind::Image | MediaKind::PermanentImage => "JPG or PNG",
            MediaKind::Voice => "AMR",
            MediaKind::Video => "MP4",
            MediaKind::File => "any format",
        }
    }
}

/// The content type of known magic bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"#!AMR") {
        Some("audio/amr")
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        Some("video/mp4")
    } else {
        None
    }
}

/// Checks `bytes` as `kind`; returns the content type to upload them with.
pub fn check(kind: MediaKind, bytes: &[u8]) -> Result<&'static str, ApiError> {
    let max = kind.max_bytes();
    if bytes.len() <= 5 {
        return Err(ApiError::bad_request(format!(
            "the file has {} bytes; the platform takes files of more than 5 bytes",
            bytes.len()
        )));
    }
    if bytes.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            format!(
                "a {} upload may be at most {} MB ({} bytes); this one has {} bytes",
                kind.as_str(),
                max / MB,
                max,
                bytes.len()
            ),
        ));
    }
    let sniffed = sniff(bytes);
    if !kind.accepts(sniffed) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "wrong_file_type",
            format!(
                "a {} upload must be {}; this file is {}",
                kind.as_str(),
                kind.formats(),
                sniffed.unwrap_or("of another type")
            ),
        ));
    }
    Ok(sniffed.unwrap_or("application/octet-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000";

    #[test]
    fn sizes_and_types() {
        assert_eq!(check(MediaKind::Image, PNG).unwrap(), "image/png");
        assert_eq!(
            check(MediaKind::PermanentImage, b"\xFF\xD8\xFF\xE0xx").unwrap(),
            "image/jpeg"
        );
        assert_eq!(
            check(MediaKind::File, b"123456").unwrap(),
            "application/octet-stream"
        );
        assert_eq!(
            check(MediaKind::File, b"12345").unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            check(MediaKind::Image, b"GIF89a-----").unwrap_err().code(),
            "wrong_file_type"
        );
        assert_eq!(
            check(MediaKind::Voice, PNG).unwrap_err().code(),
            "wrong_file_type"
        );
        let mut big_png = PNG.to_vec();
        big_png.resize(2 * MB + 1, 0);
        assert!(check(MediaKind::Image, &big_png).is_ok());
        assert_eq!(
            check(MediaKind::PermanentImage, &big_png)
                .unwrap_err()
                .code(),
            "file_too_large"
        );
        assert_eq!(
            MediaKind::parse(Some("thumb"), false).unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        assert!(MediaKind::parse(Some("file"), true).is_err());
        assert_eq!(
            MediaKind::parse(Some("image"), true).unwrap(),
            MediaKind::PermanentImage
        );
    }
}
