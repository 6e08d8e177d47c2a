//! Pure OCI types for ORAS, with no I/O: digests, descriptors, platforms, manifests, indexes,
//! media types and annotation keys, the oras reference grammars, and a Go-compatible JSON writer
//! so that manifests we create are byte-identical to those oras 1.3 creates.
//!
//! ```
//! use oras_spec::{Descriptor, gojson};
//! let empty = Descriptor::empty_json();
//! assert_eq!(
//!     String::from_utf8(gojson::to_vec(&empty)).unwrap(),
//!     r#"{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="}"#
//! );
//! ```

#![deny(missing_docs)]

pub mod annotations;
pub mod descriptor;
pub mod digest;
pub mod gojson;
pub mod manifest;
pub mod media_type;
pub mod reference;

pub use descriptor::{Annotations, DescKey, Descriptor, Extra, Platform};
pub use digest::{Algorithm, Digest, DigestError, Digester};
pub use manifest::{ImageIndex, ImageManifest, SuccessorView};
pub use reference::{LayoutReference, Reference, split_file_ref};
