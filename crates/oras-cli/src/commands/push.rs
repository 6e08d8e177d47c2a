//! `oras push`: pack files into a manifest and push it.

use std::sync::Arc;

use clap::Args;
use oras::content::GraphTarget;
use oras::content::file::{FileStore, FileStoreOptions};
use oras::content::{BlobSource, Storage};
use oras::copy::{CopyGraphOptions, copy_graph};
use oras::pack::{MISSING_ARTIFACT_TYPE, PackOptions, PackVersion, pack_manifest};
use oras_spec::{Descriptor, Platform, gojson, media_type};
use serde_json::json;

use super::packer::{PackerOpts, load_config, load_files};
use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{CommonOpts, FormatOpts, Kind, TargetOpts, TtyOpts, finish_tty, split_tags};
use crate::output::{PUSH_PROMPTS, StatusPrinter, descriptor_model, line};

const USAGE: &str = "[flags] <name>[:<tag>[,<tag>][...]] <file>[:<type>] [...]";

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
    /// `path[:mediaType]` of the manifest config
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
    if a.config.is_some() && a.artifact_platform.is_some() {
        return fail("--config, --artifact-platform cannot be used at the same time");
    }
    let mut artifact_type = a.artifact_type.clone().unwrap_or_default();
    let version = match a.image_spec.as_deref() {
        None => {
            if a.config.is_some() && artifact_type.is_empty() {
                PackVersion::V1_0
            } else {
                PackVersion::V1_1
            }
        }
        Some("v1.1") => {
            if a.config.is_some() && artifact_type.is_empty() {
                return Err(CliError::new(
                    MISSING_ARTIFACT_TYPE.to_string() + " for OCI image-spec v1.1 artifacts",
                )
                .recommend(
                    "set an artifact type via `--artifact-type` or consider image spec v1.0",
                ));
            }
            PackVersion::V1_1
        }
        Some("v1.0") => {
            if a.config.is_some() && !artifact_type.is_empty() {
                return fail(
                    "--artifact-type and --config cannot both be provided for 1.0 OCI image",
                );
            }
            if a.artifact_platform.is_some() && !artifact_type.is_empty() {
                return fail(
                    "artifact type cannot be customized for OCI image-spec v1.0 when platform is specified",
                );
            }
            PackVersion::V1_0
        }
        Some(other) => {
            return Err(CliError::new(format!("invalid argument {other:?} for \"--image-spec\" flag: unknown image specification flag: {other}"))
                .recommend("Available options: v1.1, v1.0"));
        }
    };

    if version == PackVersion::V1_1 && artifact_type.is_empty() {
        artifact_type = media_type::UNKNOWN_ARTIFACT.to_string();
    }
    // For a registry, big files start uploading while they are hashed (see upload_ahead).
    let remote = match &target.kind {
        Kind::Registry(_) => Some(target.repository(&["push"])?),
        Kind::Layout => None,
    };
    if let Some(repo) = &remote {
        for (path, size) in files_worth_uploading_ahead(&a.args[1..]) {
            repo.upload_ahead(&path, size);
        }
    }
    let store = Arc::new(FileStore::new(".", FileStoreOptions::default())?);
    let layers = load_files(
        &store,
        &a.args[1..],
        &annotations,
        a.packer.disable_path_validation,
        verbose && !format.is_structured(),
    )
    .await?;
    let mut pack = PackOptions {
        layers,
        manifest_annotations: annotations.manifest.clone(),
        config_annotations: annotations.config.clone(),
        ..Default::default()
    };
    if let Some(cfg) = &a.config {
        pack.config = Some(load_config(&store, cfg, &annotations).await?);
    } else if let Some(p) = &a.artifact_platform {
        let platform = Platform::parse(p).map_err(CliError::new)?;
        let bytes = gojson::to_vec(&platform);
        let mut desc = Descriptor::from_bytes(media_type::IMAGE_CONFIG, &bytes);
        store.push(&desc, BlobSource::Bytes(bytes.into())).await?;
        desc.annotations = annotations.config.clone();
        pack.config = Some(desc);
    }
    let no_files = pack.layers.is_empty();
    let (root, bytes) = pack_manifest(&*store, version, &artifact_type, pack)
        .await
        .map_err(|e| {
            if e.message() == MISSING_ARTIFACT_TYPE {
                CliError::new(format!(
                    "{MISSING_ARTIFACT_TYPE} for OCI image-spec v1.1 artifacts"
                ))
                .recommend("set an artifact type via `--artifact-type` or consider image spec v1.0")
            } else {
                CliError::from(e)
            }
        })?;
    a.packer.export(&bytes)?;

    let dst: Arc<dyn GraphTarget> = match &remote {
        Some(r) => r.clone(),
        None => target.open_write()?,
    };
    if no_files && !format.is_structured() {
        line("Uploading empty artifact");
    }
    let tty = a.tty.start(a.common.debug);
    let printer = Arc::new(
        StatusPrinter::new(PUSH_PROMPTS, verbose, format.is_structured()).with_tty(tty.clone()),
    );
    let opts = CopyGraphOptions {
        concurrency: a.concurrency,
        hooks: printer,
        ..Default::default()
    };
    let copied = copy_graph(store.clone(), dst.clone(), &root, &opts).await;
    if let Some(r) = &remote {
        r.cancel_uploads_ahead().await;
    }
    copied.inspect_err(|_| finish_tty(&tty))?;
    finish_tty(&tty);

    let mut tags = Vec::new();
    if !target.reference.is_empty() && target.digest().is_none() {
        dst.tag(&root, &target.reference).await?;
        tags.push(target.reference.clone());
    }
    if !format.is_structured() {
        line(format!("Pushed {}", target.typed()));
    }
    for t in &extra_tags {
        dst.tag(&root, t).await?;
        if !format.is_structured() {
            line(format!("Tagged {t}"));
        }
        tags.push(t.clone());
    }
    let mut model = descriptor_model(&target.with_digest(&root.digest), &root);
    let mut refs: Vec<String> = tags
        .iter()
        .map(|t| format!("{}:{t}", target.path))
        .collect();
    refs.sort();
    model.insert(
        "referenceAsTags".into(),
        if refs.is_empty() {
            json!(null)
        } else {
            json!(refs)
        },
    );
    if !format.print_model(&serde_json::Value::Object(model))? {
        line(format!("ArtifactType: {}", root.artifact_type));
        line(format!("Digest: {}", root.digest));
    }
    Ok(())
}

/// Regular files of at least 32 MiB among the file arguments, with absolute paths (as the file
/// store records them) and sizes: worth uploading while they are hashed.
fn files_worth_uploading_ahead(args: &[String]) -> Vec<(std::path::PathBuf, u64)> {
    args.iter()
        .filter_map(|a| oras_spec::split_file_ref(a).ok())
        .filter_map(|(p, _)| {
            let meta = std::fs::metadata(&p).ok()?;
            let abs = std::path::absolute(std::path::Path::new(".").join(&p)).ok()?;
            (meta.is_file() && meta.len() >= 32 << 20).then_some((abs, meta.len()))
        })
        .collect()
}
