//! `oras cache …` (beyond oras 1.3): show how much the `ORAS_CACHE` cache holds, and prune it
//! to a size or an age.

mod units;

use std::path::PathBuf;
use std::time::SystemTime;

use clap::{Args, Subcommand};
use oras::content::cache::{CacheInfo, PruneOptions, Pruned};
use oras::ops;
use serde_json::{Value, json};

use crate::error::{CliError, CliResult, fail};
use crate::help::{GO_TEMPLATE, JSON, TEXT, format_usage, long};
use crate::options::{CommonOpts, FormatOpts, oras_cache_dir};
use crate::output::line;
use crate::progress::human_size;

#[derive(Subcommand, Debug)]
pub enum CacheCommand {
    /// [Beyond oras 1.3] Show where the cache is and how much it holds
    #[command(
        long_about = long::CACHE_INFO,
        mut_arg("format", |a| a.help(format_usage(TEXT, &[JSON, GO_TEMPLATE])))
    )]
    Info(InfoArgs),
    /// [Beyond oras 1.3] Remove the least recently used content from the cache
    #[command(
        long_about = long::CACHE_PRUNE,
        mut_arg("format", |a| a.help(format_usage(TEXT, &[JSON, GO_TEMPLATE])))
    )]
    Prune(PruneArgs),
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    #[arg(hide = true)]
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    format: FormatOpts,
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    #[arg(hide = true)]
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    format: FormatOpts,
    /// keep at most `size` in the cache, removing the least recently used content first (e.g. 10GiB, 500MB; 0 empties it)
    #[arg(long)]
    max_size: Option<String>,
    /// remove content not used for `age` (e.g. 30d, 12h, 1d12h)
    #[arg(long)]
    max_age: Option<String>,
}

pub async fn exec(c: CacheCommand) -> CliResult {
    match c {
        CacheCommand::Info(a) => info(a).await,
        CacheCommand::Prune(a) => prune(a).await,
    }
}

/// The cache directory: `ORAS_CACHE`, which must be set.
fn cache_dir(cmd: &str, args: &[String]) -> CliResult<PathBuf> {
    if let Some(extra) = args.first() {
        return fail(format!(
            "unknown command {extra:?} for \"oras cache {cmd}\""
        ));
    }
    oras_cache_dir().ok_or_else(|| {
        CliError::new("ORAS_CACHE is not set: there is no cache").recommend(
            "set ORAS_CACHE to the cache directory, e.g. `export ORAS_CACHE=~/.oras/cache`",
        )
    })
}

async fn info(a: InfoArgs) -> CliResult {
    let dir = cache_dir("info", &a.args)?;
    let format = a.format.parse_text()?;
    let info = ops::cache_info(&dir).await?;
    if format.print_model(&info_model(&info))? {
        return Ok(());
    }
    line(format!("Path: {}", info.path.display()));
    if !info.exists {
        line("The cache is empty: the directory does not exist yet");
    }
    line(format!("Blobs: {} ({})", info.blobs, sized(info.size)));
    line(format!(
        "Partial downloads: {} ({})",
        info.partials,
        sized(info.partial_size)
    ));
    if let (Some(oldest), Some(newest)) = (info.oldest_use, info.newest_use) {
        line(format!("Least recently used: {}", timestamp(oldest)));
        line(format!("Most recently used: {}", timestamp(newest)));
    }
    Ok(())
}

async fn prune(a: PruneArgs) -> CliResult {
    let dir = cache_dir("prune", &a.args)?;
    let format = a.format.parse_text()?;
    let mut opts = PruneOptions::default();
    if let Some(size) = &a.max_size {
        opts = opts.max_size(units::parse_size(size)?);
    }
    if let Some(age) = &a.max_age {
        opts = opts.max_age(units::parse_age(age)?);
    }
    if opts.max_size.is_none() && opts.max_age.is_none() {
        return fail("at least one of the flags in the group [max-age max-size] is required");
    }
    let pruned = ops::cache_prune(&dir, &opts).await?;
    if format.print_model(&prune_model(&dir, &pruned))? {
        return Ok(());
    }
    for b in &pruned.removed {
        line(format!("Removed {} ({})", b.digest, human_size(b.size)));
    }
    line(format!(
        "Pruned {} blob(s) and {} partial download(s): {} removed, {} blob(s) ({}) kept",
        pruned.removed.len(),
        pruned.removed_partials,
        sized(pruned.removed_size),
        pruned.kept_blobs,
        sized(pruned.kept_size),
    ));
    Ok(())
}

/// `1048576 bytes, 1 MB`.
fn sized(bytes: u64) -> String {
    format!("{bytes} bytes, {}", human_size(bytes))
}

/// RFC 3339 in UTC, to the second.
fn timestamp(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t)
        .map(|ts| ts.round(jiff::Unit::Second).unwrap_or(ts).to_string())
        .unwrap_or_default()
}

fn info_model(info: &CacheInfo) -> Value {
    json!({
        "path": info.path.display().to_string(),
        "exists": info.exists,
        "blobs": info.blobs,
        "size": info.size,
        "partials": info.partials,
        "partialSize": info.partial_size,
        "oldestUse": info.oldest_use.map(timestamp),
        "newestUse": info.newest_use.map(timestamp),
    })
}

fn prune_model(dir: &std::path::Path, pruned: &Pruned) -> Value {
    let removed: Vec<Value> = pruned
        .removed
        .iter()
        .map(|b| {
            json!({
                "digest": b.digest.to_string(),
                "size": b.size,
                "lastUsed": timestamp(b.last_used),
            })
        })
        .collect();
    json!({
        "path": dir.display().to_string(),
        "removed": removed,
        "removedPartials": pruned.removed_partials,
        "removedSize": pruned.removed_size,
        "keptBlobs": pruned.kept_blobs,
        "keptSize": pruned.kept_size,
    })
}
