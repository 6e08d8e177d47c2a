//! Option groups shared by commands (oras-cli.md §2), and turning a reference argument plus
//! flags into a store to read from or write to.
//!
//! One file per group: `common` (`--debug`, `--verbose`), `remote` (registry connection and
//! credentials), `target` (reference arguments, OCI layout switches, opening targets),
//! `settings` (transfer settings from environment variables), `config_file` and `config` (the
//! configuration file and its settings for a registry), `mirrors` (reading a registry through
//! its mirrors), `platform`, `referrer` (`--artifact-type`/`--latest` of pull and manifest
//! fetch), `format` (`--format`/`--template`, `--descriptor`/`--pretty`), `tty` and `distspec`.

mod common;
mod config;
mod config_file;
mod distspec;
mod format;
mod mirrors;
mod platform;
mod referrer;
mod remote;
mod settings;
mod target;
mod tty;

pub use common::CommonOpts;
pub use config::{CONFIG_TRACE, note_given_flags};
pub use distspec::DistSpecOpts;
pub use format::{AddedFormatOpts, DescriptorOpts, FormatOpts};
pub use oras::error::io_reason;
pub use platform::PlatformOpts;
pub use referrer::ReferrerOpts;
pub use remote::{RemoteOpts, credentials_file};
pub use target::{
    Kind, TargetOpts, TargetRef, concurrency, oras_cache_dir, require_digest, require_reference,
    split_tags,
};
pub use tty::{TtyOpts, finish_tty};
