//! `oras restore`: tags (and referrers) of a backup, an OCI layout directory or tar archive,
//! pushed to a repository.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Args;
use oras::content::ReadOnlyGraphTarget;
use oras::content::oci::OciLayout;
use oras::ops::{self, BackedUp, BackupOptions};

use super::shared::{
    PUSH, TagLines, found_line, observe, parse_repo_ref, required_path, seconds, summary_model,
};
use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{
    AddedFormatOpts, CommonOpts, DistSpecOpts, RemoteOpts, TargetRef, TtyOpts, concurrency,
    finish_tty,
};
use crate::output::{Format, StatusPrinter, line};
use crate::progress::human_size;

pub const RESTORE_USAGE: &str =
    "[flags] --input <path> <registry>/<repository>[:<ref1>[,<ref2>...]]";

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
    #[command(flatten)]
    format: AddedFormatOpts,
    /// path to the OCI layout, either a tar archive (*.tar) or a directory
    #[arg(long)]
    input: Option<String>,
    /// restore artifacts excluding their referrers
    #[arg(long)]
    exclude_referrers: bool,
    /// simulate the restore process without actually uploading any artifacts
    #[arg(long)]
    dry_run: bool,
    /// concurrency level
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
}

/// Whether the input is a tar archive (by name or by its `ustar` magic); a file that is neither
/// a directory nor a tar is refused.
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

/// The backup to restore from: a tar archive (read in place, said on stdout unless `quiet`)
/// or a layout directory.
fn open_input(input: &str, quiet: bool) -> CliResult<Arc<dyn ReadOnlyGraphTarget>> {
    let path = Path::new(input);
    if !path.exists() {
        return fail(format!(
            "failed to find path {input:?}: stat {input}: no such file or directory"
        ));
    }
    if !is_tar_file(path)? {
        return Ok(Arc::new(OciLayout::open(path)?));
    }
    let layout = OciLayout::open_read_only(path).map_err(|e| {
        CliError::new(format!(
            "failed to prepare OCI store from tar archive {input:?}: {e}"
        ))
    })?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if !quiet {
        line(format!(
            "Loaded backup archive: {input} ({})",
            human_size(size)
        ));
    }
    Ok(Arc::new(layout))
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
    let input = required_path(&a.input, "input")?;
    let format = a.format.parse_text()?;
    let quiet = format.is_structured();
    let start = Instant::now();
    let (target, mut tags) = parse_repo_ref(&a.args[0], &a.remote, &a.dist)?;
    let src = open_input(input, quiet)?;
    if tags.is_empty() {
        tags = all_tags(&*src, input).await?;
    }
    found_line(tags.len(), "the backup", &tags, quiet);
    let dst = target.open_write()?;
    let tty = (!a.dry_run).then(|| a.tty.start(a.common.debug)).flatten();
    let per_tag = if a.dry_run {
        "Dry run: would push tag {tag} with {n} referrer(s)"
    } else {
        "Pushed tag {tag} with {n} referrer(s)"
    };
    let (lines, observer) = observe(TagLines {
        status: StatusPrinter::new(PUSH, true, a.dry_run || quiet).with_tty(tty.clone()),
        per_tag,
        after_last: None,
        done: Mutex::new(0),
        quiet,
    });
    let opts = BackupOptions::default()
        .referrers(!a.exclude_referrers)
        .dry_run(a.dry_run)
        .concurrency(concurrency(a.concurrency, &[&target])?)
        .observer(observer);
    let restored = ops::restore(src, dst, &tags, &opts).await;
    finish_tty(&tty);
    let restored = restored.map_err(|e| {
        let tag = tags.get(lines.done()).map_or("", String::as_str);
        CliError::from(e).context(format!(
            "failed to restore tag {tag:?} to {:?}",
            target.path
        ))
    })?;
    render(&restored, &target, input, a.dry_run, &format, start)
}

/// The restore's model (`--format`) or oras's closing line.
fn render(
    restored: &BackedUp,
    target: &TargetRef,
    input: &str,
    dry_run: bool,
    format: &Format,
    start: Instant,
) -> CliResult {
    let mut fields = serde_json::Map::new();
    fields.insert("input".into(), input.into());
    fields.insert("dryRun".into(), dry_run.into());
    if format.print_model(&summary_model(target, fields, &restored.tags))? {
        return Ok(());
    }
    let (n, path) = (restored.tags.len(), &target.path);
    line(if dry_run {
        format!("Dry run complete: {n} tag(s) would be restored to {path:?} (no data pushed)")
    } else {
        format!(
            "Successfully restored {n} tag(s) to {path:?} in {}",
            seconds(start)
        )
    });
    Ok(())
}

/// Every tag of the backup (oras's error when it has none).
async fn all_tags(src: &dyn ReadOnlyGraphTarget, input: &str) -> CliResult<Vec<String>> {
    let tags = src.tags(None).await?;
    if tags.is_empty() {
        return Err(CliError::new(format!("no tags found in OCI layout {input:?}"))
            .recommend(format!("If you want to list available tags in {input:?}, use \"oras repo tags --oci-layout\"")));
    }
    Ok(tags)
}
