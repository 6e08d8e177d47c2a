//! `oras manifest index create`: an index of manifests in one repository or layout, pushed
//! and tagged, or written out with `--output`.

use std::sync::Arc;

use clap::Args;
use oras::content::ReadOnlyGraphTarget;
use oras::events::Event;
use oras::ops::{self, IndexCreateOptions, NewIndex, PushManifestOptions};
use oras_spec::{Annotations, Digest, SuccessorView, media_type};

use super::push::PushedLines;
use super::{tag_of, write_output};
use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{AddedFormatOpts, CommonOpts, TargetOpts, TargetRef, split_tags};
use crate::output::{Format, line, print_raw_json, tagged_model};

pub(super) const USAGE: &str =
    "[flags] <target>[:<tag[,<tag>][...]] <sources>[{<tag>|<digest>}...]";

#[derive(Args, Debug)]
pub struct IndexCreateArgs {
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
    /// manifest annotations
    #[arg(short = 'a', long = "annotation")]
    annotations: Vec<String>,
    /// artifact type of the index
    #[arg(long)]
    artifact_type: Option<String>,
    /// file `path` to write the created index to, use - for stdout
    #[arg(short = 'o', long)]
    output: Option<String>,
}

pub async fn exec(a: IndexCreateArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest index create",
        USAGE,
        1,
        false,
        "the destination index to create",
    )?;
    let format = index_format(&a.format, &a.output)?;
    let (main, extra_tags) = split_tags(&a.args[0]);
    let target = a.target.parse(&main)?;
    target.check_tags(&extra_tags)?;
    let mut opts = create_options(&a)?;
    let src = target.open_read().or_else(|_| {
        target
            .open_write()
            .map(|w| w as Arc<dyn ReadOnlyGraphTarget>)
    })?;
    // `-o -` and `--format` print only the index or its model.
    let quiet = a.output.as_deref() == Some("-") || format.is_structured();
    if !quiet {
        opts.observer = Arc::new(fetch_lines);
    }
    let index = ops::index_create(&*src, &a.args[1..], &opts)
        .await
        .map_err(|e| target.error(e))?;
    if !quiet {
        let d = &index.descriptor;
        line(format!("Packed    {} {}", d.digest.short(), d.media_type));
    }
    let tags = tag_of(&target).into_iter().chain(extra_tags).collect();
    let output = Output {
        path: a.output.as_deref(),
        pretty: a.pretty,
        format: &format,
    };
    push_index(&target, index, tags, output, false).await
}

/// `--format` of an index command, refused with `--output` (the index is not pushed then).
pub(super) fn index_format(format: &AddedFormatOpts, output: &Option<String>) -> CliResult<Format> {
    let parsed = format.parse_text()?;
    if parsed.is_structured() && output.is_some() {
        return fail("--format, --output cannot be used at the same time");
    }
    Ok(parsed)
}

/// Where an index command's result goes: the file of `--output` (`-`, stdout, prettified with
/// `--pretty`), else the registry or layout, with the lines or the model of `--format`.
pub(super) struct Output<'a> {
    /// `--output`.
    pub path: Option<&'a str>,
    /// `--pretty`.
    pub pretty: bool,
    /// `--format`.
    pub format: &'a Format,
}

/// `Fetching  <ref>` and `Fetched   [<digest>] <ref>` for each manifest taken in.
fn fetch_lines(event: &Event<'_>) {
    match event {
        Event::Fetching(r) => line(format!("Fetching  {r}")),
        Event::Fetched(_, r) if Digest::parse(r).is_ok() => line(format!("Fetched   {r}")),
        Event::Fetched(d, r) => line(format!("Fetched   {} {r}", d.digest)),
        _ => {}
    }
}

/// The index's annotations and artifact type, checked.
fn create_options(a: &IndexCreateArgs) -> CliResult<IndexCreateOptions> {
    let mut opts = IndexCreateOptions::default();
    opts.annotations = parse_annotation_flags(&a.annotations)?;
    if let Some(t) = &a.artifact_type
        && !media_type::is_valid(t)
    {
        return fail(format!("{t}: invalid media type"));
    }
    opts.artifact_type = a.artifact_type.clone().unwrap_or_default();
    Ok(opts)
}

fn parse_annotation_flags(flags: &[String]) -> CliResult<Annotations> {
    let mut out = Annotations::new();
    for a in flags {
        let Some((k, v)) = a.split_once('=') else {
            return Err(
                CliError::new("annotation value doesn't match the required format").recommend(
                    "Please use the correct format in the flag: --annotation \"key=value\"",
                ),
            );
        };
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return fail(format!("duplicate annotation key: {k}"));
        }
    }
    Ok(out)
}

/// Pushes a new index with `tags` (or writes it to `output`) and prints the result lines or
/// the model. The pushed line shows the first tag, else the path (`by_digest_display`) or
/// `path@digest`.
pub(super) async fn push_index(
    target: &TargetRef,
    index: NewIndex,
    tags: Vec<String>,
    output: Output<'_>,
    by_digest_display: bool,
) -> CliResult {
    let digest = index.descriptor.digest.clone();
    if let Some(o) = output.path {
        if o == "-" {
            print_raw_json(&index.bytes, output.pretty)?;
        } else {
            write_output(o, &index.bytes)?;
            line(format!("Digest: {digest}"));
        }
        return Ok(());
    }
    let shown = match tags.first() {
        Some(first) => format!("{}:{first}", target.path),
        None if by_digest_display => target.path.clone(),
        None => target.with_digest(&digest),
    };
    let pushed = format!("Pushed    [{}] {shown}", target.type_name());
    let mut opts = PushManifestOptions::default();
    opts.media_type = Some(index.descriptor.media_type.clone());
    if !output.format.is_structured() {
        opts.observer = Arc::new(PushedLines::new(pushed, !tags.is_empty(), None));
    }
    opts.tags = tags;
    let dst = target.open_write()?;
    let desc = ops::push_manifest(&*dst, index.bytes.clone(), &opts)
        .await
        .map_err(|e| target.error(e))?;
    let reference = target.with_digest(&digest);
    let described = SuccessorView::describe_bytes(&index.bytes, &desc);
    let model = tagged_model(&reference, &described, &target.path, &opts.tags);
    if !output
        .format
        .print_model(&serde_json::Value::Object(model))?
    {
        line(format!("Digest: {digest}"));
    }
    Ok(())
}
