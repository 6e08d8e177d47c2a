//! ORAS in Rust: store, discover and distribute OCI artifacts (files, directories, SBOMs,
//! signatures, charts, models) in registries that speak the OCI distribution spec and in OCI
//! image layouts on disk.
//!
//! # Quick start
//!
//! ```no_run
//! # async fn demo() -> oras::Result<()> {
//! use std::sync::Arc;
//! use oras::{OciLayout, ops};
//!
//! // push a file into an OCI image layout, tagged v1
//! let layout = Arc::new(OciLayout::open("layout")?);
//! let options = ops::PushOptions::default().tags(vec!["v1".to_string()]);
//! let pushed = ops::push(layout.clone(), &[ops::FileLayer::new("hello.txt")], &options).await?;
//!
//! // and pull it back into a directory
//! let pulled = ops::pull(layout, "v1", "out".as_ref(), &Default::default()).await?;
//! assert_eq!(pulled.descriptor.digest, pushed.descriptor.digest);
//! # Ok(()) }
//! ```
//!
//! # How it fits together
//!
//! - [`ops`]: one operation per intent — [`ops::push`], [`ops::pull`], [`ops::copy`] (with
//!   referrers, a platform, mounts between repositories), [`ops::attach`], [`ops::tag`],
//!   [`ops::resolve`], [`ops::backup`] / [`ops::restore`], and more. Each takes its targets
//!   and an options struct and returns a result model.
//! - Targets are stores behind the [`content`] traits ([`ReadOnlyGraphTarget`],
//!   [`GraphTarget`]): [`OciLayout`] (a directory, or a tar archive read in place),
//!   [`MemoryStore`], [`FileStore`] (local files and directories as named blobs) and a
//!   registry's [`registry::Repository`].
//! - Every transfer is one copy engine ([`copy`]): a node after its successors, each node
//!   once, streamed and verified (size and digest) before the destination commits it,
//!   resumable where the destination keeps partial content.
//! - Progress is one typed stream of [`events::Event`]s given to an [`events::Observer`]
//!   (any `Fn(&Event)` is one): started, bytes, done, exists, mounted, skipped, tagged…
//! - Errors are [`Error`]s with an [`ErrorKind`] to branch on.
//! - Registries are reached through [`registry::Repository::builder`] /
//!   [`registry::Registry::builder`] (credentials, TLS, headers, retries, timeouts).
//! - Diagnostics (the HTTP trace, registry warnings) are `tracing` events, see
//!   [`diagnostics`].
//! - Manifests you create are written with a Go-compatible JSON writer, so the same inputs
//!   give the same digests as oras 1.3; manifests you fetch are kept as their bytes.
//!
//! # Cargo features
//!
//! - `registry` (default): the registry client ([`registry`], [`ops::login`],
//!   [`ops::list_repositories`]). Without it (`default-features = false`) the library works
//!   on OCI layouts, memory and file stores and builds no HTTP or TLS stack.
//!
//! The library prints nothing and installs no process-wide state (no global crypto provider,
//! no logger). It reads no environment variables, except `DOCKER_CONFIG` and `HOME` where it
//! looks for Docker's default credentials file as Docker's tools do
//! ([`registry::credentials::default_config_path`], used by a credential store given no
//! paths).

#![deny(missing_docs)]

/// Builder-style setters for the public fields of an options struct (which is
/// `#[non_exhaustive]`, so other crates start from `Default` and set what they need):
/// `fn field(self, value) -> Self` for each listed field.
macro_rules! setters {
    ($ty:ty { $($(#[$doc:meta])* $field:ident: $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                $(#[$doc])*
                #[must_use]
                pub fn $field(mut self, value: impl Into<$t>) -> Self {
                    self.$field = value.into();
                    self
                }
            )*
        }
    };
}

pub mod content;
pub mod copy;
pub mod diagnostics;
pub mod error;
pub mod events;
pub mod limits;
pub mod ops;
pub mod pack;
pub mod referrers;
#[cfg(feature = "registry")]
pub mod registry;
pub mod source_date;

pub use content::cache::CachedTarget;
pub use content::file::{FileStore, FileStoreOptions};
pub use content::memory::MemoryStore;
pub use content::oci::OciLayout;
pub use content::{
    BlobReader, BlobSource, Deleter, GraphTarget, PredecessorFinder, ReadOnlyGraphTarget,
    ReadOnlyStorage, Resolver, Storage, TagLister, Tagger,
};
pub use error::{Error, ErrorKind, Result, Side};
pub use events::{Event, NoObserver, Observer};
/// The OCI types (digests, descriptors, manifests, references) this crate works with.
pub use oras_spec as spec;
pub use oras_spec::{
    Annotations, Descriptor, Digest, ImageIndex, ImageManifest, Platform, Reference, annotations,
    media_type,
};
#[cfg(feature = "registry")]
pub use registry::{Registry, Repository};
pub use source_date::SourceDate;
