//! cobra's help and usage templates, filled from a clap command: the long description (or the
//! short one), `Usage:`, `Aliases:`, `Available Commands:`, `Flags:` and the pointer to
//! subcommand help, each section separated by a blank line.

use clap::Command;

use super::flags;

/// cobra pads command names in `Available Commands:` to at least this width.
const MIN_NAME_PADDING: usize = 11;

/// Commands whose usage line has no `[flags]` (cobra's `DisableFlagsInUseLine`).
const NO_FLAGS_IN_USE_LINE: &[&str] = &["oras completion bash"];

/// What `oras <path> --help` prints for `cmd`.
pub fn help(cmd: &Command, path: &[String]) -> String {
    let mut out = String::new();
    let text = cmd
        .get_long_about()
        .or_else(|| cmd.get_about())
        .map(|t| t.to_string())
        .unwrap_or_default();
    let text = text.trim_end();
    if !text.is_empty() {
        out.push_str(text);
        out.push_str("\n\n");
    }
    out.push_str(&usage(cmd, path));
    out
}

/// cobra's usage string: from `Usage:` to the end of the help.
pub fn usage(cmd: &Command, path: &[String]) -> String {
    let command_path = command_path(path);
    let mut subs: Vec<&Command> = cmd.get_subcommands().filter(|c| !c.is_hide_set()).collect();
    subs.sort_by(|a, b| a.get_name().cmp(b.get_name()));
    let mut s = String::from("Usage:");
    if subs.is_empty() {
        s.push_str("\n  ");
        s.push_str(&use_line(cmd, &command_path));
    } else {
        s.push_str(&format!("\n  {command_path} [command]"));
    }
    let aliases: Vec<&str> = cmd.get_all_aliases().collect();
    if !aliases.is_empty() {
        s.push_str("\n\nAliases:\n  ");
        s.push_str(&[&[cmd.get_name()][..], &aliases].concat().join(", "));
    }
    if !subs.is_empty() {
        let padding = cmd
            .get_subcommands()
            .map(|c| c.get_name().len())
            .max()
            .unwrap_or(0)
            .max(MIN_NAME_PADDING);
        s.push_str("\n\nAvailable Commands:");
        for sub in &subs {
            let short = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            s.push_str(&format!("\n  {:<padding$} {short}", sub.get_name()));
        }
    }
    s.push_str("\n\nFlags:\n");
    s.push_str(flags::usages(cmd).trim_end());
    if !subs.is_empty() {
        s.push_str(&format!(
            "\n\nUse \"{command_path} [command] --help\" for more information about a command."
        ));
    }
    s.push('\n');
    s
}

/// `oras manifest fetch` for `["manifest", "fetch"]`.
fn command_path(path: &[String]) -> String {
    std::iter::once("oras")
        .chain(path.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The command path and its argument grammar, with `[flags]` added at the end when the
/// grammar does not place it, as cobra's `UseLine` does.
fn use_line(cmd: &Command, command_path: &str) -> String {
    let grammar = cmd
        .get_overridden_usage()
        .map(|u| u.to_string())
        .unwrap_or_default();
    let mut line = command_path.to_string();
    if !grammar.is_empty() {
        line.push(' ');
        line.push_str(&grammar);
    }
    if !line.contains("[flags]") && !NO_FLAGS_IN_USE_LINE.contains(&command_path) {
        line.push_str(" [flags]");
    }
    line
}
