//! `oras untag` (beyond oras 1.3, oras#1752): remove tags, keeping the manifests they name.

use clap::Args;
use oras::events::Event;
use oras::ops;

use crate::error::{CliResult, check_args};
use crate::options::{CommonOpts, TargetOpts, split_tags};
use crate::output::line;

pub(super) const USAGE: &str = "[flags] <name>:<tag>[,<tag>][...] [<tag>...]";

#[derive(Args, Debug)]
pub struct UntagArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
}

pub async fn exec(a: UntagArgs) -> CliResult {
    check_args(&a.args, "untag", USAGE, 1, false, "the tags to remove")?;
    let (main_ref, more) = split_tags(&a.args[0]);
    let target = a.target.parse(&main_ref)?;
    if target.reference.is_empty() || target.digest().is_some() {
        return Err(crate::error::CliError::new(format!(
            "{:?}: a tag to remove is needed (a digest names a manifest, not a tag)",
            target.raw
        ))
        .usage(format!("oras untag {USAGE}")));
    }
    let mut tags = vec![target.reference.clone()];
    tags.extend(more.iter().chain(&a.args[1..]).cloned());
    target.check_tags(&tags)?;
    let store = target.open_delete()?;
    let lines = |event: &Event<'_>| {
        if let Event::Untagged(d, t) = event {
            line(format!("Untagged {t} (manifest {} kept)", d.digest));
        }
    };
    ops::untag(&*store, &tags, &lines).await?;
    Ok(())
}
