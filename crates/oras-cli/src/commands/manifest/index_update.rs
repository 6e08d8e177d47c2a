//! `oras manifest index update`: remove, add and merge manifests of an index, set its artifact
//! type, push it and tag it (or write it out with `--output`).

use std::sync::Arc;

use clap::Args;
use oras::events::Event;
use oras::ops::{self, IndexUpdateOptions};
use oras_spec::{Digest, media_type};

use super::index_create::{Output, index_format, push_index};
use super::tag_of;
use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{AddedFormatOpts, CommonOpts, TargetOpts, require_reference};
use crate::output::{line, warn};

pub(super) const USAGE: &str =
    "<index>{:<tag>|@<digest>} [{--add|--merge|--remove} <manifest>{<tag>|<digest>}] [...]";

#[derive(Args, Debug)]
pub struct IndexUpdateArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    format: AddedFormatOpts,
    /// prettify JSON objects printed to stdout
    #[arg(long)]
    pretty: bool,
    /// manifests to add to the index
    #[arg(long)]
    add: Vec<String>,
    /// indexes to be merged into the index
    #[arg(long)]
    merge: Vec<String>,
    /// manifests to remove from the index, must be digests
    #[arg(long)]
    remove: Vec<String>,
    /// extra tags for the updated index
    #[arg(long)]
    tag: Vec<String>,
    /// set the artifact type of the index ("" removes it)
    #[arg(long)]
    artifact_type: Option<String>,
    /// file `path` to write the created index to, use - for stdout
    #[arg(short = 'o', long)]
    output: Option<String>,
}

pub async fn exec(a: IndexUpdateArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest index update",
        USAGE,
        1,
        true,
        "the index to update",
    )?;
    if a.output.is_some() && !a.tag.is_empty() {
        return fail("--tag, --output cannot be used at the same time");
    }
    let format = index_format(&a.format, &a.output)?;
    let target = a.target.parse(&a.args[0])?;
    require_reference(&target, "manifest index update", USAGE)?;
    target.check_tags(&a.tag)?;
    if let Some(t) = &a.artifact_type
        && !t.is_empty()
        && !media_type::is_valid(t)
    {
        return fail(format!("{t}: invalid media type"));
    }
    if a.add.is_empty() && a.merge.is_empty() && a.remove.is_empty() && a.artifact_type.is_none() {
        // no model: nothing was pushed (and stdout stays for models only)
        if format.is_structured() {
            warn("Nothing to update as no change is requested");
        } else {
            line("Nothing to update as no change is requested");
        }
        return Ok(());
    }
    let mut opts = update_options(&a)?;
    // `-o -` and `--format` print only the index or its model
    let quiet = a.output.as_deref() == Some("-") || format.is_structured();
    if !quiet {
        opts.observer = Arc::new(change_lines);
    }
    let store = target.open_write()?;
    let index = ops::index_update(&*store, &target.reference, &opts)
        .await
        .map_err(|e| target.error(e))?;
    if !quiet {
        line(format!("Updated   {}", index.descriptor.digest));
    }
    let tags = tag_of(&target)
        .into_iter()
        .chain(a.tag.iter().cloned())
        .collect();
    let output = Output {
        path: a.output.as_deref(),
        pretty: a.pretty,
        format: &format,
    };
    push_index(&target, index, tags, output, true).await
}

/// The changes the flags ask for: `--add`, `--merge`, `--remove` (digests), `--artifact-type`.
fn update_options(a: &IndexUpdateArgs) -> CliResult<IndexUpdateOptions> {
    let mut opts = IndexUpdateOptions::default();
    for r in &a.remove {
        let d = Digest::parse(r).map_err(|_| CliError::new(format!("remove: {r} is not a digest")));
        opts.remove_digests.push(d?);
    }
    opts.add_manifests = a.add.clone();
    opts.merge_indexes = a.merge.clone();
    opts.artifact_type = a.artifact_type.clone();
    Ok(opts)
}

/// A line for each manifest read and each change made.
fn change_lines(event: &Event<'_>) {
    match event {
        Event::Fetching(r) => line(format!("Fetching  {r}")),
        Event::Fetched(d, r) => line(format!("Fetched   {} {r}", d.digest)),
        Event::Removed(d) => line(format!("Removed   {}", d.digest)),
        Event::Added(d, r) => line(format!("Added     {} {r}", d.digest)),
        Event::Merged(d, r) => line(format!("Merged    {} {r}", d.digest)),
        _ => {}
    }
}
