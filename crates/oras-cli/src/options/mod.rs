//! Option groups shared by commands (oras-cli.md §2), and turning a reference argument plus
//! flags into a store to read from or write to.
//!
//! One file per group: `common` (`--debug`, `--verbose`), `remote` (registry connection and
//! credentials), `target` (reference arguments, OCI layout switches, opening targets),
//! `settings` (transfer settings from environment variables), `platform`, `format`
//! (`--format`/`--template`, `--descriptor`/`--pretty`), `tty` and `distspec`.

mod common;
mod distspec;
mod format;
mod platform;
mod remote;
mod settings;
mod target;
mod tty;

pub use common::CommonOpts;
pub use distspec::DistSpecOpts;
pub use format::{DescriptorOpts, FormatOpts};
pub use oras::error::io_reason;
pub use platform::PlatformOpts;
pub use remote::{RemoteOpts, credentials_file};
pub use target::{
    Kind, TargetOpts, TargetRef, oras_cache_dir, require_digest, require_reference, split_tags,
};
pub use tty::{TtyOpts, finish_tty};
