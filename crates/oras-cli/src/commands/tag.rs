//! `oras tag`: add tags to a manifest.

use clap::Args;
use oras::events::Event;
use oras::ops;

use crate::error::{CliError, CliResult, check_args};
use crate::options::{AddedFormatOpts, CommonOpts, TargetOpts, require_reference};
use crate::output::{line, tagged_model};

pub(super) const USAGE: &str = "[flags] <name>{:<tag>|@<digest>} <new_tag> [...]";

#[derive(Args, Debug)]
pub struct TagArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    format: AddedFormatOpts,
    /// concurrency level
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
}

pub async fn exec(a: TagArgs) -> CliResult {
    if matches!(a.args.first().map(String::as_str), Some("list" | "ls")) {
        let what = if a.target.oci_layout {
            "an OCI image layout"
        } else {
            "a repository"
        };
        return Err(
            CliError::new("there is no \"list\" sub-command for \"oras tag\" command")
                .usage(format!("oras tag {USAGE}"))
                .recommend(format!(
                    "If you want to list available tags in {what}, use \"oras repo tags\""
                )),
        );
    }
    check_args(
        &a.args,
        "tag",
        USAGE,
        1,
        false,
        "the source artifact for tagging",
    )?;
    let format = a.format.parse_text()?;
    let target = a.target.parse(&a.args[0]).map_err(|e| {
        CliError::new(format!(
            "unable to add tag for '{}': {}",
            a.args[0], e.message
        ))
    })?;
    require_reference(&target, "tag", USAGE)?;
    target.check_tags(&a.args[1..])?;
    let dst = target.open_write()?;
    let quiet = format.is_structured();
    let lines = |event: &Event<'_>| match event {
        _ if quiet => {}
        Event::Resolved(d) => line(format!(
            "Tagging [{}] {}",
            target.type_name(),
            target.with_digest(&d.digest)
        )),
        Event::Tagged(_, t) => line(format!("Tagged {t}")),
        _ => {}
    };
    let tags = &a.args[1..];
    let tagged = ops::tag(&*dst, &target.reference, tags, &lines)
        .await
        .map_err(|e| target.error(e))?;
    // the model: the manifest with the tags this run set
    let reference = target.with_digest(&tagged.digest);
    let model = tagged_model(&reference, &tagged, &target.path, tags);
    format.print_model(&serde_json::Value::Object(model))?;
    Ok(())
}
