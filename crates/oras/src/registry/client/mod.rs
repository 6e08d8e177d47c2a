//! The HTTP client every registry request goes through: authentication (Basic, Bearer with
//! distribution tokens or OAuth2 refresh tokens, cached per host and scope set), retries with
//! backoff, redirects that never carry credentials or custom headers to another origin, the
//! `Warning` header, and the `--debug` trace with secrets redacted.
//!
//! One file per concern: `builder` and `options` (settings), `transport` (the HTTP/TLS clients), `tokens`
//! (challenges and the token cache), `retry` (backoff, pauses), `route` (origins, address
//! overrides, redirects), `body` (request and response bodies, headers), `warning`, `send` (the
//! request loop); the client itself is here.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use reqwest::{Method, Response};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::registry::errcode::response_error;
use crate::registry::trace::Tracer;
pub use crate::registry::trace::redact_url;

mod body;
mod builder;
mod options;
mod pooled;
mod retry;
mod route;
mod send;
mod tokens;
mod transport;
mod warning;

pub use crate::registry::auth::{CredentialProvider, StaticCredential};
use body::check_header;
pub use body::{BodyPieces, ReqBody, body_error, body_reader, headers, read_limited};
pub use builder::ClientBuilder;
pub(crate) use builder::{Transport, transport_setters};
pub use options::{ClientCert, ClientOptions, DEFAULT_USER_AGENT, Pem, ResolveRule};
pub use retry::RetryPolicy;
pub use route::host_port;
use tokens::HostAuth;
use transport::http_clients;

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
    /// The HTTP trace, when a subscriber wants it (see [`crate::diagnostics`]).
    tracer: Tracer,
    /// Hosts that answered 429 or 503: no request goes to them before this instant.
    paused: Mutex<HashMap<String, tokio::time::Instant>>,
    /// Answers 429 or 503 from the registry so far (see [`Client::overload_answers`]).
    overloads: std::sync::atomic::AtomicU64,
    /// Hosts that answered at least once: a connection one of them refuses is retried (it
    /// may be restarting); one refused by a host that never answered is not (nothing
    /// listens there, as oras-go does not retry either).
    answered: Mutex<HashSet<String>>,
}

const MAX_ERROR_BODY: usize = 8 << 10;

fn net_err(method: &Method, url: &Url, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Network,
        format!("{method} {:?}: {e}", redact_url(url)),
    )
}

impl Client {
    /// Builds a client; fails ([`ErrorKind::InvalidInput`]) on unreadable or invalid TLS files
    /// and on custom headers that cannot be sent, before any request.
    pub(crate) fn new(
        opts: ClientOptions,
        credentials: Box<dyn CredentialProvider>,
    ) -> Result<Client> {
        for (name, value) in &opts.headers {
            check_header(name, value)?;
        }
        let clients = http_clients(&opts)?;
        let tracer = Tracer::new(opts.headers.iter().map(|(k, _)| k.as_str()));
        Ok(Client {
            http: clients.registry,
            foreign: clients.foreign,
            opts,
            credentials,
            auth: Mutex::default(),
            token_lock: tokio::sync::Mutex::new(()),
            warned: Mutex::default(),
            tracer,
            paused: Mutex::default(),
            overloads: Default::default(),
            answered: Mutex::default(),
        })
    }

    /// How many times the registry answered 429 or 503 (overloaded, rate limiting) so far:
    /// the copy engine halves its concurrency when this grows.
    pub fn overload_answers(&self) -> u64 {
        self.overloads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Turns an unexpected response into an error (reads at most 8 KiB of its body).
    pub(crate) async fn error(method: &Method, resp: Response) -> Error {
        let url = resp.url().clone();
        let status = resp.status().as_u16();
        let body = read_limited(resp, MAX_ERROR_BODY).await.unwrap_or_default();
        response_error(method.as_str(), &url, status, &body)
    }
}
