//! Building a [`Repository`]: its reference, its client (built or shared) and how it treats
//! referrers, uploads, downloads, listings and metadata.

use oras_spec::Reference;

use super::{ReferrersMode, Repository, UploadPolicy};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;
use crate::registry::client::{Transport, transport_setters};
use crate::registry::pages::ListLimits;
use crate::registry::segments::DownloadPolicy;

/// Builds a [`Repository`]. Transport settings (credentials, TLS, headers, retries, timeouts)
/// build its own [`Client`](crate::registry::Client), unless one is shared with
/// [`RepositoryBuilder::client`].
///
/// ```no_run
/// # fn demo() -> oras::Result<()> {
/// use oras::registry::{ReferrersMode, Repository};
///
/// let repo = Repository::builder("registry.example.com/team/app")?
///     .access_token("token")
///     .referrers_mode(ReferrersMode::Api)
///     .max_metadata_bytes(1 << 20)
///     .build()?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct RepositoryBuilder {
    reference: Reference,
    transport: Transport,
    plain_http: bool,
    actions: Vec<&'static str>,
    referrers: ReferrersMode,
    upload: UploadPolicy,
    download: DownloadPolicy,
    list: ListLimits,
    max_metadata: u64,
    media_types: Vec<String>,
}

impl Repository {
    /// A builder for the repository `reference` names (`registry/repository`; a tag or digest
    /// in it is ignored). Fails with [`ErrorKind::InvalidReference`] on a reference oras would
    /// refuse.
    pub fn builder(reference: &str) -> Result<RepositoryBuilder> {
        let parsed = Reference::parse(reference)
            .map_err(|e| Error::new(ErrorKind::InvalidReference, format!("{reference:?}: {e}")))?;
        Ok(RepositoryBuilder::new(&parsed))
    }
}

impl RepositoryBuilder {
    /// A builder for the repository of a parsed reference (its tag or digest is ignored):
    /// HTTPS, anonymous, the library's defaults.
    pub fn new(reference: &Reference) -> RepositoryBuilder {
        RepositoryBuilder {
            reference: reference.clone(),
            transport: Transport::default(),
            plain_http: false,
            actions: Vec::new(),
            referrers: ReferrersMode::Auto,
            upload: UploadPolicy::default(),
            download: DownloadPolicy::default(),
            list: ListLimits::default(),
            max_metadata: DEFAULT_MAX_METADATA_BYTES,
            media_types: Vec::new(),
        }
    }

    transport_setters!();

    /// Speaks plain HTTP instead of HTTPS.
    pub fn plain_http(mut self, plain_http: bool) -> RepositoryBuilder {
        self.plain_http = plain_http;
        self
    }

    /// Token scope hints beyond `pull` (`push`, `delete`), so one token covers the whole
    /// operation.
    pub fn actions(mut self, actions: &[&'static str]) -> RepositoryBuilder {
        self.actions.extend_from_slice(actions);
        self
    }

    /// How referrers are found and recorded (default [`ReferrersMode::Auto`]).
    pub fn referrers_mode(mut self, mode: ReferrersMode) -> RepositoryBuilder {
        self.referrers = mode;
        self
    }

    /// How blobs are uploaded.
    pub fn upload_policy(mut self, policy: UploadPolicy) -> RepositoryBuilder {
        self.upload = policy;
        self
    }

    /// How big blobs are downloaded.
    pub fn download_policy(mut self, policy: DownloadPolicy) -> RepositoryBuilder {
        self.download = policy;
        self
    }

    /// Bounds of tag and referrers listings (pages, entries).
    pub fn list_limits(mut self, limits: ListLimits) -> RepositoryBuilder {
        self.list = limits;
        self
    }

    /// The size limit of manifests, tag pages and referrer indexes (default 4 MiB).
    pub fn max_metadata_bytes(mut self, limit: u64) -> RepositoryBuilder {
        self.max_metadata = limit;
        self
    }

    /// The manifest media types to ask for (default: every type oras knows).
    pub fn manifest_media_types(mut self, types: &[String]) -> RepositoryBuilder {
        self.media_types = types.to_vec();
        self
    }

    /// The repository; fails when its client cannot be built (see
    /// [`ClientBuilder::build`](crate::registry::ClientBuilder::build)).
    pub fn build(self) -> Result<Repository> {
        let client = self.transport.build()?;
        Ok(Repository::new(client, &self.reference, self.plain_http)
            .with_actions(&self.actions)
            .with_referrers_mode(self.referrers)
            .with_manifest_media_types(&self.media_types)
            .with_upload_policy(self.upload)
            .with_download_policy(self.download)
            .with_list_limits(self.list)
            .with_max_metadata_bytes(self.max_metadata))
    }
}
