//! Packer flags shared by push and attach: annotations, annotation file, manifest export,
//! and turning file arguments into layers.

use std::collections::HashMap;
use std::path::{Component, Path};

use clap::Args;
use oras::content::file::FileStore;
use oras_spec::{Annotations, Descriptor, split_file_ref};

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
    /// path of the pushed manifest
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

    /// Writes the manifest bytes to `--export-manifest`, if given.
    pub fn export(&self, bytes: &[u8]) -> CliResult {
        if let Some(p) = &self.export_manifest {
            std::fs::write(p, bytes)
                .map_err(|e| CliError::new(format!("failed to export manifest to {p}: {e}")))?;
        }
        Ok(())
    }
}

/// Go's `filepath.Clean` followed by `ToSlash`.
pub fn clean_path(p: &str) -> String {
    let path = Path::new(p);
    let mut parts: Vec<String> = Vec::new();
    let abs = path.is_absolute();
    for c in path.components() {
        match c {
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..".into());
                }
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    match (abs, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Adds the `--config path[:mediaType]` file (default type: the unknown config type); its
/// descriptor carries the `$config` annotations instead of a title.
pub async fn load_config(
    store: &FileStore,
    arg: &str,
    annotations: &ParsedAnnotations,
) -> CliResult<Descriptor> {
    let (path, mt) = split_file_ref(arg).map_err(CliError::new)?;
    let mt = if mt.is_empty() {
        oras_spec::media_type::UNKNOWN_CONFIG
    } else {
        &mt
    };
    let mut desc = store.add("$config", mt, Path::new(&path)).await?;
    desc.annotations = annotations.config.clone();
    Ok(desc)
}

/// Adds each `path[:mediaType]` argument to the file store; returns the layers.
pub async fn load_files(
    store: &FileStore,
    args: &[String],
    annotations: &ParsedAnnotations,
    disable_path_validation: bool,
    verbose: bool,
) -> CliResult<Vec<Descriptor>> {
    if !disable_path_validation {
        let absolute: Vec<String> = args
            .iter()
            .filter_map(|a| split_file_ref(a).ok())
            .map(|(p, _)| p)
            .filter(|p| Path::new(p).is_absolute())
            .collect();
        if !absolute.is_empty() {
            return fail(format!(
                "absolute file path detected. If it's intentional, use --disable-path-validation flag to skip this check: {}",
                absolute.join(", ")
            ));
        }
    }
    let mut layers = Vec::new();
    for raw in args {
        let (path, media_type) = split_file_ref(raw).map_err(CliError::new)?;
        let name = clean_path(&path);
        if verbose {
            line(format!("Preparing {name}"));
        }
        let mut desc = store
            .add(&name, &media_type, Path::new(&path))
            .await
            .map_err(|e| {
                if e.kind() == oras::ErrorKind::NotFound {
                    let abs = std::path::absolute(&path).unwrap_or_else(|_| path.clone().into());
                    CliError::new(format!(
                        "failed to stat {}: no such file or directory",
                        abs.display()
                    ))
                } else {
                    CliError::from(e)
                }
            })?;
        if let Some(extra) = annotations.files.get(&path) {
            for (k, v) in extra {
                desc.annotations.insert(k.clone(), v.clone());
            }
        }
        layers.push(desc);
    }
    Ok(layers)
}

#[cfg(test)]
mod proptests;
