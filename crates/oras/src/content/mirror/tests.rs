use std::sync::Arc;

use bytes::Bytes;
use oras_spec::Descriptor;
use tokio::io::AsyncReadExt;

use super::MirroredTarget;
use crate::content::memory::MemoryStore;
use crate::content::{BlobReader, BlobSource, ReadOnlyStorage, Resolver, Storage, Tagger};
use crate::error::{Error, ErrorKind};

const BLOB: &[u8] = b"the real content";

fn blob() -> Descriptor {
    Descriptor::from_bytes("application/octet-stream", BLOB)
}

/// A store holding `BLOB` (tagged `v1` when `tagged`).
async fn store_with_blob(tagged: bool) -> Arc<MemoryStore> {
    let s = Arc::new(MemoryStore::new());
    s.push(&blob(), BlobSource::Bytes(Bytes::from_static(BLOB)))
        .await
        .unwrap();
    if tagged {
        s.tag(&blob(), "v1").await.unwrap();
    }
    s
}

async fn read(r: BlobReader) -> Vec<u8> {
    let mut out = Vec::new();
    let mut r = r;
    r.read_to_end(&mut out).await.unwrap();
    out
}

/// A mirror whose every blob has other bytes than its descriptor says.
struct Lying;

#[async_trait::async_trait]
impl ReadOnlyStorage for Lying {
    async fn fetch(&self, _desc: &Descriptor) -> crate::Result<BlobReader> {
        Ok(Box::pin(std::io::Cursor::new(b"the fake content".to_vec())))
    }
    async fn exists(&self, _desc: &Descriptor) -> crate::Result<bool> {
        Ok(true)
    }
}

#[async_trait::async_trait]
impl Resolver for Lying {
    async fn resolve(&self, _reference: &str) -> crate::Result<Descriptor> {
        Ok(Descriptor::from_bytes("application/octet-stream", b"other"))
    }
}

#[async_trait::async_trait]
impl crate::content::PredecessorFinder for Lying {
    async fn predecessors(&self, _node: &Descriptor) -> crate::Result<Vec<Descriptor>> {
        Ok(Vec::new())
    }
}

#[async_trait::async_trait]
impl crate::content::TagLister for Lying {
    async fn tags(&self, _last: Option<&str>) -> crate::Result<Vec<String>> {
        Err(Error::new(ErrorKind::Unsupported, "no tags"))
    }
}

#[tokio::test]
async fn a_mirror_holding_the_content_serves_it() {
    let origin = Arc::new(MemoryStore::new());
    let t = MirroredTarget::new(origin).with_mirror("m", store_with_blob(false).await);
    assert_eq!(read(t.fetch(&blob()).await.unwrap()).await, BLOB);
}

#[tokio::test]
async fn missing_at_every_mirror_falls_back_to_the_origin() {
    let t = MirroredTarget::new(store_with_blob(false).await)
        .with_mirror("empty-1", Arc::new(MemoryStore::new()))
        .with_mirror("empty-2", Arc::new(MemoryStore::new()));
    assert_eq!(read(t.fetch(&blob()).await.unwrap()).await, BLOB);
}

#[tokio::test]
async fn missing_everywhere_is_the_origins_error() {
    let t = MirroredTarget::new(Arc::new(MemoryStore::new()))
        .with_mirror("empty", Arc::new(MemoryStore::new()));
    let Err(e) = t.fetch(&blob()).await else {
        panic!("not found")
    };
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn small_wrong_content_from_a_mirror_falls_back() {
    let t = MirroredTarget::new(store_with_blob(false).await).with_mirror("liar", Arc::new(Lying));
    assert_eq!(read(t.fetch(&blob()).await.unwrap()).await, BLOB);
}

#[tokio::test]
async fn big_wrong_content_from_a_mirror_is_streamed_as_it_came() {
    // above the verified size the reader gets the mirror's stream (and its verifier fails it)
    let t = MirroredTarget::new(store_with_blob(false).await)
        .with_mirror("liar", Arc::new(Lying))
        .max_verified_bytes(4);
    assert_eq!(
        read(t.fetch(&blob()).await.unwrap()).await,
        b"the fake content"
    );
}

#[tokio::test]
async fn tags_resolve_at_the_origin_unless_mirror_tags() {
    let at_mirror_only = MirroredTarget::new(Arc::new(MemoryStore::new()))
        .with_mirror("m", store_with_blob(true).await);
    let e = at_mirror_only
        .resolve("v1")
        .await
        .expect_err("origin has no tag");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let t = at_mirror_only.mirror_tags(true);
    assert_eq!(t.resolve("v1").await.unwrap().digest, blob().digest);
}

#[tokio::test]
async fn a_digest_resolved_by_a_mirror_must_be_the_one_asked_for() {
    let origin = store_with_blob(false).await;
    origin
        .tag(&blob(), &blob().digest.to_string())
        .await
        .unwrap();
    let t = MirroredTarget::new(origin).with_mirror("liar", Arc::new(Lying));
    let d = t.resolve(&blob().digest.to_string()).await.unwrap();
    assert_eq!(d.digest, blob().digest);
}
