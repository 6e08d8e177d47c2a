//! Flags every command takes.

use clap::Args;

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
