//! Option groups shared by commands (oras-cli.md §2), and turning a reference argument plus
//! flags into a store to read from or write to.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use oras::content::oci::OciLayout;
use oras::content::{GraphTarget, ReadOnlyGraphTarget};
use oras::registry::auth::Credential;
use oras::registry::credentials::CredentialStore;
use oras::registry::{
    Client, ClientOptions, CredentialProvider, DownloadPolicy, ReferrersMode, Repository,
    ResolveRule, StaticCredential, UploadPolicy,
};
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
    /// Whether to print status lines for untitled content (default true). The deprecation
    /// notice for the flag is printed when the command line is read (`commands::parse`).
    pub fn verbose(&self) -> bool {
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
    /// `path` of the authentication file for registry
    #[arg(long)]
    pub registry_config: Vec<String>,
    /// add custom headers to requests
    #[arg(short = 'H', long)]
    pub header: Vec<String>,
}

static DEBUG: AtomicBool = AtomicBool::new(false);
static CONFIG_PATH: Mutex<Option<String>> = Mutex::new(None);

/// Turns the HTTP trace on (`--debug`).
pub fn set_debug(on: bool) {
    DEBUG.store(on, Ordering::Relaxed);
}

/// The credentials file used by this run, as given (for error hints).
pub fn config_path_in_use() -> String {
    CONFIG_PATH
        .lock()
        .expect("config path")
        .clone()
        .unwrap_or_else(|| {
            oras::registry::credentials::default_config_path()
                .display()
                .to_string()
        })
}

/// Reads a secret from stdin: all of it, minus one trailing `\n` then `\r`.
fn read_stdin_secret() -> CliResult<String> {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
    if s.ends_with('\n') {
        s.pop();
    }
    if s.ends_with('\r') {
        s.pop();
    }
    Ok(s)
}

impl RemoteOpts {
    /// Checks flag combinations and prints oras's warnings.
    pub fn check(&self) -> CliResult {
        let set: Vec<&str> = [
            ("--password", self.password.is_some()),
            ("--identity-token", self.identity_token.is_some()),
            ("--identity-token-stdin", self.identity_token_stdin),
            ("--password-stdin", self.password_stdin),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect();
        if set.len() > 1 {
            return fail(format!(
                "{} cannot be used at the same time",
                set.join(", ")
            ));
        }
        if self.username.is_some() && (self.identity_token.is_some() || self.identity_token_stdin) {
            let other = if self.identity_token.is_some() {
                "--identity-token"
            } else {
                "--identity-token-stdin"
            };
            return fail(format!(
                "--username, {other} cannot be used at the same time"
            ));
        }
        if self.cert_file.is_some() != self.key_file.is_some() {
            return fail("--cert-file must be used in conjunction with --key-file");
        }
        if self.password.is_some() {
            warn("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        }
        if self.identity_token.is_some() {
            warn(
                "WARNING! Using --identity-token via the CLI is insecure. Use --identity-token-stdin.",
            );
        }
        Ok(())
    }

    /// The credential given by flags (reading stdin when asked), if any.
    pub fn flag_credential(&self) -> CliResult<Option<Credential>> {
        let username = self.username.clone().unwrap_or_default();
        let secret = if self.password_stdin || self.identity_token_stdin {
            Some(read_stdin_secret()?)
        } else {
            self.password
                .clone()
                .or_else(|| self.identity_token.clone())
        };
        let is_token = self.identity_token.is_some() || self.identity_token_stdin;
        match secret {
            None if username.is_empty() => Ok(None),
            None => Ok(Some(Credential::basic(username, ""))),
            Some(s) if is_token || username.is_empty() => Ok(Some(Credential {
                refresh_token: s,
                ..Default::default()
            })),
            Some(s) => Ok(Some(Credential::basic(username, s))),
        }
    }

    /// The credential store of `--registry-config` (or the default docker config).
    pub fn store(&self) -> CredentialStore {
        if let Some(first) = self.registry_config.first() {
            *CONFIG_PATH.lock().expect("config path") = Some(first.clone());
        }
        CredentialStore::new(self.registry_config.iter().map(PathBuf::from).collect())
    }

    /// Transport options from the flags (and `ORAS_READ_TIMEOUT`) for `registry`.
    pub fn client_options(&self, registry: &str) -> CliResult<ClientOptions> {
        let mut headers = Vec::new();
        for h in &self.header {
            match h.split_once(':') {
                Some((k, v)) if !k.trim().is_empty() => {
                    headers.push((k.trim().to_string(), v.trim().to_string()))
                }
                _ => return fail(format!("invalid header: {h:?}")),
            }
        }
        let mut resolve = Vec::new();
        for r in &self.resolve {
            let bad =
                |why: &str| CliError::new(format!("failed to parse resolve flag {r:?}: {why}"));
            let parts: Vec<&str> = r.splitn(4, ':').collect();
            if parts.len() < 3 {
                return Err(bad("expecting host:port:address[:address_port]"));
            }
            let port: u16 = parts[1]
                .parse()
                .map_err(|_| bad("expecting uint64 host port"))?;
            let ip: std::net::IpAddr = parts[2].parse().map_err(|_| bad("invalid IP address"))?;
            let addr_port: u16 = match parts.get(3) {
                Some(p) => p
                    .parse()
                    .map_err(|_| bad("expecting uint64 address port"))?,
                None => port,
            };
            resolve.push(ResolveRule {
                host: parts[0].to_string(),
                port,
                addr: std::net::SocketAddr::new(ip, addr_port),
            });
        }
        Ok(ClientOptions {
            insecure: self.insecure,
            ca_file: self.ca_file.as_ref().map(PathBuf::from),
            cert_file: self.cert_file.as_ref().map(PathBuf::from),
            key_file: self.key_file.as_ref().map(PathBuf::from),
            headers,
            resolve,
            user_agent: format!("oras/{}", crate::commands::VERSION),
            debug: DEBUG.load(Ordering::Relaxed),
            read_timeout: read_timeout(registry)?,
        })
    }

    /// A client for a registry: flag credentials for every host, else the credential store.
    pub fn client(&self, registry: &str) -> CliResult<Arc<Client>> {
        self.check()?;
        let provider: Box<dyn CredentialProvider> = match self.flag_credential()? {
            Some(c) => Box::new(StaticCredential(c)),
            None => Box::new(self.store()),
        };
        Ok(Arc::new(Client::new(
            self.client_options(registry)?,
            provider,
        )?))
    }

    /// Plain HTTP: when asked, and by default for the host `localhost`.
    pub fn plain_http(&self, registry: &str) -> bool {
        match self.plain_http {
            Some(v) => v,
            None => registry == "localhost" || registry.starts_with("localhost:"),
        }
    }
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
    /// [Experimental] template string used to format output
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

impl TtyOpts {
    /// The progress display, when stderr is a terminal and neither `--no-tty` nor `--debug`.
    pub fn start(&self, debug: bool) -> Option<Arc<crate::progress::TtyProgress>> {
        use std::io::IsTerminal;
        let on = match self.no_tty {
            Some(true) => false,
            Some(false) => std::io::stderr().is_terminal(),
            None => !debug && std::io::stderr().is_terminal(),
        };
        on.then(crate::progress::TtyProgress::start)
    }
}

/// Finishes a progress display, if any.
pub fn finish_tty(tty: &Option<Arc<crate::progress::TtyProgress>>) {
    if let Some(t) = tty {
        t.finish();
    }
}

/// `--descriptor` and `--pretty`.
#[derive(Args, Debug, Clone, Default)]
pub struct DescriptorOpts {
    /// output the descriptor
    #[arg(long)]
    pub descriptor: bool,
    /// prettify JSON objects printed to stdout
    #[arg(long)]
    pub pretty: bool,
}

/// `--distribution-spec`.
#[derive(Args, Debug, Clone, Default)]
pub struct DistSpecOpts {
    /// [Preview] set OCI distribution spec version and API option for target. Options: v1.1-referrers-tag, v1.1-referrers-api
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
    Registry(Reference),
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
    /// Connection flags for a registry target.
    pub remote: RemoteOpts,
    /// How referrers are found and recorded (`--distribution-spec`).
    pub referrers: ReferrersMode,
    /// Manifest media types to ask a registry for (`manifest fetch --media-type`).
    pub accept: Vec<String>,
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

    /// Checks tags to be added to this target before any request: a registry takes only
    /// `^\w[\w.-]{0,127}$` (`invalid reference: invalid tag "…"`); an OCI layout takes any
    /// non-empty name, as oras's OCI store does (`missing reference` for an empty one).
    pub fn check_tags<'a>(&self, tags: impl IntoIterator<Item = &'a String>) -> CliResult {
        for t in tags {
            match self.kind {
                Kind::Registry(_) => oras_spec::reference::validate_tag(t)
                    .map_err(|e| CliError::new(e.to_string()))?,
                Kind::Layout if t.is_empty() => return fail("missing reference"),
                Kind::Layout => {}
            }
        }
        Ok(())
    }

    /// Sets the referrers mode from `--distribution-spec`.
    pub fn with_dist(mut self, dist: &DistSpecOpts) -> CliResult<TargetRef> {
        dist.check()?;
        self.referrers = match dist.distribution_spec.as_deref() {
            Some("v1.1-referrers-api") => ReferrersMode::Api,
            Some("v1.1-referrers-tag") => ReferrersMode::TagSchema,
            _ => ReferrersMode::Auto,
        };
        Ok(self)
    }

    /// The registry repository client, with scope hints for `actions` beyond pull.
    pub fn repository(&self, actions: &[&'static str]) -> CliResult<Arc<Repository>> {
        let Kind::Registry(r) = &self.kind else {
            return fail("not a registry reference");
        };
        let client = self.remote.client(&r.registry)?;
        let repo = Repository::new(client, r, self.remote.plain_http(&r.registry))
            .with_actions(actions)
            .with_referrers_mode(self.referrers)
            .with_manifest_media_types(&self.accept)
            .with_upload_policy(upload_policy(&r.registry)?)
            .with_download_policy(download_policy(&r.registry)?);
        Ok(Arc::new(repo))
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
            Kind::Registry(_) => Ok(self.repository(&[])?),
        }
    }

    /// [`TargetRef::open_read`] behind the `ORAS_CACHE` read-through cache, when it is set.
    pub fn open_read_cached(&self) -> CliResult<Arc<dyn ReadOnlyGraphTarget>> {
        let origin = self.open_read()?;
        match std::env::var_os("ORAS_CACHE").filter(|v| !v.is_empty()) {
            Some(dir) => {
                let cache = OciLayout::open(PathBuf::from(dir))?;
                Ok(Arc::new(oras::content::cache::CachedTarget::new(
                    origin, cache,
                )))
            }
            None => Ok(origin),
        }
    }

    /// Opens the target for writing (a layout directory is created if needed).
    pub fn open_write(&self) -> CliResult<Arc<dyn GraphTarget>> {
        match &self.kind {
            Kind::Layout => Ok(self.open_layout()?),
            Kind::Registry(_) => Ok(self.repository(&["push"])?),
        }
    }

    /// Opens the target for deleting content.
    pub fn open_delete(&self) -> CliResult<Arc<dyn GraphTarget>> {
        match &self.kind {
            Kind::Layout => Ok(self.open_layout()?),
            Kind::Registry(_) => Ok(self.repository(&["delete", "push"])?),
        }
    }

    /// The target as a writable layout directory.
    pub fn open_layout(&self) -> CliResult<Arc<OciLayout>> {
        let path = self.layout_path();
        if path.is_file() {
            return fail(format!(
                "{:?}: a tar archive of an OCI layout can only be read",
                self.path
            ));
        }
        Ok(Arc::new(OciLayout::open(&path)?))
    }
}

/// The upload policy: `ORAS_CHUNK_SIZE` (bytes per chunk) and `ORAS_CHUNKED_ABOVE` (upload
/// blobs larger than this many bytes in chunks); by default monolithic with a chunked fallback.
fn upload_policy(registry: &str) -> CliResult<UploadPolicy> {
    let mut p = UploadPolicy::default();
    if let Some(n) = byte_setting("ORAS_CHUNK_SIZE", registry)? {
        p.chunk_size = n.max(1);
    }
    p.chunked_above = byte_setting("ORAS_CHUNKED_ABOVE", registry)?;
    p.session_dir = state_dir().map(|d| d.join("uploads"));
    Ok(p)
}

/// The download policy for big blobs: `ORAS_DOWNLOAD_CONNECTIONS` (segments fetched at once;
/// 1, the default, means one request per blob), `ORAS_PARALLEL_ABOVE` (blobs from this many
/// bytes on are fetched in segments) and `ORAS_SEGMENT_SIZE` (bytes per segment).
fn download_policy(registry: &str) -> CliResult<DownloadPolicy> {
    let mut p = DownloadPolicy::default();
    if let Some(n) = byte_setting("ORAS_DOWNLOAD_CONNECTIONS", registry)? {
        p.connections = n.clamp(1, 16) as usize;
    }
    if let Some(n) = byte_setting("ORAS_PARALLEL_ABOVE", registry)? {
        p.parallel_above = n;
    }
    if let Some(n) = byte_setting("ORAS_SEGMENT_SIZE", registry)? {
        p.segment_size = n.clamp(64 << 10, 256 << 20);
    }
    Ok(p)
}

/// The read timeout: `ORAS_READ_TIMEOUT` seconds without a byte from the registry (0: wait
/// forever, as oras does); the library's default when unset.
fn read_timeout(registry: &str) -> CliResult<Option<std::time::Duration>> {
    Ok(match byte_setting("ORAS_READ_TIMEOUT", registry)? {
        None => ClientOptions::default().read_timeout,
        Some(0) => None,
        Some(s) => Some(std::time::Duration::from_secs(s)),
    })
}

/// A byte count from an environment variable, per registry: `VAR=N` applies to every registry,
/// `VAR="host:port=N,other=M,N"` sets values for some registries and a default.
fn byte_setting(name: &str, registry: &str) -> CliResult<Option<u64>> {
    // Not UTF-8: shown lossily, and the replacement characters fail the number parse below.
    let Some(v) = std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()) else {
        return Ok(None);
    };
    let bad = || {
        CliError::new(format!(
            "invalid {name} {v:?}: expecting a number, or host=number pairs separated by commas"
        ))
    };
    let mut default = None;
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.rsplit_once('=') {
            Some((host, n)) => {
                if host == registry {
                    return n.trim().parse().map(Some).map_err(|_| bad());
                }
            }
            None => default = Some(part.parse().map_err(|_| bad())?),
        }
    }
    Ok(default)
}

/// Where oras keeps state between runs: `$XDG_STATE_HOME/oras` or `~/.local/state/oras`.
fn state_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("oras"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/oras"))
}

pub use oras::error::io_reason;

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
                remote: self.remote.clone(),
                referrers: ReferrersMode::Auto,
                accept: Vec::new(),
            });
        }
        if self.oci_layout {
            let r = LayoutReference::parse(raw).map_err(CliError::new)?;
            return Ok(TargetRef {
                kind: Kind::Layout,
                raw: raw.into(),
                path: r.path,
                reference: r.reference,
                remote: self.remote.clone(),
                referrers: ReferrersMode::Auto,
                accept: Vec::new(),
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
            remote: self.remote.clone(),
            referrers: ReferrersMode::Auto,
            accept: Vec::new(),
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
