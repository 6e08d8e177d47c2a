//! `oras manifest push`: push a manifest file (or stdin) as it is, and tag it.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use oras::events::{Event, Observer};
use oras::ops::{self, PushManifestOptions};
use oras_spec::SuccessorView;

use super::tag_of;

use crate::error::{CliError, CliResult, check_args};
use crate::options::{
    AddedFormatOpts, CommonOpts, DescriptorOpts, DistSpecOpts, TargetOpts, TargetRef, io_reason,
    split_tags,
};
use crate::output::{PUSH_PROMPTS, StatusPrinter, line, print_descriptor, tagged_model};

pub(super) const USAGE: &str = "[flags] <name>[:<tag>[,<tag>][...]|@<digest>] <file>";

#[derive(Args, Debug)]
pub struct PushArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    dist: DistSpecOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    #[command(flatten)]
    format: AddedFormatOpts,
    /// media type of manifest
    #[arg(long)]
    media_type: Option<String>,
    /// concurrency level
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
}

pub async fn exec(a: PushArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest push",
        USAGE,
        2,
        true,
        "the destination to push to and the manifest file",
    )?;
    // as oras: reading the manifest from stdin is checked before anything else
    a.target.remote.check_stdin_conflict(&a.args[1])?;
    a.dist.check()?;
    let format = a.desc.check_format(&a.format)?;
    let verbose = a.common.verbose();
    let (main, extra_tags) = split_tags(&a.args[0]);
    let target = a.target.parse(&main)?.with_dist(&a.dist)?;
    target.check_tags(&extra_tags)?;
    let file = &a.args[1];
    let bytes = read_input(file)?;
    let main_tag = tag_of(&target);
    let mut opts = PushManifestOptions::default();
    opts.media_type = a.media_type.clone();
    opts.digest = target.digest();
    if !a.desc.descriptor && !format.is_structured() {
        let status = StatusPrinter::new(PUSH_PROMPTS, verbose, false);
        let pushed = format!("Pushed: {}", target.typed());
        opts.observer = Arc::new(PushedLines::new(pushed, main_tag.is_some(), Some(status)));
    }
    opts.tags = main_tag.into_iter().chain(extra_tags).collect();
    let dst = target.open_write()?;
    let bytes = bytes::Bytes::from(bytes);
    let desc = ops::push_manifest(&*dst, bytes.clone(), &opts)
        .await
        .map_err(|e| missing_media_type(e, file, &target))?;
    let reference = target.with_digest(&desc.digest);
    let model = tagged_model(
        &reference,
        &SuccessorView::describe_bytes(&bytes, &desc),
        &target.path,
        &opts.tags,
    );
    if format.print_model(&serde_json::Value::Object(model))? {
        return Ok(());
    }
    if a.desc.descriptor {
        print_descriptor(&desc, a.desc.pretty);
    } else {
        line(format!("Digest: {}", desc.digest));
    }
    Ok(())
}

/// The bytes of `file` (`-`: stdin).
fn read_input(file: &str) -> CliResult<Vec<u8>> {
    if file == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b)?;
        return Ok(b);
    }
    std::fs::read(file)
        .map_err(|e| CliError::new(format!("failed to read {file}: {}", io_reason(&e))))
}

/// oras's words, usage and advice for a manifest without a media type.
fn missing_media_type(e: oras::Error, file: &str, target: &TargetRef) -> CliError {
    if e.kind() != oras::ErrorKind::MissingMediaType {
        return target.error(e);
    }
    CliError::new(format!(
        "media type is not specified via the flag \"--media-type\" nor in {file:?}"
    ))
    .usage(format!("oras manifest push {USAGE}"))
    .recommend(
        "Please specify a valid media type in the manifest JSON or via the \"--media-type\" flag",
    )
}

/// The lines of a manifest push: the transfer lines of `status`, then `pushed` once the
/// manifest is stored and, when `first_tag_is_main`, its first tag set; then `Tagged <t>` for
/// each other tag.
pub(super) struct PushedLines {
    pushed: String,
    first_tag_is_main: bool,
    status: Option<StatusPrinter>,
    tags_seen: AtomicUsize,
}

impl PushedLines {
    pub(super) fn new(
        pushed: String,
        first_tag_is_main: bool,
        status: Option<StatusPrinter>,
    ) -> PushedLines {
        PushedLines {
            pushed,
            first_tag_is_main,
            status,
            tags_seen: AtomicUsize::new(0),
        }
    }
}

impl Observer for PushedLines {
    fn on_event(&self, event: &Event<'_>) {
        if let Some(s) = &self.status {
            s.on_event(event);
        }
        match event {
            Event::Exists(_) | Event::Done(_) if !self.first_tag_is_main => line(&self.pushed),
            Event::Tagged(_, t) => {
                let first = self.tags_seen.fetch_add(1, Ordering::Relaxed) == 0;
                if first && self.first_tag_is_main {
                    line(&self.pushed);
                } else {
                    line(format!("Tagged {t}"));
                }
            }
            _ => {}
        }
    }
}
