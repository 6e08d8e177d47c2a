//! Downloads that survive a dropped connection: when a blob body ends early or fails, the
//! rest is requested with `Range: bytes=<offset>-` (a bounded number of times) and the stream
//! continues where it stopped; a server that answers with the whole blob instead has the
//! bytes already received skipped. Verification downstream sees one continuous stream.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use reqwest::Method;
use tokio::io::{AsyncRead, ReadBuf};
use url::Url;

use crate::content::BlobReader;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, ReqBody, body_reader, headers};

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

/// A blob body that resumes with ranged requests.
pub struct ResumingReader {
    client: Arc<Client>,
    url: Url,
    scopes: Vec<String>,
    size: u64,
    offset: u64,
    resumes: u32,
    inner: Option<BlobReader>,
    pending: Option<BoxFuture<'static, Result<BlobReader>>>,
}

impl ResumingReader {
    /// Reads `first` (the body of a GET of `url`, a blob of `size` bytes); when it breaks
    /// off, continues with `Range` requests from the byte it reached.
    pub fn new(
        client: Arc<Client>,
        url: Url,
        scopes: Vec<String>,
        size: u64,
        first: BlobReader,
    ) -> ResumingReader {
        ResumingReader {
            client,
            url,
            scopes,
            size,
            offset: 0,
            resumes: 0,
            inner: Some(first),
            pending: None,
        }
    }

    /// The first reader starts at byte `offset` of the blob (a ranged request).
    pub fn starting_at(mut self, offset: u64) -> ResumingReader {
        self.offset = offset;
        self
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
                use tokio::io::AsyncReadExt;
                let mut body = body_reader(resp);
                let skipped =
                    tokio::io::copy(&mut (&mut body).take(offset), &mut tokio::io::sink()).await?;
                if skipped != offset {
                    return Err(Error::new(
                        ErrorKind::Network,
                        format!("GET {:?}: body ended before byte {offset}", url.as_str()),
                    ));
                }
                return Ok(body);
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
            Ok(body_reader(resp))
        }));
    }

    /// Whether a body that ended or failed here is worth another ranged request.
    fn can_resume(&self) -> bool {
        self.offset < self.size && self.resumes < MAX_RESUMES
    }
}

impl AsyncRead for ResumingReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        loop {
            if let Some(p) = this.pending.as_mut() {
                match p.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(r)) => {
                        this.pending = None;
                        this.inner = Some(r);
                    }
                    Poll::Ready(Err(e)) => {
                        this.pending = None;
                        return Poll::Ready(Err(e.into()));
                    }
                }
            }
            let Some(inner) = this.inner.as_mut() else {
                return Poll::Ready(Ok(()));
            };
            let before = buf.filled().len();
            match inner.as_mut().poll_read(cx, buf) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => {
                    let n = buf.filled().len() - before;
                    if n == 0 && this.can_resume() {
                        this.resume();
                        continue;
                    }
                    this.offset += n as u64;
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Err(e)) => {
                    if this.can_resume() {
                        // what was read before the error is kept; continue from there
                        buf.set_filled(before);
                        this.resume();
                        continue;
                    }
                    return Poll::Ready(Err(e));
                }
            }
        }
    }
}
