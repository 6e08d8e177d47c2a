//! Pushing a manifest the caller has as bytes (a file, stdin, an index just built), tagging it.

use std::sync::Arc;

use bytes::Bytes;
use oras_spec::{Descriptor, Digest};

use super::tag::apply_tags;
use crate::content::{BlobSource, GraphTarget};
use crate::error::{Error, ErrorKind, Result};
use crate::events::{Event, NoObserver, Observer};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;

/// How to push a manifest.
#[derive(Clone)]
#[non_exhaustive]
pub struct PushManifestOptions {
    /// The manifest's media type; `None` takes the `mediaType` field of its JSON.
    pub media_type: Option<String>,
    /// The digest the bytes must have (a push to `name@digest`).
    pub digest: Option<Digest>,
    /// Tags to point at the manifest, in order; none pushes it by digest only.
    pub tags: Vec<String>,
    /// The largest manifest accepted (default 4 MiB).
    pub max_bytes: u64,
    /// Receives [`Event::Exists`] or [`Event::Started`] and [`Event::Done`] for the manifest,
    /// then [`Event::Tagged`] for each tag.
    pub observer: Arc<dyn Observer>,
}

impl Default for PushManifestOptions {
    fn default() -> Self {
        PushManifestOptions {
            media_type: None,
            digest: None,
            tags: Vec::new(),
            max_bytes: DEFAULT_MAX_METADATA_BYTES,
            observer: Arc::new(NoObserver),
        }
    }
}

/// Pushes the manifest `bytes` to `dst` (unless it is there already) and tags it; returns its
/// descriptor. The bytes are pushed exactly as given, so the digest is theirs.
///
/// ```no_run
/// # async fn demo() -> oras::Result<()> {
/// use oras::{OciLayout, ops};
///
/// let layout = OciLayout::open("layout")?;
/// let opts = ops::PushManifestOptions::default().tags(vec!["v1".to_string()]);
/// let bytes = std::fs::read("manifest.json")?;
/// let desc = ops::push_manifest(&layout, bytes.into(), &opts).await?;
/// println!("{}", desc.digest);
/// # Ok(()) }
/// ```
pub async fn push_manifest(
    dst: &dyn GraphTarget,
    bytes: Bytes,
    opts: &PushManifestOptions,
) -> Result<Descriptor> {
    if bytes.len() as u64 > opts.max_bytes {
        return Err(Error::new(
            ErrorKind::SizeExceedsLimit,
            format!(
                "manifest size {} exceeds the limit of {} bytes",
                bytes.len(),
                opts.max_bytes
            ),
        ));
    }
    let media_type = match &opts.media_type {
        Some(m) => m.clone(),
        None => manifest_media_type(&bytes)?,
    };
    let desc = Descriptor::from_bytes(media_type, &bytes);
    if let Some(want) = &opts.digest
        && *want != desc.digest
    {
        return Err(Error::new(
            ErrorKind::DigestMismatch,
            format!("mismatched digest: expected {want} but got {}", desc.digest),
        ));
    }
    let observer = &*opts.observer;
    let mut tagged = false;
    if dst.exists(&desc).await? {
        observer.on_event(&Event::Exists(&desc));
    } else {
        observer.on_event(&Event::Started(&desc));
        // the first tag goes with the push where the target takes both in one request
        if let Some(tag) = opts.tags.first() {
            tagged = dst.push_tagged(&desc, &bytes, tag).await?;
        }
        if !tagged {
            dst.push(&desc, BlobSource::Bytes(bytes.clone())).await?;
        }
        observer.on_event(&Event::Done(&desc));
    }
    let already = usize::from(tagged);
    apply_tags(dst, &desc, &bytes, &opts.tags, already, observer).await?;
    Ok(desc)
}

/// The `mediaType` field of a manifest: [`ErrorKind::InvalidInput`] if the bytes are not
/// JSON, [`ErrorKind::MissingMediaType`] if the field is absent or empty.
pub fn manifest_media_type(bytes: &[u8]) -> Result<String> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| Error::invalid("not a valid json file"))?;
    match v.get("mediaType").and_then(serde_json::Value::as_str) {
        Some(m) if !m.is_empty() => Ok(m.to_string()),
        _ => Err(Error::new(
            ErrorKind::MissingMediaType,
            "media type is not specified in the manifest",
        )),
    }
}

setters!(PushManifestOptions {
    /// Sets [`PushManifestOptions::media_type`].
    media_type: Option<String>,
    /// Sets [`PushManifestOptions::digest`].
    digest: Option<Digest>,
    /// Sets [`PushManifestOptions::tags`].
    tags: Vec<String>,
    /// Sets [`PushManifestOptions::max_bytes`].
    max_bytes: u64,
    /// Sets [`PushManifestOptions::observer`].
    observer: Arc<dyn Observer>,
});
