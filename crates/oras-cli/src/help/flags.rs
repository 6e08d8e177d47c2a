//! The `Flags:` block as pflag's `FlagUsages` writes it: one line per visible flag, sorted by
//! long name, `  -s, --name type` (or `      --name type`), the usages aligned in one column
//! three spaces after the longest flag part, continuation lines of a multi-line usage indented
//! to that column, and a non-zero default appended as ` (default …)`.
//!
//! pflag learns a flag's type from its Go value; here it comes from the clap argument: a
//! switch is a `bool` (no type shown), a repeatable flag a `stringArray` (`strings` when it
//! also splits on commas), an integer parser an `int`, anything else a `string`. A usage with
//! a back-quoted word names the value after it instead (`` `path` of … `` shows `path`), with
//! the back quotes dropped from the text, as pflag's `UnquoteUsage` does.

use clap::{Arg, ArgAction, Command};
use std::any::TypeId;

/// One flag line before alignment.
struct Flag {
    long: String,
    short: Option<char>,
    value_name: String,
    usage: String,
}

impl Flag {
    /// `  -s, --name type` or `      --name type`.
    fn head(&self) -> String {
        let mut s = match self.short {
            Some(c) => format!("  -{c}, --{}", self.long),
            None => format!("      --{}", self.long),
        };
        if !self.value_name.is_empty() {
            s.push(' ');
            s.push_str(&self.value_name);
        }
        s
    }
}

/// The flag lines of `cmd` (its own flags plus `-h, --help`), each ending in `\n`.
pub fn usages(cmd: &Command) -> String {
    let mut flags: Vec<Flag> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set() && a.get_id() != "help")
        .filter_map(flag)
        .collect();
    flags.push(Flag {
        long: "help".into(),
        short: Some('h'),
        value_name: String::new(),
        usage: format!("help for {}", cmd.get_name()),
    });
    flags.sort_by(|a, b| a.long.cmp(&b.long));
    // pflag measures the head plus one separator byte; the usage starts two columns later.
    let width = flags.iter().map(|f| f.head().len()).max().unwrap_or(0) + 1;
    let indent = " ".repeat(width + 2);
    let mut out = String::new();
    for f in &flags {
        let head = f.head();
        out.push_str(&head);
        out.push_str(&" ".repeat(width + 2 - head.len()));
        out.push_str(&f.usage.replace('\n', &format!("\n{indent}")));
        out.push('\n');
    }
    out
}

/// The pflag view of a clap flag; `None` for one without a long name.
fn flag(arg: &Arg) -> Option<Flag> {
    let long = arg.get_long()?.to_string();
    let kind = kind(arg);
    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
    let (quoted, mut usage) = unquote(&help);
    usage.push_str(&default_suffix(arg, kind));
    Some(Flag {
        long,
        short: arg.get_short(),
        value_name: quoted.unwrap_or_else(|| kind.to_string()),
        usage,
    })
}

/// pflag's type name of a flag as it shows in help (`""` for a bool).
fn kind(arg: &Arg) -> &'static str {
    match arg.get_action() {
        ArgAction::SetTrue | ArgAction::SetFalse | ArgAction::Count => return "",
        ArgAction::Append if arg.get_value_delimiter().is_some() => return "strings",
        ArgAction::Append => return "stringArray",
        _ => {}
    }
    let id = arg.get_value_parser().type_id();
    let ints = [
        TypeId::of::<i8>(),
        TypeId::of::<i16>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
        TypeId::of::<isize>(),
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
    ];
    if id == TypeId::of::<bool>() {
        ""
    } else if ints.iter().any(|t| id == *t) {
        "int"
    } else {
        "string"
    }
}

/// pflag's `UnquoteUsage`: the first back-quoted word names the value and loses its quotes.
fn unquote(usage: &str) -> (Option<String>, String) {
    if let Some(start) = usage.find('`')
        && let Some(len) = usage[start + 1..].find('`')
    {
        let name = &usage[start + 1..start + 1 + len];
        let text = format!("{}{name}{}", &usage[..start], &usage[start + 2 + len..]);
        return (Some(name.to_string()), text);
    }
    (None, usage.to_string())
}

/// ` (default 5)`, ` (default "text")`, or nothing for a zero default (`false`, `0`, `""`,
/// an empty list), as pflag decides.
fn default_suffix(arg: &Arg, kind: &str) -> String {
    let Some(value) = arg.get_default_values().first() else {
        return String::new();
    };
    let value = value.to_string_lossy();
    match kind {
        "" if value != "false" => format!(" (default {value})"),
        "int" if value != "0" => format!(" (default {value})"),
        "string" if !value.is_empty() => format!(" (default {value:?})"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_quotes_name_the_value() {
        assert_eq!(
            unquote("`path` of the file"),
            (Some("path".into()), "path of the file".into())
        );
        assert_eq!(unquote("one ` quote"), (None, "one ` quote".into()));
        assert_eq!(unquote("plain"), (None, "plain".into()));
    }

    #[test]
    fn columns_follow_the_longest_flag() {
        let cmd = Command::new("x")
            .arg(Arg::new("a").long("alpha").help("first"))
            .arg(
                Arg::new("n")
                    .long("number")
                    .short('n')
                    .value_parser(clap::value_parser!(usize))
                    .default_value("5")
                    .help("a count"),
            )
            .arg(
                Arg::new("s")
                    .long("switch")
                    .action(ArgAction::SetTrue)
                    .help("two\nlines"),
            );
        assert_eq!(
            usages(&cmd),
            "      --alpha string   first\n\
             \x20 -h, --help           help for x\n\
             \x20 -n, --number int     a count (default 5)\n\
             \x20     --switch         two\n\
             \x20                      lines\n"
        );
    }
}
