//! `oras backup`: a repository's tags (and referrers) into an OCI layout directory or tar
//! archive; `oras restore` ([`restore`]) brings them back.

mod restore;
pub(crate) mod shared;

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use clap::Args;
use oras::content::ReadOnlyGraphTarget;
use oras::ops::{self, BackedUp, BackupOptions};

use crate::error::{CliError, CliResult, check_args};
use crate::options::{
    AddedFormatOpts, CommonOpts, DistSpecOpts, RemoteOpts, TargetRef, TtyOpts, concurrency,
    finish_tty,
};
use crate::output::{Format, StatusPrinter, line};
use crate::progress::human_size;
pub use restore::{RESTORE_USAGE, RestoreArgs, restore};
use shared::{
    PULL, TagLines, found_line, observe, parse_repo_ref, required_path, seconds, summary_model,
};

pub(super) const BACKUP_USAGE: &str =
    "[flags] --output <path> <registry>/<repository>[:<ref1>[,<ref2>...]]";

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
    #[command(flatten)]
    format: AddedFormatOpts,
    /// path to the target output, either a tar archive (*.tar) or a directory
    #[arg(short = 'o', long)]
    output: Option<String>,
    /// back up the artifact with its referrers (e.g., attestations, SBOMs)
    #[arg(long)]
    include_referrers: bool,
    /// concurrency level
    #[arg(long, default_value_t = 3)]
    concurrency: usize,
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
    let output_arg = required_path(&a.output, "output")?;
    let format = a.format.parse_text()?;
    let quiet = format.is_structured();
    let start = Instant::now();
    let (target, mut tags) = parse_repo_ref(&a.args[0], &a.remote, &a.dist)?;
    let output = Path::new(output_arg);
    let as_tar = archive_output(output)?;
    let src = target.open_read_remote_cached()?;
    if tags.is_empty() {
        tags = all_tags(&*src, &target).await?;
    }
    found_line(tags.len(), &target.path, &tags, quiet);
    let tty = a.tty.start(a.common.debug);
    let (lines, observer) = observe(TagLines {
        status: StatusPrinter::new(PULL, true, quiet).with_tty(tty.clone()),
        per_tag: "Pulled tag {tag} with {n} referrer(s)",
        after_last: as_tar.then(|| (tags.len(), format!("Exporting to {output_arg}"))),
        done: Mutex::new(0),
        quiet,
    });
    let opts = BackupOptions::default()
        .referrers(a.include_referrers)
        .concurrency(concurrency(a.concurrency, &[&target])?)
        .observer(observer);
    let backed_up = ops::backup(src, &tags, output, &opts).await;
    finish_tty(&tty);
    let backed_up = backed_up.map_err(|e| {
        let tag = tags.get(lines.done()).cloned().unwrap_or_default();
        CliError::from(e).context(format!(
            "failed to back up tag {tag:?} from {:?} to {output_arg:?}",
            target.path
        ))
    })?;
    render(&backed_up, &target, output_arg, &format, start)
}

/// The backup's model (`--format`) or oras's closing lines.
fn render(
    backed_up: &BackedUp,
    target: &TargetRef,
    output_arg: &str,
    format: &Format,
    start: Instant,
) -> CliResult {
    let mut fields = serde_json::Map::new();
    fields.insert("output".into(), output_arg.into());
    if let Some(size) = backed_up.archive_size {
        fields.insert("archiveSize".into(), size.into());
    }
    if format.print_model(&summary_model(target, fields, &backed_up.tags))? {
        return Ok(());
    }
    if let Some(size) = backed_up.archive_size {
        line(format!("Exported to {output_arg} ({})", human_size(size)));
    }
    line(format!(
        "Successfully backed up {} tag(s) from {:?} to {:?} in {}.",
        backed_up.tags.len(),
        target.path,
        output_arg,
        seconds(start)
    ));
    Ok(())
}

/// Whether the backup goes to a tar archive (by the output's name), with oras's error for a
/// tar name that is an existing directory.
fn archive_output(output: &Path) -> CliResult<bool> {
    ops::check_backup_output(output).map_err(|e| {
        CliError::from(e).recommend("To back up to a tar archive, please specify a different output file name or remove the existing directory.")
    })
}

/// Every tag of the source repository (oras's error when it has none).
async fn all_tags(src: &dyn ReadOnlyGraphTarget, target: &TargetRef) -> CliResult<Vec<String>> {
    let tags = ops::backup_tags(src).await?;
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
    Ok(tags)
}
