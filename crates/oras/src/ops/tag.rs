//! Tagging: pointing tags at a manifest that is already in a target.

use bytes::Bytes;
use oras_spec::{Descriptor, SuccessorView};

use crate::content::{GraphTarget, Tagger, verify};
use crate::error::Result;
use crate::events::{Event, Observer};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;

/// Resolves `reference` in `target` and points each of `tags` at it; returns the manifest's
/// descriptor, with tags as [`SuccessorView::describe_bytes`] gives it (the manifest's own artifact
/// type and annotations), without tags as resolved. The manifest is read once and each tag
/// costs one request on a registry.
pub async fn tag(
    target: &dyn GraphTarget,
    reference: &str,
    tags: &[String],
    observer: &dyn Observer,
) -> Result<Descriptor> {
    let desc = target.resolve(reference).await?;
    observer.on_event(&Event::Resolved(&desc));
    if tags.is_empty() {
        return Ok(desc);
    }
    let bytes = verify::fetch_all(target, &desc, DEFAULT_MAX_METADATA_BYTES).await?;
    apply_tags(target, &desc, &bytes, tags, 0, observer).await?;
    // a manifest that does not parse was still tagged: it is described as resolved
    Ok(SuccessorView::describe_bytes(&bytes, &desc))
}

/// Removes each of `tags` from `target` in order, leaving the manifests they named (and their
/// other tags) in place; returns those manifests' descriptors and reports [`Event::Untagged`]
/// for each. A registry that cannot delete a tag alone gives
/// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) and deletes nothing.
pub async fn untag(
    target: &dyn GraphTarget,
    tags: &[String],
    observer: &dyn Observer,
) -> Result<Vec<Descriptor>> {
    let mut untagged = Vec::with_capacity(tags.len());
    for t in tags {
        let desc = target.resolve(t).await?;
        target.untag(t).await?;
        observer.on_event(&Event::Untagged(&desc, t));
        untagged.push(desc);
    }
    Ok(untagged)
}

/// Points each of `tags` at `desc`, whose manifest bytes are at hand, in order, but for the
/// first `already` of them (set with the manifest's push); reports [`Event::Tagged`] for each.
pub(super) async fn apply_tags(
    target: &dyn Tagger,
    desc: &Descriptor,
    manifest: &Bytes,
    tags: &[String],
    already: usize,
    observer: &dyn Observer,
) -> Result<()> {
    for (i, t) in tags.iter().enumerate() {
        if i >= already {
            target.tag_bytes(desc, manifest, t).await?;
        }
        observer.on_event(&Event::Tagged(desc, t));
    }
    Ok(())
}
