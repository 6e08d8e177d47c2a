//! Directory layers unpacked into the output directory.
//!
//! The layer is a tar+gzip whose entries are named `<title>/...`. Unless path traversal is
//! allowed, nothing outside `<output>/<title>` is ever created, changed, chmod-ed or re-timed:
//! - entry names are cleaned and must lie below the title;
//! - every directory on the way to an entry is looked at on disk before it is used, and a
//!   symbolic link there is refused (as oras does: "no symbolic link allowed between ...");
//! - the last component is never followed: an existing file or link there is removed and
//!   the entry created anew (so a hard link cannot carry later writes to another file), a
//!   directory entry that names a link is refused;
//! - a symbolic link's target is resolved against the disk, following existing links, and must
//!   stay inside; once every entry is written, each link created is resolved again (later
//!   entries may have changed what it leads to) and one that now leads out is removed and
//!   reported;
//! - a hard link must name a regular file inside, reached without links;
//! - modes and times are set through handles opened without following links; directory
//!   modes and times are applied at the end (creating children changes a directory's time).
//!
//! Regular files get their archived permission bits minus the umask, without set-user-ID and
//! set-group-ID; directories keep their archived mode plus owner access (so a second pull can
//! write into them).

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oras_spec::{Digest, Digester};

use super::confine::{Confined, lstat, normalize, stays_inside};
use super::mode::umask;
use crate::error::{Error, ErrorKind, IoContext, Result};

/// Unpacks the tar+gzip at `gz` into `target` (`<output>/<name>`; entries are named
/// `name/...`), checking the tar's digest when given. `allow_traversal` lifts the confinement
/// (`--allow-path-traversal`): entries and links are then written where they say.
pub(super) fn unpack_directory(
    gz: &Path,
    target: &Path,
    name: &str,
    tar_digest: Option<&Digest>,
    allow_traversal: bool,
) -> Result<()> {
    unpack_with(gz, target, name, tar_digest, allow_traversal, false)
}

/// [`unpack_directory`]; with `keep_existing`, an entry whose place on disk is taken is left
/// as it is (see [`keep::unpack_directory_keeping`]).
fn unpack_with(
    gz: &Path,
    target: &Path,
    name: &str,
    tar_digest: Option<&Digest>,
    allow_traversal: bool,
    keep_existing: bool,
) -> Result<()> {
    let mut hashing = open_tar(gz, tar_digest)?;
    let mut unpacker = Unpacker::new(target, name, allow_traversal)?;
    unpacker.keep_existing = keep_existing;
    let res = unpacker.run(&mut hashing);
    // Links are checked again even after a failure: what was written stays on disk.
    let links = unpacker.recheck_links();
    res?;
    links?;
    unpacker.finish_dirs();
    hashing.check(tar_digest)
}

/// The tar stream of the tar+gzip at `gz`, hashed as it is read with the algorithm of
/// `tar_digest` (sha256 without one).
fn open_tar(gz: &Path, tar_digest: Option<&Digest>) -> Result<HashingReader<TarGz>> {
    let file = fs::File::open(gz).ctx(gz.display())?;
    let alg = tar_digest
        .map(|d| d.algorithm())
        .unwrap_or(oras_spec::Algorithm::Sha256);
    Ok(HashingReader {
        inner: flate2::read::GzDecoder::new(io::BufReader::new(file)),
        digester: alg.digester(),
    })
}

/// The decompressed stream of a tar+gzip file.
type TarGz = flate2::read::GzDecoder<io::BufReader<fs::File>>;

/// A reader that hashes what passes through.
struct HashingReader<R> {
    inner: R,
    digester: Digester,
}

impl<R> HashingReader<R> {
    /// Fails unless what was read hashes to `want` (nothing to check without it).
    fn check(self, want: Option<&Digest>) -> Result<()> {
        let Some(want) = want else {
            return Ok(());
        };
        let got = self.digester.finish();
        if &got != want {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                format!("content digest mismatch: expected {want} but got {got}"),
            ));
        }
        Ok(())
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digester.update(&buf[..n]);
        Ok(n)
    }
}

/// Where an entry lands.
enum Place {
    /// Below the layer's directory (relative to it; empty for the directory itself).
    Inside(PathBuf),
    /// Anywhere (path traversal allowed).
    Anywhere(PathBuf),
}

/// A directory whose mode and time are applied once its children are written.
struct PendingDir {
    path: PathBuf,
    mode: u32,
    mtime: Option<SystemTime>,
}

/// The state of one unpack.
struct Unpacker {
    /// `<output>/<name>`: where entries land.
    dir: Confined,
    /// The title as given (for messages).
    name: String,
    /// The cleaned title: every entry name starts with it.
    prefix: PathBuf,
    /// Where names outside the prefix land when traversal is allowed.
    base: PathBuf,
    allow_traversal: bool,
    umask: u32,
    /// Symbolic links created (relative to `dir`), checked again at the end.
    links: Vec<PathBuf>,
    dirs: Vec<PendingDir>,
    /// Leave what exists at an entry's place untouched (`pull -k`): nothing is replaced,
    /// and existing directories keep their modes and times.
    keep_existing: bool,
}

impl Unpacker {
    fn new(target: &Path, name: &str, allow_traversal: bool) -> Result<Unpacker> {
        let prefix = normalize(Path::new(name.trim_end_matches('/')));
        let mut base = target.to_path_buf();
        for _ in prefix.components() {
            base.pop();
        }
        let unpacker = Unpacker {
            dir: Confined::new(target),
            name: name.to_string(),
            prefix,
            base,
            allow_traversal,
            umask: umask(),
            links: Vec::new(),
            dirs: Vec::new(),
            keep_existing: false,
        };
        if allow_traversal {
            fs::create_dir_all(target).ctx(format!("failed to create {}", target.display()))?;
        } else if target != unpacker.base {
            // the layer's own directory must not be a link (the output directory itself,
            // for a layer titled ".", is the caller's choice)
            unpacker
                .dir
                .ensure_real_dir(target, |p| unpacker.link_on_way(name, p))?;
        }
        Ok(unpacker)
    }

    /// Extracts every entry of the tar stream, then drains it (so the digest covers padding).
    fn run(&mut self, stream: &mut impl Read) -> Result<()> {
        self.for_each_entry(stream, |u, entry, raw| u.entry(entry, raw))
    }

    /// Hands every entry of the tar stream (with its raw name) to `each`, then drains the
    /// stream (so the digest covers padding).
    fn for_each_entry<R: Read>(
        &mut self,
        stream: &mut R,
        mut each: impl FnMut(&mut Self, &mut tar::Entry<'_, &mut R>, &Path) -> Result<()>,
    ) -> Result<()> {
        {
            let mut archive = tar::Archive::new(&mut *stream);
            let mut last: Option<(String, u64)> = None;
            let entries = archive.entries().map_err(|e| self.bad_archive(e, &last))?;
            for entry in entries {
                let mut entry = entry.map_err(|e| self.bad_archive(e, &last))?;
                let raw = entry
                    .path()
                    .map_err(|e| self.bad_archive(e, &last))?
                    .to_path_buf();
                last = Some((raw.display().to_string(), entry.size()));
                each(self, &mut entry, &raw)?;
            }
        }
        io::copy(stream, &mut io::sink()).map_err(|e| self.bad_archive(e, &None))?;
        Ok(())
    }

    /// Writes one entry.
    fn entry(&mut self, entry: &mut tar::Entry<'_, impl Read>, raw: &Path) -> Result<()> {
        let kind = entry.header().entry_type();
        let mode = entry.header().mode().unwrap_or(0o644) & 0o7777;
        let mtime = entry
            .header()
            .mtime()
            .ok()
            .and_then(|t| UNIX_EPOCH.checked_add(Duration::from_secs(t)));
        let shown = raw.display().to_string();
        let link = match kind {
            tar::EntryType::Symlink | tar::EntryType::Link => entry
                .link_name()
                .map_err(|e| self.bad_archive(e, &None))?
                .map(|l| l.to_path_buf())
                .unwrap_or_default(),
            _ => PathBuf::new(),
        };
        match kind {
            tar::EntryType::Directory => {
                let place = self.locate(raw, &shown)?;
                let dest = self.prepare(&place, &shown)?;
                let kept = self.kept(&dest)?;
                if self.allow_traversal {
                    fs::create_dir_all(&dest)
                        .ctx(format!("failed to create {}", dest.display()))?;
                } else {
                    self.dir
                        .ensure_real_dir(&dest, |p| self.link_on_way(&shown, p))?;
                }
                if !kept {
                    self.dirs.push(PendingDir {
                        path: dest,
                        mode: (mode & 0o1777) | 0o700,
                        mtime,
                    });
                }
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let place = self.locate(raw, &shown)?;
                let dest = self.prepare(&place, &shown)?;
                if self.kept(&dest)? {
                    return Ok(());
                }
                clear_for_new_entry(&dest)?;
                let mut f = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(mode & 0o777)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&dest)
                    .ctx(format!("failed to create {}", dest.display()))?;
                let declared = entry.size();
                let written = self.copy_entry(entry, &mut f, &dest)?;
                if written < declared {
                    return Err(self.invalid(format!(
                        "the archive ends inside entry {shown:?}, which declares {declared} bytes ({written} found)"
                    )));
                }
                f.set_permissions(fs::Permissions::from_mode(mode & 0o777 & !self.umask))
                    .ctx(dest.display())?;
                if let Some(t) = mtime {
                    let _ = f.set_modified(t);
                }
            }
            tar::EntryType::Symlink => {
                let place = self.locate(raw, &shown)?;
                if let Place::Inside(rel) = &place
                    && (rel.as_os_str().is_empty() || self.dir.resolve_link(rel, &link).is_none())
                {
                    return Err(self.link_out(&shown, &link));
                }
                let dest = self.prepare(&place, &shown)?;
                if self.kept(&dest)? {
                    return Ok(());
                }
                if let Place::Inside(rel) = &place {
                    self.links.push(rel.clone());
                }
                clear_for_new_entry(&dest)?;
                std::os::unix::fs::symlink(&link, &dest)
                    .ctx(format!("failed to create {}", dest.display()))?;
            }
            tar::EntryType::Link => {
                let place = self.locate(raw, &shown)?;
                let shown_link = link.display().to_string();
                let source = match self.locate(&link, &format!("{shown} -> {shown_link}"))? {
                    Place::Inside(rel) => self
                        .dir
                        .check_regular_file(&rel, |p| self.link_on_way(&shown_link, p))?,
                    Place::Anywhere(full) => full,
                };
                let dest = self.prepare(&place, &shown)?;
                if source == dest || self.kept(&dest)? {
                    return Ok(());
                }
                clear_for_new_entry(&dest)?;
                fs::hard_link(&source, &dest).ctx(format!(
                    "failed to link {} to {}",
                    dest.display(),
                    source.display()
                ))?;
            }
            // devices, fifos and the like are not unpacked (as oras)
            _ => {}
        }
        Ok(())
    }

    /// Whether the place `dest` is taken and is to be left as it is (`keep_existing`).
    fn kept(&self, dest: &Path) -> Result<bool> {
        Ok(self.keep_existing && lstat(dest)?.is_some())
    }

    /// Copies an entry's data into `f`: a read failure is the archive's, a write failure the
    /// file's. Returns the bytes written.
    fn copy_entry(&self, entry: &mut impl Read, f: &mut fs::File, dest: &Path) -> Result<u64> {
        use std::io::Write;
        let mut buf = vec![0u8; 64 << 10];
        let mut total = 0u64;
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.bad_archive(e, &None)),
            };
            f.write_all(&buf[..n])
                .ctx(format!("failed to write {}", dest.display()))?;
            total += n as u64;
        }
    }

    /// Where an archive name lands: inside the layer's directory (relative to it), or, with
    /// traversal allowed, anywhere. Refuses names outside unless traversal is allowed.
    fn locate(&self, raw: &Path, shown: &str) -> Result<Place> {
        let norm = normalize(raw);
        let rel = if raw.is_absolute() || !stays_inside(raw) {
            None
        } else {
            norm.strip_prefix(&self.prefix).ok().map(Path::to_path_buf)
        };
        match rel {
            Some(rel) => Ok(Place::Inside(rel)),
            None if self.allow_traversal && raw.is_absolute() => Ok(Place::Anywhere(norm)),
            None if self.allow_traversal => Ok(Place::Anywhere(self.base.join(&norm))),
            None => Err(Error::new(
                ErrorKind::PathTraversal,
                format!(
                    "{shown:?}: path traversal disallowed: it is outside of {:?}",
                    self.name
                ),
            )),
        }
    }

    /// Creates the parent directories of a place (refusing links on the way unless traversal
    /// is allowed); returns its full path.
    fn prepare(&self, place: &Place, shown: &str) -> Result<PathBuf> {
        match place {
            Place::Inside(rel) if rel.as_os_str().is_empty() => Ok(self.dir.root().to_path_buf()),
            Place::Inside(rel) if !self.allow_traversal => self
                .dir
                .prepare_parents(rel, |p| self.link_on_way(shown, p)),
            Place::Inside(rel) => self.make_parents(self.dir.root().join(rel)),
            Place::Anywhere(full) => self.make_parents(full.clone()),
        }
    }

    /// `create_dir_all` of the parent (traversal allowed: links are followed).
    fn make_parents(&self, full: PathBuf) -> Result<PathBuf> {
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).ctx(format!("failed to create {}", parent.display()))?;
        }
        Ok(full)
    }

    /// The error for a symbolic link met on the way to `what`.
    fn link_on_way(&self, what: &str, link: &Path) -> Error {
        Error::new(
            ErrorKind::PathTraversal,
            format!(
                "{what:?}: path traversal disallowed: no symbolic link allowed between {:?} and {what:?} ({} is a symbolic link)",
                self.name,
                link.display()
            ),
        )
    }

    /// The error for a link whose target leads out.
    fn link_out(&self, what: &str, link: &Path) -> Error {
        Error::new(
            ErrorKind::PathTraversal,
            format!(
                "\"{what} -> {}\": path traversal disallowed: the link leads outside of {:?}",
                link.display(),
                self.name
            ),
        )
    }

    /// An error of the archive itself (truncated, corrupt), said with the layer's name and the
    /// last entry read.
    fn bad_archive(&self, e: io::Error, last: &Option<(String, u64)>) -> Error {
        match last {
            Some((entry, size)) => self.invalid(format!(
                "{e} (after entry {entry:?}, which declares {size} bytes)"
            )),
            None => self.invalid(e.to_string()),
        }
    }

    /// A malformed archive.
    fn invalid(&self, detail: String) -> Error {
        Error::new(
            ErrorKind::InvalidInput,
            format!("{:?}: invalid directory archive: {detail}", self.name),
        )
    }

    /// Resolves every link created again, now that all entries are on disk; removes and
    /// reports those that lead out.
    fn recheck_links(&self) -> Result<()> {
        let mut bad = Vec::new();
        for rel in &self.links {
            let path = self.dir.root().join(rel);
            let Ok(Some(m)) = lstat(&path) else { continue };
            if !m.file_type().is_symlink() {
                continue;
            }
            let Ok(text) = fs::read_link(&path) else {
                continue;
            };
            if self.dir.resolve_link(rel, &text).is_none() {
                let _ = fs::remove_file(&path);
                bad.push((rel.clone(), text));
            }
        }
        match bad.first() {
            None => Ok(()),
            Some((rel, text)) => {
                let shown = self.prefix.join(rel).display().to_string();
                Err(self.link_out(&shown, text))
            }
        }
    }

    /// Applies directory modes and times, deepest first, through handles that do not follow
    /// links.
    fn finish_dirs(&mut self) {
        for d in self.dirs.drain(..).rev() {
            let Ok(f) = fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY)
                .open(&d.path)
            else {
                continue;
            };
            let _ = f.set_permissions(fs::Permissions::from_mode(d.mode));
            if let Some(t) = d.mtime {
                let _ = f.set_modified(t);
            }
        }
    }
}

/// Removes what sits where a new file, link or hard link goes (a file or a link, never
/// followed); a directory there is an error.
fn clear_for_new_entry(dest: &Path) -> Result<()> {
    match lstat(dest)? {
        Some(m) if m.is_dir() => Err(Error::new(
            ErrorKind::Conflict,
            format!("{}: is a directory", dest.display()),
        )),
        Some(_) => fs::remove_file(dest).ctx(format!("failed to replace {}", dest.display())),
        None => Ok(()),
    }
}

pub(super) mod keep;
#[cfg(test)]
mod proptests;
