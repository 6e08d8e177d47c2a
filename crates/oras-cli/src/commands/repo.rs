//! `oras repo …`: list tags (and repositories, for registries).

use clap::{Args, Subcommand};
use futures::TryStreamExt;
use oras_spec::Digest;
use serde_json::json;

use crate::error::{CliResult, check_args, fail};
use crate::options::{CommonOpts, FormatOpts, RemoteOpts, TargetOpts};
use crate::output::{Format, out, warn};

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

/// Prints names one per line, all at once.
fn print_lines<'a>(names: impl IntoIterator<Item = &'a str>) {
    let text: String = names.into_iter().map(|n| format!("{n}\n")).collect();
    if !text.is_empty() {
        out(&text);
    }
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
    let want = if target.reference.is_empty() {
        None
    } else {
        let want = src.resolve(&target.reference).await?;
        warn(format!(
            "[Experimental] querying tags associated to {}, it may take a while...",
            want.digest
        ));
        Some(want.digest)
    };
    // text is printed page by page as the registry sends them (as oras does); the JSON and
    // template models need every tag first
    let text = format == Format::Text;
    let mut all = Vec::new();
    let mut pages = src.tag_pages(a.last.as_deref());
    while let Some(page) = pages.try_next().await? {
        let mut keep = Vec::new();
        for t in page {
            let t = match &prefix {
                Some(p) => match t.strip_prefix(p.as_str()) {
                    Some(rest) => rest.to_string(),
                    None => continue,
                },
                None => t,
            };
            if a.exclude_digest_tags && is_digest_tag(&t) {
                continue;
            }
            if let Some(want) = &want
                && !src.resolve(&t).await.is_ok_and(|d| &d.digest == want)
            {
                continue;
            }
            keep.push(t);
        }
        if text {
            print_lines(keep.iter().map(String::as_str));
        } else {
            all.extend(keep);
        }
    }
    if !text {
        format.print_model(&json!({ "tags": all }))?;
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
    let failed = |e: oras::Error| {
        let what = if prefix.is_empty() {
            format!("could not list repositories for {host:?}")
        } else {
            format!("could not list repositories for {host:?} with prefix {prefix:?}")
        };
        let mut err = crate::error::CliError::from(e);
        err.message = format!("{what}: {}", err.message);
        err
    };
    // text is printed page by page, as for tags
    let text = format == Format::Text;
    let mut all = Vec::new();
    let mut pages = registry.repository_pages(a.last.as_deref());
    while let Some(page) = pages.try_next().await.map_err(failed)? {
        let page = page.into_iter().filter(|r| r.starts_with(&prefix));
        if text {
            let names: Vec<String> = page.collect();
            print_lines(names.iter().map(|r| &r[prefix.len()..]));
        } else {
            all.extend(page);
        }
    }
    if !text {
        format.print_model(&json!({"registry": host, "repositories": all}))?;
    }
    Ok(())
}
