//! A registry as a whole: checking credentials (`GET /v2/`) and listing repositories
//! (`_catalog`, page by page, bounded).

use std::sync::Arc;

use futures::stream::BoxStream;
use reqwest::Method;
use reqwest::header::HeaderMap;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;
use crate::registry::client::{Client, ReqBody};
use crate::registry::pages::{ListLimits, NameList, collect};

/// A registry (for listing repositories and checking credentials).
pub struct Registry {
    client: Arc<Client>,
    host: String,
    scheme: &'static str,
    list: ListLimits,
}

impl Registry {
    /// The registry at `registry` (`host[:port]`; `docker.io` means Docker Hub's API host).
    pub fn new(client: Arc<Client>, registry: &str, plain_http: bool) -> Registry {
        let host = if registry == "docker.io" {
            "registry-1.docker.io".to_string()
        } else {
            registry.to_string()
        };
        Registry {
            client,
            host,
            scheme: if plain_http { "http" } else { "https" },
            list: ListLimits::default(),
        }
    }

    /// Bounds the repository listing (pages, entries).
    pub fn with_list_limits(mut self, limits: ListLimits) -> Registry {
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
        let url = match self.url("_catalog") {
            Ok(u) => u,
            Err(e) => return Box::pin(futures::stream::once(async { Err(e) })),
        };
        NameList {
            client: &self.client,
            url,
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
