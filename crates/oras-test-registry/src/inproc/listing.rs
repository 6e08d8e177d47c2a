//! Name lists: tags and the catalog, in pages as the paging faults say.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Shared, error, query_param};

/// One page of a list of `all` (sorted) names at `path?query`, and its `Link` header, as the
/// paging faults say.
pub(super) fn paged(
    s: &Shared,
    path: &str,
    query: &str,
    all: Vec<String>,
) -> (Vec<String>, Option<String>) {
    let f = s.faults.lock().unwrap();
    if let Some(per) = f.endless_pages {
        let page: u64 = query_param(query, "page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let names = (0..per).map(|i| format!("p{page}-{i}")).collect();
        return (
            names,
            Some(format!("<{path}?page={}>; rel=\"next\"", page + 1)),
        );
    }
    if f.self_link {
        let here = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        return (all, Some(format!("<{here}>; rel=\"next\"")));
    }
    let n = query_param(query, "n")
        .and_then(|n| n.parse::<usize>().ok())
        .or(f.page_size);
    let last = query_param(query, "last");
    let mut rest: Vec<String> = all
        .into_iter()
        .filter(|x| last.as_ref().is_none_or(|l| x > l))
        .collect();
    match n {
        Some(n) if rest.len() > n => {
            rest.truncate(n);
            let after = crate::token::percent_encode(rest.last().map_or("", String::as_str));
            let link = format!("<{path}?n={n}&last={after}>; rel=\"next\"");
            (rest, Some(link))
        }
        _ => (rest, None),
    }
}

/// A JSON list answer, with its `Link` when there is a next page.
fn list_response(body: String, link: Option<String>) -> Response {
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    if let Some(l) = link {
        r.headers_mut()
            .insert(header::LINK, HeaderValue::from_str(&l).unwrap());
    }
    r
}

pub(super) fn catalog(s: &Shared, path: &str, query: &str) -> Response {
    let mut repos: Vec<String> = s.store.lock().unwrap().tags.keys().cloned().collect();
    repos.sort();
    let (page, link) = paged(s, path, query, repos);
    list_response(
        serde_json::json!({ "repositories": page }).to_string(),
        link,
    )
}

pub(super) fn tags(s: &Shared, repo: &str, path: &str, query: &str) -> Response {
    let st = s.store.lock().unwrap();
    let Some(t) = st.tags.get(repo) else {
        return error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "repository name not known to registry",
        );
    };
    let mut names: Vec<String> = t.keys().cloned().collect();
    drop(st);
    names.sort();
    let (page, link) = paged(s, path, query, names);
    list_response(
        serde_json::json!({"name": repo, "tags": page}).to_string(),
        link,
    )
}
