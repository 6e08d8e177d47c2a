//! Packer flags shared by push and attach: annotations, annotation file, manifest export,
//! `SOURCE_DATE_EPOCH`, and turning file arguments into layers.

use std::collections::HashMap;
use std::path::Path;

use clap::Args;
use oras::SourceDate;
use oras::ops::{ConfigSource, FileLayer};
use oras_spec::{Annotations, split_file_ref};

use crate::error::{CliError, CliResult, fail};
use crate::output::line;

#[derive(Args, Debug, Clone, Default)]
pub struct PackerOpts {
    /// manifest annotations
    #[arg(short = 'a', long = "annotation")]
    pub annotations: Vec<String>,
    /// path of the annotation file
    #[arg(long)]
    pub annotation_file: Option<String>,
    /// `path` of the pushed manifest
    #[arg(long)]
    pub export_manifest: Option<String>,
    /// skip path validation
    #[arg(long)]
    pub disable_path_validation: bool,
}

/// Annotations from flags or the annotation file, by target.
#[derive(Default)]
pub struct ParsedAnnotations {
    pub manifest: Annotations,
    pub config: Annotations,
    pub files: HashMap<String, Annotations>,
}

impl PackerOpts {
    pub fn parse_annotations(&self) -> CliResult<ParsedAnnotations> {
        if !self.annotations.is_empty() && self.annotation_file.is_some() {
            return fail("`--annotation` and `--annotation-file` cannot be both specified");
        }
        let mut out = ParsedAnnotations::default();
        if let Some(path) = &self.annotation_file {
            let bad = || {
                CliError::new(format!("invalid annotation json file: failed to load annotations from {path}"))
                    .recommend("Annotation file doesn't match the required format. Please refer to the document at https://oras.land/docs/how_to_guides/manifest_annotations")
            };
            let raw = std::fs::read(path).map_err(|_| bad())?;
            let mut all: HashMap<String, Annotations> =
                serde_json::from_slice(&raw).map_err(|_| bad())?;
            out.manifest = all.remove("$manifest").unwrap_or_default();
            out.config = all.remove("$config").unwrap_or_default();
            out.files = all;
        }
        for a in &self.annotations {
            let Some((k, v)) = a.split_once('=') else {
                return Err(
                    CliError::new("annotation value doesn't match the required format").recommend(
                        "Please use the correct format in the flag: --annotation \"key=value\"",
                    ),
                );
            };
            if out.manifest.insert(k.to_string(), v.to_string()).is_some() {
                return fail(format!("duplicate annotation key: {k}"));
            }
        }
        Ok(out)
    }
}

/// The fixed time of a reproducible pack: `SOURCE_DATE_EPOCH`, the decimal UNIX timestamp of
/// the reproducible-builds.org specification (unset or empty: none, the files' times and now,
/// as oras). A malformed value is an error, before anything is read or sent, as the
/// specification asks.
pub fn source_date() -> CliResult<Option<SourceDate>> {
    const VAR: &str = "SOURCE_DATE_EPOCH";
    // Not UTF-8: shown lossily, and the replacement characters fail the parse.
    let Some(value) = std::env::var_os(VAR).map(|v| v.to_string_lossy().into_owned()) else {
        return Ok(None);
    };
    if value.is_empty() {
        return Ok(None);
    }
    SourceDate::parse(&value).map(Some).map_err(|e| {
        CliError::new(format!("invalid {VAR}: {e}")).recommend(format!(
            "Set {VAR} to a time such as the output of \"date +%s\" or \"git log -1 --format=%ct\", or unset it"
        ))
    })
}

/// The `--config path[:mediaType]` argument.
pub fn config_file(arg: &str) -> CliResult<ConfigSource> {
    let (path, media_type) = split_file_ref(arg).map_err(CliError::new)?;
    Ok(ConfigSource::File {
        path: path.into(),
        media_type,
    })
}

/// The `path[:mediaType]` file arguments as layers, with their annotations from the
/// annotation file; absolute paths are refused unless `--disable-path-validation`.
/// Prints oras's `Preparing <name>` lines when `verbose`.
pub fn file_layers(
    args: &[String],
    annotations: &ParsedAnnotations,
    packer: &PackerOpts,
    verbose: bool,
) -> CliResult<Vec<FileLayer>> {
    let mut layers = Vec::with_capacity(args.len());
    let mut paths = Vec::with_capacity(args.len());
    for raw in args {
        let (path, media_type) = split_file_ref(raw).map_err(CliError::new)?;
        let mut layer = FileLayer::new(&path).with_media_type(media_type);
        if let Some(extra) = annotations.files.get(&path) {
            layer = layer.with_annotations(extra.clone());
        }
        layers.push(layer);
        paths.push(path);
    }
    check_relative(&paths, packer)?;
    if verbose {
        for l in &layers {
            line(format!("Preparing {}", l.name));
        }
    }
    Ok(layers)
}

/// oras's check of the file arguments (and `--stdin-name`): absolute paths are refused unless
/// `--disable-path-validation`.
pub fn check_relative(paths: &[String], packer: &PackerOpts) -> CliResult {
    let absolute: Vec<&str> = paths
        .iter()
        .map(String::as_str)
        .filter(|p| Path::new(p).is_absolute())
        .collect();
    if !packer.disable_path_validation && !absolute.is_empty() {
        return fail(format!(
            "absolute file path detected. If it's intentional, use --disable-path-validation flag to skip this check: {}",
            absolute.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod proptests;
