//! Request and response bodies, and headers: what goes on the wire and how a body is read.

use bytes::Bytes;
use futures::TryStreamExt;
use reqwest::Response;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::content::BlobReader;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::idle::own_error;

/// A request body.
pub enum ReqBody {
    Empty,
    /// Replayable bytes.
    Bytes(Bytes),
    /// A one-shot stream of exactly this many bytes.
    Stream(BlobReader, u64),
    /// A one-shot stream of pieces of a length known only at its end, sent as they come
    /// (chunked transfer encoding, no `Content-Length`).
    Unsized(BodyPieces),
}

/// Pieces of a request body, produced while it is sent.
pub type BodyPieces = std::pin::Pin<Box<dyn futures::Stream<Item = std::io::Result<Bytes>> + Send>>;

pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// Reads at most `limit` bytes of a body.
pub async fn read_limited(resp: Response, limit: usize) -> Result<Bytes> {
    let mut out = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.try_next().await.map_err(|e| body_error(&e))? {
        let room = limit.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= limit {
            break;
        }
    }
    Ok(Bytes::from(out))
}

/// What a response body failed with: the read timeout as it is, anything else as a network
/// error with its cause chain.
pub fn body_error(e: &reqwest::Error) -> Error {
    own_error(e).unwrap_or_else(|| Error::new(ErrorKind::Network, error_chain(e)))
}

/// A response body as a blob reader.
pub fn body_reader(resp: Response) -> BlobReader {
    // a body that breaks off is a network failure (a download worth resuming)
    let stream = resp
        .bytes_stream()
        .map_err(|e| std::io::Error::other(body_error(&e)));
    Box::pin(tokio_util::io::StreamReader::new(stream))
}

/// Checks that a custom header can go on the wire: a token for a name, and a value without
/// control characters (a newline would end the header and start another).
pub(super) fn check_header(name: &str, value: &str) -> Result<()> {
    if HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(Error::invalid(format!(
            "invalid header field name {name:?}: a name may only contain letters, digits and !#$%&'*+-.^_`|~"
        )));
    }
    if HeaderValue::from_str(value).is_err() {
        let bad = value
            .chars()
            .find(|c| c.is_ascii_control() && *c != '\t')
            .unwrap_or('\0');
        return Err(Error::invalid(format!(
            "invalid header field value for {name:?}: the control character {bad:?} is not allowed"
        )));
    }
    Ok(())
}

/// Builds a header map from pairs.
pub fn headers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.append(k, v);
        }
    }
    h
}
