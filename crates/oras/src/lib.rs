//! ORAS in Rust: store, discover and distribute OCI artifacts.
//!
//! The library is built from small pieces, as oras-go is:
//! - [`content`]: store traits and stores ([`content::memory::MemoryStore`],
//!   [`content::oci::OciLayout`] for OCI image layouts on disk or in a tar, and
//!   [`content::file::FileStore`] for local files and directories);
//! - [`pack`]: packing manifests with oras's image-spec v1.1 / v1.0 rules;
//! - [`copy`]: the graph copy engine every transfer goes through;
//! - [`referrers`] and [`ops`]: finding referrers, resolving with platform selection;
//! - [`diagnostics`]: what the library reports (as `tracing` events; it prints nothing).
//!
//! ```no_run
//! # async fn demo() -> oras::Result<()> {
//! use std::sync::Arc;
//! use oras::content::{Tagger, file::{FileStore, FileStoreOptions}, oci::OciLayout};
//! use oras::pack::{pack_manifest, PackOptions, PackVersion};
//!
//! let files = Arc::new(FileStore::new(".", FileStoreOptions::default())?);
//! let layer = files.add("hello.txt", "", "hello.txt".as_ref()).await?;
//! let opts = PackOptions { layers: vec![layer], ..Default::default() };
//! let (root, _) = pack_manifest(files.fallback(), PackVersion::V1_1, "application/vnd.example", opts).await?;
//! let layout = Arc::new(OciLayout::open("layout")?);
//! oras::copy::copy_graph(files, layout.clone(), &root, &Default::default()).await?;
//! layout.tag(&root, "v1").await?;
//! # Ok(()) }
//! ```

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
pub mod registry;

pub use error::{Error, ErrorKind, Result};
