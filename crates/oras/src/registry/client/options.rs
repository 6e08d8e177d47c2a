//! Transport settings of a [`Client`](super::Client).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::registry::idle::DEFAULT_READ_TIMEOUT;

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
