//! Files packed into a manifest: the first half of [`super::push`] and [`super::attach`].

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use oras_spec::{Annotations, Descriptor, Platform, gojson, media_type};

use crate::content::file::{FileStore, FileStoreOptions};
use crate::content::{BlobSource, Storage};
use crate::copy::{CopyGraphOptions, copy_graph, copy_graph_tagged};
use crate::error::{Error, Result};
use crate::pack::{PackOptions, PackVersion, pack_manifest};
use crate::source_date::SourceDate;

use super::push_stream::StreamUpload;

/// Files from this size on start uploading to a registry while they are hashed.
const UPLOAD_AHEAD_FROM: u64 = 32 << 20;

/// A file or directory to pack as one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileLayer {
    /// Where it is; a relative path is taken from the operation's working directory.
    pub path: PathBuf,
    /// Its name in the artifact (`org.opencontainers.image.title`), the path a pull writes.
    pub name: String,
    /// The layer media type; empty picks the default (`application/vnd.oci.image.layer.v1.tar`
    /// for a file, `…tar+gzip` for a directory, which is packed as a tar+gzip).
    pub media_type: String,
    /// Annotations added to the layer's descriptor.
    pub annotations: Annotations,
}

impl FileLayer {
    /// `path` as a layer named as oras names it: the path cleaned, with forward slashes
    /// (`./docs/` is `docs`; an absolute path stays absolute).
    pub fn new(path: impl AsRef<Path>) -> FileLayer {
        let path = path.as_ref();
        FileLayer {
            name: clean_name(path),
            path: path.to_path_buf(),
            media_type: String::new(),
            annotations: Annotations::new(),
        }
    }

    /// The same layer under another name.
    pub fn with_name(mut self, name: impl Into<String>) -> FileLayer {
        self.name = name.into();
        self
    }

    /// The same layer with a media type.
    pub fn with_media_type(mut self, media_type: impl Into<String>) -> FileLayer {
        self.media_type = media_type.into();
        self
    }

    /// The same layer with annotations added.
    pub fn with_annotations(mut self, annotations: Annotations) -> FileLayer {
        self.annotations.extend(annotations);
        self
    }
}

/// The manifest's config.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConfigSource {
    /// A file; an empty media type means `application/vnd.unknown.config.v1+json`.
    File {
        /// Where the file is.
        path: PathBuf,
        /// Its media type.
        media_type: String,
    },
    /// A config holding only a platform (an `application/vnd.oci.image.config.v1+json` of
    /// `os`, `architecture`, …), so the artifact can be selected by platform.
    Platform(Platform),
}

/// Go's `filepath.Clean` and `ToSlash` of a path: how oras names a file argument.
pub fn clean_name(path: &Path) -> String {
    let abs = path.is_absolute();
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..".into());
                }
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    match (abs, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// What to pack.
pub(super) struct PackRequest<'a> {
    pub working_dir: &'a Path,
    pub files: &'a [FileLayer],
    pub config: Option<&'a ConfigSource>,
    pub config_annotations: &'a Annotations,
    pub manifest_annotations: &'a Annotations,
    pub artifact_type: &'a str,
    pub version: PackVersion,
    pub subject: Option<Descriptor>,
    /// The fixed time of a reproducible pack (`created`, directory tar headers).
    pub source_date: Option<SourceDate>,
    /// Record single files' modes in their layers.
    pub preserve_permissions: bool,
    /// A layer read from a stream, pushed to the destination after the files are hashed; it
    /// becomes the last layer.
    pub stream: Option<StreamUpload>,
}

/// A packed artifact: its manifest (and config and layers) held by a file store.
pub(super) struct Packed {
    pub store: Arc<FileStore>,
    pub root: Descriptor,
    pub manifest: Bytes,
    /// The layer pushed from a stream while packing (already in the destination).
    pub streamed: Option<Descriptor>,
}

/// Starts uploading the big files of `files` to `dst` while they are hashed.
fn stage_big_files(dst: &Arc<dyn Storage>, working_dir: &Path, files: &[FileLayer]) {
    for f in files {
        let full = working_dir.join(&f.path);
        if let Ok(meta) = std::fs::metadata(&full)
            && meta.is_file()
            && meta.len() >= UPLOAD_AHEAD_FROM
        {
            let abs = std::path::absolute(&full).unwrap_or(full);
            dst.clone().stage_file(&abs, meta.len());
        }
    }
}

/// Hashes the files (directories are packed), adds the config, and packs the manifest.
/// Big files are offered to `dst` first, so a registry can start receiving them while they
/// are hashed, and packed directories while they are packed.
async fn pack_files(dst: &Arc<dyn Storage>, req: PackRequest<'_>) -> Result<Packed> {
    let store = Arc::new(FileStore::new(
        req.working_dir,
        FileStoreOptions {
            source_date: req.source_date,
            preserve_permissions: req.preserve_permissions,
            ..Default::default()
        },
    )?);
    stage_big_files(dst, req.working_dir, req.files);
    let mut layers = Vec::with_capacity(req.files.len());
    for f in req.files {
        let mut desc = store
            .add_staging(&f.name, &f.media_type, &f.path, dst)
            .await?;
        desc.annotations
            .extend(f.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
        layers.push(desc);
    }
    let streamed = match req.stream {
        Some(upload) => Some(upload.push(&**dst, &store).await?),
        None => None,
    };
    layers.extend(streamed.iter().cloned());
    let config = match req.config {
        None => None,
        Some(ConfigSource::File { path, media_type }) => {
            let mt = if media_type.is_empty() {
                media_type::UNKNOWN_CONFIG
            } else {
                media_type
            };
            let mut desc = store.add("$config", mt, path).await?;
            desc.annotations = req.config_annotations.clone();
            Some(desc)
        }
        Some(ConfigSource::Platform(platform)) => {
            let bytes = gojson::to_vec(platform);
            let mut desc = Descriptor::from_bytes(media_type::IMAGE_CONFIG, &bytes);
            store.push(&desc, BlobSource::Bytes(bytes.into())).await?;
            desc.annotations = req.config_annotations.clone();
            Some(desc)
        }
    };
    let opts = PackOptions {
        subject: req.subject,
        layers,
        manifest_annotations: req.manifest_annotations.clone(),
        config,
        config_annotations: req.config_annotations.clone(),
        source_date: req.source_date,
    };
    let (root, manifest) = pack_manifest(&*store, req.version, req.artifact_type, opts).await?;
    Ok(Packed {
        store,
        root,
        manifest,
        streamed,
    })
}

/// Packs as [`pack_files`] does, writes the manifest to `export` when given, and copies the
/// artifact into `dst` with the options `copy` makes for it, pushing the manifest under `tag`
/// where `dst` takes both at once ([`copy_graph_tagged`]); returns whether it did. The uploads
/// `pack_files` started ahead end whatever happens (an unused one is cancelled).
pub(super) async fn pack_and_copy(
    dst: &Arc<dyn Storage>,
    req: PackRequest<'_>,
    export: Option<&Path>,
    tag: Option<&str>,
    copy: impl FnOnce(&Packed) -> CopyGraphOptions,
) -> Result<(Packed, bool)> {
    let done: Result<(Packed, bool)> = async {
        let packed = pack_files(dst, req).await?;
        if let Some(path) = export {
            export_manifest(path, &packed.manifest)?;
        }
        let opts = copy(&packed);
        let (src, root) = (packed.store.clone(), &packed.root);
        let tagged = match tag {
            Some(tag) => copy_graph_tagged(src, dst.clone(), root, tag, &opts).await?,
            None => {
                copy_graph(src, dst.clone(), root, &opts).await?;
                false
            }
        };
        Ok((packed, tagged))
    }
    .await;
    dst.drop_staged().await;
    done
}

/// Writes the packed manifest to `path` (`--export-manifest`).
fn export_manifest(path: &Path, manifest: &[u8]) -> Result<()> {
    std::fs::write(path, manifest).map_err(|e| {
        Error::from(e).context(format!("failed to export manifest to {}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::clean_name;
    use std::path::Path;

    #[test]
    fn names_are_cleaned_as_go_cleans_them() {
        for (path, name) in [
            ("./docs/", "docs"),
            ("a/./b/../c", "a/c"),
            ("../up", "../up"),
            ("/abs//x/", "/abs/x"),
            (".", "."),
            ("/..", "/"),
        ] {
            assert_eq!(clean_name(Path::new(path)), name, "{path}");
        }
    }
}
