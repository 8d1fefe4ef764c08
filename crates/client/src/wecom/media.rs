//! Temporary media (NOTES §3.4, path/96484): upload as multipart field `media` (valid 3 days,
//! shared across the corp's apps), permanent image upload for message bodies, and download.

use serde::Deserialize;

use crate::error::ClientError;
use crate::http::{Base, Client};
use crate::lenient;
use crate::wecom::WecomApi;

/// The kind of a temporary media upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// JPG/PNG, ≤10 MB.
    Image,
    /// AMR, ≤2 MB, ≤60 s.
    Voice,
    /// MP4, ≤10 MB.
    Video,
    /// Any file, ≤20 MB.
    File,
}

impl MediaType {
    /// The `type=` value.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "image",
            MediaType::Voice => "voice",
            MediaType::Video => "video",
            MediaType::File => "file",
        }
    }
}

/// A file to upload.
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    /// The file name sent in the multipart part.
    pub filename: String,
    /// Its MIME type, e.g. `image/png`.
    pub content_type: String,
    /// Its bytes (more than 5).
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Upload {
    /// The multipart form with the file as field `media`.
    pub(crate) fn form(&self) -> reqwest::multipart::Form {
        let part =
            reqwest::multipart::Part::bytes(self.bytes.clone()).file_name(self.filename.clone());
        let part = match part.mime_str(&self.content_type) {
            Ok(p) => p,
            // An unparsable MIME type is sent as a generic binary.
            Err(_) => {
                reqwest::multipart::Part::bytes(self.bytes.clone()).file_name(self.filename.clone())
            }
        };
        reqwest::multipart::Form::new().part("media", part)
    }
}

/// The answer of a temporary media upload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UploadedMedia {
    /// `image`, `voice`, `video` or `file`.
    #[serde(rename = "type", default)]
    pub media_type: Option<String>,
    /// The id to reference it (valid 3 days).
    pub media_id: String,
    /// Upload time, Unix seconds (sent as a string by the doc, an integer by the SDK fixture).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub created_at: Option<i64>,
}

/// The answer of `media/uploadimg`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UploadedImage {
    /// Permanent URL of the image.
    pub url: String,
}

/// A downloaded media file.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// The `Content-Type` returned.
    pub content_type: Option<String>,
    /// The file name from `Content-Disposition`, if any.
    pub filename: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaFile")
            .field("content_type", &self.content_type)
            .field("filename", &self.filename)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The `filename` of a `Content-Disposition: attachment; filename="x.jpg"` header.
fn disposition_filename(header: &str) -> Option<String> {
    header.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k.trim() == "filename").then(|| v.trim().trim_matches('"').to_owned())
    })
}

impl WecomApi {
    /// `POST /cgi-bin/media/upload?type=`: a temporary media file.
    pub async fn media_upload(
        &self,
        media_type: MediaType,
        file: &Upload,
    ) -> Result<UploadedMedia, ClientError> {
        self.scope
            .request("media/upload", |client: &Client, token| {
                client
                    .post(Base::Wecom, "/cgi-bin/media/upload")
                    .query(&[("access_token", token), ("type", media_type.as_str())])
                    .multipart(file.form())
            })
            .await
    }

    /// `POST /cgi-bin/media/uploadimg`: an image for message bodies, returning a permanent URL.
    pub async fn media_uploadimg(&self, file: &Upload) -> Result<UploadedImage, ClientError> {
        self.scope
            .request("media/uploadimg", |client: &Client, token| {
                client
                    .post(Base::Wecom, "/cgi-bin/media/uploadimg")
                    .query(&[("access_token", token)])
                    .multipart(file.form())
            })
            .await
    }

    /// `GET /cgi-bin/media/get?media_id=`: download a temporary media file.
    pub async fn media_get(&self, media_id: &str) -> Result<MediaFile, ClientError> {
        let raw = self
            .scope
            .request_raw("media/get", |client: &Client, token| {
                client
                    .get(Base::Wecom, "/cgi-bin/media/get")
                    .query(&[("access_token", token), ("media_id", media_id)])
            })
            .await?;
        Ok(MediaFile {
            filename: raw
                .content_disposition
                .as_deref()
                .and_then(disposition_filename),
            content_type: raw.content_type,
            bytes: raw.body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_at_may_be_a_string_or_an_integer() {
        let doc: UploadedMedia = serde_json::from_str(r#"{"errcode":0,"errmsg":"","type":"image","media_id":"1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0","created_at":"1380000000"}"#).unwrap();
        assert_eq!(doc.created_at, Some(1380000000));
        assert_eq!(doc.media_type.as_deref(), Some("image"));
    }

    #[test]
    fn content_disposition_names_the_file() {
        assert_eq!(
            disposition_filename(r#"attachment; filename="a b.jpg""#).as_deref(),
            Some("a b.jpg")
        );
        assert_eq!(disposition_filename("inline"), None);
    }
}
