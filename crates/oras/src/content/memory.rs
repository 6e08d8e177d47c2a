//! An in-memory store: content, tags and the predecessor graph, all in process memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use async_trait::async_trait;
use bytes::Bytes;
use oras_spec::{Descriptor, Digest};

use crate::content::graph::Graph;
use crate::content::{
    BlobReader, BlobSource, Deleter, PredecessorFinder, ReadOnlyStorage, Resolver, Storage,
    TagLister, Tagger, successors_of, verify,
};
use crate::error::{Error, Result};

/// A store that keeps everything in memory; for manifests, tests and small content.
#[derive(Default)]
pub struct MemoryStore {
    inner: RwLock<Inner>,
    limit: Option<u64>,
}

#[derive(Default)]
struct Inner {
    blobs: HashMap<Digest, Bytes>,
    tags: BTreeMap<String, Descriptor>,
    graph: Graph,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// A store that refuses single blobs larger than `limit` bytes.
    pub fn with_limit(limit: u64) -> MemoryStore {
        MemoryStore {
            inner: RwLock::default(),
            limit: Some(limit),
        }
    }

    /// Stores bytes that are already known to match `desc` (no re-hash).
    pub fn insert_verified(&self, desc: &Descriptor, bytes: Bytes) -> Result<()> {
        let successors = successors_of(desc, &bytes).unwrap_or_default();
        let mut inner = self.inner.write().expect("memory store lock");
        inner.graph.index(desc, &successors);
        inner.blobs.insert(desc.digest.clone(), bytes);
        Ok(())
    }

    /// The bytes of `desc`, if held.
    pub fn get(&self, desc: &Descriptor) -> Option<Bytes> {
        self.inner
            .read()
            .expect("memory store lock")
            .blobs
            .get(&desc.digest)
            .cloned()
    }
}

#[async_trait]
impl ReadOnlyStorage for MemoryStore {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        match self.get(desc) {
            Some(b) => Ok(BlobSource::Bytes(b).into_reader()),
            None => Err(Error::not_found(&desc.digest)),
        }
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self
            .inner
            .read()
            .expect("memory store lock")
            .blobs
            .contains_key(&desc.digest))
    }
}

#[async_trait]
impl Storage for MemoryStore {
    async fn push(&self, expected: &Descriptor, content: BlobSource) -> Result<()> {
        let limit = self.limit.unwrap_or(u64::MAX);
        let bytes = verify::read_all(content.into_reader(), expected, limit).await?;
        self.insert_verified(expected, bytes)
    }
}

#[async_trait]
impl Resolver for MemoryStore {
    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        let inner = self.inner.read().expect("memory store lock");
        if let Some(d) = inner.tags.get(reference) {
            return Ok(d.clone());
        }
        Err(Error::not_found(reference))
    }
}

#[async_trait]
impl Tagger for MemoryStore {
    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        let mut inner = self.inner.write().expect("memory store lock");
        if !inner.blobs.contains_key(&desc.digest) {
            return Err(Error::not_found(&desc.digest));
        }
        inner.tags.insert(reference.to_string(), desc.clone());
        Ok(())
    }
}

#[async_trait]
impl PredecessorFinder for MemoryStore {
    async fn predecessors(&self, node: &Descriptor) -> Result<Vec<Descriptor>> {
        Ok(self
            .inner
            .read()
            .expect("memory store lock")
            .graph
            .predecessors(&node.digest))
    }
}

#[async_trait]
impl TagLister for MemoryStore {
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        let inner = self.inner.read().expect("memory store lock");
        Ok(inner
            .tags
            .keys()
            .filter(|t| last.is_none_or(|l| t.as_str() > l))
            .cloned()
            .collect())
    }
}

#[async_trait]
impl Deleter for MemoryStore {
    async fn delete(&self, desc: &Descriptor) -> Result<()> {
        let mut inner = self.inner.write().expect("memory store lock");
        if inner.blobs.remove(&desc.digest).is_none() {
            return Err(Error::not_found(&desc.digest));
        }
        inner.tags.retain(|_, d| d.digest != desc.digest);
        inner.graph.remove(&desc.digest);
        Ok(())
    }

    async fn untag(&self, tag: &str) -> Result<()> {
        let mut inner = self.inner.write().expect("memory store lock");
        match inner.tags.remove(tag) {
            Some(_) => Ok(()),
            None => Err(Error::not_found(tag)),
        }
    }
}
