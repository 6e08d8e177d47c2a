//! Adding local files and directories to a file store (what `push` packs): a file is hashed
//! where it is; a directory is packed into a temporary tar+gzip, whose bytes a destination
//! store may take while they are produced ([`FileStore::add_staging`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oras_spec::{Descriptor, annotations, media_type};

use super::pack::{Offer, pack_directory};
use super::{FileStore, mode};
use crate::content::Storage;
use crate::content::verify::hash_file;
use crate::error::{Error, ErrorKind, Result};
use crate::source_date::SourceDate;

impl FileStore {
    /// Adds the file or directory at `path` under `name`; returns its descriptor.
    /// An empty media type picks the default (tar for files, tar+gzip for directories).
    pub async fn add(&self, name: &str, media_type: &str, path: &Path) -> Result<Descriptor> {
        self.add_to(name, media_type, path, None).await
    }

    /// Adds as [`FileStore::add`] does; the bytes of a packed directory are also offered to
    /// `dst` while they are produced ([`Storage::stage_stream`]): a registry receives the
    /// layer during the packing, and the later push of it from this store only sends its
    /// digest. Stores that take nothing ahead see no difference.
    pub async fn add_staging(
        &self,
        name: &str,
        media_type: &str,
        path: &Path,
        dst: &Arc<dyn Storage>,
    ) -> Result<Descriptor> {
        self.add_to(name, media_type, path, Some(dst.clone())).await
    }

    async fn add_to(
        &self,
        name: &str,
        media_type: &str,
        path: &Path,
        dst: Option<Arc<dyn Storage>>,
    ) -> Result<Descriptor> {
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        let full = std::path::absolute(&full).unwrap_or(full);
        if self
            .names
            .lock()
            .expect("file store names")
            .contains_key(name)
        {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("{name}: duplicate name"),
            ));
        }
        let meta = fs::metadata(&full).map_err(|e| {
            Error::from_io(
                &e,
                format!(
                    "failed to stat {}: {}",
                    full.display(),
                    crate::error::io_reason(&e)
                ),
            )
        })?;
        let name_owned = name.to_string();
        let temp = self.temp.path().to_path_buf();
        let media_type = media_type.to_string();
        let mtime = self.options.source_date.map(SourceDate::unix_seconds);
        let record_mode = self.options.preserve_permissions;
        let (desc, file) = tokio::task::spawn_blocking(move || -> Result<(Descriptor, PathBuf)> {
            if meta.is_dir() {
                let gz = temp.join(format!("add-{}.tar.gz", crate::content::unique_suffix()));
                let offer: Option<Offer> = dst.map(|dst| {
                    let key = gz.clone();
                    Box::new(move || dst.stage_stream(&key)) as Offer
                });
                let (tar_digest, gz_digest, size) =
                    pack_directory(&full, &name_owned, &gz, mtime, offer)?;
                let mt = if media_type.is_empty() {
                    media_type::IMAGE_LAYER_GZIP
                } else {
                    &media_type
                };
                let mut d = Descriptor::new(mt, gz_digest, size);
                d.annotations
                    .insert(annotations::CONTENT_DIGEST.into(), tar_digest.to_string());
                d.annotations
                    .insert(annotations::CONTENT_UNPACK.into(), "true".into());
                Ok((d, gz))
            } else {
                let (digest, size) = hash_file(&full, oras_spec::Algorithm::Sha256)?;
                let mt = if media_type.is_empty() {
                    media_type::IMAGE_LAYER
                } else {
                    &media_type
                };
                let mut d = Descriptor::new(mt, digest, size);
                if record_mode {
                    d.annotations
                        .insert(annotations::FILE_MODE.into(), mode::record(&meta));
                }
                Ok((d, full))
            }
        })
        .await
        .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))??;
        let mut desc = desc;
        desc.annotations
            .insert(annotations::TITLE.into(), name.to_string());
        self.files
            .lock()
            .expect("file store files")
            .insert(desc.digest.clone(), file);
        self.names
            .lock()
            .expect("file store names")
            .insert(name.to_string(), desc.digest.clone());
        Ok(desc)
    }
}
