//! Mirrors: content read from other stores first (registries holding copies, in a given
//! order), and from the origin when none of them has it or can serve it.
//!
//! What a mirror serves is verified as always. Content of at most
//! [`MirroredTarget::max_verified_bytes`] (manifests, configs, small blobs) is read whole and
//! checked before it is handed on, so a mirror serving it wrong is passed over like one that
//! does not have it; bigger blobs stream through and are verified by their reader (the copy
//! engine, a pull): wrong bytes from a mirror fail that transfer and nothing is committed.
//!
//! Tags are resolved at the origin (a mirror's tag may be stale) unless
//! [`MirroredTarget::mirror_tags`] is set; digests are resolved at the mirrors first.
//! Referrers and tag listings always come from the origin. A mirror that cannot be reached (a
//! network error) is skipped for the rest of the target's life; any other failure (not found,
//! refused, a server error, wrong content) moves on to the next source for that one read.
//! Each fallback is a `DEBUG` event of [`crate::diagnostics::MIRROR`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use oras_spec::{Descriptor, Digest};

use crate::content::verify::fetch_all;
use crate::content::{
    BlobReader, BlobSource, PredecessorFinder, ReadOnlyGraphTarget, ReadOnlyStorage, Resolver,
    TagLister,
};
use crate::diagnostics::MIRROR;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;

/// An origin target read through its mirrors.
///
/// ```no_run
/// # fn demo(origin: std::sync::Arc<oras::registry::Repository>,
/// #         mirror: std::sync::Arc<oras::registry::Repository>) {
/// use oras::content::mirror::MirroredTarget;
///
/// let target = MirroredTarget::new(origin).with_mirror("mirror.example.com", mirror);
/// # }
/// ```
pub struct MirroredTarget {
    origin: Arc<dyn ReadOnlyGraphTarget>,
    mirrors: Vec<Mirror>,
    mirror_tags: bool,
    max_verified: u64,
}

/// One mirror and whether it could be reached.
struct Mirror {
    name: String,
    target: Arc<dyn ReadOnlyGraphTarget>,
    unreachable: AtomicBool,
}

impl Mirror {
    /// Notes a failed read (and a mirror that cannot be reached at all).
    fn failed(&self, what: &str, e: &Error) {
        if e.kind() == ErrorKind::Network {
            self.unreachable.store(true, Ordering::Relaxed);
        }
        tracing::debug!(
            target: MIRROR,
            mirror = %self.name,
            "{what}: not from mirror {}: {e}; trying the next source",
            self.name
        );
    }

    /// Notes a read the mirror served.
    fn served(&self, what: &str) {
        tracing::debug!(target: MIRROR, mirror = %self.name, "{what}: from mirror {}", self.name);
    }
}

impl MirroredTarget {
    /// Reads from `origin` alone until mirrors are added.
    pub fn new(origin: Arc<dyn ReadOnlyGraphTarget>) -> MirroredTarget {
        MirroredTarget {
            origin,
            mirrors: Vec::new(),
            mirror_tags: false,
            max_verified: DEFAULT_MAX_METADATA_BYTES,
        }
    }

    /// Adds a mirror, tried after the ones added before it; `name` says which in diagnostics.
    #[must_use]
    pub fn with_mirror(
        mut self,
        name: impl Into<String>,
        target: Arc<dyn ReadOnlyGraphTarget>,
    ) -> MirroredTarget {
        self.mirrors.push(Mirror {
            name: name.into(),
            target,
            unreachable: AtomicBool::new(false),
        });
        self
    }

    /// Resolves tags at the mirrors too (default: at the origin only, whose tags are current).
    #[must_use]
    pub fn mirror_tags(mut self, yes: bool) -> MirroredTarget {
        self.mirror_tags = yes;
        self
    }

    /// Content up to this size is read whole from a mirror and verified before it is used,
    /// so wrong content falls back to the next source (default 4 MiB).
    #[must_use]
    pub fn max_verified_bytes(mut self, limit: u64) -> MirroredTarget {
        self.max_verified = limit;
        self
    }

    /// The mirrors still worth asking, in order.
    fn live(&self) -> impl Iterator<Item = &Mirror> {
        self.mirrors
            .iter()
            .filter(|m| !m.unreachable.load(Ordering::Relaxed))
    }

    /// `desc` from one mirror: small content read whole and verified, big content streamed.
    async fn fetch_from(&self, mirror: &Mirror, desc: &Descriptor) -> Result<BlobReader> {
        if desc.size <= self.max_verified {
            let bytes = fetch_all(&*mirror.target, desc, self.max_verified).await?;
            return Ok(BlobSource::Bytes(bytes).into_reader());
        }
        mirror.target.fetch(desc).await
    }

    /// Resolves `reference` (with `media_types` when given) at the mirrors, then the origin.
    async fn resolve_through(
        &self,
        reference: &str,
        media_types: Option<&[String]>,
    ) -> Result<Descriptor> {
        let digest = Digest::parse(reference).ok();
        if digest.is_some() || self.mirror_tags {
            for m in self.live() {
                let resolved = match media_types {
                    Some(types) => m.target.resolve_as(reference, types).await,
                    None => m.target.resolve(reference).await,
                };
                match resolved.and_then(|d| same_digest(d, digest.as_ref())) {
                    Ok(d) => {
                        m.served(reference);
                        return Ok(d);
                    }
                    Err(e) => m.failed(reference, &e),
                }
            }
        }
        match media_types {
            Some(types) => self.origin.resolve_as(reference, types).await,
            None => self.origin.resolve(reference).await,
        }
    }
}

/// `resolved`, unless it names another digest than the one asked for.
fn same_digest(resolved: Descriptor, asked: Option<&Digest>) -> Result<Descriptor> {
    match asked {
        Some(d) if *d != resolved.digest => Err(Error::new(
            ErrorKind::DigestMismatch,
            format!("{d}: resolved to {}", resolved.digest),
        )),
        _ => Ok(resolved),
    }
}

#[async_trait]
impl ReadOnlyStorage for MirroredTarget {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        let what = desc.digest.to_string();
        for m in self.live() {
            match self.fetch_from(m, desc).await {
                Ok(r) => {
                    m.served(&what);
                    return Ok(r);
                }
                Err(e) => m.failed(&what, &e),
            }
        }
        self.origin.fetch(desc).await
    }

    async fn fetch_range(&self, desc: &Descriptor, offset: u64) -> Result<Option<BlobReader>> {
        let what = format!("{} from byte {offset}", desc.digest);
        for m in self.live() {
            match m.target.fetch_range(desc, offset).await {
                Ok(Some(r)) => {
                    m.served(&what);
                    return Ok(Some(r));
                }
                Ok(None) => {}
                Err(e) => m.failed(&what, &e),
            }
        }
        self.origin.fetch_range(desc, offset).await
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        self.origin.exists(desc).await
    }

    fn repository_location(&self) -> Option<(&str, &str)> {
        self.origin.repository_location()
    }

    fn overload_answers(&self) -> u64 {
        self.origin.overload_answers()
    }
}

#[async_trait]
impl Resolver for MirroredTarget {
    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        self.resolve_through(reference, None).await
    }

    async fn resolve_as(&self, reference: &str, media_types: &[String]) -> Result<Descriptor> {
        self.resolve_through(reference, Some(media_types)).await
    }

    async fn resolve_blob(&self, digest: &Digest) -> Result<Descriptor> {
        let what = digest.to_string();
        for m in self.live() {
            let resolved = m.target.resolve_blob(digest).await;
            match resolved.and_then(|d| same_digest(d, Some(digest))) {
                Ok(d) => {
                    m.served(&what);
                    return Ok(d);
                }
                Err(e) => m.failed(&what, &e),
            }
        }
        self.origin.resolve_blob(digest).await
    }
}

#[async_trait]
impl PredecessorFinder for MirroredTarget {
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
impl TagLister for MirroredTarget {
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

#[cfg(test)]
mod tests;
