//! Media type constants and the media type syntax check oras applies.

/// An OCI image manifest.
pub const IMAGE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// An OCI image index.
pub const IMAGE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// An OCI image config.
pub const IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// An uncompressed tar layer (oras's default for files).
pub const IMAGE_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
/// A gzip-compressed tar layer (oras's default for directories).
pub const IMAGE_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// The empty JSON blob `{}` (the config and layer of artifacts without one).
pub const EMPTY_JSON: &str = "application/vnd.oci.empty.v1+json";
/// The OCI artifact manifest of image-spec 1.1 release candidates (read, never written).
pub const ARTIFACT_MANIFEST: &str = "application/vnd.oci.artifact.manifest.v1+json";
/// A Docker image manifest (schema 2).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// A Docker manifest list.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// A Docker image config.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// A Docker foreign layer (never copied).
pub const DOCKER_FOREIGN_LAYER: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/// The prefix of OCI non-distributable layers (never copied).
pub const OCI_NONDISTRIBUTABLE_PREFIX: &str = "application/vnd.oci.image.layer.nondistributable.v1";
/// Bytes of unknown type (blobs resolved by digest).
pub const OCTET_STREAM: &str = "application/octet-stream";
/// oras's default config media type for image-spec v1.0 packing.
pub const UNKNOWN_CONFIG: &str = "application/vnd.unknown.config.v1+json";
/// oras's default artifact type for image-spec v1.1 packing.
pub const UNKNOWN_ARTIFACT: &str = "application/vnd.unknown.artifact.v1";

/// Manifest media types, in the order oras sends them in `Accept`.
pub const MANIFEST_TYPES: [&str; 5] = [
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    IMAGE_MANIFEST,
    IMAGE_INDEX,
    ARTIFACT_MANIFEST,
];

/// Whether content of this media type is a manifest or an index.
pub fn is_manifest(media_type: &str) -> bool {
    MANIFEST_TYPES.contains(&media_type)
}

/// Whether this media type is an index (OCI index or Docker manifest list).
pub fn is_index(media_type: &str) -> bool {
    media_type == IMAGE_INDEX || media_type == DOCKER_MANIFEST_LIST
}

/// Whether a layer must not be copied (non-distributable / foreign).
pub fn is_foreign_layer(media_type: &str) -> bool {
    media_type == DOCKER_FOREIGN_LAYER || media_type.starts_with(OCI_NONDISTRIBUTABLE_PREFIX)
}

/// RFC 6838 syntax as oras-go checks it: `type/subtype`, each 1–127 characters of
/// `[A-Za-z0-9!#$&^_.+-]` starting with a letter or digit.
pub fn is_valid(media_type: &str) -> bool {
    fn part(p: &str) -> bool {
        let b = p.as_bytes();
        !b.is_empty()
            && b.len() <= 127
            && b[0].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(c))
    }
    match media_type.split_once('/') {
        Some((t, s)) => part(t) && part(s),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn validates() {
        assert!(super::is_valid(
            "application/vnd.oci.image.manifest.v1+json"
        ));
        assert!(super::is_valid("text/plain"));
        assert!(!super::is_valid("txt"));
        assert!(!super::is_valid("a/b/c"));
        assert!(!super::is_valid("/b"));
    }
}
