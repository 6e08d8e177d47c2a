//! `oras resolve`: print the digest a reference points at.

use clap::Args;
use oras::ops;

use crate::error::{CliResult, check_args};
use crate::options::{AddedFormatOpts, CommonOpts, PlatformOpts, TargetOpts, require_reference};
use crate::output::{descriptor_model, line};

pub(super) const USAGE: &str = "[flags] <name>{:<tag>|@<digest>}";

#[derive(Args, Debug)]
pub struct ResolveArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    format: AddedFormatOpts,
    /// print the full artifact reference with digest
    #[arg(short = 'l', long)]
    full_reference: bool,
}

pub async fn exec(a: ResolveArgs) -> CliResult {
    check_args(&a.args, "resolve", USAGE, 1, true, "the target artifact")?;
    let format = a.format.parse_text()?;
    let target = a.target.parse(&a.args[0])?;
    require_reference(&target, "resolve", USAGE)?;
    let platform = a.platform.parse()?;
    let src = target.open_read()?;
    let desc = ops::resolve(&*src, &target.reference, platform.as_ref())
        .await
        .map_err(|e| target.error(e).context("failed to resolve digest"))?;
    // the model: what the reference resolves to, as a registry describes it (the manifest
    // is not read)
    let model = descriptor_model(&target.with_digest(&desc.digest), &desc.plain());
    if format.print_model(&serde_json::Value::Object(model))? {
        return Ok(());
    }
    if a.full_reference {
        line(target.with_digest(&desc.digest));
    } else {
        line(desc.digest.to_string());
    }
    Ok(())
}
