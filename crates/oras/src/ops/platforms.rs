//! Copying some platforms of an index: their manifests, and a new index that lists only them.

use std::sync::Arc;

use bytes::Bytes;
use oras_spec::{Descriptor, ImageIndex, Platform, gojson, media_type};

use crate::content::{BlobSource, GraphTarget, ReadOnlyGraphTarget, verify};
use crate::copy::{CopyGraphOptions, copy_graph, extended_copy_graph};
use crate::error::{Error, ErrorKind, Result, Side};
use crate::events::Event;
use crate::limits::DEFAULT_MAX_METADATA_BYTES;

/// The index `root` restricted to `platforms`, in the destination: every listed manifest that
/// matches one of them is copied (with its referrers when `referrers`), then the index with
/// only those entries (in the source's order, everything else kept) is pushed. Returns the
/// new index, its bytes and the referrers copied. Each wanted platform must match a manifest.
pub(super) async fn copy_platforms(
    src: Arc<dyn ReadOnlyGraphTarget>,
    dst: Arc<dyn GraphTarget>,
    root: &Descriptor,
    platforms: &[Platform],
    referrers: bool,
    graph: &CopyGraphOptions,
) -> Result<(Descriptor, Bytes, Vec<Descriptor>)> {
    let index = filtered_index(&*src, root, platforms)
        .await
        .map_err(|e| e.with_side(Side::Source))?;
    let mut copied_referrers = Vec::new();
    for child in &index.manifests {
        if referrers {
            let found = extended_copy_graph(src.clone(), dst.clone(), child, 0, graph).await?;
            copied_referrers.extend(found);
        } else {
            copy_graph(src.clone(), dst.clone(), child, graph).await?;
        }
    }
    let bytes = Bytes::from(gojson::to_vec(&index));
    let desc = Descriptor::from_bytes(&root.media_type, &bytes);
    graph.observer.on_event(&Event::Started(&desc));
    match dst.push(&desc, BlobSource::Bytes(bytes.clone())).await {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.with_side(Side::Destination)),
    }
    graph.observer.on_event(&Event::Done(&desc));
    Ok((desc, bytes, copied_referrers))
}

/// The index `root` names with only the manifests of `platforms`.
async fn filtered_index(
    src: &dyn ReadOnlyGraphTarget,
    root: &Descriptor,
    platforms: &[Platform],
) -> Result<ImageIndex> {
    if !media_type::is_index(&root.media_type) {
        return Err(Error::invalid(format!(
            "{}: {}: several platforms can only be picked from an index",
            root.digest, root.media_type
        )));
    }
    let bytes = verify::fetch_all(src, root, DEFAULT_MAX_METADATA_BYTES).await?;
    let mut index: ImageIndex = serde_json::from_slice(&bytes)
        .map_err(|e| Error::invalid(format!("{}: invalid index: {e}", root.digest)))?;
    let matches =
        |m: &Descriptor, want: &Platform| m.platform.as_ref().is_some_and(|p| p.matches(want));
    for want in platforms {
        if !index.manifests.iter().any(|m| matches(m, want)) {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "{}: not found: no manifest for platform {}/{} in the manifest list",
                    root.digest, want.os, want.architecture
                ),
            ));
        }
    }
    index
        .manifests
        .retain(|m| platforms.iter().any(|want| matches(m, want)));
    Ok(index)
}
