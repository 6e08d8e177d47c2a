//! `oras manifest delete`, and the confirmation and result lines `blob delete` shares.

use std::sync::Arc;

use clap::Args;
use oras::ops::{self, DeleteOptions, Deletion};
use oras_spec::Descriptor;

use super::{FETCH_USAGE, confirm};
use crate::error::{CliResult, check_args, fail};
use crate::options::{
    AddedFormatOpts, CommonOpts, DescriptorOpts, DistSpecOpts, TargetOpts, TargetRef,
    require_reference,
};
use crate::output::{Format, deletion_model, line, print_descriptor};

#[derive(Args, Debug)]
pub struct DeleteArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    dist: DistSpecOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    #[command(flatten)]
    format: AddedFormatOpts,
    /// ignore nonexistent references, never prompt
    #[arg(short = 'f', long)]
    force: bool,
}

pub async fn exec(a: DeleteArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest delete",
        FETCH_USAGE,
        1,
        true,
        "the manifest to delete",
    )?;
    a.dist.check()?;
    let format = a.desc.check_deletion_format(&a.format, a.force)?;
    let target = a.target.parse(&a.args[0])?.with_dist(&a.dist)?;
    require_reference(&target, "manifest delete", FETCH_USAGE)?;
    let store = target.open_delete()?;
    let opts = confirm_deletion(a.force, |d| {
        format!(
            "Are you sure you want to delete the manifest {:?} and all tags associated with it? [y/N] ",
            d.digest.to_string()
        )
    });
    let done = ops::delete_manifest(&*store, &target.reference, &opts)
        .await
        .map_err(|e| target.error(e))?;
    print_deletion(done, &target, a.force, (&a.desc, &format), "manifest")
}

/// Delete options that ask `question` about what was found, unless `force`.
pub fn confirm_deletion(
    force: bool,
    question: impl Fn(&Descriptor) -> String + Send + Sync + 'static,
) -> DeleteOptions {
    let mut opts = DeleteOptions::default();
    opts.confirm = Arc::new(move |d| force || confirm(&question(d)));
    opts
}

/// `Deleted …` (or the descriptor, or the model of `--format`), `Operation cancelled.`, or
/// for missing content `Missing …` with `--force` and an error without.
pub fn print_deletion(
    done: Deletion,
    target: &TargetRef,
    force: bool,
    (opts, format): (&DescriptorOpts, &Format),
    what: &str,
) -> CliResult {
    if format.is_structured() {
        let model = match &done {
            Deletion::Deleted(d) => deletion_model(&target.with_digest(&d.digest), Some(d)),
            _ if force => deletion_model(&target.raw, None),
            _ => {
                return fail(format!(
                    "{}: the specified {what} does not exist",
                    target.raw
                ));
            }
        };
        format.print_model(&model)?;
        return Ok(());
    }
    match done {
        Deletion::Deleted(d) if opts.descriptor => print_descriptor(&d, opts.pretty),
        Deletion::Deleted(_) => line(format!("Deleted {}", target.typed())),
        Deletion::Cancelled(_) => line("Operation cancelled."),
        Deletion::Missing if force && !opts.descriptor => line(format!("Missing {}", target.raw)),
        _ => {
            return fail(format!(
                "{}: the specified {what} does not exist",
                target.raw
            ));
        }
    }
    Ok(())
}
