//! A read-through cache: content is served from a local OCI layout when it is there, and
//! fetched from the origin (verified, then kept in the layout) when it is not. References
//! are always resolved at the origin, and listings (tags, referrers) always come from it:
//! only content named by its digest is cached. This is what `ORAS_CACHE` turns on.
//!
//! A cached blob is hashed before it is served: a damaged one is removed and fetched again.
//! Serving a blob sets its file's modification time to now, so the time says when it was
//! last used ([`prune`] removes the least recently used first). Several processes share one
//! cache: blobs are written into `ingest/` and renamed into place once verified, and a blob
//! that another process pruned meanwhile is fetched from the origin again. A fill that was
//! interrupted continues from its partial file in `ingest/`.
//!
//! [`info`] and [`prune`] look after the cache directory itself.

mod info;
mod prune;
mod scan;

pub use info::{CacheInfo, info};
pub use prune::{PruneOptions, Pruned, PrunedBlob, prune};

use std::io::Seek;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use oras_spec::Descriptor;

use crate::content::oci::OciLayout;
use crate::content::verify::read_matches;
use crate::content::{
    BlobReader, BlobSource, PredecessorFinder, ReadOnlyGraphTarget, ReadOnlyStorage, Resolver,
    Storage, TagLister,
};
use crate::error::{Error, ErrorKind, IoContext, Result};

/// An origin target with a layout in front of it.
pub struct CachedTarget {
    origin: Arc<dyn ReadOnlyGraphTarget>,
    cache: Arc<OciLayout>,
}

impl CachedTarget {
    /// Reads through `cache`, filling it from `origin` on a miss.
    pub fn new(origin: Arc<dyn ReadOnlyGraphTarget>, cache: OciLayout) -> CachedTarget {
        CachedTarget::shared(origin, Arc::new(cache))
    }

    /// [`CachedTarget::new`] with a cache layout that other targets use too.
    pub fn shared(origin: Arc<dyn ReadOnlyGraphTarget>, cache: Arc<OciLayout>) -> CachedTarget {
        CachedTarget { origin, cache }
    }

    /// The cached blob of `desc`, verified and marked as used; `None` when the cache does
    /// not hold it (a damaged copy is removed).
    async fn cached(&self, desc: &Descriptor) -> Result<Option<BlobReader>> {
        let path = self.cache.blob_path(&desc.digest);
        let expected = desc.clone();
        let file = tokio::task::spawn_blocking(move || open_verified(&path, &expected))
            .await
            .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))??;
        Ok(file.map(|f| Box::pin(tokio::fs::File::from_std(f)) as BlobReader))
    }
}

impl CachedTarget {
    /// Puts `desc` into the cache from the origin, continuing the partial file an interrupted
    /// fill left behind when the origin can serve the rest.
    async fn fill(&self, desc: &Descriptor) -> Result<()> {
        let offset = self.cache.resume_point(desc).await.unwrap_or(0);
        if offset > 0
            && let Some(rest) = self.origin.fetch_range(desc, offset).await?
        {
            match self
                .cache
                .push_at(desc, BlobSource::Reader(rest), offset)
                .await
            {
                // the partial stays for the next run
                Err(e) if e.kind() == ErrorKind::Network => return Err(e),
                // another process took the partial over, or it did not verify: start over
                Err(_) => {}
                Ok(()) => return Ok(()),
            }
        }
        let reader = self.origin.fetch(desc).await?;
        self.cache.push(desc, BlobSource::Reader(reader)).await
    }
}

/// Opens the blob file at `path` and checks it against `expected` (size, then digest); a file
/// that does not match, or a symbolic link in its place (never followed: what it points to is
/// not the cache's), is removed. The handle is returned at its start, after the file's
/// modification time was set to now (ignored where the file is not ours to change). Blocking.
fn open_verified(path: &Path, expected: &Descriptor) -> Result<Option<std::fs::File>> {
    use std::os::unix::fs::OpenOptionsExt;
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path);
    let mut file = match opened {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            tracing::debug!("cached blob {} is a link: fetched again", expected.digest);
            return remove_cached(path).map(|()| None);
        }
        Err(e) => return Err(Error::from(e).context(path.display())),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::invalid(format!(
            "{}: not a regular file",
            path.display()
        )));
    }
    if meta.len() != expected.size || !read_matches(&mut file, expected).ctx(path.display())? {
        tracing::debug!("cached blob {} is damaged: fetched again", expected.digest);
        return remove_cached(path).map(|()| None);
    }
    file.rewind()?;
    let _ = file.set_modified(SystemTime::now());
    Ok(Some(file))
}

/// Removes a cached blob file that is not to be served (gone already is fine).
fn remove_cached(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(Error::from(e).context(path.display()))
        }
        _ => Ok(()),
    }
}

#[async_trait]
impl ReadOnlyStorage for CachedTarget {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        if let Some(reader) = self.cached(desc).await? {
            return Ok(reader);
        }
        self.fill(desc).await?;
        match self.cache.fetch(desc).await {
            // pruned by another process since it was written
            Err(e) if e.kind() == ErrorKind::NotFound => self.origin.fetch(desc).await,
            other => other,
        }
    }

    async fn fetch_range(&self, desc: &Descriptor, offset: u64) -> Result<Option<BlobReader>> {
        if self.cached(desc).await?.is_none() {
            self.fill(desc).await?;
        }
        match self.cache.fetch_range(desc, offset).await {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                self.origin.fetch_range(desc, offset).await
            }
            other => other,
        }
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.cache.exists(desc).await? || self.origin.exists(desc).await?)
    }

    fn repository_location(&self) -> Option<(&str, &str)> {
        self.origin.repository_location()
    }

    fn overload_answers(&self) -> u64 {
        self.origin.overload_answers()
    }

    async fn fetch_source(&self, desc: &Descriptor) -> Result<BlobSource> {
        Ok(BlobSource::Reader(self.fetch(desc).await?))
    }
}

#[async_trait]
impl Resolver for CachedTarget {
    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        self.origin.resolve(reference).await
    }

    async fn resolve_as(&self, reference: &str, media_types: &[String]) -> Result<Descriptor> {
        self.origin.resolve_as(reference, media_types).await
    }

    async fn resolve_blob(&self, digest: &oras_spec::Digest) -> Result<Descriptor> {
        self.origin.resolve_blob(digest).await
    }
}

#[async_trait]
impl PredecessorFinder for CachedTarget {
    async fn predecessors(&self, node: &Descriptor) -> Result<Vec<Descriptor>> {
        self.origin.predecessors(node).await
    }

    async fn list_referrers(
        &self,
        subject: &Descriptor,
        artifact_type: &str,
    ) -> Result<Option<Vec<Descriptor>>> {
        self.origin.list_referrers(subject, artifact_type).await
    }
}

#[async_trait]
impl TagLister for CachedTarget {
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        self.origin.tags(last).await
    }

    fn tag_pages<'a>(
        &'a self,
        last: Option<&'a str>,
    ) -> futures::stream::BoxStream<'a, Result<Vec<String>>> {
        self.origin.tag_pages(last)
    }
}
