//! The graph copy engine: every transfer (push, pull, attach, cp) is a copy between two stores.
//!
//! A node is copied after its successors; nodes shared by several parents move once; a node the
//! destination already has is skipped with its whole sub-graph. One semaphore permit is held
//! only around a node's own I/O, never while waiting for children, so the walk cannot deadlock.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared, try_join_all};
use oras_spec::{DescKey, Descriptor, media_type};
use tokio::sync::Semaphore;

use crate::content::{
    BlobSource, ReadOnlyGraphTarget, ReadOnlyStorage, Storage, successors_of, verify,
};
use crate::error::{Error, ErrorKind, Result};
use crate::referrers::{ReferrerLimits, referrers};

/// Default number of nodes transferred at once (oras-go's default).
pub const DEFAULT_CONCURRENCY: usize = 3;
/// Default limit for manifests, tag lists and referrer indexes held in memory.
pub const DEFAULT_MAX_METADATA_BYTES: u64 = 4 << 20;

/// Callbacks on copy progress (all default to no-ops).
pub trait CopyHooks: Send + Sync {
    /// A node is about to be transferred.
    fn pre_copy(&self, _desc: &Descriptor) {}
    /// A node was transferred.
    fn post_copy(&self, _desc: &Descriptor) {}
    /// The destination already had a node (and so its sub-graph).
    fn on_skipped(&self, _desc: &Descriptor) {}
    /// A blob was mounted from another repository instead of copied.
    fn on_mounted(&self, _desc: &Descriptor) {}
    /// Whether [`CopyHooks::on_bytes`] is wanted (it turns re-readable sources into streams).
    fn wants_bytes(&self) -> bool {
        false
    }
    /// Bytes of `desc` transferred so far.
    fn on_bytes(&self, _desc: &Descriptor, _so_far: u64) {}
}

/// A reader that reports how many bytes passed through.
struct ProgressReader {
    inner: crate::content::BlobReader,
    desc: Descriptor,
    hooks: Arc<dyn CopyHooks>,
    so_far: u64,
}

impl tokio::io::AsyncRead for ProgressReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let r = this.inner.as_mut().poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        if n > 0 {
            this.so_far += n;
            this.hooks.on_bytes(&this.desc, this.so_far);
        }
        r
    }
}

/// Hooks that do nothing.
pub struct NoHooks;
impl CopyHooks for NoHooks {}

/// Picks the successors of a node from its (verified) bytes.
pub type FindSuccessors = Arc<dyn Fn(&Descriptor, &[u8]) -> Result<Vec<Descriptor>> + Send + Sync>;

/// Options of [`copy_graph`].
#[derive(Clone)]
pub struct CopyGraphOptions {
    pub concurrency: usize,
    pub max_metadata_bytes: u64,
    pub hooks: Arc<dyn CopyHooks>,
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
            concurrency: DEFAULT_CONCURRENCY,
            max_metadata_bytes: DEFAULT_MAX_METADATA_BYTES,
            hooks: Arc::new(NoHooks),
            find_successors: None,
            mount_from: None,
            referrer_limits: ReferrerLimits::default(),
        }
    }
}

type NodeFuture = Shared<BoxFuture<'static, Result<()>>>;

struct Engine {
    src: Arc<dyn ReadOnlyStorage>,
    dst: Arc<dyn Storage>,
    opts: CopyGraphOptions,
    permits: Semaphore,
    nodes: Mutex<HashMap<DescKey, NodeFuture>>,
}

impl Engine {
    fn new(
        src: Arc<dyn ReadOnlyStorage>,
        dst: Arc<dyn Storage>,
        opts: &CopyGraphOptions,
    ) -> Arc<Engine> {
        let n = if opts.concurrency == 0 {
            DEFAULT_CONCURRENCY
        } else {
            opts.concurrency
        };
        Arc::new(Engine {
            src,
            dst,
            opts: opts.clone(),
            permits: Semaphore::new(n),
            nodes: Mutex::default(),
        })
    }

    /// The (shared) future copying `desc`; started once per node.
    fn visit(self: &Arc<Self>, desc: Descriptor) -> NodeFuture {
        let mut nodes = self.nodes.lock().expect("copy engine nodes");
        if let Some(f) = nodes.get(&desc.key()) {
            return f.clone();
        }
        let this = self.clone();
        let key = desc.key();
        let handle = tokio::spawn(async move { this.copy_node(desc).await });
        let fut = async move {
            handle
                .await
                .map_err(|e| Error::new(ErrorKind::Io, format!("copy task failed: {e}")))?
        }
        .boxed()
        .shared();
        nodes.insert(key, fut.clone());
        fut
    }

    async fn copy_node(self: Arc<Self>, desc: Descriptor) -> Result<()> {
        let mut cached = None;
        {
            let _permit = self.permits.acquire().await.expect("semaphore open");
            if self.dst.exists(&desc).await? {
                self.opts.hooks.on_skipped(&desc);
                return Ok(());
            }
            if desc.is_manifest() {
                cached =
                    Some(verify::fetch_all(&*self.src, &desc, self.opts.max_metadata_bytes).await?);
            }
        }
        if let Some(bytes) = &cached {
            let successors = match &self.opts.find_successors {
                Some(f) => f(&desc, bytes)?,
                None => successors_of(&desc, bytes)?,
            };
            let children = successors
                .into_iter()
                .filter(|s| !media_type::is_foreign_layer(&s.media_type))
                .map(|s| self.visit(s));
            try_join_all(children).await?;
        }
        let _permit = self.permits.acquire().await.expect("semaphore open");
        if cached.is_none() && desc.data.is_none() {
            // Continue what an interrupted run left behind, fetching only the rest.
            let offset = self.dst.resume_point(&desc).await.unwrap_or(0);
            if offset > 0
                && let Some(rest) = self.src.fetch_range(&desc, offset).await?
            {
                self.opts.hooks.pre_copy(&desc);
                let rest: crate::content::BlobReader = if self.opts.hooks.wants_bytes() {
                    Box::pin(ProgressReader {
                        inner: rest,
                        desc: desc.clone(),
                        hooks: self.opts.hooks.clone(),
                        so_far: offset,
                    })
                } else {
                    rest
                };
                self.dst
                    .push_at(&desc, BlobSource::Reader(rest), offset)
                    .await?;
                self.opts.hooks.post_copy(&desc);
                return Ok(());
            }
        }
        if cached.is_none()
            && let Some(from) = &self.opts.mount_from
            && self.dst.mount(&desc, from).await.unwrap_or(false)
        {
            self.opts.hooks.on_mounted(&desc);
            return Ok(());
        }
        self.opts.hooks.pre_copy(&desc);
        let mut source = match cached {
            Some(bytes) => BlobSource::Bytes(bytes),
            None => match &desc.data {
                Some(d) if desc.digest.same_alg_of(d) == desc.digest => {
                    BlobSource::Bytes(d.clone().into())
                }
                _ => self.src.fetch_source(&desc).await?,
            },
        };
        if self.opts.hooks.wants_bytes() && !matches!(source, BlobSource::Bytes(_)) {
            let inner = source.into_reader_async().await?;
            source = BlobSource::Reader(Box::pin(ProgressReader {
                inner,
                desc: desc.clone(),
                hooks: self.opts.hooks.clone(),
                so_far: 0,
            }));
        }
        match self.dst.push(&desc, source).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        self.opts.hooks.post_copy(&desc);
        Ok(())
    }
}

/// Copies the graph rooted at `root` from `src` to `dst`.
pub async fn copy_graph(
    src: Arc<dyn ReadOnlyStorage>,
    dst: Arc<dyn Storage>,
    root: &Descriptor,
    opts: &CopyGraphOptions,
) -> Result<()> {
    let engine = Engine::new(src, dst, opts);
    engine.visit(root.clone()).await
}

/// The referrers of `root`, recursively (up to `depth` levels; 0 = as deep as the default
/// [`ReferrerLimits`] allow), and of the children of `root` when it is an index. Cycle-safe.
pub async fn find_referrers(
    src: &dyn ReadOnlyGraphTarget,
    root: &Descriptor,
    depth: usize,
) -> Result<Vec<Descriptor>> {
    find_referrers_within(src, root, depth, &ReferrerLimits::default()).await
}

/// [`find_referrers`] within `limits`: a graph deeper (unless `depth` stops the walk first) or
/// larger fails with [`ErrorKind::SizeExceedsLimit`].
pub async fn find_referrers_within(
    src: &dyn ReadOnlyGraphTarget,
    root: &Descriptor,
    depth: usize,
    limits: &ReferrerLimits,
) -> Result<Vec<Descriptor>> {
    let mut found = Vec::new();
    let mut seen: HashSet<oras_spec::Digest> = HashSet::from([root.digest.clone()]);
    let mut queue: VecDeque<(Descriptor, usize)> = VecDeque::from([(root.clone(), 0)]);
    if media_type::is_index(&root.media_type) {
        let bytes = verify::fetch_all(src, root, DEFAULT_MAX_METADATA_BYTES).await?;
        for child in successors_of(root, &bytes)? {
            if seen.insert(child.digest.clone()) {
                queue.push_back((child, 0));
            }
        }
    }
    while let Some((node, level)) = queue.pop_front() {
        if depth != 0 && level >= depth {
            continue;
        }
        for r in referrers(src, &node, "").await? {
            if seen.insert(r.digest.clone()) {
                limits.check_depth(root, level + 1)?;
                found.push(r.clone());
                limits.check_count(root, found.len())?;
                queue.push_back((r, level + 1));
            }
        }
    }
    Ok(found)
}

/// Copies the graphs of several roots with one engine, so shared nodes move once.
pub async fn copy_graphs(
    src: Arc<dyn ReadOnlyStorage>,
    dst: Arc<dyn Storage>,
    roots: &[Descriptor],
    opts: &CopyGraphOptions,
) -> Result<()> {
    let engine = Engine::new(src, dst, opts);
    try_join_all(roots.iter().map(|r| engine.visit(r.clone()))).await?;
    Ok(())
}

/// Copies the graph of `root` and of all its referrers (see [`find_referrers`]); returns the
/// referrers copied.
pub async fn extended_copy_graph(
    src: Arc<dyn ReadOnlyGraphTarget>,
    dst: Arc<dyn Storage>,
    root: &Descriptor,
    depth: usize,
    opts: &CopyGraphOptions,
) -> Result<Vec<Descriptor>> {
    let referrers = find_referrers_within(&*src, root, depth, &opts.referrer_limits).await?;
    let mut roots = vec![root.clone()];
    roots.extend(referrers.iter().cloned());
    copy_graphs(src, dst, &roots, opts).await?;
    Ok(referrers)
}
