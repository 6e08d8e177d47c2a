//! Output format flags: `--format`/`--template`, `--descriptor`/`--pretty`.

use clap::Args;

use crate::error::CliResult;

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
