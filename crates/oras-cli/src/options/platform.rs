//! `--platform`.

use clap::Args;
use oras_spec::Platform;

use crate::error::{CliError, CliResult};

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
