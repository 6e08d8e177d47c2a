//! Uploads of standard input, whose size and digest are known only at its end. A session is
//! opened, the bytes are sent in chunks with `Content-Range` as they are read and hashed (each
//! chunk in memory, so a failed PATCH is sent again: standard input cannot be read twice), and
//! the closing PUT carries the digest computed on the way. Such a stream cannot be read again,
//! so the session is not remembered for a later run.

use std::sync::Mutex;

use oras_spec::{Algorithm, Descriptor, Digest};
use reqwest::header::HeaderMap;
use url::Url;

use super::chunked::{MIN_CHUNK_ON_413, Progress, chunk_buffer, fill};
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
        let sent = self.stream_upload(content, &Mutex::new(None)).await?;
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

    /// Opens a session (its location goes to `opened` at once) and sends `content` into it
    /// chunk by chunk as it is read and hashed; the session is left open for the PUT with the
    /// digest, or cancelled when anything fails. An empty stream sends no PATCH.
    pub(super) async fn stream_upload(
        &self,
        mut content: BlobReader,
        opened: &Mutex<Option<Url>>,
    ) -> Result<Sent> {
        let (location, min) = self.start_upload().await?;
        if let Ok(mut slot) = opened.lock() {
            *slot = Some(location.clone());
        }
        let chunk = self.chunk_len(min);
        let mut at = Progress {
            location,
            offset: 0,
            piece: chunk,
            floor: min.max(MIN_CHUNK_ON_413),
        };
        let mut digester = Algorithm::Sha256.digester();
        let res = async {
            let mut previous = None;
            loop {
                let mut buf = chunk_buffer(previous.take(), chunk);
                let n = fill(&mut content, &mut buf).await?;
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                digester.update(&buf);
                let sent = buf.freeze();
                self.send_chunk(sent.clone(), &mut at, None).await?;
                previous = Some(sent);
                if n < chunk {
                    break;
                }
            }
            Ok(())
        }
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
