//! `oras manifest fetch`: print or save a manifest, its descriptor or its JSON model.

use clap::Args;
use oras::ops::{self, FetchOptions};
use serde_json::Value;

use super::{FETCH_USAGE, write_output};
use crate::error::{CliResult, check_args, fail};
use crate::options::{
    CommonOpts, DescriptorOpts, FormatOpts, Kind, PlatformOpts, ReferrerOpts, TargetOpts,
    require_reference,
};
use crate::output::{Format, descriptor_model, print_descriptor, print_raw_json};

#[derive(Args, Debug)]
pub struct FetchArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    referrer: ReferrerOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    #[command(flatten)]
    format: FormatOpts,
    /// accepted media types
    #[arg(long, value_delimiter = ',')]
    media_type: Vec<String>,
    /// file `path` to write the fetched manifest to, use - for stdout
    #[arg(short = 'o', long)]
    output: Option<String>,
}

pub async fn exec(a: FetchArgs) -> CliResult {
    let format = check_flags(&a)?;
    let target = a.target.parse(&a.args[0])?;
    // as oras: the target is opened (a layout path must exist) before the reference is
    // checked, and `--media-type` is refused for a layout after that
    let src = target.open_read_cached()?;
    require_reference(&target, "manifest fetch", FETCH_USAGE)?;
    if !a.media_type.is_empty() && matches!(target.kind, Kind::Layout) {
        return fail("`--media-type` cannot be used with `--oci-layout` at the same time");
    }
    let mut opts = FetchOptions::default();
    opts.platform = a.platform.parse()?;
    opts.media_types = a.media_type.clone();
    opts.referrer = a.referrer.parse()?;
    // the descriptor alone is a resolve (`failed to find`), anything else a fetch
    let resolve_only = a.desc.descriptor && a.output.is_none();
    let context = if resolve_only {
        format!("failed to find {:?}", target.raw)
    } else {
        format!("failed to fetch the content of {:?}", target.raw)
    };
    let desc = ops::resolve_manifest(&*src, &target.reference, &opts)
        .await
        .map_err(|e| {
            let kind = e.kind();
            ReferrerOpts::explain(target.error(e).context(&context), kind)
        })?;
    if resolve_only {
        print_descriptor(&desc, a.desc.pretty);
        return Ok(());
    }
    let bytes = ops::fetch_resolved(&*src, &desc, &opts)
        .await
        .map_err(|e| target.error(e).context(&context))?;
    if let Some(o) = &a.output {
        write_output(o, &bytes)?;
        if a.desc.descriptor {
            print_descriptor(&desc, a.desc.pretty);
        }
    }
    let mut model = descriptor_model(&target.with_digest(&desc.digest), &desc);
    let content = serde_json::from_slice::<Value>(&bytes).map_or(Value::Null, sort_keys);
    model.insert("content".into(), content);
    if format.print_model(&Value::Object(model))? || a.output.is_some() {
        return Ok(());
    }
    print_raw_json(&bytes, a.desc.pretty)
}

/// The argument count and the flag combinations oras refuses; the output format.
fn check_flags(a: &FetchArgs) -> CliResult<Format> {
    check_args(
        &a.args,
        "manifest fetch",
        FETCH_USAGE,
        1,
        true,
        "the manifest to fetch",
    )?;
    let format = a.format.parse_text()?;
    if a.format.format.is_some() && a.desc.pretty {
        return fail("--format, --pretty cannot be used at the same time");
    }
    if a.format.format.is_some() && a.desc.descriptor {
        return fail("--format, --descriptor cannot be used at the same time");
    }
    if a.output.as_deref() == Some("-") && a.desc.descriptor {
        return fail("`--output -` cannot be used with `--descriptor` at the same time");
    }
    if a.output.as_deref() == Some("-") && format != Format::Text {
        return fail("`--output -` cannot be used with `--format` at the same time");
    }
    a.referrer.parse()?;
    Ok(format)
}

/// Re-orders object keys alphabetically, recursively (Go's map encoding order).
fn sort_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sort_keys).collect()),
        other => other,
    }
}
