//! Parallel ranged downloads of one big blob: the blob is fetched as fixed-size segments with
//! closed `Range` requests, several at a time, and handed out in order as one stream, so
//! verification downstream is unchanged. Memory stays bounded by connections × segment size.
//! A segment whose connection breaks is requested again from the byte it reached.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use reqwest::Response;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::task::JoinHandle;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, body_error};
use crate::registry::resume::{content_range_start, get_range};

/// How many times one segment is requested again after a broken connection.
const MAX_SEGMENT_RETRIES: u32 = 5;

/// How big blobs are downloaded.
#[derive(Debug, Clone)]
pub struct DownloadPolicy {
    /// Segments fetched at the same time; 1 downloads every blob with one request.
    pub connections: usize,
    /// Bytes per segment (each is held in memory until its turn comes).
    pub segment_size: u64,
    /// Blobs at least this large are downloaded in segments (when `connections` > 1).
    pub parallel_above: u64,
}

impl Default for DownloadPolicy {
    fn default() -> Self {
        DownloadPolicy {
            connections: 1,
            segment_size: 4 << 20,
            parallel_above: 64 << 20,
        }
    }
}

impl DownloadPolicy {
    /// Whether a blob of `size` bytes (from `offset` on) is downloaded in segments.
    pub fn segmented(&self, size: u64, offset: u64) -> bool {
        self.connections > 1 && size.saturating_sub(offset) >= self.parallel_above.max(1)
    }
}

/// Where segments come from: one blob URL of a registry.
#[derive(Clone)]
pub struct SegmentSource {
    pub client: Arc<Client>,
    pub url: Url,
    pub scopes: Vec<String>,
}

impl SegmentSource {
    /// The request for bytes `start..=end`.
    pub async fn request(&self, start: u64, end: u64) -> Result<Response> {
        get_range(&self.client, &self.url, &self.scopes, start, Some(end)).await
    }

    /// Bytes `start..=end`, whole, read into `got` (empty), reading `first` (the answer to the
    /// first request) if given.
    async fn segment(
        &self,
        start: u64,
        end: u64,
        first: Option<Response>,
        mut got: BytesMut,
    ) -> Result<Bytes> {
        let len = (end - start + 1) as usize;
        got.reserve(len);
        let mut resp = first;
        let mut retries = 0;
        loop {
            let from = start + got.len() as u64;
            let r = match resp.take() {
                Some(r) => r,
                None => self.request(from, end).await?,
            };
            let status = r.status().as_u16();
            if status != 206 || content_range_start(&r) != Some(from) {
                return Err(Error::new(
                    ErrorKind::Network,
                    format!(
                        "GET {:?}: bytes {from}-{end} not served as asked (status {status})",
                        self.url.as_str()
                    ),
                ));
            }
            let mut body = r.bytes_stream();
            let mut broken = None;
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(c) if got.len() + c.len() > len => {
                        return Err(Error::new(
                            ErrorKind::SizeMismatch,
                            format!(
                                "GET {:?}: more than the {len} bytes asked for",
                                self.url.as_str()
                            ),
                        ));
                    }
                    Ok(c) => got.extend_from_slice(&c),
                    Err(e) => {
                        broken = Some(body_error(&e).to_string());
                        break;
                    }
                }
            }
            if got.len() == len {
                return Ok(got.freeze());
            }
            retries += 1;
            if retries > MAX_SEGMENT_RETRIES {
                return Err(Error::new(
                    ErrorKind::Network,
                    format!(
                        "GET {:?}: bytes {from}-{end}: {}",
                        self.url.as_str(),
                        broken.unwrap_or_else(|| "connection closed early".into())
                    ),
                ));
            }
        }
    }
}

/// A blob read as segments fetched in parallel, in order.
pub struct SegmentedReader {
    source: SegmentSource,
    policy: DownloadPolicy,
    /// First byte not requested yet.
    next: u64,
    /// The blob's size.
    size: u64,
    running: VecDeque<JoinHandle<Result<Bytes>>>,
    /// The segment being handed out, and how much of it is.
    current: Bytes,
    pos: usize,
    /// Buffers of segments handed out, filled again by the next ones: a download touches
    /// (connections + 1) segments of memory however big the blob is.
    spare: Vec<BytesMut>,
}

impl SegmentedReader {
    /// Reads the blob of `size` bytes from `start`; `first` answers the request for the first
    /// segment (`bytes=start-…`, as [`SegmentedReader::first_end`] gives).
    pub fn new(
        source: SegmentSource,
        policy: DownloadPolicy,
        start: u64,
        size: u64,
        first: Response,
    ) -> SegmentedReader {
        let end = Self::first_end(&policy, start, size);
        let s = source.clone();
        let task =
            tokio::spawn(async move { s.segment(start, end, Some(first), BytesMut::new()).await });
        SegmentedReader {
            source,
            policy,
            next: end + 1,
            size,
            running: VecDeque::from([task]),
            current: Bytes::new(),
            pos: 0,
            spare: Vec::new(),
        }
    }

    /// The last byte of the first segment.
    pub fn first_end(policy: &DownloadPolicy, start: u64, size: u64) -> u64 {
        (start + policy.segment_size.max(1)).min(size) - 1
    }

    /// Starts segments until `connections` are running or the blob is covered.
    fn fill(&mut self) {
        while self.running.len() < self.policy.connections.max(1) && self.next < self.size {
            let start = self.next;
            let end = (start + self.policy.segment_size.max(1)).min(self.size) - 1;
            let s = self.source.clone();
            let buf = self.spare.pop().unwrap_or_default();
            self.running.push_back(tokio::spawn(async move {
                s.segment(start, end, None, buf).await
            }));
            self.next = end + 1;
        }
    }
}

impl Drop for SegmentedReader {
    fn drop(&mut self) {
        for t in &self.running {
            t.abort();
        }
    }
}

impl AsyncRead for SegmentedReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.pos < this.current.len() {
                let n = (this.current.len() - this.pos).min(buf.remaining());
                buf.put_slice(&this.current[this.pos..this.pos + n]);
                this.pos += n;
                return Poll::Ready(Ok(()));
            }
            if let Ok(mut used) = std::mem::take(&mut this.current).try_into_mut() {
                used.clear();
                this.spare.push(used);
            }
            this.pos = 0;
            this.fill();
            let Some(task) = this.running.front_mut() else {
                return Poll::Ready(Ok(()));
            };
            let done = match Pin::new(task).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r,
            };
            this.running.pop_front();
            match done {
                Ok(Ok(bytes)) => this.current = bytes,
                Ok(Err(e)) => return Poll::Ready(Err(e.into())),
                Err(e) => return Poll::Ready(Err(std::io::Error::other(e.to_string()))),
            }
        }
    }
}
