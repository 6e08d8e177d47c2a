//! Partial blob files that survive an interrupted process, so a re-run continues where the
//! last one stopped. A partial is written under an exclusive lock (two processes never append
//! to the same one), verified as a whole (the kept prefix is re-hashed), and renamed into
//! place only when size and digest match. Content that fails verification is deleted; a
//! network failure or a kill leaves the partial for the next run. Blobs are not fsynced (a
//! blob damaged by a power loss fails verification wherever it is read next); `index.json` is.

use std::path::{Path, PathBuf};

use oras_spec::Descriptor;

use crate::content::BlobSource;
use crate::content::verify::{hash_prefix, write_verified_file};
use crate::error::{Error, ErrorKind, Result};

/// Bytes a partial at `path` already holds for `desc` (0 if none or unusable).
pub async fn resume_point(path: &Path, desc: &Descriptor) -> u64 {
    match tokio::fs::metadata(path).await {
        Ok(m) if m.is_file() && m.len() < desc.size => m.len(),
        _ => 0,
    }
}

/// Writes `content` (the blob from byte `offset` on) into the partial at `path`, verifies the
/// whole blob, and renames it to `dest`. With `offset` 0 any old partial is replaced. When the
/// partial is locked by another process, a private temp file next to it is used instead.
pub async fn complete(
    path: &Path,
    dest: &Path,
    expected: &Descriptor,
    content: BlobSource,
    offset: u64,
) -> Result<()> {
    complete_with_mode(path, dest, expected, content, offset, None).await
}

/// [`complete`], and with `mode` the verified file gets those permission bits before it is
/// renamed to `dest`: set through the handle the content was written with, so no link and no
/// other file is ever changed.
pub async fn complete_with_mode(
    path: &Path,
    dest: &Path,
    expected: &Descriptor,
    content: BlobSource,
    offset: u64,
    mode: Option<u32>,
) -> Result<()> {
    let wanted = offset;
    let (file, path, offset) = open_locked(path, dest, offset).await?;
    if offset != wanted {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(Error::new(
            ErrorKind::Io,
            format!("{}: another process is writing this blob", dest.display()),
        ));
    }
    let (digester, offset) = if offset > 0 {
        match hash_prefix(&path, expected).await? {
            Some((d, len)) if len == offset => (d, offset),
            _ => {
                return Err(Error::new(
                    ErrorKind::Io,
                    format!(
                        "{}: the partial file changed while resuming",
                        path.display()
                    ),
                ));
            }
        }
    } else {
        (expected.digest.algorithm().digester(), 0)
    };
    let res = async {
        write_verified_file(content, expected, file.try_clone()?, dest, digester, offset).await?;
        Ok::<(), Error>(())
    }
    .await;
    // the lock is held through `file` until it is dropped after the rename
    let writer = file;
    let res = match (res, mode) {
        (Ok(()), Some(mode)) => {
            use std::os::unix::fs::PermissionsExt;
            writer
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(|e| {
                    Error::from(e).context(format!("failed to set the mode of {}", dest.display()))
                })
        }
        (res, _) => res,
    };
    match res {
        Ok(()) => {
            if let Err(e) = tokio::fs::rename(&path, dest).await {
                // the content is complete and verified: a re-run would fail the same way
                let _ = tokio::fs::remove_file(&path).await;
                return Err(Error::from(e).context(format!("failed to write {}", dest.display())));
            }
            drop(writer);
            Ok(())
        }
        Err(e) => {
            // Only a source that broke off (the network) is worth continuing from; content
            // that failed verification, or a local failure (a full disk), is removed so it
            // does not stay behind holding the space.
            if e.kind() != ErrorKind::Network {
                let _ = tokio::fs::remove_file(&path).await;
            }
            Err(e)
        }
    }
}

/// Opens (creating) the partial and locks it; truncates it when starting over. Falls back to a
/// unique file when another process holds the lock (then nothing is resumed). A link in the
/// partial's place is never followed: it is removed. Errors name `dest`, the file being made.
async fn open_locked(
    path: &Path,
    dest: &Path,
    offset: u64,
) -> Result<(std::fs::File, PathBuf, u64)> {
    let path = path.to_path_buf();
    let dest = dest.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<(std::fs::File, PathBuf, u64)> {
        use std::fs::{OpenOptions, TryLockError};
        use std::os::unix::fs::OpenOptionsExt;
        let open = |p: &Path| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .custom_flags(libc::O_NOFOLLOW)
                .open(p)
        };
        let failed = |e: std::io::Error| {
            Error::from(e).context(format!("failed to create file {}", dest.display()))
        };
        // A handle opened just before another process renamed the finished partial into
        // place would lock (and truncate) the committed blob: the lock counts only while the
        // path still names the locked file, else the path is opened again.
        let mut attempts = 0;
        let locked = loop {
            let file = match open(&path) {
                Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                    std::fs::remove_file(&path).map_err(failed)?;
                    open(&path).map_err(failed)?
                }
                other => other.map_err(failed)?,
            };
            let lock = match file.try_lock() {
                Ok(()) if names_same_file(&path, &file) => Ok(()),
                Ok(()) if attempts < 8 => {
                    attempts += 1;
                    continue;
                }
                // still renamed away each time: write a private file instead
                Ok(()) => Err(TryLockError::WouldBlock),
                Err(e) => Err(e),
            };
            break (file, lock);
        };
        let (file, lock) = locked;
        match lock {
            Ok(()) => {
                // truncating a file (even an empty one) makes ext4 write it back when it is
                // closed, in the caller's time: only a stale partial is truncated
                if offset == 0 && file.metadata()?.len() > 0 {
                    file.set_len(0)?;
                }
                Ok((file, path, offset))
            }
            Err(TryLockError::WouldBlock) => {
                let mut other = path.clone().into_os_string();
                other.push(format!(".{}", std::process::id()));
                let other = PathBuf::from(other);
                let f = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&other)
                    .map_err(failed)?;
                Ok((f, other, 0))
            }
            Err(TryLockError::Error(e)) => Err(failed(e)),
        }
    })
    .await
    .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?
}

/// Whether `path` still names the open `file` (same device and inode).
pub(crate) fn names_same_file(path: &Path, file: &std::fs::File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::symlink_metadata(path), file.metadata()) {
        (Ok(p), Ok(f)) => p.dev() == f.dev() && p.ino() == f.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_handle_no_longer_named_by_its_path_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.partial");
        std::fs::write(&p, b"done").unwrap();
        let stale = std::fs::File::open(&p).unwrap();
        assert!(super::names_same_file(&p, &stale));
        std::fs::rename(&p, dir.path().join("blob")).unwrap();
        assert!(!super::names_same_file(&p, &stale), "renamed away");
        std::fs::write(&p, b"new").unwrap();
        assert!(
            !super::names_same_file(&p, &stale),
            "a new file at the path"
        );
    }
}
