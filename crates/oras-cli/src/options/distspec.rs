//! `--distribution-spec`: how referrers are found and recorded.

use clap::Args;

use crate::error::{CliError, CliResult};

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
