//! Uploads of a one-shot stream of unknown size (standard input): a session is opened, the
//! stream is sent in chunks as it is read and hashed, and the closing PUT carries the digest
//! computed on the way. Only one chunk is held in memory at a time; a stream cannot be read
//! again, so the session is not remembered for a later run.

use oras_spec::{Algorithm, Descriptor};
use reqwest::header::HeaderMap;

use super::chunked::{MIN_CHUNK_ON_413, Progress, fill};
use crate::content::BlobReader;
use crate::error::Result;
use crate::registry::client::ReqBody;
use crate::registry::repository::Repository;

impl Repository {
    /// Uploads `content` as one blob of `media_type`; returns its descriptor (sha256). The
    /// session is cancelled when anything fails.
    pub(in crate::registry::repository) async fn upload_stream(
        &self,
        media_type: &str,
        content: BlobReader,
    ) -> Result<Descriptor> {
        let (location, min) = self.start_upload().await?;
        let chunk = self.chunk_len(min);
        let mut at = Progress {
            location,
            offset: 0,
            piece: chunk,
            floor: min.max(MIN_CHUNK_ON_413),
        };
        let res = self.send_stream(media_type, content, chunk, &mut at).await;
        if res.is_err() {
            self.cancel_session(at.location).await;
        }
        res
    }

    /// Reads, hashes and PATCHes the stream chunk by chunk, then closes the session with the
    /// digest (an empty stream: no PATCH, the PUT alone).
    async fn send_stream(
        &self,
        media_type: &str,
        mut content: BlobReader,
        chunk: usize,
        at: &mut Progress,
    ) -> Result<Descriptor> {
        let mut digester = Algorithm::Sha256.digester();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = fill(&mut content, &mut buf).await?;
            if n == 0 {
                break;
            }
            digester.update(&buf[..n]);
            self.send_chunk(&buf[..n], at, None).await?;
            if n < buf.len() {
                break;
            }
        }
        let desc = Descriptor::new(media_type, digester.finish(), at.offset);
        self.close_upload(at.location.clone(), &desc, HeaderMap::new(), ReqBody::Empty)
            .await?;
        Ok(desc)
    }
}
