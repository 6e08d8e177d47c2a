//! Chunked uploads: PATCH chunks with `Content-Range`, halved while the registry refuses them
//! as too large, resumed from a remembered session.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use oras_spec::Descriptor;
use reqwest::Method;
use reqwest::header::HeaderMap;

use super::session::save_session;
use crate::content::BlobSource;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, ReqBody, headers};
use crate::registry::repository::Repository;

/// The smallest chunk a chunked upload falls to when the registry refuses chunks as too
/// large (unless the registry asks for larger ones).
const MIN_CHUNK_ON_413: u64 = 256 << 10;

impl Repository {
    /// Chunked upload: PATCH chunks with `Content-Range` (each chunk is in memory, so it can be
    /// retried), then PUT the digest. The session is cancelled on failure.
    pub(super) async fn upload_chunked(
        &self,
        expected: &Descriptor,
        content: BlobSource,
    ) -> Result<()> {
        use tokio::io::AsyncReadExt;
        let state_file = self.session_file(expected);
        // An upload session an interrupted run left open, if the registry still has it.
        let resumed = match &state_file {
            Some(f) => self.open_session(f, expected).await,
            None => None,
        };
        let (mut location, start, min) = match resumed {
            Some((loc, offset)) => (loc, offset, 0),
            None => {
                let (loc, min) = self.start_upload().await?;
                (loc, 0, min)
            }
        };
        // the smallest chunk tried when the registry refuses chunks as too large
        let floor = min.max(MIN_CHUNK_ON_413);
        let chunk = self
            .upload
            .chunk_size
            .min(self.chunk_limit.load(Ordering::Relaxed))
            .max(min)
            .max(1) as usize;
        let res: Result<()> = async {
            let mut reader = content.into_reader_async().await?;
            let mut offset = start;
            if start > 0 {
                // skip what the registry already has (a local read, not a transfer)
                let skipped =
                    tokio::io::copy(&mut (&mut reader).take(start), &mut tokio::io::sink()).await?;
                if skipped != start {
                    return Err(Error::new(
                        ErrorKind::SizeMismatch,
                        format!(
                            "{}: source shorter than the resumed upload",
                            expected.digest
                        ),
                    ));
                }
            }
            let mut buf = vec![0u8; chunk.min(expected.size.max(1) as usize)];
            let mut piece = buf.len();
            loop {
                let mut n = 0;
                while n < buf.len() {
                    let r = reader.read(&mut buf[n..]).await?;
                    if r == 0 {
                        break;
                    }
                    n += r;
                }
                if n == 0 {
                    break;
                }
                // sent in pieces of `piece` bytes: the whole buffer unless the registry
                // refuses that much in one request, then halves until it gets through
                let mut sent = 0;
                while sent < n {
                    let len = piece.min(n - sent);
                    let range = format!("{offset}-{}", offset + len as u64 - 1);
                    let h = headers([
                        ("Content-Type", "application/octet-stream"),
                        ("Content-Range", range.as_str()),
                    ]);
                    let resp = self
                        .send(
                            Method::PATCH,
                            location.clone(),
                            h,
                            ReqBody::Bytes(Bytes::copy_from_slice(&buf[sent..sent + len])),
                            &["push"],
                        )
                        .await?;
                    let status = resp.status().as_u16();
                    if status == 413 && len as u64 > floor {
                        self.refused(len as u64);
                        piece = ((len / 2) as u64).max(floor) as usize;
                        self.chunk_limit.fetch_min(piece as u64, Ordering::Relaxed);
                        continue;
                    }
                    if status != 202 {
                        return Err(Client::error(&Method::PATCH, resp).await);
                    }
                    location = self.upload_location(&location, &resp)?;
                    offset += len as u64;
                    sent += len;
                    if let Some(f) = &state_file {
                        save_session(f, &location, offset).await;
                    }
                }
                if n < buf.len() {
                    break;
                }
            }
            self.close_upload(location.clone(), expected, HeaderMap::new(), ReqBody::Empty)
                .await
        }
        .await;
        match &res {
            Ok(()) => {
                if let Some(f) = &state_file {
                    let _ = tokio::fs::remove_file(f).await;
                }
            }
            // a network failure keeps the session for the next run; anything else ends it
            Err(e) if e.kind() == ErrorKind::Network && state_file.is_some() => {}
            Err(_) => {
                self.cancel_session(location).await;
                if let Some(f) = &state_file {
                    let _ = tokio::fs::remove_file(f).await;
                }
            }
        }
        res
    }
}
