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
    /// Always 2.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub schema_version: u32,
    /// The document's own media type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
    /// The artifact type (image-spec 1.1), empty when none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    /// The config blob.
    pub config: Descriptor,
    /// The layers, in order.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to, when it is a referrer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations of the document.
    #[serde(default, skip_serializing_if = "Annotations::is_empty")]
    pub annotations: Annotations,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An OCI image index (also the shape of `index.json` in a layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    /// Always 2.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub schema_version: u32,
    /// The document's own media type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
    /// The artifact type (image-spec 1.1), empty when none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    /// The manifests listed (with platforms, or tags in a layout's `index.json`).
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// The manifest this one refers to, when it is a referrer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations of the index.
    #[serde(default, skip_serializing_if = "Annotations::is_empty")]
    pub annotations: Annotations,
    /// Fields this version does not know, kept as they came.
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
    /// The document's media type, if it says.
    #[serde(default, rename = "mediaType")]
    pub media_type: String,
    /// Its artifact type, if any.
    #[serde(default, rename = "artifactType")]
    pub artifact_type: String,
    /// The manifest it refers to.
    #[serde(default)]
    pub subject: Option<Descriptor>,
    /// The config of a manifest.
    #[serde(default)]
    pub config: Option<Descriptor>,
    /// The layers of a manifest.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The manifests of an index.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// Legacy artifact manifest blobs.
    #[serde(default)]
    pub blobs: Vec<Descriptor>,
    /// The document's annotations.
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

    /// How this manifest is described once pushed: the media type, digest and size of `desc`
    /// (its descriptor) with the manifest's own artifact type ([`Self::referrer_artifact_type`])
    /// and annotations, and nothing a store added (a layout's `ref.name`, a platform).
    pub fn describe(&self, desc: &Descriptor) -> Descriptor {
        let mut described = desc.plain();
        described.artifact_type = self.referrer_artifact_type();
        described.annotations = self.annotations.clone();
        described
    }

    /// [`Self::describe`] of the manifest `bytes` (the content `desc` names); when they do not
    /// parse as a manifest, `desc` without what a store added ([`Descriptor::plain`]).
    pub fn describe_bytes(bytes: &[u8], desc: &Descriptor) -> Descriptor {
        match SuccessorView::parse(bytes) {
            Ok(view) => view.describe(desc),
            Err(_) => desc.plain(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_keeps_what_the_manifest_says_and_drops_what_a_store_added() {
        let bytes = br#"{"mediaType":"application/vnd.oci.image.manifest.v1+json",
            "config":{"mediaType":"application/vnd.me.config","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},
            "layers":[],"annotations":{"k":"v"}}"#;
        let mut entry = Descriptor::from_bytes(media_type::IMAGE_MANIFEST, bytes);
        entry
            .annotations
            .insert("org.opencontainers.image.ref.name".into(), "v1".into());
        let described = SuccessorView::parse(bytes).unwrap().describe(&entry);
        assert_eq!(described.digest, entry.digest);
        assert_eq!(described.size, entry.size);
        // no artifactType: the config's media type, as oras reports a v1.0 artifact
        assert_eq!(described.artifact_type, "application/vnd.me.config");
        let annotations: Vec<_> = described.annotations.iter().collect();
        assert_eq!(annotations, [(&"k".to_string(), &"v".to_string())]);
        assert_eq!(SuccessorView::describe_bytes(bytes, &entry), described);
        // not a manifest: the descriptor as stored, without the store's annotations
        let plain = SuccessorView::describe_bytes(b"not json", &entry);
        assert!(plain.annotations.is_empty());
        assert_eq!(plain.digest, entry.digest);
    }
}
