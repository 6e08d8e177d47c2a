//! Resolving a reference, with platform selection.

use oras_spec::{Descriptor, Platform, SuccessorView, media_type};

use crate::content::{ReadOnlyGraphTarget, verify};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;

/// Resolves `reference` in `target`; with a platform, an index resolves to its first matching
/// manifest and an image manifest must match the platform in its config.
pub async fn resolve(
    target: &dyn ReadOnlyGraphTarget,
    reference: &str,
    platform: Option<&Platform>,
) -> Result<Descriptor> {
    let desc = target.resolve(reference).await?;
    match platform {
        Some(p) => select_platform(target, &desc, p).await,
        None => Ok(desc),
    }
}

/// Picks the manifest for `want` under `root` (see [`resolve`]).
pub async fn select_platform(
    target: &dyn ReadOnlyGraphTarget,
    root: &Descriptor,
    want: &Platform,
) -> Result<Descriptor> {
    let bytes = verify::fetch_all(target, root, DEFAULT_MAX_METADATA_BYTES).await?;
    if media_type::is_index(&root.media_type) {
        let view = SuccessorView::parse(&bytes)
            .map_err(|e| Error::invalid(format!("{}: invalid index: {e}", root.digest)))?;
        return view
            .manifests
            .into_iter()
            .find(|m| m.platform.as_ref().is_some_and(|p| p.matches(want)))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "{}: not found: no matching manifest was found in the manifest list",
                        root.digest
                    ),
                )
            });
    }
    if root.media_type == media_type::IMAGE_MANIFEST
        || root.media_type == media_type::DOCKER_MANIFEST
    {
        let view = SuccessorView::parse(&bytes)
            .map_err(|e| Error::invalid(format!("{}: invalid manifest: {e}", root.digest)))?;
        let config = view
            .config
            .ok_or_else(|| Error::invalid(format!("{}: manifest has no config", root.digest)))?;
        if config.media_type != media_type::IMAGE_CONFIG
            && config.media_type != media_type::DOCKER_CONFIG
        {
            return Err(Error::unsupported(format!(
                "fail to recognize platform from unknown config {}: expect {}",
                config.media_type,
                media_type::IMAGE_CONFIG
            )));
        }
        let raw = verify::fetch_all(target, &config, DEFAULT_MAX_METADATA_BYTES).await?;
        let got: oras_spec::Platform = serde_json::from_slice(&raw)
            .map_err(|e| Error::invalid(format!("{}: invalid config: {e}", config.digest)))?;
        if !got.matches(want) {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "{}: platform in manifest does not match target platform",
                    root.digest
                ),
            ));
        }
        return Ok(root.clone());
    }
    Err(Error::unsupported(format!(
        "{}: {}: unsupported media type for platform selection",
        root.digest, root.media_type
    )))
}
