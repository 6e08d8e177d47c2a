//! `oras blob …`: fetch, push, delete single blobs.

use std::path::Path;
use std::sync::Arc;

use clap::{Args, Subcommand};
use oras::ops::{self, BlobInput, BlobOutput, PushBlobOptions};
use oras_spec::media_type;

use super::manifest::{confirm_deletion, print_deletion};
use crate::error::{CliResult, check_args, fail};
use crate::help::long;
use crate::options::{
    AddedFormatOpts, CommonOpts, DescriptorOpts, TargetOpts, TargetRef, TtyOpts, require_digest,
};
use crate::output::{
    PUSH_PROMPTS, StatusPrinter, StdoutWriter, descriptor_model, line, print_descriptor,
};

#[derive(Subcommand, Debug)]
pub enum BlobCommand {
    /// Delete a blob from a remote registry or an OCI image layout
    #[command(
        aliases = ["remove", "rm"],
        long_about = long::BLOB_DELETE,
        override_usage = DIGEST_USAGE
    )]
    Delete(DeleteArgs),
    /// Fetch a blob from a registry or an OCI image layout
    #[command(alias = "get", long_about = long::BLOB_FETCH, override_usage = FETCH_USAGE)]
    Fetch(FetchArgs),
    /// Push a blob to a registry or an OCI image layout
    #[command(long_about = long::BLOB_PUSH, override_usage = PUSH_USAGE)]
    Push(PushArgs),
}

pub async fn exec(c: BlobCommand) -> CliResult {
    match c {
        BlobCommand::Delete(a) => delete(a).await,
        BlobCommand::Fetch(a) => fetch(a).await,
        BlobCommand::Push(a) => push(a).await,
    }
}

const DIGEST_USAGE: &str = "[flags] <name>@<digest>";
const FETCH_USAGE: &str = "[flags] {--output <file> | --descriptor} <name>@<digest>";
const PUSH_USAGE: &str = "[flags] <name>[@digest] <file>";

#[derive(Args, Debug)]
pub struct FetchArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    #[command(flatten)]
    tty: TtyOpts,
    /// output file `path`, use - for stdout
    #[arg(short = 'o', long)]
    output: Option<String>,
}

async fn fetch(a: FetchArgs) -> CliResult {
    check_args(
        &a.args,
        "blob fetch",
        FETCH_USAGE,
        1,
        true,
        "the target blob to fetch",
    )?;
    if a.output.is_none() && !a.desc.descriptor {
        return fail("either `--output` or `--descriptor` must be provided");
    }
    if a.output.as_deref() == Some("-") && a.desc.descriptor {
        return fail("`--output -` cannot be used with `--descriptor` at the same time");
    }
    let target = a.target.parse(&a.args[0])?;
    let digest = require_digest(&target, "blob fetch", FETCH_USAGE)?;
    let src = target.open_read_cached()?;
    let desc = src
        .resolve_blob(&digest)
        .await
        .map_err(|e| target.error(e))?;
    match a.output.as_deref() {
        // A closed pipe (`| head`) ends the run quietly (see output::stdout_failed).
        Some("-") => {
            let mut stdout = StdoutWriter(tokio::io::stdout());
            ops::fetch_blob(&*src, &desc, BlobOutput::Writer(&mut stdout))
                .await
                .map_err(|e| target.error(e))?
        }
        Some(path) => ops::fetch_blob(&*src, &desc, BlobOutput::File(Path::new(path)))
            .await
            .map_err(|e| target.error(e))?,
        None => {}
    }
    if a.desc.descriptor {
        print_descriptor(&desc, a.desc.pretty);
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct PushArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    #[command(flatten)]
    tty: TtyOpts,
    #[command(flatten)]
    format: AddedFormatOpts,
    /// provide the blob size
    #[arg(long, default_value_t = -1, allow_hyphen_values = true)]
    size: i64,
    /// specify the returned media type in the descriptor if --descriptor is used
    #[arg(long, default_value = media_type::IMAGE_LAYER)]
    media_type: String,
}

async fn push(a: PushArgs) -> CliResult {
    check_args(
        &a.args,
        "blob push",
        PUSH_USAGE,
        2,
        true,
        "the destination to push to and the file to read",
    )?;
    // as oras: reading the blob from stdin is checked before the reference
    let from_stdin = a.args[1] == "-";
    a.target.remote.check_stdin_conflict(&a.args[1])?;
    if from_stdin && a.size < 0 {
        return fail("`--size` must be provided if the blob is read from stdin");
    }
    let format = a.desc.check_format(&a.format)?;
    let verbose = a.common.verbose();
    let target = a.target.parse(&a.args[0])?;
    let input = blob_input(&a, &target)?;
    let dst = target.open_write()?;
    let mut opts = PushBlobOptions::default();
    opts.media_type = a.media_type.clone();
    let quiet = a.desc.descriptor || format.is_structured();
    opts.observer = Arc::new(StatusPrinter::new(PUSH_PROMPTS, verbose, quiet));
    let desc = ops::push_blob(&*dst, input, &opts)
        .await
        .map_err(|e| target.error(e))?;
    let model = descriptor_model(&target.with_digest(&desc.digest), &desc);
    if format.print_model(&serde_json::Value::Object(model))? {
        return Ok(());
    }
    if a.desc.descriptor {
        print_descriptor(&desc, a.desc.pretty);
    } else {
        line(format!("Pushed: [{}] {}", target.type_name(), target.raw));
        line(format!("Digest: {}", desc.digest));
    }
    Ok(())
}

/// What `blob push` reads: the file, or stdin (which needs `--size` and the digest).
fn blob_input(a: &PushArgs, target: &TargetRef) -> CliResult<BlobInput> {
    let file = &a.args[1];
    let from_stdin = file == "-";
    let size = u64::try_from(a.size).ok();
    Ok(match (from_stdin, size, target.digest()) {
        (false, _, digest) => BlobInput::File {
            path: file.into(),
            digest,
            size,
        },
        (true, None, _) => return fail("`--size` must be provided if the blob is read from stdin"),
        (true, Some(_), None) => {
            return fail("content digest must be provided if it is read from stdin");
        }
        (true, Some(size), Some(digest)) => BlobInput::Stream {
            reader: Box::pin(tokio::io::stdin()),
            digest,
            size,
        },
    })
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    #[command(flatten)]
    format: AddedFormatOpts,
    /// ignore nonexistent references, never prompt
    #[arg(short = 'f', long)]
    force: bool,
}

async fn delete(a: DeleteArgs) -> CliResult {
    check_args(
        &a.args,
        "blob delete",
        DIGEST_USAGE,
        1,
        true,
        "the target blob to delete",
    )?;
    let format = a.desc.check_deletion_format(&a.format, a.force)?;
    let target = a.target.parse(&a.args[0])?;
    let digest = require_digest(&target, "blob delete", DIGEST_USAGE)?;
    let store = target.open_delete()?;
    let opts = confirm_deletion(a.force, |d| {
        format!(
            "Are you sure you want to delete the blob {:?}? [y/N] ",
            d.digest.to_string()
        )
    });
    let done = ops::delete_blob(&*store, &digest, &opts)
        .await
        .map_err(|e| target.error(e))?;
    print_deletion(done, &target, a.force, (&a.desc, &format), "blob")
}
