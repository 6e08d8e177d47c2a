//! Help as oras 1.3.3 (cobra) prints it, rendered from the clap command model.
//!
//! Everything the help says lives in the clap definitions: a command's short description is
//! its `about` (the doc comment), the long one with the examples its `long_about` (the texts in
//! [`long`]), its argument grammar its `override_usage`, its aliases clap's aliases, and each
//! flag's text its `help` (with the back-quote convention of pflag, see [`flags`]). This module
//! only lays them out as cobra does ([`render`]) and installs the result as each command's help,
//! so clap's `-h`/`--help` print it; `oras help <command>` goes through [`print_topic`].

mod flags;
mod format;
pub mod long;
mod render;

use clap::Command;

pub use format::{
    ADDED_TEMPLATE_USAGE, GO_TEMPLATE, JSON, TABLE, TEXT, TREE, added_format_usage, format_usage,
};

/// Sets the help of `root` and of every command below it to cobra's rendering.
pub fn install(root: Command) -> Command {
    install_at(root, &mut Vec::new())
}

fn install_at(cmd: Command, path: &mut Vec<String>) -> Command {
    let help = render::help(&cmd, path);
    let mut cmd = cmd.override_help(help);
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        path.push(name.clone());
        cmd = cmd.mut_subcommand(&name, |sub| install_at(sub, path));
        path.pop();
    }
    cmd
}

/// The command that `words` (names or aliases) lead to from `root`, with its path of names;
/// words after a command without subcommands are ignored, as cobra's `Find` does. `None` when
/// a word names no subcommand of the root.
pub fn find<'a>(root: &'a Command, words: &[String]) -> Option<(&'a Command, Vec<String>)> {
    let mut cmd = root;
    let mut path = Vec::new();
    for word in words {
        match cmd.find_subcommand(word) {
            Some(sub) => {
                path.push(sub.get_name().to_string());
                cmd = sub;
            }
            None if cmd.get_subcommands().next().is_none() => break,
            // cobra only rejects an unknown word directly under the root.
            None if !path.is_empty() => break,
            None => return None,
        }
    }
    Some((cmd, path))
}

/// `oras help [command]...`: the help of that command on stdout, or cobra's complaint and the
/// root usage on stderr when the words name no command.
pub fn print_topic(root: &Command, words: &[String]) {
    match find(root, words) {
        Some((cmd, path)) => crate::output::out(&render::help(cmd, &path)),
        None => {
            let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
            crate::output::err_out(&format!(
                "Unknown help topic [{}]\n{}",
                quoted.join(" "),
                render::usage(root, &[])
            ));
        }
    }
}
