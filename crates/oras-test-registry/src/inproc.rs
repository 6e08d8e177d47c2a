//! An in-process registry for what distribution 2.8 lacks: the Referrers API, `OCI-Subject`,
//! chunked uploads with a body cap, and injected faults (5xx/429 bursts, dropped or corrupted
//! blob downloads, a lying `Docker-Content-Digest`, redirects to another origin, a token realm
//! on another origin). Every request is recorded for assertions.
//!
//! It runs on its own thread and runtime, so plain `#[test]`s can use it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use oras_spec::Digest;

/// Authentication the registry demands.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    #[default]
    None,
    /// Basic auth with this user and password.
    Basic(String, String),
    /// Bearer tokens from the realm served by the side server (another origin).
    Bearer,
}

/// Faults to inject; each one-shot fault is used once.
#[derive(Debug, Default)]
pub struct Faults {
    /// Statuses answered to the next requests (429 gets `Retry-After: 1`).
    pub fail_next: VecDeque<u16>,
    /// After this many more requests, answer the next one with this status (once).
    pub fail_after: Option<(usize, u16)>,
    /// The next blob GET sends this many bytes and then drops the connection.
    pub drop_blob_after: Option<usize>,
    /// Serve blobs with one byte flipped.
    pub corrupt_blobs: bool,
    /// Serve blobs one byte short (with a matching Content-Length).
    pub short_blobs: bool,
    /// Answer manifest requests with a wrong `Docker-Content-Digest`.
    pub lie_digest: bool,
    /// Redirect blob GETs to the side server (another origin).
    pub redirect_blobs: bool,
    /// Refuse request bodies larger than this (413), like a proxy cap.
    pub max_body: Option<usize>,
    /// Add `Warning: 299 - "<text>"` to every response.
    pub warning: Option<String>,
    /// The next blob GET sends this many bytes and then stalls (a hung connection).
    pub stall_blob_after: Option<usize>,
    /// Accept this many more PATCH requests, then stall the next one (once).
    pub stall_patch_after: Option<usize>,
    /// Bytes received in PATCH bodies.
    pub patched_bytes: u64,
    /// Answer blob GETs with the whole blob (200) whatever `Range` asks for.
    pub ignore_range: bool,
    /// Every blob GET sends this many bytes and then stalls (a registry that keeps hanging).
    pub stall_every_blob_after: Option<usize>,
    /// Requests that are never read nor answered (no response headers).
    pub stall_requests: Option<Stall>,
    /// Tag and repository lists come in pages of this many names (unless the request asks
    /// for `n`), each linking to the next with `Link` (`n` and `last`).
    pub page_size: Option<usize>,
    /// Tag, repository and referrers lists link to a next page forever, each page with this
    /// many made-up entries.
    pub endless_pages: Option<usize>,
    /// Tag, repository and referrers lists link to themselves as their next page.
    pub self_link: bool,
    /// Referrers listed for a subject (digest) on top of the real ones: descriptors of
    /// manifests that may not refer to it at all (a lying registry, e.g. a cycle).
    pub extra_referrers: HashMap<String, Vec<serde_json::Value>>,
    /// Answer cross-repository mount requests with a new upload session (202) instead of
    /// mounting, as a registry does when the credentials cannot read the source.
    pub refuse_mounts: bool,
}

/// Which requests [`Faults::stall_requests`] leaves unanswered.
#[derive(Debug, Clone, Default)]
pub struct Stall {
    /// Only requests of this method (`""`: any).
    pub method: String,
    /// Only requests whose `path?query` contains this.
    pub target: String,
    /// How many more matching requests stall (`usize::MAX`: all of them).
    pub times: usize,
}

/// How long a stalled request or body waits before it gives up (longer than any test).
const STALL: std::time::Duration = std::time::Duration::from_secs(600);

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    /// `main` or `side` (the other origin).
    pub server: &'static str,
    /// When it arrived.
    pub at: std::time::Instant,
}

#[derive(Default)]
struct Store {
    blobs: HashMap<String, Bytes>,
    /// digest → (media type, bytes)
    manifests: HashMap<String, (String, Bytes)>,
    /// repo → tag → digest
    tags: HashMap<String, HashMap<String, String>>,
    uploads: HashMap<String, Vec<u8>>,
    next_upload: u64,
}

struct Shared {
    /// Blob bytes sent in GET responses.
    blob_bytes_served: std::sync::atomic::AtomicU64,
    referrers_api: bool,
    auth: Auth,
    store: Mutex<Store>,
    faults: Mutex<Faults>,
    log: Mutex<Vec<Recorded>>,
    side_addr: Mutex<String>,
    token_lifetime: Option<u64>,
    /// Tokens handed out (with a lifetime) and when.
    issued: Mutex<HashMap<String, std::time::Instant>>,
    /// Requests refused because their token had expired.
    expired_tokens: std::sync::atomic::AtomicU64,
}

/// A running in-process registry (stopped when dropped).
pub struct TestRegistry {
    /// `127.0.0.1:<port>` of the registry.
    pub addr: String,
    /// `127.0.0.1:<port>` of the side server (redirect target and token realm).
    pub side_addr: String,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Options of [`TestRegistry::start`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub referrers_api: bool,
    pub auth: Auth,
    /// With [`Auth::Bearer`]: hand out a new token per request, valid this many seconds
    /// (`expires_in`), instead of the one everlasting [`TOKEN`].
    pub token_lifetime: Option<u64>,
}

/// The token the side server hands out and the registry accepts.
pub const TOKEN: &str = "test-token-0123456789";

impl TestRegistry {
    pub fn start(options: Options) -> TestRegistry {
        let shared = Arc::new(Shared {
            blob_bytes_served: Default::default(),
            referrers_api: options.referrers_api,
            auth: options.auth,
            store: Mutex::default(),
            faults: Mutex::default(),
            log: Mutex::default(),
            side_addr: Mutex::default(),
            token_lifetime: options.token_lifetime,
            issued: Mutex::default(),
            expired_tokens: Default::default(),
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let s = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let main = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let side = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let main_addr = main.local_addr().unwrap().to_string();
                let side_addr = side.local_addr().unwrap().to_string();
                *s.side_addr.lock().unwrap() = side_addr.clone();
                let app = axum::Router::new()
                    .fallback(handle_main)
                    .with_state(s.clone());
                let side_app = axum::Router::new()
                    .fallback(handle_side)
                    .with_state(s.clone());
                tx.send((main_addr, side_addr)).unwrap();
                let a = axum::serve(main, app);
                let b = axum::serve(side, side_app);
                tokio::select! {
                    _ = a => {}
                    _ = b => {}
                    _ = stop_rx => {}
                }
            });
        });
        let (addr, side_addr) = rx.recv().expect("registry started");
        TestRegistry {
            addr,
            side_addr,
            shared,
            shutdown: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `localhost:<port>` (oras uses plain HTTP for `localhost`).
    pub fn localhost(&self) -> String {
        self.addr.replace("127.0.0.1", "localhost")
    }

    /// Changes the faults.
    pub fn faults(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut self.shared.faults.lock().unwrap());
    }

    /// The requests seen so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.log.lock().unwrap().clear();
    }

    /// Blob bytes sent in GET responses so far.
    pub fn blob_bytes_served(&self) -> u64 {
        self.shared
            .blob_bytes_served
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Resets [`TestRegistry::blob_bytes_served`].
    pub fn reset_counters(&self) {
        self.shared
            .blob_bytes_served
            .store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// Requests refused because they carried an expired token.
    pub fn expired_token_requests(&self) -> u64 {
        self.shared
            .expired_tokens
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Tokens handed out so far (with [`Options::token_lifetime`]).
    pub fn tokens_issued(&self) -> usize {
        self.shared.issued.lock().unwrap().len()
    }

    /// Whether the registry holds a blob.
    pub fn has_blob(&self, digest: &str) -> bool {
        self.shared.store.lock().unwrap().blobs.contains_key(digest)
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn record(s: &Shared, req: &Request, server: &'static str) {
    s.log.lock().unwrap().push(Recorded {
        method: req.method().to_string(),
        path: req.uri().path().to_string(),
        query: req.uri().query().unwrap_or_default().to_string(),
        headers: req.headers().clone(),
        server,
        at: std::time::Instant::now(),
    });
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"code": code, "message": message, "detail": null}]})
        .to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| crate::token::percent_decode(v))
    })
}

fn authorized(s: &Shared, headers: &HeaderMap) -> Option<Response> {
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
            if got == want {
                None
            } else {
                let mut r = error(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHORIZED",
                    "authentication required",
                );
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"test\""),
                );
                Some(r)
            }
        }
        Auth::Bearer => {
            let valid = match (s.token_lifetime, got.strip_prefix("Bearer ")) {
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
            };
            if valid {
                None
            } else {
                let side = s.side_addr.lock().unwrap().clone();
                let mut r = error(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHORIZED",
                    "authentication required",
                );
                let v = format!("Bearer realm=\"http://{side}/token\",service=\"test\"");
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_str(&v).unwrap());
                Some(r)
            }
        }
    }
}

async fn handle_side(State(s): State<Arc<Shared>>, req: Request) -> Response {
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

async fn handle_main(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let warning = s.faults.lock().unwrap().warning.clone();
    let mut resp = route_main(s, req).await;
    if let Some(w) = warning {
        resp.headers_mut().append(
            header::WARNING,
            HeaderValue::from_str(&format!("299 - \"{w}\"")).unwrap(),
        );
    }
    resp
}

async fn route_main(s: Arc<Shared>, req: Request) -> Response {
    record(&s, &req, "main");
    let injected = {
        let mut f = s.faults.lock().unwrap();
        let after = match f.fail_after.as_mut() {
            Some((0, status)) => Some(*status),
            Some((n, _)) => {
                *n -= 1;
                None
            }
            None => None,
        };
        if after.is_some() {
            f.fail_after = None;
        }
        after.or_else(|| f.fail_next.pop_front())
    };
    if let Some(status) = injected {
        let mut r = error(
            StatusCode::from_u16(status).unwrap(),
            "UNAVAILABLE",
            "injected fault",
        );
        if status == 429 {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        return r;
    }
    if let Some(r) = authorized(&s, req.headers()) {
        return r;
    }
    if req.method() == Method::PATCH {
        let stall = {
            let mut f = s.faults.lock().unwrap();
            match f.stall_patch_after {
                Some(0) => {
                    f.stall_patch_after = None;
                    true
                }
                Some(n) => {
                    f.stall_patch_after = Some(n - 1);
                    false
                }
                None => false,
            }
        };
        if stall {
            tokio::time::sleep(STALL).await;
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    if stalls(&s, &method, &format!("{path}?{query}")) {
        // neither the request body is read nor an answer sent
        tokio::time::sleep(STALL).await;
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let headers = req.headers().clone();
    let max = s.faults.lock().unwrap().max_body;
    let body = match axum::body::to_bytes(req.into_body(), 1 << 30).await {
        Ok(b) => b,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    if let Some(m) = max
        && body.len() > m
    {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    }
    if path == "/v2/_catalog" {
        return catalog(&s, &path, &query);
    }
    if path == "/v2/" || path == "/v2" {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{}",
        )
            .into_response();
    }
    let Some(rest) = path.strip_prefix("/v2/") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    for marker in [
        "/blobs/uploads/",
        "/blobs/",
        "/manifests/",
        "/referrers/",
        "/tags/list",
    ] {
        if let Some(i) = rest.rfind(marker) {
            let repo = rest[..i].to_string();
            let tail = rest[i + marker.len()..].to_string();
            return match marker {
                "/blobs/uploads/" => uploads(&s, &method, &repo, &tail, &query, &headers, body),
                "/blobs/" => blobs(&s, &method, &tail, &headers),
                "/manifests/" => manifests(&s, &method, &repo, &tail, &headers, body),
                "/referrers/" => referrers(&s, &path, &tail, &query),
                _ => tags(&s, &repo, &path, &query),
            };
        }
    }
    StatusCode::NOT_FOUND.into_response()
}

/// Whether this request is one [`Faults::stall_requests`] leaves unanswered (counted).
fn stalls(s: &Shared, method: &Method, target: &str) -> bool {
    let mut f = s.faults.lock().unwrap();
    let Some(stall) = f.stall_requests.as_mut() else {
        return false;
    };
    let matches = (stall.method.is_empty() || stall.method == method.as_str())
        && target.contains(&stall.target);
    if !matches || stall.times == 0 {
        return false;
    }
    if stall.times != usize::MAX {
        stall.times -= 1;
    }
    true
}

fn uploads(
    s: &Shared,
    method: &Method,
    repo: &str,
    session: &str,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let refuse_mounts = s.faults.lock().unwrap().refuse_mounts;
    let mut st = s.store.lock().unwrap();
    if method == Method::POST {
        if !refuse_mounts
            && let Some(from) = query_param(query, "from")
            && let Some(d) = query_param(query, "mount")
            && st.blobs.contains_key(&d)
        {
            let _ = from;
            return (
                StatusCode::CREATED,
                [(header::LOCATION, format!("/v2/{repo}/blobs/{d}"))],
            )
                .into_response();
        }
        st.next_upload += 1;
        let id = format!("u{}", st.next_upload);
        st.uploads.insert(id.clone(), Vec::new());
        let min = "1";
        return (
            StatusCode::ACCEPTED,
            [
                (header::LOCATION, format!("/v2/{repo}/blobs/uploads/{id}")),
                (header::RANGE, "0-0".to_string()),
                (
                    HeaderName::from_static("oci-chunk-min-length"),
                    min.to_string(),
                ),
            ],
        )
            .into_response();
    }
    let Some(buf) = st.uploads.get_mut(session) else {
        return error(
            StatusCode::NOT_FOUND,
            "BLOB_UPLOAD_UNKNOWN",
            "blob upload unknown",
        );
    };
    if method == Method::PATCH {
        if let Some(r) = headers
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            && let Some(start) = r.split('-').next().and_then(|x| x.parse::<usize>().ok())
            && start != buf.len()
        {
            return StatusCode::RANGE_NOT_SATISFIABLE.into_response();
        }
        buf.extend_from_slice(&body);
        let end = buf.len().saturating_sub(1);
        s.faults.lock().unwrap().patched_bytes += body.len() as u64;
        return (
            StatusCode::ACCEPTED,
            [
                (
                    header::LOCATION,
                    format!("/v2/{repo}/blobs/uploads/{session}"),
                ),
                (header::RANGE, format!("0-{end}")),
            ],
        )
            .into_response();
    }
    if method == Method::GET {
        let end = buf.len().saturating_sub(1);
        return (
            StatusCode::NO_CONTENT,
            [
                (
                    header::LOCATION,
                    format!("/v2/{repo}/blobs/uploads/{session}"),
                ),
                (header::RANGE, format!("0-{end}")),
            ],
        )
            .into_response();
    }
    if method == Method::PUT {
        buf.extend_from_slice(&body);
        let data = Bytes::from(std::mem::take(buf));
        st.uploads.remove(session);
        let Some(want) = query_param(query, "digest") else {
            return error(StatusCode::BAD_REQUEST, "DIGEST_INVALID", "missing digest");
        };
        let got = Digest::sha256_of(&data).to_string();
        if got != want {
            return error(
                StatusCode::BAD_REQUEST,
                "DIGEST_INVALID",
                "digest did not match content",
            );
        }
        st.blobs.insert(got.clone(), data);
        return (
            StatusCode::CREATED,
            [
                (header::LOCATION, format!("/v2/{repo}/blobs/{got}")),
                (HeaderName::from_static("docker-content-digest"), got),
            ],
        )
            .into_response();
    }
    if method == Method::DELETE {
        st.uploads.remove(session);
        return StatusCode::NO_CONTENT.into_response();
    }
    StatusCode::METHOD_NOT_ALLOWED.into_response()
}

use axum::http::HeaderName;

fn blobs(s: &Shared, method: &Method, digest: &str, headers: &HeaderMap) -> Response {
    let blob = s.store.lock().unwrap().blobs.get(digest).cloned();
    if method == Method::DELETE {
        return match s.store.lock().unwrap().blobs.remove(digest) {
            Some(_) => StatusCode::ACCEPTED.into_response(),
            None => error(
                StatusCode::NOT_FOUND,
                "BLOB_UNKNOWN",
                "blob unknown to registry",
            ),
        };
    }
    let Some(mut blob) = blob else {
        return error(
            StatusCode::NOT_FOUND,
            "BLOB_UNKNOWN",
            "blob unknown to registry",
        );
    };
    let mut f = s.faults.lock().unwrap();
    if method == Method::GET && f.redirect_blobs {
        let side = s.side_addr.lock().unwrap().clone();
        return (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, format!("http://{side}/blob/{digest}"))],
        )
            .into_response();
    }
    if f.corrupt_blobs && !blob.is_empty() {
        let mut v = blob.to_vec();
        v[0] ^= 0xff;
        blob = Bytes::from(v);
    }
    if f.short_blobs && !blob.is_empty() {
        blob = blob.slice(..blob.len() - 1);
    }
    let total = blob.len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix("bytes="))
        .filter(|_| !f.ignore_range);
    // `bytes=start-` or `bytes=start-end`
    let (status, start, end) = match range {
        Some(r) => {
            let (a, b) = r.split_once('-').unwrap_or((r, ""));
            let start: usize = a.parse::<usize>().unwrap_or(0).min(total);
            let end = b
                .parse::<usize>()
                .map_or(total, |e| (e + 1).min(total))
                .max(start);
            (StatusCode::PARTIAL_CONTENT, start, end)
        }
        None => (StatusCode::OK, 0, total),
    };
    let part = blob.slice(start..end);
    let mut resp_headers = vec![
        (header::CONTENT_TYPE, "application/octet-stream".to_string()),
        (header::CONTENT_LENGTH, part.len().to_string()),
        (header::ACCEPT_RANGES, "bytes".to_string()),
        (
            HeaderName::from_static("docker-content-digest"),
            digest.to_string(),
        ),
    ];
    if status == StatusCode::PARTIAL_CONTENT {
        resp_headers.push((
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{total}", end.saturating_sub(1)),
        ));
    }
    if method == Method::HEAD {
        let mut r = status.into_response();
        for (k, v) in resp_headers {
            r.headers_mut()
                .insert(k, HeaderValue::from_str(&v).unwrap());
        }
        return r;
    }
    if method == Method::GET
        && let Some(n) = f.stall_blob_after.take().or(f.stall_every_blob_after)
    {
        let head = part.slice(..n.min(part.len()));
        s.blob_bytes_served
            .fetch_add(head.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let stall = futures::stream::once(async {
            tokio::time::sleep(STALL).await;
            Err::<Bytes, std::io::Error>(std::io::Error::other("stalled"))
        });
        let stream =
            futures::stream::once(async move { Ok::<Bytes, std::io::Error>(head) }).chain(stall);
        let mut r = (status, Body::from_stream(stream.boxed())).into_response();
        for (k, v) in resp_headers {
            r.headers_mut()
                .insert(k, HeaderValue::from_str(&v).unwrap());
        }
        return r;
    }
    if method == Method::GET {
        s.blob_bytes_served
            .fetch_add(part.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    let body = match (method == Method::GET)
        .then(|| f.drop_blob_after.take())
        .flatten()
    {
        Some(n) => {
            let head = part.slice(..n.min(part.len()));
            let stream = futures::stream::iter(vec![
                Ok::<Bytes, std::io::Error>(head),
                Err(std::io::Error::other("injected connection drop")),
            ]);
            Body::from_stream(stream.boxed())
        }
        None => Body::from(part),
    };
    let mut r = (status, body).into_response();
    for (k, v) in resp_headers {
        r.headers_mut()
            .insert(k, HeaderValue::from_str(&v).unwrap());
    }
    r
}

fn manifests(
    s: &Shared,
    method: &Method,
    repo: &str,
    reference: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = s.store.lock().unwrap();
    let digest = if Digest::parse(reference).is_ok() {
        Some(reference.to_string())
    } else {
        st.tags.get(repo).and_then(|t| t.get(reference)).cloned()
    };
    if method == Method::PUT {
        let mt = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let d = Digest::sha256_of(&body).to_string();
        if Digest::parse(reference).is_ok() && reference != d {
            return error(StatusCode::BAD_REQUEST, "DIGEST_INVALID", "digest mismatch");
        }
        let subject = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                v.get("subject")
                    .and_then(|s| s.get("digest"))
                    .and_then(|d| d.as_str())
                    .map(str::to_string)
            });
        st.manifests.insert(d.clone(), (mt, body));
        if Digest::parse(reference).is_err() {
            st.tags
                .entry(repo.to_string())
                .or_default()
                .insert(reference.to_string(), d.clone());
        }
        let mut r = (
            StatusCode::CREATED,
            [(HeaderName::from_static("docker-content-digest"), d)],
        )
            .into_response();
        if let Some(sub) = subject.filter(|_| s.referrers_api) {
            r.headers_mut().insert(
                HeaderName::from_static("oci-subject"),
                HeaderValue::from_str(&sub).unwrap(),
            );
        }
        return r;
    }
    let Some(d) = digest else {
        return error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            "manifest unknown",
        );
    };
    if method == Method::DELETE {
        return match st.manifests.remove(&d) {
            Some(_) => {
                for t in st.tags.values_mut() {
                    t.retain(|_, v| v != &d);
                }
                StatusCode::ACCEPTED.into_response()
            }
            None => error(
                StatusCode::NOT_FOUND,
                "MANIFEST_UNKNOWN",
                "manifest unknown",
            ),
        };
    }
    let Some((mt, bytes)) = st.manifests.get(&d).cloned() else {
        return error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            "manifest unknown",
        );
    };
    let shown = if s.faults.lock().unwrap().lie_digest {
        Digest::sha256_of(b"lie").to_string()
    } else {
        d
    };
    let hdrs = [
        (header::CONTENT_TYPE, mt),
        (HeaderName::from_static("docker-content-digest"), shown),
        (header::CONTENT_LENGTH, bytes.len().to_string()),
    ];
    if method == Method::HEAD {
        return (StatusCode::OK, hdrs).into_response();
    }
    (StatusCode::OK, hdrs, bytes).into_response()
}

/// One page of a list of `all` (sorted) names at `path?query`, and its `Link` header, as the
/// paging faults say.
fn paged(s: &Shared, path: &str, query: &str, all: Vec<String>) -> (Vec<String>, Option<String>) {
    let f = s.faults.lock().unwrap();
    if let Some(per) = f.endless_pages {
        let page: u64 = query_param(query, "page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let names = (0..per).map(|i| format!("p{page}-{i}")).collect();
        return (
            names,
            Some(format!("<{path}?page={}>; rel=\"next\"", page + 1)),
        );
    }
    if f.self_link {
        let here = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        return (all, Some(format!("<{here}>; rel=\"next\"")));
    }
    let n = query_param(query, "n")
        .and_then(|n| n.parse::<usize>().ok())
        .or(f.page_size);
    let last = query_param(query, "last");
    let mut rest: Vec<String> = all
        .into_iter()
        .filter(|x| last.as_ref().is_none_or(|l| x > l))
        .collect();
    match n {
        Some(n) if rest.len() > n => {
            rest.truncate(n);
            let after = crate::token::percent_encode(rest.last().map_or("", String::as_str));
            let link = format!("<{path}?n={n}&last={after}>; rel=\"next\"");
            (rest, Some(link))
        }
        _ => (rest, None),
    }
}

/// A JSON list answer, with its `Link` when there is a next page.
fn list_response(body: String, link: Option<String>) -> Response {
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    if let Some(l) = link {
        r.headers_mut()
            .insert(header::LINK, HeaderValue::from_str(&l).unwrap());
    }
    r
}

fn catalog(s: &Shared, path: &str, query: &str) -> Response {
    let mut repos: Vec<String> = s.store.lock().unwrap().tags.keys().cloned().collect();
    repos.sort();
    let (page, link) = paged(s, path, query, repos);
    list_response(
        serde_json::json!({ "repositories": page }).to_string(),
        link,
    )
}

fn referrers(s: &Shared, path: &str, subject: &str, query: &str) -> Response {
    if !s.referrers_api {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain")],
            "404 page not found",
        )
            .into_response();
    }
    let filter = query_param(query, "artifactType");
    let st = s.store.lock().unwrap();
    let mut list = Vec::new();
    for (d, (mt, bytes)) in &st.manifests {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            continue;
        };
        if v.get("subject")
            .and_then(|x| x.get("digest"))
            .and_then(|x| x.as_str())
            != Some(subject)
        {
            continue;
        }
        let at = v
            .get("artifactType")
            .and_then(|x| x.as_str())
            .or_else(|| {
                v.get("config")
                    .and_then(|c| c.get("mediaType"))
                    .and_then(|x| x.as_str())
            })
            .unwrap_or_default()
            .to_string();
        if filter.as_ref().is_some_and(|f| f != &at) {
            continue;
        }
        let mut e = serde_json::json!({"mediaType": mt, "digest": d, "size": bytes.len(), "artifactType": at});
        if let Some(a) = v.get("annotations") {
            e["annotations"] = a.clone();
        }
        list.push(e);
    }
    drop(st);
    let link = {
        let f = s.faults.lock().unwrap();
        list.extend(f.extra_referrers.get(subject).cloned().unwrap_or_default());
        (f.endless_pages.is_some() || f.self_link).then_some(())
    };
    let link = link.map(|()| {
        let (names, link) = paged(s, path, query, Vec::new());
        for n in names {
            list.push(serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": Digest::sha256_of(n.as_bytes()).to_string(),
                "size": 2,
                "artifactType": "application/vnd.test.endless",
            }));
        }
        link
    });
    let body = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": list}).to_string();
    let mut r = (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/vnd.oci.image.index.v1+json",
        )],
        body,
    )
        .into_response();
    if filter.is_some() {
        r.headers_mut().insert(
            HeaderName::from_static("oci-filters-applied"),
            HeaderValue::from_static("artifactType"),
        );
    }
    if let Some(l) = link.flatten() {
        r.headers_mut()
            .insert(header::LINK, HeaderValue::from_str(&l).unwrap());
    }
    r
}

fn tags(s: &Shared, repo: &str, path: &str, query: &str) -> Response {
    let st = s.store.lock().unwrap();
    let Some(t) = st.tags.get(repo) else {
        return error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "repository name not known to registry",
        );
    };
    let mut names: Vec<String> = t.keys().cloned().collect();
    drop(st);
    names.sort();
    let (page, link) = paged(s, path, query, names);
    list_response(
        serde_json::json!({"name": repo, "tags": page}).to_string(),
        link,
    )
}
