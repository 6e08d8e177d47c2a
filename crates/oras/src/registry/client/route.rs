//! Where a request goes: origins (credentials and custom headers stay on the registry's),
//! `--resolve` address overrides, and redirects.

use reqwest::header::LOCATION;
use reqwest::{Method, Response};
use url::Url;

use super::{Client, net_err};
use crate::error::Result;

const MAX_REDIRECTS: u32 = 10;

/// `host[:port]` of a URL, as credentials and caches key it.
pub fn host_port(url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    }
}

pub(super) fn origin(url: &Url) -> (String, String, Option<u16>) {
    (
        url.scheme().to_string(),
        url.host_str().unwrap_or_default().to_string(),
        url.port_or_known_default(),
    )
}

impl Client {
    /// The URL to connect to for `url` and, when a `--resolve` rule moves it to another port,
    /// the Host header naming the original `host[:port]`.
    pub(super) fn dialed(&self, url: &Url) -> (Url, Option<String>) {
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return (url.clone(), None);
        };
        let rule = self
            .opts
            .resolve
            .iter()
            .find(|r| r.port == port && r.host.eq_ignore_ascii_case(host));
        match rule {
            Some(r) if r.addr.port() != port => {
                let mut wire = url.clone();
                let _ = wire.set_port(Some(r.addr.port()));
                (wire, Some(host_port(url)))
            }
            _ => (url.clone(), None),
        }
    }
}

/// Where a redirect response sends the request next (`None`: the response is not a redirect);
/// refuses more than [`MAX_REDIRECTS`], a one-shot body, and going from https to http.
pub(super) fn redirect_target(
    method: &Method,
    url: &Url,
    resp: &Response,
    redirects: &mut u32,
    replayable: bool,
) -> Result<Option<Url>> {
    let status = resp.status().as_u16();
    let Some(loc) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    *redirects += 1;
    if *redirects > MAX_REDIRECTS || !replayable {
        return Err(net_err(method, url, "stopped after too many redirects"));
    }
    let next = url
        .join(loc)
        .map_err(|e| net_err(method, url, format!("invalid redirect location: {e}")))?;
    if url.scheme() == "https" && next.scheme() != "https" {
        return Err(net_err(
            method,
            url,
            "refusing to follow a redirect from https to http",
        ));
    }
    Ok(Some(next))
}
