//! The command tree: one module per command, each with its arguments and an `exec`.

mod attach;
mod backup;
mod blob;
mod cache;
mod completion;
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
mod untag;
mod version;

pub use version::VERSION;

use std::ffi::OsString;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::{CliError, CliResult};
use crate::help::{GO_TEMPLATE, JSON, TABLE, TEXT, TREE, format_usage, long};

/// Build, push, pull and manage OCI artifacts in registries and OCI image layouts. (The root
/// command has no description in its help, as oras's has none.)
#[derive(Parser, Debug)]
#[command(
    name = "oras",
    about = None,
    disable_version_flag = true,
    disable_help_subcommand = true,
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The commands. Each one's help comes from its clap definition: the doc comment is the short
/// description, `long_about` the long one with the examples, `override_usage` the argument
/// grammar (also used by the argument-count errors), aliases as declared, and flag texts from
/// the flags' doc comments, adjusted here where oras words a shared flag differently.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Attach files to an existing artifact
    #[command(
        long_about = long::ATTACH,
        override_usage = attach::USAGE,
        mut_arg("platform", |a| a.help("attach to an arch-specific subject in the form of `os[/arch][/variant][:os_version]`")),
        mut_arg("format", |a| a.help(format_usage(TEXT, &[JSON, GO_TEMPLATE])))
    )]
    Attach(attach::AttachArgs),
    /// [Experimental] Back up artifacts from a registry into an OCI image layout
    #[command(long_about = long::BACKUP, override_usage = backup::BACKUP_USAGE)]
    Backup(backup::BackupArgs),
    /// Blob operations
    #[command(subcommand)]
    Blob(blob::BlobCommand),
    /// [Beyond oras 1.3] Show and prune the local cache (ORAS_CACHE)
    #[command(subcommand)]
    Cache(cache::CacheCommand),
    /// Generate the autocompletion script for the specified shell
    #[command(subcommand, long_about = long::COMPLETION)]
    Completion(completion::CompletionCommand),
    /// Copy artifacts from one target to another
    #[command(
        alias = "copy",
        long_about = long::CP,
        override_usage = cp::USAGE,
        mut_arg("platform", |a| a.help("request platform in the form of `os[/arch][/variant][:os_version]`; [Beyond oras 1.3] several, comma-separated: a new index of only those"))
    )]
    Cp(cp::CpArgs),
    /// [Preview] Discover referrers of a manifest in a registry or an OCI image layout
    #[command(
        long_about = long::DISCOVER,
        override_usage = discover::USAGE,
        mut_arg("no_tty", |a| a.help("[Preview] disable colors")),
        mut_arg("format", |a| a.help(format_usage(TREE, &[
            TABLE,
            JSON.with_usage("Get referrers and output in JSON format"),
            GO_TEMPLATE.with_usage("Print referrers using the given Go template"),
        ])))
    )]
    Discover(discover::DiscoverArgs),
    /// Help about any command
    #[command(long_about = long::HELP, override_usage = "[command]")]
    Help {
        /// The command to describe, as names or aliases.
        #[arg(hide = true)]
        command: Vec<String>,
    },
    /// Log in to a remote registry
    #[command(long_about = long::LOGIN, override_usage = login::LOGIN_USAGE)]
    Login(login::LoginArgs),
    /// Log out from a remote registry
    #[command(long_about = long::LOGOUT, override_usage = login::LOGOUT_USAGE)]
    Logout(login::LogoutArgs),
    /// Manifest operations
    #[command(subcommand)]
    Manifest(manifest::ManifestCommand),
    /// Pull files from a registry or an OCI image layout
    #[command(
        long_about = long::PULL,
        override_usage = pull::USAGE,
        mut_arg("format", |a| a.help(format_usage(TEXT, &[JSON, GO_TEMPLATE])))
    )]
    Pull(pull::PullArgs),
    /// Push files to a registry or an OCI image layout
    #[command(
        long_about = long::PUSH,
        override_usage = push::USAGE,
        mut_arg("format", |a| a.help(format_usage(TEXT, &[JSON, GO_TEMPLATE])))
    )]
    Push(push::PushArgs),
    /// Repository operations
    #[command(subcommand, alias = "repository")]
    Repo(repo::RepoCommand),
    /// [Experimental] Restore artifacts to a registry from an OCI image layout
    #[command(long_about = long::RESTORE, override_usage = backup::RESTORE_USAGE)]
    Restore(backup::RestoreArgs),
    /// [Preview] Resolves digest of the target artifact
    #[command(alias = "digest", long_about = long::RESOLVE, override_usage = resolve::USAGE)]
    Resolve(resolve::ResolveArgs),
    /// Tag a manifest in a registry or an OCI image layout
    #[command(long_about = long::TAG, override_usage = tag::USAGE)]
    Tag(tag::TagArgs),
    /// [Beyond oras 1.3] Remove tags, keeping the manifests they name
    #[command(long_about = long::UNTAG, override_usage = untag::USAGE)]
    Untag(untag::UntagArgs),
    /// Show the oras version information
    #[command(long_about = long::VERSION)]
    Version {
        #[arg(hide = true)]
        args: Vec<String>,
    },
}

/// Parses the command line. A request for help comes back as clap's help "error", carrying
/// cobra's rendering of that command's help (the help texts are only laid out when asked for).
/// The deprecated `--verbose` is reported here, when the flags are read, as pflag does. The
/// matches come back too (for the credentials-file hint after an error).
pub fn parse(args: &[OsString]) -> Result<(Cli, ArgMatches), clap::Error> {
    use clap::error::ErrorKind;
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) =>
        {
            let with_help = crate::help::install(Cli::command());
            return Err(with_help.try_get_matches_from(args).err().unwrap_or(e));
        }
        Err(e) => return Err(e),
    };
    warn_deprecated_flags(&matches);
    crate::options::note_given_flags(&matches);
    Ok((Cli::from_arg_matches(&matches)?, matches))
}

/// pflag's notice for a deprecated flag given on the command line.
fn warn_deprecated_flags(matches: &ArgMatches) {
    let mut m = matches;
    loop {
        if m.ids().any(|id| id.as_str() == "verbose")
            && m.value_source("verbose") == Some(ValueSource::CommandLine)
        {
            crate::output::warn(
                "Flag --verbose has been deprecated, and will be removed in a future release.",
            );
        }
        match m.subcommand() {
            Some((_, sub)) => m = sub,
            None => break,
        }
    }
}

pub async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Attach(a) => attach::exec(a).await,
        Command::Backup(a) => backup::backup(a).await,
        Command::Blob(c) => blob::exec(c).await,
        Command::Cache(c) => cache::exec(c).await,
        Command::Completion(c) => completion::exec(c),
        Command::Cp(a) => cp::exec(a).await,
        Command::Discover(a) => discover::exec(a).await,
        Command::Help { command } => {
            crate::help::print_topic(&Cli::command(), &command);
            Ok(())
        }
        Command::Login(a) => login::login(a).await,
        Command::Logout(a) => login::logout(a).await,
        Command::Manifest(c) => manifest::exec(c).await,
        Command::Pull(a) => pull::exec(a).await,
        Command::Push(a) => push::exec(a).await,
        Command::Repo(c) => repo::exec(c).await,
        Command::Restore(a) => backup::restore(a).await,
        Command::Resolve(a) => resolve::exec(a).await,
        Command::Tag(a) => tag::exec(a).await,
        Command::Untag(a) => untag::exec(a).await,
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
            // cobra prints help on stdout, also for a group given no subcommand
            crate::output::out(&e.render().to_string());
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

    /// Every command has what its help needs (a long description with examples and its
    /// grammar when it runs, a short one otherwise) and an expected help in tests/data/help,
    /// so a new command cannot ship with clap's defaults or go untested.
    #[test]
    fn every_command_has_its_help_texts_and_expected_help() {
        use clap::CommandFactory;
        fn walk(cmd: &clap::Command, path: &mut Vec<String>, seen: &mut Vec<String>) {
            let name = if path.is_empty() {
                "oras".to_string()
            } else {
                path.join("-")
            };
            let leaf = cmd.get_subcommands().next().is_none();
            if leaf {
                assert!(cmd.get_long_about().is_some(), "{name}: no long_about");
            } else if !path.is_empty() {
                assert!(cmd.get_about().is_some(), "{name}: no about");
            }
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("tests/data/help/{name}.txt"));
            assert!(file.is_file(), "{} is missing", file.display());
            seen.push(name);
            for sub in cmd.get_subcommands() {
                path.push(sub.get_name().to_string());
                walk(sub, path, seen);
                path.pop();
            }
        }
        let mut seen = Vec::new();
        walk(&super::Cli::command(), &mut Vec::new(), &mut seen);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/help");
        for entry in std::fs::read_dir(dir).expect("tests/data/help") {
            let file = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            if let Some(name) = file.strip_suffix(".txt") {
                assert!(seen.iter().any(|s| s == name), "{file}: no such command");
            }
        }
    }
}
