//! A registry as a whole: checking credentials (`GET /v2/`) and listing repositories
//! (`_catalog`, page by page, bounded).

use std::sync::Arc;

use futures::stream::BoxStream;
use reqwest::Method;
use reqwest::header::HeaderMap;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;
use crate::registry::client::{Client, ReqBody, Transport, transport_setters};
use crate::registry::pages::{ListLimits, NameList, collect};
use crate::registry::repository::RepositoryBuilder;

/// A registry (for listing repositories and checking credentials).
pub struct Registry {
    client: Arc<Client>,
    /// As given (`docker.io`).
    name: String,
    /// As contacted (`registry-1.docker.io`).
    host: String,
    scheme: &'static str,
    list: ListLimits,
}

/// Builds a [`Registry`]: the same transport settings as a
/// [`RepositoryBuilder`], plain HTTP and listing bounds.
///
/// ```no_run
/// # async fn demo() -> oras::Result<()> {
/// use oras::registry::Registry;
///
/// let registry = Registry::builder("localhost:5000")?
///     .plain_http(true)
///     .basic_auth("user", "secret")
///     .build()?;
/// registry.ping().await?;
/// let repo = registry.repository("team/app")?.build()?; // shares the client
/// # Ok(()) }
/// ```
#[must_use]
pub struct RegistryBuilder {
    name: String,
    transport: Transport,
    plain_http: bool,
    list: ListLimits,
}

impl RegistryBuilder {
    transport_setters!();

    /// Speaks plain HTTP instead of HTTPS.
    pub fn plain_http(mut self, plain_http: bool) -> RegistryBuilder {
        self.plain_http = plain_http;
        self
    }

    /// Bounds of the repository listing (pages, entries).
    pub fn list_limits(mut self, limits: ListLimits) -> RegistryBuilder {
        self.list = limits;
        self
    }

    /// The registry; fails when its client cannot be built.
    pub fn build(self) -> Result<Registry> {
        let client = self.transport.build()?;
        Ok(Registry::new(client, &self.name, self.plain_http).with_list_limits(self.list))
    }
}

impl Registry {
    /// A builder for the registry at `registry` (`host[:port]`); fails with
    /// [`ErrorKind::InvalidReference`] on a name that is not one.
    pub fn builder(registry: &str) -> Result<RegistryBuilder> {
        let valid = oras_spec::Reference::parse(&format!("{registry}/r"))
            .is_ok_and(|r| r.registry == registry);
        if !valid {
            return Err(Error::new(
                ErrorKind::InvalidReference,
                format!("invalid registry {registry:?}"),
            ));
        }
        Ok(RegistryBuilder {
            name: registry.to_string(),
            transport: Transport::default(),
            plain_http: false,
            list: ListLimits::default(),
        })
    }

    /// A builder for one of the registry's repositories, sharing this registry's client (and
    /// its token cache) and scheme; fails with [`ErrorKind::InvalidReference`] on an invalid
    /// repository name.
    pub fn repository(&self, name: &str) -> Result<RepositoryBuilder> {
        if !oras_spec::reference::is_valid_repository(name) {
            return Err(Error::new(
                ErrorKind::InvalidReference,
                format!("invalid repository {name:?}"),
            ));
        }
        let reference = oras_spec::Reference {
            registry: self.name.clone(),
            repository: name.to_string(),
            reference: String::new(),
        };
        Ok(RepositoryBuilder::new(&reference)
            .client(self.client.clone())
            .plain_http(self.scheme == "http"))
    }

    /// The client requests go through.
    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// The registry at `registry` (`host[:port]`; `docker.io` means Docker Hub's API host).
    pub(crate) fn new(client: Arc<Client>, registry: &str, plain_http: bool) -> Registry {
        let host = if registry == "docker.io" {
            "registry-1.docker.io".to_string()
        } else {
            registry.to_string()
        };
        Registry {
            client,
            name: registry.to_string(),
            host,
            scheme: if plain_http { "http" } else { "https" },
            list: ListLimits::default(),
        }
    }

    /// Bounds the repository listing (pages, entries).
    pub(crate) fn with_list_limits(mut self, limits: ListLimits) -> Registry {
        self.list = limits;
        self
    }

    fn url(&self, tail: &str) -> Result<Url> {
        let s = format!("{}://{}/v2/{tail}", self.scheme, self.host);
        Url::parse(&s).map_err(|e| Error::new(ErrorKind::InvalidReference, format!("{s}: {e}")))
    }

    /// `GET /v2/`: succeeds when the registry accepts the client's credentials.
    pub async fn ping(&self) -> Result<()> {
        let url = self.url("")?;
        let resp = self
            .client
            .send(Method::GET, url, HeaderMap::new(), ReqBody::Empty, &[])
            .await?;
        match resp.status().as_u16() {
            200 => Ok(()),
            404 => Err(Error::not_found(format!("{}/v2/", self.host))),
            _ => Err(Client::error(&Method::GET, resp).await),
        }
    }

    /// Lists repositories through `_catalog`, following `Link` pages, after `last`.
    pub async fn repositories(&self, last: Option<&str>) -> Result<Vec<String>> {
        collect(self.repository_pages(last)).await
    }

    /// The repositories page by page as the registry sends them (after `last` when given).
    pub fn repository_pages<'a>(
        &'a self,
        last: Option<&'a str>,
    ) -> BoxStream<'a, Result<Vec<String>>> {
        NameList {
            client: &self.client,
            url: self.url("_catalog"),
            last,
            scopes: vec![crate::registry::auth::CATALOG_SCOPE.to_string()],
            max_page_bytes: DEFAULT_MAX_METADATA_BYTES,
            field: "repositories",
            what: format!("repositories of {}", self.host),
            limits: self.list,
        }
        .pages()
    }
}
