//! Looking after a read-through cache directory (`ORAS_CACHE` in the CLI): how much it holds,
//! and pruning it to a size or an age. See [`crate::content::cache`].

use std::path::{Path, PathBuf};

use crate::content::cache::{self, CacheInfo, PruneOptions, Pruned};
use crate::error::{Error, ErrorKind, Result};

/// Counts the blobs and partial downloads of the cache at `root`.
pub async fn cache_info(root: &Path) -> Result<CacheInfo> {
    let root = root.to_path_buf();
    blocking(move || cache::info(&root)).await
}

/// Removes from the cache at `root` what is older than [`PruneOptions::max_age`], then the
/// least recently used until it holds at most [`PruneOptions::max_size`] bytes. Other
/// processes may use the cache meanwhile.
pub async fn cache_prune(root: &Path, opts: &PruneOptions) -> Result<Pruned> {
    let root: PathBuf = root.to_path_buf();
    let opts = opts.clone();
    blocking(move || cache::prune(&root, &opts)).await
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?
}
