//! How much a cache directory holds.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::scan::{EntryKind, scan};
use crate::error::Result;

/// What a cache directory holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheInfo {
    /// The cache directory.
    pub path: PathBuf,
    /// Whether it exists yet (a cache is made by the first command that uses it).
    pub exists: bool,
    /// Complete blobs (manifests included).
    pub blobs: u64,
    /// Their bytes.
    pub size: u64,
    /// Partial files of downloads that are running or were interrupted.
    pub partials: u64,
    /// Their bytes.
    pub partial_size: u64,
    /// When the least recently used blob was last used (written or served).
    pub oldest_use: Option<SystemTime>,
    /// When the most recently used blob was last used.
    pub newest_use: Option<SystemTime>,
}

/// Counts the blobs and partial files of the cache at `root` (a missing directory, or one
/// with neither an `oci-layout` file nor blobs, is an empty cache; one with blobs must be an
/// OCI layout). Blocking.
pub fn info(root: &Path) -> Result<CacheInfo> {
    let mut out = CacheInfo {
        path: root.to_path_buf(),
        ..CacheInfo::default()
    };
    let Some(entries) = scan(root)? else {
        out.exists = root.is_dir();
        return Ok(out);
    };
    out.exists = true;
    for e in entries {
        match e.kind {
            EntryKind::Blob(_) => {
                out.blobs += 1;
                out.size += e.size;
                out.oldest_use = Some(out.oldest_use.map_or(e.used, |t| t.min(e.used)));
                out.newest_use = Some(out.newest_use.map_or(e.used, |t| t.max(e.used)));
            }
            EntryKind::Partial | EntryKind::PrivatePartial => {
                out.partials += 1;
                out.partial_size += e.size;
            }
        }
    }
    Ok(out)
}
