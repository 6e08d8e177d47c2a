//! `oras manifest …`: fetch, fetch-config, push, delete, index create / update; one file per
//! subcommand.

mod delete;
mod fetch;
mod fetch_config;
mod index_create;
mod index_update;
mod push;

use std::io::BufRead;

use clap::Subcommand;

pub use delete::{confirm_deletion, print_deletion};

use crate::error::{CliError, CliResult};
use crate::help::{GO_TEMPLATE, JSON, TEXT, format_usage, long};
use crate::options::TargetRef;
use crate::output::out_bytes;

/// Usage of the commands that take `<name>{:<tag>|@<digest>}`.
const FETCH_USAGE: &str = "[flags] <name>{:<tag>|@<digest>}";

#[derive(Subcommand, Debug)]
pub enum ManifestCommand {
    /// Delete a manifest from remote registry or OCI image layout
    #[command(
        aliases = ["remove", "rm"],
        long_about = long::MANIFEST_DELETE,
        override_usage = FETCH_USAGE
    )]
    Delete(delete::DeleteArgs),
    /// Fetch manifest of the target artifact
    #[command(
        aliases = ["get", "show"],
        long_about = long::MANIFEST_FETCH,
        override_usage = FETCH_USAGE,
        mut_arg("format", |a| a.help(format_usage(TEXT, &[
            JSON.with_usage("Print in prettified JSON format"),
            GO_TEMPLATE.with_usage("Print using the given Go template"),
        ])))
    )]
    Fetch(fetch::FetchArgs),
    /// Fetch the config of a manifest from a registry or an OCI image layout
    #[command(
        name = "fetch-config",
        alias = "get-config",
        long_about = long::MANIFEST_FETCH_CONFIG,
        override_usage = FETCH_USAGE
    )]
    FetchConfig(fetch_config::FetchConfigArgs),
    /// Push a manifest to a registry or an OCI image layout
    #[command(long_about = long::MANIFEST_PUSH, override_usage = push::USAGE)]
    Push(push::PushArgs),
    /// [Experimental] Index operations
    #[command(subcommand)]
    Index(IndexCommand),
}

#[derive(Subcommand, Debug)]
pub enum IndexCommand {
    /// [Experimental] Create and push an index from provided manifests
    #[command(
        alias = "pack",
        long_about = long::MANIFEST_INDEX_CREATE,
        override_usage = index_create::USAGE
    )]
    Create(index_create::IndexCreateArgs),
    /// [Experimental] Update and push an image index
    #[command(long_about = long::MANIFEST_INDEX_UPDATE, override_usage = index_update::USAGE)]
    Update(index_update::IndexUpdateArgs),
}

pub async fn exec(c: ManifestCommand) -> CliResult {
    match c {
        ManifestCommand::Delete(a) => delete::exec(a).await,
        ManifestCommand::Fetch(a) => fetch::exec(a).await,
        ManifestCommand::FetchConfig(a) => fetch_config::exec(a).await,
        ManifestCommand::Push(a) => push::exec(a).await,
        ManifestCommand::Index(IndexCommand::Create(a)) => index_create::exec(a).await,
        ManifestCommand::Index(IndexCommand::Update(a)) => index_update::exec(a).await,
    }
}

/// The reference of `target` when it is a tag (the first tag a push sets).
fn tag_of(target: &TargetRef) -> Option<String> {
    let tagged = !target.reference.is_empty() && target.digest().is_none();
    tagged.then(|| target.reference.clone())
}

/// Asks `question` on stdout; true if the answer is y/yes.
pub fn confirm(question: &str) -> bool {
    crate::output::out(question);
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Writes `data` to `path` (`-` = stdout), through a temp file and rename.
pub fn write_output(path: &str, data: &[u8]) -> CliResult {
    if path == "-" {
        out_bytes(data);
        return Ok(());
    }
    let p = std::path::Path::new(path);
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| CliError::new(format!("failed to write {path}: {e}")))?;
    std::io::Write::write_all(&mut tmp, data)?;
    tmp.persist(p)
        .map_err(|e| CliError::new(format!("failed to write {path}: {}", e.error)))?;
    Ok(())
}
