//! Discovering: the tree of referrers (signatures, SBOMs, their own signatures...) of a
//! manifest.

use std::collections::HashSet;
use std::sync::Arc;

use oras_spec::{Descriptor, Digest, Platform};

use super::resolve::resolve;
use crate::content::ReadOnlyGraphTarget;
use crate::error::Result;
use crate::events::{Event, NoObserver, Observer};
use crate::limits::ReferrerLimits;
use crate::referrers::referrers;

/// How to discover.
#[derive(Clone)]
#[non_exhaustive]
pub struct DiscoverOptions {
    /// Discover the referrers of this platform's manifest of an index.
    pub platform: Option<Platform>,
    /// Only referrers of this artifact type (at every level).
    pub artifact_type: Option<String>,
    /// Levels of referrers listed (1: the manifest's own referrers only); a graph that goes
    /// on below is cut there without an error. `None`: as deep as the graph goes, within
    /// [`DiscoverOptions::referrer_limits`].
    pub depth: Option<usize>,
    /// How deep and large the graph may be before discovering fails with
    /// [`crate::ErrorKind::SizeExceedsLimit`] (a registry can serve a graph without end).
    pub referrer_limits: ReferrerLimits,
    /// Receives [`Event::Resolved`] once the reference is resolved, before the referrers
    /// are listed.
    pub observer: Arc<dyn Observer>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            platform: None,
            artifact_type: None,
            depth: None,
            referrer_limits: ReferrerLimits::default(),
            observer: Arc::new(NoObserver),
        }
    }
}

setters!(DiscoverOptions {
    /// Sets [`DiscoverOptions::platform`].
    platform: Option<Platform>,
    /// Sets [`DiscoverOptions::artifact_type`].
    artifact_type: Option<String>,
    /// Sets [`DiscoverOptions::depth`].
    depth: Option<usize>,
    /// Sets [`DiscoverOptions::referrer_limits`].
    referrer_limits: ReferrerLimits,
    /// Sets [`DiscoverOptions::observer`].
    observer: Arc<dyn Observer>,
});

/// A referrer and the referrers of it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReferrerNode {
    /// The referrer's manifest: media type, digest, size, artifact type and annotations.
    pub descriptor: Descriptor,
    /// Its own referrers, in the order they were listed.
    pub referrers: Vec<ReferrerNode>,
}

/// What discovering found: the manifest a reference names and its referrers, as a tree.
/// Every manifest is in it once: one that refers to several nodes of the graph, or to one
/// above it (a cycle), is listed under the first that led to it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReferrersTree {
    /// The manifest whose referrers were discovered.
    pub root: Descriptor,
    /// Its referrers, in the order they were listed, each with theirs.
    pub referrers: Vec<ReferrerNode>,
}

impl ReferrersTree {
    /// How many referrers the tree holds at all levels.
    pub fn len(&self) -> usize {
        fn count(nodes: &[ReferrerNode]) -> usize {
            nodes.iter().map(|n| 1 + count(&n.referrers)).sum()
        }
        count(&self.referrers)
    }

    /// Whether the manifest has no referrers.
    pub fn is_empty(&self) -> bool {
        self.referrers.is_empty()
    }
}

/// Resolves `reference` in `target` (with platform selection) and lists its referrers, and
/// theirs, down to [`DiscoverOptions::depth`].
pub async fn discover(
    target: &dyn ReadOnlyGraphTarget,
    reference: &str,
    opts: &DiscoverOptions,
) -> Result<ReferrersTree> {
    let root = resolve(target, reference, opts.platform.as_ref()).await?;
    opts.observer.on_event(&Event::Resolved(&root));
    let walk = Walk {
        target,
        root: &root,
        artifact_type: opts.artifact_type.as_deref().unwrap_or(""),
        depth: opts.depth.unwrap_or(usize::MAX),
        limits: opts.referrer_limits,
    };
    let mut seen = HashSet::from([root.digest.clone()]);
    let referrers = walk.referrers(&root, 0, &mut seen).await?;
    Ok(ReferrersTree { root, referrers })
}

/// One referrers walk: its root, how deep it goes, and the graph's bounds.
struct Walk<'a> {
    target: &'a dyn ReadOnlyGraphTarget,
    root: &'a Descriptor,
    artifact_type: &'a str,
    depth: usize,
    limits: ReferrerLimits,
}

impl Walk<'_> {
    /// The referrers of `subject` (at `level`) and theirs, depth first; every node once.
    async fn referrers(
        &self,
        subject: &Descriptor,
        level: usize,
        seen: &mut HashSet<Digest>,
    ) -> Result<Vec<ReferrerNode>> {
        if level >= self.depth {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for r in referrers(self.target, subject, self.artifact_type).await? {
            if !seen.insert(r.digest.clone()) {
                continue;
            }
            self.limits.check_depth(self.root, level + 1)?;
            self.limits.check_count(self.root, seen.len() - 1)?;
            let children = Box::pin(self.referrers(&r, level + 1, seen)).await?;
            out.push(ReferrerNode {
                descriptor: r,
                referrers: children,
            });
        }
        Ok(out)
    }
}
