//! `oras manifest fetch-config`: print or save the config of an image manifest.

use clap::Args;
use oras::ops::{self, FetchOptions};

use super::{FETCH_USAGE, write_output};
use crate::error::{CliResult, check_args};
use crate::options::{CommonOpts, DescriptorOpts, PlatformOpts, TargetOpts, require_reference};
use crate::output::{print_descriptor, print_raw_json};

#[derive(Args, Debug)]
pub struct FetchConfigArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    /// file `path` to write the fetched config to, use - for stdout
    #[arg(short = 'o', long)]
    output: Option<String>,
}

pub async fn exec(a: FetchConfigArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest fetch-config",
        FETCH_USAGE,
        1,
        true,
        "the manifest config to fetch",
    )?;
    let target = a.target.parse(&a.args[0])?;
    require_reference(&target, "manifest fetch-config", FETCH_USAGE)?;
    let mut opts = FetchOptions::default();
    opts.platform = a.platform.parse()?;
    let src = target.open_read_cached()?;
    if a.desc.descriptor && a.output.is_none() {
        let config = ops::resolve_config(&*src, &target.reference, &opts)
            .await
            .map_err(|e| target.error(e))?;
        print_descriptor(&config, a.desc.pretty);
        return Ok(());
    }
    let (config, data) = ops::fetch_config(&*src, &target.reference, &opts)
        .await
        .map_err(|e| target.error(e))?;
    match &a.output {
        Some(o) => {
            write_output(o, &data)?;
            if a.desc.descriptor {
                print_descriptor(&config, a.desc.pretty);
            }
        }
        None => print_raw_json(&data, a.desc.pretty)?,
    }
    Ok(())
}
