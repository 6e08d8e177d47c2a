//! The request loop: one request to the registry, with its auth challenges, retries, pauses,
//! redirects and the `--debug` trace.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderMap, WWW_AUTHENTICATE};
use reqwest::{Method, RequestBuilder, Response};
use url::Url;

use super::body::error_chain;
use super::pooled::PooledChunks;
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

/// Whether `e` is a TLS failure (the server does not speak TLS, or its certificate is not
/// trusted): the same on every try, so not retried.
fn is_tls_failure(e: &reqwest::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if c.is::<rustls::Error>() {
            return true;
        }
        // an io::Error's source skips the error it wraps (itself perhaps an io::Error)
        cur = match c
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner),
            None => c.source(),
        };
    }
    false
}

/// Numbers the requests of the trace across every client of the process, as oras numbers them
/// (only counted while the trace is on).
static REQUEST_NO: AtomicU64 = AtomicU64::new(0);

/// What one [`Client::send`] carries from one attempt to the next.
struct Exchange {
    method: Method,
    url: Url,
    headers: HeaderMap,
    /// `None` once a one-shot stream went out.
    body: Option<ReqBody>,
    registry_origin: (String, String, Option<u16>),
    registry_host: String,
    scopes: Vec<String>,
    scope_key: String,
    /// Whether a 401 challenge was answered (only the first one is).
    auth_tried: bool,
    /// Whether a stalled connection was tried again (only the first one is).
    idle_retried: bool,
    retries: u32,
    redirects: u32,
}

/// One attempt's request, ready to go.
struct Attempt<'c> {
    client: &'c reqwest::Client,
    req: reqwest::Request,
    /// The progress of its body, which the read timeout watches.
    activity: Arc<Activity>,
    /// Whether it goes to the registry's origin (credentials and custom headers go only there).
    same_origin: bool,
    /// Whether its body can be sent again (all but a one-shot stream).
    replayable: bool,
}

/// What follows an attempt.
enum Step {
    Again,
    Done(Response),
}

impl Exchange {
    fn new(method: Method, url: Url, headers: HeaderMap, body: ReqBody, scopes: &[String]) -> Self {
        let scopes = clean_scopes(scopes);
        Exchange {
            registry_origin: origin(&url),
            registry_host: host_port(&url),
            scope_key: scopes.join(" "),
            scopes,
            method,
            url,
            headers,
            body: Some(body),
            auth_tried: false,
            idle_retried: false,
            retries: 0,
            redirects: 0,
        }
    }

    /// Puts the body on `rb` as a stream whose progress `activity` records, keeping a
    /// replayable body for the next attempt.
    fn attach_body(&mut self, rb: RequestBuilder, activity: &Arc<Activity>) -> RequestBuilder {
        match self.body.take() {
            Some(ReqBody::Empty) | None => {
                self.body = Some(ReqBody::Empty);
                rb
            }
            Some(ReqBody::Bytes(b)) => {
                let stream = Tracked::new(frames(b.clone()), activity.clone());
                let r = rb
                    .header(CONTENT_LENGTH, b.len())
                    .body(reqwest::Body::wrap_stream(stream));
                self.body = Some(ReqBody::Bytes(b));
                r
            }
            Some(ReqBody::Stream(reader, len)) => {
                let stream = PooledChunks::new(reader);
                rb.header(CONTENT_LENGTH, len)
                    .body(reqwest::Body::wrap_stream(Tracked::new(
                        stream,
                        activity.clone(),
                    )))
            }
            Some(ReqBody::Unsized(pieces)) => rb.body(reqwest::Body::wrap_stream(Tracked::new(
                pieces,
                activity.clone(),
            ))),
        }
    }

    /// Goes on to `next`; after a 303 as a GET without a body.
    fn redirect(&mut self, next: Url, status: u16) {
        if status == 303 {
            self.method = Method::GET;
            self.body = Some(ReqBody::Empty);
        }
        self.url = next;
    }
}

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
        let mut ex = Exchange::new(method, url, headers, body, scopes);
        loop {
            let attempt = self.attempt(&mut ex).await?;
            let (same_origin, replayable) = (attempt.same_origin, attempt.replayable);
            let sent = self
                .execute(attempt.client, attempt.req, &ex.url, &attempt.activity)
                .await;
            let resp = match sent {
                Ok(r) => {
                    self.answered_by(&ex.url);
                    r
                }
                Err(failure) => {
                    self.after_failure(&mut ex, failure, replayable).await?;
                    continue;
                }
            };
            self.handle_warning(&ex.registry_host, &resp);
            match self
                .after_response(&mut ex, resp, same_origin, replayable)
                .await?
            {
                Step::Again => continue,
                Step::Done(resp) => return Ok(resp),
            }
        }
    }

    /// The next attempt's request: waits while the registry is paused; adds the custom headers
    /// and the `Authorization` (renewing a token about to expire) on the registry's origin only.
    async fn attempt(&self, ex: &mut Exchange) -> Result<Attempt<'_>> {
        let same_origin = origin(&ex.url) == ex.registry_origin;
        let client = if same_origin {
            &self.http
        } else {
            &self.foreign
        };
        if same_origin {
            self.wait_while_paused(&ex.registry_host).await;
        }
        let (wire_url, host_header) = self.dialed(&ex.url);
        let mut rb = client
            .request(ex.method.clone(), wire_url)
            .headers(ex.headers.clone());
        if let Some(h) = host_header {
            rb = rb.header(reqwest::header::HOST, h);
        }
        if same_origin {
            for (k, v) in &self.opts.headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            if let Some(a) = self
                .auth_value(&ex.url, &ex.registry_host, &ex.scopes, &ex.scope_key)
                .await?
            {
                rb = rb.header(AUTHORIZATION, a);
            }
        }
        let replayable = !matches!(ex.body, Some(ReqBody::Stream(..) | ReqBody::Unsized(..)));
        // request bodies are sent as streams whose progress the read timeout sees
        let activity = Arc::new(Activity::new());
        let rb = ex.attach_body(rb, &activity);
        let req = rb.build().map_err(|e| net_err(&ex.method, &ex.url, e))?;
        Ok(Attempt {
            client,
            req,
            activity,
            same_origin,
            replayable,
        })
    }

    /// Remembers that the host of `url` answered.
    fn answered_by(&self, url: &Url) {
        let host = host_port(url);
        self.answered
            .lock()
            .expect("hosts that answered")
            .insert(host);
    }

    /// Whether the host of `url` ever answered.
    fn has_answered(&self, url: &Url) -> bool {
        let answered = self.answered.lock().expect("hosts that answered");
        answered.contains(&host_port(url))
    }

    /// After an attempt got no response: `Ok` to try again (once more on a fresh connection
    /// after a stall; after a backoff, while retries remain, after a connection error or
    /// timeout, but for a failed TLS handshake and a connection refused by a host that never
    /// answered), else the error.
    async fn after_failure(
        &self,
        ex: &mut Exchange,
        failure: Failure,
        replayable: bool,
    ) -> Result<()> {
        match failure {
            Failure::Idle(e) => {
                // one stalled connection (a pooled one the network silently dropped) is
                // worth one more try on a fresh one; a registry that keeps stalling is not
                if replayable && !ex.idle_retried {
                    ex.idle_retried = true;
                    return Ok(());
                }
                Err(e)
            }
            Failure::Http(e) => {
                let refused_first =
                    e.is_connect() && !e.is_timeout() && !self.has_answered(&ex.url);
                if replayable
                    && ex.retries < self.opts.retry.max_retries
                    && (e.is_connect() || e.is_timeout() || e.is_request())
                    && !is_tls_failure(&e)
                    && !refused_first
                {
                    tokio::time::sleep(self.opts.retry.backoff(ex.retries)).await;
                    ex.retries += 1;
                    return Ok(());
                }
                Err(net_err(&ex.method, &ex.url, error_chain(&e)))
            }
        }
    }

    /// After a response: answers the first 401 challenge of the registry, follows a
    /// redirect, or retries a status worth retrying; else the response is the answer.
    async fn after_response(
        &self,
        ex: &mut Exchange,
        resp: Response,
        same_origin: bool,
        replayable: bool,
    ) -> Result<Step> {
        let status = resp.status().as_u16();
        if status == 401 && same_origin && !ex.auth_tried && replayable {
            ex.auth_tried = true;
            // the credentials its `WWW-Authenticate` asks for, cached for the next attempt
            let challenge = resp
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let answered = self
                .authorize(&ex.url, challenge, &ex.scopes, &ex.scope_key)
                .await?;
            return Ok(if answered {
                Step::Again
            } else {
                Step::Done(resp)
            });
        }
        if let Some(next) =
            redirect_target(&ex.method, &ex.url, &resp, &mut ex.redirects, replayable)?
        {
            ex.redirect(next, status);
            return Ok(Step::Again);
        }
        if self.retry_status(ex, &resp, same_origin, replayable).await {
            return Ok(Step::Again);
        }
        Ok(Step::Done(resp))
    }

    /// Waits before retrying a status worth retrying (408, 429, 5xx) while retries remain and
    /// the body can be sent again; whether to retry. A 429 waits as long as its `Retry-After`
    /// asks (at most the longest backoff); a 429 or 503 from the registry holds back every
    /// request to it, not only this one.
    async fn retry_status(
        &self,
        ex: &mut Exchange,
        resp: &Response,
        same_origin: bool,
        replayable: bool,
    ) -> bool {
        let status = resp.status().as_u16();
        if same_origin && matches!(status, 429 | 503) {
            self.overloads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        if !((status == 408 || status == 429 || status >= 500)
            && replayable
            && ex.retries < self.opts.retry.max_retries)
        {
            return false;
        }
        let wait = retry_after(resp)
            .filter(|_| status == 429)
            .unwrap_or_else(|| self.opts.retry.backoff(ex.retries))
            .min(self.opts.retry.max_backoff);
        if same_origin && matches!(status, 429 | 503) {
            // the registry is overloaded or rate-limiting: every request to it waits
            self.pause(&ex.registry_host, wait);
        } else {
            tokio::time::sleep(wait).await;
        }
        ex.retries += 1;
        true
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
