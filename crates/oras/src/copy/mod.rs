//! The graph copy engine: every transfer (push, pull, attach, cp) is a copy between two stores.
//!
//! A node is copied after its successors; nodes shared by several parents move once; a node the
//! destination already has is skipped with its whole sub-graph. One semaphore permit is held
//! only around a node's own I/O, never while waiting for children, so the walk cannot deadlock.
//!
//! Events, per node: [`Event::Exists`] (the destination had it), or [`Event::Mounted`], or
//! [`Event::Started`] and [`Event::Done`] around its transfer. A manifest also reports
//! [`Event::Processing`] once its bytes are read, before its successors move. A successor that
//! names content already moving under another title (two files with the same bytes) does not
//! move again: it is reported as [`Event::Deduplicated`] once its parent is stored, just before
//! the parent's [`Event::Done`].
//!
//! Errors say which end failed ([`crate::Error::side`]): reading the source (fetching,
//! finding successors or referrers) or writing the destination (checking, pushing).

mod limiter;
mod progress;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared, try_join_all};
use oras_spec::{DescKey, Descriptor, media_type};

use crate::content::{
    BlobSource, ReadOnlyGraphTarget, ReadOnlyStorage, Storage, successors_of, verify,
};
use crate::error::{Error, ErrorKind, Result, Side};
use crate::events::{Event, NoObserver, Observer};
use crate::limits::{DEFAULT_MAX_METADATA_BYTES, ReferrerLimits};
use crate::referrers::find_referrers_within;
use limiter::Limiter;
use progress::ProgressReader;

/// oras-go's default number of nodes transferred at once (what `oras`'s help shows; the
/// library's default, 0, adapts the concurrency instead).
pub const DEFAULT_CONCURRENCY: usize = 3;

/// Picks the successors of a node from its (verified) bytes.
pub type FindSuccessors = Arc<dyn Fn(&Descriptor, &[u8]) -> Result<Vec<Descriptor>> + Send + Sync>;

/// Options of [`copy_graph`].
#[derive(Clone)]
#[non_exhaustive]
pub struct CopyGraphOptions {
    /// Nodes transferred at once: an exact cap; 0 (the default) adapts: from 10 up to 64 nodes
    /// in flight, at most 64 MiB of blobs, grown while transfers keep their pace and halved
    /// when the registry answers 429 or 503.
    pub concurrency: usize,
    /// Largest manifest read into memory.
    pub max_metadata_bytes: u64,
    /// Receives the copy's events.
    pub observer: Arc<dyn Observer>,
    /// Overrides how successors are found (default: all successors but foreign layers).
    pub find_successors: Option<FindSuccessors>,
    /// Repository (of the destination's registry) to mount blobs from instead of copying.
    pub mount_from: Option<String>,
    /// Bounds of the referrers walk of [`extended_copy_graph`].
    pub referrer_limits: ReferrerLimits,
}

impl Default for CopyGraphOptions {
    fn default() -> Self {
        CopyGraphOptions {
            concurrency: 0,
            max_metadata_bytes: DEFAULT_MAX_METADATA_BYTES,
            observer: Arc::new(NoObserver),
            find_successors: None,
            mount_from: None,
            referrer_limits: ReferrerLimits::default(),
        }
    }
}

setters!(CopyGraphOptions {
    /// Sets [`CopyGraphOptions::concurrency`].
    concurrency: usize,
    /// Sets [`CopyGraphOptions::max_metadata_bytes`].
    max_metadata_bytes: u64,
    /// Sets [`CopyGraphOptions::observer`].
    observer: Arc<dyn Observer>,
    /// Sets [`CopyGraphOptions::find_successors`].
    find_successors: Option<FindSuccessors>,
    /// Sets [`CopyGraphOptions::mount_from`].
    mount_from: Option<String>,
    /// Sets [`CopyGraphOptions::referrer_limits`].
    referrer_limits: ReferrerLimits,
});

type NodeFuture = Shared<BoxFuture<'static, Result<()>>>;

/// A node of the walk: the future copying it and the title of the descriptor that started it.
struct Node {
    future: NodeFuture,
    title: Option<String>,
}

struct Engine {
    src: Arc<dyn ReadOnlyStorage>,
    dst: Arc<dyn Storage>,
    opts: CopyGraphOptions,
    limiter: Limiter,
    nodes: Mutex<HashMap<DescKey, Node>>,
    /// The root to push under a tag, and the tag.
    root_tag: Option<(DescKey, String)>,
    /// Whether the root went up under its tag.
    root_tagged: AtomicBool,
}

impl Engine {
    fn new(
        src: Arc<dyn ReadOnlyStorage>,
        dst: Arc<dyn Storage>,
        opts: &CopyGraphOptions,
        root_tag: Option<(DescKey, String)>,
    ) -> Arc<Engine> {
        Arc::new(Engine {
            src,
            dst,
            opts: opts.clone(),
            limiter: Limiter::new(opts.concurrency),
            nodes: Mutex::default(),
            root_tag,
            root_tagged: AtomicBool::new(false),
        })
    }

    /// The (shared) future copying `desc`; started once per node. The flag tells whether the
    /// node was started by a descriptor with another title (same content, another name).
    fn visit(self: &Arc<Self>, desc: Descriptor) -> (NodeFuture, bool) {
        let mut nodes = self.nodes.lock().expect("copy engine nodes");
        if let Some(node) = nodes.get(&desc.key()) {
            return (node.future.clone(), node.title.as_deref() != desc.title());
        }
        let this = self.clone();
        let key = desc.key();
        let title = desc.title().map(str::to_string);
        let handle = tokio::spawn(async move { this.copy_node(desc).await });
        let fut = async move {
            handle
                .await
                .map_err(|e| Error::new(ErrorKind::Io, format!("copy task failed: {e}")))?
        }
        .boxed()
        .shared();
        nodes.insert(
            key,
            Node {
                future: fut.clone(),
                title,
            },
        );
        (fut, false)
    }

    async fn copy_node(self: Arc<Self>, desc: Descriptor) -> Result<()> {
        if !desc.is_manifest() {
            // a blob has no successors: one permit covers the check and the transfer
            let permit = self.limiter.acquire(desc.size, self.overloads()).await;
            let moved = self.copy_blob(&desc).await;
            permit.finish(self.overloads(), matches!(moved, Ok(true)));
            return moved.map(|_| ());
        }
        let cached = {
            let _permit = self.limiter.acquire(0, self.overloads()).await;
            if self.dst.exists(&desc).await.map_err(on_destination)? {
                self.event(Event::Exists(&desc));
                return Ok(());
            }
            let bytes = verify::fetch_all(&*self.src, &desc, self.opts.max_metadata_bytes)
                .await
                .map_err(on_source)?;
            self.event(Event::Processing(&desc));
            bytes
        };
        // successors whose content moves under another title, reported once this node is stored
        let mut renamed = Vec::new();
        let successors = match &self.opts.find_successors {
            Some(f) => f(&desc, &cached),
            None => successors_of(&desc, &cached),
        }
        .map_err(on_source)?;
        let mut children = Vec::new();
        for s in successors {
            if media_type::is_foreign_layer(&s.media_type) {
                continue;
            }
            let (child, other_title) = self.visit(s.clone());
            if other_title {
                renamed.push(s);
            }
            children.push(child);
        }
        try_join_all(children).await?;
        let permit = self.limiter.acquire(desc.size, self.overloads()).await;
        let pushed = match &self.root_tag {
            Some((root, tag)) if *root == desc.key() => {
                self.transfer_tagged(&desc, cached, tag, &renamed).await
            }
            _ => {
                self.transfer(&desc, BlobSource::Bytes(cached), &renamed)
                    .await
            }
        };
        permit.finish(self.overloads(), pushed.is_ok());
        pushed
    }

    /// Copies a blob unless the destination has it; whether its bytes moved.
    async fn copy_blob(&self, desc: &Descriptor) -> Result<bool> {
        // without a repository to mount from, the check may be folded into the upload
        let there = if self.opts.mount_from.is_none() {
            self.dst.exists_for_push(desc).await
        } else {
            self.dst.exists(desc).await
        };
        if there.map_err(on_destination)? {
            self.event(Event::Exists(desc));
            return Ok(false);
        }
        if desc.data.is_none() {
            // Continue what an interrupted run left behind, fetching only the rest.
            let offset = self.dst.resume_point(desc).await.unwrap_or(0);
            if offset > 0
                && let Some(rest) = self
                    .src
                    .fetch_range(desc, offset)
                    .await
                    .map_err(on_source)?
            {
                self.event(Event::Started(desc));
                let rest: crate::content::BlobReader = if self.opts.observer.wants_progress() {
                    Box::pin(ProgressReader::new(
                        rest,
                        desc,
                        self.opts.observer.clone(),
                        offset,
                    ))
                } else {
                    rest
                };
                self.dst
                    .push_at(desc, BlobSource::Reader(rest), offset)
                    .await
                    .map_err(on_destination)?;
                self.event(Event::Done(desc));
                return Ok(true);
            }
        }
        if let Some(from) = &self.opts.mount_from
            && self.dst.mount(desc, from).await.unwrap_or(false)
        {
            self.event(Event::Mounted(desc, from));
            return Ok(false);
        }
        let source = match &desc.data {
            Some(d) if desc.digest.same_alg_of(d) == desc.digest => {
                BlobSource::Bytes(d.clone().into())
            }
            _ => {
                self.event(Event::Started(desc));
                let source = self.src.fetch_source(desc).await.map_err(on_source)?;
                return self.send(desc, source, &[]).await.map(|()| true);
            }
        };
        self.transfer(desc, source, &[]).await.map(|()| true)
    }

    /// Reports the start of `desc` and pushes `source` to the destination.
    async fn transfer(
        &self,
        desc: &Descriptor,
        source: BlobSource,
        renamed: &[Descriptor],
    ) -> Result<()> {
        self.event(Event::Started(desc));
        self.send(desc, source, renamed).await
    }

    /// [`Engine::transfer`] of the root manifest (its `bytes`) under `tag`, in one request
    /// where the destination takes it ([`Storage::push_tagged`]), else by digest.
    async fn transfer_tagged(
        &self,
        desc: &Descriptor,
        bytes: Bytes,
        tag: &str,
        renamed: &[Descriptor],
    ) -> Result<()> {
        self.event(Event::Started(desc));
        match self.dst.push_tagged(desc, &bytes, tag).await {
            Ok(true) => self.root_tagged.store(true, Ordering::Relaxed),
            Ok(false) => return self.send(desc, BlobSource::Bytes(bytes), renamed).await,
            Err(e) => return Err(on_destination(e)),
        }
        self.stored(desc, renamed);
        Ok(())
    }

    /// Pushes `source` (with progress events when wanted), then reports `renamed` and
    /// [`Event::Done`].
    async fn send(
        &self,
        desc: &Descriptor,
        mut source: BlobSource,
        renamed: &[Descriptor],
    ) -> Result<()> {
        if self.opts.observer.wants_progress() && !matches!(source, BlobSource::Bytes(_)) {
            let inner = source.into_reader_async().await.map_err(on_source)?;
            source = BlobSource::Reader(Box::pin(ProgressReader::new(
                inner,
                desc,
                self.opts.observer.clone(),
                0,
            )));
        }
        match self.dst.push(desc, source).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(on_destination(e)),
        }
        self.stored(desc, renamed);
        Ok(())
    }

    /// Reports `renamed` and [`Event::Done`] for `desc`, now stored.
    fn stored(&self, desc: &Descriptor, renamed: &[Descriptor]) {
        for s in renamed {
            self.event(Event::Deduplicated(s));
        }
        self.event(Event::Done(desc));
    }

    /// The stores' count of overload answers (429, 503) so far.
    fn overloads(&self) -> u64 {
        self.src.overload_answers() + self.dst.overload_answers()
    }

    fn event(&self, event: Event<'_>) {
        self.opts.observer.on_event(&event);
    }
}

/// Marks an error of reading the source.
fn on_source(e: Error) -> Error {
    e.with_side(Side::Source)
}

/// Marks an error of writing the destination.
fn on_destination(e: Error) -> Error {
    e.with_side(Side::Destination)
}

/// Copies the graph rooted at `root` from `src` to `dst`.
pub async fn copy_graph(
    src: Arc<dyn ReadOnlyStorage>,
    dst: Arc<dyn Storage>,
    root: &Descriptor,
    opts: &CopyGraphOptions,
) -> Result<()> {
    let engine = Engine::new(src, dst, opts, None);
    engine.visit(root.clone()).0.await
}

/// Copies the graph rooted at `root` as [`copy_graph`] does, and points the tag `tag` at the
/// root with the root's own push where the destination takes both in one request
/// ([`Storage::push_tagged`]: one round trip less, as oras-go's `Copy`). Returns whether it
/// did; when not (the destination had the root, or stores by digest only) the caller tags
/// the root.
pub async fn copy_graph_tagged(
    src: Arc<dyn ReadOnlyStorage>,
    dst: Arc<dyn Storage>,
    root: &Descriptor,
    tag: &str,
    opts: &CopyGraphOptions,
) -> Result<bool> {
    let engine = Engine::new(src, dst, opts, Some((root.key(), tag.to_string())));
    engine.visit(root.clone()).0.await?;
    Ok(engine.root_tagged.load(Ordering::Relaxed))
}

/// Copies the graphs of several roots with one engine, so shared nodes move once.
pub async fn copy_graphs(
    src: Arc<dyn ReadOnlyStorage>,
    dst: Arc<dyn Storage>,
    roots: &[Descriptor],
    opts: &CopyGraphOptions,
) -> Result<()> {
    let engine = Engine::new(src, dst, opts, None);
    try_join_all(roots.iter().map(|r| engine.visit(r.clone()).0)).await?;
    Ok(())
}

/// Copies the graph of `root` and of all its referrers (see
/// [`crate::referrers::find_referrers`]); returns the
/// referrers copied.
pub async fn extended_copy_graph(
    src: Arc<dyn ReadOnlyGraphTarget>,
    dst: Arc<dyn Storage>,
    root: &Descriptor,
    depth: usize,
    opts: &CopyGraphOptions,
) -> Result<Vec<Descriptor>> {
    let referrers = find_referrers_within(&*src, root, depth, &opts.referrer_limits)
        .await
        .map_err(on_source)?;
    let mut roots = vec![root.clone()];
    roots.extend(referrers.iter().cloned());
    copy_graphs(src, dst, &roots, opts).await?;
    Ok(referrers)
}
