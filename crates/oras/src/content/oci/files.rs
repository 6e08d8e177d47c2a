//! The layout's files: bounded reads, its `oci-layout` file, the lock, atomic writes and
//! tar archives read in place.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use crate::error::{Error, IoContext, Result};

use super::{LAYOUT_FILE, invalid_layout};

pub(super) fn validate_layout_file(raw: &[u8]) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct LayoutFile {
        #[serde(rename = "imageLayoutVersion")]
        version: String,
    }
    let f: LayoutFile = serde_json::from_slice(raw)
        .map_err(|e| invalid_layout(format!("failed to decode oci-layout: {e}")))?;
    if f.version != "1.0.0" {
        return Err(Error::unsupported(format!(
            "unsupported OCI image layout version {:?}",
            f.version
        )));
    }
    Ok(())
}

/// Runs `f` holding an exclusive lock on the layout's `oci-layout` file.
pub(super) fn with_lock<T>(root: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let lock_path = root.join(LAYOUT_FILE);
    let file = fs::File::open(&lock_path).ctx(lock_path.display())?;
    file.lock()
        .ctx(format!("failed to lock {}", lock_path.display()))?;
    let out = f();
    let _ = file.unlock();
    out
}

/// Writes `root/name` atomically: a temp file in the same directory, then rename.
pub(super) fn write_atomic(root: &Path, name: &str, data: &[u8]) -> Result<()> {
    let tmp = root.join(format!(".{name}.{}.tmp", crate::content::unique_suffix()));
    let res = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut f, data)?;
        f.sync_data()?;
        fs::rename(&tmp, root.join(name))
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res.ctx(format!("failed to write {}", root.join(name).display()))
}

/// Opens a blob file for reading; a named pipe or device in its place (a hostile layout)
/// fails instead of blocking the read forever.
pub(super) async fn open_blob(path: &Path) -> std::io::Result<tokio::fs::File> {
    let f = tokio::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .await?;
    if !f.metadata().await?.is_file() {
        return Err(std::io::Error::other(format!(
            "{}: not a regular file",
            path.display()
        )));
    }
    Ok(f)
}

pub(super) fn scan_tar(path: &Path) -> Result<HashMap<String, (u64, u64)>> {
    let not_tar = |e: &dyn std::fmt::Display| {
        Error::invalid(format!(
            "{:?} does not look like a tar archive: {e}",
            path.display().to_string()
        ))
    };
    let file = fs::File::open(path).ctx(path.display())?;
    let mut archive = tar::Archive::new(file);
    let mut entries = HashMap::new();
    for entry in archive.entries_with_seek().map_err(|e| not_tar(&e))? {
        let entry = entry.map_err(|e| not_tar(&e))?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = entry
            .path()
            .map_err(|e| not_tar(&e))?
            .to_string_lossy()
            .into_owned();
        let name = name.trim_start_matches("./").to_string();
        entries.insert(name, (entry.raw_file_position(), entry.size()));
    }
    // an archive without files is a tar, just not of a layout (its `oci-layout` is missing)
    Ok(entries)
}
