//! `oras repo …`: list tags (and repositories, for registries).

use clap::{Args, Subcommand};
use oras_spec::Digest;
use serde_json::json;

use crate::error::{CliResult, check_args, fail};
use crate::options::{CommonOpts, FormatOpts, RemoteOpts, TargetOpts};
use crate::output::{line, warn};

#[derive(Subcommand, Debug)]
pub enum RepoCommand {
    /// List the repositories under the registry
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Show tags of the target repository
    #[command(alias = "show-tags")]
    Tags(TagsArgs),
}

#[derive(Args, Debug)]
pub struct LsArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    remote: RemoteOpts,
    #[command(flatten)]
    format: FormatOpts,
    /// start after the repository specified by `last`
    #[arg(long)]
    last: Option<String>,
}

#[derive(Args, Debug)]
pub struct TagsArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    format: FormatOpts,
    /// start after the tag specified by `last`
    #[arg(long)]
    last: Option<String>,
    /// [Preview] exclude all digest-like tags such as 'sha256-aaaa...'
    #[arg(long)]
    exclude_digest_tags: bool,
}

pub async fn exec(c: RepoCommand) -> CliResult {
    match c {
        RepoCommand::Ls(a) => ls(a).await,
        RepoCommand::Tags(a) => tags(a).await,
    }
}

/// Whether a tag looks like a digest once its first `-` becomes `:` (referrers tag schema).
fn is_digest_tag(t: &str) -> bool {
    Digest::parse(&t.replacen('-', ":", 1)).is_ok()
}

async fn tags(a: TagsArgs) -> CliResult {
    check_args(
        &a.args,
        "repo tags",
        "[flags] <name>",
        1,
        true,
        "the target repository to list tags from",
    )?;
    let format = a.format.parse_text()?;
    let layout_path_mode = a.target.oci_layout_path.is_some();
    let mut target = a.target.parse(&a.args[0])?;
    let prefix = if layout_path_mode {
        let p = format!("{}:", target.reference);
        target.reference.clear();
        Some(p)
    } else {
        None
    };
    let src = target.open_read()?;
    let mut tags = src.tags(a.last.as_deref()).await?;
    if let Some(p) = &prefix {
        tags = tags
            .into_iter()
            .filter_map(|t| t.strip_prefix(p.as_str()).map(str::to_string))
            .collect();
    }
    if !target.reference.is_empty() {
        let want = src.resolve(&target.reference).await?;
        warn(format!(
            "[Experimental] querying tags associated to {}, it may take a while...",
            want.digest
        ));
        let mut keep = Vec::new();
        for t in tags {
            if src.resolve(&t).await.is_ok_and(|d| d.digest == want.digest) {
                keep.push(t);
            }
        }
        tags = keep;
    }
    if a.exclude_digest_tags {
        tags.retain(|t| !is_digest_tag(t));
    }
    if format.print_model(&json!({ "tags": tags }))? {
        return Ok(());
    }
    for t in tags {
        line(t);
    }
    Ok(())
}

async fn ls(a: LsArgs) -> CliResult {
    check_args(
        &a.args,
        "repo ls",
        "[flags] <registry>",
        1,
        true,
        "the target registry to list repositories from",
    )?;
    let format = a.format.parse_text()?;
    let arg = a.args[0].trim_end_matches('/');
    let (host, namespace) = match arg.split_once('/') {
        Some((h, ns)) => (h.to_string(), ns.to_string()),
        None => (arg.to_string(), String::new()),
    };
    if namespace.contains(':') || namespace.contains('@') {
        return fail("tags or digests should not be provided");
    }
    let client = a.remote.client(&host)?;
    let registry = oras::registry::Registry::new(client, &host, a.remote.plain_http(&host));
    let prefix = if namespace.is_empty() {
        String::new()
    } else {
        format!("{namespace}/")
    };
    let repos = registry
        .repositories(a.last.as_deref())
        .await
        .map_err(|e| {
            let what = if prefix.is_empty() {
                format!("could not list repositories for {host:?}")
            } else {
                format!("could not list repositories for {host:?} with prefix {prefix:?}")
            };
            let mut err = crate::error::CliError::from(e);
            err.message = format!("{what}: {}", err.message);
            err
        })?;
    let repos: Vec<String> = repos
        .into_iter()
        .filter(|r| r.starts_with(&prefix))
        .collect();
    if format.print_model(&json!({"registry": host, "repositories": repos}))? {
        return Ok(());
    }
    for r in repos {
        line(&r[prefix.len()..]);
    }
    Ok(())
}
