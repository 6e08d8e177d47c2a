//! Blob uploads: monolithic by default, chunked above a threshold or when the registry refuses
//! a large body (413, whose size is remembered, with chunks halved until they fit), sessions
//! remembered across runs so an interrupted chunked push continues, and uploads started while
//! a big file is still being hashed or a directory is still being packed.
//!
//! `chunked` holds the chunked upload, `session` the sessions remembered across runs.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use oras_spec::Descriptor;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, Response};
use url::Url;

use super::{Repository, header_u64};
use crate::content::{BlobSource, StagedStream, staged_stream};
use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, ReqBody, headers};

mod ahead;
mod chunked;
mod session;
mod stream;

/// How blobs are uploaded.
#[derive(Debug, Clone)]
pub struct UploadPolicy {
    /// Where open chunked-upload sessions are remembered, so an interrupted push continues
    /// the registry's session on the next run (`None`: not remembered).
    pub session_dir: Option<std::path::PathBuf>,
    /// Size of the chunks of a chunked upload (raised to the registry's
    /// `OCI-Chunk-Min-Length`); each chunk is held in memory.
    pub chunk_size: u64,
    /// Upload in chunks when a blob is larger than this; `None`: monolithic, falling back to
    /// chunks only when the registry refuses a large body.
    pub chunked_above: Option<u64>,
}

impl Default for UploadPolicy {
    fn default() -> Self {
        UploadPolicy {
            session_dir: None,
            chunk_size: 16 << 20,
            chunked_above: None,
        }
    }
}

/// An upload streamed while the file was still being hashed or written: the task (giving what
/// the session holds) and the session's location as soon as it is open.
pub(super) type AheadUpload = (
    tokio::task::JoinHandle<Result<Held>>,
    Arc<std::sync::Mutex<Option<Url>>>,
);

/// What an upload started ahead left in its open session.
pub(super) struct Held {
    /// The session's latest location.
    location: Url,
    /// Bytes it received (their digest is the registry's to check, with the closing PUT).
    size: u64,
}

impl Repository {
    /// Cancels an upload session (best effort).
    pub(super) async fn cancel_session(&self, location: Url) {
        let _ = self
            .send(
                Method::DELETE,
                location,
                HeaderMap::new(),
                ReqBody::Empty,
                &["push"],
            )
            .await;
    }

    /// Starts an upload session; returns its location and the registry's minimum chunk size.
    async fn start_upload(&self) -> Result<(Url, u64)> {
        let start = self.url("blobs/uploads/")?;
        let resp = self
            .send(
                Method::POST,
                start.clone(),
                HeaderMap::new(),
                ReqBody::Empty,
                &["push"],
            )
            .await?;
        if resp.status().as_u16() != 202 {
            return Err(Client::error(&Method::POST, resp).await);
        }
        let min = header_u64(&resp, "OCI-Chunk-Min-Length").unwrap_or(0);
        let loc = self.upload_location(&start, &resp)?;
        Ok((loc, min))
    }

    /// The `Location` of an upload response, resolved and kept on the registry's origin.
    pub(super) fn upload_location(&self, base: &Url, resp: &Response) -> Result<Url> {
        let loc = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Network,
                    format!("{:?}: no Location in the upload response", base.as_str()),
                )
            })?;
        let url = base
            .join(loc)
            .map_err(|e| Error::invalid(format!("invalid upload Location: {e}")))?;
        if url.host_str() != base.host_str()
            || (base.scheme() == "https" && url.scheme() != "https")
        {
            return Err(Error::invalid(format!(
                "refusing upload Location on another origin: {}",
                url.host_str().unwrap_or_default()
            )));
        }
        Ok(url)
    }

    /// Starts uploading the file at `path` before its digest is known: a session is opened and
    /// the whole file streamed into it (one PATCH) while the caller hashes the file. When the
    /// blob is then pushed from the same file, only the closing PUT with the digest remains;
    /// if it is never pushed (the registry had it), [`Repository::cancel_uploads_ahead`]
    /// closes the session. This overlaps hashing with the upload.
    pub fn upload_ahead(self: &Arc<Self>, path: &std::path::Path, size: u64) {
        if self.goes_chunked(size) {
            return;
        }
        let this = self.clone();
        let file = path.to_path_buf();
        let opened = Arc::new(std::sync::Mutex::new(None));
        let slot = opened.clone();
        let handle = tokio::spawn(async move {
            let (location, _) = this.start_upload().await?;
            *slot.lock().expect("upload ahead location") = Some(location.clone());
            let f = tokio::fs::File::open(&file)
                .await
                .map_err(|e| Error::from(e).context(file.display()))?;
            let h = headers([("Content-Type", "application/octet-stream")]);
            let resp = this
                .send(
                    Method::PATCH,
                    location.clone(),
                    h,
                    ReqBody::Stream(Box::pin(f), size),
                    &["push"],
                )
                .await?;
            if resp.status().as_u16() != 202 {
                if resp.status().as_u16() == 413 {
                    this.refused(size);
                }
                this.cancel_session(location).await;
                return Err(Client::error(&Method::PATCH, resp).await);
            }
            Ok(Held {
                location: this.upload_location(&location, &resp)?,
                size,
            })
        });
        self.ahead
            .lock()
            .expect("uploads ahead")
            .insert(path.to_path_buf(), (handle, opened));
    }

    /// Closes the sessions of uploads-ahead that were not needed.
    pub async fn cancel_uploads_ahead(&self) {
        let pending: Vec<AheadUpload> = self
            .ahead
            .lock()
            .expect("uploads ahead")
            .drain()
            .map(|(_, h)| h)
            .collect();
        for (task, opened) in pending {
            task.abort();
            let location = match task.await {
                Ok(Ok(held)) => Some(held.location),
                _ => opened.lock().expect("upload ahead location").clone(),
            };
            if let Some(location) = location {
                self.cancel_session(location).await;
            }
        }
    }

    /// Starts uploading the bytes a producer is writing to the file at `path` (a directory
    /// being packed) before their digest is known: they are streamed into a session as they
    /// come (see `upload/ahead.rs`), and the later push from that file only sends the closing
    /// PUT with the digest (or the whole file, if the stream failed). The returned stream is
    /// where the producer sends its bytes; `None` outside a runtime.
    pub fn stream_ahead(self: &Arc<Self>, path: &std::path::Path) -> Option<StagedStream> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (stream, receiver) = staged_stream();
        let this = self.clone();
        let opened = Arc::new(std::sync::Mutex::new(None));
        let slot = opened.clone();
        let handle = runtime.spawn(async move {
            let (location, size) = this.stream_pieces(receiver, &slot).await?;
            Ok(Held { location, size })
        });
        self.ahead
            .lock()
            .expect("uploads ahead")
            .insert(path.to_path_buf(), (handle, opened));
        Some(stream)
    }

    /// Completes an upload-ahead of `path` with the digest; false if there is none, it failed,
    /// or the session holds another number of bytes than `expected` (it is then cancelled) or
    /// other bytes (the registry refuses the digest: the caller then pushes the file).
    async fn finish_upload_ahead(&self, expected: &Descriptor, path: &std::path::Path) -> bool {
        let Some((handle, _)) = self.ahead.lock().expect("uploads ahead").remove(path) else {
            return false;
        };
        let Ok(Ok(held)) = handle.await else {
            return false;
        };
        if held.size != expected.size {
            self.cancel_session(held.location).await;
            return false;
        }
        let location = held.location.clone();
        let closed = self
            .close_upload(held.location, expected, HeaderMap::new(), ReqBody::Empty)
            .await;
        if closed.is_err() {
            self.cancel_session(location).await;
        }
        closed.is_ok()
    }

    /// Ends the upload session at `location` with the blob's digest (and the last bytes, if
    /// `body` has any).
    pub(super) async fn close_upload(
        &self,
        mut location: Url,
        expected: &Descriptor,
        headers: HeaderMap,
        body: ReqBody,
    ) -> Result<()> {
        location
            .query_pairs_mut()
            .append_pair("digest", &expected.digest.to_string());
        let resp = self
            .send(Method::PUT, location, headers, body, &["push"])
            .await?;
        if !resp.status().is_success() {
            return Err(Client::error(&Method::PUT, resp).await);
        }
        Ok(())
    }

    /// Uploads a blob: through an upload started ahead if there is one, else monolithic or
    /// chunked as the policy and what the registry refused so far say; a monolithic upload the
    /// registry refuses as too large (413) is redone in chunks when the source can be read again.
    pub(super) async fn upload_blob(
        &self,
        expected: &Descriptor,
        content: BlobSource,
    ) -> Result<()> {
        if let BlobSource::File(p) = &content
            && self.finish_upload_ahead(expected, p).await
        {
            return Ok(());
        }
        if self.goes_chunked(expected.size) {
            return self.upload_chunked(expected, content).await;
        }
        let (body, fallback) = match content {
            BlobSource::Bytes(b) => (ReqBody::Bytes(b.clone()), Some(BlobSource::Bytes(b))),
            BlobSource::File(p) => {
                let f = tokio::fs::File::open(&p)
                    .await
                    .map_err(|e| Error::from(e).context(p.display()))?;
                (
                    ReqBody::Stream(Box::pin(f), expected.size),
                    Some(BlobSource::File(p)),
                )
            }
            BlobSource::Reader(r) => (ReqBody::Stream(r, expected.size), None),
        };
        match self.upload_monolithic(expected, body).await {
            Err(e) if e.registry_response().is_some_and(|r| r.status == 413) => {
                self.refused(expected.size);
                match fallback {
                    Some(content) => self.upload_chunked(expected, content).await,
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    /// Whether a blob of `size` bytes goes up in chunks: above the configured threshold, or as
    /// large as a body the registry refused before.
    pub(super) fn goes_chunked(&self, size: u64) -> bool {
        self.upload.chunked_above.is_some_and(|t| size > t)
            || size >= self.refused_body.load(Ordering::Relaxed)
    }

    /// Remembers that the registry refused a body of `size` bytes as too large.
    fn refused(&self, size: u64) {
        self.refused_body.fetch_min(size, Ordering::Relaxed);
    }

    /// Monolithic upload: POST, then one PUT with the digest and the whole body.
    async fn upload_monolithic(&self, expected: &Descriptor, body: ReqBody) -> Result<()> {
        let (location, _) = self.start_upload().await?;
        let h = headers([("Content-Type", "application/octet-stream")]);
        self.close_upload(location, expected, h, body).await
    }
}
