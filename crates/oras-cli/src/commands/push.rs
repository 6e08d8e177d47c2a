//! `oras push`: pack files into a manifest and push it.

use std::path::Path;
use std::sync::Arc;

use clap::Args;
use oras::ops::{self, ConfigSource, PushOptions, StreamLayer};
use oras::pack::PackVersion;
use oras_spec::{Platform, split_file_ref};

use super::packer::{
    PackerOpts, ParsedAnnotations, check_relative, config_file, file_layers, source_date,
};
use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{
    CommonOpts, FormatOpts, TargetOpts, TargetRef, TtyOpts, concurrency, finish_tty, split_tags,
};
use crate::output::{Format, PUSH_PROMPTS, StatusPrinter, line, tagged_model};

pub(super) const USAGE: &str = "[flags] <name>[:<tag>[,<tag>][...]] <file>[:<type>] [...]";

#[derive(Args, Debug)]
pub struct PushArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    packer: PackerOpts,
    #[command(flatten)]
    format: FormatOpts,
    #[command(flatten)]
    tty: TtyOpts,
    /// `path` of image config file
    #[arg(long)]
    config: Option<String>,
    /// artifact type
    #[arg(long)]
    artifact_type: Option<String>,
    /// [Experimental] set artifact platform in the form of `os[/arch][/variant][:os_version]`
    #[arg(long)]
    artifact_platform: Option<String>,
    /// [Preview] specify manifest type for building artifact. Options: v1.1, v1.0 (default v1.1, overridden to v1.0 if --config is used without --artifact-type)
    #[arg(long)]
    image_spec: Option<String>,
    /// deep-traverse the destination before tagging
    #[arg(long)]
    force: bool,
    /// record the permissions of files in their layers, for pull --preserve-permissions
    #[arg(long)]
    preserve_permissions: bool,
    /// [Beyond oras 1.3] push standard input too, streamed, as a last layer named `name[:type]`
    #[arg(long)]
    stdin_name: Option<String>,
    /// concurrency level
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
}

pub async fn exec(a: PushArgs) -> CliResult {
    check_args(
        &a.args,
        "push",
        USAGE,
        1,
        false,
        "the destination for pushing",
    )?;
    let format = a.format.parse_text()?;
    let verbose = a.common.verbose();
    let (main_ref, extra_tags) = split_tags(&a.args[0]);
    let target = a.target.parse(&main_ref)?;
    target.check_tags(&extra_tags)?;
    let annotations = a.packer.parse_annotations()?;
    let mut opts = push_options(&a, &target, &extra_tags, &annotations)?;
    opts.concurrency = concurrency(a.concurrency, &[&target])?;
    let show_titles = verbose && !format.is_structured();
    let files = file_layers(&a.args[1..], &annotations, &a.packer, show_titles)?;
    let stream = stdin_layer(&a, &annotations, show_titles)?;
    let dst = target.open_write()?;
    if files.is_empty() && stream.is_none() && !format.is_structured() {
        line("Uploading empty artifact");
    }
    let tty = a.tty.start(a.common.debug);
    opts.observer = Arc::new(
        StatusPrinter::new(PUSH_PROMPTS, verbose, format.is_structured()).with_tty(tty.clone()),
    );
    let pushed = match stream {
        Some(stream) => ops::push_with_stream(dst, &files, stream, &opts).await,
        None => ops::push(dst, &files, &opts).await,
    };
    finish_tty(&tty);
    render(
        &pushed.map_err(|e| missing_artifact_type(e.kind(), target.error(e)))?,
        &target,
        &extra_tags,
        &format,
    )
}

/// The push of the flags: image spec, artifact type, config, annotations, `SOURCE_DATE_EPOCH`,
/// file modes, concurrency and the tags (the reference's own, then the extra ones).
fn push_options(
    a: &PushArgs,
    target: &TargetRef,
    extra_tags: &[String],
    annotations: &ParsedAnnotations,
) -> CliResult<PushOptions> {
    let mut opts = PushOptions::default();
    opts.image_spec = image_spec(a)?;
    opts.artifact_type = a.artifact_type.clone().unwrap_or_default();
    opts.config = match (&a.config, &a.artifact_platform) {
        (Some(c), _) => Some(config_file(c)?),
        (None, Some(p)) => Some(ConfigSource::Platform(
            Platform::parse(p).map_err(CliError::new)?,
        )),
        (None, None) => None,
    };
    opts.manifest_annotations = annotations.manifest.clone();
    opts.config_annotations = annotations.config.clone();
    opts.source_date = source_date()?;
    opts.preserve_permissions = a.preserve_permissions;
    opts.export_manifest = a.packer.export_manifest.as_ref().map(Into::into);
    opts.concurrency = a.concurrency;
    if !target.reference.is_empty() && target.digest().is_none() {
        opts.tags.push(target.reference.clone());
    }
    opts.tags.extend(extra_tags.iter().cloned());
    Ok(opts)
}

/// `--stdin-name name[:type]`: standard input as a stream layer (with its annotations from the
/// annotation file), refused when a secret is read from stdin too.
fn stdin_layer(
    a: &PushArgs,
    annotations: &ParsedAnnotations,
    verbose: bool,
) -> CliResult<Option<StreamLayer>> {
    let Some(arg) = &a.stdin_name else {
        return Ok(None);
    };
    for (flag, set) in [
        ("--password-stdin", a.target.remote.password_stdin),
        (
            "--identity-token-stdin",
            a.target.remote.identity_token_stdin,
        ),
    ] {
        if set {
            return fail(format!(
                "`--stdin-name` reads a layer from input and `{flag}` reads a secret from input: they cannot be both used"
            ));
        }
    }
    let (path, media_type) = split_file_ref(arg).map_err(CliError::new)?;
    check_relative(std::slice::from_ref(&path), &a.packer)?;
    let name = ops::clean_name(Path::new(&path));
    if verbose {
        line(format!("Preparing {name}"));
    }
    let mut layer =
        StreamLayer::new(name.clone(), Box::pin(tokio::io::stdin())).with_media_type(media_type);
    // looked up as the file arguments' are: by the name as given
    if let Some(extra) = annotations.files.get(&path) {
        layer = layer.with_annotations(extra.clone());
    }
    Ok(Some(layer))
}

/// The push's model (`--format`) or oras's closing lines.
fn render(
    pushed: &ops::Pushed,
    target: &TargetRef,
    extra_tags: &[String],
    format: &Format,
) -> CliResult {
    let root = &pushed.descriptor;
    let reference = target.with_digest(&root.digest);
    let model = tagged_model(&reference, root, &target.path, &pushed.tags);
    if format.print_model(&serde_json::Value::Object(model))? {
        return Ok(());
    }
    line(format!("Pushed {}", target.typed()));
    for t in extra_tags {
        line(format!("Tagged {t}"));
    }
    line(format!("ArtifactType: {}", root.artifact_type));
    line(format!("Digest: {}", root.digest));
    Ok(())
}

/// `--image-spec`, checked against `--config`, `--artifact-type` and `--artifact-platform` as
/// oras checks them.
fn image_spec(a: &PushArgs) -> CliResult<Option<PackVersion>> {
    if a.config.is_some() && a.artifact_platform.is_some() {
        return fail("--config, --artifact-platform cannot be used at the same time");
    }
    let typed = a.artifact_type.as_deref().is_some_and(|t| !t.is_empty());
    match a.image_spec.as_deref() {
        None => Ok(None),
        Some("v1.1") => {
            if a.config.is_some() && !typed {
                return Err(missing_artifact_type(
                    oras::ErrorKind::MissingArtifactType,
                    CliError::new("missing artifact type for OCI image-spec v1.1 artifacts"),
                ));
            }
            Ok(Some(PackVersion::V1_1))
        }
        Some("v1.0") => {
            if a.config.is_some() && typed {
                return fail(
                    "--artifact-type and --config cannot both be provided for 1.0 OCI image",
                );
            }
            if a.artifact_platform.is_some() && typed {
                return fail(
                    "artifact type cannot be customized for OCI image-spec v1.0 when platform is specified",
                );
            }
            Ok(Some(PackVersion::V1_0))
        }
        Some(other) => Err(CliError::new(format!(
            "invalid argument {other:?} for \"--image-spec\" flag: unknown image specification flag: {other}"
        ))
        .recommend("Available options: v1.1, v1.0")),
    }
}

/// oras's recommendation for a v1.1 artifact without a type (an error of `kind`).
fn missing_artifact_type(kind: oras::ErrorKind, err: CliError) -> CliError {
    if kind == oras::ErrorKind::MissingArtifactType {
        err.recommend("set an artifact type via `--artifact-type` or consider image spec v1.0")
    } else {
        err
    }
}
