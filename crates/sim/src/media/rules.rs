//! What an upload must be (NOTES §3.4, path/96484): more than 5 bytes; `image` at most 10 MB of
//! JPG or PNG; `voice` at most 2 MB of AMR; `video` at most 10 MB of MP4; `file` at most 20 MB.
//! File types are recognised by their magic bytes, not the filename. Codes: 40004 for an unknown
//! `type`, 40005 for a file of the wrong type, 40006 for a size outside the limits.

use crate::api_error::ApiError;

const MB: usize = 1024 * 1024;

/// A media type of `media/upload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// JPG or PNG, ≤ 10 MB.
    Image,
    /// AMR, ≤ 2 MB.
    Voice,
    /// MP4, ≤ 10 MB.
    Video,
    /// Anything, ≤ 20 MB.
    File,
}

impl MediaKind {
    /// Parses the `type` parameter; 40004 for anything else.
    pub fn parse(value: Option<&str>) -> Result<Self, ApiError> {
        match value {
            Some("image") => Ok(MediaKind::Image),
            Some("voice") => Ok(MediaKind::Voice),
            Some("video") => Ok(MediaKind::Video),
            Some("file") => Ok(MediaKind::File),
            _ => Err(ApiError::invalid_media_type()),
        }
    }

    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Voice => "voice",
            MediaKind::Video => "video",
            MediaKind::File => "file",
        }
    }

    /// The largest accepted size in bytes.
    pub fn max_bytes(self) -> usize {
        match self {
            MediaKind::Image | MediaKind::Video => 10 * MB,
            MediaKind::Voice => 2 * MB,
            MediaKind::File => 20 * MB,
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

/// Checks an upload of `kind`; returns the content type to serve it with.
pub fn check_upload(kind: MediaKind, bytes: &[u8]) -> Result<&'static str, ApiError> {
    if bytes.len() <= 5 || bytes.len() > kind.max_bytes() {
        return Err(ApiError::invalid_file_size());
    }
    let sniffed = sniff(bytes);
    let ok = match kind {
        MediaKind::Image => matches!(sniffed, Some("image/jpeg" | "image/png")),
        MediaKind::Voice => sniffed == Some("audio/amr"),
        MediaKind::Video => sniffed == Some("video/mp4"),
        MediaKind::File => true,
    };
    if !ok {
        return Err(ApiError::invalid_file_type());
    }
    Ok(sniffed.unwrap_or("application/octet-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_magic_bytes() {
        let png = b"\x89PNG\r\n\x1a\n0000";
        assert_eq!(check_upload(MediaKind::Image, png).unwrap(), "image/png");
        assert_eq!(
            check_upload(MediaKind::Image, b"GIF89a000")
                .unwrap_err()
                .errcode,
            40005
        );
        assert_eq!(
            check_upload(MediaKind::File, b"12345").unwrap_err().errcode,
            40006
        );
        assert_eq!(
            check_upload(MediaKind::File, b"123456").unwrap(),
            "application/octet-stream"
        );
        let big = vec![b'#'; 2 * MB + 1];
        assert_eq!(
            check_upload(MediaKind::Voice, &big).unwrap_err().errcode,
            40006
        );
        assert_eq!(MediaKind::parse(Some("thumbx")).unwrap_err().errcode, 40004);
    }
}
