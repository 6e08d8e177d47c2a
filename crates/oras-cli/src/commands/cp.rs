//! `oras cp`: copy an artifact (and with `-r` its referrers) between targets.

use std::sync::Arc;

use clap::Args;
use oras::copy::{CopyGraphOptions, copy_graph, extended_copy_graph};
use oras::{content::successors_of, ops};
use oras_spec::media_type;

use crate::error::{CliError, CliResult, check_args};
use crate::options::{CommonOpts, DistSpecOpts, PlatformOpts, RemoteOpts, TargetOpts, TtyOpts, require_reference, split_tags};
use crate::output::{COPY_PROMPTS, StatusPrinter, line};

const USAGE: &str = "[flags] <from>{:<tag>|@<digest>} <to>[:<tag>[,<tag>][...]]";

/// One side of a copy: `--from-*` or `--to-*` flags.
macro_rules! side_opts {
    ($name:ident, $p:literal, $what:literal) => {
        #[derive(Args, Debug, Default)]
        pub struct $name {
            #[doc = concat!("set ", $what, " as an OCI image layout")]
            #[arg(long = concat!($p, "oci-layout"))]
            oci_layout: bool,
            #[doc = concat!("[Experimental] set the path for the ", $what, " OCI image layout")]
            #[arg(long = concat!($p, "oci-layout-path"))]
            oci_layout_path: Option<String>,
            #[doc = concat!($what, " registry username")]
            #[arg(long = concat!($p, "username"))]
            username: Option<String>,
            #[doc = concat!($what, " registry password or identity token")]
            #[arg(long = concat!($p, "password"))]
            password: Option<String>,
            #[doc = concat!($what, " registry identity token")]
            #[arg(long = concat!($p, "identity-token"))]
            identity_token: Option<String>,
            #[doc = concat!("allow connections to ", $what, " SSL registry without certs")]
            #[arg(long = concat!($p, "insecure"))]
            insecure: bool,
            #[doc = concat!("allow insecure connections to ", $what, " registry without SSL check")]
            #[arg(long = concat!($p, "plain-http"), num_args = 0..=1, default_missing_value = "true", require_equals = true)]
            plain_http: Option<bool>,
            #[doc = concat!("server certificate authority file for the ", $what, " registry")]
            #[arg(long = concat!($p, "ca-file"))]
            ca_file: Option<String>,
            #[doc = concat!("client certificate file for the ", $what, " registry")]
            #[arg(long = concat!($p, "cert-file"))]
            cert_file: Option<String>,
            #[doc = concat!("client private key file for the ", $what, " registry")]
            #[arg(long = concat!($p, "key-file"))]
            key_file: Option<String>,
            #[doc = concat!("customized DNS for ", $what, " registry")]
            #[arg(long = concat!($p, "resolve"))]
            resolve: Vec<String>,
            #[doc = concat!("path of the authentication file for ", $what, " registry")]
            #[arg(long = concat!($p, "registry-config"))]
            registry_config: Vec<String>,
            #[doc = concat!("add custom headers to ", $what, " requests")]
            #[arg(long = concat!($p, "header"))]
            header: Vec<String>,
            #[doc = concat!("[Preview] set OCI distribution spec version and API option for ", $what)]
            #[arg(long = concat!($p, "distribution-spec"))]
            distribution_spec: Option<String>,
        }

        impl $name {
            fn target(&self, base_resolve: &[String]) -> TargetOpts {
                let mut resolve = base_resolve.to_vec();
                resolve.extend(self.resolve.iter().cloned());
                TargetOpts {
                    remote: RemoteOpts {
                        username: self.username.clone(),
                        password: self.password.clone(),
                        identity_token: self.identity_token.clone(),
                        insecure: self.insecure,
                        plain_http: self.plain_http,
                        ca_file: self.ca_file.clone(),
                        cert_file: self.cert_file.clone(),
                        key_file: self.key_file.clone(),
                        resolve,
                        registry_config: self.registry_config.clone(),
                        header: self.header.clone(),
                        ..Default::default()
                    },
                    oci_layout: self.oci_layout,
                    oci_layout_path: self.oci_layout_path.clone(),
                }
            }

            fn dist(&self) -> DistSpecOpts {
                DistSpecOpts { distribution_spec: self.distribution_spec.clone() }
            }
        }
    };
}

side_opts!(FromOpts, "from-", "source");
side_opts!(ToOpts, "to-", "destination");

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
    /// customized DNS for registry, formatted in `host:port:address[:address_port]`
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
    check_args(&a.args, "cp", USAGE, 2, true, "the source and destination artifacts")?;
    a.from.dist().check()?;
    a.to.dist().check()?;
    let verbose = a.common.verbose();
    let src_ref = a.from.target(&a.resolve).parse(&a.args[0])?;
    require_reference(&src_ref, "cp", USAGE)?;
    let (main, extra_tags) = split_tags(&a.args[1]);
    let dst_ref = a.to.target(&a.resolve).parse(&main)?;
    let platform = a.platform.parse()?;
    let side_err = |side: &str, t: &crate::options::TargetRef, e: oras::Error| {
        CliError::new(format!("Error from {side} {} for {:?}: {e}", t.type_name(), t.raw))
    };
    let src = src_ref.open_read()?;
    let dst = dst_ref.open_write()?;
    let root = ops::resolve(&*src, &src_ref.reference, platform.as_ref()).await.map_err(|e| side_err("source", &src_ref, e))?;

    let printer = Arc::new(StatusPrinter::new(COPY_PROMPTS, verbose, false));
    let opts = CopyGraphOptions { concurrency: a.concurrency, hooks: printer, ..Default::default() };
    if a.recursive {
        let mut children = Vec::new();
        if media_type::is_index(&root.media_type) {
            let bytes = oras::content::verify::fetch_all(&*src, &root, opts.max_metadata_bytes).await?;
            children = successors_of(&root, &bytes)?;
        }
        extended_copy_graph(src.clone(), dst.clone(), &root, &children, 0, &opts).await?;
    } else {
        copy_graph(src.clone(), dst.clone(), &root, &opts).await?;
    }
    if !dst_ref.reference.is_empty() && dst_ref.digest().is_none() {
        dst.tag(&root, &dst_ref.reference).await.map_err(|e| side_err("destination", &dst_ref, e))?;
    }
    let src_display = if src_ref.digest().is_some_and(|d| d != root.digest) { src_ref.with_digest(&root.digest) } else { src_ref.display() };
    let dst_display = if dst_ref.reference.is_empty() { dst_ref.with_digest(&root.digest) } else { dst_ref.display() };
    line(format!("Copied [{}] {src_display} => [{}] {dst_display}", src_ref.type_name(), dst_ref.type_name()));
    for t in &extra_tags {
        dst.tag(&root, t).await.map_err(|e| side_err("destination", &dst_ref, e))?;
        line(format!("Tagged {t}"));
    }
    line(format!("Digest: {}", root.digest));
    Ok(())
}
