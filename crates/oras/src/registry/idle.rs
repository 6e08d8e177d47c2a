//! The idle-read timeout: a request fails when the registry sends nothing for a while, before
//! its response headers (while it is connecting, receiving the request body or thinking) or in
//! the middle of a response body. Only time spent waiting for the registry counts: a request
//! body whose source is slow (a pipe on stdin) and a response body nobody reads for a while
//! (the destination of a copy is busy) never time out on their own.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use reqwest::{Method, Response};
use tokio::time::{Instant, Sleep};
use url::Url;

use crate::error::{Error, ErrorKind};
use crate::registry::client::host_port;
use crate::registry::trace::redact_url;

/// How long a request may wait for the registry without receiving a byte, unless the client
/// options say otherwise: long enough for a registry that verifies and moves a multi-gigabyte
/// blob before it answers the upload's final `PUT` (distribution on object storage can take
/// minutes there), short enough that a dead connection ends a run instead of hanging it.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);

/// Bytes per frame a request body held in memory is sent in, so that its progress is seen.
const FRAME: usize = 64 << 10;

/// What one request is, for the timeout's error message.
#[derive(Clone)]
pub(crate) struct Idle {
    method: Method,
    url: Url,
    timeout: Duration,
}

/// `300s`, `1.5s`, `250ms`.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

impl Idle {
    pub(crate) fn new(method: &Method, url: &Url, timeout: Duration) -> Idle {
        Idle {
            method: method.clone(),
            url: url.clone(),
            timeout,
        }
    }

    /// The error of a request that got no response in time.
    pub(crate) fn before_headers(&self) -> Error {
        self.error("no response")
    }

    /// The error of a response body that stopped in the middle.
    fn in_body(&self) -> Error {
        self.error("the response body stopped: no data")
    }

    fn error(&self, what: &str) -> Error {
        Error::new(
            ErrorKind::Network,
            format!(
                "{} {:?}: read timeout: {what} from {} for {}",
                self.method,
                redact_url(&self.url),
                host_port(&self.url),
                seconds(self.timeout)
            ),
        )
    }
}

impl fmt::Debug for Idle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, redact_url(&self.url))
    }
}

/// When the request last made progress: started, or had a frame of its body taken by the
/// connection. While the body's own source has nothing to give, the registry is not to blame.
pub(crate) struct Activity {
    last: Mutex<Instant>,
    source_pending: AtomicBool,
}

impl Activity {
    pub(crate) fn new() -> Activity {
        Activity {
            last: Mutex::new(Instant::now()),
            source_pending: AtomicBool::new(false),
        }
    }

    fn touch(&self) {
        *self.last.lock().expect("request activity") = Instant::now();
    }

    /// When the request counts as idle if nothing happens before; `None` while the body's
    /// source is what is being waited for.
    fn deadline(&self, timeout: Duration) -> Option<Instant> {
        if self.source_pending.load(Ordering::Relaxed) {
            return None;
        }
        Some(*self.last.lock().expect("request activity") + timeout)
    }
}

/// Waits for `response` (the request being sent and answered) unless the request stays idle
/// for `timeout`; `None` then.
pub(crate) async fn until_idle<F: Future>(
    response: F,
    activity: &Activity,
    timeout: Duration,
) -> Option<F::Output> {
    tokio::pin!(response);
    loop {
        let wake = activity
            .deadline(timeout)
            .unwrap_or_else(|| Instant::now() + timeout);
        tokio::select! {
            r = &mut response => return Some(r),
            _ = tokio::time::sleep_until(wake) => {
                if activity.deadline(timeout).is_some_and(|d| d <= Instant::now()) {
                    return None;
                }
            }
        }
    }
}

/// A request body stream that records its progress in an [`Activity`].
pub(crate) struct Tracked<S> {
    inner: S,
    activity: std::sync::Arc<Activity>,
}

impl<S> Tracked<S> {
    pub(crate) fn new(inner: S, activity: std::sync::Arc<Activity>) -> Tracked<S> {
        Tracked { inner, activity }
    }
}

impl<S, E> Stream for Tracked<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // being asked for more means the connection took what it had
        self.activity.touch();
        let r = Pin::new(&mut self.inner).poll_next(cx);
        self.activity
            .source_pending
            .store(r.is_pending(), Ordering::Relaxed);
        if r.is_ready() {
            self.activity.touch();
        }
        r
    }
}

/// Bytes of a request body as a stream of small frames (zero-copy slices).
pub(crate) fn frames(b: Bytes) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    let n = b.len().div_ceil(FRAME);
    futures::stream::iter(
        (0..n).map(move |i| Ok(b.slice(i * FRAME..((i + 1) * FRAME).min(b.len())))),
    )
}

/// A response body that fails with a read timeout when the registry sends nothing for the
/// timeout while it is being read.
struct IdleBody<S> {
    inner: S,
    idle: Idle,
    sleep: Pin<Box<Sleep>>,
    /// Whether `sleep` runs (the body is being waited for).
    armed: bool,
    failed: bool,
}

impl<S> Stream for IdleBody<S>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    type Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                this.armed = false;
                Poll::Ready(item.map(|r| r.map_err(Into::into)))
            }
            Poll::Pending => {
                if !this.armed {
                    this.armed = true;
                    let at = Instant::now() + this.idle.timeout;
                    this.sleep.as_mut().reset(at);
                }
                match this.sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.failed = true;
                        Poll::Ready(Some(Err(Box::new(this.idle.in_body()))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

/// The response with its body read under the idle timeout.
pub(crate) fn watch_body(resp: Response, idle: Idle) -> Response {
    let (head, body) = Head::split(resp);
    let sleep = Box::pin(tokio::time::sleep(idle.timeout));
    head.with_body(IdleBody {
        inner: body,
        idle,
        sleep,
        armed: false,
        failed: false,
    })
}

/// A response body as a stream.
pub(crate) type BodyStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// What a response is without its body: status, version, URL and headers.
pub(crate) struct Head {
    status: reqwest::StatusCode,
    version: reqwest::Version,
    url: Url,
    headers: reqwest::header::HeaderMap,
}

impl Head {
    /// Takes a response apart into its head and its body.
    pub(crate) fn split(resp: Response) -> (Head, BodyStream) {
        let head = Head {
            status: resp.status(),
            version: resp.version(),
            url: resp.url().clone(),
            headers: resp.headers().clone(),
        };
        (head, Box::pin(resp.bytes_stream()))
    }

    /// The response again, with `body` as its body.
    pub(crate) fn with_body<S>(self, body: S) -> Response
    where
        S: futures::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        let builder = http::Response::builder()
            .status(self.status)
            .version(self.version);
        let mut rebuilt = reqwest::ResponseBuilderExt::url(builder, self.url)
            .body(reqwest::Body::wrap_stream(body))
            .expect("the parts of a received response");
        *rebuilt.headers_mut() = self.headers;
        Response::from(rebuilt)
    }
}

/// The error a body stream failed with: the library's own (a read timeout) when it is in the
/// chain, else `None`.
pub(crate) fn own_error(e: &(dyn std::error::Error + 'static)) -> Option<Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(ours) = c.downcast_ref::<Error>() {
            return Some(ours.clone());
        }
        cur = c.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_seconds() {
        assert_eq!(seconds(Duration::from_secs(300)), "300s");
        assert_eq!(seconds(Duration::from_millis(250)), "250ms");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5s");
    }

    #[tokio::test]
    async fn frames_cover_the_bytes() {
        use futures::StreamExt;
        let b = Bytes::from(vec![7u8; FRAME * 2 + 5]);
        let parts: Vec<Bytes> = frames(b.clone())
            .map(|r| r.unwrap())
            .collect::<Vec<_>>()
            .await;
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), b.to_vec());
        assert_eq!(frames(Bytes::new()).count().await, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_source_is_not_idle() {
        let activity = Activity::new();
        activity.source_pending.store(true, Ordering::Relaxed);
        let slow = tokio::time::sleep(Duration::from_secs(10));
        assert!(
            until_idle(slow, &activity, Duration::from_secs(1))
                .await
                .is_some()
        );
        activity.source_pending.store(false, Ordering::Relaxed);
        let stuck = futures::future::pending::<()>();
        assert!(
            until_idle(stuck, &activity, Duration::from_secs(1))
                .await
                .is_none()
        );
    }
}
