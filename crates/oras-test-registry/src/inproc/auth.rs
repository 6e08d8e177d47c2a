//! The main server's authentication check: Basic, or Bearer tokens from the side server's
//! realm (everlasting or with a lifetime).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::{Auth, Shared, TOKEN, error};

/// `None` when the request may pass, else the 401 challenge to answer it with.
pub(super) fn authorized(s: &Shared, headers: &HeaderMap) -> Option<Response> {
    let got = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match &s.auth {
        Auth::None => None,
        Auth::Basic(u, p) => {
            use std::io::Write;
            let mut want = Vec::new();
            let _ = write!(want, "{u}:{p}");
            let want = format!("Basic {}", crate::token::b64(&want, false));
            (got != want).then(|| challenge(HeaderValue::from_static("Basic realm=\"test\"")))
        }
        Auth::Bearer => (!bearer_valid(s, got)).then(|| {
            let side = s.side_addr.lock().unwrap().clone();
            let v = format!("Bearer realm=\"http://{side}/token\",service=\"test\"");
            challenge(HeaderValue::from_str(&v).unwrap())
        }),
    }
}

/// Whether `Authorization: <got>` carries a token the side server handed out and that has
/// not expired (an expired one is counted).
fn bearer_valid(s: &Shared, got: &str) -> bool {
    match (s.token_lifetime, got.strip_prefix("Bearer ")) {
        (None, Some(t)) => t == TOKEN,
        (Some(life), Some(t)) => match s.issued.lock().unwrap().get(t) {
            Some(at) if at.elapsed().as_secs_f64() < life as f64 => true,
            Some(_) => {
                s.expired_tokens
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                false
            }
            None => false,
        },
        _ => false,
    }
}

/// A 401 with this `WWW-Authenticate`.
fn challenge(www_authenticate: HeaderValue) -> Response {
    let mut r = error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "authentication required",
    );
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, www_authenticate);
    r
}
