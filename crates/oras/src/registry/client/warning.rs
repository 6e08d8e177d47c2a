//! The registry's `Warning` headers (`299 - "text"`), shown once per host and text.

use reqwest::Response;

use super::Client;
use crate::diagnostics::REGISTRY_WARNING;

impl Client {
    pub(super) fn handle_warning(&self, host: &str, resp: &Response) {
        for v in resp.headers().get_all("Warning") {
            let Ok(v) = v.to_str() else { continue };
            // `299 - "text"`
            let Some(rest) = v.strip_prefix("299 - \"") else {
                continue;
            };
            let text = rest.trim_end_matches('"');
            if self
                .warned
                .lock()
                .expect("warnings")
                .insert(format!("{host}\n{text}"))
            {
                tracing::warn!(target: REGISTRY_WARNING, registry = %host, "{text}");
            }
        }
    }
}
