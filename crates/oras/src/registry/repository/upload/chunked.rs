//! Chunked uploads: PATCH chunks with `Content-Range`, halved while the registry refuses them
//! as too large, resumed from a remembered session.

use std::path::Path;
use std::sync::atomic::Ordering;

use bytes::{Bytes, BytesMut};
use oras_spec::Descriptor;
use reqwest::Method;
use reqwest::header::HeaderMap;
use tokio::io::{AsyncRead, AsyncReadExt};
use url::Url;

use super::session::save_session;
use crate::content::BlobSource;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, ReqBody, headers};
use crate::registry::repository::Repository;

/// The smallest chunk a chunked upload falls to when the registry refuses chunks as too
/// large (unless the registry asks for larger ones).
pub(super) const MIN_CHUNK_ON_413: u64 = 256 << 10;

/// A buffer of `len` bytes for the next chunk: the memory of the `previous` chunk again once
/// its requests let go of it (one allocation per upload instead of one per chunk, which the
/// allocator would keep around per thread), else a new one. Its bytes are overwritten by the
/// next fill.
fn chunk_buffer(previous: Option<Bytes>, len: usize) -> BytesMut {
    match previous.map(Bytes::try_into_mut) {
        Some(Ok(mut buf)) => {
            buf.resize(len, 0);
            buf
        }
        _ => BytesMut::zeroed(len),
    }
}

/// Where a chunked upload stands.
pub(super) struct Progress {
    /// The session's latest location.
    pub(super) location: Url,
    /// Bytes the registry holds.
    pub(super) offset: u64,
    /// Bytes sent per request: a whole chunk unless the registry refuses that much in one
    /// request, then halved until it gets through.
    pub(super) piece: usize,
    /// The smallest piece tried when the registry refuses pieces as too large.
    pub(super) floor: u64,
}

impl Repository {
    /// Chunked upload: PATCH chunks with `Content-Range` (each chunk is in memory, so it can be
    /// retried), then PUT the digest. The session is cancelled on failure.
    pub(super) async fn upload_chunked(
        &self,
        expected: &Descriptor,
        content: BlobSource,
    ) -> Result<()> {
        let state_file = self.session_file(expected);
        let (location, offset, min) = self
            .resume_or_start(state_file.as_deref(), expected)
            .await?;
        let mut at = Progress {
            location,
            offset,
            piece: 0,
            floor: min.max(MIN_CHUNK_ON_413),
        };
        let chunk = self.chunk_len(min);
        let res = self
            .send_chunks(expected, content, chunk, &mut at, state_file.as_deref())
            .await;
        self.end_session(&res, at.location, state_file.as_deref())
            .await;
        res
    }

    /// The session an interrupted run left open, if the registry still has it (its location,
    /// the bytes it holds, no minimum chunk size), else a new one (its location, 0, the
    /// registry's minimum chunk size).
    async fn resume_or_start(
        &self,
        state_file: Option<&Path>,
        expected: &Descriptor,
    ) -> Result<(Url, u64, u64)> {
        let resumed = match state_file {
            Some(f) => self.open_session(f, expected).await,
            None => None,
        };
        Ok(match resumed {
            Some((loc, offset)) => (loc, offset, 0),
            None => {
                let (loc, min) = self.start_upload().await?;
                (loc, 0, min)
            }
        })
    }

    /// The chunk size: the policy's, at most what the registry took so far, at least the
    /// registry's minimum.
    pub(super) fn chunk_len(&self, min: u64) -> usize {
        self.upload
            .chunk_size
            .min(self.chunk_limit.load(Ordering::Relaxed))
            .max(min)
            .max(1) as usize
    }

    /// Sends `content` from the offset the registry holds in chunks of `chunk` bytes, then
    /// closes the session with the digest.
    async fn send_chunks(
        &self,
        expected: &Descriptor,
        content: BlobSource,
        chunk: usize,
        at: &mut Progress,
        state_file: Option<&Path>,
    ) -> Result<()> {
        let mut reader = content.into_reader_async().await?;
        skip_held(&mut reader, at.offset, expected).await?;
        let len = chunk.min(expected.size.max(1) as usize);
        at.piece = len;
        self.send_read(&mut reader, len, at, state_file, |_| {})
            .await?;
        self.close_upload(
            at.location.clone(),
            expected,
            HeaderMap::new(),
            ReqBody::Empty,
        )
        .await
    }

    /// PATCHes what `reader` gives, in chunks of `len` bytes read into one buffer (each shown
    /// to `seen` before it is sent), until the reader ends.
    pub(super) async fn send_read(
        &self,
        reader: &mut (impl AsyncRead + Unpin),
        len: usize,
        at: &mut Progress,
        state_file: Option<&Path>,
        mut seen: impl FnMut(&[u8]),
    ) -> Result<()> {
        let mut previous = None;
        loop {
            let mut buf = chunk_buffer(previous.take(), len);
            let n = fill(reader, &mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            buf.truncate(n);
            seen(&buf);
            let sent = buf.freeze();
            self.send_chunk(sent.clone(), at, state_file).await?;
            previous = Some(sent);
            if n < len {
                return Ok(());
            }
        }
    }

    /// PATCHes one chunk in pieces of `at.piece` bytes, halving the piece (down to the floor)
    /// while the registry refuses it as too large (413); remembers the session after each
    /// piece it takes.
    pub(super) async fn send_chunk(
        &self,
        chunk: Bytes,
        at: &mut Progress,
        state_file: Option<&Path>,
    ) -> Result<()> {
        let mut sent = 0;
        while sent < chunk.len() {
            let len = at.piece.min(chunk.len() - sent);
            let range = format!("{}-{}", at.offset, at.offset + len as u64 - 1);
            let h = headers([
                ("Content-Type", "application/octet-stream"),
                ("Content-Range", range.as_str()),
            ]);
            let resp = self
                .send(
                    Method::PATCH,
                    at.location.clone(),
                    h,
                    ReqBody::Bytes(chunk.slice(sent..sent + len)),
                    &["push"],
                )
                .await?;
            let status = resp.status().as_u16();
            if status == 413 && len as u64 > at.floor {
                self.refused(len as u64);
                at.piece = ((len / 2) as u64).max(at.floor) as usize;
                self.chunk_limit
                    .fetch_min(at.piece as u64, Ordering::Relaxed);
                continue;
            }
            if status != 202 {
                return Err(Client::error(&Method::PATCH, resp).await);
            }
            at.location = self.upload_location(&at.location, &resp)?;
            at.offset += len as u64;
            sent += len;
            if let Some(f) = state_file {
                save_session(f, &at.location, at.offset).await;
            }
        }
        Ok(())
    }

    /// After the upload: forgets the remembered session once done; after a failure keeps it
    /// for the next run if the failure was the network's and it is remembered, else cancels
    /// the session at `location` and forgets it.
    async fn end_session(&self, res: &Result<()>, location: Url, state_file: Option<&Path>) {
        match res {
            Ok(()) => {
                if let Some(f) = state_file {
                    let _ = tokio::fs::remove_file(f).await;
                }
            }
            Err(e) if e.kind() == ErrorKind::Network && state_file.is_some() => {}
            Err(_) => {
                self.cancel_session(location).await;
                if let Some(f) = state_file {
                    let _ = tokio::fs::remove_file(f).await;
                }
            }
        }
    }
}

/// Skips the `held` bytes the registry already has (a local read, not a transfer).
async fn skip_held(
    reader: &mut (impl AsyncRead + Unpin),
    held: u64,
    expected: &Descriptor,
) -> Result<()> {
    if held == 0 {
        return Ok(());
    }
    let skipped = tokio::io::copy(&mut reader.take(held), &mut tokio::io::sink()).await?;
    if skipped != held {
        return Err(Error::new(
            ErrorKind::SizeMismatch,
            format!(
                "{}: source shorter than the resumed upload",
                expected.digest
            ),
        ));
    }
    Ok(())
}

/// Reads into `buf` until it is full or the source ends; how many bytes it read.
async fn fill(reader: &mut (impl AsyncRead + Unpin), buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let r = reader.read(&mut buf[n..]).await?;
        if r == 0 {
            break;
        }
        n += r;
    }
    Ok(n)
}
