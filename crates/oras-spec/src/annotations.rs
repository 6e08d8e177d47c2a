//! Annotation keys used by ORAS.

pub const TITLE: &str = "org.opencontainers.image.title";
pub const CREATED: &str = "org.opencontainers.image.created";
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// sha256 of the uncompressed tar of a pushed directory.
pub const CONTENT_DIGEST: &str = "io.deis.oras.content.digest";
/// `"true"` when a pulled blob is a directory to unpack.
pub const CONTENT_UNPACK: &str = "io.deis.oras.content.unpack";
