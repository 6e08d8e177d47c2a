//! Flags every command takes.

use clap::Args;

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
