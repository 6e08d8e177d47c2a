//! Keeping the files a pull finds already written ([`FileStoreOptions::keep_existing`],
//! `pull -k`): a file at a layer's place with the layer's size and digest is recorded as
//! written instead of being fetched again or refused.

use std::fs;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use oras_spec::Descriptor;

use super::{FileStore, confine, is_unpacked};
use crate::content::verify::read_matches;
use crate::error::{Error, ErrorKind, IoContext, Result};

impl FileStore {
    /// Whether existing content is kept rather than refused.
    pub(super) fn keeps_existing(&self) -> bool {
        self.options.disable_overwrite && self.options.keep_existing
    }

    /// Whether a title was found on disk with its content and kept (not written).
    pub fn is_kept(&self, name: &str) -> bool {
        self.kept.lock().expect("file store kept").contains(name)
    }

    /// When existing content is kept and the file `desc` names (not a directory layer) is
    /// already at its place with the layer's size and digest: records it as written under
    /// `name` and returns true. A title that cannot be written, a missing file or one of
    /// other content: false (the write that follows refuses or writes it).
    pub(super) async fn keep_if_present(&self, desc: &Descriptor, name: &str) -> Result<bool> {
        if !self.keeps_existing() || is_unpacked(desc) {
            return Ok(false);
        }
        let Ok(target) = self.target_path(name) else {
            return Ok(false);
        };
        let target = confine::normalize(&target);
        let (path, expected) = (target.clone(), desc.clone());
        let same = tokio::task::spawn_blocking(move || holds(&path, &expected))
            .await
            .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))??;
        if !same {
            return Ok(false);
        }
        self.claim(name, &desc.digest)?;
        self.files
            .lock()
            .expect("file store files")
            .insert(desc.digest.clone(), target.clone());
        self.written
            .lock()
            .expect("file store written")
            .insert(desc.digest.clone(), target);
        self.names
            .lock()
            .expect("file store names")
            .insert(name.to_string(), desc.digest.clone());
        self.kept
            .lock()
            .expect("file store kept")
            .insert(name.to_string());
        Ok(true)
    }
}

/// Whether `path` is a regular file (not a link) with the size and digest of `desc`
/// (blocking I/O).
fn holds(path: &Path, desc: &Descriptor) -> Result<bool> {
    match confine::lstat(path)? {
        Some(m) if m.is_file() && m.len() == desc.size => {}
        _ => return Ok(false),
    }
    let mut file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ctx(format!("failed to read {}", path.display()))?;
    if !file.metadata().ctx(path.display())?.is_file() {
        return Ok(false);
    }
    read_matches(&mut file, desc).ctx(format!("failed to read {}", path.display()))
}
