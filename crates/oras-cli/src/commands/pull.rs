//! `oras pull`: copy an artifact's named files into a directory.

use std::path::Path;
use std::sync::Arc;

use clap::Args;
use oras::ReadOnlyGraphTarget;
use oras::ops::{self, PullOptions};
use oras_spec::split_file_ref;
use serde_json::{Value, json};

use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{
    CommonOpts, FormatOpts, PlatformOpts, ReferrerOpts, TargetOpts, TargetRef, TtyOpts,
    concurrency, finish_tty, require_reference,
};
use crate::output::{Format, PULL_PROMPTS, StatusPrinter, StdoutWriter, descriptor_model, line};

pub(super) const USAGE: &str = "[flags] <name>{:<tag>|@<digest>}";

#[derive(Args, Debug)]
pub struct PullArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    referrer: ReferrerOpts,
    #[command(flatten)]
    format: FormatOpts,
    #[command(flatten)]
    tty: TtyOpts,
    /// output directory; [Beyond oras 1.3] "-" writes one layer's bytes to stdout
    #[arg(short = 'o', long, default_value = ".")]
    output: String,
    /// [Beyond oras 1.3] the file name of the layer --output - writes
    #[arg(long)]
    select: Option<String>,
    /// do not replace existing files when pulling, treat them as errors; [Beyond oras 1.3] files already holding the layer's content are kept and the rest is pulled
    #[arg(short = 'k', long)]
    keep_old_files: bool,
    /// allow storing files out of the output directory
    #[arg(short = 'T', long)]
    allow_path_traversal: bool,
    /// recursively pull the subject of artifacts
    #[arg(long)]
    include_subject: bool,
    /// give files the permissions recorded by push --preserve-permissions (no setuid, setgid or sticky bit; minus the umask)
    #[arg(long)]
    preserve_permissions: bool,
    /// output manifest config file
    #[arg(long)]
    config: Option<String>,
    /// concurrency level
    #[arg(long, default_value_t = 3)]
    concurrency: usize,
}

pub async fn exec(a: PullArgs) -> CliResult {
    check_args(
        &a.args,
        "pull",
        USAGE,
        1,
        true,
        "the artifact reference you want to pull",
    )?;
    let format = a.format.parse_text()?;
    // beyond oras: a wrong referrer selection is refused before the target is opened
    a.referrer.parse()?;
    check_stdout_flags(&a, &format)?;
    let target = a.target.parse(&a.args[0])?;
    require_reference(&target, "pull", USAGE)?;
    let src = target.open_read_cached()?;
    if a.output == "-" {
        return pull_to_stdout(&a, src, &target).await;
    }
    let tty = a.tty.start(a.common.debug);
    let printer = StatusPrinter::new(PULL_PROMPTS, a.common.verbose(), format.is_structured())
        .with_tty(tty.clone());
    let mut opts = pull_options(&a)?;
    opts.concurrency = concurrency(a.concurrency, &[&target])?;
    opts.observer = Arc::new(printer);
    let pulled = ops::pull(src, &target.reference, Path::new(&a.output), &opts).await;
    finish_tty(&tty);
    let pulled = pulled.map_err(|e| match e.kind() {
        oras::ErrorKind::PathTraversal => target.error(e).recommend("Pulling files outside of working directory is insecure and blocked by default. If you trust the content producer, use --allow-path-traversal to bypass this check."),
        kind => ReferrerOpts::explain(target.error(e), kind),
    })?;
    render(&pulled, &target, &format)
}

/// `--output -` writes one layer's bytes and nothing else to stdout: the flags about files, and
/// a structured output, cannot go with it; `--select` needs it.
fn check_stdout_flags(a: &PullArgs, format: &Format) -> CliResult {
    if a.output != "-" {
        if a.select.is_some() {
            return fail("`--select` is only used with `--output -`");
        }
        return Ok(());
    }
    for (flag, set) in [
        ("--keep-old-files", a.keep_old_files),
        ("--allow-path-traversal", a.allow_path_traversal),
        ("--include-subject", a.include_subject),
        ("--preserve-permissions", a.preserve_permissions),
        ("--config", a.config.is_some()),
        ("--format", format.is_structured()),
    ] {
        if set {
            return fail(format!(
                "`--output -` writes one layer to stdout and cannot be used with `{flag}`"
            ));
        }
    }
    Ok(())
}

/// `--output -`: the selected layer's bytes to stdout, verified as they stream; no status
/// lines. A failure after bytes were written says to discard them (they cannot be taken back).
async fn pull_to_stdout(
    a: &PullArgs,
    src: Arc<dyn ReadOnlyGraphTarget>,
    target: &TargetRef,
) -> CliResult {
    let opts = pull_options(a)?;
    let mut stdout = StdoutWriter(tokio::io::stdout());
    ops::pull_to_writer(
        src,
        &target.reference,
        a.select.as_deref(),
        &mut stdout,
        &opts,
    )
    .await
    .map_err(|e| target.error(e))?;
    Ok(())
}

/// The pull of the flags: platform, referrer, subject, old files, traversal, file modes,
/// config, concurrency.
fn pull_options(a: &PullArgs) -> CliResult<PullOptions> {
    let mut opts = PullOptions::default();
    opts.platform = a.platform.parse()?;
    opts.referrer = a.referrer.parse()?;
    opts.include_subject = a.include_subject;
    opts.keep_old_files = a.keep_old_files;
    opts.allow_path_traversal = a.allow_path_traversal;
    opts.preserve_permissions = a.preserve_permissions;
    opts.config = match &a.config {
        Some(c) => {
            let (p, t) = split_file_ref(c).map_err(CliError::new)?;
            Some((p.into(), t))
        }
        None => None,
    };
    opts.concurrency = a.concurrency;
    Ok(opts)
}

/// The pull's model (`--format`: the reference and each file with its path) or oras's
/// closing lines.
fn render(pulled: &ops::Pulled, target: &TargetRef, format: &Format) -> CliResult {
    let files: Vec<Value> = pulled
        .files
        .iter()
        .map(|f| {
            let mut path = f.path.display().to_string();
            if f.is_directory() && !path.ends_with('/') {
                path.push('/');
            }
            let mut m = serde_json::Map::new();
            m.insert("path".into(), json!(path));
            m.extend(descriptor_model(
                &target.with_digest(&f.descriptor.digest),
                &f.descriptor,
            ));
            Value::Object(m)
        })
        .collect();
    let model = json!({
        "reference": target.with_digest(&pulled.descriptor.digest),
        "files": if files.is_empty() { Value::Null } else { Value::Array(files) },
    });
    if format.print_model(&model)? {
        return Ok(());
    }
    if pulled.skipped_unnamed {
        line("Skipped pulling layers without file name in \"org.opencontainers.image.title\"");
        line(format!(
            "Use 'oras copy {} --to-oci-layout <layout-dir>' to pull all layers.",
            target.raw
        ));
    } else {
        line(format!("Pulled {}", target.typed()));
        line(format!("Digest: {}", pulled.descriptor.digest));
    }
    Ok(())
}
