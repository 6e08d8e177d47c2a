//! `--artifact-type` and `--latest` of `pull` and `manifest fetch` (beyond oras 1.3): take a
//! referrer of the manifest a reference names in its place.

use clap::Args;
use oras::ops::ReferrerSelector;

use crate::error::{CliError, CliResult, fail};

/// `--artifact-type`, `--latest`.
#[derive(Args, Debug, Clone, Default)]
pub struct ReferrerOpts {
    /// take the referrer of this artifact type instead of the named manifest (after --platform)
    #[arg(long)]
    pub artifact_type: Option<String>,
    /// with --artifact-type: take the newest of several referrers by org.opencontainers.image.created (ties: the greatest digest)
    #[arg(long)]
    pub latest: bool,
}

impl ReferrerOpts {
    /// The selection asked for; `--latest` alone or an empty artifact type are refused.
    pub fn parse(&self) -> CliResult<Option<ReferrerSelector>> {
        match self.artifact_type.as_deref() {
            None if self.latest => fail("`--latest` needs `--artifact-type`"),
            None => Ok(None),
            Some("") => fail("`--artifact-type` needs an artifact type"),
            Some(t) => Ok(Some(ReferrerSelector::new(t).latest(self.latest))),
        }
    }

    /// A library error of the command, with what to do when several referrers matched.
    pub fn explain(err: CliError, kind: oras::ErrorKind) -> CliError {
        if kind == oras::ErrorKind::Ambiguous {
            return err.recommend(
                "Add --latest to take the newest of them, or name one of them by its digest.",
            );
        }
        err
    }
}
