//! The Referrers API (when enabled): the manifests whose subject is a digest, filtered by
//! artifact type, plus the lying and endless-paging faults.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oras_spec::Digest;

use super::listing::paged;
use super::{Shared, Store, query_param};

pub(super) fn referrers(s: &Shared, path: &str, subject: &str, query: &str) -> Response {
    if !s.referrers_api {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain")],
            "404 page not found",
        )
            .into_response();
    }
    let filter = query_param(query, "artifactType");
    let mut list = stored(&s.store.lock().unwrap(), subject, filter.as_deref());
    let link = {
        let f = s.faults.lock().unwrap();
        list.extend(f.extra_referrers.get(subject).cloned().unwrap_or_default());
        (f.endless_pages.is_some() || f.self_link).then_some(())
    };
    let link = link.map(|()| {
        let (names, link) = paged(s, path, query, Vec::new());
        for n in names {
            list.push(serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": Digest::sha256_of(n.as_bytes()).to_string(),
                "size": 2,
                "artifactType": "application/vnd.test.endless",
            }));
        }
        link
    });
    index(list, filter.is_some(), link.flatten())
}

/// Descriptors of the stored manifests whose subject is `subject` (of artifact type `filter`).
fn stored(st: &Store, subject: &str, filter: Option<&str>) -> Vec<serde_json::Value> {
    let mut list = Vec::new();
    for (d, (mt, bytes)) in &st.manifests {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            continue;
        };
        if v.get("subject")
            .and_then(|x| x.get("digest"))
            .and_then(|x| x.as_str())
            != Some(subject)
        {
            continue;
        }
        let at = v
            .get("artifactType")
            .and_then(|x| x.as_str())
            .or_else(|| {
                v.get("config")
                    .and_then(|c| c.get("mediaType"))
                    .and_then(|x| x.as_str())
            })
            .unwrap_or_default()
            .to_string();
        if filter.is_some_and(|f| f != at) {
            continue;
        }
        let mut e = serde_json::json!({"mediaType": mt, "digest": d, "size": bytes.len(), "artifactType": at});
        if let Some(a) = v.get("annotations") {
            e["annotations"] = a.clone();
        }
        list.push(e);
    }
    list
}

/// The image index listing `list`, saying whether the filter was applied, with its `Link`.
fn index(list: Vec<serde_json::Value>, filtered: bool, link: Option<String>) -> Response {
    let body = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": list}).to_string();
    let mut r = (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/vnd.oci.image.index.v1+json",
        )],
        body,
    )
        .into_response();
    if filtered {
        r.headers_mut().insert(
            HeaderName::from_static("oci-filters-applied"),
            HeaderValue::from_static("artifactType"),
        );
    }
    if let Some(l) = link {
        r.headers_mut()
            .insert(header::LINK, HeaderValue::from_str(&l).unwrap());
    }
    r
}
