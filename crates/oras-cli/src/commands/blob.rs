//! `oras blob …`: fetch, push, delete single blobs.

use std::sync::Arc;

use clap::{Args, Subcommand};
use oras::content::BlobSource;
use oras::content::partial;
use oras::content::verify::{copy_verified, hash_file};
use oras_spec::{Descriptor, Digest, media_type};

use super::manifest::confirm_and_delete;
use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{CommonOpts, DescriptorOpts, TargetOpts, TtyOpts, require_digest};
use crate::output::{line, print_descriptor};

#[derive(Subcommand, Debug)]
pub enum BlobCommand {
    /// Delete a blob from a remote registry or an OCI image layout
    #[command(aliases = ["remove", "rm"])]
    Delete(DeleteArgs),
    /// Fetch a blob from a registry or an OCI image layout
    #[command(alias = "get")]
    Fetch(FetchArgs),
    /// Push a blob to a registry or an OCI image layout
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
    /// output file path, use - for stdout
    #[arg(short = 'o', long)]
    output: Option<String>,
}

/// The blob descriptor for a digest in a target (media type `application/octet-stream`).
async fn blob_descriptor(
    t: &dyn oras::content::ReadOnlyGraphTarget,
    digest: &Digest,
    raw: &str,
) -> CliResult<Descriptor> {
    match t.resolve_blob(digest).await {
        Ok(d) => Ok(d),
        Err(e) if e.kind() == oras::ErrorKind::NotFound => {
            fail(format!("{raw}: the specified blob does not exist"))
        }
        Err(e) => Err(e.into()),
    }
}

async fn fetch(a: FetchArgs) -> CliResult {
    check_args(
        &a.args,
        "blob fetch",
        DIGEST_USAGE,
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
    let digest = require_digest(&target, "blob fetch", DIGEST_USAGE)?;
    let src = target.open_read_cached()?;
    let desc = blob_descriptor(&*src, &digest, &target.raw).await?;
    if let Some(out) = &a.output {
        if out == "-" {
            // A closed pipe (`| head`) ends the run quietly (see output::stdout_failed).
            let reader = src.fetch(&desc).await?;
            let mut stdout = crate::output::StdoutWriter(tokio::io::stdout());
            copy_verified(reader, &desc, &mut stdout).await?;
        } else {
            // Staged in a partial file next to the output; a re-run after an interruption
            // fetches only the missing bytes.
            let path = std::path::Path::new(out);
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let staged = dir.join(format!(".oras-{}.partial", desc.digest.hex()));
            let offset = partial::resume_point(&staged, &desc).await;
            let rest = if offset > 0 {
                src.fetch_range(&desc, offset).await?
            } else {
                None
            };
            let (source, offset) = match rest {
                Some(r) => (BlobSource::Reader(r), offset),
                None => (BlobSource::Reader(src.fetch(&desc).await?), 0),
            };
            partial::complete(&staged, path, &desc, source, offset).await?;
        }
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
    /// provide the blob size
    #[arg(long, default_value_t = -1, allow_hyphen_values = true)]
    size: i64,
    /// specify the returned media type in the descriptor if --descriptor is used
    #[arg(long, default_value = media_type::IMAGE_LAYER)]
    media_type: String,
}

async fn push(a: PushArgs) -> CliResult {
    const USAGE: &str = "[flags] <name>[@digest] <file>";
    check_args(
        &a.args,
        "blob push",
        USAGE,
        2,
        true,
        "the destination to push to and the file to read",
    )?;
    let verbose = a.common.verbose();
    let target = a.target.parse(&a.args[0])?;
    let file = &a.args[1];
    let from_stdin = file == "-";
    if from_stdin && a.target.remote.password_stdin {
        return fail(
            "`-` read file from input and `--password-stdin` read password from input cannot be both used",
        );
    }
    if from_stdin && a.size < 0 {
        return fail("`--size` must be provided if the blob is read from stdin");
    }
    let (digest, size, source): (Digest, u64, BlobSource) = if from_stdin {
        let Some(d) = target.digest() else {
            return fail("content digest must be provided if it is read from stdin");
        };
        (
            d,
            a.size as u64,
            BlobSource::Reader(Box::pin(tokio::io::stdin())),
        )
    } else {
        let f = file.clone();
        let meta = std::fs::metadata(&f).map_err(|e| {
            CliError::new(format!(
                "failed to stat {f}: {}",
                crate::options::io_reason(&e)
            ))
        })?;
        if a.size >= 0 && a.size as u64 != meta.len() {
            return fail(format!(
                "input size {} does not match the actual content size {}",
                a.size,
                meta.len()
            ));
        }
        let alg = target
            .digest()
            .map(|d| d.algorithm())
            .unwrap_or(oras_spec::Algorithm::Sha256);
        let (d, _) = tokio::task::spawn_blocking(move || hash_file(std::path::Path::new(&f), alg))
            .await
            .map_err(|e| CliError::new(e.to_string()))??;
        if let Some(want) = target.digest()
            && want != d
        {
            return fail(format!("mismatched digest: expected {want} but got {d}"));
        }
        let reader = tokio::fs::File::open(file).await?;
        (d, meta.len(), BlobSource::Reader(Box::pin(reader)))
    };
    let desc = Descriptor::new(a.media_type.clone(), digest, size);
    let dst = target.open_write()?;
    let quiet = a.desc.descriptor;
    let show = |prompt: &str| {
        if !quiet && verbose {
            line(format!(
                "{prompt} {} {}",
                desc.digest.short(),
                desc.media_type
            ));
        }
    };
    if dst.exists(&desc).await? {
        show("Exists   ");
    } else {
        show("Uploading");
        dst.push(&desc, source).await?;
        show("Uploaded ");
    }
    if quiet {
        print_descriptor(&desc, a.desc.pretty);
    } else {
        line(format!("Pushed: [{}] {}", target.type_name(), target.raw));
        line(format!("Digest: {}", desc.digest));
    }
    let _ = Arc::new(());
    Ok(())
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
    if a.desc.descriptor && !a.force {
        return fail("must apply --force to confirm the deletion if the descriptor is outputted");
    }
    let target = a.target.parse(&a.args[0])?;
    let digest = require_digest(&target, "blob delete", DIGEST_USAGE)?;
    let store = target.open_delete()?;
    let desc = match blob_descriptor(&*store, &digest, &target.raw).await {
        Ok(d) => d,
        Err(e) => {
            if a.force && !a.desc.descriptor {
                line(format!("Missing {}", target.raw));
                return Ok(());
            }
            return Err(e);
        }
    };
    let question = format!(
        "Are you sure you want to delete the blob {:?}? [y/N] ",
        desc.digest.to_string()
    );
    confirm_and_delete(&*store, &desc, &target, a.force, &a.desc, &question).await
}
