//! Blob GET, HEAD and DELETE, with the download faults (redirects, corrupt or short bodies,
//! drops, stalls, ignored ranges).

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::faults::STALL;
use super::{Shared, error};

pub(super) fn blobs(s: &Shared, method: &Method, digest: &str, headers: &HeaderMap) -> Response {
    let blob = s.store.lock().unwrap().blobs.get(digest).cloned();
    if method == Method::DELETE {
        return match s.store.lock().unwrap().blobs.remove(digest) {
            Some(_) => StatusCode::ACCEPTED.into_response(),
            None => error(
                StatusCode::NOT_FOUND,
                "BLOB_UNKNOWN",
                "blob unknown to registry",
            ),
        };
    }
    let Some(mut blob) = blob else {
        return error(
            StatusCode::NOT_FOUND,
            "BLOB_UNKNOWN",
            "blob unknown to registry",
        );
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
    if f.corrupt_blobs && !blob.is_empty() {
        let mut v = blob.to_vec();
        v[0] ^= 0xff;
        blob = Bytes::from(v);
    }
    if f.short_blobs && !blob.is_empty() {
        blob = blob.slice(..blob.len() - 1);
    }
    let total = blob.len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix("bytes="))
        .filter(|_| !f.ignore_range);
    // `bytes=start-` or `bytes=start-end`
    let (status, start, end) = match range {
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
    };
    let part = blob.slice(start..end);
    let mut resp_headers = vec![
        (header::CONTENT_TYPE, "application/octet-stream".to_string()),
        (header::CONTENT_LENGTH, part.len().to_string()),
        (header::ACCEPT_RANGES, "bytes".to_string()),
        (
            HeaderName::from_static("docker-content-digest"),
            digest.to_string(),
        ),
    ];
    if status == StatusCode::PARTIAL_CONTENT {
        resp_headers.push((
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{total}", end.saturating_sub(1)),
        ));
    }
    if method == Method::HEAD {
        let mut r = status.into_response();
        for (k, v) in resp_headers {
            r.headers_mut()
                .insert(k, HeaderValue::from_str(&v).unwrap());
        }
        return r;
    }
    if method == Method::GET
        && let Some(n) = f.stall_blob_after.take().or(f.stall_every_blob_after)
    {
        let head = part.slice(..n.min(part.len()));
        s.blob_bytes_served
            .fetch_add(head.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let stall = futures::stream::once(async {
            tokio::time::sleep(STALL).await;
            Err::<Bytes, std::io::Error>(std::io::Error::other("stalled"))
        });
        let stream =
            futures::stream::once(async move { Ok::<Bytes, std::io::Error>(head) }).chain(stall);
        let mut r = (status, Body::from_stream(stream.boxed())).into_response();
        for (k, v) in resp_headers {
            r.headers_mut()
                .insert(k, HeaderValue::from_str(&v).unwrap());
        }
        return r;
    }
    if method == Method::GET {
        s.blob_bytes_served
            .fetch_add(part.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    let body = match (method == Method::GET)
        .then(|| f.drop_blob_after.take())
        .flatten()
    {
        Some(n) => {
            let head = part.slice(..n.min(part.len()));
            let stream = futures::stream::iter(vec![
                Ok::<Bytes, std::io::Error>(head),
                Err(std::io::Error::other("injected connection drop")),
            ]);
            Body::from_stream(stream.boxed())
        }
        None => Body::from(part),
    };
    let mut r = (status, body).into_response();
    for (k, v) in resp_headers {
        r.headers_mut()
            .insert(k, HeaderValue::from_str(&v).unwrap());
    }
    r
}
