//! Uploads of standard input, whose size and digest are known only at its end. A session is
//! opened, the bytes are sent in chunks with `Content-Range` as they are read and hashed (each
//! chunk in memory, so a failed PATCH is sent again: standard input cannot be read twice), and
//! the closing PUT carries the digest computed on the way. Such a stream cannot be read again,
//! so the session is not remembered for a later run.

use oras_spec::{Algorithm, Descriptor, Digest};
use reqwest::header::HeaderMap;
use url::Url;

use super::chunked::{MIN_CHUNK_ON_413, Progress};
use crate::content::BlobReader;
use crate::error::Result;
use crate::registry::client::ReqBody;
use crate::registry::repository::Repository;

/// What a stream left in its (still open) session.
pub(super) struct Sent {
    /// The session's latest location.
    pub(super) location: Url,
    /// Bytes sent.
    pub(super) size: u64,
    /// Their sha256.
    pub(super) digest: Digest,
}

impl Repository {
    /// Uploads `content` as one blob of `media_type`; returns its descriptor (sha256). The
    /// session is cancelled when anything fails.
    pub(in crate::registry::repository) async fn upload_stream(
        &self,
        media_type: &str,
        content: BlobReader,
    ) -> Result<Descriptor> {
        let sent = self.stream_upload(content).await?;
        let desc = Descriptor::new(media_type, sent.digest, sent.size);
        let closed = self
            .close_upload(
                sent.location.clone(),
                &desc,
                HeaderMap::new(),
                ReqBody::Empty,
            )
            .await;
        if let Err(e) = closed {
            self.cancel_session(sent.location).await;
            return Err(e);
        }
        Ok(desc)
    }

    /// Opens a session and sends `content` into it chunk by chunk as it is read and hashed; the
    /// session is left open for the PUT with the digest, or cancelled when anything fails. An
    /// empty stream sends no PATCH.
    async fn stream_upload(&self, mut content: BlobReader) -> Result<Sent> {
        let (location, min) = self.start_upload().await?;
        let chunk = self.chunk_len(min);
        let mut at = Progress {
            location,
            offset: 0,
            piece: chunk,
            floor: min.max(MIN_CHUNK_ON_413),
        };
        let mut digester = Algorithm::Sha256.digester();
        let res = self
            .send_read(&mut content, chunk, &mut at, None, |b| digester.update(b))
            .await;
        if let Err(e) = res {
            self.cancel_session(at.location).await;
            return Err(e);
        }
        Ok(Sent {
            location: at.location,
            size: at.offset,
            digest: digester.finish(),
        })
    }
}
