//! The HTTP client every registry request goes through: authentication (Basic, Bearer with
//! distribution tokens or OAuth2 refresh tokens, cached per host and scope set), retries with
//! backoff, redirects that never carry credentials or custom headers to another origin, the
//! `Warning` header, and the `--debug` trace with secrets redacted.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use bytes::Bytes;
use futures::TryStreamExt;
use reqwest::header::{
    AUTHORIZATION, CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue, LOCATION, WWW_AUTHENTICATE,
};
use reqwest::{Method, Response};
use url::Url;

use crate::content::BlobReader;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::auth::{Challenge, Credential, clean_scopes, parse_challenge};
use crate::registry::errcode::response_error;
use crate::registry::idle::{
    Activity, DEFAULT_READ_TIMEOUT, Idle, Tracked, frames, own_error, until_idle, watch_body,
};
pub use crate::registry::trace::redact_url;
use crate::registry::trace::{Tracer, log_line};

/// Where credentials for a host come from.
#[async_trait]
pub trait CredentialProvider: Send + Sync {
    /// The credential for `host` (`host[:port]`); empty when there is none.
    async fn credential(&self, host: &str) -> Result<Credential>;
}

/// One credential for every host (the `-u/-p` flags).
pub struct StaticCredential(pub Credential);

#[async_trait]
impl CredentialProvider for StaticCredential {
    async fn credential(&self, _host: &str) -> Result<Credential> {
        Ok(self.0.clone())
    }
}

/// Transport settings (the `Remote` option group).
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Skip TLS verification.
    pub insecure: bool,
    /// PEM CA bundle replacing the system roots.
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key (PEM) presented to the registry origin only.
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// Extra headers, sent to the registry origin only.
    pub headers: Vec<(String, String)>,
    /// Address overrides (`--resolve`).
    pub resolve: Vec<ResolveRule>,
    pub user_agent: String,
    /// Print the HTTP trace to stderr (`--debug`), secrets redacted.
    pub debug: bool,
    /// A request fails when the registry sends nothing for this long, before its response
    /// headers or in the middle of a body (default [`DEFAULT_READ_TIMEOUT`]; `None`: wait
    /// forever, as oras does).
    pub read_timeout: Option<Duration>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            insecure: false,
            ca_file: None,
            cert_file: None,
            key_file: None,
            headers: Vec::new(),
            resolve: Vec::new(),
            user_agent: String::new(),
            debug: false,
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
        }
    }
}

/// Dialing `host:port` goes to `addr` instead (address and port), as curl's `--connect-to`;
/// the request still names `host:port` (Host header, TLS server name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRule {
    pub host: String,
    pub port: u16,
    pub addr: SocketAddr,
}

/// A request body.
pub enum ReqBody {
    Empty,
    /// Replayable bytes.
    Bytes(Bytes),
    /// A one-shot stream of exactly this many bytes.
    Stream(BlobReader, u64),
}

#[derive(Default)]
struct HostAuth {
    basic: Option<String>,
    /// Tokens by scope set.
    bearer: HashMap<String, Bearer>,
    /// Realm and service of the host's last Bearer challenge, to renew tokens before they
    /// expire (a one-shot request body cannot be sent again after a 401).
    realm: Option<(String, String)>,
}

struct Bearer {
    token: String,
    /// When to fetch a new one (90 % of its lifetime); `None` for a token that is used as is.
    renew_at: Option<tokio::time::Instant>,
}

impl Bearer {
    fn new(token: String, lifetime: Option<Duration>) -> Bearer {
        Bearer {
            token,
            // a lifetime beyond what the clock can hold is a token that never needs renewing
            renew_at: lifetime
                .and_then(|l| tokio::time::Instant::now().checked_add(l.mul_f64(0.9))),
        }
    }

    fn is_fresh(&self) -> bool {
        self.renew_at
            .is_none_or(|t| tokio::time::Instant::now() < t)
    }
}

/// Lifetime of a token whose response gives none (the distribution token specification).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60);

/// The registry HTTP client (cheap to share behind an `Arc`).
pub struct Client {
    /// For the registry origin (presents the client certificate).
    http: reqwest::Client,
    /// For every other origin (token realms, redirect targets): no client certificate.
    foreign: reqwest::Client,
    opts: ClientOptions,
    credentials: Box<dyn CredentialProvider>,
    auth: Mutex<HashMap<String, HostAuth>>,
    token_lock: tokio::sync::Mutex<()>,
    warned: Mutex<HashSet<String>>,
    /// The `--debug` HTTP trace.
    tracer: Option<Tracer>,
    /// Hosts that answered 429 or 503: no request goes to them before this instant.
    paused: Mutex<HashMap<String, tokio::time::Instant>>,
}

/// Why a request got no response.
enum Failure {
    Http(reqwest::Error),
    /// The registry sent nothing for the read timeout.
    Idle(Error),
}

static REQUEST_NO: AtomicU64 = AtomicU64::new(0);
const MAX_RETRIES: u32 = 5;
const MAX_REDIRECTS: u32 = 10;
const MAX_TOKEN_RESPONSE: usize = 128 << 10;
const MAX_ERROR_BODY: usize = 8 << 10;

/// `host[:port]` of a URL, as credentials and caches key it.
pub fn host_port(url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    }
}

fn origin(url: &Url) -> (String, String, Option<u16>) {
    (
        url.scheme().to_string(),
        url.host_str().unwrap_or_default().to_string(),
        url.port_or_known_default(),
    )
}

fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn net_err(method: &Method, url: &Url, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Network,
        format!("{method} {:?}: {e}", redact_url(url)),
    )
}

impl Client {
    /// Builds a client; fails ([`ErrorKind::InvalidInput`]) on unreadable or invalid TLS files
    /// and on custom headers that cannot be sent, before any request.
    pub fn new(opts: ClientOptions, credentials: Box<dyn CredentialProvider>) -> Result<Client> {
        install_crypto();
        for (name, value) in &opts.headers {
            check_header(name, value)?;
        }
        let base = |with_identity: bool| -> Result<reqwest::Client> {
            let mut b = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(opts.user_agent.clone())
                .connect_timeout(Duration::from_secs(30))
                .pool_idle_timeout(Duration::from_secs(90));
            if opts.insecure {
                b = b.tls_danger_accept_invalid_certs(true);
            }
            if let Some(ca) = &opts.ca_file {
                b = b.tls_certs_only(load_ca_file(ca)?);
            }
            if with_identity && let (Some(cert), Some(key)) = (&opts.cert_file, &opts.key_file) {
                let mut pem = std::fs::read(cert).map_err(|e| {
                    Error::invalid(format!("failed to read {}: {e}", cert.display()))
                })?;
                pem.push(b'\n');
                pem.extend(std::fs::read(key).map_err(|e| {
                    Error::invalid(format!("failed to read {}: {e}", key.display()))
                })?);
                let id = reqwest::Identity::from_pem(&pem)
                    .map_err(|e| Error::invalid(format!("invalid client certificate: {e}")))?;
                b = b.identity(id);
            }
            // the connector keeps an explicit URL port, so a rule's own port is applied by
            // rewriting the request URL (see `Client::dialed`)
            for rule in &opts.resolve {
                b = b.resolve(&rule.host, rule.addr);
            }
            b.build()
                .map_err(|e| Error::invalid(format!("failed to build HTTP client: {e}")))
        };
        let tracer = opts
            .debug
            .then(|| Tracer::new(opts.headers.iter().map(|(k, _)| k.as_str())));
        Ok(Client {
            http: base(true)?,
            foreign: base(false)?,
            opts,
            credentials,
            auth: Mutex::default(),
            token_lock: tokio::sync::Mutex::new(()),
            warned: Mutex::default(),
            tracer,
            paused: Mutex::default(),
        })
    }

    /// Holds back every request to `host` for `wait` (or longer if already paused longer).
    fn pause(&self, host: &str, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        let mut paused = self.paused.lock().expect("paused hosts");
        let entry = paused.entry(host.to_string()).or_insert(until);
        *entry = (*entry).max(until);
    }

    async fn wait_while_paused(&self, host: &str) {
        loop {
            let until = self.paused.lock().expect("paused hosts").get(host).copied();
            match until {
                Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// The URL to connect to for `url` and, when a `--resolve` rule moves it to another port,
    /// the Host header naming the original `host[:port]`.
    fn dialed(&self, url: &Url) -> (Url, Option<String>) {
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

    /// The cached `Authorization` value for `host` and a scope set: Basic, or a token that is
    /// still fresh. `Err` carries the realm and service to renew an expiring token with.
    fn cached_auth(
        &self,
        host: &str,
        scope_key: &str,
    ) -> std::result::Result<Option<String>, (String, String)> {
        let auth = self.auth.lock().expect("auth cache");
        let Some(h) = auth.get(host) else {
            return Ok(None);
        };
        if let Some(b) = &h.basic {
            return Ok(Some(b.clone()));
        }
        match (h.bearer.get(scope_key), &h.realm) {
            (Some(t), _) if t.is_fresh() => Ok(Some(format!("Bearer {}", t.token))),
            (Some(_), Some(realm)) => Err(realm.clone()),
            _ => Ok(None),
        }
    }

    /// The `Authorization` value for a request to `url`, renewing a token about to expire.
    async fn auth_value(
        &self,
        url: &Url,
        host: &str,
        scopes: &[String],
        scope_key: &str,
    ) -> Result<Option<String>> {
        let (realm, service) = match self.cached_auth(host, scope_key) {
            Ok(value) => return Ok(value),
            Err(realm) => realm,
        };
        let _guard = self.token_lock.lock().await;
        // another request may have renewed it while this one waited
        if let Ok(Some(value)) = self.cached_auth(host, scope_key) {
            return Ok(Some(value));
        }
        let (token, lifetime) = self
            .fetch_token(url, &realm, &service, scopes, host)
            .await?;
        let value = format!("Bearer {token}");
        let mut auth = self.auth.lock().expect("auth cache");
        let h = auth.entry(host.to_string()).or_default();
        h.bearer
            .insert(scope_key.to_string(), Bearer::new(token, lifetime));
        Ok(Some(value))
    }

    /// Sends a request to the registry at `url`, with `scopes` as the token scope hints.
    /// Handles auth challenges, retries and redirects; returns any final response (the caller
    /// checks the status, see [`Client::error`]).
    pub async fn send(
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
                        && retries < MAX_RETRIES
                        && (e.is_connect() || e.is_timeout() || e.is_request())
                    {
                        tokio::time::sleep(backoff(retries)).await;
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
            if matches!(status, 301 | 302 | 303 | 307 | 308)
                && let Some(loc) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok())
            {
                redirects += 1;
                if redirects > MAX_REDIRECTS || !replayable {
                    return Err(net_err(&method, &url, "stopped after too many redirects"));
                }
                let next = url.join(loc).map_err(|e| {
                    net_err(&method, &url, format!("invalid redirect location: {e}"))
                })?;
                if url.scheme() == "https" && next.scheme() != "https" {
                    return Err(net_err(
                        &method,
                        &url,
                        "refusing to follow a redirect from https to http",
                    ));
                }
                if status == 303 {
                    method = Method::GET;
                    body = Some(ReqBody::Empty);
                }
                url = next;
                continue;
            }
            if (status == 408 || status == 429 || status >= 500)
                && replayable
                && retries < MAX_RETRIES
            {
                let wait = retry_after(&resp)
                    .filter(|_| status == 429)
                    .unwrap_or_else(|| backoff(retries))
                    .min(Duration::from_secs(3));
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
    async fn execute(
        &self,
        client: &reqwest::Client,
        req: reqwest::Request,
        url: &Url,
        activity: &Activity,
    ) -> std::result::Result<Response, Failure> {
        let method = req.method().clone();
        let traced = self
            .tracer
            .as_ref()
            .map(|t| (t, REQUEST_NO.fetch_add(1, Ordering::Relaxed)));
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

    /// Turns an unexpected response into an error (reads at most 8 KiB of its body).
    pub async fn error(method: &Method, resp: Response) -> Error {
        let url = resp.url().clone();
        let status = resp.status().as_u16();
        let body = read_limited(resp, MAX_ERROR_BODY).await.unwrap_or_default();
        response_error(method.as_str(), &url, status, &body)
    }

    /// Answers a challenge by caching an `Authorization` value; false if it cannot.
    async fn authorize(
        &self,
        url: &Url,
        challenge: &str,
        scopes: &[String],
        scope_key: &str,
    ) -> Result<bool> {
        let host = host_port(url);
        match parse_challenge(challenge) {
            Challenge::Basic => {
                let cred = self.credentials.credential(&host).await?;
                if cred.username.is_empty() && cred.password.is_empty() {
                    return Err(Error::new(
                        ErrorKind::MissingCredential,
                        "basic credential not found",
                    ));
                }
                if cred.username.is_empty() || cred.password.is_empty() {
                    return Err(Error::new(
                        ErrorKind::Unauthorized,
                        "missing username or password for basic auth",
                    ));
                }
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", cred.username, cred.password));
                let mut auth = self.auth.lock().expect("auth cache");
                let h = auth.entry(host).or_default();
                h.bearer.clear();
                h.basic = Some(format!("Basic {token}"));
                Ok(true)
            }
            Challenge::Bearer {
                realm,
                service,
                scopes: challenged,
                ..
            } => {
                let all = clean_scopes(scopes.iter().chain(challenged.iter()));
                let _guard = self.token_lock.lock().await;
                let (token, lifetime) =
                    self.fetch_token(url, &realm, &service, &all, &host).await?;
                let mut auth = self.auth.lock().expect("auth cache");
                let h = auth.entry(host).or_default();
                h.basic = None;
                h.realm = Some((realm, service));
                h.bearer
                    .insert(all.join(" "), Bearer::new(token.clone(), lifetime));
                h.bearer
                    .insert(scope_key.to_string(), Bearer::new(token, lifetime));
                Ok(true)
            }
            Challenge::Unknown => Ok(false),
        }
    }

    async fn fetch_token(
        &self,
        registry: &Url,
        realm: &str,
        service: &str,
        scopes: &[String],
        host: &str,
    ) -> Result<(String, Option<Duration>)> {
        let realm_url = Url::parse(realm).map_err(|e| {
            Error::new(
                ErrorKind::Unauthorized,
                format!("invalid token realm {realm:?}: {e}"),
            )
        })?;
        match realm_url.scheme() {
            "https" => {}
            "http" if registry.scheme() == "http" => {}
            _ => {
                return Err(Error::new(
                    ErrorKind::Unauthorized,
                    format!("refusing token realm {realm:?}: insecure scheme"),
                ));
            }
        }
        let cred = self.credentials.credential(host).await?;
        if !cred.access_token.is_empty() {
            return Ok((cred.access_token, None));
        }
        let same = origin(&realm_url) == origin(registry);
        let client = if same { &self.http } else { &self.foreign };
        let rb = if !cred.refresh_token.is_empty() {
            let mut form = vec![
                ("grant_type", "refresh_token".to_string()),
                ("refresh_token", cred.refresh_token.clone()),
                ("service", service.to_string()),
                ("client_id", "oras-go".to_string()),
            ];
            if !scopes.is_empty() {
                form.push(("scope", scopes.join(" ")));
            }
            let body: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            client
                .post(realm_url.clone())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
        } else {
            let mut u = realm_url.clone();
            {
                let mut q = u.query_pairs_mut();
                if !service.is_empty() {
                    q.append_pair("service", service);
                }
                for s in scopes {
                    q.append_pair("scope", s);
                }
            }
            let mut rb = client.get(u);
            if !cred.username.is_empty() || !cred.password.is_empty() {
                rb = rb.basic_auth(&cred.username, Some(&cred.password));
            }
            rb
        };
        let req = rb
            .build()
            .map_err(|e| net_err(&Method::GET, &realm_url, e))?;
        let method = req.method().clone();
        let resp = match self
            .execute(client, req, &realm_url, &Activity::new())
            .await
        {
            Ok(r) => r,
            Err(Failure::Http(e)) => return Err(net_err(&method, &realm_url, error_chain(&e))),
            Err(Failure::Idle(e)) => return Err(e),
        };
        if !resp.status().is_success() {
            return Err(Client::error(&method, resp).await);
        }
        let body = read_limited(resp, MAX_TOKEN_RESPONSE + 1).await?;
        if body.len() > MAX_TOKEN_RESPONSE {
            return Err(Error::new(
                ErrorKind::SizeExceedsLimit,
                "token response exceeds 128 KiB",
            ));
        }
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            #[serde(default)]
            token: String,
            #[serde(default)]
            access_token: String,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        let t: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            Error::new(
                ErrorKind::Unauthorized,
                format!("invalid token response: {e}"),
            )
        })?;
        let token = if t.access_token.is_empty() {
            t.token
        } else {
            t.access_token
        };
        if token.is_empty() {
            return Err(Error::new(ErrorKind::Unauthorized, "empty token returned"));
        }
        let lifetime = t
            .expires_in
            .filter(|&s| s > 0)
            .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
        Ok((token, Some(lifetime)))
    }

    fn handle_warning(&self, host: &str, resp: &Response) {
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
                log_line("WARN", text, Some(&format!("registry={host}")));
            }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

fn backoff(attempt: u32) -> Duration {
    let base = 250u64.saturating_mul(1 << attempt.min(8));
    // ±10 % jitter from the clock's low bits; clamped to [200 ms, 3 s].
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let jitter = (nanos % 21) as i64 - 10;
    let ms = (base as i64 + base as i64 * jitter / 100).clamp(200, 3000) as u64;
    Duration::from_millis(ms)
}

fn retry_after(resp: &Response) -> Option<Duration> {
    resp.headers()
        .get("Retry-After")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Reads at most `limit` bytes of a body.
pub async fn read_limited(resp: Response, limit: usize) -> Result<Bytes> {
    let mut out = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.try_next().await.map_err(|e| body_error(&e))? {
        let room = limit.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= limit {
            break;
        }
    }
    Ok(Bytes::from(out))
}

/// What a response body failed with: the read timeout as it is, anything else as a network
/// error with its cause chain.
pub fn body_error(e: &reqwest::Error) -> Error {
    own_error(e).unwrap_or_else(|| Error::new(ErrorKind::Network, error_chain(e)))
}

/// A response body as a blob reader.
pub fn body_reader(resp: Response) -> BlobReader {
    // a body that breaks off is a network failure (a download worth resuming)
    let stream = resp
        .bytes_stream()
        .map_err(|e| std::io::Error::other(body_error(&e)));
    Box::pin(tokio_util::io::StreamReader::new(stream))
}

/// The CA certificates of a PEM bundle, taken as Go's `AppendCertsFromPEM` takes them: other
/// blocks and certificates that do not parse are skipped, and a file without one usable
/// certificate is refused with oras's `Failed to load certificate in file: …`.
fn load_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(path)
        .map_err(|e| Error::invalid(format!("failed to read CA file {}: {e}", path.display())))?;
    let certs: Vec<reqwest::Certificate> = CertificateDer::pem_slice_iter(&pem)
        .map_while(std::result::Result::ok)
        .filter(|der| {
            let (added, _) =
                rustls::RootCertStore::empty().add_parsable_certificates([der.clone()]);
            added == 1
        })
        .filter_map(|der| reqwest::Certificate::from_der(&der).ok())
        .collect();
    if certs.is_empty() {
        return Err(Error::invalid(format!(
            "Failed to load certificate in file: {}",
            path.display()
        )));
    }
    Ok(certs)
}

/// Checks that a custom header can go on the wire: a token for a name, and a value without
/// control characters (a newline would end the header and start another).
fn check_header(name: &str, value: &str) -> Result<()> {
    if HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(Error::invalid(format!(
            "invalid header field name {name:?}: a name may only contain letters, digits and !#$%&'*+-.^_`|~"
        )));
    }
    if HeaderValue::from_str(value).is_err() {
        let bad = value
            .chars()
            .find(|c| c.is_ascii_control() && *c != '\t')
            .unwrap_or('\0');
        return Err(Error::invalid(format!(
            "invalid header field value for {name:?}: the control character {bad:?} is not allowed"
        )));
    }
    Ok(())
}

/// Builds a header map from pairs.
pub fn headers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.append(k, v);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_is_clamped() {
        assert!(super::backoff(0) >= std::time::Duration::from_millis(200));
        assert!(super::backoff(10) <= std::time::Duration::from_secs(3));
    }
}
