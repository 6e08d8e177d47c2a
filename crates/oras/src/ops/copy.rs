//! Copying an artifact from one target to another: reference to reference, optionally with
//! its referrers, one platform of an index, blobs mounted between repositories of a registry.

use std::sync::Arc;

use oras_spec::{Descriptor, Digest, Platform};

use bytes::Bytes;

use super::platforms::copy_platforms;
use super::resolve::resolve;
use super::tag::apply_tags;
use crate::content::{GraphTarget, ReadOnlyGraphTarget, verify};
use crate::copy::{CopyGraphOptions, copy_graph, copy_graph_tagged, extended_copy_graph};
use crate::error::{Result, Side};
use crate::events::{Event, NoObserver, Observer};
use crate::limits::{DEFAULT_MAX_METADATA_BYTES, ReferrerLimits};

/// How to copy.
#[derive(Clone)]
#[non_exhaustive]
pub struct CopyOptions {
    /// Copy this platform's manifest of an index instead of the whole index.
    pub platform: Option<Platform>,
    /// Copy these platforms' manifests of an index and a new index that lists only them
    /// (in the source's order; the source index's own referrers do not apply to it). Takes
    /// precedence over [`CopyOptions::platform`] when not empty.
    pub platforms: Vec<Platform>,
    /// Also copy the referrers of the artifact (and of an index's manifests), recursively.
    pub referrers: bool,
    /// Bounds of the referrers walk.
    pub referrer_limits: ReferrerLimits,
    /// Tags to set in the destination besides the destination reference's own.
    pub extra_tags: Vec<String>,
    /// Nodes transferred at once: an exact cap; 0 (the default) adapts to the registry (see
    /// [`crate::copy::CopyGraphOptions::concurrency`]).
    pub concurrency: usize,
    /// Receives the copy's events.
    pub observer: Arc<dyn Observer>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            platform: None,
            platforms: Vec::new(),
            referrers: false,
            referrer_limits: ReferrerLimits::default(),
            extra_tags: Vec::new(),
            concurrency: 0,
            observer: Arc::new(NoObserver),
        }
    }
}

/// What a copy did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Copied {
    /// The manifest copied (the platform's, when one was picked; the new index, for several).
    pub descriptor: Descriptor,
    /// The referrers copied with it.
    pub referrers: Vec<Descriptor>,
    /// The tags set in the destination, in order.
    pub tags: Vec<String>,
}

/// Copies what `src_reference` names in `src` to `dst`, tagged `dst_reference` (a tag; a
/// digest or an empty reference leaves it untagged) and [`CopyOptions::extra_tags`]. Blobs
/// are mounted instead of copied between two repositories of one registry. Errors say which
/// side failed ([`crate::Error::side`]): resolving or reading the source, or checking,
/// writing or tagging the destination.
pub async fn copy(
    src: Arc<dyn ReadOnlyGraphTarget>,
    src_reference: &str,
    dst: Arc<dyn GraphTarget>,
    dst_reference: &str,
    opts: &CopyOptions,
) -> Result<Copied> {
    let single = opts.platform.as_ref().filter(|_| opts.platforms.is_empty());
    let root = resolve(&*src, src_reference, single)
        .await
        .map_err(|e| e.with_side(Side::Source))?;
    copy_descriptor(src, &root, dst, dst_reference, opts).await
}

/// [`copy`] of a root already resolved (with [`CopyOptions::platform`] applied, as
/// [`super::resolve`] does), for callers that resolve the source themselves.
pub async fn copy_descriptor(
    src: Arc<dyn ReadOnlyGraphTarget>,
    root: &Descriptor,
    dst: Arc<dyn GraphTarget>,
    dst_reference: &str,
    opts: &CopyOptions,
) -> Result<Copied> {
    let root = root.clone();
    opts.observer.on_event(&Event::Resolved(&root));
    let graph = CopyGraphOptions {
        concurrency: opts.concurrency,
        observer: opts.observer.clone(),
        referrer_limits: opts.referrer_limits,
        mount_from: mount_source(&*src, &*dst),
        ..Default::default()
    };
    let mut tags = Vec::new();
    if !dst_reference.is_empty() && Digest::parse(dst_reference).is_err() {
        tags.push(dst_reference.to_string());
    }
    tags.extend(opts.extra_tags.iter().cloned());
    // tags already set by the root's push (the first, where the destination takes both)
    let mut already = 0;
    let (root, manifest, referrers) = if opts.platforms.is_empty() {
        let referrers = if opts.referrers {
            extended_copy_graph(src.clone(), dst.clone(), &root, 0, &graph).await?
        } else if let Some(tag) = tags.first() {
            let tagged = copy_graph_tagged(src.clone(), dst.clone(), &root, tag, &graph).await?;
            already = usize::from(tagged);
            Vec::new()
        } else {
            copy_graph(src.clone(), dst.clone(), &root, &graph).await?;
            Vec::new()
        };
        let manifest = match tags.len() == already {
            true => Bytes::new(),
            false => verify::fetch_all(&*src, &root, DEFAULT_MAX_METADATA_BYTES)
                .await
                .map_err(|e| e.with_side(Side::Source))?,
        };
        (root, manifest, referrers)
    } else {
        let (src, dst) = (src.clone(), dst.clone());
        copy_platforms(src, dst, &root, &opts.platforms, opts.referrers, &graph).await?
    };
    if !tags.is_empty() {
        apply_tags(&*dst, &root, &manifest, &tags, already, &*opts.observer)
            .await
            .map_err(|e| e.with_side(Side::Destination))?;
    }
    Ok(Copied {
        descriptor: root,
        referrers,
        tags,
    })
}

/// The repository blobs can be mounted from: the source's, when both ends are repositories
/// of one registry.
fn mount_source(src: &dyn ReadOnlyGraphTarget, dst: &dyn GraphTarget) -> Option<String> {
    let (src_registry, src_repo) = src.repository_location()?;
    let (dst_registry, dst_repo) = dst.repository_location()?;
    (src_registry == dst_registry && src_repo != dst_repo).then(|| src_repo.to_string())
}

setters!(CopyOptions {
    /// Sets [`CopyOptions::platform`].
    platform: Option<Platform>,
    /// Sets [`CopyOptions::platforms`].
    platforms: Vec<Platform>,
    /// Sets [`CopyOptions::referrers`].
    referrers: bool,
    /// Sets [`CopyOptions::referrer_limits`].
    referrer_limits: ReferrerLimits,
    /// Sets [`CopyOptions::extra_tags`].
    extra_tags: Vec<String>,
    /// Sets [`CopyOptions::concurrency`].
    concurrency: usize,
    /// Sets [`CopyOptions::observer`].
    observer: Arc<dyn Observer>,
});
