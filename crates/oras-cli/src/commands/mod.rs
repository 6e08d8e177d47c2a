//! The command tree: one module per command, each with its arguments and an `exec`.

mod attach;
mod backup;
mod blob;
mod cp;
mod discover;
mod login;
mod manifest;
mod packer;
mod pull;
mod push;
mod repo;
mod resolve;
mod tag;
mod version;

pub use version::VERSION;

use clap::{CommandFactory, Parser, Subcommand};

use crate::error::{CliError, CliResult};

/// Build, push, pull and manage OCI artifacts in registries and OCI image layouts.
#[derive(Parser, Debug)]
#[command(name = "oras", disable_version_flag = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// [Preview] Attach files to an existing artifact
    Attach(attach::AttachArgs),
    /// [Experimental] Back up artifacts from a repository into an OCI image layout
    Backup(backup::BackupArgs),
    /// Blob operations
    #[command(subcommand)]
    Blob(blob::BlobCommand),
    /// Generate the autocompletion script for the specified shell
    Completion {
        /// bash, zsh, fish or powershell
        shell: clap_complete::Shell,
    },
    /// Copy artifacts from one target to another
    #[command(alias = "copy")]
    Cp(cp::CpArgs),
    /// [Preview] Discover referrers of a manifest
    Discover(discover::DiscoverArgs),
    /// Log in to a remote registry
    Login(login::LoginArgs),
    /// Log out from a remote registry
    Logout(login::LogoutArgs),
    /// Manifest operations
    #[command(subcommand)]
    Manifest(manifest::ManifestCommand),
    /// Pull files from a registry or an OCI image layout
    Pull(pull::PullArgs),
    /// Push files to a registry or an OCI image layout
    Push(push::PushArgs),
    /// Repository operations
    #[command(subcommand, alias = "repository")]
    Repo(repo::RepoCommand),
    /// [Experimental] Restore artifacts to a repository from an OCI image layout
    Restore(backup::RestoreArgs),
    /// [Preview] Resolves digest of the target artifact
    #[command(alias = "digest")]
    Resolve(resolve::ResolveArgs),
    /// Tag a manifest in a registry or an OCI image layout
    Tag(tag::TagArgs),
    /// Show the oras version information
    Version {
        #[arg(hide = true)]
        args: Vec<String>,
    },
}

pub async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Attach(a) => attach::exec(a).await,
        Command::Backup(a) => backup::backup(a).await,
        Command::Blob(c) => blob::exec(c).await,
        Command::Completion { shell } => {
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "oras", &mut script);
            crate::output::out_bytes(&script);
            Ok(())
        }
        Command::Cp(a) => cp::exec(a).await,
        Command::Discover(a) => discover::exec(a).await,
        Command::Login(a) => login::login(a).await,
        Command::Logout(a) => login::logout(a).await,
        Command::Manifest(c) => manifest::exec(c).await,
        Command::Pull(a) => pull::exec(a).await,
        Command::Push(a) => push::exec(a).await,
        Command::Repo(c) => repo::exec(c).await,
        Command::Restore(a) => backup::restore(a).await,
        Command::Resolve(a) => resolve::exec(a).await,
        Command::Tag(a) => tag::exec(a).await,
        Command::Version { args } => version::exec(&args),
    }
}

/// Prints a clap parse error in cobra's words; returns the exit code.
pub fn render_clap_error(e: clap::Error) -> i32 {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let ctx = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(" "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let message = match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            if let Err(err) = e.print() {
                crate::output::stdout_failed(&err);
            }
            return 0;
        }
        ErrorKind::UnknownArgument => {
            let arg = ctx(ContextKind::InvalidArg);
            let flag = arg.split('=').next().unwrap_or_default().to_string();
            if flag.starts_with("--") {
                format!("unknown flag: {flag}")
            } else {
                format!(
                    "unknown shorthand flag: '{}' in {flag}",
                    flag.trim_start_matches('-').chars().next().unwrap_or('?')
                )
            }
        }
        ErrorKind::InvalidSubcommand => {
            let sub = ctx(ContextKind::InvalidSubcommand);
            crate::output::err_out(&format!(
                "Error: unknown command {sub:?} for \"oras\"\nRun 'oras --help' for usage.\n"
            ));
            return 1;
        }
        ErrorKind::MissingRequiredArgument => {
            let names: Vec<String> = ctx(ContextKind::InvalidArg)
                .split(' ')
                .filter(|s| s.starts_with("--"))
                .map(|s| {
                    format!(
                        "\"{}\"",
                        s.trim_start_matches("--")
                            .split(' ')
                            .next()
                            .unwrap_or_default()
                    )
                })
                .collect();
            format!("required flag(s) {} not set", names.join(", "))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let arg = ctx(ContextKind::InvalidArg);
            let value = ctx(ContextKind::InvalidValue);
            if value.is_empty() {
                format!(
                    "flag needs an argument: {}",
                    arg.split(' ').next().unwrap_or_default()
                )
            } else {
                format!(
                    "invalid argument {value:?} for {:?} flag: {}",
                    arg.split(' ').next().unwrap_or_default(),
                    e.kind()
                )
            }
        }
        ErrorKind::NoEquals => format!("flag needs an argument: {}", ctx(ContextKind::InvalidArg)),
        _ => {
            let s = e.to_string();
            s.lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string()
        }
    };
    crate::output::err_out(&CliError::new(message).render());
    1
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_tree_is_valid() {
        use clap::CommandFactory;
        fn walk(cmd: &clap::Command, path: &mut Vec<String>) {
            let mut args = vec!["oras".to_string()];
            args.extend(path.iter().cloned());
            args.push("--help".into());
            let err = super::Cli::command()
                .try_get_matches_from(&args)
                .expect_err("--help exits");
            assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp, "{args:?}");
            for sub in cmd.get_subcommands() {
                path.push(sub.get_name().to_string());
                walk(sub, path);
                path.pop();
            }
        }
        let cmd = super::Cli::command();
        walk(&cmd, &mut Vec::new());
    }
}
