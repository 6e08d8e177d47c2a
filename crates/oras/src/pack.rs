//! Manifest packing with oras-go's `PackManifest` rules for image-spec v1.1 and v1.0.

use bytes::Bytes;
use oras_spec::{Annotations, Descriptor, ImageManifest, annotations, gojson, media_type};

use crate::content::{BlobSource, Storage};
use crate::error::{Error, ErrorKind, Result};
use crate::source_date::SourceDate;

/// Which image-spec flavour to pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackVersion {
    /// Image manifest with `artifactType` and the empty config (the default).
    V1_1,
    /// Image manifest whose config media type carries the artifact type.
    V1_0,
}

/// What goes into the manifest besides its artifact type.
#[derive(Debug, Clone, Default)]
pub struct PackOptions {
    /// The manifest this one refers to (a referrer's `subject`).
    pub subject: Option<Descriptor>,
    /// The layers, in order.
    pub layers: Vec<Descriptor>,
    /// Annotations of the manifest (oras adds `org.opencontainers.image.created` unless it is
    /// given here).
    pub manifest_annotations: Annotations,
    /// The time `org.opencontainers.image.created` is set to when the annotations do not give
    /// one; `None` is now. A fixed time makes the manifest reproducible.
    pub source_date: Option<SourceDate>,
    /// A config already pushed; when absent the rules of the version pick one.
    pub config: Option<Descriptor>,
    /// Annotations of the config descriptor.
    pub config_annotations: Annotations,
}

fn validate_media_type(mt: &str) -> Result<()> {
    if media_type::is_valid(mt) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidMediaType,
            format!("{mt}: invalid media type"),
        ))
    }
}

/// `org.opencontainers.image.created` for now: UTC, RFC 3339, whole seconds.
pub fn created_now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Checks a given `org.opencontainers.image.created`, or adds one: `source_date`, or now.
fn ensure_created(annotations: &mut Annotations, source_date: Option<SourceDate>) -> Result<()> {
    match annotations.get(annotations::CREATED) {
        Some(v) => {
            if v.parse::<jiff::Timestamp>().is_err() {
                return Err(Error::invalid(format!(
                    "invalid date and time format: {} must be in RFC 3339 format: {v:?}",
                    annotations::CREATED
                )));
            }
        }
        None => {
            let created = source_date.map_or_else(created_now, SourceDate::rfc3339);
            annotations.insert(annotations::CREATED.to_string(), created);
        }
    }
    Ok(())
}

async fn push_if_missing(
    pusher: &dyn Storage,
    desc: &Descriptor,
    data: &'static [u8],
) -> Result<()> {
    if !pusher.exists(desc).await? {
        pusher
            .push(desc, BlobSource::Bytes(Bytes::from_static(data)))
            .await?;
    }
    Ok(())
}

/// Packs a manifest, pushes it (and any config it generates) to `pusher`, and returns its
/// descriptor carrying the artifact type and manifest annotations.
pub async fn pack_manifest(
    pusher: &dyn Storage,
    version: PackVersion,
    artifact_type: &str,
    mut opts: PackOptions,
) -> Result<(Descriptor, Bytes)> {
    ensure_created(&mut opts.manifest_annotations, opts.source_date)?;
    let (manifest, desc_artifact_type) = match version {
        PackVersion::V1_1 => {
            let config_is_empty = opts
                .config
                .as_ref()
                .is_none_or(|c| c.media_type == media_type::EMPTY_JSON);
            if artifact_type.is_empty() && config_is_empty {
                return Err(Error::new(
                    ErrorKind::MissingArtifactType,
                    "missing artifact type for OCI image-spec v1.1 artifacts",
                ));
            }
            if !artifact_type.is_empty() {
                validate_media_type(artifact_type)?;
            }
            let config = match opts.config.take() {
                Some(c) => {
                    validate_media_type(&c.media_type)?;
                    c
                }
                None => {
                    let mut c = Descriptor::empty_json();
                    c.annotations = std::mem::take(&mut opts.config_annotations);
                    push_if_missing(pusher, &c, b"{}").await?;
                    c
                }
            };
            let mut layers = std::mem::take(&mut opts.layers);
            if layers.is_empty() {
                let empty = Descriptor::empty_json();
                push_if_missing(pusher, &empty, b"{}").await?;
                layers.push(empty);
            }
            let m = ImageManifest {
                schema_version: 2,
                media_type: media_type::IMAGE_MANIFEST.to_string(),
                artifact_type: artifact_type.to_string(),
                config,
                layers,
                subject: opts.subject.take(),
                annotations: opts.manifest_annotations.clone(),
                extra: Default::default(),
            };
            (m, artifact_type.to_string())
        }
        PackVersion::V1_0 => {
            if opts.subject.is_some() {
                return Err(Error::unsupported(
                    "subject is not supported for manifest version 1.0",
                ));
            }
            let config = match opts.config.take() {
                Some(c) => {
                    validate_media_type(&c.media_type)?;
                    c
                }
                None => {
                    let mt = if artifact_type.is_empty() {
                        media_type::UNKNOWN_CONFIG
                    } else {
                        artifact_type
                    };
                    validate_media_type(mt)?;
                    let mut c = Descriptor::from_bytes(mt, b"{}");
                    c.annotations = std::mem::take(&mut opts.config_annotations);
                    push_if_missing(pusher, &c, b"{}").await?;
                    c
                }
            };
            let config_type = config.media_type.clone();
            let m = ImageManifest {
                schema_version: 2,
                media_type: media_type::IMAGE_MANIFEST.to_string(),
                artifact_type: String::new(),
                config,
                layers: std::mem::take(&mut opts.layers),
                subject: None,
                annotations: opts.manifest_annotations.clone(),
                extra: Default::default(),
            };
            (m, config_type)
        }
    };
    let bytes = Bytes::from(gojson::to_vec(&manifest));
    let mut desc = Descriptor::from_bytes(media_type::IMAGE_MANIFEST, &bytes);
    desc.artifact_type = desc_artifact_type;
    desc.annotations = manifest.annotations;
    pusher.push(&desc, BlobSource::Bytes(bytes.clone())).await?;
    Ok((desc, bytes))
}
