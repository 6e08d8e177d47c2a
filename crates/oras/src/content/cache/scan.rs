//! What a cache directory holds: its blobs (`blobs/<alg>/<hex>`) and the partial files of
//! unfinished downloads (`ingest/`), each with its size and when it was last used (the file's
//! modification time: set when the blob is written and again each time the cache serves it).
//! Files of other names are not the cache's and are never listed (nor removed).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use oras_spec::Digest;

use crate::content::oci::evict::{check_layout_dir, has_layout_file};
use crate::error::{Error, IoContext, Result};

/// What a file of the cache is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A complete, verified blob.
    Blob(Digest),
    /// The partial file of an interrupted or running download (locked while written).
    Partial,
    /// A download's private temp file (`….partial.<pid>`, written when the partial was
    /// locked by another process); never locked, so only old ones are taken for stale.
    PrivatePartial,
}

/// One file of the cache.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub path: PathBuf,
    pub size: u64,
    /// Last write or use.
    pub used: SystemTime,
    pub kind: EntryKind,
}

/// The files of the cache at `root`; `None` when there is no cache yet: no directory, or
/// one without an `oci-layout` file and without blobs (empty, or being made by a command
/// that just started). A directory with blobs must be an OCI layout. Blocking.
pub(crate) fn scan(root: &Path) -> Result<Option<Vec<Entry>>> {
    if !root.try_exists().ctx(root.display())? {
        return Ok(None);
    }
    if !has_layout_file(root)? && blobs(root)?.is_empty() {
        return Ok(None);
    }
    check_layout_dir(root)?;
    let mut entries = blobs(root)?;
    for (path, name) in files(&root.join("ingest"))? {
        if let Some(kind) = partial_kind(&name) {
            push_entry(&mut entries, path, kind)?;
        }
    }
    Ok(Some(entries))
}

/// The blob files under `blobs/<alg>/`.
fn blobs(root: &Path) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for alg_dir in subdirs(&root.join("blobs"))? {
        let alg = alg_dir.file_name().unwrap_or_default().to_string_lossy();
        for (path, name) in files(&alg_dir)? {
            if let Ok(digest) = Digest::parse(&format!("{alg}:{name}")) {
                push_entry(&mut entries, path, EntryKind::Blob(digest))?;
            }
        }
    }
    Ok(entries)
}

/// `<alg>-<hex>.partial` is a partial, `<alg>-<hex>.partial.<pid>` a private one.
fn partial_kind(name: &str) -> Option<EntryKind> {
    let (stem, kind) = match name.rsplit_once(".partial") {
        Some((stem, "")) => (stem, EntryKind::Partial),
        Some((stem, pid))
            if pid.len() > 1
                && pid.starts_with('.')
                && pid[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (stem, EntryKind::PrivatePartial)
        }
        _ => return None,
    };
    let (alg, hex) = stem.split_once('-')?;
    Digest::parse(&format!("{alg}:{hex}")).ok().map(|_| kind)
}

/// Adds the regular file at `path` (one that vanished meanwhile, or a link, is left out).
fn push_entry(entries: &mut Vec<Entry>, path: PathBuf, kind: EntryKind) -> Result<()> {
    let meta = match fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).ctx(path.display()),
    };
    if !meta.is_file() {
        return Ok(());
    }
    entries.push(Entry {
        size: meta.len(),
        used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        path,
        kind,
    });
    Ok(())
}

/// The directories (not links) in `dir`; none when it does not exist.
fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(list(dir)?
        .into_iter()
        .filter(|(_, t)| t.is_dir())
        .map(|(e, _)| e.path())
        .collect())
}

/// The regular files in `dir` with their names (UTF-8 names only: blob and partial names
/// are); none when it does not exist.
fn files(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    Ok(list(dir)?
        .into_iter()
        .filter(|(_, t)| t.is_file())
        .filter_map(|(e, _)| Some((e.path(), e.file_name().into_string().ok()?)))
        .collect())
}

/// The entries of `dir` with their types; none when it does not exist. A link in place of
/// `dir` is refused: what it points to is not the cache's, and nothing is listed (nor removed)
/// through it.
fn list(dir: &Path) -> Result<Vec<(fs::DirEntry, fs::FileType)>> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).ctx(dir.display()),
        Ok(m) if m.file_type().is_symlink() => {
            return Err(Error::invalid(format!(
                "{}: a symbolic link in the cache directory: nothing is listed or removed through it",
                dir.display()
            )));
        }
        Ok(_) => {}
    }
    let it = match fs::read_dir(dir) {
        Ok(it) => it,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).ctx(dir.display()),
    };
    let mut out = Vec::new();
    for entry in it {
        let entry = entry.ctx(dir.display())?;
        let kind = entry.file_type().ctx(entry.path().display())?;
        out.push((entry, kind));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{EntryKind, partial_kind};

    #[test]
    fn partial_names_are_told_apart() {
        let hex = "a".repeat(64);
        assert_eq!(
            partial_kind(&format!("sha256-{hex}.partial")),
            Some(EntryKind::Partial)
        );
        assert_eq!(
            partial_kind(&format!("sha256-{hex}.partial.4242")),
            Some(EntryKind::PrivatePartial)
        );
        assert_eq!(partial_kind(&format!("sha256-{hex}.partial.x")), None);
        assert_eq!(partial_kind(&format!("sha256-{hex}.partial.")), None);
        assert_eq!(partial_kind("sha256-zz.partial"), None);
        assert_eq!(partial_kind("notes.txt"), None);
    }
}
