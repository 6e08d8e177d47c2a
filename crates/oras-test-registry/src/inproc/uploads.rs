//! Blob upload sessions: start (or mount, or with [`super::Options::single_post`] take the
//! whole blob), PATCH chunks, status, the closing PUT, cancel.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oras_spec::Digest;

use super::{Shared, Store, error, query_param};

pub(super) fn uploads(
    s: &Shared,
    method: &Method,
    repo: &str,
    session: &str,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let refuse_mounts = s.faults.lock().unwrap().refuse_mounts;
    let mut st = s.store.lock().unwrap();
    if method == Method::POST {
        if s.single_post && query_param(query, "digest").is_some() {
            return finish(&mut st, repo, query, body);
        }
        return start(&mut st, repo, query, refuse_mounts);
    }
    let Some(buf) = st.uploads.get_mut(session) else {
        return error(
            StatusCode::NOT_FOUND,
            "BLOB_UPLOAD_UNKNOWN",
            "blob upload unknown",
        );
    };
    if method == Method::PATCH {
        if !continues(headers, buf.len()) {
            return StatusCode::RANGE_NOT_SATISFIABLE.into_response();
        }
        buf.extend_from_slice(&body);
        s.faults.lock().unwrap().patched_bytes += body.len() as u64;
        return progress(StatusCode::ACCEPTED, repo, session, buf.len());
    }
    if method == Method::GET {
        return progress(StatusCode::NO_CONTENT, repo, session, buf.len());
    }
    if method == Method::PUT {
        buf.extend_from_slice(&body);
        let data = Bytes::from(std::mem::take(buf));
        st.uploads.remove(session);
        return finish(&mut st, repo, query, data);
    }
    if method == Method::DELETE {
        st.uploads.remove(session);
        return StatusCode::NO_CONTENT.into_response();
    }
    StatusCode::METHOD_NOT_ALLOWED.into_response()
}

/// POST: mounts the blob `mount` names (when it is here and the fault does not refuse it), else
/// opens a new session.
fn start(st: &mut Store, repo: &str, query: &str, refuse_mounts: bool) -> Response {
    if !refuse_mounts
        && query_param(query, "from").is_some()
        && let Some(d) = query_param(query, "mount")
        && st.blobs.contains_key(&d)
    {
        return (
            StatusCode::CREATED,
            [(header::LOCATION, format!("/v2/{repo}/blobs/{d}"))],
        )
            .into_response();
    }
    st.next_upload += 1;
    let id = format!("u{}", st.next_upload);
    st.uploads.insert(id.clone(), Vec::new());
    let min = "1";
    (
        StatusCode::ACCEPTED,
        [
            (header::LOCATION, format!("/v2/{repo}/blobs/uploads/{id}")),
            (header::RANGE, "0-0".to_string()),
            (
                HeaderName::from_static("oci-chunk-min-length"),
                min.to_string(),
            ),
        ],
    )
        .into_response()
}

/// Whether a PATCH's `Content-Range` (if any) starts where the session's bytes end.
fn continues(headers: &HeaderMap, received: usize) -> bool {
    let start = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split('-').next().and_then(|x| x.parse::<usize>().ok()));
    start.is_none_or(|start| start == received)
}

/// A session's location and the range of the `received` bytes it holds.
fn progress(status: StatusCode, repo: &str, session: &str, received: usize) -> Response {
    let end = received.saturating_sub(1);
    (
        status,
        [
            (
                header::LOCATION,
                format!("/v2/{repo}/blobs/uploads/{session}"),
            ),
            (header::RANGE, format!("0-{end}")),
        ],
    )
        .into_response()
}

/// The closing PUT: stores `data` if it matches the `digest` the query names.
fn finish(st: &mut Store, repo: &str, query: &str, data: Bytes) -> Response {
    let Some(want) = query_param(query, "digest") else {
        return error(StatusCode::BAD_REQUEST, "DIGEST_INVALID", "missing digest");
    };
    let got = Digest::sha256_of(&data).to_string();
    if got != want {
        return error(
            StatusCode::BAD_REQUEST,
            "DIGEST_INVALID",
            "digest did not match content",
        );
    }
    st.blobs.insert(got.clone(), data);
    (
        StatusCode::CREATED,
        [
            (header::LOCATION, format!("/v2/{repo}/blobs/{got}")),
            (HeaderName::from_static("docker-content-digest"), got),
        ],
    )
        .into_response()
}
