//! Deleting a manifest or a blob, after the caller confirmed what was found.

use std::sync::Arc;

use oras_spec::{Descriptor, Digest};

use crate::content::GraphTarget;
use crate::error::{ErrorKind, Result};

/// How to delete.
#[derive(Clone)]
#[non_exhaustive]
pub struct DeleteOptions {
    /// Asked with the descriptor found before anything is deleted; `false` cancels. The
    /// default confirms everything.
    pub confirm: Arc<dyn Fn(&Descriptor) -> bool + Send + Sync>,
}

impl Default for DeleteOptions {
    fn default() -> Self {
        DeleteOptions {
            confirm: Arc::new(|_| true),
        }
    }
}

/// What a delete did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deletion {
    /// The content was deleted (its descriptor as resolved).
    Deleted(Descriptor),
    /// The confirmation was declined; nothing was deleted.
    Cancelled(Descriptor),
    /// There was nothing to delete.
    Missing,
}

/// Deletes the manifest `reference` names (a tag or a digest) from `target`. A digest that
/// names something other than a manifest is [`Deletion::Missing`]. On a registry, deleting a
/// referrer also updates the tag-schema index of its subject.
pub async fn delete_manifest(
    target: &dyn GraphTarget,
    reference: &str,
    opts: &DeleteOptions,
) -> Result<Deletion> {
    let by_digest = Digest::parse(reference).is_ok();
    match target.resolve(reference).await {
        Ok(desc) if desc.is_manifest() || !by_digest => {
            confirm_and_delete(target, desc, opts).await
        }
        Ok(_) => Ok(Deletion::Missing),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Deletion::Missing),
        Err(e) => Err(e),
    }
}

/// Deletes the blob `digest` from `target`.
pub async fn delete_blob(
    target: &dyn GraphTarget,
    digest: &Digest,
    opts: &DeleteOptions,
) -> Result<Deletion> {
    match target.resolve_blob(digest).await {
        Ok(desc) => confirm_and_delete(target, desc, opts).await,
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Deletion::Missing),
        Err(e) => Err(e),
    }
}

async fn confirm_and_delete(
    target: &dyn GraphTarget,
    desc: Descriptor,
    opts: &DeleteOptions,
) -> Result<Deletion> {
    if !(opts.confirm)(&desc) {
        return Ok(Deletion::Cancelled(desc));
    }
    target.delete(&desc).await?;
    Ok(Deletion::Deleted(desc))
}

setters!(DeleteOptions {
    /// Sets [`DeleteOptions::confirm`].
    confirm: Arc<dyn Fn(&Descriptor) -> bool + Send + Sync>,
});
