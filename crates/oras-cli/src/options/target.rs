//! Reference arguments: a registry reference or an OCI layout (`--oci-layout`,
//! `--oci-layout-path`), and opening them as targets to read from, write to or delete from.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use oras::content::cache::CachedTarget;
use oras::content::oci::OciLayout;
use oras::content::{GraphTarget, ReadOnlyGraphTarget};
use oras::registry::{ReferrersMode, Repository, RepositoryBuilder};
use oras_spec::{Digest, LayoutReference, Reference};

use super::settings::{download_policy, upload_policy};
use super::{DistSpecOpts, RemoteOpts, io_reason};
use crate::error::{CliError, CliResult, Handler, check_exclusive, fail};

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

    /// How oras shows errors about this target ([`Handler`]).
    pub fn handler(&self) -> Handler<'_> {
        match &self.kind {
            Kind::Layout => Handler::Layout,
            Kind::Registry(r) => Handler::Registry { host: &r.registry },
        }
    }

    /// A library error about this target, as oras shows it.
    pub fn error(&self, e: oras::Error) -> CliError {
        CliError::from_lib(e, self.handler())
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
        let repo = RepositoryBuilder::new(r)
            .client(self.remote.client(&r.registry)?)
            .plain_http(self.remote.plain_http(&r.registry))
            .actions(actions)
            .referrers_mode(self.referrers)
            .manifest_media_types(&self.accept)
            .upload_policy(upload_policy(&r.registry)?)
            .download_policy(download_policy(&r.registry)?)
            .build()?;
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
            Kind::Registry(r) => {
                super::mirrors::with_mirrors(self.repository(&[])?, r, &self.remote)
            }
        }
    }

    /// [`TargetRef::open_read`] behind the `ORAS_CACHE` read-through cache, when it is set
    /// (as oras: pull, blob fetch, manifest fetch, fetch-config).
    pub fn open_read_cached(&self) -> CliResult<Arc<dyn ReadOnlyGraphTarget>> {
        let origin = self.open_read()?;
        match oras_cache()? {
            Some(cache) => Ok(Arc::new(CachedTarget::shared(origin, cache))),
            None => Ok(origin),
        }
    }

    /// [`TargetRef::open_read_cached`] for a registry; a layout, local already, is read as it
    /// is (beyond oras 1.3: cp, backup and discover read through the cache).
    pub fn open_read_remote_cached(&self) -> CliResult<Arc<dyn ReadOnlyGraphTarget>> {
        match self.kind {
            Kind::Registry(_) => self.open_read_cached(),
            Kind::Layout => self.open_read(),
        }
    }

    /// The `ORAS_CACHE` layout for reading this registry target's content (attach's subject);
    /// none for a layout target or without the variable.
    pub fn remote_cache(&self) -> CliResult<Option<Arc<OciLayout>>> {
        match self.kind {
            Kind::Registry(_) => oras_cache(),
            Kind::Layout => Ok(None),
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

/// The `ORAS_CACHE` directory, when the variable is set and not empty.
pub fn oras_cache_dir() -> Option<PathBuf> {
    std::env::var_os("ORAS_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The `ORAS_CACHE` layout (created if needed), when the variable is set.
fn oras_cache() -> CliResult<Option<Arc<OciLayout>>> {
    match oras_cache_dir() {
        Some(dir) => Ok(Some(Arc::new(OciLayout::open(dir)?))),
        None => Ok(None),
    }
}

impl TargetOpts {
    /// Parses a reference argument against these flags.
    pub fn parse(&self, raw: &str) -> CliResult<TargetRef> {
        let prefix = self.remote.flag_prefix;
        check_exclusive(&[
            (
                format!("--{prefix}oci-layout-path"),
                self.oci_layout_path.is_some(),
            ),
            (format!("--{prefix}oci-layout"), self.oci_layout),
        ])?;
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

/// `--concurrency` when given, else the configuration file's `concurrency` for the registries
/// of `targets` (the lowest when several set one), else 0: the library adapts the concurrency
/// to the registry (the flag's default is only what oras's help shows).
pub fn concurrency(flag: usize, targets: &[&TargetRef]) -> CliResult<usize> {
    if super::config::flag_given("concurrency") {
        return Ok(flag);
    }
    let mut configured: Option<usize> = None;
    for t in targets {
        if let Kind::Registry(r) = &t.kind
            && let Some(c) = super::config::for_host(&r.registry)?.concurrency
        {
            configured = Some(configured.map_or(c, |v| v.min(c)));
        }
    }
    Ok(configured.unwrap_or(0))
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
