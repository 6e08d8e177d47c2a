//! The request loop: one request to the registry, with its auth challenges, retries, pauses,
//! redirects and the `--debug` trace.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderMap, WWW_AUTHENTICATE};
use reqwest::{Method, Response};
use url::Url;

use super::body::error_chain;
use super::retry::retry_after;
use super::route::{origin, redirect_target};
use super::{Client, ReqBody, host_port, net_err};
use crate::error::{Error, Result};
use crate::registry::auth::clean_scopes;
use crate::registry::idle::{Activity, Idle, Tracked, frames, until_idle, watch_body};
use crate::registry::trace::Tracer;

/// Why a request got no response.
pub(super) enum Failure {
    Http(reqwest::Error),
    /// The registry sent nothing for the read timeout.
    Idle(Error),
}

/// Numbers the requests of the trace across every client of the process, as oras numbers them
/// (only counted while the trace is on).
static REQUEST_NO: AtomicU64 = AtomicU64::new(0);

impl Client {
    /// Sends a request to the registry at `url`, with `scopes` as the token scope hints.
    /// Handles auth challenges, retries and redirects; returns any final response (the caller
    /// checks the status, see [`Client::error`]).
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        headers: HeaderMap,
        body: ReqBody,
        scopes: &[String],
    ) -> Result<Response> {
        let registry_origin = origin(&url);
        let registry_host = host_port(&url);
        let scopes = clean_scopes(scopes);
        let scope_key = scopes.join(" ");
        let mut url = url;
        let mut method = method;
        let mut body = Some(body);
        let mut auth_tried = false;
        let mut idle_retried = false;
        let mut retries = 0;
        let mut redirects = 0;
        loop {
            let same_origin = origin(&url) == registry_origin;
            let client = if same_origin {
                &self.http
            } else {
                &self.foreign
            };
            if same_origin {
                self.wait_while_paused(&registry_host).await;
            }
            let (wire_url, host_header) = self.dialed(&url);
            let mut rb = client
                .request(method.clone(), wire_url)
                .headers(headers.clone());
            if let Some(h) = host_header {
                rb = rb.header(reqwest::header::HOST, h);
            }
            if same_origin {
                for (k, v) in &self.opts.headers {
                    rb = rb.header(k.as_str(), v.as_str());
                }
                if let Some(a) = self
                    .auth_value(&url, &registry_host, &scopes, &scope_key)
                    .await?
                {
                    rb = rb.header(AUTHORIZATION, a);
                }
            }
            let replayable = !matches!(body, Some(ReqBody::Stream(..)));
            // request bodies are sent as streams whose progress the read timeout sees
            let activity = Arc::new(Activity::new());
            rb = match body.take() {
                Some(ReqBody::Empty) | None => {
                    body = Some(ReqBody::Empty);
                    rb
                }
                Some(ReqBody::Bytes(b)) => {
                    let stream = Tracked::new(frames(b.clone()), activity.clone());
                    let r = rb
                        .header(CONTENT_LENGTH, b.len())
                        .body(reqwest::Body::wrap_stream(stream));
                    body = Some(ReqBody::Bytes(b));
                    r
                }
                Some(ReqBody::Stream(reader, len)) => {
                    let stream = tokio_util::io::ReaderStream::with_capacity(reader, 1 << 20);
                    rb.header(CONTENT_LENGTH, len)
                        .body(reqwest::Body::wrap_stream(Tracked::new(
                            stream,
                            activity.clone(),
                        )))
                }
            };
            let req = rb.build().map_err(|e| net_err(&method, &url, e))?;
            let resp = match self.execute(client, req, &url, &activity).await {
                Ok(r) => r,
                Err(Failure::Idle(e)) => {
                    // one stalled connection (a pooled one the network silently dropped) is
                    // worth one more try on a fresh one; a registry that keeps stalling is not
                    if replayable && !idle_retried {
                        idle_retried = true;
                        continue;
                    }
                    return Err(e);
                }
                Err(Failure::Http(e)) => {
                    if replayable
                        && retries < self.opts.retry.max_retries
                        && (e.is_connect() || e.is_timeout() || e.is_request())
                    {
                        tokio::time::sleep(self.opts.retry.backoff(retries)).await;
                        retries += 1;
                        continue;
                    }
                    return Err(net_err(&method, &url, error_chain(&e)));
                }
            };
            self.handle_warning(&registry_host, &resp);
            let status = resp.status().as_u16();
            if status == 401 && same_origin && !auth_tried && replayable {
                auth_tried = true;
                let challenge = resp
                    .headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                if self
                    .authorize(&url, &challenge, &scopes, &scope_key)
                    .await?
                {
                    continue;
                }
                return Ok(resp);
            }
            if let Some(next) = redirect_target(&method, &url, &resp, &mut redirects, replayable)? {
                if status == 303 {
                    method = Method::GET;
                    body = Some(ReqBody::Empty);
                }
                url = next;
                continue;
            }
            if (status == 408 || status == 429 || status >= 500)
                && replayable
                && retries < self.opts.retry.max_retries
            {
                let wait = retry_after(&resp)
                    .filter(|_| status == 429)
                    .unwrap_or_else(|| self.opts.retry.backoff(retries))
                    .min(self.opts.retry.max_backoff);
                if same_origin && matches!(status, 429 | 503) {
                    // the registry is overloaded or rate-limiting: every request to it waits,
                    // not only this one
                    self.pause(&registry_host, wait);
                } else {
                    tokio::time::sleep(wait).await;
                }
                retries += 1;
                continue;
            }
            return Ok(resp);
        }
    }

    /// Sends one request to `url` as it is (no auth, retry or redirect handling) under the read
    /// timeout (`activity` records the progress of its body), traced with `--debug`.
    pub(super) async fn execute(
        &self,
        client: &reqwest::Client,
        req: reqwest::Request,
        url: &Url,
        activity: &Activity,
    ) -> std::result::Result<Response, Failure> {
        let method = req.method().clone();
        let traced =
            Tracer::enabled().then(|| (&self.tracer, REQUEST_NO.fetch_add(1, Ordering::Relaxed)));
        if let Some((t, n)) = traced {
            t.request(n, &req);
        }
        let sent = match self.opts.read_timeout {
            None => client.execute(req).await.map_err(Failure::Http),
            Some(timeout) => {
                let idle = Idle::new(&method, url, timeout);
                match until_idle(client.execute(req), activity, timeout).await {
                    Some(r) => r.map(|resp| watch_body(resp, idle)).map_err(Failure::Http),
                    None => Err(Failure::Idle(idle.before_headers())),
                }
            }
        };
        let Some((t, n)) = traced else {
            return sent;
        };
        match sent {
            Ok(resp) => Ok(t.response(n, &method, resp).await),
            Err(Failure::Http(e)) => {
                t.failed(n, &e);
                Err(Failure::Http(e))
            }
            Err(Failure::Idle(e)) => {
                t.failed(n, &e);
                Err(Failure::Idle(e))
            }
        }
    }
}
