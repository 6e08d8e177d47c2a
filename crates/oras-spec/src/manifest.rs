//! Image manifests, image indexes and a tolerant successor view for graph walking.
//!
//! The structs serialize in Go's field order with oras-go's `omitempty` rules; only manifests we
//! create are ever serialized (see `gojson`). Fetched manifests stay as their original bytes.

use serde::{Deserialize, Serialize};

use crate::descriptor::{Annotations, Descriptor, Extra};
use crate::media_type;

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// An OCI image manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "Annotations::is_empty")]
    pub annotations: Annotations,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An OCI image index (also the shape of `index.json` in a layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "Annotations::is_empty")]
    pub annotations: Annotations,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ImageIndex {
    /// An empty index with schema version 2 and the OCI index media type.
    pub fn new() -> ImageIndex {
        ImageIndex {
            schema_version: 2,
            media_type: media_type::IMAGE_INDEX.to_string(),
            artifact_type: String::new(),
            manifests: Vec::new(),
            subject: None,
            annotations: Annotations::new(),
            extra: Extra::new(),
        }
    }
}

impl Default for ImageIndex {
    fn default() -> Self {
        ImageIndex::new()
    }
}

/// The parts of any manifest-like document that point at other content.
///
/// Parsing ignores everything else, so odd but valid manifests never stop a graph walk.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SuccessorView {
    #[serde(default, rename = "mediaType")]
    pub media_type: String,
    #[serde(default, rename = "artifactType")]
    pub artifact_type: String,
    #[serde(default)]
    pub subject: Option<Descriptor>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// Legacy artifact manifest blobs.
    #[serde(default)]
    pub blobs: Vec<Descriptor>,
    #[serde(default)]
    pub annotations: Annotations,
}

impl SuccessorView {
    /// Reads the successor fields of a manifest or index (anything else has none).
    pub fn parse(bytes: &[u8]) -> Result<SuccessorView, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// Successors in oras-go order for a node of `media_type`: subject, config, layers (manifests),
    /// subject, manifests (indexes), subject, blobs (artifact manifests).
    pub fn successors(&self, media_type: &str) -> Vec<Descriptor> {
        let mut out = Vec::new();
        match media_type {
            media_type::DOCKER_MANIFEST => {
                out.extend(self.config.clone());
                out.extend(self.layers.iter().cloned());
            }
            media_type::IMAGE_MANIFEST => {
                out.extend(self.subject.clone());
                out.extend(self.config.clone());
                out.extend(self.layers.iter().cloned());
            }
            media_type::DOCKER_MANIFEST_LIST => out.extend(self.manifests.iter().cloned()),
            media_type::IMAGE_INDEX => {
                out.extend(self.subject.clone());
                out.extend(self.manifests.iter().cloned());
            }
            media_type::ARTIFACT_MANIFEST => {
                out.extend(self.subject.clone());
                out.extend(self.blobs.iter().cloned());
            }
            _ => {}
        }
        out
    }

    /// The artifact type a referrer is listed under: `artifactType`, else the config media type.
    pub fn referrer_artifact_type(&self) -> String {
        if !self.artifact_type.is_empty() {
            return self.artifact_type.clone();
        }
        self.config
            .as_ref()
            .map(|c| c.media_type.clone())
            .unwrap_or_default()
    }
}
