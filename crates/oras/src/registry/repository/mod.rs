//! A repository in a registry, as a content store: blobs and manifests over the distribution
//! API, tags, deletes, and referrers (Referrers API with the `sha256-<hex>` tag-schema fallback,
//! whose index is maintained on push and delete as oras does).
//!
//! One file per API area: `manifests` (fetch, put, resolve, tag), `blobs` (fetch, exists, push,
//! mount), `upload`, `small` (small blobs checked and pushed in fewer round trips),
//! `referrers`, `tags`, `delete` and `builder`; the struct and its settings are here.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

use bytes::Bytes;
use oras_spec::{Digest, Reference, media_type};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, Response};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;
use crate::registry::auth::repository_scope;
use crate::registry::client::{Client, ReqBody};
use crate::registry::pages::ListLimits;
use crate::registry::segments::DownloadPolicy;

mod blobs;
mod builder;
mod delete;
mod manifests;
mod referrers;
mod small;
mod tags;
mod upload;

pub use crate::registry::catalog::Registry;
pub use builder::RepositoryBuilder;
pub use delete::UNTAG_PLACEHOLDER;
pub use referrers::ReferrersMode;
use referrers::{SUPPORTED, UNKNOWN, UNSUPPORTED};
use upload::AheadUpload;
pub use upload::UploadPolicy;

/// A repository on a registry.
pub struct Repository {
    client: Arc<Client>,
    reference: Reference,
    scheme: &'static str,
    actions: Vec<&'static str>,
    referrers: AtomicU8,
    mode: ReferrersMode,
    upload: UploadPolicy,
    max_metadata: u64,
    /// `Accept` for manifest requests (default: every manifest type oras knows).
    accept: String,
    /// Manifests fetched while resolving, served again without a second GET.
    manifests: std::sync::Mutex<std::collections::HashMap<Digest, Bytes>>,
    /// How big blobs are downloaded.
    download: DownloadPolicy,
    /// Uploads started before their digest was known (see [`Repository::upload_ahead`]).
    ahead: std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, AheadUpload>>,
    /// The smallest request body the registry refused as too large (413): blobs this large go
    /// up in chunks from the start, even one-shot streams.
    refused_body: AtomicU64,
    /// The largest chunk size that still gets through, once a chunk was refused (413).
    chunk_limit: AtomicU64,
    /// How much of a tag or referrers listing the registry may send.
    list: ListLimits,
    /// Repositories a mount from was refused (the credentials cannot read them, or the
    /// registry does not mount): later blobs are copied without asking again.
    mounts_refused: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Whether the registry takes single-request uploads of small blobs (see `small`).
    single_post: AtomicU8,
    /// The registry answered a mount from this repository with neither 201 nor 202: small
    /// blobs are checked with `HEAD`.
    probe_refused: AtomicBool,
    /// Upload sessions the checks of small blobs opened, by digest, for their pushes.
    probed: std::sync::Mutex<std::collections::HashMap<Digest, Url>>,
}

fn manifest_accept() -> String {
    media_type::MANIFEST_TYPES.join(", ")
}

fn content_type(resp: &Response) -> String {
    resp.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.split(';').next().unwrap_or_default().trim().to_string())
        .unwrap_or_default()
}

fn header_u64(resp: &Response, name: &str) -> Option<u64> {
    resp.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

fn header_digest(resp: &Response) -> Result<Option<Digest>> {
    match resp
        .headers()
        .get("Docker-Content-Digest")
        .and_then(|v| v.to_str().ok())
    {
        None => Ok(None),
        Some(s) => Digest::parse(s.trim()).map(Some).map_err(|e| {
            Error::new(
                ErrorKind::InvalidDigest,
                format!("invalid Docker-Content-Digest {s:?}: {e}"),
            )
        }),
    }
}

impl Repository {
    /// A repository client for `reference` (its tag or digest is ignored).
    pub(crate) fn new(client: Arc<Client>, reference: &Reference, plain_http: bool) -> Repository {
        Repository {
            client,
            reference: Reference {
                reference: String::new(),
                ..reference.clone()
            },
            scheme: if plain_http { "http" } else { "https" },
            actions: vec!["pull"],
            referrers: AtomicU8::new(UNKNOWN),
            mode: ReferrersMode::Auto,
            manifests: Default::default(),
            upload: UploadPolicy::default(),
            download: DownloadPolicy::default(),
            max_metadata: DEFAULT_MAX_METADATA_BYTES,
            accept: manifest_accept(),
            ahead: Default::default(),
            refused_body: AtomicU64::new(u64::MAX),
            chunk_limit: AtomicU64::new(u64::MAX),
            list: ListLimits::default(),
            mounts_refused: Default::default(),
            single_post: AtomicU8::new(small::SINGLE_UNKNOWN),
            probe_refused: AtomicBool::new(false),
            probed: Default::default(),
        }
    }

    /// Adds scope hints (`push`, `delete`) so one token covers the whole operation.
    pub(crate) fn with_actions(mut self, actions: &[&'static str]) -> Repository {
        for a in actions {
            if !self.actions.contains(a) {
                self.actions.push(a);
            }
        }
        self
    }

    /// Chooses how referrers are handled (`--distribution-spec`).
    pub(crate) fn with_referrers_mode(mut self, mode: ReferrersMode) -> Repository {
        self.mode = mode;
        match mode {
            ReferrersMode::Api => self.referrers.store(SUPPORTED, Ordering::Relaxed),
            ReferrersMode::TagSchema => self.referrers.store(UNSUPPORTED, Ordering::Relaxed),
            ReferrersMode::Auto => {}
        }
        self
    }

    /// Sets the size limit for manifests, tag lists and referrer indexes (default 4 MiB).
    pub(crate) fn with_max_metadata_bytes(mut self, limit: u64) -> Repository {
        self.max_metadata = limit;
        self
    }

    /// Overrides the manifest media types asked for (`manifest fetch --media-type`).
    pub(crate) fn with_manifest_media_types(mut self, types: &[String]) -> Repository {
        if !types.is_empty() {
            self.accept = types.join(", ");
        }
        self
    }

    /// Sets how big blobs are downloaded.
    pub(crate) fn with_download_policy(mut self, policy: DownloadPolicy) -> Repository {
        self.download = policy;
        self
    }

    /// Bounds tag and referrers listings (pages, entries).
    pub(crate) fn with_list_limits(mut self, limits: ListLimits) -> Repository {
        self.list = limits;
        self
    }

    /// Sets how blobs are uploaded.
    pub(crate) fn with_upload_policy(mut self, policy: UploadPolicy) -> Repository {
        self.upload = policy;
        self
    }

    /// Declares the Referrers API supported (tagging never touches a tag-schema index then).
    pub fn assume_referrers_api(&self) {
        self.referrers.store(SUPPORTED, Ordering::Relaxed);
    }

    /// The client requests go through (to share with other repositories of the registry).
    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// `registry/repository`.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    fn url(&self, tail: &str) -> Result<Url> {
        let s = format!(
            "{}://{}/v2/{}/{tail}",
            self.scheme,
            self.reference.host(),
            self.reference.repository
        );
        Url::parse(&s).map_err(|e| Error::new(ErrorKind::InvalidReference, format!("{s}: {e}")))
    }

    fn scopes(&self, extra: &[&str]) -> Vec<String> {
        let mut actions: Vec<&str> = self.actions.clone();
        actions.extend(extra.iter().copied().filter(|a| !self.actions.contains(a)));
        vec![repository_scope(&self.reference.repository, &actions)]
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        headers: HeaderMap,
        body: ReqBody,
        extra: &[&str],
    ) -> Result<Response> {
        self.client
            .send(method, url, headers, body, &self.scopes(extra))
            .await
    }

    fn refuse_mounts_from(&self, repository: &str) {
        self.mounts_refused
            .lock()
            .expect("refused mounts")
            .insert(repository.to_string());
    }

    /// `<registry>/<repository>:<ref>: not found`: the content is not there (a 404 for a
    /// manifest or blob is an answer about the content, like oras-go's `ErrNotFound`, so no
    /// [`crate::error::RegistryResponse`] is attached).
    fn not_found(&self, reference: &str) -> Error {
        Error::new(
            ErrorKind::NotFound,
            format!("{}: not found", self.display(reference)),
        )
    }

    fn display(&self, reference: &str) -> String {
        if Digest::parse(reference).is_ok() {
            format!(
                "{}/{}@{reference}",
                self.reference.registry, self.reference.repository
            )
        } else {
            format!(
                "{}/{}:{reference}",
                self.reference.registry, self.reference.repository
            )
        }
    }
}
