//! `--no-tty` and the progress display it controls.

use std::sync::Arc;

use clap::Args;

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
