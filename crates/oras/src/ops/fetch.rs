//! Fetching a manifest or its config by reference: resolved with platform selection and the
//! media types to accept, read whole (they are small), verified and bounded in size.

use bytes::Bytes;
use oras_spec::{Descriptor, Platform, SuccessorView, media_type};

use super::resolve::select_platform;
use super::select::{ReferrerSelector, select_referrer};
use crate::content::{ReadOnlyGraphTarget, ReadOnlyStorage, verify};
use crate::error::{Error, Result};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;

/// How to fetch a manifest (or its config).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FetchOptions {
    /// With a platform, an index resolves to its first manifest for it, and an image manifest
    /// must match it in its config.
    pub platform: Option<Platform>,
    /// The manifest media types to ask for (a registry's `Accept` header) when resolving
    /// the reference; empty: every type.
    pub media_types: Vec<String>,
    /// Take a referrer of the manifest (after [`FetchOptions::platform`] picked it) instead
    /// of the manifest itself (see [`super::select_referrer`]).
    pub referrer: Option<ReferrerSelector>,
    /// The largest manifest or config read (default 4 MiB).
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            platform: None,
            media_types: Vec::new(),
            referrer: None,
            max_bytes: DEFAULT_MAX_METADATA_BYTES,
        }
    }
}

/// The descriptor of the manifest `reference` names in `target` (see [`FetchOptions`]),
/// without reading more than resolving needs.
pub async fn resolve_manifest(
    target: &dyn ReadOnlyGraphTarget,
    reference: &str,
    opts: &FetchOptions,
) -> Result<Descriptor> {
    let mut desc = target.resolve_as(reference, &opts.media_types).await?;
    if let Some(p) = &opts.platform {
        desc = select_platform(target, &desc, p).await?;
    }
    match &opts.referrer {
        Some(selector) => select_referrer(target, &desc, selector).await,
        None => Ok(desc),
    }
}

/// The verified bytes of a manifest or config already resolved (at most `opts.max_bytes`).
pub async fn fetch_resolved(
    target: &dyn ReadOnlyStorage,
    desc: &Descriptor,
    opts: &FetchOptions,
) -> Result<Bytes> {
    verify::fetch_all(target, desc, opts.max_bytes).await
}

/// The manifest `reference` names in `target`: its descriptor and its bytes exactly as stored.
///
/// ```no_run
/// # async fn demo() -> oras::Result<()> {
/// use oras::{OciLayout, ops};
///
/// let layout = OciLayout::open_read_only("layout")?;
/// let (desc, bytes) = ops::fetch_manifest(&layout, "v1", &Default::default()).await?;
/// println!("{} {}", desc.digest, bytes.len());
/// # Ok(()) }
/// ```
pub async fn fetch_manifest(
    target: &dyn ReadOnlyGraphTarget,
    reference: &str,
    opts: &FetchOptions,
) -> Result<(Descriptor, Bytes)> {
    let desc = resolve_manifest(target, reference, opts).await?;
    let bytes = fetch_resolved(target, &desc, opts).await?;
    Ok((desc, bytes))
}

/// The config descriptor of the image manifest `reference` names. An index or an artifact
/// manifest of another type has none ([`crate::ErrorKind::Unsupported`]).
pub async fn resolve_config(
    target: &dyn ReadOnlyGraphTarget,
    reference: &str,
    opts: &FetchOptions,
) -> Result<Descriptor> {
    let desc = resolve_manifest(target, reference, opts).await?;
    if desc.media_type != media_type::IMAGE_MANIFEST
        && desc.media_type != media_type::DOCKER_MANIFEST
    {
        return Err(Error::unsupported(format!(
            "{:?} is not an image manifest and does not have a config",
            desc.digest.to_string()
        )));
    }
    let bytes = fetch_resolved(target, &desc, opts).await?;
    let view = SuccessorView::parse(&bytes)
        .map_err(|e| Error::invalid(format!("invalid manifest: {e}")))?;
    view.config
        .ok_or_else(|| Error::invalid("the manifest has no config"))
}

/// The config of the image manifest `reference` names: its descriptor and verified bytes.
pub async fn fetch_config(
    target: &dyn ReadOnlyGraphTarget,
    reference: &str,
    opts: &FetchOptions,
) -> Result<(Descriptor, Bytes)> {
    let config = resolve_config(target, reference, opts).await?;
    let bytes = fetch_resolved(target, &config, opts).await?;
    Ok((config, bytes))
}

setters!(FetchOptions {
    /// Sets [`FetchOptions::platform`].
    platform: Option<Platform>,
    /// Sets [`FetchOptions::media_types`].
    media_types: Vec<String>,
    /// Sets [`FetchOptions::referrer`].
    referrer: Option<ReferrerSelector>,
    /// Sets [`FetchOptions::max_bytes`].
    max_bytes: u64,
});
