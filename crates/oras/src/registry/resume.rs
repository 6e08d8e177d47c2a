//! Downloads that survive a dropped connection: when a blob body ends early or fails, the
//! rest is requested with `Range: bytes=<offset>-` (a bounded number of times) and the stream
//! continues where it stopped; a server that answers with the whole blob instead has the
//! bytes already received skipped. Verification downstream sees one continuous stream, of the
//! chunks the responses arrived in (passed on, not copied) or as a reader.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use futures::future::BoxFuture;
use reqwest::Method;
use url::Url;

use crate::content::{BlobChunks, BlobReader};
use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, ReqBody, body_chunks, headers};

/// The first byte of a `Content-Range: bytes <start>-<end>/<size>` answer.
pub fn content_range_start(resp: &reqwest::Response) -> Option<u64> {
    resp.headers()
        .get("Content-Range")?
        .to_str()
        .ok()?
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .parse()
        .ok()
}

/// `GET` of the blob at `url` from byte `start`, to byte `end` (inclusive) or to the end.
pub async fn get_range(
    client: &Client,
    url: &Url,
    scopes: &[String],
    start: u64,
    end: Option<u64>,
) -> Result<reqwest::Response> {
    let range = match end {
        Some(end) => format!("bytes={start}-{end}"),
        None => format!("bytes={start}-"),
    };
    client
        .send(
            Method::GET,
            url.clone(),
            headers([("Range", range.as_str())]),
            ReqBody::Empty,
            scopes,
        )
        .await
}

/// How many times one download is resumed at most.
const MAX_RESUMES: u32 = 5;

/// A blob body that resumes with ranged requests, as the chunks the responses arrive in.
pub struct ResumingChunks {
    client: Arc<Client>,
    url: Url,
    scopes: Vec<String>,
    size: u64,
    offset: u64,
    resumes: u32,
    inner: Option<BlobChunks>,
    /// Bytes of `inner` to drop before handing any out (a resumed answer with the whole blob).
    skip: u64,
    pending: Option<BoxFuture<'static, Result<(BlobChunks, u64)>>>,
}

impl ResumingChunks {
    /// Reads `first` (the body of a GET of `url`, a blob of `size` bytes); when it breaks
    /// off, continues with `Range` requests from the byte it reached.
    pub fn new(
        client: Arc<Client>,
        url: Url,
        scopes: Vec<String>,
        size: u64,
        first: BlobChunks,
    ) -> ResumingChunks {
        ResumingChunks {
            client,
            url,
            scopes,
            size,
            offset: 0,
            resumes: 0,
            inner: Some(first),
            skip: 0,
            pending: None,
        }
    }

    /// The first response starts at byte `offset` of the blob (a ranged request).
    pub fn starting_at(mut self, offset: u64) -> ResumingChunks {
        self.offset = offset;
        self
    }

    /// The same bytes as a reader.
    pub fn into_reader(self) -> BlobReader {
        Box::pin(tokio_util::io::StreamReader::new(self))
    }

    fn resume(&mut self) {
        self.resumes += 1;
        self.inner = None;
        let client = self.client.clone();
        let url = self.url.clone();
        let scopes = self.scopes.clone();
        let offset = self.offset;
        self.pending = Some(Box::pin(async move {
            let resp = get_range(&client, &url, &scopes, offset, None).await?;
            let status = resp.status().as_u16();
            if status == 200 {
                // the whole blob again (a server or CDN that ignores Range): skip what was
                // already received
                return Ok((body_chunks(resp), offset));
            }
            if status != 206 {
                return Err(Error::new(
                    ErrorKind::Network,
                    format!(
                        "GET {:?}: cannot resume at byte {offset}: response status code {status}",
                        url.as_str()
                    ),
                ));
            }
            let start = content_range_start(&resp);
            if start != Some(offset) {
                return Err(Error::new(
                    ErrorKind::Network,
                    format!(
                        "GET {:?}: resumed at the wrong offset {start:?}, wanted {offset}",
                        url.as_str()
                    ),
                ));
            }
            Ok((body_chunks(resp), 0))
        }));
    }

    /// Whether a body that ended or failed here is worth another ranged request.
    fn can_resume(&self) -> bool {
        self.offset < self.size && self.resumes < MAX_RESUMES
    }
}

impl Stream for ResumingChunks {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(p) = this.pending.as_mut() {
                match p.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok((chunks, skip))) => {
                        this.pending = None;
                        this.inner = Some(chunks);
                        this.skip = skip;
                    }
                    Poll::Ready(Err(e)) => {
                        this.pending = None;
                        return Poll::Ready(Some(Err(e.into())));
                    }
                }
            }
            let Some(inner) = this.inner.as_mut() else {
                return Poll::Ready(None);
            };
            match inner.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(mut chunk))) => {
                    if this.skip > 0 {
                        let drop = this.skip.min(chunk.len() as u64);
                        this.skip -= drop;
                        chunk = chunk.slice(drop as usize..);
                    }
                    if chunk.is_empty() {
                        continue;
                    }
                    this.offset += chunk.len() as u64;
                    return Poll::Ready(Some(Ok(chunk)));
                }
                Poll::Ready(None) => {
                    if this.skip > 0 {
                        // the whole blob again, but shorter than what was already received
                        this.inner = None;
                        return Poll::Ready(Some(Err(std::io::Error::other(Error::new(
                            ErrorKind::Network,
                            format!(
                                "GET {:?}: body ended before byte {}",
                                this.url.as_str(),
                                this.offset
                            ),
                        )))));
                    }
                    if this.can_resume() {
                        this.resume();
                        continue;
                    }
                    this.inner = None;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    if this.can_resume() {
                        // what was handed out before the error is kept; continue from there
                        this.resume();
                        continue;
                    }
                    this.inner = None;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }
}
