//! File store: local files and directories as named blobs (what `push` reads and `pull` writes).
//!
//! Named content is addressed by its `org.opencontainers.image.title`. Directories are packed as
//! tar+gzip with `io.deis.oras.content.digest` (sha256 of the tar) and
//! `io.deis.oras.content.unpack: "true"`, and unpacked on pull after checking that digest.
//! Unnamed content (manifests, configs) lives in a small in-memory fallback store.
//! Writes go to a temp file beside the target and are renamed into place only when verified;
//! nothing is written outside the root unless path traversal is explicitly allowed.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use oras_spec::{Descriptor, Digest, annotations};

use crate::content::memory::MemoryStore;
use crate::content::partial;
use crate::content::verify::write_verified_file;
use crate::content::{BlobReader, BlobSource, ReadOnlyStorage, Storage, successors_of};
use crate::error::{Error, ErrorKind, IoContext, Result};
use crate::source_date::SourceDate;

mod add;
mod confine;
mod keep;
mod mode;
mod pack;
mod pgzip;
mod unpack;

use unpack::keep::unpack_directory_keeping;
use unpack::unpack_directory;

/// The longest name one directory entry may have (Linux's `NAME_MAX`).
const MAX_NAME_BYTES: usize = 255;

/// Limit of the in-memory store for unnamed content.
pub const FALLBACK_LIMIT: u64 = 4 << 20;

/// How the store packs what is added and writes what is pulled.
#[derive(Debug, Clone, Default)]
pub struct FileStoreOptions {
    /// Allow titles that resolve outside the root (absolute or `..`).
    pub allow_path_traversal: bool,
    /// Refuse to overwrite existing files.
    pub disable_overwrite: bool,
    /// With [`FileStoreOptions::disable_overwrite`], keep what matches instead of refusing
    /// it (resuming a pull): a file already at its place with the layer's size and digest
    /// counts as written ([`ReadOnlyStorage::exists`] says so, so it is not fetched); a
    /// directory layer over an existing directory is compared entry by entry with the disk
    /// before anything is written (type, bytes, link targets; not modes or times) and only
    /// its missing entries are written. Content that differs is still refused
    /// ([`ErrorKind::OverwriteDisallowed`]); what is kept is left untouched (modes
    /// included).
    pub keep_existing: bool,
    /// Pack added directories reproducibly: every tar header gets this time instead of the
    /// file's own (entries are always in file-name order with uid/gid 0 and no owner names).
    pub source_date: Option<SourceDate>,
    /// Keep the modes of single files (see [`annotations::FILE_MODE`]): an added file's
    /// descriptor records its permission bits, and a written file that is not a directory
    /// layer gets the recorded bits, without set-user-ID, set-group-ID and sticky and minus
    /// the umask (as directory layers get theirs). The mode is set on the file the store
    /// wrote, through its own handle before it is renamed into place (never through a link),
    /// and only below the root: a title outside it (path traversal allowed) keeps the default
    /// mode. Without it, written files are created `0666` minus the umask, as oras does.
    pub preserve_permissions: bool,
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
    /// titles found on disk with their content and kept ([`FileStoreOptions::keep_existing`]).
    kept: Mutex<HashSet<String>>,
    /// digest → file written by a push (pull side); the source for restoring duplicates.
    written: Mutex<HashMap<Digest, PathBuf>>,
    /// titles reserved for writing (pull side), checked for conflicts before anything is written.
    claims: Mutex<Claims>,
    /// The process umask when the store was made (applied to preserved modes).
    umask: u32,
    temp: tempfile::TempDir,
}

/// Fails if any existing ancestor of `rel` below `root` is a symlink (it could point out).
fn check_no_symlink_ancestor(root: &Path, rel: &Path) -> Result<()> {
    let mut cur = root.to_path_buf();
    let comps: Vec<_> = rel.components().collect();
    for c in comps.iter().take(comps.len().saturating_sub(1)) {
        cur.push(c.as_os_str());
        match confine::lstat(&cur)? {
            Some(m) if m.file_type().is_symlink() => {
                return Err(Error::new(
                    ErrorKind::PathTraversal,
                    format!(
                        "{:?}: path traversal disallowed: {} is a symbolic link",
                        rel.display().to_string(),
                        cur.display()
                    ),
                ));
            }
            Some(_) => {}
            None => break,
        }
    }
    Ok(())
}

/// Refuses titles no file system takes: a NUL byte, a component longer than 255 bytes.
fn check_file_name(name: &str) -> Result<()> {
    if name.contains('\0') {
        return Err(Error::invalid(format!(
            "{name:?}: invalid file name: it contains a NUL byte"
        )));
    }
    if Path::new(name)
        .components()
        .any(|c| c.as_os_str().len() > MAX_NAME_BYTES)
    {
        return Err(Error::invalid(format!(
            "{name:?}: file name too long (at most {MAX_NAME_BYTES} bytes between slashes)"
        )));
    }
    Ok(())
}

/// The key a title is claimed under: cleaned, without a trailing slash (`""` for the root).
fn claim_key(name: &str) -> String {
    confine::normalize(Path::new(name))
        .to_string_lossy()
        .into_owned()
}

/// The proper ancestors of a claim key (`a/b/c` → `a/b`, `a`, `""`).
fn key_ancestors(key: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(key).filter(|k| !k.is_empty());
    std::iter::from_fn(move || {
        let k = rest?;
        let parent = k.rfind('/').map(|i| &k[..i]).unwrap_or("");
        rest = Some(parent).filter(|p| !p.is_empty());
        Some(parent)
    })
}

/// Titles claimed for writing: which content each is for, and every directory above them.
#[derive(Default)]
struct Claims {
    names: HashMap<String, (String, Digest)>,
    parents: HashMap<String, String>,
}

impl Claims {
    /// Claims `name` for `digest`: the same name for other content, or a name that is a
    /// directory of another (`a` and `a/b`), is a conflict.
    fn claim(&mut self, name: &str, digest: &Digest) -> Result<()> {
        let key = claim_key(name);
        if let Some((_, d)) = self.names.get(&key) {
            if d == digest {
                return Ok(());
            }
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("{name}: duplicate name"),
            ));
        }
        let conflict = |other: &str| {
            Error::new(
                ErrorKind::Conflict,
                format!(
                    "{name}: duplicate name: it and {other} would be written to the same place (one is a directory of the other)"
                ),
            )
        };
        if let Some(other) = self.parents.get(&key) {
            return Err(conflict(other));
        }
        for a in key_ancestors(&key) {
            if let Some((other, _)) = self.names.get(a) {
                return Err(conflict(other));
            }
        }
        for a in key_ancestors(&key) {
            self.parents
                .entry(a.to_string())
                .or_insert_with(|| name.to_string());
        }
        self.names.insert(key, (name.to_string(), digest.clone()));
        Ok(())
    }
}

impl FileStore {
    /// A store rooted at `root` (the working directory for push, the output directory for pull).
    pub fn new(root: impl AsRef<Path>, options: FileStoreOptions) -> Result<FileStore> {
        let root = root.as_ref();
        let umask = if options.preserve_permissions {
            mode::umask()
        } else {
            0
        };
        Ok(FileStore {
            root: std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()),
            options,
            fallback: MemoryStore::with_limit(FALLBACK_LIMIT),
            files: Mutex::default(),
            names: Mutex::default(),
            kept: Mutex::default(),
            written: Mutex::default(),
            claims: Mutex::default(),
            umask,
            temp: tempfile::Builder::new().prefix("oras-").tempdir()?,
        })
    }

    /// The in-memory store for unnamed content (packed manifests and configs go here).
    pub fn fallback(&self) -> &MemoryStore {
        &self.fallback
    }

    /// Reserves the titles of `descs` (the layers of one manifest, in order) for writing, and
    /// checks each can be written. Fails with [`ErrorKind::Conflict`] when one title names
    /// different content than an earlier one (`<name>: duplicate name`) or one is a directory
    /// of another (`a` and `a/b`), and with the path-traversal and file-name errors of a write.
    /// Called before the layers are copied, it reports such an artifact before anything is
    /// written and the same way on every run; writes claim their title too, so conflicts across
    /// manifests are caught as well.
    pub fn claim_names(&self, descs: &[Descriptor]) -> Result<()> {
        for d in descs {
            if let Some(name) = d.title() {
                self.target_path(name)?;
                self.mode_for(d, name)?;
                self.claim(name, &d.digest)?;
            }
        }
        Ok(())
    }

    /// The mode a write of `desc` under `name` sets: with
    /// [`FileStoreOptions::preserve_permissions`], the recorded mode (checked) of a file that
    /// is not a directory layer and lands below the root; otherwise none (the default mode).
    fn mode_for(&self, desc: &Descriptor, name: &str) -> Result<Option<u32>> {
        if !self.options.preserve_permissions || is_unpacked(desc) {
            return Ok(None);
        }
        let Some(recorded) = mode::recorded(desc)? else {
            return Ok(None);
        };
        let rel = Path::new(name);
        let inside = confine::stays_inside(rel)
            && check_no_symlink_ancestor(&self.root, &confine::normalize(rel)).is_ok();
        Ok(inside.then(|| mode::applied(recorded, self.umask)))
    }

    fn claim(&self, name: &str, digest: &Digest) -> Result<()> {
        self.claims
            .lock()
            .expect("file store claims")
            .claim(name, digest)
    }

    /// Resolves where a title is written, enforcing the path-traversal rules.
    fn target_path(&self, name: &str) -> Result<PathBuf> {
        check_file_name(name)?;
        let rel = Path::new(name);
        if !self.options.allow_path_traversal {
            if !confine::stays_inside(rel) {
                return Err(Error::new(
                    ErrorKind::PathTraversal,
                    format!("{name:?}: path traversal disallowed"),
                ));
            }
            check_no_symlink_ancestor(&self.root, &confine::normalize(rel))?;
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
        if is_unpacked(desc) {
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
        let mode = self.mode_for(expected, name)?;
        self.claim(name, &expected.digest)?;
        let unpack = is_unpacked(expected);
        let keep_entries = unpack && self.keeps_existing();
        if self.options.disable_overwrite && !keep_entries && fs::symlink_metadata(&target).is_ok()
        {
            return Err(Error::new(
                ErrorKind::OverwriteDisallowed,
                format!("{}: overwrite disallowed", target.display()),
            ));
        }
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
                if keep_entries {
                    unpack_directory_keeping(&gz2, &target2, &name, tar_digest.as_ref(), allow)
                } else {
                    unpack_directory(&gz2, &target2, &name, tar_digest.as_ref(), allow)
                }
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
            let target = confine::normalize(&target);
            if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!("failed to create file {}: is a directory", target.display()),
                ));
            }
            partial::complete_with_mode(
                &Self::partial_path(&target, expected),
                &target,
                expected,
                content,
                offset,
                mode,
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
            if self.keep_if_present(&s, name).await? {
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

/// Whether a blob is a directory layer (`io.deis.oras.content.unpack: "true"`).
fn is_unpacked(desc: &Descriptor) -> bool {
    desc.annotations
        .get(annotations::CONTENT_UNPACK)
        .is_some_and(|v| v == "true")
}

/// Streams `content` into a new file at `path` (mode 0666 minus umask), verified.
async fn write_verified(content: BlobSource, expected: &Descriptor, path: &Path) -> Result<()> {
    let std_file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o666)
        .open(path)
        .ctx(format!("failed to create {}", path.display()))?;
    let digester = expected.digest.algorithm().digester();
    write_verified_file(content, expected, std_file, path, digester, 0).await?;
    Ok(())
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
            if self.names.lock().expect("file store names").get(name) == Some(&desc.digest) {
                return Ok(true);
            }
            return self.keep_if_present(desc, name).await;
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
