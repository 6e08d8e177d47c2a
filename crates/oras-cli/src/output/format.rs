//! `--format`: text, json, go-template (and discover's tree and table), and the JSON models
//! oras prints.

use oras_spec::{Descriptor, gojson};
use serde_json::{Map, Value, json};

use super::{out, out_bytes, warn};
use crate::error::{CliError, CliResult};

/// How a command prints its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Template(String),
    Tree,
    Table,
}

impl Format {
    /// Parses `--format` / `--template` against the types a command allows.
    pub fn parse(
        format: Option<&str>,
        template: Option<&str>,
        allowed: &[&str],
        default: Format,
    ) -> CliResult<Format> {
        let Some(f) = format else {
            if template.is_some() {
                return Err(CliError::new(
                    "--template must be used with --format go-template",
                ));
            }
            return Ok(default);
        };
        let (kind, inline) = match f.split_once('=') {
            Some((k, t)) => (k, Some(t)),
            None => (f, None),
        };
        if !allowed.contains(&kind) {
            return Err(CliError::new(format!("invalid format type: {f:?}"))
                .recommend(format!("supported types: {}", allowed.join(", "))));
        }
        if kind != "go-template" && template.is_some() {
            return Err(CliError::new(
                "--template must be used with --format go-template",
            ));
        }
        Ok(match kind {
            "json" => Format::Json,
            "tree" => Format::Tree,
            "table" => {
                warn("Format \"table\" is deprecated and will be removed in a future release.");
                Format::Table
            }
            "text" => Format::Text,
            _ => {
                let t = inline
                    .map(str::to_string)
                    .or(template.map(str::to_string))
                    .filter(|t| !t.is_empty());
                match t {
                    Some(t) => {
                        // parse errors before any work, as the first thing the user sees
                        crate::template::validate(&t)?;
                        Format::Template(t)
                    }
                    None => {
                        return Err(CliError::new(
                            "\"go-template\" format specified but no template given",
                        )
                        .recommend("use `--format go-template=TEMPLATE` to specify the template"));
                    }
                }
            }
        })
    }

    /// Whether status lines are suppressed.
    pub fn is_structured(&self) -> bool {
        matches!(self, Format::Json | Format::Template(_))
    }

    /// Prints a JSON model as pretty JSON or through the template. Returns false for text.
    pub fn print_model(&self, model: &Value) -> CliResult<bool> {
        match self {
            Format::Json => {
                let mut b = gojson::to_vec_pretty(model);
                b.push(b'\n');
                out_bytes(&b);
                Ok(true)
            }
            Format::Template(t) => {
                out(&crate::template::render(t, model)?);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// The descriptor fields of oras's JSON models: reference, mediaType, digest, size,
/// annotations (if any), artifactType (if any).
pub fn descriptor_model(reference: &str, d: &Descriptor) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("reference".into(), json!(reference));
    m.insert("mediaType".into(), json!(d.media_type));
    m.insert("digest".into(), json!(d.digest.to_string()));
    m.insert("size".into(), json!(d.size));
    if !d.annotations.is_empty() {
        m.insert("annotations".into(), json!(d.annotations));
    }
    if !d.artifact_type.is_empty() {
        m.insert("artifactType".into(), json!(d.artifact_type));
    }
    m
}

/// Prints raw JSON bytes as they are, or indented with a trailing newline (`--pretty`).
pub fn print_raw_json(bytes: &[u8], pretty: bool) -> CliResult {
    if pretty {
        let mut b =
            gojson::indent(bytes).map_err(|e| CliError::new(format!("failed to prettify: {e}")))?;
        b.push(b'\n');
        out_bytes(&b);
    } else {
        out_bytes(bytes);
    }
    Ok(())
}

/// Prints a descriptor as `--descriptor` does: compact without newline, or pretty with one.
pub fn print_descriptor(d: &Descriptor, pretty: bool) {
    if pretty {
        let mut b = gojson::to_vec_pretty(d);
        b.push(b'\n');
        out_bytes(&b);
    } else {
        out_bytes(&gojson::to_vec(d));
    }
}
