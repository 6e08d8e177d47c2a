//! `oras backup` and `oras restore`: a repository's tags (and referrers) to an OCI layout
//! directory or tar archive, and back.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use oras::content::oci::OciLayout;
use oras::content::{GraphTarget, ReadOnlyGraphTarget};
use oras::copy::{CopyGraphOptions, copy_graphs, find_referrers};
use oras_spec::Descriptor;

use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{
    CommonOpts, DistSpecOpts, RemoteOpts, TargetOpts, TargetRef, TtyOpts, finish_tty, split_tags,
};
use crate::output::{Prompts, StatusPrinter, line};

const BACKUP_USAGE: &str = "[flags] --output <path> <registry>/<repository>[:<ref1>[,<ref2>...]]";
const RESTORE_USAGE: &str = "[flags] --input <path> <registry>/<repository>[:<ref1>[,<ref2>...]]";

#[derive(Args, Debug)]
pub struct BackupArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    remote: RemoteOpts,
    #[command(flatten)]
    dist: DistSpecOpts,
    #[command(flatten)]
    tty: TtyOpts,
    /// path to the target output, either a tar archive (*.tar) or a directory
    #[arg(short = 'o', long, required = true)]
    output: String,
    /// back up the referrers of the artifacts
    #[arg(long)]
    include_referrers: bool,
    /// concurrency level
    #[arg(long, default_value_t = 3)]
    concurrency: usize,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    remote: RemoteOpts,
    #[command(flatten)]
    dist: DistSpecOpts,
    #[command(flatten)]
    tty: TtyOpts,
    /// path to the input, either a tar archive (*.tar) or an OCI layout directory
    #[arg(long, required = true)]
    input: String,
    /// restore the artifacts without their referrers
    #[arg(long)]
    exclude_referrers: bool,
    /// only print what would be restored
    #[arg(long)]
    dry_run: bool,
    /// concurrency level
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
}

const PULL: Prompts = Prompts {
    start: "Pulling  ",
    done: "Pulled   ",
    exists: "Exists   ",
};
const PUSH: Prompts = Prompts {
    start: "Pushing  ",
    done: "Pushed   ",
    exists: "Exists   ",
};

/// Sizes as oras prints them: `32.2 MB`.
fn human_size(n: u64) -> String {
    let (v, unit) = crate::progress::size_parts(n);
    format!("{} {unit}", crate::progress::fmt_num(v))
}

fn seconds(start: Instant) -> String {
    format!("{}s", start.elapsed().as_secs_f64().round() as u64)
}

fn found_line(n: usize, where_: &str, tags: &[String]) {
    if n <= 5 {
        line(format!("Found {n} tag(s) in {where_}: {}", tags.join(", ")));
    } else {
        line(format!("Found {n} tag(s) in {where_}:"));
        for t in tags {
            line(t);
        }
    }
}

/// Parses `registry/repo[:t1,t2]` for backup/restore: no digests, no empty tags.
fn parse_repo_ref(
    raw: &str,
    remote: &RemoteOpts,
    dist: &DistSpecOpts,
) -> CliResult<(TargetRef, Vec<String>)> {
    let (main, extra) = split_tags(raw);
    let opts = TargetOpts {
        remote: remote.clone(),
        ..Default::default()
    };
    let target = opts.parse(&main)?.with_dist(dist)?;
    if target.digest().is_some() || raw.contains('@') {
        return fail(format!("digest references are not supported: {raw:?}"));
    }
    let mut tags = Vec::new();
    if !target.reference.is_empty() || !extra.is_empty() {
        for t in std::iter::once(target.reference.clone()).chain(extra) {
            if t.is_empty() {
                return fail(format!("empty tag in reference {raw:?}"));
            }
            if let Err(e) = oras_spec::reference::validate_tag(&t) {
                return fail(format!("invalid tag {t:?} in reference {raw:?}: {e}"));
            }
            tags.push(t);
        }
    }
    Ok((target, tags))
}

/// Copies one tag's graph (and referrers when asked) and tags the root; returns the referrer count.
async fn transfer_tag(
    src: &Arc<dyn ReadOnlyGraphTarget>,
    dst: &Arc<dyn GraphTarget>,
    tag: &str,
    with_referrers: bool,
    opts: &CopyGraphOptions,
    dry_run: bool,
) -> oras::Result<usize> {
    let root = src.resolve(tag).await?;
    let referrers = if with_referrers {
        find_referrers(&**src, &root, 0).await?
    } else {
        Vec::new()
    };
    if !dry_run {
        let mut roots: Vec<Descriptor> = vec![root.clone()];
        roots.extend(referrers.iter().cloned());
        copy_graphs(src.clone(), dst.clone(), &roots, opts).await?;
        dst.tag(&root, tag).await?;
    }
    Ok(referrers.len())
}

pub async fn backup(a: BackupArgs) -> CliResult {
    check_args(
        &a.args,
        "backup",
        BACKUP_USAGE,
        1,
        true,
        "the source repository to back up",
    )?;
    let start = Instant::now();
    if a.output.is_empty() {
        return fail("the output path cannot be empty");
    }
    let (target, mut tags) = parse_repo_ref(&a.args[0], &a.remote, &a.dist)?;
    let as_tar = a.output.to_ascii_lowercase().ends_with(".tar");
    if as_tar && Path::new(&a.output).is_dir() {
        return Err(CliError::new(format!("the output path {:?} already exists and is a directory", a.output))
            .recommend("To back up to a tar archive, please specify a different output file name or remove the existing directory."));
    }
    let src: Arc<dyn ReadOnlyGraphTarget> = target.open_read()?;
    if tags.is_empty() {
        tags = src.tags(None).await?;
        tags.retain(|t| oras_spec::Digest::parse(&t.replacen('-', ":", 1)).is_err());
        if tags.is_empty() {
            return Err(
                CliError::new(format!("no tags found in repository {:?}", target.path)).recommend(
                    format!(
                        "If you want to list available tags in {:?}, use \"oras repo tags\"",
                        target.path
                    ),
                ),
            );
        }
    }
    found_line(tags.len(), &target.path, &tags);
    // tar output: fail fast on an unwritable path, stage the layout in a temp directory
    let staging = if as_tar {
        std::fs::File::create(&a.output)
            .map_err(|e| CliError::new(format!("failed to create {}: {e}", a.output)))?;
        let parent = Path::new(&a.output)
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
    let layout_dir: PathBuf = staging
        .as_ref()
        .map(|s| s.path().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(&a.output));
    let dst: Arc<dyn GraphTarget> = Arc::new(OciLayout::open(&layout_dir)?);
    let tty = a.tty.start(a.common.debug);
    let printer = Arc::new(StatusPrinter::new(PULL, true, false).with_tty(tty.clone()));
    let opts = CopyGraphOptions {
        concurrency: a.concurrency,
        hooks: printer,
        ..Default::default()
    };
    for t in &tags {
        let n = transfer_tag(&src, &dst, t, a.include_referrers, &opts, false)
            .await
            .map_err(|e| {
                CliError::new(format!(
                    "failed to back up tag {t:?} from {:?} to {:?}: {}",
                    target.path,
                    a.output,
                    CliError::from(e).message
                ))
            })?;
        line(format!("Pulled tag {t} with {n} referrer(s)"));
    }
    finish_tty(&tty);
    let _ = std::fs::remove_dir_all(layout_dir.join("ingest"));
    if let Some(stage) = staging {
        line(format!("Exporting to {}", a.output));
        let out = a.output.clone();
        let dir = stage.path().to_path_buf();
        tokio::task::spawn_blocking(move || write_tar(&dir, Path::new(&out)))
            .await
            .map_err(|e| CliError::new(e.to_string()))??;
        let size = std::fs::metadata(&a.output).map(|m| m.len()).unwrap_or(0);
        line(format!("Exported to {} ({})", a.output, human_size(size)));
    }
    line(format!(
        "Successfully backed up {} tag(s) from {:?} to {:?} in {}.",
        tags.len(),
        target.path,
        a.output,
        seconds(start)
    ));
    Ok(())
}

/// Writes the layout directory `dir` as a plain tar at `out` (through a temp file + rename).
fn write_tar(dir: &Path, out: &Path) -> CliResult {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(parent)?;
    {
        let mut b = tar::Builder::new(std::io::BufWriter::new(tmp.as_file()));
        b.follow_symlinks(false);
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name().min_depth(1) {
            let entry = entry.map_err(|e| CliError::new(e.to_string()))?;
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("walkdir yields children");
            if entry.file_type().is_dir() {
                b.append_dir(rel, entry.path())?;
            } else if entry.file_type().is_file() {
                b.append_path_with_name(entry.path(), rel)?;
            }
        }
        b.into_inner()?
            .into_inner()
            .map_err(|e| CliError::new(e.to_string()))?;
    }
    tmp.persist(out)
        .map_err(|e| CliError::new(format!("failed to write {}: {}", out.display(), e.error)))?;
    Ok(())
}

fn is_tar_file(path: &Path) -> CliResult<bool> {
    if path.is_dir() {
        return Ok(false);
    }
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tar"))
    {
        return Ok(true);
    }
    let mut magic = [0u8; 5];
    let ok = std::fs::File::open(path).and_then(|mut f| {
        use std::io::{Read, Seek, SeekFrom};
        f.seek(SeekFrom::Start(257))?;
        f.read_exact(&mut magic)
    });
    if ok.is_ok() && &magic == b"ustar" {
        return Ok(true);
    }
    fail(format!(
        "input path {:?} is not a tar archive",
        path.display().to_string()
    ))
}

pub async fn restore(a: RestoreArgs) -> CliResult {
    check_args(
        &a.args,
        "restore",
        RESTORE_USAGE,
        1,
        true,
        "the destination repository to restore to",
    )?;
    let start = Instant::now();
    let (target, mut tags) = parse_repo_ref(&a.args[0], &a.remote, &a.dist)?;
    let input = Path::new(&a.input);
    if !input.exists() {
        return fail(format!(
            "failed to find path {:?}: stat {}: no such file or directory",
            a.input, a.input
        ));
    }
    let src: Arc<dyn ReadOnlyGraphTarget> = if is_tar_file(input)? {
        let layout = OciLayout::open_read_only(input).map_err(|e| {
            CliError::new(format!(
                "failed to prepare OCI store from tar archive {:?}: {e}",
                a.input
            ))
        })?;
        let size = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
        line(format!(
            "Loaded backup archive: {} ({})",
            a.input,
            human_size(size)
        ));
        Arc::new(layout)
    } else {
        Arc::new(OciLayout::open(input)?)
    };
    if tags.is_empty() {
        tags = src.tags(None).await?;
        if tags.is_empty() {
            return Err(CliError::new(format!("no tags found in OCI layout {:?}", a.input))
                .recommend(format!("If you want to list available tags in {:?}, use \"oras repo tags --oci-layout\"", a.input)));
        }
    }
    found_line(tags.len(), "the backup", &tags);
    let dst: Arc<dyn GraphTarget> = target.open_write()?;
    let tty = if a.dry_run {
        None
    } else {
        a.tty.start(a.common.debug)
    };
    let printer = Arc::new(StatusPrinter::new(PUSH, true, a.dry_run).with_tty(tty.clone()));
    let opts = CopyGraphOptions {
        concurrency: a.concurrency,
        hooks: printer,
        ..Default::default()
    };
    for t in &tags {
        let n = transfer_tag(&src, &dst, t, !a.exclude_referrers, &opts, a.dry_run)
            .await
            .map_err(|e| {
                let mut err = CliError::from(e);
                err.message = format!(
                    "failed to restore tag {t:?} to {:?}: {}",
                    target.path, err.message
                );
                err
            })?;
        if a.dry_run {
            line(format!("Dry run: would push tag {t} with {n} referrer(s)"));
        } else {
            line(format!("Pushed tag {t} with {n} referrer(s)"));
        }
    }
    finish_tty(&tty);
    if a.dry_run {
        line(format!(
            "Dry run complete: {} tag(s) would be restored to {:?} (no data pushed)",
            tags.len(),
            target.path
        ));
    } else {
        line(format!(
            "Successfully restored {} tag(s) to {:?} in {}",
            tags.len(),
            target.path,
            seconds(start)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        assert_eq!(super::human_size(37), "37 B");
        assert_eq!(super::human_size(33_764_147), "32.2 MB");
        assert_eq!(super::human_size(1_234_803_097), "1.15 GB");
        assert_eq!(super::human_size(2048), "2 KB");
    }
}
