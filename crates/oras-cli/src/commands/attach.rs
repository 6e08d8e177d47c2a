//! `oras attach`: push an artifact whose `subject` is an existing manifest.

use std::sync::Arc;

use clap::Args;
use oras::ops::{self, AttachOptions};
use oras_spec::Digest;

use super::packer::{PackerOpts, ParsedAnnotations, config_file, file_layers, source_date};
use crate::error::{CliError, CliResult, check_args, fail, require_flag};
use crate::options::{
    CommonOpts, DistSpecOpts, FormatOpts, PlatformOpts, TargetOpts, TargetRef, TtyOpts,
    concurrency, finish_tty,
};
use crate::output::{Format, PUSH_PROMPTS, StatusPrinter, descriptor_model, line};

pub(super) const USAGE: &str = "[flags] --artifact-type=<type> <name>{:<tag>|@<digest>} {<file>[:<layer_media_type>]|--annotation <key>=<value>} [...]";

#[derive(Args, Debug)]
pub struct AttachArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    dist: DistSpecOpts,
    #[command(flatten)]
    packer: PackerOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    format: FormatOpts,
    #[command(flatten)]
    tty: TtyOpts,
    /// artifact type
    #[arg(long)]
    artifact_type: Option<String>,
    /// `path` of image config file
    #[arg(long)]
    config: Option<String>,
    /// concurrency level
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
}

pub async fn exec(a: AttachArgs) -> CliResult {
    check_args(
        &a.args,
        "attach",
        USAGE,
        1,
        false,
        "the destination artifact for attaching.",
    )?;
    let artifact_type = require_flag(&a.artifact_type, "artifact-type")?;
    a.dist.check()?;
    let format = a.format.parse_text()?;
    let verbose = a.common.verbose();
    if a.config.is_some() && a.platform.platform.is_some() {
        return fail("--config, --platform cannot be used at the same time");
    }
    let target = a
        .target
        .parse(&a.args[0])
        .map_err(|e| missing_subject(e, &a.target, &a.args[0], &a.args[1..]))?
        .with_dist(&a.dist)?;
    let annotations = a.packer.parse_annotations()?;
    check_input(&target, &a.args[1..], &annotations)?;
    let mut opts = attach_options(&a, &annotations)?;
    opts.concurrency = concurrency(a.concurrency, &[&target])?;
    let show_titles = verbose && !format.is_structured();
    let files = file_layers(&a.args[1..], &annotations, &a.packer, show_titles)?;
    opts.cache = target.remote_cache()?;
    let dst = target.open_write()?;
    let tty = a.tty.start(a.common.debug);
    opts.observer = Arc::new(
        StatusPrinter::new(PUSH_PROMPTS, verbose, format.is_structured()).with_tty(tty.clone()),
    );
    let attached = ops::attach(dst, &target.reference, artifact_type, &files, &opts).await;
    finish_tty(&tty);
    render(&attached.map_err(|e| target.error(e))?, &target, &format)
}

/// A subject reference with a tag or digest, and something to attach: files or annotations.
fn check_input(target: &TargetRef, files: &[String], annotations: &ParsedAnnotations) -> CliResult {
    if target.reference.is_empty() {
        let mut rec = String::new();
        if files.is_empty() {
            rec.push_str("Are you missing an artifact reference to attach to? ");
        }
        rec.push_str("Please specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras attach -h\" for more options and examples");
        return Err(
            CliError::new(format!("{:?}: no tag or digest specified", target.raw))
                .usage(format!("oras attach {USAGE}"))
                .recommend(rec),
        );
    }
    if files.is_empty() && annotations.manifest.is_empty() {
        return Err(CliError::new("neither file nor annotation provided in the command")
            .usage(format!("oras attach {USAGE}"))
            .recommend("To attach to an existing artifact, please provide files via argument or annotations via flag \"--annotation\". Run \"oras attach -h\" for more options and examples"));
    }
    Ok(())
}

/// The attach of the flags: platform, config, annotations, `SOURCE_DATE_EPOCH`.
fn attach_options(a: &AttachArgs, annotations: &ParsedAnnotations) -> CliResult<AttachOptions> {
    let mut opts = AttachOptions::default();
    opts.platform = a.platform.parse()?;
    opts.config = a.config.as_deref().map(config_file).transpose()?;
    opts.manifest_annotations = annotations.manifest.clone();
    opts.config_annotations = annotations.config.clone();
    opts.source_date = source_date()?;
    opts.export_manifest = a.packer.export_manifest.as_ref().map(Into::into);
    Ok(opts)
}

/// The new artifact's model (`--format`) or oras's closing lines naming the subject.
fn render(attached: &ops::Attached, target: &TargetRef, format: &Format) -> CliResult {
    let (root, subject) = (&attached.descriptor, &attached.subject);
    let model = descriptor_model(&target.with_digest(&root.digest), root);
    if format.print_model(&serde_json::Value::Object(model))? {
        return Ok(());
    }
    let subject_ref = if Digest::parse(&target.reference).is_ok_and(|d| d == subject.digest) {
        target.display()
    } else {
        target.with_digest(&subject.digest)
    };
    line(format!(
        "Attached to [{}] {subject_ref}",
        target.type_name()
    ));
    line(format!("Digest: {}", root.digest));
    Ok(())
}

/// oras's hint when the subject is not a reference and no file follows: the argument was
/// probably a file meant to be attached.
fn missing_subject(e: CliError, opts: &TargetOpts, raw: &str, files: &[String]) -> CliError {
    let registry = !opts.oci_layout && opts.oci_layout_path.is_none();
    if !files.is_empty() || !registry || oras_spec::Reference::parse(raw).is_ok() {
        return e;
    }
    let rec = e.recommendation.clone().unwrap_or_default();
    e.recommend(format!(
        "Are you missing an artifact reference to attach to? {rec}"
    ))
}
