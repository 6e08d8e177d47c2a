//! Building image indexes from manifests in a target, and updating existing ones (add, remove,
//! merge, artifact type). The index is written with the Go-compatible JSON writer, so the same
//! inputs give the same digest as oras; [`super::push_manifest`] pushes and tags it.

use std::sync::Arc;

use bytes::Bytes;
use oras_spec::{
    Annotations, Descriptor, Digest, ImageIndex, Platform, SuccessorView, gojson, media_type,
};

use crate::content::{ReadOnlyGraphTarget, verify};
use crate::error::{Error, ErrorKind, Result};
use crate::events::{Event, NoObserver, Observer};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;

/// How to create an index.
#[derive(Clone)]
#[non_exhaustive]
pub struct IndexCreateOptions {
    /// The index's artifact type (empty: none); must be a valid media type.
    pub artifact_type: String,
    /// The index's annotations.
    pub annotations: Annotations,
    /// Receives [`Event::Fetching`] and [`Event::Fetched`] for each manifest.
    pub observer: Arc<dyn Observer>,
}

impl Default for IndexCreateOptions {
    fn default() -> Self {
        IndexCreateOptions {
            artifact_type: String::new(),
            annotations: Annotations::new(),
            observer: Arc::new(NoObserver),
        }
    }
}

/// How to update an index. Changes apply in this order: remove, add, merge, artifact type.
#[derive(Clone)]
#[non_exhaustive]
pub struct IndexUpdateOptions {
    /// Manifests (tags or digests in the same target) to add.
    pub add_manifests: Vec<String>,
    /// Indexes (tags or digests) whose manifests are appended, each once.
    pub merge_indexes: Vec<String>,
    /// Digests of entries to remove; each must be in the index.
    pub remove_digests: Vec<Digest>,
    /// A new artifact type; `Some("")` removes it.
    pub artifact_type: Option<String>,
    /// Receives [`Event::Fetching`] and [`Event::Fetched`] for each manifest read, then
    /// [`Event::Removed`], [`Event::Added`] or [`Event::Merged`] for each change.
    pub observer: Arc<dyn Observer>,
}

impl Default for IndexUpdateOptions {
    fn default() -> Self {
        IndexUpdateOptions {
            add_manifests: Vec::new(),
            merge_indexes: Vec::new(),
            remove_digests: Vec::new(),
            artifact_type: None,
            observer: Arc::new(NoObserver),
        }
    }
}

/// An index built by [`index_create`] or [`index_update`], not stored anywhere yet.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewIndex {
    /// Its descriptor (media type `application/vnd.oci.image.index.v1+json`).
    pub descriptor: Descriptor,
    /// Its bytes.
    pub bytes: Bytes,
}

impl NewIndex {
    fn of(index: &ImageIndex) -> NewIndex {
        let bytes = gojson::to_vec(index);
        NewIndex {
            descriptor: Descriptor::from_bytes(media_type::IMAGE_INDEX, &bytes),
            bytes: Bytes::from(bytes),
        }
    }
}

/// Builds an index of the manifests `manifests` (tags or digests) name in `src`: each entry
/// has the manifest's media type, digest, size and artifact type, and the platform of an
/// image's config.
///
/// ```no_run
/// # async fn demo() -> oras::Result<()> {
/// use oras::{OciLayout, ops};
///
/// let layout = OciLayout::open("layout")?;
/// let index = ops::index_create(&layout, &["amd64".into(), "arm64".into()], &Default::default()).await?;
/// let push = ops::PushManifestOptions::default()
///     .media_type(Some(index.descriptor.media_type.clone()))
///     .tags(vec!["v1".to_string()]);
/// ops::push_manifest(&layout, index.bytes, &push).await?;
/// # Ok(()) }
/// ```
pub async fn index_create(
    src: &dyn ReadOnlyGraphTarget,
    manifests: &[String],
    opts: &IndexCreateOptions,
) -> Result<NewIndex> {
    if !opts.artifact_type.is_empty() && !media_type::is_valid(&opts.artifact_type) {
        return Err(Error::new(
            ErrorKind::InvalidMediaType,
            format!("{}: invalid media type", opts.artifact_type),
        ));
    }
    let mut index = ImageIndex::new();
    index.artifact_type = opts.artifact_type.clone();
    index.annotations = opts.annotations.clone();
    let observer = &*opts.observer;
    for reference in manifests {
        observer.on_event(&Event::Fetching(reference));
        let entry = index_entry(src, reference).await?;
        observer.on_event(&Event::Fetched(&entry, reference));
        index.manifests.push(entry);
    }
    Ok(NewIndex::of(&index))
}

/// Reads the index `reference` names in `src` and applies the changes of `opts` to it; every
/// other field of the index is kept.
pub async fn index_update(
    src: &dyn ReadOnlyGraphTarget,
    reference: &str,
    opts: &IndexUpdateOptions,
) -> Result<NewIndex> {
    let observer = &*opts.observer;
    let (_, mut index) = fetch_index(src, reference, observer).await?;
    for d in &opts.remove_digests {
        let Some(entry) = index.manifests.iter().find(|m| &m.digest == d).cloned() else {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("{d} does not exist in the index {reference}"),
            ));
        };
        index.manifests.retain(|m| &m.digest != d);
        observer.on_event(&Event::Removed(&entry));
    }
    for r in &opts.add_manifests {
        observer.on_event(&Event::Fetching(r));
        let entry = index_entry(src, r).await?;
        observer.on_event(&Event::Fetched(&entry, r));
        observer.on_event(&Event::Added(&entry, r));
        index.manifests.push(entry);
    }
    for r in &opts.merge_indexes {
        let (merged, other) = fetch_index(src, r, observer).await?;
        for m in other.manifests {
            if !index.manifests.iter().any(|x| x.digest == m.digest) {
                index.manifests.push(m);
            }
        }
        observer.on_event(&Event::Merged(&merged, r));
    }
    if let Some(t) = &opts.artifact_type {
        index.artifact_type = t.clone();
    }
    Ok(NewIndex::of(&index))
}

/// The error `e` with `context` in front, as a message of its own (the registry's answer is
/// part of the message, not the error).
fn wrap(e: Error, context: impl std::fmt::Display) -> Error {
    Error::new(e.kind(), format!("{context}: {e}"))
}

/// Resolves and reads the index `reference` names.
async fn fetch_index(
    src: &dyn ReadOnlyGraphTarget,
    reference: &str,
    observer: &dyn Observer,
) -> Result<(Descriptor, ImageIndex)> {
    observer.on_event(&Event::Fetching(reference));
    let desc = src
        .resolve(reference)
        .await
        .map_err(|e| wrap(e, format!("could not find the index {reference}")))?;
    if !media_type::is_index(&desc.media_type) {
        return Err(Error::new(
            ErrorKind::InvalidMediaType,
            format!("{reference} is not an index"),
        ));
    }
    let bytes = verify::fetch_all(src, &desc, DEFAULT_MAX_METADATA_BYTES).await?;
    let index: ImageIndex = serde_json::from_slice(&bytes)
        .map_err(|e| Error::invalid(format!("invalid index: {e}")))?;
    observer.on_event(&Event::Fetched(&desc, reference));
    Ok((desc, index))
}

/// The index entry for the manifest `reference` names: media type, digest, size, artifact
/// type, and the platform of an image's config (when the config says one).
async fn index_entry(src: &dyn ReadOnlyGraphTarget, reference: &str) -> Result<Descriptor> {
    let desc = src
        .resolve(reference)
        .await
        .map_err(|e| wrap(e, format!("could not find the manifest {reference}")))?;
    let not_a_manifest = || {
        Error::new(
            ErrorKind::InvalidMediaType,
            format!("{reference} is not a manifest"),
        )
    };
    if !desc.is_manifest() {
        return Err(not_a_manifest());
    }
    let bytes = verify::fetch_all(src, &desc, DEFAULT_MAX_METADATA_BYTES).await?;
    let view = SuccessorView::parse(&bytes).map_err(|_| not_a_manifest())?;
    let mut entry = desc.plain();
    entry.artifact_type = view.artifact_type.clone();
    if let Some(config) = view
        .config
        .as_ref()
        .filter(|_| !media_type::is_index(&desc.media_type))
        && let Ok(raw) = verify::fetch_all(src, config, DEFAULT_MAX_METADATA_BYTES).await
        && let Ok(p) = serde_json::from_slice::<Platform>(&raw)
        && (!p.architecture.is_empty() || !p.os.is_empty())
    {
        entry.platform = Some(Platform {
            extra: Default::default(),
            ..p
        });
    }
    Ok(entry)
}

setters!(IndexCreateOptions {
    /// Sets [`IndexCreateOptions::artifact_type`].
    artifact_type: String,
    /// Sets [`IndexCreateOptions::annotations`].
    annotations: Annotations,
    /// Sets [`IndexCreateOptions::observer`].
    observer: Arc<dyn Observer>,
});

setters!(IndexUpdateOptions {
    /// Sets [`IndexUpdateOptions::add_manifests`].
    add_manifests: Vec<String>,
    /// Sets [`IndexUpdateOptions::merge_indexes`].
    merge_indexes: Vec<String>,
    /// Sets [`IndexUpdateOptions::remove_digests`].
    remove_digests: Vec<Digest>,
    /// Sets [`IndexUpdateOptions::artifact_type`].
    artifact_type: Option<String>,
    /// Sets [`IndexUpdateOptions::observer`].
    observer: Arc<dyn Observer>,
});
