//! Attaching: a new artifact whose `subject` is an existing one (a signature, an SBOM).

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use oras_spec::{Annotations, Descriptor, Platform, SuccessorView};

use super::artifact::{ConfigSource, FileLayer, PackRequest, Packed, pack_and_copy};
use super::resolve::resolve;
use crate::content::cache::CachedTarget;
use crate::content::oci::OciLayout;
use crate::content::{GraphTarget, Storage, successors_of};
use crate::copy::CopyGraphOptions;
use crate::error::Result;
use crate::events::{Event, NoObserver, Observer};
use crate::pack::PackVersion;
use crate::source_date::SourceDate;

/// How to attach.
#[derive(Clone)]
#[non_exhaustive]
pub struct AttachOptions {
    /// Where relative file paths are taken from (default: the current directory).
    pub working_dir: PathBuf,
    /// Attach to this platform's manifest of an index.
    pub platform: Option<Platform>,
    /// The manifest config; without one the empty config is used.
    pub config: Option<ConfigSource>,
    /// Manifest annotations (`org.opencontainers.image.created` is set to now unless given).
    pub manifest_annotations: Annotations,
    /// Config annotations.
    pub config_annotations: Annotations,
    /// Pack reproducibly at this time: it becomes `org.opencontainers.image.created` (unless
    /// the manifest annotations give one) and the time of every tar header of a directory
    /// layer, so the same files give the same manifest digest on any machine and at any time
    /// (`SOURCE_DATE_EPOCH` in the CLI). `None`: now, and the files' own times.
    pub source_date: Option<SourceDate>,
    /// Also write the packed manifest to this file.
    pub export_manifest: Option<PathBuf>,
    /// A read-through cache for the subject's content (with a platform, its index and
    /// config), as [`CachedTarget`](crate::content::cache::CachedTarget) reads it; the
    /// subject's reference is still resolved at the target.
    pub cache: Option<Arc<OciLayout>>,
    /// Blobs transferred at once: an exact cap; 0 (the default) adapts to the registry (see
    /// [`crate::copy::CopyGraphOptions::concurrency`]).
    pub concurrency: usize,
    /// Receives the transfer's events.
    pub observer: Arc<dyn Observer>,
}

impl Default for AttachOptions {
    fn default() -> Self {
        AttachOptions {
            working_dir: PathBuf::from("."),
            platform: None,
            config: None,
            manifest_annotations: Annotations::new(),
            config_annotations: Annotations::new(),
            source_date: None,
            export_manifest: None,
            cache: None,
            concurrency: 0,
            observer: Arc::new(NoObserver),
        }
    }
}

/// What an attach made.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Attached {
    /// The new artifact's manifest descriptor.
    pub descriptor: Descriptor,
    /// Its manifest bytes.
    pub manifest: Bytes,
    /// The artifact it is attached to.
    pub subject: Descriptor,
}

/// Packs `files` into an image-spec v1.1 manifest of `artifact_type` whose subject is what
/// `subject` names in `target`, and pushes it there (the registry's Referrers API, or its
/// tag schema, then lists it among the subject's referrers).
pub async fn attach(
    target: Arc<dyn GraphTarget>,
    subject: &str,
    artifact_type: &str,
    files: &[FileLayer],
    opts: &AttachOptions,
) -> Result<Attached> {
    let subject = match &opts.cache {
        Some(cache) => {
            let reader = CachedTarget::shared(target.clone(), cache.clone());
            resolve(&reader, subject, opts.platform.as_ref()).await?
        }
        None => resolve(&*target, subject, opts.platform.as_ref()).await?,
    };
    opts.observer.on_event(&Event::Resolved(&subject));
    let storage: Arc<dyn Storage> = target.clone();
    let request = PackRequest {
        working_dir: &opts.working_dir,
        files,
        config: opts.config.as_ref(),
        config_annotations: &opts.config_annotations,
        manifest_annotations: &opts.manifest_annotations,
        artifact_type,
        version: PackVersion::V1_1,
        subject: Some(subject.clone()),
        source_date: opts.source_date,
        preserve_permissions: false,
        stream: None,
    };
    // The subject is in the target already: it is neither walked nor reported again.
    let copy = |packed: &Packed| {
        let root_digest = packed.root.digest.clone();
        let skip_subject: crate::copy::FindSuccessors = Arc::new(move |node, bytes| {
            let mut succ = successors_of(node, bytes)?;
            if node.digest == root_digest
                && let Some(s) = SuccessorView::parse(bytes).ok().and_then(|v| v.subject)
            {
                succ.retain(|d| d.digest != s.digest);
            }
            Ok(succ)
        });
        CopyGraphOptions {
            concurrency: opts.concurrency,
            observer: opts.observer.clone(),
            find_successors: Some(skip_subject),
            ..Default::default()
        }
    };
    let export = opts.export_manifest.as_deref();
    let (packed, _) = pack_and_copy(&storage, request, export, None, copy).await?;
    Ok(Attached {
        descriptor: packed.root,
        manifest: packed.manifest,
        subject,
    })
}

setters!(AttachOptions {
    /// Sets [`AttachOptions::working_dir`].
    working_dir: PathBuf,
    /// Sets [`AttachOptions::platform`].
    platform: Option<Platform>,
    /// Sets [`AttachOptions::config`].
    config: Option<ConfigSource>,
    /// Sets [`AttachOptions::manifest_annotations`].
    manifest_annotations: Annotations,
    /// Sets [`AttachOptions::config_annotations`].
    config_annotations: Annotations,
    /// Sets [`AttachOptions::source_date`].
    source_date: Option<SourceDate>,
    /// Sets [`AttachOptions::export_manifest`].
    export_manifest: Option<PathBuf>,
    /// Sets [`AttachOptions::cache`].
    cache: Option<Arc<OciLayout>>,
    /// Sets [`AttachOptions::concurrency`].
    concurrency: usize,
    /// Sets [`AttachOptions::observer`].
    observer: Arc<dyn Observer>,
});
