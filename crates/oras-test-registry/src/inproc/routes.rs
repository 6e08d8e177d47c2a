//! The main server: every request is recorded, meets the injected faults and the auth check,
//! then goes to the handler of its API area.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::auth::authorized;
use super::blobs::blobs;
use super::faults::{STALL, failed_patch, injected_status, stalls, stalls_patch};
use super::listing::{catalog, tags};
use super::manifests::manifests;
use super::referrers::referrers;
use super::uploads::uploads;
use super::{Recorded, Shared, error};

pub(super) fn record(s: &Shared, req: &Request, server: &'static str) {
    s.log.lock().unwrap().push(Recorded {
        method: req.method().to_string(),
        path: req.uri().path().to_string(),
        query: req.uri().query().unwrap_or_default().to_string(),
        headers: req.headers().clone(),
        server,
        at: std::time::Instant::now(),
    });
}

pub(super) async fn handle_main(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let warning = s.faults.lock().unwrap().warning.clone();
    let mut resp = route_main(s, req).await;
    if let Some(w) = warning {
        resp.headers_mut().append(
            header::WARNING,
            HeaderValue::from_str(&format!("299 - \"{w}\"")).unwrap(),
        );
    }
    resp
}

/// Counts a request in flight while it is alive.
struct InFlight<'a>(&'a Shared);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn route_main(s: Arc<Shared>, req: Request) -> Response {
    record(&s, &req, "main");
    let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _counted = InFlight(&s);
    s.peak_in_flight.fetch_max(now, Ordering::SeqCst);
    if s.busy_above.is_some_and(|max| now > max) {
        s.refused_busy.fetch_add(1, Ordering::SeqCst);
        return error(StatusCode::TOO_MANY_REQUESTS, "TOOMANYREQUESTS", "busy");
    }
    if let Some(d) = s.delay {
        tokio::time::sleep(d).await;
    }
    if let Some(status) = injected_status(&s) {
        return injected(status);
    }
    if req.method() == Method::PATCH
        && let Some(status) = failed_patch(&s)
    {
        return injected(status);
    }
    if let Some(r) = authorized(&s, req.headers()) {
        return r;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    if (method == Method::PATCH && stalls_patch(&s))
        || stalls(&s, &method, &format!("{path}?{query}"))
    {
        // neither the request body is read nor an answer sent
        tokio::time::sleep(STALL).await;
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let headers = req.headers().clone();
    let body = match read_body(&s, req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    dispatch(&s, &method, &path, &query, &headers, body)
}

/// The answer to a request the faults fail with `status` (429 asks to retry after a second).
fn injected(status: u16) -> Response {
    let mut r = error(
        StatusCode::from_u16(status).unwrap(),
        "UNAVAILABLE",
        "injected fault",
    );
    if status == 429 {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    r
}

/// The request body, refused (413) above the fault's cap.
async fn read_body(s: &Shared, req: Request) -> Result<Bytes, Response> {
    let max = s.faults.lock().unwrap().max_body;
    let body = match axum::body::to_bytes(req.into_body(), 1 << 30).await {
        Ok(b) => b,
        Err(_) => return Err(StatusCode::BAD_REQUEST.into_response()),
    };
    if let Some(m) = max
        && body.len() > m
    {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response());
    }
    Ok(body)
}

/// Hands a request to the handler of its API area.
fn dispatch(
    s: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    if path == "/v2/_catalog" {
        return catalog(s, path, query);
    }
    if path == "/v2/" || path == "/v2" {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{}",
        )
            .into_response();
    }
    let Some(rest) = path.strip_prefix("/v2/") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    for marker in [
        "/blobs/uploads/",
        "/blobs/",
        "/manifests/",
        "/referrers/",
        "/tags/list",
    ] {
        if let Some(i) = rest.rfind(marker) {
            let repo = &rest[..i];
            let tail = &rest[i + marker.len()..];
            return match marker {
                "/blobs/uploads/" => uploads(s, method, repo, tail, query, headers, body),
                "/blobs/" => blobs(s, method, tail, headers),
                "/manifests/" => manifests(s, method, repo, tail, headers, body),
                "/referrers/" => referrers(s, path, tail, query),
                _ => tags(s, repo, path, query),
            };
        }
    }
    StatusCode::NOT_FOUND.into_response()
}
