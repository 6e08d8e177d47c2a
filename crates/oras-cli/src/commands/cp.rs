//! `oras cp`: copy an artifact (and with `-r` its referrers) between targets.

use std::sync::Arc;

use clap::Args;
use oras::content::{GraphTarget, ReadOnlyGraphTarget};
use oras::error::Side;
use oras::ops::{self, Copied, CopyOptions};
use oras_spec::{Descriptor, Platform};

use crate::error::{CliError, CliResult, check_args};
use crate::options::{
    AddedFormatOpts, CommonOpts, DistSpecOpts, PlatformOpts, RemoteOpts, TargetOpts, TargetRef,
    TtyOpts, concurrency, finish_tty, require_reference, split_tags,
};
use crate::output::{COPY_PROMPTS, Format, StatusPrinter, line, tagged_model};

pub(super) const USAGE: &str = "[flags] <from>{:<tag>|@<digest>} <to>[:<tag>[,<tag>][...]]";

/// `--from-*` flags of the source side.
#[derive(Args, Debug, Default)]
pub struct FromOpts {
    /// set source target as an OCI image layout
    #[arg(long)]
    from_oci_layout: bool,
    /// [Experimental] set the path for the source OCI image layout target
    #[arg(long)]
    from_oci_layout_path: Option<String>,
    /// source registry username
    #[arg(long)]
    from_username: Option<String>,
    /// source registry password or identity token
    #[arg(long)]
    from_password: Option<String>,
    /// source registry identity token
    #[arg(long)]
    from_identity_token: Option<String>,
    /// allow connections to source SSL registry without certs
    #[arg(long)]
    from_insecure: bool,
    /// allow insecure connections to source registry without SSL check
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    from_plain_http: Option<bool>,
    /// server certificate authority file for the remote source registry
    #[arg(long)]
    from_ca_file: Option<String>,
    /// client certificate file for the remote source registry
    #[arg(long)]
    from_cert_file: Option<String>,
    /// client private key file for the remote source registry
    #[arg(long)]
    from_key_file: Option<String>,
    /// customized DNS for source registry, formatted in `host:port:address[:address_port]`
    #[arg(long)]
    from_resolve: Vec<String>,
    /// `path` of the authentication file for source registry
    #[arg(long)]
    from_registry_config: Vec<String>,
    /// add custom headers to source requests
    #[arg(long)]
    from_header: Vec<String>,
    /// [Preview] set OCI distribution spec version and API option for source target. Options: v1.1-referrers-tag, v1.1-referrers-api
    #[arg(long)]
    from_distribution_spec: Option<String>,
}

impl FromOpts {
    fn target(&self, base_resolve: &[String]) -> TargetOpts {
        let mut resolve = base_resolve.to_vec();
        resolve.extend(self.from_resolve.iter().cloned());
        TargetOpts {
            remote: RemoteOpts {
                username: self.from_username.clone(),
                password: self.from_password.clone(),
                identity_token: self.from_identity_token.clone(),
                insecure: self.from_insecure,
                plain_http: self.from_plain_http,
                ca_file: self.from_ca_file.clone(),
                cert_file: self.from_cert_file.clone(),
                key_file: self.from_key_file.clone(),
                resolve,
                registry_config: self.from_registry_config.clone(),
                header: self.from_header.clone(),
                flag_prefix: "from-",
                ..Default::default()
            },
            oci_layout: self.from_oci_layout,
            oci_layout_path: self.from_oci_layout_path.clone(),
        }
    }

    fn dist(&self) -> DistSpecOpts {
        DistSpecOpts {
            distribution_spec: self.from_distribution_spec.clone(),
        }
    }
}

/// `--to-*` flags of the destination side.
#[derive(Args, Debug, Default)]
pub struct ToOpts {
    /// set destination target as an OCI image layout
    #[arg(long)]
    to_oci_layout: bool,
    /// [Experimental] set the path for the destination OCI image layout target
    #[arg(long)]
    to_oci_layout_path: Option<String>,
    /// destination registry username
    #[arg(long)]
    to_username: Option<String>,
    /// destination registry password or identity token
    #[arg(long)]
    to_password: Option<String>,
    /// destination registry identity token
    #[arg(long)]
    to_identity_token: Option<String>,
    /// allow connections to destination SSL registry without certs
    #[arg(long)]
    to_insecure: bool,
    /// allow insecure connections to destination registry without SSL check
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    to_plain_http: Option<bool>,
    /// server certificate authority file for the remote destination registry
    #[arg(long)]
    to_ca_file: Option<String>,
    /// client certificate file for the remote destination registry
    #[arg(long)]
    to_cert_file: Option<String>,
    /// client private key file for the remote destination registry
    #[arg(long)]
    to_key_file: Option<String>,
    /// customized DNS for destination registry, formatted in `host:port:address[:address_port]`
    #[arg(long)]
    to_resolve: Vec<String>,
    /// `path` of the authentication file for destination registry
    #[arg(long)]
    to_registry_config: Vec<String>,
    /// add custom headers to destination requests
    #[arg(long)]
    to_header: Vec<String>,
    /// [Preview] set OCI distribution spec version and API option for destination target. Options: v1.1-referrers-tag, v1.1-referrers-api
    #[arg(long)]
    to_distribution_spec: Option<String>,
}

impl ToOpts {
    fn target(&self, base_resolve: &[String]) -> TargetOpts {
        let mut resolve = base_resolve.to_vec();
        resolve.extend(self.to_resolve.iter().cloned());
        TargetOpts {
            remote: RemoteOpts {
                username: self.to_username.clone(),
                password: self.to_password.clone(),
                identity_token: self.to_identity_token.clone(),
                insecure: self.to_insecure,
                plain_http: self.to_plain_http,
                ca_file: self.to_ca_file.clone(),
                cert_file: self.to_cert_file.clone(),
                key_file: self.to_key_file.clone(),
                resolve,
                registry_config: self.to_registry_config.clone(),
                header: self.to_header.clone(),
                flag_prefix: "to-",
                ..Default::default()
            },
            oci_layout: self.to_oci_layout,
            oci_layout_path: self.to_oci_layout_path.clone(),
        }
    }

    fn dist(&self) -> DistSpecOpts {
        DistSpecOpts {
            distribution_spec: self.to_distribution_spec.clone(),
        }
    }
}

#[derive(Args, Debug)]
pub struct CpArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    from: FromOpts,
    #[command(flatten)]
    to: ToOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    tty: TtyOpts,
    #[command(flatten)]
    format: AddedFormatOpts,
    /// base DNS rules formatted in `host:port:address[:address_port]` for --from-resolve and --to-resolve
    #[arg(long)]
    resolve: Vec<String>,
    /// [Preview] recursively copy the artifact and its referrer artifacts
    #[arg(short = 'r', long)]
    recursive: bool,
    /// deep-traverse the destination before tagging
    #[arg(long)]
    force: bool,
    /// concurrency level
    #[arg(long, default_value_t = 3)]
    concurrency: usize,
}

pub async fn exec(a: CpArgs) -> CliResult {
    check_args(
        &a.args,
        "cp",
        USAGE,
        2,
        true,
        "the source and destination artifacts",
    )?;
    let format = a.format.parse_text()?;
    let src_ref = a
        .from
        .target(&a.resolve)
        .parse(&a.args[0])?
        .with_dist(&a.from.dist())?;
    require_reference(&src_ref, "cp", USAGE)?;
    let (main, extra_tags) = split_tags(&a.args[1]);
    let dst_ref =
        a.to.target(&a.resolve)
            .parse(&main)?
            .with_dist(&a.to.dist())?;
    dst_ref.check_tags(&extra_tags)?;
    let several = several_platforms(&a.platform)?;
    let single = match several.is_empty() {
        true => a.platform.parse()?,
        false => None,
    };
    let mut opts = CopyOptions::default()
        .platform(single)
        .platforms(several)
        .referrers(a.recursive)
        .extra_tags(extra_tags.clone())
        .concurrency(concurrency(a.concurrency, &[&src_ref, &dst_ref])?);
    let src = src_ref.open_read_remote_cached()?;
    let dst = dst_ref.open_write()?;
    let tty = a.tty.start(a.common.debug);
    let quiet = format.is_structured();
    opts.observer =
        Arc::new(StatusPrinter::new(COPY_PROMPTS, a.common.verbose(), quiet).with_tty(tty.clone()));
    let copied = copy(src, &src_ref, dst, &dst_ref, &opts).await;
    finish_tty(&tty);
    let copied = copied?;
    if !print_model(&copied, &dst_ref, &format)? {
        render(&copied.descriptor, &src_ref, &dst_ref, &extra_tags);
    }
    Ok(())
}

/// The copy's model (`--format`): the destination's manifest with the tags set there; false
/// for text.
fn print_model(copied: &Copied, dst_ref: &TargetRef, format: &Format) -> CliResult<bool> {
    let root = copied.descriptor.plain();
    let reference = dst_ref.with_digest(&root.digest);
    let model = tagged_model(&reference, &root, &dst_ref.path, &copied.tags);
    format.print_model(&serde_json::Value::Object(model))
}

/// `--platform a,b`: several platforms, comma-separated (beyond oras 1.3: a new index of
/// those); none for one platform or none.
fn several_platforms(opts: &PlatformOpts) -> CliResult<Vec<Platform>> {
    match &opts.platform {
        Some(list) if list.contains(',') => list
            .split(',')
            .map(|one| Platform::parse(one.trim()).map_err(CliError::new))
            .collect(),
        _ => Ok(Vec::new()),
    }
}

/// oras's closing lines: what was copied where (digests where the references had none),
/// the extra tags, the digest.
fn render(root: &Descriptor, src_ref: &TargetRef, dst_ref: &TargetRef, extra_tags: &[String]) {
    let src_display = if src_ref.digest().is_some_and(|d| d != root.digest) {
        src_ref.with_digest(&root.digest)
    } else {
        src_ref.display()
    };
    let dst_display = if dst_ref.reference.is_empty() {
        dst_ref.with_digest(&root.digest)
    } else {
        dst_ref.display()
    };
    line(format!(
        "Copied [{}] {src_display} => [{}] {dst_display}",
        src_ref.type_name(),
        dst_ref.type_name()
    ));
    for t in extra_tags {
        line(format!("Tagged {t}"));
    }
    line(format!("Digest: {}", root.digest));
}

/// Copies as oras does: without a destination tag, or with `-r`, the source is resolved first
/// and a failure there is the source target's (`failed to resolve <ref>: …`); every other
/// failure says which end it came from.
async fn copy(
    src: Arc<dyn ReadOnlyGraphTarget>,
    src_ref: &TargetRef,
    dst: Arc<dyn GraphTarget>,
    dst_ref: &TargetRef,
    opts: &CopyOptions,
) -> CliResult<Copied> {
    let copied = if dst_ref.reference.is_empty() || opts.referrers {
        let root = ops::resolve(&*src, &src_ref.reference, opts.platform.as_ref())
            .await
            .map_err(|e| {
                src_ref
                    .error(e)
                    .context(format!("failed to resolve {}", src_ref.reference))
            })?;
        ops::copy_descriptor(src, &root, dst, &dst_ref.reference, opts).await
    } else {
        ops::copy(src, &src_ref.reference, dst, &dst_ref.reference, opts).await
    };
    copied.map_err(|e| match e.side() {
        Some(Side::Source) => side_error("source", src_ref, e),
        Some(Side::Destination) => side_error("destination", dst_ref, e),
        _ => CliError::from(e),
    })
}

/// `Error from source registry for "<ref>": …`, as oras says which end failed: the error as
/// that end's target shows it, under that prefix.
fn side_error(side: &str, t: &TargetRef, e: oras::Error) -> CliError {
    t.error(e).on_side(side, t.type_name(), &t.raw)
}
