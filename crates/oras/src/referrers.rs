//! Referrers: manifests whose `subject` points at a node, found through a store's Referrers
//! listing or its predecessors, and walks over referrers of referrers.

use std::collections::{HashSet, VecDeque};

use oras_spec::{Descriptor, SuccessorView, media_type};

use crate::content::{ReadOnlyGraphTarget, successors_of, verify};
use crate::error::{ErrorKind, Result};
use crate::limits::{DEFAULT_MAX_METADATA_BYTES, ReferrerLimits};

/// The referrers of `subject` (optionally only those of `artifact_type`), each described with
/// media type, digest, size, artifact type (or config media type) and manifest annotations.
pub async fn referrers(
    store: &dyn ReadOnlyGraphTarget,
    subject: &Descriptor,
    artifact_type: &str,
) -> Result<Vec<Descriptor>> {
    if let Some(listed) = store.list_referrers(subject, artifact_type).await? {
        return Ok(listed);
    }
    let mut out = Vec::new();
    for p in store.predecessors(subject).await? {
        if !p.is_manifest() {
            continue;
        }
        let bytes = match verify::fetch_all(store, &p, DEFAULT_MAX_METADATA_BYTES).await {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let Ok(view) = SuccessorView::parse(&bytes) else {
            continue;
        };
        if view
            .subject
            .as_ref()
            .is_none_or(|s| s.digest != subject.digest)
        {
            continue;
        }
        let mut d = p.plain();
        d.artifact_type = view.referrer_artifact_type();
        d.annotations = view.annotations.clone();
        if artifact_type.is_empty() || d.artifact_type == artifact_type {
            out.push(d);
        }
    }
    Ok(out)
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
