//! Annotation keys used by ORAS.

/// The file name of a layer: where `pull` writes it.
pub const TITLE: &str = "org.opencontainers.image.title";
/// When the artifact was created (RFC 3339); oras sets it on every manifest it packs.
pub const CREATED: &str = "org.opencontainers.image.created";
/// The tag of a manifest listed in an OCI layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// sha256 of the uncompressed tar of a pushed directory.
pub const CONTENT_DIGEST: &str = "io.deis.oras.content.digest";
/// `"true"` when a pulled blob is a directory to unpack.
pub const CONTENT_UNPACK: &str = "io.deis.oras.content.unpack";
/// The permission bits of a single-file layer's file as four octal digits (`0755`), recorded
/// by `oras push --preserve-permissions` and applied by `oras pull --preserve-permissions`
/// (read, write and execute bits only, minus the umask). Ours: oras does not write or read it.
pub const FILE_MODE: &str = "io.crates.oras-sdk.file.mode";
