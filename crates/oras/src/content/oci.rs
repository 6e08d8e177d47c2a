//! OCI image layout store: a directory (read-write) or a tar archive of one (read-only).
//!
//! Layout: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`. Blobs are written to `ingest/`,
//! verified while they stream, and renamed into place only when they match. Every pushed
//! manifest is recorded in `index.json` (tags as `org.opencontainers.image.ref.name`).
//! `index.json` is rewritten atomically (temp file + rename) under an exclusive lock on the
//! `oci-layout` file, re-reading it first, so concurrent `oras` processes lose no entries.
//! Unknown fields in `index.json` survive, and existing entry order is kept.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use oras_spec::{Descriptor, Digest, ImageIndex, annotations, gojson, media_type};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::content::graph::Graph;
use crate::content::partial;
use crate::content::verify::read_all;
use crate::content::{
    BlobReader, BlobSource, Deleter, PredecessorFinder, ReadOnlyStorage, Resolver, Storage,
    TagLister, Tagger, successors_of,
};
use crate::error::{Error, ErrorKind, IoContext, Result};

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
            let (off, size) = *entries
                .get(name)
                .ok_or_else(|| invalid_layout(format!("missing {name}")))?;
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

    fn blob_path(&self, digest: &Digest) -> PathBuf {
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

fn validate_layout_file(raw: &[u8]) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct LayoutFile {
        #[serde(rename = "imageLayoutVersion")]
        version: String,
    }
    let f: LayoutFile = serde_json::from_slice(raw)
        .map_err(|e| invalid_layout(format!("failed to decode oci-layout: {e}")))?;
    if f.version != "1.0.0" {
        return Err(Error::unsupported(format!(
            "unsupported OCI image layout version {:?}",
            f.version
        )));
    }
    Ok(())
}

/// Runs `f` holding an exclusive lock on the layout's `oci-layout` file.
fn with_lock<T>(root: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let lock_path = root.join(LAYOUT_FILE);
    let file = fs::File::open(&lock_path).ctx(lock_path.display())?;
    file.lock()
        .ctx(format!("failed to lock {}", lock_path.display()))?;
    let out = f();
    let _ = file.unlock();
    out
}

/// Writes `root/name` atomically: a temp file in the same directory, then rename.
fn write_atomic(root: &Path, name: &str, data: &[u8]) -> Result<()> {
    let tmp = root.join(format!(".{name}.{}.tmp", super::unique_suffix()));
    let res = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut f, data)?;
        f.sync_data()?;
        fs::rename(&tmp, root.join(name))
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res.ctx(format!("failed to write {}", root.join(name).display()))
}

/// Opens a blob file for reading; a named pipe or device in its place (a hostile layout)
/// fails instead of blocking the read forever.
async fn open_blob(path: &Path) -> std::io::Result<tokio::fs::File> {
    let f = tokio::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .await?;
    if !f.metadata().await?.is_file() {
        return Err(std::io::Error::other(format!(
            "{}: not a regular file",
            path.display()
        )));
    }
    Ok(f)
}

fn scan_tar(path: &Path) -> Result<HashMap<String, (u64, u64)>> {
    let not_tar = |e: &dyn std::fmt::Display| {
        Error::invalid(format!(
            "{:?} does not look like a tar archive: {e}",
            path.display().to_string()
        ))
    };
    let file = fs::File::open(path).ctx(path.display())?;
    let mut archive = tar::Archive::new(file);
    let mut entries = HashMap::new();
    for entry in archive.entries_with_seek().map_err(|e| not_tar(&e))? {
        let entry = entry.map_err(|e| not_tar(&e))?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = entry
            .path()
            .map_err(|e| not_tar(&e))?
            .to_string_lossy()
            .into_owned();
        let name = name.trim_start_matches("./").to_string();
        entries.insert(name, (entry.raw_file_position(), entry.size()));
    }
    if entries.is_empty() {
        return Err(not_tar(&"no files found"));
    }
    Ok(entries)
}

#[async_trait]
impl ReadOnlyStorage for OciLayout {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        match &self.backend {
            Backend::Dir => match open_blob(&self.blob_path(&desc.digest)).await {
                Ok(f) => Ok(Box::pin(f)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Err(Error::not_found(&desc.digest))
                }
                Err(e) => Err(e.into()),
            },
            Backend::Tar(entries) => {
                let (off, size) = *entries
                    .get(&Self::blob_name(&desc.digest))
                    .ok_or_else(|| Error::not_found(&desc.digest))?;
                let mut f = tokio::fs::File::open(&self.root).await?;
                f.seek(SeekFrom::Start(off)).await?;
                Ok(Box::pin(f.take(size)))
            }
        }
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.blob_size(&desc.digest).await?.is_some())
    }

    async fn fetch_range(&self, desc: &Descriptor, offset: u64) -> Result<Option<BlobReader>> {
        let mut reader = match &self.backend {
            Backend::Dir => open_blob(&self.blob_path(&desc.digest)).await?,
            Backend::Tar(entries) => {
                let (off, size) = *entries
                    .get(&Self::blob_name(&desc.digest))
                    .ok_or_else(|| Error::not_found(&desc.digest))?;
                let mut f = tokio::fs::File::open(&self.root).await?;
                f.seek(SeekFrom::Start(off + offset)).await?;
                return Ok(Some(Box::pin(f.take(size.saturating_sub(offset)))));
            }
        };
        reader.seek(SeekFrom::Start(offset)).await?;
        Ok(Some(Box::pin(reader)))
    }

    async fn fetch_source(&self, desc: &Descriptor) -> Result<BlobSource> {
        match &self.backend {
            Backend::Dir => match self.blob_size(&desc.digest).await? {
                Some(_) => Ok(BlobSource::File(self.blob_path(&desc.digest))),
                None => Err(Error::not_found(&desc.digest)),
            },
            Backend::Tar(_) => Ok(BlobSource::Reader(self.fetch(desc).await?)),
        }
    }
}

#[async_trait]
impl Storage for OciLayout {
    async fn resume_point(&self, desc: &Descriptor) -> Result<u64> {
        if !matches!(self.backend, Backend::Dir) || desc.is_manifest() {
            return Ok(0);
        }
        Ok(partial::resume_point(&self.partial_path(&desc.digest), desc).await)
    }

    async fn push_at(&self, expected: &Descriptor, content: BlobSource, offset: u64) -> Result<()> {
        self.writable()?;
        self.write_blob(expected, content, offset).await
    }

    async fn push(&self, expected: &Descriptor, content: BlobSource) -> Result<()> {
        self.writable()?;
        if self.blob_size(&expected.digest).await?.is_none() {
            self.write_blob(expected, content, 0).await?;
        }
        if expected.is_manifest() {
            let entry = expected.plain_with_annotations();
            self.update_index(move |idx| {
                if idx.manifests.iter().any(|d| d.digest == entry.digest) {
                    return false;
                }
                idx.manifests.push(entry);
                true
            })
            .await?;
            if let Ok(bytes) = self.read_manifest(expected).await {
                self.graph_index(expected, &bytes);
            }
        }
        Ok(())
    }
}

impl OciLayout {
    /// Writes a blob through its partial file in `ingest/` (continuing from `offset`), verified,
    /// into place, read-only.
    async fn write_blob(
        &self,
        expected: &Descriptor,
        content: BlobSource,
        offset: u64,
    ) -> Result<()> {
        let dest = self.blob_path(&expected.digest);
        let partial = self.partial_path(&expected.digest);
        tokio::fs::create_dir_all(partial.parent().expect("partial path has a parent")).await?;
        tokio::fs::create_dir_all(dest.parent().expect("blob path has a parent")).await?;
        partial::complete(&partial, &dest, expected, content, offset).await?;
        set_readonly(&dest).await;
        Ok(())
    }

    fn partial_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("ingest").join(format!(
            "{}-{}.partial",
            digest.algorithm().name(),
            digest.hex()
        ))
    }
}

async fn set_readonly(path: &Path) {
    if let Ok(m) = tokio::fs::metadata(path).await {
        let mut perms = m.permissions();
        perms.set_readonly(true);
        let _ = tokio::fs::set_permissions(path, perms).await;
    }
}

#[async_trait]
impl Resolver for OciLayout {
    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        if reference.is_empty() {
            return Err(Error::new(ErrorKind::InvalidReference, "missing reference"));
        }
        let digest = Digest::parse(reference).ok();
        {
            let state = self.state.lock().expect("layout state");
            let found = state.index.manifests.iter().find(|d| match &digest {
                Some(dg) => &d.digest == dg,
                None => ref_name(d) == Some(reference),
            });
            if let Some(d) = found {
                return Ok(if digest.is_some() {
                    d.plain()
                } else {
                    d.clone()
                });
            }
        }
        if let Some(dg) = digest
            && let Some(size) = self.blob_size(&dg).await?
        {
            {
                return Ok(Descriptor::new(media_type::OCTET_STREAM, dg, size));
            }
        }
        Err(Error::not_found(reference))
    }
}

#[async_trait]
impl Tagger for OciLayout {
    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        self.writable()?;
        if self.blob_size(&desc.digest).await?.is_none() {
            return Err(Error::not_found(&desc.digest));
        }
        let mut entry = desc.plain_with_annotations();
        let is_digest = Digest::parse(reference).is_ok_and(|d| d == desc.digest);
        let reference = reference.to_string();
        self.update_index(move |idx| {
            if is_digest {
                if idx.manifests.iter().any(|d| d.digest == entry.digest) {
                    return false;
                }
                idx.manifests.push(entry);
                return true;
            }
            // Move the tag: drop its old entry, keeping the old target listed untagged.
            let old: Vec<Descriptor> = idx
                .manifests
                .iter()
                .filter(|d| ref_name(d) == Some(&reference))
                .cloned()
                .collect();
            idx.manifests.retain(|d| ref_name(d) != Some(&reference));
            for o in old {
                if o.digest != entry.digest && !idx.manifests.iter().any(|d| d.digest == o.digest) {
                    idx.manifests.push(o.plain_with_annotations());
                }
            }
            idx.manifests
                .retain(|d| !(d.digest == entry.digest && ref_name(d).is_none()));
            entry
                .annotations
                .insert(annotations::REF_NAME.to_string(), reference);
            idx.manifests.push(entry);
            true
        })
        .await
    }
}

#[async_trait]
impl PredecessorFinder for OciLayout {
    async fn predecessors(&self, node: &Descriptor) -> Result<Vec<Descriptor>> {
        self.ensure_graph().await?;
        let state = self.state.lock().expect("layout state");
        Ok(state
            .graph
            .as_ref()
            .map(|g| g.predecessors(&node.digest))
            .unwrap_or_default())
    }
}

#[async_trait]
impl TagLister for OciLayout {
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        let state = self.state.lock().expect("layout state");
        let mut tags: Vec<String> = state
            .index
            .manifests
            .iter()
            .filter_map(|d| ref_name(d).map(str::to_string))
            .collect();
        tags.sort();
        tags.dedup();
        tags.retain(|t| last.is_none_or(|l| t.as_str() > l));
        Ok(tags)
    }
}

#[async_trait]
impl Deleter for OciLayout {
    /// Deletes a node, then (like oras-go's auto-GC) the successors it leaves dangling that no
    /// tag names, and its referrers, recursively.
    async fn delete(&self, target: &Descriptor) -> Result<()> {
        self.writable()?;
        self.ensure_graph().await?;
        let referrers = if target.is_manifest() {
            self.referrers_of(target).await?
        } else {
            Vec::new()
        };
        let mut dangling = self.delete_one(target).await?;
        while let Some(node) = dangling.pop() {
            let tagged = self
                .index_entries()
                .iter()
                .any(|d| d.digest == node.digest && ref_name(d).is_some());
            if !tagged {
                match self.delete_one(&node).await {
                    Ok(more) => dangling.extend(more),
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        for r in referrers {
            match Box::pin(self.delete(&r)).await {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl OciLayout {
    /// Manifests whose `subject` is `node`.
    async fn referrers_of(&self, node: &Descriptor) -> Result<Vec<Descriptor>> {
        let mut out = Vec::new();
        for p in self.predecessors(node).await? {
            let bytes = match self.read_manifest(&p).await {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if let Ok(view) = oras_spec::SuccessorView::parse(&bytes)
                && view
                    .subject
                    .as_ref()
                    .is_some_and(|s| s.digest == node.digest)
            {
                out.push(p);
            }
        }
        Ok(out)
    }
}
