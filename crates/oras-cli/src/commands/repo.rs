//! `oras repo …`: list tags (and repositories, for registries).

use clap::{Args, Subcommand};
use futures::TryStreamExt;
use futures::stream::BoxStream;
use oras::ops;
use oras_spec::Reference;
use serde_json::json;

use crate::error::{CliError, CliResult, check_args, fail};
use crate::help::{GO_TEMPLATE, JSON, TEXT, format_usage, long};
use crate::options::{CommonOpts, FormatOpts, Kind, RemoteOpts, TargetOpts};
use crate::output::{Format, out, warn};

#[derive(Subcommand, Debug)]
pub enum RepoCommand {
    /// List the repositories under the registry
    #[command(
        alias = "list",
        long_about = long::REPO_LS,
        override_usage = LS_USAGE,
        mut_arg("format", |a| a.help(format_usage(TEXT, &[JSON, GO_TEMPLATE])))
    )]
    Ls(LsArgs),
    /// Show tags of the target repository
    #[command(
        alias = "show-tags",
        long_about = long::REPO_TAGS,
        override_usage = TAGS_USAGE,
        mut_arg("format", |a| a.help(format_usage(TEXT, &[JSON, GO_TEMPLATE])))
    )]
    Tags(TagsArgs),
}

/// The argument grammar of `oras repo ls`.
const LS_USAGE: &str = "[flags] <registry>";
/// The argument grammar of `oras repo tags`.
const TAGS_USAGE: &str = "[flags] <name>";

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

/// Prints each page of names as it arrives, one per line without `prefix` (text, as oras
/// does), or collects the whole names for a JSON or template model.
async fn print_pages(
    mut pages: BoxStream<'_, oras::Result<Vec<String>>>,
    text: bool,
    prefix: &str,
) -> oras::Result<Vec<String>> {
    let mut all = Vec::new();
    while let Some(page) = pages.try_next().await? {
        if !text {
            all.extend(page);
            continue;
        }
        let lines: String = page
            .iter()
            .map(|n| format!("{}\n", n.strip_prefix(prefix).unwrap_or(n)))
            .collect();
        if !lines.is_empty() {
            out(&lines);
        }
    }
    Ok(all)
}

async fn tags(a: TagsArgs) -> CliResult {
    check_args(
        &a.args,
        "repo tags",
        TAGS_USAGE,
        1,
        true,
        "the target repository to list tags from",
    )?;
    let format = a.format.parse_text()?;
    let mut target = a.target.parse(&a.args[0])?;
    let mut o = ops::ListTagsOptions::default();
    o.last = a.last.clone();
    o.exclude_digest_tags = a.exclude_digest_tags;
    if matches!(target.kind, Kind::Layout)
        && let Ok(repo) = Reference::parse(&target.reference)
        && repo.reference.is_empty()
    {
        // as oras: a repository named in a layout (`--oci-layout-path dir host/repo`) lists
        // the layout's tags `host/repo:<tag>`, without the prefix; a full reference
        // (`host/repo:tag`) is a tag of the layout and lists the tags of its manifest
        o.prefix = format!("{}/{}:", repo.registry, repo.repository);
        target.reference.clear();
    }
    let src = target.open_read()?;
    if !target.reference.is_empty() {
        let want = ops::resolve(&*src, &target.reference, None)
            .await
            .map_err(|e| target.error(e))?;
        warn(format!(
            "[Experimental] querying tags associated to {}, it may take a while...",
            want.digest
        ));
        o.digest = Some(want.digest);
    }
    let text = format == Format::Text;
    let all = print_pages(ops::list_tags(&*src, &o), text, "")
        .await
        .map_err(|e| target.error(e))?;
    if !text {
        format.print_model(&json!({ "tags": all }))?;
    }
    Ok(())
}

async fn ls(a: LsArgs) -> CliResult {
    check_args(
        &a.args,
        "repo ls",
        LS_USAGE,
        1,
        true,
        "the target registry to list repositories from",
    )?;
    let format = a.format.parse_text()?;
    let arg = a.args[0].trim_end_matches('/');
    let (host, namespace) = arg.split_once('/').unwrap_or((arg, ""));
    if namespace.contains(':') || namespace.contains('@') {
        return fail("tags or digests should not be provided");
    }
    let registry = oras::registry::Registry::builder(host)?
        .client(a.remote.client(host)?)
        .plain_http(a.remote.plain_http(host))
        .build()?;
    let mut o = ops::ListRepositoriesOptions::default();
    o.last = a.last.clone();
    o.namespace = namespace.to_string();
    let prefix = o.prefix();
    let text = format == Format::Text;
    let all = print_pages(ops::list_repositories(&registry, &o), text, &prefix)
        .await
        .map_err(|e| {
            let what = if prefix.is_empty() {
                format!("could not list repositories for {host:?}")
            } else {
                format!("could not list repositories for {host:?} with prefix {prefix:?}")
            };
            CliError::from(e).context(what)
        })?;
    if !text {
        format.print_model(&json!({"registry": host, "repositories": all}))?;
    }
    Ok(())
}
