//! An in-process registry for what distribution 2.8 lacks: the Referrers API, `OCI-Subject`,
//! chunked uploads with a body cap, and injected faults (5xx/429 bursts, dropped or corrupted
//! blob downloads, a lying `Docker-Content-Digest`, redirects to another origin, a token realm
//! on another origin). Every request is recorded for assertions.
//!
//! It runs on its own thread and runtime, so plain `#[test]`s can use it.
//!
//! One file per concern: `faults` (what to inject and when), `routes` (the main server's
//! dispatch), `auth`, `side` (the other origin: token realm, redirect target), `blobs` (GET,
//! HEAD, DELETE), `uploads`, `manifests`, `listing` (tags, catalog, paging), `referrers`; the
//! public types and start/stop are here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

mod auth;
mod blobs;
mod faults;
mod listing;
mod manifests;
mod referrers;
mod routes;
mod side;
mod uploads;

pub use faults::{Faults, Stall};
use routes::handle_main;
use side::handle_side;

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
    single_post: bool,
    busy_above: Option<usize>,
    delay: Option<std::time::Duration>,
    /// Requests being answered now, the most there were at once, and how many were refused
    /// for being above [`Options::busy_above`].
    in_flight: std::sync::atomic::AtomicUsize,
    peak_in_flight: std::sync::atomic::AtomicUsize,
    refused_busy: std::sync::atomic::AtomicU64,
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
    /// Take the OCI single-request upload: `POST /blobs/uploads/?digest=<d>` with the body
    /// stores the blob (201). Off: the digest and body are ignored and a session opened (202),
    /// as distribution 2.8 does.
    pub single_post: bool,
    /// Answer 429 (without `Retry-After`) to a request that arrives while this many are being
    /// answered already.
    pub busy_above: Option<usize>,
    /// Wait this long before answering each request (a registry across a network).
    pub delay: Option<std::time::Duration>,
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
            single_post: options.single_post,
            busy_above: options.busy_above,
            delay: options.delay,
            in_flight: Default::default(),
            peak_in_flight: Default::default(),
            refused_busy: Default::default(),
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

    /// The most requests that were being answered at once (counting refused ones).
    pub fn peak_in_flight(&self) -> usize {
        self.shared
            .peak_in_flight
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Requests answered 429 for arriving above [`Options::busy_above`].
    pub fn refused_busy(&self) -> u64 {
        self.shared
            .refused_busy
            .load(std::sync::atomic::Ordering::Relaxed)
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

/// A distribution error answer (`{"errors": [...]}`).
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"code": code, "message": message, "detail": null}]})
        .to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The (percent-decoded) value of `key` in a query string.
fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| crate::token::percent_decode(v))
    })
}
