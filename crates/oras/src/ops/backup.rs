//! Backing up tags of a repository into an OCI layout (a directory or a tar archive), and
//! restoring them: each tag's graph, with its referrers when asked, copied and tagged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use oras_spec::{Descriptor, Digest};

use crate::content::oci::OciLayout;
use crate::content::{GraphTarget, ReadOnlyGraphTarget};
use crate::copy::{CopyGraphOptions, copy_graphs};
use crate::error::{Error, Result};
use crate::events::{Event, NoObserver, Observer};
use crate::limits::ReferrerLimits;
use crate::referrers::find_referrers_within;

/// How to back up or restore.
#[derive(Clone)]
#[non_exhaustive]
pub struct BackupOptions {
    /// Copy the referrers of each tagged artifact too (recursively).
    pub referrers: bool,
    /// Bounds of the referrers walk.
    pub referrer_limits: ReferrerLimits,
    /// Only find out what would be copied (restore's `--dry-run`).
    pub dry_run: bool,
    /// Nodes transferred at once: an exact cap; 0 (the default) adapts to the registry (see
    /// [`crate::copy::CopyGraphOptions::concurrency`]).
    pub concurrency: usize,
    /// Receives the transfer's events, and [`Event::ArtifactCopied`] after each tag.
    pub observer: Arc<dyn Observer>,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions {
            referrers: false,
            referrer_limits: ReferrerLimits::default(),
            dry_run: false,
            concurrency: 0,
            observer: Arc::new(NoObserver),
        }
    }
}

/// One tag copied.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TagCopied {
    /// The tag.
    pub tag: String,
    /// The manifest it points at.
    pub descriptor: Descriptor,
    /// How many referrers were copied with it.
    pub referrers: usize,
}

/// What a backup or restore did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BackedUp {
    /// The tags, in order.
    pub tags: Vec<TagCopied>,
    /// For a backup into a tar archive: its size in bytes.
    pub archive_size: Option<u64>,
}

/// The tags of `src` a backup takes when none are named: all but the `sha256-…` tags of the
/// referrers tag schema.
pub async fn backup_tags(src: &dyn ReadOnlyGraphTarget) -> Result<Vec<String>> {
    let mut tags = src.tags(None).await?;
    tags.retain(|t| Digest::parse(&t.replacen('-', ":", 1)).is_err());
    Ok(tags)
}

/// Whether a backup to `output` writes a tar archive (the name ends in `.tar`); fails
/// ([`crate::ErrorKind::Conflict`]) when such a name is an existing directory.
pub fn check_backup_output(output: &Path) -> Result<bool> {
    let as_tar = output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tar"));
    if as_tar && output.is_dir() {
        return Err(Error::new(
            crate::ErrorKind::Conflict,
            format!(
                "the output path {:?} already exists and is a directory",
                output.display().to_string()
            ),
        ));
    }
    Ok(as_tar)
}

/// Copies `tags` of `src` (with their referrers when asked) into an OCI layout at `output`: a
/// directory, or a tar archive when the name ends in `.tar` (built in a directory beside it
/// and renamed into place once complete).
pub async fn backup(
    src: Arc<dyn ReadOnlyGraphTarget>,
    tags: &[String],
    output: &Path,
    opts: &BackupOptions,
) -> Result<BackedUp> {
    let staging = if check_backup_output(output)? {
        // fail fast on a path that cannot be written
        std::fs::File::create(output).map_err(|e| {
            Error::from(e).context(format!("failed to create {}", output.display()))
        })?;
        let parent = output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Some(
            tempfile::Builder::new()
                .prefix("oras-backup-")
                .tempdir_in(parent)?,
        )
    } else {
        None
    };
    let dir: PathBuf = staging
        .as_ref()
        .map(|s| s.path().to_path_buf())
        .unwrap_or_else(|| output.to_path_buf());
    let dst: Arc<dyn GraphTarget> = Arc::new(OciLayout::open(&dir)?);
    let copied = copy_tags(src, dst, tags, opts).await?;
    let _ = std::fs::remove_dir_all(dir.join("ingest"));
    let mut archive_size = None;
    if staging.is_some() {
        let out = output.to_path_buf();
        let from = dir.clone();
        tokio::task::spawn_blocking(move || write_layout_tar(&from, &out))
            .await
            .map_err(|e| Error::new(crate::ErrorKind::Io, e.to_string()))??;
        archive_size = Some(std::fs::metadata(output).map(|m| m.len()).unwrap_or(0));
    }
    Ok(BackedUp {
        tags: copied,
        archive_size,
    })
}

/// Copies `tags` of a backup (`src`, an OCI layout) with their referrers (unless
/// [`BackupOptions::referrers`] is off) into `dst`, a registry's repository.
pub async fn restore(
    src: Arc<dyn ReadOnlyGraphTarget>,
    dst: Arc<dyn GraphTarget>,
    tags: &[String],
    opts: &BackupOptions,
) -> Result<BackedUp> {
    Ok(BackedUp {
        tags: copy_tags(src, dst, tags, opts).await?,
        archive_size: None,
    })
}

/// Copies each tag's graph (and referrers) with one engine per tag and tags the root.
async fn copy_tags(
    src: Arc<dyn ReadOnlyGraphTarget>,
    dst: Arc<dyn GraphTarget>,
    tags: &[String],
    opts: &BackupOptions,
) -> Result<Vec<TagCopied>> {
    let graph = CopyGraphOptions {
        concurrency: opts.concurrency,
        observer: opts.observer.clone(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(tags.len());
    for tag in tags {
        let copy = async {
            let root = src.resolve(tag).await?;
            let referrers = if opts.referrers {
                find_referrers_within(&*src, &root, 0, &opts.referrer_limits).await?
            } else {
                Vec::new()
            };
            if !opts.dry_run {
                let mut roots = vec![root.clone()];
                roots.extend(referrers.iter().cloned());
                copy_graphs(src.clone(), dst.clone(), &roots, &graph).await?;
                dst.tag(&root, tag).await?;
            }
            Ok::<_, Error>((root, referrers.len()))
        };
        let (root, referrers) = copy.await?;
        opts.observer.on_event(&Event::ArtifactCopied {
            descriptor: &root,
            tag,
            referrers,
        });
        out.push(TagCopied {
            tag: tag.clone(),
            descriptor: root,
            referrers,
        });
    }
    Ok(out)
}

/// Writes the layout directory `dir` as a plain tar at `out` (a temp file, then a rename).
fn write_layout_tar(dir: &Path, out: &Path) -> Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(parent)?;
    {
        let mut b = tar::Builder::new(std::io::BufWriter::new(tmp.as_file()));
        b.follow_symlinks(false);
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name().min_depth(1) {
            let entry = entry.map_err(|e| Error::new(crate::ErrorKind::Io, e.to_string()))?;
            let Ok(rel) = entry.path().strip_prefix(dir) else {
                continue;
            };
            if entry.file_type().is_dir() {
                b.append_dir(rel, entry.path())?;
            } else if entry.file_type().is_file() {
                b.append_path_with_name(entry.path(), rel)?;
            }
        }
        b.into_inner()?
            .into_inner()
            .map_err(|e| Error::new(crate::ErrorKind::Io, e.to_string()))?;
    }
    tmp.persist(out)
        .map_err(|e| Error::from(e.error).context(format!("failed to write {}", out.display())))?;
    Ok(())
}

setters!(BackupOptions {
    /// Sets [`BackupOptions::referrers`].
    referrers: bool,
    /// Sets [`BackupOptions::referrer_limits`].
    referrer_limits: ReferrerLimits,
    /// Sets [`BackupOptions::dry_run`].
    dry_run: bool,
    /// Sets [`BackupOptions::concurrency`].
    concurrency: usize,
    /// Sets [`BackupOptions::observer`].
    observer: Arc<dyn Observer>,
});
