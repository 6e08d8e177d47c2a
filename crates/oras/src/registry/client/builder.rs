//! Building a [`Client`]: credentials and transport settings, checked when it is built.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;

use super::options::{ClientCert, ClientOptions, Pem, ResolveRule};
use super::{Client, RetryPolicy};
use crate::error::{Error, Result};
use crate::registry::auth::{Credential, CredentialProvider, StaticCredential};
use crate::registry::credentials::CredentialStore;

/// Builds a [`Client`]: where credentials come from and how requests travel. Nothing is read
/// (files, environment) before [`ClientBuilder::build`], which checks everything at once.
///
/// ```no_run
/// # fn demo() -> oras::Result<()> {
/// use std::time::Duration;
/// use oras::registry::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .basic_auth("user", "secret")
///     .ca_file("/etc/registry/ca.pem")
///     .header("X-Team", "storage")
///     .retry(RetryPolicy::default().max_retries(2_u32))
///     .connect_timeout(Duration::from_secs(5))
///     .build()?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct ClientBuilder {
    opts: ClientOptions,
    credentials: Option<Box<dyn CredentialProvider>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder::new()
    }
}

impl Client {
    /// A builder for a client (anonymous, verified TLS, the library's User-Agent).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// Anonymous, verified TLS against the system roots, the library's User-Agent, default
    /// retries and timeouts.
    pub fn new() -> ClientBuilder {
        ClientBuilder {
            opts: ClientOptions::default(),
            credentials: None,
        }
    }

    /// Replaces every transport setting at once.
    pub fn options(mut self, opts: ClientOptions) -> ClientBuilder {
        self.opts = opts;
        self
    }

    /// The transport settings so far.
    pub fn transport_options(&self) -> &ClientOptions {
        &self.opts
    }

    /// One credential for every host.
    pub fn credential(self, credential: Credential) -> ClientBuilder {
        self.credential_provider(StaticCredential(credential))
    }

    /// A username and password for every host (Basic auth, or the token service's).
    pub fn basic_auth(self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credential(Credential::basic(username, password))
    }

    /// A registry access token, sent as `Bearer` as it is.
    pub fn access_token(self, token: impl Into<String>) -> ClientBuilder {
        self.credential(Credential {
            access_token: token.into(),
            ..Default::default()
        })
    }

    /// An identity (OAuth2 refresh) token, exchanged for access tokens.
    pub fn refresh_token(self, token: impl Into<String>) -> ClientBuilder {
        self.credential(Credential {
            refresh_token: token.into(),
            ..Default::default()
        })
    }

    /// Credentials from Docker config files and their credential helpers.
    pub fn credential_store(self, store: CredentialStore) -> ClientBuilder {
        self.credential_provider(store)
    }

    /// Credentials from any provider (asked per host when a registry challenges).
    pub fn credential_provider(mut self, provider: impl CredentialProvider + 'static) -> Self {
        self.credentials = Some(Box::new(provider));
        self
    }

    /// Skips TLS certificate verification (handshake signatures are still checked).
    pub fn insecure(mut self, insecure: bool) -> ClientBuilder {
        self.opts.insecure = insecure;
        self
    }

    /// Trusts the CA certificates of a PEM file instead of the system roots.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> ClientBuilder {
        self.opts.ca = Some(Pem::File(path.into()));
        self
    }

    /// Trusts the CA certificates of PEM bytes instead of the system roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> ClientBuilder {
        self.opts.ca = Some(Pem::Data(pem.into()));
        self
    }

    /// Presents a client certificate (PEM files: the chain, the key) to the registry origin.
    pub fn client_cert_files(
        mut self,
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> ClientBuilder {
        self.opts.client_cert = Some(ClientCert {
            cert: Pem::File(cert.into()),
            key: Pem::File(key.into()),
        });
        self
    }

    /// Presents a client certificate (PEM bytes: the chain, the key) to the registry origin.
    pub fn client_cert_pem(
        mut self,
        cert: impl Into<Vec<u8>>,
        key: impl Into<Vec<u8>>,
    ) -> ClientBuilder {
        self.opts.client_cert = Some(ClientCert {
            cert: Pem::Data(cert.into()),
            key: Pem::Data(key.into()),
        });
        self
    }

    /// The rustls crypto provider for TLS (default: the process default if the application
    /// installed one, else ring; nothing is installed process-wide).
    pub fn crypto_provider(mut self, provider: Arc<CryptoProvider>) -> ClientBuilder {
        self.opts.crypto_provider = Some(provider);
        self
    }

    /// Adds a header to every request to the registry origin (never to token realms or
    /// redirect targets elsewhere); its value is redacted in the HTTP trace.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> ClientBuilder {
        self.opts.headers.push((name.into(), value.into()));
        self
    }

    /// Connects to another address for a host and port (as curl's `--connect-to`).
    pub fn resolve(mut self, rule: ResolveRule) -> ClientBuilder {
        self.opts.resolve.push(rule);
        self
    }

    /// The `User-Agent` (default [`DEFAULT_USER_AGENT`](super::options::DEFAULT_USER_AGENT)).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.opts.user_agent = user_agent.into();
        self
    }

    /// How failed requests are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.opts.retry = policy;
        self
    }

    /// How long connecting may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.opts.connect_timeout = timeout;
        self
    }

    /// How long the registry may send nothing, before the response headers or within a body
    /// (`None`: wait forever).
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> ClientBuilder {
        self.opts.read_timeout = timeout;
        self
    }

    /// The client; fails ([`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)) on
    /// unreadable or invalid TLS material and on headers that cannot be sent.
    pub fn build(self) -> Result<Client> {
        let credentials = self
            .credentials
            .unwrap_or_else(|| Box::new(StaticCredential(Credential::default())));
        Client::new(self.opts, credentials)
    }
}

/// The client of a repository or registry builder: one to build, or one shared.
pub(crate) enum Transport {
    /// Built from these settings; `set`: some were given.
    Own {
        builder: Box<ClientBuilder>,
        set: bool,
    },
    /// An existing client (its token cache is shared too).
    Shared(Arc<Client>),
    /// Transport settings and a shared client were both given: an error at build.
    Conflict,
}

impl Transport {
    /// Applies a setting to the client to build.
    pub(crate) fn apply(self, f: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Transport {
        match self {
            Transport::Own { builder, .. } => Transport::Own {
                builder: Box::new(f(*builder)),
                set: true,
            },
            Transport::Shared(_) | Transport::Conflict => Transport::Conflict,
        }
    }

    /// Uses `client` instead of building one.
    pub(crate) fn share(self, client: Arc<Client>) -> Transport {
        match self {
            Transport::Own { set: false, .. } | Transport::Shared(_) => Transport::Shared(client),
            Transport::Own { set: true, .. } | Transport::Conflict => Transport::Conflict,
        }
    }

    /// Builds the client from `builder` (replacing any settings given before).
    pub(crate) fn replace(builder: ClientBuilder) -> Transport {
        Transport::Own {
            builder: Box::new(builder),
            set: true,
        }
    }

    /// The client.
    pub(crate) fn build(self) -> Result<Arc<Client>> {
        match self {
            Transport::Own { builder, .. } => Ok(Arc::new(builder.build()?)),
            Transport::Shared(c) => Ok(c),
            Transport::Conflict => Err(Error::invalid(
                "transport settings cannot be combined with a shared client",
            )),
        }
    }
}

impl Default for Transport {
    fn default() -> Self {
        Transport::Own {
            builder: Box::default(),
            set: false,
        }
    }
}

/// The client settings of [`ClientBuilder`] on a builder that holds a `transport:
/// Transport` field, so a repository or registry is configured in one chain.
macro_rules! transport_setters {
    () => {
        transport_setters! {
            /// One credential for every host (see [`ClientBuilder::credential`](crate::registry::ClientBuilder::credential)).
            credential(credential: crate::registry::auth::Credential);
            /// A username and password (see [`ClientBuilder::basic_auth`](crate::registry::ClientBuilder::basic_auth)).
            basic_auth(username: impl Into<String>, password: impl Into<String>);
            /// A registry access token (see [`ClientBuilder::access_token`](crate::registry::ClientBuilder::access_token)).
            access_token(token: impl Into<String>);
            /// An identity token (see [`ClientBuilder::refresh_token`](crate::registry::ClientBuilder::refresh_token)).
            refresh_token(token: impl Into<String>);
            /// Docker config credentials (see [`ClientBuilder::credential_store`](crate::registry::ClientBuilder::credential_store)).
            credential_store(store: crate::registry::credentials::CredentialStore);
            /// Any credential provider (see [`ClientBuilder::credential_provider`](crate::registry::ClientBuilder::credential_provider)).
            credential_provider(provider: impl crate::registry::CredentialProvider + 'static);
            /// Skips certificate verification (see [`ClientBuilder::insecure`](crate::registry::ClientBuilder::insecure)).
            insecure(insecure: bool);
            /// CA certificates from a PEM file (see [`ClientBuilder::ca_file`](crate::registry::ClientBuilder::ca_file)).
            ca_file(path: impl Into<std::path::PathBuf>);
            /// CA certificates from PEM bytes (see [`ClientBuilder::ca_pem`](crate::registry::ClientBuilder::ca_pem)).
            ca_pem(pem: impl Into<Vec<u8>>);
            /// A client certificate from PEM files (see [`ClientBuilder::client_cert_files`](crate::registry::ClientBuilder::client_cert_files)).
            client_cert_files(cert: impl Into<std::path::PathBuf>, key: impl Into<std::path::PathBuf>);
            /// A client certificate from PEM bytes (see [`ClientBuilder::client_cert_pem`](crate::registry::ClientBuilder::client_cert_pem)).
            client_cert_pem(cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>);
            /// The TLS crypto provider (see [`ClientBuilder::crypto_provider`](crate::registry::ClientBuilder::crypto_provider)).
            crypto_provider(provider: std::sync::Arc<rustls::crypto::CryptoProvider>);
            /// A header for the registry origin (see [`ClientBuilder::header`](crate::registry::ClientBuilder::header)).
            header(name: impl Into<String>, value: impl Into<String>);
            /// An address override (see [`ClientBuilder::resolve`](crate::registry::ClientBuilder::resolve)).
            resolve(rule: crate::registry::ResolveRule);
            /// The `User-Agent` (see [`ClientBuilder::user_agent`](crate::registry::ClientBuilder::user_agent)).
            user_agent(user_agent: impl Into<String>);
            /// The retry policy (see [`ClientBuilder::retry`](crate::registry::ClientBuilder::retry)).
            retry(policy: crate::registry::RetryPolicy);
            /// The connect timeout (see [`ClientBuilder::connect_timeout`](crate::registry::ClientBuilder::connect_timeout)).
            connect_timeout(timeout: std::time::Duration);
            /// The idle-read timeout (see [`ClientBuilder::read_timeout`](crate::registry::ClientBuilder::read_timeout)).
            read_timeout(timeout: Option<std::time::Duration>);
        }

        /// Builds the client with `builder` (replacing the transport settings given before).
        pub fn transport(mut self, builder: crate::registry::ClientBuilder) -> Self {
            self.transport = crate::registry::client::Transport::replace(builder);
            self
        }

        /// Uses an existing client (sharing its connections and token cache); transport
        /// settings given to this builder as well are an error at build.
        pub fn client(mut self, client: std::sync::Arc<crate::registry::Client>) -> Self {
            self.transport = self.transport.share(client);
            self
        }
    };
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $t:ty),*);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $($arg: $t),*) -> Self {
                self.transport = self.transport.apply(|c| c.$name($($arg),*));
                self
            }
        )*
    };
}
pub(crate) use transport_setters;
