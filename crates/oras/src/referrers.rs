//! Referrers: manifests whose `subject` points at a node, found through a store's predecessors.

use oras_spec::{Descriptor, SuccessorView};

use crate::content::{ReadOnlyGraphTarget, verify};
use crate::copy::DEFAULT_MAX_METADATA_BYTES;
use crate::error::{ErrorKind, Result};

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
