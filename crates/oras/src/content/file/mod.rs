//! File store: local files and directories as named blobs (what `push` reads and `pull` writes).
//!
//! Named content is addressed by its `org.opencontainers.image.title`. Directories are packed as
//! tar+gzip with `io.deis.oras.content.digest` (sha256 of the tar) and
//! `io.deis.oras.content.unpack: "true"`, and unpacked on pull after checking that digest.
//! Unnamed content (manifests, configs) lives in a small in-memory fallback store.
//! Writes go to a temp file beside the target and are renamed into place only when verified;
//! nothing is written outside the root unless path traversal is explicitly allowed.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use oras_spec::{Descriptor, Digest, Digester, annotations, media_type};

use crate::content::memory::MemoryStore;
use crate::content::partial;
use crate::content::verify::{hash_file, write_verified_file};
use crate::content::{BlobReader, BlobSource, ReadOnlyStorage, Storage, successors_of};
use crate::error::{Error, ErrorKind, IoContext, Result};

/// Limit of the in-memory store for unnamed content.
pub const FALLBACK_LIMIT: u64 = 4 << 20;

/// How pulled files are written.
#[derive(Debug, Clone, Default)]
pub struct FileStoreOptions {
    /// Allow titles that resolve outside the root (absolute or `..`).
    pub allow_path_traversal: bool,
    /// Refuse to overwrite existing files.
    pub disable_overwrite: bool,
}

/// A store over a working directory.
pub struct FileStore {
    root: PathBuf,
    options: FileStoreOptions,
    fallback: MemoryStore,
    /// digest → file holding that content (added files, packed directories, written files).
    files: Mutex<HashMap<Digest, PathBuf>>,
    /// titles written (or added) in this session.
    names: Mutex<HashMap<String, Digest>>,
    /// digest → file written by a push (pull side); the source for restoring duplicates.
    written: Mutex<HashMap<Digest, PathBuf>>,
    temp: tempfile::TempDir,
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() && path.is_absolute() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether `rel` stays inside its base once `.` and `..` are resolved lexically.
fn stays_inside(rel: &Path) -> bool {
    if rel.is_absolute() {
        return false;
    }
    let mut depth: i64 = 0;
    for c in rel.components() {
        match c {
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    true
}

/// Fails if any existing ancestor of `target` below `root` is a symlink (it could point out).
fn check_no_symlink_ancestor(root: &Path, rel: &Path) -> Result<()> {
    let mut cur = root.to_path_buf();
    let comps: Vec<_> = rel.components().collect();
    for c in comps.iter().take(comps.len().saturating_sub(1)) {
        cur.push(c.as_os_str());
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::new(
                    ErrorKind::PathTraversal,
                    format!(
                        "{:?}: path traversal disallowed: {} is a symbolic link",
                        rel.display().to_string(),
                        cur.display()
                    ),
                ));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

impl FileStore {
    /// A store rooted at `root` (the working directory for push, the output directory for pull).
    pub fn new(root: impl AsRef<Path>, options: FileStoreOptions) -> Result<FileStore> {
        Ok(FileStore {
            root: root.as_ref().to_path_buf(),
            options,
            fallback: MemoryStore::with_limit(FALLBACK_LIMIT),
            files: Mutex::default(),
            names: Mutex::default(),
            written: Mutex::default(),
            temp: tempfile::Builder::new().prefix("oras-").tempdir()?,
        })
    }

    /// The in-memory store for unnamed content (packed manifests and configs go here).
    pub fn fallback(&self) -> &MemoryStore {
        &self.fallback
    }

    /// Adds the file or directory at `path` under `name`; returns its descriptor.
    /// An empty media type picks the default (tar for files, tar+gzip for directories).
    pub async fn add(&self, name: &str, media_type: &str, path: &Path) -> Result<Descriptor> {
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        let full = std::path::absolute(&full).unwrap_or(full);
        {
            let names = self.names.lock().expect("file store names");
            if names.contains_key(name) {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    format!("{name}: duplicate name"),
                ));
            }
        }
        let meta = fs::metadata(&full).map_err(|e| {
            let abs = std::path::absolute(&full).unwrap_or(full.clone());
            Error::from(e).context(format!("failed to stat {}", abs.display()))
        })?;
        let name_owned = name.to_string();
        let temp = self.temp.path().to_path_buf();
        let media_type = media_type.to_string();
        let (desc, file) = tokio::task::spawn_blocking(move || -> Result<(Descriptor, PathBuf)> {
            if meta.is_dir() {
                let gz = temp.join(format!("add-{}.tar.gz", super::unique_suffix()));
                let (tar_digest, gz_digest, size) = pack_directory(&full, &name_owned, &gz)?;
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
                Ok((Descriptor::new(mt, digest, size), full))
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

    /// Resolves where a title is written, enforcing the path-traversal rules.
    fn target_path(&self, name: &str) -> Result<PathBuf> {
        let rel = Path::new(name);
        if !self.options.allow_path_traversal {
            if !stays_inside(rel) {
                return Err(Error::new(
                    ErrorKind::PathTraversal,
                    format!("{name:?}: path traversal disallowed"),
                ));
            }
            check_no_symlink_ancestor(&self.root, &normalize(rel))?;
        }
        Ok(if rel.is_absolute() {
            rel.to_path_buf()
        } else {
            self.root.join(rel)
        })
    }

    /// Where a pulled file is staged until verified (kept for resuming when interrupted).
    fn partial_path(target: &Path, expected: &Descriptor) -> PathBuf {
        let parent = target.parent().map(Path::to_path_buf).unwrap_or_default();
        parent.join(format!(".oras-{}.partial", expected.digest.hex()))
    }

    /// Where a titled, not-unpacked blob would be staged, if its title is acceptable.
    fn resumable_partial(&self, desc: &Descriptor) -> Option<PathBuf> {
        let name = desc.title()?;
        if desc
            .annotations
            .get(annotations::CONTENT_UNPACK)
            .is_some_and(|v| v == "true")
        {
            return None;
        }
        let target = self.target_path(name).ok()?;
        Some(Self::partial_path(&target, desc))
    }

    async fn write_named(
        &self,
        expected: &Descriptor,
        name: &str,
        content: BlobSource,
    ) -> Result<()> {
        self.write_named_at(expected, name, content, 0).await
    }

    async fn write_named_at(
        &self,
        expected: &Descriptor,
        name: &str,
        content: BlobSource,
        offset: u64,
    ) -> Result<()> {
        let target = self.target_path(name)?;
        if self.options.disable_overwrite && fs::symlink_metadata(&target).is_ok() {
            return Err(Error::new(
                ErrorKind::OverwriteDisallowed,
                format!("{}: overwrite disallowed", target.display()),
            ));
        }
        let unpack = expected
            .annotations
            .get(annotations::CONTENT_UNPACK)
            .is_some_and(|v| v == "true");
        let parent = target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        tokio::fs::create_dir_all(&parent)
            .await
            .ctx(format!("failed to create {}", parent.display()))?;
        if unpack {
            let gz = self
                .temp
                .path()
                .join(format!("pull-{}.tar.gz", expected.digest.hex()));
            write_verified(content, expected, &gz).await?;
            let tar_digest = expected
                .annotations
                .get(annotations::CONTENT_DIGEST)
                .map(|d| {
                    Digest::parse(d).map_err(|e| {
                        Error::invalid(format!("invalid {}: {e}", annotations::CONTENT_DIGEST))
                    })
                })
                .transpose()?;
            let name = name.to_string();
            let allow = self.options.allow_path_traversal;
            let gz2 = gz.clone();
            let target2 = target.clone();
            tokio::task::spawn_blocking(move || {
                unpack_directory(&gz2, &target2, &name, tar_digest.as_ref(), allow)
            })
            .await
            .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))??;
            self.files
                .lock()
                .expect("file store files")
                .insert(expected.digest.clone(), gz.clone());
            self.written
                .lock()
                .expect("file store written")
                .insert(expected.digest.clone(), gz);
        } else {
            if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    format!("{}: is a directory", target.display()),
                ));
            }
            partial::complete(
                &Self::partial_path(&target, expected),
                &target,
                expected,
                content,
                offset,
            )
            .await?;
            self.files
                .lock()
                .expect("file store files")
                .insert(expected.digest.clone(), target.clone());
            self.written
                .lock()
                .expect("file store written")
                .insert(expected.digest.clone(), target);
        }
        self.names
            .lock()
            .expect("file store names")
            .insert(name.to_string(), expected.digest.clone());
        Ok(())
    }

    /// Writes named successors of a manifest that share content with an already written file.
    async fn restore_duplicates(&self, manifest: &Descriptor) -> Result<()> {
        let Some(bytes) = self.fallback.get(manifest) else {
            return Ok(());
        };
        for s in successors_of(manifest, &bytes).unwrap_or_default() {
            let Some(name) = s.title() else { continue };
            if self
                .names
                .lock()
                .expect("file store names")
                .contains_key(name)
            {
                continue;
            }
            let Some(path) = self
                .written
                .lock()
                .expect("file store written")
                .get(&s.digest)
                .cloned()
            else {
                continue;
            };
            let file = tokio::fs::File::open(&path).await?;
            self.write_named(&s, name, BlobSource::Reader(Box::pin(file)))
                .await?;
        }
        Ok(())
    }

    /// The file holding the blob `digest`, if this store added or wrote it.
    fn stored_path(&self, digest: &Digest) -> Option<PathBuf> {
        self.files
            .lock()
            .expect("file store files")
            .get(digest)
            .cloned()
    }

    /// Whether a title has been written (or added) in this session.
    pub fn has_name(&self, name: &str) -> bool {
        self.names
            .lock()
            .expect("file store names")
            .contains_key(name)
    }
}

/// Streams `content` into a new file at `path` (mode 0666 minus umask), verified.
async fn write_verified(content: BlobSource, expected: &Descriptor, path: &Path) -> Result<()> {
    let std_file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o666)
        .open(path)
        .ctx(path.display())?;
    let digester = expected.digest.algorithm().digester();
    write_verified_file(content.into_reader(), expected, std_file, digester, 0).await?;
    Ok(())
}

/// A writer that hashes and counts what passes through.
struct HashingWriter<W> {
    inner: W,
    digester: Digester,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digester.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Packs `dir` as a tar (entries prefixed with `name`) compressed with gzip into `out`.
/// Returns (tar digest, gzip digest, gzip size).
fn pack_directory(dir: &Path, name: &str, out: &Path) -> Result<(Digest, Digest, u64)> {
    let file = fs::File::create(out).ctx(out.display())?;
    let gz_hash = HashingWriter {
        inner: io::BufWriter::new(file),
        digester: oras_spec::Algorithm::Sha256.digester(),
        written: 0,
    };
    let gz = flate2::write::GzEncoder::new(gz_hash, flate2::Compression::default());
    let tar_hash = HashingWriter {
        inner: gz,
        digester: oras_spec::Algorithm::Sha256.digester(),
        written: 0,
    };
    let mut builder = tar::Builder::new(tar_hash);
    builder.follow_symlinks(false);
    let prefix = Path::new(name.trim_end_matches('/'));
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir yields children of its root");
        let tar_name = if rel.as_os_str().is_empty() {
            prefix.to_path_buf()
        } else {
            prefix.join(rel)
        };
        let meta = entry.path().symlink_metadata()?;
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("")?;
        header.set_groupname("")?;
        let ft = meta.file_type();
        if ft.is_dir() {
            header.set_size(0);
            builder.append_data(&mut header, format!("{}/", tar_name.display()), io::empty())?;
        } else if ft.is_symlink() {
            let target = fs::read_link(entry.path())?;
            header.set_size(0);
            builder.append_link(&mut header, &tar_name, target)?;
        } else if ft.is_file() {
            let f = fs::File::open(entry.path()).ctx(entry.path().display())?;
            header.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut header, &tar_name, f)?;
        }
    }
    let tar_hash = builder.into_inner()?;
    let tar_digest = tar_hash.digester.finish();
    let gz_hash = tar_hash.inner.finish()?;
    let mut w = gz_hash.inner;
    w.flush()?;
    Ok((tar_digest, gz_hash.digester.finish(), gz_hash.written))
}

/// A reader that hashes what passes through.
struct HashingReader<R> {
    inner: R,
    digester: Digester,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digester.update(&buf[..n]);
        Ok(n)
    }
}

/// Unpacks the tar+gzip at `gz` into `target` (entries are named `name/...`), refusing entries
/// and links that would land outside `target` unless `allow_traversal`; checks the tar digest.
fn unpack_directory(
    gz: &Path,
    target: &Path,
    name: &str,
    tar_digest: Option<&Digest>,
    allow_traversal: bool,
) -> Result<()> {
    let file = fs::File::open(gz).ctx(gz.display())?;
    let decoder = flate2::read::GzDecoder::new(io::BufReader::new(file));
    let alg = tar_digest
        .map(|d| d.algorithm())
        .unwrap_or(oras_spec::Algorithm::Sha256);
    let mut hashing = HashingReader {
        inner: decoder,
        digester: alg.digester(),
    };
    let base = target.parent().map(Path::to_path_buf).unwrap_or_default();
    let prefix = normalize(Path::new(name.trim_end_matches('/')));
    let escape = |what: &str| {
        Error::new(
            ErrorKind::PathTraversal,
            format!("{what:?}: path traversal disallowed"),
        )
    };
    {
        let mut archive = tar::Archive::new(&mut hashing);
        for entry in archive.entries()? {
            let mut entry = entry?;
            let raw_name = entry.path()?.to_path_buf();
            let norm = normalize(&raw_name);
            let rel_to_target = norm.strip_prefix(&prefix).map(Path::to_path_buf);
            let inside =
                !raw_name.is_absolute() && stays_inside(&raw_name) && rel_to_target.is_ok();
            if !inside && !allow_traversal {
                return Err(escape(&raw_name.display().to_string()));
            }
            let dest = if raw_name.is_absolute() {
                raw_name.clone()
            } else {
                base.join(&norm)
            };
            if !allow_traversal {
                check_no_symlink_ancestor(&base, &norm)?;
            }
            let kind = entry.header().entry_type();
            let mode = entry.header().mode().unwrap_or(0o644) & 0o7777;
            let mtime = entry.header().mtime().ok();
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).ctx(parent.display())?;
            }
            match kind {
                tar::EntryType::Directory => {
                    fs::create_dir_all(&dest).ctx(dest.display())?;
                    let _ = fs::set_permissions(&dest, fs::Permissions::from_mode(mode | 0o700));
                }
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    if fs::symlink_metadata(&dest).is_ok_and(|m| m.file_type().is_symlink()) {
                        fs::remove_file(&dest)?;
                    }
                    let mut f = fs::OpenOptions::new()
                        .write(true)
                        .create(true)
                        .truncate(true)
                        .mode(mode)
                        .open(&dest)
                        .ctx(dest.display())?;
                    io::copy(&mut entry, &mut f)?;
                    let _ = f.set_permissions(fs::Permissions::from_mode(mode & !umask()));
                }
                tar::EntryType::Symlink | tar::EntryType::Link => {
                    let link = entry
                        .link_name()?
                        .map(|l| l.to_path_buf())
                        .unwrap_or_default();
                    let resolved = if kind == tar::EntryType::Link {
                        // hard link targets are archive paths
                        link.clone()
                    } else if link.is_absolute() {
                        link.clone()
                    } else {
                        norm.parent().map(|p| p.join(&link)).unwrap_or(link.clone())
                    };
                    let ok = !resolved.is_absolute()
                        && stays_inside(&resolved)
                        && normalize(&resolved).starts_with(&prefix);
                    if !ok && !allow_traversal {
                        return Err(escape(&format!(
                            "{} -> {}",
                            raw_name.display(),
                            link.display()
                        )));
                    }
                    let _ = fs::remove_file(&dest);
                    if kind == tar::EntryType::Symlink {
                        std::os::unix::fs::symlink(&link, &dest).ctx(dest.display())?;
                    } else {
                        fs::hard_link(base.join(normalize(&resolved)), &dest)
                            .ctx(dest.display())?;
                    }
                    continue;
                }
                _ => continue,
            }
            if let Some(t) = mtime {
                let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t);
                if let Ok(f) = fs::File::options()
                    .write(kind != tar::EntryType::Directory)
                    .read(true)
                    .open(&dest)
                {
                    let _ = f.set_modified(time);
                }
            }
        }
    }
    // Drain what the tar reader left (padding) so the digest covers the whole stream.
    io::copy(&mut hashing, &mut io::sink())?;
    if let Some(want) = tar_digest {
        let got = hashing.digester.finish();
        if &got != want {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                format!("content digest mismatch: expected {want} but got {got}"),
            ));
        }
    }
    Ok(())
}

fn umask() -> u32 {
    // Read the process umask without changing it, via /proc (Linux); fall back to 022.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:").map(|v| v.trim().to_string()))
        })
        .and_then(|v| u32::from_str_radix(&v, 8).ok())
        .unwrap_or(0o022)
}

#[async_trait]
impl ReadOnlyStorage for FileStore {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        match self.stored_path(&desc.digest) {
            Some(p) => Ok(Box::pin(tokio::fs::File::open(&p).await.ctx(p.display())?)),
            None => self.fallback.fetch(desc).await,
        }
    }

    async fn fetch_source(&self, desc: &Descriptor) -> Result<BlobSource> {
        match self.stored_path(&desc.digest) {
            Some(p) => Ok(BlobSource::File(p)),
            None => Ok(BlobSource::Reader(self.fallback.fetch(desc).await?)),
        }
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        if let Some(name) = desc.title() {
            return Ok(self.names.lock().expect("file store names").get(name) == Some(&desc.digest));
        }
        self.fallback.exists(desc).await
    }
}

#[async_trait]
impl Storage for FileStore {
    async fn resume_point(&self, desc: &Descriptor) -> Result<u64> {
        match self.resumable_partial(desc) {
            Some(p) => Ok(partial::resume_point(&p, desc).await),
            None => Ok(0),
        }
    }

    async fn push_at(&self, expected: &Descriptor, content: BlobSource, offset: u64) -> Result<()> {
        let name = expected
            .title()
            .ok_or_else(|| Error::unsupported("only named content can be resumed"))?
            .to_string();
        self.write_named_at(expected, &name, content, offset).await
    }

    async fn push(&self, expected: &Descriptor, content: BlobSource) -> Result<()> {
        match expected.title().map(str::to_string) {
            Some(name) => self.write_named(expected, &name, content).await,
            None => {
                self.fallback.push(expected, content).await?;
                if expected.is_manifest() {
                    self.restore_duplicates(expected).await?;
                }
                Ok(())
            }
        }
    }
}
