//! Content stores: the traits every store implements, and the stores themselves.
//!
//! The traits mirror oras-go's small interfaces (`Fetcher`, `Pusher`, `Resolver`, …) as
//! object-safe async traits, composed into [`ReadOnlyGraphTarget`] and [`GraphTarget`].

pub mod cache;
pub mod file;
pub(crate) mod graph;
pub mod memory;
pub mod mirror;
pub mod oci;
pub(crate) mod partial;
mod staged;
pub(crate) mod verify;

use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use oras_spec::{Descriptor, SuccessorView};
use tokio::io::AsyncRead;

use crate::error::Result;

pub use staged::{StagedReceiver, StagedStream, staged_stream};

/// A stream of blob bytes.
pub type BlobReader = Pin<Box<dyn AsyncRead + Send>>;

/// What a push reads from.
pub enum BlobSource {
    /// Bytes in memory (manifests, small blobs): replayable at no cost.
    Bytes(Bytes),
    /// A file that can be reopened (replayable: retries, fallbacks, chunks).
    File(std::path::PathBuf),
    /// A one-shot stream.
    Reader(BlobReader),
}

impl BlobSource {
    /// Whether the content can be read again from the start.
    pub fn is_replayable(&self) -> bool {
        !matches!(self, BlobSource::Reader(_))
    }

    /// The content as a reader, opening a file now (so a missing file fails here).
    pub async fn into_reader_async(self) -> Result<BlobReader> {
        match self {
            BlobSource::Reader(r) => Ok(r),
            BlobSource::Bytes(b) => Ok(Box::pin(std::io::Cursor::new(b))),
            BlobSource::File(p) => {
                let f = tokio::fs::File::open(&p)
                    .await
                    .map_err(|e| crate::Error::from(e).context(p.display()))?;
                Ok(Box::pin(f))
            }
        }
    }

    /// The content as a reader (a file is opened lazily on first read).
    pub fn into_reader(self) -> BlobReader {
        match self {
            BlobSource::Bytes(b) => Box::pin(std::io::Cursor::new(b)),
            BlobSource::Reader(r) => r,
            BlobSource::File(p) => Box::pin(LazyFile::Closed(p)),
        }
    }
}

/// A file reader that opens the file on first read.
enum LazyFile {
    Closed(std::path::PathBuf),
    Opening(
        std::pin::Pin<
            Box<dyn std::future::Future<Output = std::io::Result<tokio::fs::File>> + Send>,
        >,
    ),
    Open(tokio::fs::File),
}

impl AsyncRead for LazyFile {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        loop {
            match &mut *self {
                LazyFile::Closed(p) => {
                    let p = p.clone();
                    *self =
                        LazyFile::Opening(Box::pin(async move { tokio::fs::File::open(p).await }));
                }
                LazyFile::Opening(f) => match f.as_mut().poll(cx) {
                    std::task::Poll::Pending => return std::task::Poll::Pending,
                    std::task::Poll::Ready(Ok(file)) => *self = LazyFile::Open(file),
                    std::task::Poll::Ready(Err(e)) => return std::task::Poll::Ready(Err(e)),
                },
                LazyFile::Open(f) => return Pin::new(f).poll_read(cx, buf),
            }
        }
    }
}

/// Read access to content by descriptor.
#[async_trait]
pub trait ReadOnlyStorage: Send + Sync {
    /// Opens the content of `desc`. Callers verify what they read against `desc` (the copy engine and the
    /// operations do).
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader>;
    /// The content of `desc` from byte `offset` on, when the store can start there (for
    /// resuming an interrupted transfer); `None` if it cannot.
    async fn fetch_range(&self, _desc: &Descriptor, _offset: u64) -> Result<Option<BlobReader>> {
        Ok(None)
    }
    /// The content of `desc` as a push source; stores holding files return a reopenable
    /// [`BlobSource::File`].
    async fn fetch_source(&self, desc: &Descriptor) -> Result<BlobSource> {
        Ok(BlobSource::Reader(self.fetch(desc).await?))
    }
    /// Whether the store holds `desc`.
    async fn exists(&self, desc: &Descriptor) -> Result<bool>;

    /// The registry (`host[:port]`) and repository this store is, for stores that are a
    /// registry's repository: blobs can be mounted between two of one registry.
    fn repository_location(&self) -> Option<(&str, &str)> {
        None
    }

    /// How many times the store's server answered that it is overloaded (429, 503) so far; 0
    /// for stores without one. The copy engine lowers its concurrency when this grows.
    fn overload_answers(&self) -> u64 {
        0
    }
}

/// Content-addressed storage that can take new content.
#[async_trait]
pub trait Storage: ReadOnlyStorage {
    /// Stores `content`, which must match `expected` (size and digest); nothing is committed
    /// unless it does.
    async fn push(&self, expected: &Descriptor, content: BlobSource) -> Result<()>;

    /// Stores a one-shot stream whose size and digest are not known yet (standard input),
    /// computing both while it is read once and never held whole; returns its descriptor
    /// (sha256, `media_type`). A registry receives it as a chunked upload (POST, PATCHes, the
    /// digest with the closing PUT), a layout streams it into a temporary file that is renamed
    /// into place. Stores that cannot take a stream fail with
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) (the default).
    async fn push_stream(&self, media_type: &str, _content: BlobReader) -> Result<Descriptor> {
        Err(crate::Error::unsupported(format!(
            "this store cannot take a stream of unknown size ({media_type})"
        )))
    }

    /// How many leading bytes of `desc` an interrupted earlier transfer left behind (0: none).
    async fn resume_point(&self, _desc: &Descriptor) -> Result<u64> {
        Ok(0)
    }

    /// Completes a partial blob: `content` holds its bytes from `offset` (a
    /// [`Storage::resume_point`]) on. The whole blob is verified before it is committed.
    async fn push_at(
        &self,
        expected: &Descriptor,
        _content: BlobSource,
        _offset: u64,
    ) -> Result<()> {
        Err(crate::Error::unsupported(format!(
            "{}: this store cannot resume a transfer",
            expected.digest
        )))
    }

    /// A hint that the file at `path` (`size` bytes) is about to be pushed: a store may start
    /// moving it before its digest is known (a registry streams it into an upload session
    /// while the caller hashes it). A later push from the same file completes it;
    /// [`Storage::drop_staged`] ends what was not used.
    fn stage_file(self: Arc<Self>, _path: &std::path::Path, _size: u64) {}

    /// A hint that a blob is being produced into the file at `path` (a directory packed into
    /// a temporary file): a store may start moving its bytes before the digest is known (a
    /// registry streams them into an upload session). The producer sends every byte it
    /// writes to the file into the returned stream and drops it when done; a later push from
    /// that file completes the upload (only the digest remains to send), or, if the stream
    /// failed or the file differs, pushes it as any file. `None`: the store takes nothing
    /// ahead (the default). [`Storage::drop_staged`] ends what was not used.
    fn stage_stream(self: Arc<Self>, _path: &std::path::Path) -> Option<StagedStream> {
        None
    }

    /// Ends the work [`Storage::stage_file`] and [`Storage::stage_stream`] started that no
    /// push used.
    async fn drop_staged(&self) {}

    /// Whether the store holds the blob `desc`, asked just before pushing it: a store may
    /// answer with the request that starts the upload (a registry mounts the blob from the
    /// repository itself, which either finds it or opens the upload session the push then
    /// uses), or not ask at all when asking costs as much as sending (`Ok(false)`; the push
    /// then sends it). Default: [`ReadOnlyStorage::exists`].
    async fn exists_for_push(&self, desc: &Descriptor) -> Result<bool> {
        self.exists(desc).await
    }

    /// Stores the manifest `expected`, whose bytes are `manifest`, and points the tag
    /// `reference` at it in one request where the store can (a registry's
    /// `PUT /manifests/<tag>`, as oras-go's `PushReference`): `Ok(true)`. `Ok(false)` (the
    /// default, and for bytes that are not `expected`'s): nothing was stored; the caller
    /// pushes and tags it apart.
    async fn push_tagged(
        &self,
        _expected: &Descriptor,
        _manifest: &Bytes,
        _reference: &str,
    ) -> Result<bool> {
        Ok(false)
    }

    /// Makes a blob available by mounting it from another repository of the same registry,
    /// without transferring it. `Ok(false)`: not mounted (unsupported or refused); copy it.
    async fn mount(&self, _desc: &Descriptor, _from_repository: &str) -> Result<bool> {
        Ok(false)
    }
}

/// Resolves a tag or digest to a descriptor.
#[async_trait]
pub trait Resolver: Send + Sync {
    /// The descriptor a tag or digest reference points at.
    async fn resolve(&self, reference: &str) -> Result<Descriptor>;

    /// [`Resolver::resolve`], asking for a manifest of one of `media_types` (empty: any type
    /// the store knows). A registry sends them as its `Accept` header; stores that hold one
    /// form of each manifest resolve as [`Resolver::resolve`] does.
    async fn resolve_as(&self, reference: &str, media_types: &[String]) -> Result<Descriptor> {
        let _ = media_types;
        self.resolve(reference).await
    }

    /// Resolves a blob digest to a descriptor with media type `application/octet-stream`.
    async fn resolve_blob(&self, digest: &oras_spec::Digest) -> Result<Descriptor> {
        let d = self.resolve(&digest.to_string()).await?;
        Ok(Descriptor::new(
            oras_spec::media_type::OCTET_STREAM,
            d.digest,
            d.size,
        ))
    }
}

/// Points a tag at existing content.
#[async_trait]
pub trait Tagger: Send + Sync {
    /// Points the tag `reference` at `desc` (which must already be stored).
    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()>;

    /// [`Tagger::tag`] when the manifest's bytes are at hand: a registry then puts them under
    /// the tag in one request instead of fetching them first.
    async fn tag_bytes(&self, desc: &Descriptor, _manifest: &Bytes, reference: &str) -> Result<()> {
        self.tag(desc, reference).await
    }
}

/// Finds the nodes that point at a node (parents and referrers).
#[async_trait]
pub trait PredecessorFinder: Send + Sync {
    /// The nodes that point at `node` (manifests listing it, referrers of it).
    async fn predecessors(&self, node: &Descriptor) -> Result<Vec<Descriptor>>;

    /// Lists the referrers of `subject` directly (with artifact types and annotations), for
    /// stores that can (a registry's Referrers API or tag schema). `None`: derive them from
    /// [`PredecessorFinder::predecessors`].
    async fn list_referrers(
        &self,
        _subject: &Descriptor,
        _artifact_type: &str,
    ) -> Result<Option<Vec<Descriptor>>> {
        Ok(None)
    }
}

/// Lists tags.
#[async_trait]
pub trait TagLister: Send + Sync {
    /// All tags, sorted; only those after `last` when given.
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>>;

    /// The tags page by page as they arrive (a registry's `Link` pages), so a caller can show
    /// them without waiting for the last page; by default all of them as one page.
    fn tag_pages<'a>(&'a self, last: Option<&'a str>) -> BoxStream<'a, Result<Vec<String>>> {
        Box::pin(futures::stream::once(self.tags(last)))
    }
}

/// Removes content.
#[async_trait]
pub trait Deleter: Send + Sync {
    /// Deletes the content `desc` names.
    async fn delete(&self, desc: &Descriptor) -> Result<()>;

    /// Removes the tag `tag` and nothing else: the manifest it names stays, with its other
    /// tags. Fails with [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) when there is no
    /// such tag and [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) when the store
    /// cannot remove a tag alone (the default).
    async fn untag(&self, tag: &str) -> Result<()> {
        Err(crate::Error::unsupported(format!(
            "{tag}: this store cannot remove a tag without its manifest"
        )))
    }
}

/// A store that can be read, resolved, walked up (referrers) and listed.
pub trait ReadOnlyGraphTarget: ReadOnlyStorage + Resolver + PredecessorFinder + TagLister {}
impl<T: ReadOnlyStorage + Resolver + PredecessorFinder + TagLister + ?Sized> ReadOnlyGraphTarget
    for T
{
}

/// A writable [`ReadOnlyGraphTarget`] that can also tag and delete.
pub trait GraphTarget: ReadOnlyGraphTarget + Storage + Tagger + Deleter {}
impl<T: ReadOnlyGraphTarget + Storage + Tagger + Deleter + ?Sized> GraphTarget for T {}

/// The direct successors (children) of a node, in oras-go order; empty for blobs.
pub async fn successors(
    store: &dyn ReadOnlyStorage,
    desc: &Descriptor,
    limit: u64,
) -> Result<Vec<Descriptor>> {
    if !desc.is_manifest() {
        return Ok(Vec::new());
    }
    let bytes = verify::fetch_all(store, desc, limit).await?;
    successors_of(desc, &bytes)
}

/// A suffix for temporary file names that no other process or call uses at the same time.
pub(crate) fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{n}_{t}", std::process::id())
}

/// The successors of a node whose (verified) bytes are in hand.
pub fn successors_of(desc: &Descriptor, bytes: &[u8]) -> Result<Vec<Descriptor>> {
    if !desc.is_manifest() {
        return Ok(Vec::new());
    }
    let view = SuccessorView::parse(bytes)
        .map_err(|e| crate::Error::invalid(format!("{}: invalid manifest: {e}", desc.digest)))?;
    Ok(view.successors(&desc.media_type))
}
