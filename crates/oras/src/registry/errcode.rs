//! Registry error responses (`{"errors":[{"code","message","detail"}]}`) as library errors.

use serde::Deserialize;

use crate::error::{Error, ErrorKind, RegistryResponse};

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    errors: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    detail: Option<serde_json::Value>,
}

/// Go's `%v` of a decoded JSON value (maps as `map[k:v]` with sorted keys).
fn go_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "<nil>".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => {
            format!("[{}]", a.iter().map(go_value).collect::<Vec<_>>().join(" "))
        }
        serde_json::Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            format!(
                "map[{}]",
                keys.iter()
                    .map(|k| format!("{k}:{}", go_value(&o[*k])))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        other => other.to_string(),
    }
}

fn render_entry(e: &Entry) -> String {
    let code: String = e
        .code
        .chars()
        .map(|c| {
            if c == '_' {
                ' '
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    match (&e.message, &e.detail) {
        (m, _) if m.is_empty() => code,
        (m, None) | (m, Some(serde_json::Value::Null)) => format!("{code}: {m}"),
        (m, Some(d)) => format!("{code}: {m}: {}", go_value(d)),
    }
}

/// The Go `http.StatusText` for common statuses.
pub fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        416 => "Requested Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// Builds the error for a failed request from its status and (bounded) body:
/// `GET "<url>": response status code 404: manifest unknown: …`.
pub fn response_error(method: &str, url: &url::Url, status: u16, body: &[u8]) -> Error {
    let parsed: Vec<Entry> = serde_json::from_slice::<Body>(body)
        .map(|b| b.errors)
        .unwrap_or_default();
    let errs = parsed
        .iter()
        .map(render_entry)
        .collect::<Vec<_>>()
        .join("; ");
    let what = if errs.is_empty() {
        status_text(status).to_string()
    } else {
        errs.clone()
    };
    let message = format!(
        "{method} {:?}: response status code {status}: {what}",
        url.as_str()
    );
    let kind = match status {
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Denied,
        404 => ErrorKind::NotFound,
        405 => ErrorKind::Unsupported,
        _ => ErrorKind::Network,
    };
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let detail = if errs.is_empty() {
        message.clone()
    } else {
        errs
    };
    Error::from_registry(
        kind,
        message,
        RegistryResponse {
            host,
            status,
            detail,
        },
    )
}

/// Whether a body holds the given error code (e.g. `NAME_UNKNOWN`).
pub fn has_code(body: &[u8], code: &str) -> bool {
    serde_json::from_slice::<Body>(body)
        .map(|b| b.errors.iter().any(|e| e.code == code))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_like_oras() {
        let url = url::Url::parse("http://localhost:5000/v2/a/manifests/x").unwrap();
        let e = super::response_error(
            "GET",
            &url,
            404,
            br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}"#,
        );
        assert_eq!(
            e.to_string(),
            r#"GET "http://localhost:5000/v2/a/manifests/x": response status code 404: manifest unknown: manifest unknown: map[Tag:x]"#
        );
        assert_eq!(
            e.registry_response().unwrap().detail,
            "manifest unknown: manifest unknown: map[Tag:x]"
        );
        let e = super::response_error("GET", &url, 401, b"");
        assert_eq!(e.registry_response().unwrap().detail, e.to_string());
        assert!(
            e.to_string()
                .ends_with("response status code 401: Unauthorized")
        );
    }
}
