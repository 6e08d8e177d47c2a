//! The HTTP trace (oras's `--debug`), as `tracing` events of target
//! [`HTTP_TRACE`](crate::diagnostics::HTTP_TRACE): every request and response with credentials,
//! cookies, custom `-H` headers and URL secrets redacted. A response body is shown when it is
//! small (at most 16 KiB) JSON or text without credential fields; a body read for the trace is
//! handed on whole to whoever reads the response next.

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, Response};
use url::Url;

use crate::diagnostics::HTTP_TRACE;
use crate::registry::idle::{BodyStream, Head};

/// Bodies larger than this are not printed.
const BODY_LIMIT: usize = 16 << 10;
/// Headers whose values are never printed.
const SCRUBBED: [&str; 4] = [
    "authorization",
    "cookie",
    "proxy-authorization",
    "set-cookie",
];
/// JSON keys that make a body too sensitive to print.
const CREDENTIAL_KEYS: [&str; 5] = [
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "identity_token",
];

/// Traces one client's requests.
pub struct Tracer {
    /// Custom header names (lower case), scrubbed like `Authorization`.
    secret_headers: Vec<String>,
}

impl Tracer {
    /// A tracer that also scrubs the values of the `custom` header names.
    pub fn new<'a>(custom: impl IntoIterator<Item = &'a str>) -> Tracer {
        Tracer {
            secret_headers: custom.into_iter().map(|k| k.to_ascii_lowercase()).collect(),
        }
    }

    /// Logs request number `n`.
    pub fn request(&self, n: u64, req: &reqwest::Request) {
        debug(&format!(
            "--> Request #{n}\n> Request URL: {:?}\n> Request method: {:?}\n> Request headers:\n{}",
            redact_url(req.url()),
            req.method().as_str(),
            self.headers_text(req.headers())
        ));
    }

    /// Whether a subscriber wants the trace.
    pub fn enabled() -> bool {
        tracing::enabled!(target: HTTP_TRACE, tracing::Level::DEBUG)
    }

    /// Logs that request `n` got no response.
    pub fn failed(&self, n: u64, e: &dyn std::fmt::Display) {
        tracing::error!(target: HTTP_TRACE, "<-- Response #{n}\nError in getting response: {e}");
    }

    /// Logs the response to request `n` (a `method` request) and returns it with its body intact.
    pub async fn response(&self, n: u64, method: &Method, resp: Response) -> Response {
        let status = resp.status();
        let head = format!(
            "<-- Response #{n}\n< Response Status: \"{} {}\"\n< Response headers:\n{}< Response body:\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            self.headers_text(resp.headers())
        );
        let (body, resp) = body_text(method, resp).await;
        debug(&format!("{head}{body}"));
        resp
    }

    fn headers_text(&self, headers: &HeaderMap) -> String {
        if headers.is_empty() {
            return "   Empty header\n".into();
        }
        let mut out = String::new();
        for (k, v) in headers {
            let name = k.as_str();
            let value = v.to_str().unwrap_or("");
            let shown = if SCRUBBED.contains(&name) || self.secret_headers.iter().any(|s| s == name)
            {
                "*****".to_string()
            } else if ["location", "content-location", "referer"].contains(&name) {
                Url::parse(value)
                    .map(|u| redact_url(&u))
                    .unwrap_or_else(|_| value.to_string())
            } else {
                value.to_string()
            };
            out.push_str(&format!("   {:?}: {:?}\n", canonical(name), shown));
        }
        out
    }
}

/// The trace text of a response body, and the response to read it from again.
async fn body_text(method: &Method, resp: Response) -> (String, Response) {
    let status = resp.status().as_u16();
    let no_body = *method == Method::HEAD
        || matches!(status, 204 | 304)
        || resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            == Some("0");
    if no_body {
        return ("   No response body to print".into(), resp);
    }
    if (300..400).contains(&status) {
        return ("   Response body for redirect is not printed".into(), resp);
    }
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    if content_type.is_empty() {
        return (
            "   Response body without a content type is not printed".into(),
            resp,
        );
    }
    if !printable(&content_type) {
        return (
            format!("   Response body of content type {content_type:?} is not printed"),
            resp,
        );
    }
    let (read, resp) = match read_prefix(resp, BODY_LIMIT + 1).await {
        Ok(v) => v,
        Err((e, resp)) => return (format!("   Error reading response body: {e}"), resp),
    };
    let text = String::from_utf8_lossy(&read);
    let shown = if text.is_empty() {
        "   Response body is empty".into()
    } else if read.len() > BODY_LIMIT {
        "   Response body exceeding the trace size limit is not printed".into()
    } else if contains_credentials(&text) {
        "   Response body redacted due to potential credentials".into()
    } else {
        text.into_owned()
    };
    (shown, resp)
}

/// Reads up to `limit` bytes of the body; returns them and the response with its whole body
/// (what was read, then the rest). A read error is kept for the response's next reader.
async fn read_prefix(
    resp: Response,
    limit: usize,
) -> std::result::Result<(Bytes, Response), (String, Response)> {
    let (head, mut stream) = Head::split(resp);
    let mut read = BytesMut::new();
    let mut failed = None;
    while read.len() < limit {
        match stream.next().await {
            Some(Ok(chunk)) => read.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
    }
    let read = read.freeze();
    let first = futures::stream::iter([Ok::<_, reqwest::Error>(read.clone())]);
    let message = failed.as_ref().map(|e| e.to_string());
    let body: BodyStream = match failed {
        Some(e) => Box::pin(first.chain(futures::stream::iter([Err(e)]))),
        None => Box::pin(first.chain(stream)),
    };
    let resp = head.with_body(body);
    match message {
        Some(m) => Err((m, resp)),
        None => Ok((read, resp)),
    }
}

/// JSON (`application/json`, `*+json`) and `text/plain` / `text/html`.
fn printable(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        media.as_str(),
        "application/json" | "text/plain" | "text/html"
    ) || (media.ends_with("+json") && media.contains('/'))
}

/// Whether a body holds a credential field (anywhere in its JSON, or, for text that is not
/// JSON, a quoted credential key).
fn contains_credentials(body: &str) -> bool {
    fn walk(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(m) => m
                .iter()
                .any(|(k, v)| CREDENTIAL_KEYS.iter().any(|c| c.eq_ignore_ascii_case(k)) || walk(v)),
            serde_json::Value::Array(a) => a.iter().any(walk),
            _ => false,
        }
    }
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => walk(&v),
        Err(_) => {
            let lower = body.to_ascii_lowercase();
            CREDENTIAL_KEYS
                .iter()
                .any(|k| lower.contains(&format!("\"{k}\"")))
        }
    }
}

/// The URL with user info and query values replaced by `REDACTED`.
pub fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    if !u.username().is_empty() {
        let _ = u.set_username("REDACTED");
    }
    if u.password().is_some() {
        let _ = u.set_password(Some("REDACTED"));
    }
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, _)| (k.into_owned(), "REDACTED".to_string()))
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Go's canonical header key (`www-authenticate` → `Www-Authenticate`).
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn debug(msg: &str) {
    tracing::debug!(target: HTTP_TRACE, "{}", msg.trim_end());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_urls() {
        let u = Url::parse("https://user:pw@r.io/v2/x?_state=abc&digest=sha256:1").unwrap();
        let r = redact_url(&u);
        assert!(!r.contains("pw") && !r.contains("abc"), "{r}");
        assert!(r.contains("_state=REDACTED"));
    }

    #[test]
    fn finds_credentials_in_bodies() {
        assert!(contains_credentials(r#"{"token":"x"}"#));
        assert!(contains_credentials(r#"{"a":[{"Refresh_Token":"x"}]}"#));
        assert!(contains_credentials(r#"not json "id_token": x"#));
        assert!(!contains_credentials(
            r#"{"errors":[{"code":"NAME_UNKNOWN"}]}"#
        ));
        assert!(!contains_credentials(r#"{"tokens":"not one of the keys"}"#));
    }

    #[test]
    fn prints_json_and_text_only() {
        for ct in [
            "application/json",
            "application/vnd.oci.image.manifest.v1+json",
            "text/plain; charset=utf-8",
            "text/html",
        ] {
            assert!(printable(ct), "{ct}");
        }
        for ct in ["application/octet-stream", "image/png", "+json", "text/css"] {
            assert!(!printable(ct), "{ct}");
        }
    }
}
