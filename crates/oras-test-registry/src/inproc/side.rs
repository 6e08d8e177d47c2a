//! The side server, another origin: the token realm and the target of redirected blob GETs.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::routes::record;
use super::{Shared, TOKEN};

pub(super) async fn handle_side(State(s): State<Arc<Shared>>, req: Request) -> Response {
    record(&s, &req, "side");
    let path = req.uri().path().to_string();
    if path == "/token" {
        let (token, lifetime) = match s.token_lifetime {
            None => (TOKEN.to_string(), 300),
            Some(life) => {
                let mut issued = s.issued.lock().unwrap();
                let t = format!("{TOKEN}-{}", issued.len());
                issued.insert(t.clone(), std::time::Instant::now());
                (t, life)
            }
        };
        let body =
            serde_json::json!({"token": token, "access_token": token, "expires_in": lifetime})
                .to_string();
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    if let Some(digest) = path.strip_prefix("/blob/") {
        let blob = s.store.lock().unwrap().blobs.get(digest).cloned();
        return match blob {
            Some(b) => (StatusCode::OK, b).into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    StatusCode::NOT_FOUND.into_response()
}
