//! Transport settings of a [`Client`](super::Client).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;

use super::RetryPolicy;
use crate::registry::idle::DEFAULT_READ_TIMEOUT;

/// The `User-Agent` the library sends unless told otherwise: `oras-rs/<crate version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("oras-rs/", env!("CARGO_PKG_VERSION"));

/// Transport settings (the `Remote` option group); usually set through
/// [`ClientBuilder`](super::ClientBuilder).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Skip TLS certificate verification (handshake signatures are still checked).
    pub insecure: bool,
    /// CA certificates (a PEM bundle) replacing the system roots.
    pub ca: Option<Pem>,
    /// Client certificate and key, presented to the registry origin only.
    pub client_cert: Option<ClientCert>,
    /// The rustls crypto provider for TLS; `None`: the process default when the application
    /// installed one, else ring. Nothing is installed process-wide either way.
    pub crypto_provider: Option<Arc<CryptoProvider>>,
    /// Extra headers, sent to the registry origin only.
    pub headers: Vec<(String, String)>,
    /// Address overrides (`--resolve`).
    pub resolve: Vec<ResolveRule>,
    /// The `User-Agent` of every request (default [`DEFAULT_USER_AGENT`]).
    pub user_agent: String,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// How long connecting (TCP and TLS) may take (default 30 s).
    pub connect_timeout: Duration,
    /// A request fails when the registry sends nothing for this long, before its response
    /// headers or in the middle of a body (default [`DEFAULT_READ_TIMEOUT`]; `None`: wait
    /// forever, as oras does).
    pub read_timeout: Option<Duration>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            insecure: false,
            ca: None,
            client_cert: None,
            crypto_provider: None,
            headers: Vec::new(),
            resolve: Vec::new(),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
        }
    }
}

/// Dialing `host:port` goes to `addr` instead (address and port), as curl's `--connect-to`;
/// the request still names `host:port` (Host header, TLS server name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRule {
    /// The host name requests name.
    pub host: String,
    /// The port requests name.
    pub port: u16,
    /// Where to connect instead.
    pub addr: SocketAddr,
}

/// PEM data: a file read when the client is built, or the bytes themselves.
#[derive(Clone, PartialEq, Eq)]
pub enum Pem {
    /// A PEM file.
    File(PathBuf),
    /// PEM bytes.
    Data(Vec<u8>),
}

impl Pem {
    /// Where the data comes from, for error messages (`file <path>` or `PEM data`).
    pub(super) fn describe(&self) -> String {
        match self {
            Pem::File(p) => format!("file {}", p.display()),
            Pem::Data(_) => "PEM data".to_string(),
        }
    }
}

/// Key material is never shown.
impl fmt::Debug for Pem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pem::File(p) => f.debug_tuple("File").field(p).finish(),
            Pem::Data(d) => write!(f, "Data(<{} bytes>)", d.len()),
        }
    }
}

/// A client certificate (or chain, leaf first) and its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// The certificate chain (PEM).
    pub cert: Pem,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: Pem,
}
