//! Pulling files: the named layers of an artifact written into a directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use oras_spec::{Descriptor, Platform, SuccessorView, annotations, media_type};

use super::select::{ReferrerSelector, resolve_selected};
use crate::content::file::{FileStore, FileStoreOptions};
use crate::content::{ReadOnlyGraphTarget, successors_of};
use crate::copy::{CopyGraphOptions, FindSuccessors, copy_graph};
use crate::error::{Error, Result};
use crate::events::{Event, NoObserver, Observer};

/// How to pull.
#[derive(Clone)]
#[non_exhaustive]
pub struct PullOptions {
    /// Pick this platform's manifest from an index.
    pub platform: Option<Platform>,
    /// Pull a referrer of the manifest (after [`PullOptions::platform`] picked it) instead of
    /// the manifest itself, reported as [`Event::ReferrerSelected`] (see
    /// [`super::select_referrer`]).
    pub referrer: Option<ReferrerSelector>,
    /// Also pull the subject of the artifact, and its subject, recursively.
    pub include_subject: bool,
    /// Never replace files that exist, and resume instead: a file already at its place with
    /// the layer's size and digest is kept and reported as [`Event::Exists`] (not fetched),
    /// missing files are pulled, and one of other content fails the pull (`overwrite
    /// disallowed`). A directory layer over an existing directory is fetched and compared
    /// entry by entry first (see [`FileStoreOptions::keep_existing`]); only its missing
    /// entries are written. oras 1.3 refuses any file that exists.
    pub keep_old_files: bool,
    /// Allow titles and archive entries that lead outside the output directory.
    pub allow_path_traversal: bool,
    /// Give single files the mode their layer records
    /// ([`oras_spec::annotations::FILE_MODE`], written by a push with
    /// [`super::PushOptions::preserve_permissions`]): its read, write and execute bits minus
    /// the umask, never set-user-ID, set-group-ID or sticky; set on the file the pull wrote,
    /// before it is renamed into place, and only inside the output directory. A recorded mode
    /// that is not octal fails the pull before any file of its manifest is written. Directory
    /// layers get their tar's modes either way; off, files are created `0666` minus the
    /// umask, as oras.
    pub preserve_permissions: bool,
    /// Also write the manifest's config to this path, if its media type matches the given
    /// one (empty: any).
    pub config: Option<(PathBuf, String)>,
    /// Blobs transferred at once: an exact cap; 0 (the default) adapts to the registry (see
    /// [`crate::copy::CopyGraphOptions::concurrency`]).
    pub concurrency: usize,
    /// Receives the transfer's events.
    pub observer: Arc<dyn Observer>,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions {
            platform: None,
            referrer: None,
            include_subject: false,
            keep_old_files: false,
            allow_path_traversal: false,
            preserve_permissions: false,
            config: None,
            concurrency: 0,
            observer: Arc::new(NoObserver),
        }
    }
}

/// One file (or unpacked directory) a pull wrote.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PulledFile {
    /// Where it was written.
    pub path: PathBuf,
    /// The layer (or config) it came from.
    pub descriptor: Descriptor,
}

impl PulledFile {
    /// Whether the layer was a directory, unpacked at [`PulledFile::path`].
    pub fn is_directory(&self) -> bool {
        self.descriptor
            .annotations
            .get(annotations::CONTENT_UNPACK)
            .is_some_and(|v| v == "true")
    }
}

/// What a pull did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Pulled {
    /// The manifest pulled.
    pub descriptor: Descriptor,
    /// The files written, in the order they completed (same content under a second name
    /// included), and with [`PullOptions::keep_old_files`] those found in place and kept.
    pub files: Vec<PulledFile>,
    /// Whether successors without a file name (`org.opencontainers.image.title`) were met:
    /// layers left out, or manifests (an index's, a subject) followed. oras then prints its
    /// hint instead of `Pulled`.
    pub skipped_unnamed: bool,
}

/// Resolves `reference` in `src` and writes the named layers of the artifact (and of its
/// subjects, with [`PullOptions::include_subject`]) below `output`. Every title is checked
/// before anything is written: nothing lands outside `output` unless allowed.
pub async fn pull(
    src: Arc<dyn ReadOnlyGraphTarget>,
    reference: &str,
    output: &Path,
    opts: &PullOptions,
) -> Result<Pulled> {
    let root = resolve_selected(
        &*src,
        reference,
        opts.platform.as_ref(),
        opts.referrer.as_ref(),
        &*opts.observer,
    )
    .await?;
    let store = output_store(output, opts)?;
    let observer = Arc::new(PullObserver {
        inner: opts.observer.clone(),
        store: store.clone(),
        files: Mutex::default(),
        skipped: AtomicBool::new(false),
    });
    let copy = CopyGraphOptions {
        concurrency: opts.concurrency,
        observer: observer.clone(),
        find_successors: Some(find_successors(
            store.clone(),
            observer.clone(),
            opts.config.clone(),
            opts.include_subject,
        )),
        ..Default::default()
    };
    copy_graph(src, store.clone(), &root, &copy).await?;
    let files = pulled_files(output, &observer.files.lock().expect("pulled files"));
    Ok(Pulled {
        descriptor: root,
        files,
        skipped_unnamed: observer.skipped.load(Ordering::Relaxed),
    })
}

/// The file store a pull writes into: `output` (created if needed) with the options' rules
/// for existing files, traversal and modes.
fn output_store(output: &Path, opts: &PullOptions) -> Result<Arc<FileStore>> {
    std::fs::create_dir_all(output)
        .map_err(|e| Error::from(e).context(format!("failed to create {}", output.display())))?;
    let store = FileStore::new(
        output,
        FileStoreOptions {
            allow_path_traversal: opts.allow_path_traversal,
            disable_overwrite: opts.keep_old_files,
            keep_existing: opts.keep_old_files,
            preserve_permissions: opts.preserve_permissions,
            ..Default::default()
        },
    )?;
    Ok(Arc::new(store))
}

/// The files of the layers `written` below `output` (an absolute title is where it says).
fn pulled_files(output: &Path, written: &[Descriptor]) -> Vec<PulledFile> {
    let out_dir = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
    written
        .iter()
        .map(|d| {
            let title = d.title().unwrap_or_default();
            PulledFile {
                path: if Path::new(title).is_absolute() {
                    PathBuf::from(title)
                } else {
                    out_dir.join(title)
                },
                descriptor: d.clone(),
            }
        })
        .collect()
}

/// The successors a pull follows: named layers (the config when it gets a name), manifests,
/// and the subject when asked; unnamed blobs are reported as skipped. Each manifest's titles
/// are claimed before any of them is written.
fn find_successors(
    store: Arc<FileStore>,
    observer: Arc<PullObserver>,
    config: Option<(PathBuf, String)>,
    include_subject: bool,
) -> FindSuccessors {
    let empty = Descriptor::empty_json();
    // as oras: only the first config met (the root's) may get the `--config` name
    let config_seen = AtomicBool::new(false);
    Arc::new(move |node: &Descriptor, bytes: &[u8]| {
        let view = SuccessorView::parse(bytes).unwrap_or_default();
        let mut nodes = successors_of(node, bytes)?;
        // the subject is followed only when asked
        if let Some(subject) = &view.subject
            && let Some(i) = nodes
                .iter()
                .position(|n| n.digest == subject.digest && n.media_type == subject.media_type)
        {
            nodes.remove(i);
        }
        let mut out = Vec::new();
        for mut s in nodes {
            let is_config = view.config.as_ref().is_some_and(|c| c.same_content(&s))
                && node.media_type != media_type::IMAGE_INDEX;
            if is_config
                && !config_seen.swap(true, Ordering::SeqCst)
                && let Some((path, want)) = &config
                && (want.is_empty() || *want == s.media_type)
            {
                s.annotations.insert(
                    annotations::TITLE.into(),
                    path.to_string_lossy().into_owned(),
                );
            }
            if s.title().is_none() {
                // an empty layer, or an empty (`{}`) config of any media type, is no file
                let empty_config = is_config && s.digest == empty.digest && s.size == empty.size;
                if empty_config || s.same_content(&empty) {
                    continue;
                }
                // as oras: any unnamed successor, a manifest too, makes the pull say that
                // unnamed layers were left out
                observer.skipped.store(true, Ordering::Relaxed);
                if !s.is_manifest() {
                    observer.inner.on_event(&Event::Skipped(&s));
                    continue;
                }
            }
            out.push(s);
        }
        store.claim_names(&out)?;
        if include_subject && let Some(subject) = &view.subject {
            // the subject has no name either
            observer.skipped.store(true, Ordering::Relaxed);
            out.push(subject.clone());
        }
        Ok(out)
    })
}

/// Passes the copy's events on, adding [`Event::Restored`] for content the file store wrote
/// under a second name (in place of the copy's [`Event::Deduplicated`]), and records the files
/// written.
struct PullObserver {
    inner: Arc<dyn Observer>,
    store: Arc<FileStore>,
    files: Mutex<Vec<Descriptor>>,
    skipped: AtomicBool,
}

impl PullObserver {
    /// Records a written file; false if it was recorded already.
    fn record(&self, d: &Descriptor) -> bool {
        let mut files = self.files.lock().expect("pulled files");
        if files
            .iter()
            .any(|f| f.digest == d.digest && f.title() == d.title())
        {
            return false;
        }
        files.push(d.clone());
        true
    }
}

impl Observer for PullObserver {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Deduplicated(_) = event {
            // reported as Restored below, once the parent (and so the second file) is written
            return;
        }
        if let Event::Done(d) = event {
            if d.is_manifest()
                && let Some(bytes) = self.store.fallback().get(d)
            {
                for s in successors_of(d, &bytes).unwrap_or_default() {
                    let Some(title) = s.title() else { continue };
                    if self.store.has_name(title) && self.record(&s) {
                        if self.store.is_kept(title) {
                            self.inner.on_event(&Event::Exists(&s));
                        } else {
                            self.inner.on_event(&Event::Restored(&s));
                        }
                    }
                }
            }
            if d.title().is_some() {
                self.record(d);
            }
        }
        if let Event::Exists(d) = event
            && d.title().is_some()
        {
            // a file kept on disk (`-k`) is one of the pull's files
            self.record(d);
        }
        self.inner.on_event(event);
    }

    fn wants_progress(&self) -> bool {
        self.inner.wants_progress()
    }
}

setters!(PullOptions {
    /// Sets [`PullOptions::platform`].
    platform: Option<Platform>,
    /// Sets [`PullOptions::referrer`].
    referrer: Option<ReferrerSelector>,
    /// Sets [`PullOptions::include_subject`].
    include_subject: bool,
    /// Sets [`PullOptions::keep_old_files`].
    keep_old_files: bool,
    /// Sets [`PullOptions::allow_path_traversal`].
    allow_path_traversal: bool,
    /// Sets [`PullOptions::preserve_permissions`].
    preserve_permissions: bool,
    /// Sets [`PullOptions::config`].
    config: Option<(PathBuf, String)>,
    /// Sets [`PullOptions::concurrency`].
    concurrency: usize,
    /// Sets [`PullOptions::observer`].
    observer: Arc<dyn Observer>,
});
