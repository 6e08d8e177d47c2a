//! Pushing files: pack them into a manifest by oras's rules, copy it to a target, tag it.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use oras_spec::{Annotations, Descriptor, media_type};

use super::artifact::{ConfigSource, FileLayer, PackRequest, Packed, pack_and_copy};
use super::push_stream::{HideStreamed, StreamLayer, StreamUpload};
use super::tag::apply_tags;
use crate::content::{GraphTarget, Storage};
use crate::copy::CopyGraphOptions;
use crate::error::Result;
use crate::events::{NoObserver, Observer};
use crate::pack::PackVersion;
use crate::source_date::SourceDate;

/// oras's default concurrency of a push (what its help shows; the library's default, 0,
/// adapts the concurrency instead).
pub const DEFAULT_PUSH_CONCURRENCY: usize = 5;

/// How to push.
#[derive(Clone)]
#[non_exhaustive]
pub struct PushOptions {
    /// Where relative file paths are taken from (default: the current directory).
    pub working_dir: PathBuf,
    /// The artifact type; empty means `application/vnd.unknown.artifact.v1` for image-spec
    /// v1.1 (for v1.0 the config media type carries the type).
    pub artifact_type: String,
    /// The image-spec version to pack; `None` picks oras's default: v1.0 when a config file
    /// is given without an artifact type, v1.1 otherwise.
    pub image_spec: Option<PackVersion>,
    /// The manifest config; without one the version's rules pick one.
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
    /// Record each single file's permission bits in its layer
    /// ([`oras_spec::annotations::FILE_MODE`]), for a pull with
    /// [`super::PullOptions::preserve_permissions`] (directory layers carry their modes in
    /// their tar anyway). Off, as in oras: the manifest is then the one oras packs.
    pub preserve_permissions: bool,
    /// Tags to point at the pushed manifest; none leaves it untagged.
    pub tags: Vec<String>,
    /// Also write the packed manifest to this file.
    pub export_manifest: Option<PathBuf>,
    /// Blobs transferred at once: an exact cap; 0 (the default) adapts to the registry (see
    /// [`crate::copy::CopyGraphOptions::concurrency`]).
    pub concurrency: usize,
    /// Receives the transfer's events.
    pub observer: Arc<dyn Observer>,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            working_dir: PathBuf::from("."),
            artifact_type: String::new(),
            image_spec: None,
            config: None,
            manifest_annotations: Annotations::new(),
            config_annotations: Annotations::new(),
            source_date: None,
            preserve_permissions: false,
            tags: Vec::new(),
            export_manifest: None,
            concurrency: 0,
            observer: Arc::new(NoObserver),
        }
    }
}

/// What a push made.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Pushed {
    /// The manifest's descriptor (with its artifact type and annotations).
    pub descriptor: Descriptor,
    /// The manifest's bytes.
    pub manifest: Bytes,
    /// The tags set, in the order given.
    pub tags: Vec<String>,
}

/// Packs `files` into a manifest and pushes it with its blobs to `dst`, then tags it.
///
/// ```no_run
/// # async fn demo() -> oras::Result<()> {
/// use std::sync::Arc;
/// use oras::{OciLayout, ops};
///
/// let layout = Arc::new(OciLayout::open("layout")?);
/// let options = ops::PushOptions::default().tags(vec!["v1".to_string()]);
/// let pushed = ops::push(layout, &[ops::FileLayer::new("hello.txt")], &options).await?;
/// println!("{}", pushed.descriptor.digest);
/// # Ok(()) }
/// ```
pub async fn push(
    dst: Arc<dyn GraphTarget>,
    files: &[FileLayer],
    opts: &PushOptions,
) -> Result<Pushed> {
    push_layers(dst, files, None, opts).await
}

/// [`push`] with one more layer read from a stream (standard input) of unknown size: after the
/// files are hashed it is pushed while it is read, once, never held whole, its digest
/// computed on the way ([`crate::content::Storage::push_stream`]), and becomes the last
/// layer; the manifest follows. Its [`Event::Done`](crate::Event::Done) comes when it is
/// stored (no `Started`: the digest is known only then). A store that cannot take a stream
/// fails with [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported).
pub async fn push_with_stream(
    dst: Arc<dyn GraphTarget>,
    files: &[FileLayer],
    stream: StreamLayer,
    opts: &PushOptions,
) -> Result<Pushed> {
    let upload = StreamUpload {
        layer: stream,
        observer: opts.observer.clone(),
    };
    push_layers(dst, files, Some(upload), opts).await
}

/// Packs and pushes the files and the stream layer, then tags.
async fn push_layers(
    dst: Arc<dyn GraphTarget>,
    files: &[FileLayer],
    stream: Option<StreamUpload>,
    opts: &PushOptions,
) -> Result<Pushed> {
    let version = opts.image_spec.unwrap_or(
        if matches!(opts.config, Some(ConfigSource::File { .. })) && opts.artifact_type.is_empty() {
            PackVersion::V1_0
        } else {
            PackVersion::V1_1
        },
    );
    let artifact_type = if version == PackVersion::V1_1 && opts.artifact_type.is_empty() {
        media_type::UNKNOWN_ARTIFACT
    } else {
        &opts.artifact_type
    };
    let storage: Arc<dyn Storage> = dst.clone();
    let request = PackRequest {
        working_dir: &opts.working_dir,
        files,
        config: opts.config.as_ref(),
        config_annotations: &opts.config_annotations,
        manifest_annotations: &opts.manifest_annotations,
        artifact_type,
        version,
        subject: None,
        source_date: opts.source_date,
        preserve_permissions: opts.preserve_permissions,
        stream,
    };
    let copy = |packed: &Packed| copy_options(packed, opts);
    let export = opts.export_manifest.as_deref();
    let tag = opts.tags.first().map(String::as_str);
    let (packed, tagged) = pack_and_copy(&storage, request, export, tag, copy).await?;
    apply_tags(
        &*dst,
        &packed.root,
        &packed.manifest,
        &opts.tags,
        usize::from(tagged),
        &*opts.observer,
    )
    .await?;
    Ok(Pushed {
        descriptor: packed.root,
        manifest: packed.manifest,
        tags: opts.tags.clone(),
    })
}

/// How the packed artifact is copied to the destination: at the options' concurrency, its
/// events passed on (but for the `Exists` of a layer streamed there already).
fn copy_options(packed: &Packed, opts: &PushOptions) -> CopyGraphOptions {
    CopyGraphOptions {
        concurrency: opts.concurrency,
        observer: match &packed.streamed {
            Some(streamed) => Arc::new(HideStreamed {
                inner: opts.observer.clone(),
                streamed: streamed.clone(),
            }),
            None => opts.observer.clone(),
        },
        ..Default::default()
    }
}

setters!(PushOptions {
    /// Sets [`PushOptions::working_dir`].
    working_dir: PathBuf,
    /// Sets [`PushOptions::artifact_type`].
    artifact_type: String,
    /// Sets [`PushOptions::image_spec`].
    image_spec: Option<PackVersion>,
    /// Sets [`PushOptions::config`].
    config: Option<ConfigSource>,
    /// Sets [`PushOptions::manifest_annotations`].
    manifest_annotations: Annotations,
    /// Sets [`PushOptions::config_annotations`].
    config_annotations: Annotations,
    /// Sets [`PushOptions::source_date`].
    source_date: Option<SourceDate>,
    /// Sets [`PushOptions::preserve_permissions`].
    preserve_permissions: bool,
    /// Sets [`PushOptions::tags`].
    tags: Vec<String>,
    /// Sets [`PushOptions::export_manifest`].
    export_manifest: Option<PathBuf>,
    /// Sets [`PushOptions::concurrency`].
    concurrency: usize,
    /// Sets [`PushOptions::observer`].
    observer: Arc<dyn Observer>,
});
