//! A read-through cache: content is served from a local OCI layout when it is there, and
//! fetched from the origin (verified, then kept in the layout) when it is not. References
//! are always resolved at the origin. This is what `ORAS_CACHE` turns on.

use std::sync::Arc;

use async_trait::async_trait;
use oras_spec::Descriptor;

use crate::content::oci::OciLayout;
use crate::content::{
    BlobReader, BlobSource, PredecessorFinder, ReadOnlyGraphTarget, ReadOnlyStorage, Resolver,
    Storage, TagLister,
};
use crate::error::Result;

/// An origin target with a layout in front of it.
pub struct CachedTarget {
    origin: Arc<dyn ReadOnlyGraphTarget>,
    cache: OciLayout,
}

impl CachedTarget {
    /// Reads through `cache`, filling it from `origin` on a miss.
    pub fn new(origin: Arc<dyn ReadOnlyGraphTarget>, cache: OciLayout) -> CachedTarget {
        CachedTarget { origin, cache }
    }
}

#[async_trait]
impl ReadOnlyStorage for CachedTarget {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        if !self.cache.exists(desc).await? {
            let reader = self.origin.fetch(desc).await?;
            self.cache.push(desc, BlobSource::Reader(reader)).await?;
        }
        self.cache.fetch(desc).await
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.cache.exists(desc).await? || self.origin.exists(desc).await?)
    }

    fn repository_location(&self) -> Option<(&str, &str)> {
        self.origin.repository_location()
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
