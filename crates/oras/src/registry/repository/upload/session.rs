//! Upload sessions remembered across runs, so an interrupted chunked push continues the
//! registry's session: where one is remembered, reopening it, saving it.

use oras_spec::{Descriptor, Digest};
use reqwest::Method;
use reqwest::header::HeaderMap;
use url::Url;

use crate::registry::client::ReqBody;
use crate::registry::repository::Repository;

impl Repository {
    /// The file remembering an open upload session of `expected` in this repository.
    pub(super) fn session_file(&self, expected: &Descriptor) -> Option<std::path::PathBuf> {
        let dir = self.upload.session_dir.as_ref()?;
        let key = format!(
            "{}/{} {}",
            self.reference.registry, self.reference.repository, expected.digest
        );
        Some(dir.join(format!("{}.json", Digest::sha256_of(key.as_bytes()).hex())))
    }

    /// Reopens a remembered upload session: asks the registry how much it holds.
    pub(super) async fn open_session(
        &self,
        file: &std::path::Path,
        expected: &Descriptor,
    ) -> Option<(Url, u64)> {
        let raw = tokio::fs::read(file).await.ok()?;
        let saved: serde_json::Value = serde_json::from_slice(&raw).ok()?;
        let location = Url::parse(saved.get("location")?.as_str()?).ok()?;
        let base = self.url("blobs/uploads/").ok()?;
        if location.host_str() != base.host_str() || location.scheme() != base.scheme() {
            let _ = tokio::fs::remove_file(file).await;
            return None;
        }
        let resp = self
            .send(
                Method::GET,
                location.clone(),
                HeaderMap::new(),
                ReqBody::Empty,
                &["push"],
            )
            .await
            .ok()?;
        let offset = match resp.status().as_u16() {
            204 | 200 => resp
                .headers()
                .get("Range")
                .and_then(|v| v.to_str().ok())
                .and_then(|r| {
                    r.trim_start_matches("bytes=")
                        .split('-')
                        .nth(1)
                        .and_then(|e| e.parse::<u64>().ok())
                })
                .map(|end| end + 1),
            _ => None,
        };
        match offset {
            Some(o) if o > 0 && o <= expected.size => {
                let loc = self.upload_location(&location, &resp).unwrap_or(location);
                Some((loc, o))
            }
            _ => {
                let _ = tokio::fs::remove_file(file).await;
                None
            }
        }
    }
}

/// Remembers an open upload session (best effort).
pub(super) async fn save_session(file: &std::path::Path, location: &Url, offset: u64) {
    if let Some(dir) = file.parent() {
        let _ = tokio::fs::create_dir_all(dir).await;
    }
    let body = serde_json::json!({"location": location.as_str(), "offset": offset}).to_string();
    let _ = tokio::fs::write(file, body).await;
}
