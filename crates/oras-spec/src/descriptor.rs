//! Descriptors and platforms, with Go's field order and `omitempty` rules; unknown fields survive.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::media_type;

/// Annotations: sorted by key, as Go writes maps.
pub type Annotations = BTreeMap<String, String>;

/// Extra JSON fields this crate does not model, kept so a read-modify-write loses nothing.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// An OCI content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The media type of the content.
    /// The media type of the content.
    #[serde(default)]
    pub media_type: String,
    /// The digest of the content's bytes.
    pub digest: Digest,
    /// The size of the content in bytes.
    pub size: u64,
    /// Other places the content can be fetched from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Annotations (title, unpack hints, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: Annotations,
    /// The content itself, embedded (base64 on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "base64_opt")]
    pub data: Option<Vec<u8>>,
    /// The platform of a manifest listed in an index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The artifact type of a manifest (referrers listings, index entries).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Identity of a descriptor for dedup and graph maps: media type, digest and size.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DescKey {
    /// The media type.
    pub media_type: String,
    /// The digest.
    pub digest: Digest,
    /// The size in bytes.
    pub size: u64,
}

impl Descriptor {
    /// A plain descriptor with only media type, digest and size.
    pub fn new(media_type: impl Into<String>, digest: Digest, size: u64) -> Descriptor {
        Descriptor {
            media_type: media_type.into(),
            digest,
            size,
            urls: Vec::new(),
            annotations: Annotations::new(),
            data: None,
            platform: None,
            artifact_type: String::new(),
            extra: Extra::new(),
        }
    }

    /// The descriptor of `data` (sha256).
    pub fn from_bytes(media_type: impl Into<String>, data: &[u8]) -> Descriptor {
        Descriptor::new(media_type, Digest::sha256_of(data), data.len() as u64)
    }

    /// The OCI empty JSON descriptor `{}` with its `data` field, as oras-go packs it.
    pub fn empty_json() -> Descriptor {
        let mut d = Descriptor::from_bytes(media_type::EMPTY_JSON, b"{}");
        d.data = Some(b"{}".to_vec());
        d
    }

    /// The identity of the node this descriptor points at (for maps and sets).
    pub fn key(&self) -> DescKey {
        DescKey {
            media_type: self.media_type.clone(),
            digest: self.digest.clone(),
            size: self.size,
        }
    }

    /// Same content: media type, digest and size equal.
    pub fn same_content(&self, other: &Descriptor) -> bool {
        self.media_type == other.media_type
            && self.digest == other.digest
            && self.size == other.size
    }

    /// The `org.opencontainers.image.title` annotation, if any.
    pub fn title(&self) -> Option<&str> {
        self.annotations
            .get(crate::annotations::TITLE)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Media type, digest and size only.
    pub fn plain(&self) -> Descriptor {
        Descriptor::new(self.media_type.clone(), self.digest.clone(), self.size)
    }

    /// Whether this descriptor points at a manifest or index (by media type).
    pub fn is_manifest(&self) -> bool {
        media_type::is_manifest(&self.media_type)
    }
}

/// A platform (`os/arch/variant`), as in image indexes and image configs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Platform {
    /// The CPU architecture (`amd64`, `arm64`).
    #[serde(default)]
    pub architecture: String,
    /// The operating system (`linux`, `windows`).
    #[serde(default)]
    pub os: String,
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    /// The operating system version (`10.0.14393.1066`).
    pub os_version: String,
    /// Operating system features (`win32k`).
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    /// The CPU variant (`v7`, `v8`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Platform {
    /// Parses `os[/arch[/variant]][:os_version]`; a missing arch is the host architecture.
    pub fn parse(s: &str) -> Result<Platform, String> {
        let (main, os_version) = match s.split_once(':') {
            Some((m, v)) => (m, v.to_string()),
            None => (s, String::new()),
        };
        let parts: Vec<&str> = main.split('/').collect();
        if parts.len() > 3 {
            return Err(format!(
                "failed to parse platform {s:?}: expected format os[/arch[/variant]]"
            ));
        }
        let os = parts[0].to_string();
        if os.is_empty() {
            return Err("invalid platform: OS cannot be empty".into());
        }
        let architecture = match parts.get(1) {
            Some(a) => a.to_string(),
            None => host_arch().to_string(),
        };
        if architecture.is_empty() {
            return Err("invalid platform: Architecture cannot be empty".into());
        }
        Ok(Platform {
            architecture,
            os,
            os_version,
            os_features: Vec::new(),
            variant: parts.get(2).map(|v| v.to_string()).unwrap_or_default(),
            extra: Extra::new(),
        })
    }

    /// Whether `self` (a manifest's platform) satisfies the wanted platform: os and architecture
    /// equal; variant, os.version and os.features compared only when wanted.
    pub fn matches(&self, want: &Platform) -> bool {
        self.os == want.os
            && self.architecture == want.architecture
            && (want.variant.is_empty() || self.variant == want.variant)
            && (want.os_version.is_empty() || self.os_version == want.os_version)
            && want
                .os_features
                .iter()
                .all(|f| self.os_features.contains(f))
    }
}

/// The host architecture in Go's GOARCH spelling.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "loongarch64" => "loong64",
        other => other,
    }
}

/// The host OS in Go's GOOS spelling.
pub fn host_os() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    }
}

mod base64_opt {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) => base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}
