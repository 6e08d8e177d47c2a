//! A directory layer over a directory that exists (`pull -k`): the existing entries are
//! compared with the archive before anything is written, then only the missing ones are.
//!
//! The first pass reads the whole (verified, local) archive, hashes it against the layer's
//! `io.deis.oras.content.digest` and compares each entry with what is at its place on disk,
//! without following links and without writing: a directory must be a directory, a file a
//! regular file of the same bytes, a symbolic link a link with the same target text, a hard
//! link a file that is the same file as (or has the bytes of) its source. Modes and times are
//! not compared. A missing entry (or one below a missing directory) is fine. The first entry
//! that differs fails the pull as `<path>: overwrite disallowed`, with nothing written; so
//! does a digest that does not match. The second pass unpacks as a pull without `-k` does,
//! except that it leaves every place that is taken untouched.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use oras_spec::Digest;

use super::{Place, Unpacker, lstat, open_tar, unpack_with};
use crate::error::{Error, ErrorKind, IoContext, Result};

/// Unpacks the tar+gzip at `gz` into `target` as [`super::unpack_directory`] does, but keeps
/// what exists: when `target` is there, every existing entry must match the archive (else
/// `overwrite disallowed`, nothing written) and only the missing entries are written.
pub(in crate::content::file) fn unpack_directory_keeping(
    gz: &Path,
    target: &Path,
    name: &str,
    tar_digest: Option<&Digest>,
    allow_traversal: bool,
) -> Result<()> {
    match lstat(target)? {
        None => return unpack_with(gz, target, name, tar_digest, allow_traversal, false),
        Some(m) if !m.is_dir() || m.file_type().is_symlink() => {
            return Err(overwrite_disallowed(target));
        }
        Some(_) => {}
    }
    compare_directory(gz, target, name, tar_digest, allow_traversal)?;
    unpack_with(gz, target, name, None, allow_traversal, true)
}

/// The first pass: every entry compared with the disk, the archive's digest checked.
fn compare_directory(
    gz: &Path,
    target: &Path,
    name: &str,
    tar_digest: Option<&Digest>,
    allow_traversal: bool,
) -> Result<()> {
    let mut hashing = open_tar(gz, tar_digest)?;
    let mut unpacker = Unpacker::new(target, name, allow_traversal)?;
    unpacker.for_each_entry(&mut hashing, |u, entry, raw| u.compare_entry(entry, raw))?;
    hashing.check(tar_digest)
}

/// The error for an existing entry that is not the archive's.
fn overwrite_disallowed(path: &Path) -> Error {
    Error::new(
        ErrorKind::OverwriteDisallowed,
        format!("{}: overwrite disallowed", path.display()),
    )
}

impl Unpacker {
    /// Compares one entry with what is at its place; a missing place is fine.
    fn compare_entry(&self, entry: &mut tar::Entry<'_, impl Read>, raw: &Path) -> Result<()> {
        let kind = entry.header().entry_type();
        let link = match kind {
            tar::EntryType::Symlink | tar::EntryType::Link => entry
                .link_name()
                .map_err(|e| self.bad_archive(e, &None))?
                .map(|l| l.to_path_buf())
                .unwrap_or_default(),
            tar::EntryType::Directory | tar::EntryType::Regular | tar::EntryType::Continuous => {
                PathBuf::new()
            }
            // devices, fifos and the like are not unpacked, so not compared
            _ => return Ok(()),
        };
        let shown = raw.display().to_string();
        let place = self.locate(raw, &shown)?;
        let Some(dest) = self.existing(&place, &shown)? else {
            return Ok(());
        };
        let Some(meta) = lstat(&dest)? else {
            return Ok(());
        };
        let is_link = meta.file_type().is_symlink();
        let same = match kind {
            tar::EntryType::Directory => meta.is_dir() && !is_link,
            tar::EntryType::Symlink => is_link && fs::read_link(&dest).ok() == Some(link),
            tar::EntryType::Link => {
                meta.is_file() && !is_link && self.same_as_source(&link, &dest)?
            }
            _ => {
                meta.is_file()
                    && !is_link
                    && meta.len() == entry.size()
                    && self.same_bytes(entry, &dest)?
            }
        };
        if same {
            Ok(())
        } else {
            Err(overwrite_disallowed(&dest))
        }
    }

    /// The path of what is at `place` on disk; `None` when it, or a directory on the way, is
    /// missing. A link on the way is refused as the unpack refuses it (unless traversal is
    /// allowed), a file on the way is not the archive's.
    fn existing(&self, place: &Place, shown: &str) -> Result<Option<PathBuf>> {
        let rel = match place {
            Place::Inside(rel) if !self.allow_traversal => rel,
            Place::Inside(rel) => return present(self.dir.root().join(rel)),
            Place::Anywhere(full) => return present(full.clone()),
        };
        let mut cur = self.dir.root().to_path_buf();
        let parts: Vec<_> = rel.components().collect();
        for c in parts.iter().take(parts.len().saturating_sub(1)) {
            cur.push(c.as_os_str());
            match lstat(&cur)? {
                None => return Ok(None),
                Some(m) if m.file_type().is_symlink() => return Err(self.link_on_way(shown, &cur)),
                Some(m) if !m.is_dir() => return Err(overwrite_disallowed(&cur)),
                Some(_) => {}
            }
        }
        present(self.dir.root().join(rel))
    }

    /// Whether the regular file at `dest` holds exactly the entry's bytes (its size was
    /// checked).
    fn same_bytes(&self, entry: &mut impl Read, dest: &Path) -> Result<bool> {
        let mut file = open_no_follow(dest)?;
        let mut want = vec![0u8; 64 << 10];
        let mut have = vec![0u8; 64 << 10];
        loop {
            let n = read_full(entry, &mut want).map_err(|e| self.bad_archive(e, &None))?;
            let m = read_full(&mut file, &mut have[..n.max(1)]).ctx(dest.display())?;
            if n == 0 {
                return Ok(m == 0);
            }
            if m != n || want[..n] != have[..n] {
                return Ok(false);
            }
        }
    }

    /// Whether the file at `dest` is what the hard link entry to `link` makes: the same file
    /// as its source on disk, or one with the same bytes. A missing source cannot be
    /// compared: no.
    fn same_as_source(&self, link: &Path, dest: &Path) -> Result<bool> {
        let shown = link.display().to_string();
        let place = self.locate(link, &shown)?;
        let Some(source) = self.existing(&place, &shown)? else {
            return Ok(false);
        };
        let (Some(s), Some(d)) = (lstat(&source)?, lstat(dest)?) else {
            return Ok(false);
        };
        if !s.is_file() || s.file_type().is_symlink() {
            return Ok(false);
        }
        if s.dev() == d.dev() && s.ino() == d.ino() {
            return Ok(true);
        }
        if s.len() != d.len() {
            return Ok(false);
        }
        let mut source_file = open_no_follow(&source)?;
        self.same_bytes(&mut source_file, dest)
    }
}

/// `path` if something is there (not following a link at its end).
fn present(path: PathBuf) -> Result<Option<PathBuf>> {
    Ok(lstat(&path)?.map(|_| path))
}

/// Opens a file for reading without following a link at its end (and without blocking on a
/// fifo put there meanwhile).
fn open_no_follow(path: &Path) -> Result<fs::File> {
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ctx(path.display())
}

/// Reads until `buf` is full or the source ends; how many bytes it read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
