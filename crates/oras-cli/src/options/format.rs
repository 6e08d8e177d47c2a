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

/// `--format` and `--template` on a command where oras 1.3 has neither (our addition, marked
/// so in the help): text by default, the command's JSON model or a go-template over it.
#[derive(Args, Debug, Clone, Default)]
pub struct AddedFormatOpts {
    /// format output (text, json, go-template)
    #[arg(long, help = crate::help::added_format_usage())]
    pub format: Option<String>,
    /// template string used to format output
    #[arg(long, help = crate::help::ADDED_TEMPLATE_USAGE)]
    pub template: Option<String>,
}

impl AddedFormatOpts {
    /// Parses as [`FormatOpts::parse_text`] does: a bad type or template fails here, before
    /// any work.
    pub fn parse_text(&self) -> CliResult<crate::output::Format> {
        FormatOpts {
            format: self.format.clone(),
            template: self.template.clone(),
        }
        .parse_text()
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

impl DescriptorOpts {
    /// The format of a command that also has `--descriptor`: `--format` parsed, and refused
    /// with `--descriptor` (both would print to stdout).
    pub fn check_format(&self, format: &AddedFormatOpts) -> CliResult<crate::output::Format> {
        let parsed = format.parse_text()?;
        if self.descriptor && parsed.is_structured() {
            return crate::error::fail("--descriptor, --format cannot be used at the same time");
        }
        Ok(parsed)
    }

    /// [`Self::check_format`] for a deletion: `--descriptor` and `--format` (which leave no
    /// room for the question on stdout) need `--force`, as oras asks for `--descriptor`.
    pub fn check_deletion_format(
        &self,
        format: &AddedFormatOpts,
        force: bool,
    ) -> CliResult<crate::output::Format> {
        if self.descriptor && !force {
            return crate::error::fail(
                "must apply --force to confirm the deletion if the descriptor is outputted",
            );
        }
        let parsed = self.check_format(format)?;
        if parsed.is_structured() && !force {
            return crate::error::fail(
                "must apply --force to confirm the deletion if the output is formatted",
            );
        }
        Ok(parsed)
    }
}
