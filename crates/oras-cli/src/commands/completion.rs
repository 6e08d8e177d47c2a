//! `oras completion <shell>`: the autocompletion script of a shell, one subcommand per shell as
//! cobra has them.

use clap::{Args, CommandFactory, Subcommand};
use clap_complete::Shell;

use super::Cli;
use crate::error::CliResult;
use crate::help::long;

#[derive(Subcommand, Debug)]
pub enum CompletionCommand {
    /// Generate the autocompletion script for bash
    #[command(long_about = long::COMPLETION_BASH)]
    Bash(ShellArgs),
    /// Generate the autocompletion script for fish
    #[command(long_about = long::COMPLETION_FISH)]
    Fish(ShellArgs),
    /// Generate the autocompletion script for powershell
    #[command(long_about = long::COMPLETION_POWERSHELL)]
    Powershell(ShellArgs),
    /// Generate the autocompletion script for zsh
    #[command(long_about = long::COMPLETION_ZSH)]
    Zsh(ShellArgs),
}

/// The flag every shell takes.
#[derive(Args, Debug)]
pub struct ShellArgs {
    /// disable completion descriptions
    #[arg(long)]
    no_descriptions: bool,
}

/// Writes the script to stdout. Our scripts come from clap_complete, which describes
/// subcommands in every shell that can show descriptions; `--no-descriptions` is accepted as
/// cobra accepts it and has no effect.
pub fn exec(c: CompletionCommand) -> CliResult {
    let (shell, args) = match c {
        CompletionCommand::Bash(a) => (Shell::Bash, a),
        CompletionCommand::Fish(a) => (Shell::Fish, a),
        CompletionCommand::Powershell(a) => (Shell::PowerShell, a),
        CompletionCommand::Zsh(a) => (Shell::Zsh, a),
    };
    let _no_effect = args.no_descriptions;
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "oras", &mut script);
    crate::output::out_bytes(&script);
    Ok(())
}
