//! Pruning a cache to a size or an age: the least recently used files go first. Safe while
//! other processes use the cache: it runs under the layout lock (see
//! [`evict_locked`](crate::content::oci::evict::evict_locked)), never removes a partial file
//! a download is writing (those are locked), and a reader that finds a blob gone fetches it
//! from the origin again.

use std::path::Path;
use std::time::{Duration, SystemTime};

use oras_spec::Digest;

use super::scan::{Entry, EntryKind, scan};
use crate::content::oci::evict::evict_locked;
use crate::error::{IoContext, Result};

/// A private temp file of a download that was not written to for this long is stale (a
/// running download writes all the time; a stalled one gives up long before).
const PRIVATE_PARTIAL_STALE: Duration = Duration::from_secs(3600);

/// How much of the cache a prune keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PruneOptions {
    /// Remove the least recently used files until the cache holds at most this many bytes
    /// (0: remove everything that is not in use).
    pub max_size: Option<u64>,
    /// Remove the files that were not used for this long.
    pub max_age: Option<Duration>,
}

impl PruneOptions {
    /// Sets [`PruneOptions::max_size`].
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }

    /// Sets [`PruneOptions::max_age`].
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(age);
        self
    }
}

/// A blob a prune removed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrunedBlob {
    /// Its digest.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
    /// When it was last used.
    pub last_used: SystemTime,
}

/// What a prune removed and kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pruned {
    /// The removed blobs, least recently used first.
    pub removed: Vec<PrunedBlob>,
    /// Removed partial files (of interrupted downloads).
    pub removed_partials: u64,
    /// Bytes removed (blobs and partial files).
    pub removed_size: u64,
    /// Blobs kept.
    pub kept_blobs: u64,
    /// Bytes kept (blobs and partial files).
    pub kept_size: u64,
}

/// Removes from the cache at `root` what `opts` does not keep: files unused for longer than
/// the age, then the least recently used until the size fits. A missing directory, or one
/// with neither an `oci-layout` file nor blobs, is an empty cache (nothing is removed); one
/// with blobs must be an OCI layout. Blocking.
pub fn prune(root: &Path, opts: &PruneOptions) -> Result<Pruned> {
    if scan(root)?.is_none() {
        return Ok(Pruned::default());
    }
    evict_locked(root, || {
        let mut entries = scan(root)?.unwrap_or_default();
        entries.sort_by(|a, b| a.used.cmp(&b.used).then_with(|| a.path.cmp(&b.path)));
        prune_entries(entries, opts, SystemTime::now())
    })
}

/// Removes the entries `opts` does not keep (sorted least recently used first).
fn prune_entries(entries: Vec<Entry>, opts: &PruneOptions, now: SystemTime) -> Result<Pruned> {
    let cutoff = opts.max_age.and_then(|age| now.checked_sub(age));
    let mut total: u64 = entries.iter().map(|e| e.size).sum();
    let mut out = Pruned::default();
    for e in entries {
        let too_old = cutoff.is_some_and(|c| e.used < c);
        let too_big = opts.max_size.is_some_and(|max| total > max);
        if (too_old || too_big) && remove(&e, now)? {
            total -= e.size;
            out.removed_size += e.size;
            match e.kind {
                EntryKind::Blob(digest) => out.removed.push(PrunedBlob {
                    digest,
                    size: e.size,
                    last_used: e.used,
                }),
                EntryKind::Partial | EntryKind::PrivatePartial => out.removed_partials += 1,
            }
            continue;
        }
        if matches!(e.kind, EntryKind::Blob(_)) {
            out.kept_blobs += 1;
        }
    }
    out.kept_size = total;
    Ok(out)
}

/// Removes one file; `false` when it is in use (a partial being written).
fn remove(e: &Entry, now: SystemTime) -> Result<bool> {
    match e.kind {
        EntryKind::Blob(_) => {}
        EntryKind::Partial => return remove_unlocked_partial(&e.path),
        EntryKind::PrivatePartial => {
            let idle = now.duration_since(e.used).unwrap_or_default();
            if idle < PRIVATE_PARTIAL_STALE {
                return Ok(false);
            }
        }
    }
    match std::fs::remove_file(&e.path) {
        Ok(()) => Ok(true),
        // gone already: another prune took it
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(err) => Err(err).ctx(format!("failed to remove {}", e.path.display())),
    }
}

/// Removes a partial file unless a download holds its lock (the lock is held while the
/// partial is removed, so no download starts on it meanwhile).
fn remove_unlocked_partial(path: &Path) -> Result<bool> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(e).ctx(path.display()),
    };
    match file.try_lock() {
        Ok(()) if crate::content::partial::names_same_file(path, &file) => {}
        // renamed into place (finished) or replaced since it was listed
        Ok(()) => return Ok(false),
        Err(std::fs::TryLockError::WouldBlock) => return Ok(false),
        Err(std::fs::TryLockError::Error(e)) => return Err(e).ctx(path.display()),
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).ctx(path.display()),
        _ => Ok(true),
    }
}
