//! Blob GET, HEAD and DELETE, with the download faults (redirects, corrupt or short bodies,
//! drops, stalls, ignored ranges).

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::faults::{Faults, STALL};
use super::{Shared, error};

pub(super) fn blobs(s: &Shared, method: &Method, digest: &str, headers: &HeaderMap) -> Response {
    if method == Method::DELETE {
        return delete(s, digest);
    }
    let Some(blob) = s.store.lock().unwrap().blobs.get(digest).cloned() else {
        return unknown();
    };
    let mut f = s.faults.lock().unwrap();
    if method == Method::GET && f.redirect_blobs {
        let side = s.side_addr.lock().unwrap().clone();
        return (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, format!("http://{side}/blob/{digest}"))],
        )
            .into_response();
    }
    let blob = tampered(&f, blob);
    let (status, start, end) = requested_range(headers, f.ignore_range, blob.len());
    let part = blob.slice(start..end);
    let resp_headers = blob_headers(digest, status, part.len(), start, end, blob.len());
    if method == Method::HEAD {
        return with_headers(status.into_response(), resp_headers);
    }
    if method == Method::GET
        && let Some(n) = f.stall_blob_after.take().or(f.stall_every_blob_after)
    {
        let body = stalling(s, part, n);
        return with_headers((status, body).into_response(), resp_headers);
    }
    if method == Method::GET {
        s.blob_bytes_served
            .fetch_add(part.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    let body = match (method == Method::GET)
        .then(|| f.drop_blob_after.take())
        .flatten()
    {
        Some(n) => dropping(part, n),
        None => Body::from(part),
    };
    with_headers((status, body).into_response(), resp_headers)
}

fn unknown() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "BLOB_UNKNOWN",
        "blob unknown to registry",
    )
}

fn delete(s: &Shared, digest: &str) -> Response {
    match s.store.lock().unwrap().blobs.remove(digest) {
        Some(_) => StatusCode::ACCEPTED.into_response(),
        None => unknown(),
    }
}

/// The blob as the corrupting faults serve it: one byte flipped, one byte short.
fn tampered(f: &Faults, mut blob: Bytes) -> Bytes {
    if f.corrupt_blobs && !blob.is_empty() {
        let mut v = blob.to_vec();
        v[0] ^= 0xff;
        blob = Bytes::from(v);
    }
    if f.short_blobs && !blob.is_empty() {
        blob = blob.slice(..blob.len() - 1);
    }
    blob
}

/// The status and the bytes (`start..end` of `total`) a `Range: bytes=start-[end]` asks for;
/// the whole blob (200) without one or when the fault ignores it.
fn requested_range(headers: &HeaderMap, ignore: bool, total: usize) -> (StatusCode, usize, usize) {
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix("bytes="))
        .filter(|_| !ignore);
    match range {
        Some(r) => {
            let (a, b) = r.split_once('-').unwrap_or((r, ""));
            let start: usize = a.parse::<usize>().unwrap_or(0).min(total);
            let end = b
                .parse::<usize>()
                .map_or(total, |e| (e + 1).min(total))
                .max(start);
            (StatusCode::PARTIAL_CONTENT, start, end)
        }
        None => (StatusCode::OK, 0, total),
    }
}

/// The headers of a blob answer sending `len` bytes (`start..end` of `total`).
fn blob_headers(
    digest: &str,
    status: StatusCode,
    len: usize,
    start: usize,
    end: usize,
    total: usize,
) -> Vec<(HeaderName, String)> {
    let mut h = vec![
        (header::CONTENT_TYPE, "application/octet-stream".to_string()),
        (header::CONTENT_LENGTH, len.to_string()),
        (header::ACCEPT_RANGES, "bytes".to_string()),
        (
            HeaderName::from_static("docker-content-digest"),
            digest.to_string(),
        ),
    ];
    if status == StatusCode::PARTIAL_CONTENT {
        h.push((
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{total}", end.saturating_sub(1)),
        ));
    }
    h
}

fn with_headers(mut r: Response, headers: Vec<(HeaderName, String)>) -> Response {
    for (k, v) in headers {
        r.headers_mut()
            .insert(k, HeaderValue::from_str(&v).unwrap());
    }
    r
}

/// A body that sends the first `n` bytes of `part` (counted as served), then hangs.
fn stalling(s: &Shared, part: Bytes, n: usize) -> Body {
    let head = part.slice(..n.min(part.len()));
    s.blob_bytes_served
        .fetch_add(head.len() as u64, std::sync::atomic::Ordering::Relaxed);
    let stall = futures::stream::once(async {
        tokio::time::sleep(STALL).await;
        Err::<Bytes, std::io::Error>(std::io::Error::other("stalled"))
    });
    let stream =
        futures::stream::once(async move { Ok::<Bytes, std::io::Error>(head) }).chain(stall);
    Body::from_stream(stream.boxed())
}

/// A body that sends the first `n` bytes of `part`, then drops the connection.
fn dropping(part: Bytes, n: usize) -> Body {
    let head = part.slice(..n.min(part.len()));
    let stream = futures::stream::iter(vec![
        Ok::<Bytes, std::io::Error>(head),
        Err(std::io::Error::other("injected connection drop")),
    ]);
    Body::from_stream(stream.boxed())
}
