//! Option groups shared by commands (oras-cli.md §2), and turning a reference argument plus
//! flags into a store to read from or write to.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use oras::content::oci::OciLayout;
use oras::content::{GraphTarget, ReadOnlyGraphTarget};
use oras_spec::{Digest, LayoutReference, Platform, Reference};

use crate::error::{CliError, CliResult, fail};
use crate::output::warn;

/// `-d/--debug` and the deprecated `-v/--verbose`.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonOpts {
    /// output debug logs (implies --no-tty)
    #[arg(short = 'd', long)]
    pub debug: bool,
    #[arg(short = 'v', long, hide = true, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub verbose: Option<bool>,
}

impl CommonOpts {
    /// Whether to print status lines for untitled content (default true); warns when used.
    pub fn verbose(&self) -> bool {
        if self.verbose.is_some() {
            warn("Flag --verbose has been deprecated, and will be removed in a future release.");
        }
        self.verbose.unwrap_or(true)
    }
}

/// Registry connection flags.
#[derive(Args, Debug, Clone, Default)]
pub struct RemoteOpts {
    /// registry username
    #[arg(short = 'u', long)]
    pub username: Option<String>,
    /// registry password or identity token
    #[arg(short = 'p', long)]
    pub password: Option<String>,
    /// registry identity token
    #[arg(long)]
    pub identity_token: Option<String>,
    /// read password from stdin
    #[arg(long)]
    pub password_stdin: bool,
    /// read identity token from stdin
    #[arg(long)]
    pub identity_token_stdin: bool,
    /// allow connections to SSL registry without certs
    #[arg(long)]
    pub insecure: bool,
    /// allow insecure connections to registry without SSL check
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub plain_http: Option<bool>,
    /// server certificate authority file for the remote registry
    #[arg(long)]
    pub ca_file: Option<String>,
    /// client certificate file for the remote registry
    #[arg(long)]
    pub cert_file: Option<String>,
    /// client private key file for the remote registry
    #[arg(long)]
    pub key_file: Option<String>,
    /// customized DNS for registry, formatted in `host:port:address[:address_port]`
    #[arg(long)]
    pub resolve: Vec<String>,
    /// path of the authentication file for registry
    #[arg(long)]
    pub registry_config: Vec<String>,
    /// add custom headers to requests
    #[arg(short = 'H', long)]
    pub header: Vec<String>,
}

/// Remote flags plus the OCI layout switches.
#[derive(Args, Debug, Clone, Default)]
pub struct TargetOpts {
    #[command(flatten)]
    pub remote: RemoteOpts,
    /// set target as an OCI image layout
    #[arg(long)]
    pub oci_layout: bool,
    /// [Experimental] set the path for the OCI image layout target
    #[arg(long)]
    pub oci_layout_path: Option<String>,
}

/// `--platform`.
#[derive(Args, Debug, Clone, Default)]
pub struct PlatformOpts {
    /// request platform in the form of `os[/arch][/variant][:os_version]`
    #[arg(long)]
    pub platform: Option<String>,
}

impl PlatformOpts {
    pub fn parse(&self) -> CliResult<Option<Platform>> {
        self.platform
            .as_deref()
            .map(Platform::parse)
            .transpose()
            .map_err(CliError::new)
    }
}

/// `--format` and `--template`.
#[derive(Args, Debug, Clone, Default)]
pub struct FormatOpts {
    /// [Experimental] format output
    #[arg(long)]
    pub format: Option<String>,
    /// [Experimental] template used to format output
    #[arg(long)]
    pub template: Option<String>,
}

impl FormatOpts {
    /// Parses against the types most commands take: text (default), json, go-template.
    pub fn parse_text(&self) -> CliResult<crate::output::Format> {
        crate::output::Format::parse(
            self.format.as_deref(),
            self.template.as_deref(),
            &["text", "json", "go-template"],
            crate::output::Format::Text,
        )
    }
}

/// `--no-tty`.
#[derive(Args, Debug, Clone, Default)]
pub struct TtyOpts {
    /// [Preview] disable progress bars
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub no_tty: Option<bool>,
}

/// `--descriptor` and `--pretty`.
#[derive(Args, Debug, Clone, Default)]
pub struct DescriptorOpts {
    /// print descriptor instead of content
    #[arg(long)]
    pub descriptor: bool,
    /// prettify JSON objects printed to stdout
    #[arg(long)]
    pub pretty: bool,
}

/// `--distribution-spec`.
#[derive(Args, Debug, Clone, Default)]
pub struct DistSpecOpts {
    /// [Preview] set OCI distribution spec version and API option. Options: v1.1-referrers-api, v1.1-referrers-tag
    #[arg(long)]
    pub distribution_spec: Option<String>,
}

impl DistSpecOpts {
    pub fn check(&self) -> CliResult {
        match self.distribution_spec.as_deref() {
            None | Some("v1.1-referrers-api") | Some("v1.1-referrers-tag") => Ok(()),
            Some(x) => Err(CliError::new(format!(
                "invalid argument {x:?} for \"--distribution-spec\" flag: unknown distribution specification flag: {x}"
            ))
            .recommend("Available options: v1.1-referrers-tag, v1.1-referrers-api")),
        }
    }
}

/// What a reference argument points at.
#[derive(Debug, Clone)]
pub enum Kind {
    Layout,
    Registry(#[allow(dead_code)] Reference),
}

/// A parsed reference argument.
#[derive(Debug, Clone)]
pub struct TargetRef {
    pub kind: Kind,
    /// The argument as given.
    pub raw: String,
    /// Layout directory/tar, or `registry/repository`.
    pub path: String,
    /// Tag or digest; empty if none.
    pub reference: String,
}

impl TargetRef {
    /// `[oci-layout]` or `[registry]`.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Layout => "oci-layout",
            Kind::Registry(_) => "registry",
        }
    }

    /// `path:tag`, `path@digest` or `path`.
    pub fn display(&self) -> String {
        if self.reference.is_empty() {
            self.path.clone()
        } else if Digest::parse(&self.reference).is_ok() {
            format!("{}@{}", self.path, self.reference)
        } else {
            format!("{}:{}", self.path, self.reference)
        }
    }

    /// `[type] path:tag`.
    pub fn typed(&self) -> String {
        format!("[{}] {}", self.type_name(), self.display())
    }

    /// `path@digest`.
    pub fn with_digest(&self, d: &Digest) -> String {
        format!("{}@{d}", self.path)
    }

    /// Whether the reference is a digest.
    pub fn digest(&self) -> Option<Digest> {
        Digest::parse(&self.reference).ok()
    }

    fn layout_path(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }

    /// Opens the target for reading (a layout may be a directory or a tar archive).
    pub fn open_read(&self) -> CliResult<Arc<dyn ReadOnlyGraphTarget>> {
        match &self.kind {
            Kind::Layout => {
                let path = self.layout_path();
                if let Err(e) = std::fs::metadata(&path) {
                    return fail(format!(
                        "invalid argument {:?}: failed to find path {:?}: stat {}: {}",
                        self.raw,
                        self.path,
                        self.path,
                        io_reason(&e)
                    ));
                }
                Ok(Arc::new(OciLayout::open_read_only(&path)?))
            }
            Kind::Registry(_) => Err(registry_unsupported()),
        }
    }

    /// Opens the target for writing (a layout directory is created if needed).
    pub fn open_write(&self) -> CliResult<Arc<dyn GraphTarget>> {
        Ok(self.open_layout()?)
    }

    /// The target as a writable layout (for operations only layouts have).
    pub fn open_layout(&self) -> CliResult<Arc<OciLayout>> {
        match &self.kind {
            Kind::Layout => {
                let path = self.layout_path();
                if path.is_file() {
                    return fail(format!(
                        "{:?}: a tar archive of an OCI layout can only be read",
                        self.path
                    ));
                }
                Ok(Arc::new(OciLayout::open(&path)?))
            }
            Kind::Registry(_) => Err(registry_unsupported()),
        }
    }
}

fn registry_unsupported() -> CliError {
    CliError::new("registry targets are not supported in this build yet")
        .recommend("Use --oci-layout to work with an OCI image layout")
}

/// The reason part of an io error, as Go prints it (`no such file or directory`).
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

impl TargetOpts {
    /// Parses a reference argument against these flags.
    pub fn parse(&self, raw: &str) -> CliResult<TargetRef> {
        if self.oci_layout && self.oci_layout_path.is_some() {
            return fail(
                "if any flags in the group [oci-layout oci-layout-path] are set none of the others can be; [oci-layout oci-layout-path] were all set",
            );
        }
        let layout = self.oci_layout || self.oci_layout_path.is_some();
        if layout && !self.remote.header.is_empty() {
            return fail("custom header flags cannot be used on an OCI image layout target");
        }
        if let Some(dir) = &self.oci_layout_path {
            return Ok(TargetRef {
                kind: Kind::Layout,
                raw: raw.into(),
                path: dir.clone(),
                reference: raw.into(),
            });
        }
        if self.oci_layout {
            let r = LayoutReference::parse(raw).map_err(CliError::new)?;
            return Ok(TargetRef {
                kind: Kind::Layout,
                raw: raw.into(),
                path: r.path,
                reference: r.reference,
            });
        }
        let r = Reference::parse(raw).map_err(|e| {
            CliError::new(format!("{raw:?}: {e}"))
                .recommend("Please make sure the provided reference is in the form of <registry>/<repo>[:tag|@digest]")
        })?;
        Ok(TargetRef {
            kind: Kind::Registry(r.clone()),
            raw: raw.into(),
            path: r.repository_path(),
            reference: r.reference,
        })
    }
}

/// Splits `ref:t1,t2,t3` into the main reference and extra tags.
pub fn split_tags(raw: &str) -> (String, Vec<String>) {
    let mut parts = raw.split(',');
    let first = parts.next().unwrap_or_default().to_string();
    (first, parts.map(str::to_string).collect())
}

/// Requires a tag or digest on a reference (oras's "no tag or digest specified").
pub fn require_reference(t: &TargetRef, cmd: &str, usage: &str) -> CliResult {
    if t.reference.is_empty() {
        return Err(CliError::new(format!("{:?}: no tag or digest specified", t.raw))
            .usage(format!("oras {cmd} {usage}"))
            .recommend(format!(
                "Please specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras {cmd} -h\" for more options and examples"
            )));
    }
    Ok(())
}

/// Requires a digest on a reference (blob commands).
pub fn require_digest(t: &TargetRef, cmd: &str, usage: &str) -> CliResult<Digest> {
    match t.digest() {
        Some(d) => Ok(d),
        None => Err(CliError::new(format!("{:?}: no digest specified", t.raw))
            .usage(format!("oras {cmd} {usage}"))
            .recommend(format!("Please specify a reference in the form of \"<name>@<digest>\". Run \"oras {cmd} -h\" for more options and examples"))),
    }
}
