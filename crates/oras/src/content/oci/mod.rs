//! OCI image layout store: a directory (read-write) or a tar archive of one (read-only).
//!
//! Layout: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`. Blobs are written to `ingest/`,
//! verified while they stream, and renamed into place only when they match. Every pushed
//! manifest is recorded in `index.json` (tags as `org.opencontainers.image.ref.name`).
//! `index.json` is rewritten atomically (temp file + rename) under an exclusive lock on the
//! `oci-layout` file, re-reading it first, so concurrent `oras` processes lose no entries.
//! Unknown fields in `index.json` survive, and existing entry order is kept.
//!
//! One file per concern: the store and its index are here, `files` (bounded reads, the lock,
//! atomic writes, tar archives), `blobs` (reading and writing blobs), `refs` (resolving,
//! tagging, listing, deleting, predecessors), `evict` (removing blobs while other processes
//! use the layout, for the cache).

mod blobs;
pub(crate) mod evict;
mod files;
mod refs;
mod stream;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use oras_spec::{Descriptor, Digest, ImageIndex, annotations, gojson};

use crate::content::graph::Graph;
use crate::content::verify::read_all;
use crate::content::{ReadOnlyStorage, successors_of};
use crate::error::{Error, ErrorKind, IoContext, Result};

use files::{scan_tar, validate_layout_file, with_lock, write_atomic};

const LAYOUT_FILE: &str = "oci-layout";
const INDEX_FILE: &str = "index.json";
const LAYOUT_CONTENT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;
/// Manifests larger than this are not read for graph walks.
const MAX_MANIFEST: u64 = 4 << 20;
/// Largest `index.json` read: some 250 000 entries, far more than any real layout lists, and
/// a bound on what its tags and graph walks hold in memory.
const MAX_INDEX: u64 = 64 << 20;
/// Largest `oci-layout` file read (it holds one short JSON object).
const MAX_LAYOUT_FILE: u64 = 64 << 10;

/// An OCI image layout.
pub struct OciLayout {
    root: PathBuf,
    backend: Backend,
    state: Mutex<State>,
}

enum Backend {
    Dir,
    /// Read-only tar: entry name → (data offset, size).
    Tar(HashMap<String, (u64, u64)>),
}

#[derive(Default)]
struct State {
    index: ImageIndex,
    graph: Option<Graph>,
}

fn invalid_layout(msg: impl std::fmt::Display) -> Error {
    Error::invalid(format!("invalid OCI Image Layout: {msg}"))
}

/// The error of a layout file larger than `limit`.
fn too_large(path: &Path, limit: u64) -> Error {
    Error::new(
        ErrorKind::SizeExceedsLimit,
        format!(
            "invalid OCI Image Layout: {} is larger than {}",
            path.display(),
            if limit.is_multiple_of(1 << 20) {
                format!("{} MiB", limit >> 20)
            } else {
                format!("{} KiB", limit >> 10)
            }
        ),
    )
}

/// Reads a layout file of at most `limit` bytes (`NotFound` when missing; a larger one is an
/// error carried in the io error).
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut raw)?;
    if raw.len() as u64 > limit {
        return Err(std::io::Error::other(too_large(path, limit)));
    }
    Ok(raw)
}

/// An error reading a layout file: a size bound as it is, anything else as an invalid layout.
fn layout_read_error(e: std::io::Error) -> Error {
    match Error::from(e) {
        ours if ours.kind() == ErrorKind::SizeExceedsLimit => ours,
        e => invalid_layout(e),
    }
}

/// A file of the layout missing from its tar archive, in oras-go's words.
fn missing_in_tar(name: &str) -> Error {
    let missing = format!("open {name}: file does not exist");
    if name == LAYOUT_FILE {
        invalid_layout(format!("failed to open OCI layout file: {missing}"))
    } else {
        Error::invalid(format!(
            "invalid OCI Image Index: failed to open index file: {missing}"
        ))
    }
}

fn parse_index(raw: &[u8], path: &Path) -> Result<ImageIndex> {
    serde_json::from_slice(raw)
        .map_err(|e| invalid_layout(format!("failed to decode {}: {e}", path.display())))
}

fn ref_name(d: &Descriptor) -> Option<&str> {
    d.annotations.get(annotations::REF_NAME).map(String::as_str)
}

impl OciLayout {
    /// Opens a layout directory for reading and writing, creating it if needed.
    pub fn open(root: impl AsRef<Path>) -> Result<OciLayout> {
        let root = root.as_ref().to_path_buf();
        fs::create_dir_all(root.join("blobs"))
            .ctx(format!("failed to create {}", root.display()))?;
        let layout = root.join(LAYOUT_FILE);
        match read_bounded(&layout, MAX_LAYOUT_FILE) {
            Ok(raw) => validate_layout_file(&raw)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                write_atomic(&root, LAYOUT_FILE, LAYOUT_CONTENT)?;
            }
            Err(e) => return Err(Error::from(e).context(layout.display())),
        }
        let index_path = root.join(INDEX_FILE);
        let index = match read_bounded(&index_path, MAX_INDEX) {
            Ok(raw) => parse_index(&raw, &index_path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let index = ImageIndex::new();
                with_lock(&root, || {
                    if !index_path.exists() {
                        write_atomic(&root, INDEX_FILE, &gojson::to_vec(&index))?;
                    }
                    Ok(())
                })?;
                index
            }
            Err(e) => {
                return Err(match Error::from(e) {
                    big if big.kind() == ErrorKind::SizeExceedsLimit => big,
                    e => e.context(index_path.display()),
                });
            }
        };
        Ok(OciLayout {
            root,
            backend: Backend::Dir,
            state: Mutex::new(State { index, graph: None }),
        })
    }

    /// Opens a layout read-only: a directory, or a tar archive of a layout.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<OciLayout> {
        let root = path.as_ref().to_path_buf();
        let meta = fs::metadata(&root).ctx(format!(
            "failed to find path {:?}",
            root.display().to_string()
        ))?;
        if meta.is_dir() {
            let raw = read_bounded(&root.join(LAYOUT_FILE), MAX_LAYOUT_FILE)
                .map_err(layout_read_error)?;
            validate_layout_file(&raw)?;
            let index_path = root.join(INDEX_FILE);
            let raw = read_bounded(&index_path, MAX_INDEX).map_err(layout_read_error)?;
            let index = parse_index(&raw, &index_path)?;
            return Ok(OciLayout {
                root,
                backend: Backend::Dir,
                state: Mutex::new(State { index, graph: None }),
            });
        }
        let entries = scan_tar(&root)?;
        let read = |name: &str, limit: u64| -> Result<Vec<u8>> {
            let (off, size) = *entries.get(name).ok_or_else(|| missing_in_tar(name))?;
            if size > limit {
                return Err(too_large(Path::new(name), limit));
            }
            let mut f = fs::File::open(&root)?;
            f.seek(SeekFrom::Start(off))?;
            let mut buf = vec![0; size as usize];
            f.read_exact(&mut buf)?;
            Ok(buf)
        };
        validate_layout_file(&read(LAYOUT_FILE, MAX_LAYOUT_FILE)?)?;
        let index = parse_index(&read(INDEX_FILE, MAX_INDEX)?, Path::new(INDEX_FILE))?;
        Ok(OciLayout {
            root,
            backend: Backend::Tar(entries),
            state: Mutex::new(State { index, graph: None }),
        })
    }

    /// The layout's path (directory or tar file).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The descriptors currently listed in `index.json`.
    pub fn index_entries(&self) -> Vec<Descriptor> {
        self.state
            .lock()
            .expect("layout state")
            .index
            .manifests
            .clone()
    }

    fn blob_name(digest: &Digest) -> String {
        format!("blobs/{}/{}", digest.algorithm().name(), digest.hex())
    }

    /// Where the blob file of `digest` is (or would be) in a layout directory.
    pub(crate) fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join(Self::blob_name(digest))
    }

    fn writable(&self) -> Result<()> {
        match self.backend {
            Backend::Dir => Ok(()),
            Backend::Tar(_) => Err(Error::unsupported(format!(
                "{}: a tar archive layout is read-only",
                self.root.display()
            ))),
        }
    }

    async fn blob_size(&self, digest: &Digest) -> Result<Option<u64>> {
        match &self.backend {
            Backend::Dir => match tokio::fs::metadata(self.blob_path(digest)).await {
                Ok(m) if m.is_file() => Ok(Some(m.len())),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            },
            Backend::Tar(entries) => Ok(entries.get(&Self::blob_name(digest)).map(|e| e.1)),
        }
    }

    /// Applies `change` to `index.json` under the layout lock, re-reading it first.
    async fn update_index<F>(&self, change: F) -> Result<()>
    where
        F: FnOnce(&mut ImageIndex) -> bool + Send + 'static,
    {
        self.writable()?;
        let root = self.root.clone();
        let index = tokio::task::spawn_blocking(move || {
            with_lock(&root, || {
                let path = root.join(INDEX_FILE);
                let mut index = match read_bounded(&path, MAX_INDEX) {
                    Ok(raw) => parse_index(&raw, &path)?,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => ImageIndex::new(),
                    Err(e) => return Err(e.into()),
                };
                if change(&mut index) {
                    write_atomic(&root, INDEX_FILE, &gojson::to_vec(&index))?;
                }
                Ok(index)
            })
        })
        .await
        .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))??;
        self.state.lock().expect("layout state").index = index;
        Ok(())
    }

    async fn read_manifest(&self, desc: &Descriptor) -> Result<bytes::Bytes> {
        let reader = self.fetch(desc).await?;
        read_all(reader, desc, MAX_MANIFEST).await
    }

    /// Builds the predecessor graph from every manifest listed in `index.json` (once).
    async fn ensure_graph(&self) -> Result<()> {
        if self.state.lock().expect("layout state").graph.is_some() {
            return Ok(());
        }
        let mut graph = Graph::default();
        let mut queue: Vec<Descriptor> = self.index_entries();
        let mut seen = HashSet::new();
        while let Some(node) = queue.pop() {
            if !node.is_manifest() || !seen.insert(node.digest.clone()) {
                continue;
            }
            let bytes = match self.read_manifest(&node).await {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            let succ = successors_of(&node, &bytes).unwrap_or_default();
            graph.index(&node.plain_with_annotations(), &succ);
            queue.extend(succ);
        }
        let mut state = self.state.lock().expect("layout state");
        if state.graph.is_none() {
            state.graph = Some(graph);
        }
        Ok(())
    }

    fn graph_index(&self, node: &Descriptor, bytes: &[u8]) {
        let succ = successors_of(node, bytes).unwrap_or_default();
        if let Some(g) = self.state.lock().expect("layout state").graph.as_mut() {
            g.index(&node.plain_with_annotations(), &succ);
        }
    }

    /// Deletes one node: its index entries, its graph links and its blob file.
    async fn delete_one(&self, target: &Descriptor) -> Result<Vec<Descriptor>> {
        let digest = target.digest.clone();
        let listed = self.index_entries().iter().any(|d| d.digest == digest);
        if listed {
            self.update_index(move |idx| {
                let before = idx.manifests.len();
                idx.manifests.retain(|d| d.digest != digest);
                idx.manifests.len() != before
            })
            .await?;
        }
        let dangling = self
            .state
            .lock()
            .expect("layout state")
            .graph
            .as_mut()
            .map(|g| g.remove(&target.digest))
            .unwrap_or_default();
        match tokio::fs::remove_file(self.blob_path(&target.digest)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::not_found(&target.digest));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(dangling)
    }
}

trait PlainWithAnnotations {
    fn plain_with_annotations(&self) -> Descriptor;
}

impl PlainWithAnnotations for Descriptor {
    /// Graph nodes keep artifact type and annotations (for referrer listings) but not ref names.
    fn plain_with_annotations(&self) -> Descriptor {
        let mut d = self.clone();
        d.annotations.remove(annotations::REF_NAME);
        d
    }
}
