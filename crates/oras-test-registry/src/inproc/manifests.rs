//! Manifest PUT (tagging, `OCI-Subject`), GET, HEAD and DELETE.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oras_spec::Digest;

use super::{Shared, Store, error};

pub(super) fn manifests(
    s: &Shared,
    method: &Method,
    repo: &str,
    reference: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = s.store.lock().unwrap();
    if method == Method::PUT {
        return put(s, &mut st, repo, reference, headers, body);
    }
    let digest = if Digest::parse(reference).is_ok() {
        Some(reference.to_string())
    } else {
        st.tags.get(repo).and_then(|t| t.get(reference)).cloned()
    };
    let Some(d) = digest else {
        return unknown();
    };
    if method == Method::DELETE {
        return match st.manifests.remove(&d) {
            Some(_) => {
                for t in st.tags.values_mut() {
                    t.retain(|_, v| v != &d);
                }
                StatusCode::ACCEPTED.into_response()
            }
            None => unknown(),
        };
    }
    let Some((mt, bytes)) = st.manifests.get(&d).cloned() else {
        return unknown();
    };
    let shown = if s.faults.lock().unwrap().lie_digest {
        Digest::sha256_of(b"lie").to_string()
    } else {
        d
    };
    let hdrs = [
        (header::CONTENT_TYPE, mt),
        (HeaderName::from_static("docker-content-digest"), shown),
        (header::CONTENT_LENGTH, bytes.len().to_string()),
    ];
    if method == Method::HEAD {
        return (StatusCode::OK, hdrs).into_response();
    }
    (StatusCode::OK, hdrs, bytes).into_response()
}

fn unknown() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "MANIFEST_UNKNOWN",
        "manifest unknown",
    )
}

/// PUT: stores the manifest (checking a digest reference, tagging a tag reference) and answers
/// with `OCI-Subject` when the Referrers API is on and it has a subject.
fn put(
    s: &Shared,
    st: &mut Store,
    repo: &str,
    reference: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let mt = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let d = Digest::sha256_of(&body).to_string();
    if Digest::parse(reference).is_ok() && reference != d {
        return error(StatusCode::BAD_REQUEST, "DIGEST_INVALID", "digest mismatch");
    }
    let subject = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("subject")
                .and_then(|s| s.get("digest"))
                .and_then(|d| d.as_str())
                .map(str::to_string)
        });
    st.manifests.insert(d.clone(), (mt, body));
    if Digest::parse(reference).is_err() {
        st.tags
            .entry(repo.to_string())
            .or_default()
            .insert(reference.to_string(), d.clone());
    }
    let mut r = (
        StatusCode::CREATED,
        [(HeaderName::from_static("docker-content-digest"), d)],
    )
        .into_response();
    if let Some(sub) = subject.filter(|_| s.referrers_api) {
        r.headers_mut().insert(
            HeaderName::from_static("oci-subject"),
            HeaderValue::from_str(&sub).unwrap(),
        );
    }
    r
}
