//! Help text is oras 1.3.3's (cobra's layout), byte for byte: every command's `--help`, `-h`
//! and `oras help <command>` print `tests/data/help/<command>.txt` (see the README there for
//! where the texts come from); aliases print their command's help; the deprecated `--verbose`
//! is accepted and announced as pflag announces it; a repeated single-value flag takes the last
//! value, as cobra does, while a repeatable flag keeps every value.

mod common;

use common::*;
use std::path::Path;

/// Every command and command group, as typed after `oras` (`""` is the root).
const COMMANDS: &[&str] = &[
    "",
    "attach",
    "backup",
    "blob",
    "blob delete",
    "blob fetch",
    "blob push",
    "cache",
    "cache info",
    "cache prune",
    "completion",
    "completion bash",
    "completion fish",
    "completion powershell",
    "completion zsh",
    "cp",
    "discover",
    "help",
    "login",
    "logout",
    "manifest",
    "manifest delete",
    "manifest fetch",
    "manifest fetch-config",
    "manifest index",
    "manifest index create",
    "manifest index update",
    "manifest push",
    "pull",
    "push",
    "repo",
    "repo ls",
    "repo tags",
    "resolve",
    "restore",
    "tag",
    "untag",
    "version",
];

/// The words of a command line.
fn words(cmd: &str) -> Vec<&str> {
    cmd.split_whitespace().collect()
}

/// The file name of `cmd`'s expected help.
fn file_name(cmd: &str) -> String {
    if cmd.is_empty() {
        "oras.txt".to_string()
    } else {
        format!("{}.txt", cmd.replace(' ', "-"))
    }
}

/// The expected help of `cmd`.
fn expected(cmd: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/help")
        .join(file_name(cmd));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `oras args…` and returns its stdout, checking it succeeded quietly.
fn help_of(args: &[&str]) -> String {
    let d = tempdir();
    let r = oras(d.path(), args).ok();
    assert_eq!(r.stderr, "", "oras {args:?} wrote to stderr");
    r.stdout
}

/// Compares line by line first, so a failure names the first line that differs.
fn assert_help(args: &[&str], got: &str, want: &str) {
    for (n, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "oras {args:?}: line {} differs", n + 1);
    }
    assert_eq!(got, want, "oras {args:?}");
}

#[test]
fn every_expected_help_is_checked() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/help");
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        if file.ends_with(".txt") {
            assert!(
                COMMANDS.iter().any(|c| file_name(c) == file),
                "{file} is not in COMMANDS"
            );
        }
    }
}

#[test]
fn every_command_prints_oras_help_for_dash_dash_help() {
    for cmd in COMMANDS {
        let mut args = words(cmd);
        args.push("--help");
        assert_help(&args, &help_of(&args), &expected(cmd));
    }
}

#[test]
fn dash_h_and_the_help_command_print_the_same_help() {
    for cmd in COMMANDS {
        let mut short = words(cmd);
        short.push("-h");
        assert_help(&short, &help_of(&short), &expected(cmd));
        let mut topic = vec!["help"];
        topic.extend(words(cmd));
        assert_help(&topic, &help_of(&topic), &expected(cmd));
    }
}

#[test]
fn aliases_print_their_command_help() {
    for (alias, cmd) in [
        ("copy", "cp"),
        ("digest", "resolve"),
        ("blob get", "blob fetch"),
        ("blob remove", "blob delete"),
        ("blob rm", "blob delete"),
        ("manifest get", "manifest fetch"),
        ("manifest show", "manifest fetch"),
        ("manifest get-config", "manifest fetch-config"),
        ("manifest remove", "manifest delete"),
        ("manifest rm", "manifest delete"),
        ("manifest index pack", "manifest index create"),
        ("repository", "repo"),
        ("repository list", "repo ls"),
        ("repo show-tags", "repo tags"),
    ] {
        let mut args = words(alias);
        args.push("--help");
        assert_help(&args, &help_of(&args), &expected(cmd));
        let mut topic = vec!["help"];
        topic.extend(words(alias));
        assert_help(&topic, &help_of(&topic), &expected(cmd));
    }
}

#[test]
fn a_group_or_the_root_without_a_subcommand_prints_its_help() {
    for cmd in [
        "",
        "blob",
        "completion",
        "manifest",
        "manifest index",
        "repo",
    ] {
        let args = words(cmd);
        assert_help(&args, &help_of(&args), &expected(cmd));
    }
}

#[test]
fn help_comes_before_argument_and_required_flag_checks() {
    // attach requires --artifact-type and backup --output; cobra shows the help anyway.
    for (args, cmd) in [
        (&["attach", "-h"][..], "attach"),
        (&["backup", "--help", "a/b:c"], "backup"),
        (&["pull", "x", "y", "--help"], "pull"),
        (&["help", "manifest", "fetch", "extra"], "manifest fetch"),
    ] {
        assert_help(args, &help_of(args), &expected(cmd));
    }
}

#[test]
fn an_unknown_help_topic_is_named_with_the_root_usage_on_stderr() {
    let d = tempdir();
    let r = oras(d.path(), &["help", "nope"]).ok();
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        format!("Unknown help topic [`nope`]\n{}", expected(""))
    );
}

#[test]
fn argument_count_errors_show_the_usage_line_of_the_help() {
    // The Usage line of an argument error is the command's grammar as its help shows it
    // (cobra prints `Use` there, without the `[flags]` its help adds when `Use` has none).
    let d = tempdir();
    for (args, usage) in [
        (
            &["blob", "fetch"][..],
            "oras blob fetch [flags] {--output <file> | --descriptor} <name>@<digest>",
        ),
        (
            &["manifest", "index", "update"],
            "oras manifest index update <index>{:<tag>|@<digest>} [{--add|--merge|--remove} <manifest>{<tag>|<digest>}] [...]",
        ),
        (
            &["manifest", "index", "create"],
            "oras manifest index create [flags] <target>[:<tag[,<tag>][...]] <sources>[{<tag>|<digest>}...]",
        ),
        (&["logout"], "oras logout [flags] <registry>"),
    ] {
        let r = oras(d.path(), args).fails();
        let line = r.stderr.lines().nth(1).unwrap_or_default().to_string();
        assert_eq!(
            line,
            format!("Usage: {usage}"),
            "oras {args:?}: {}",
            r.stderr
        );
    }
}

const VERBOSE_NOTICE: &str =
    "Flag --verbose has been deprecated, and will be removed in a future release.\n";

/// A layout `lay` with `v1`, made by a push.
fn layout(dir: &Path) {
    std::fs::write(dir.join("a.txt"), b"aaa\n").unwrap();
    oras(dir, &["push", "--oci-layout", "lay:v1", "a.txt"]).ok();
}

#[test]
fn verbose_is_accepted_and_announced_on_every_command_that_takes_it() {
    let d = tempdir();
    layout(d.path());
    for args in [
        &["push", "--oci-layout", "lay:v2", "a.txt", "--verbose"][..],
        &["pull", "--oci-layout", "lay:v1", "-o", "out", "-v"],
        &["tag", "--oci-layout", "lay:v1", "v3", "--verbose=true"],
        &["resolve", "--oci-layout", "lay:v1", "--verbose"],
        &["repo", "tags", "--oci-layout", "lay", "--verbose"],
        &["manifest", "fetch", "--oci-layout", "lay:v1", "--verbose"],
        &["manifest", "fetch-config", "--oci-layout", "lay:v1", "-v"],
        &["discover", "--oci-layout", "lay:v1", "--verbose=false"],
        &[
            "cp",
            "--from-oci-layout",
            "--to-oci-layout",
            "lay:v1",
            "other:v1",
            "--verbose",
        ],
    ] {
        let r = oras(d.path(), args).ok();
        assert_eq!(
            r.stderr.matches(VERBOSE_NOTICE).count(),
            1,
            "oras {args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.starts_with(VERBOSE_NOTICE), "{}", r.stderr);
    }
    // Without the flag there is no notice.
    let r = oras(d.path(), &["resolve", "--oci-layout", "lay:v1"]).ok();
    assert_eq!(r.stderr, "");
}

#[test]
fn verbose_false_still_hides_untitled_status_lines() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"aaa\n").unwrap();
    let quiet = oras(
        d.path(),
        &["push", "--oci-layout", "lay:v1", "a.txt", "--verbose=false"],
    )
    .ok();
    assert_eq!(quiet.stderr, VERBOSE_NOTICE);
    assert!(!quiet.stdout.contains("application/vnd.oci.empty.v1+json"));
    let loud = oras(
        d.path(),
        &["push", "--oci-layout", "other:v1", "a.txt", "-v"],
    )
    .ok();
    assert!(loud.stdout.contains("application/vnd.oci.empty.v1+json"));
}

#[test]
fn a_repeated_single_value_flag_takes_the_last_value() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"aaa\n").unwrap();
    let r = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "a.txt",
            "--artifact-type",
            "application/vnd.first",
            "--artifact-type",
            "application/vnd.last",
            "--format",
            "json",
            "--format",
            "go-template={{.artifactType}}",
        ],
    )
    .ok();
    assert_eq!(r.stdout, "application/vnd.last");
    let r = oras(
        d.path(),
        &[
            "resolve",
            "--oci-layout",
            "--oci-layout",
            "lay:v1",
            "--plain-http",
            "--plain-http=false",
        ],
    )
    .ok();
    assert!(r.stdout.starts_with("sha256:"), "{}", r.stdout);
}

#[test]
fn a_repeatable_flag_keeps_every_value() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"aaa\n").unwrap();
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "a.txt",
            "-a",
            "k1=v1",
            "--annotation",
            "k2=v2",
        ],
    )
    .ok();
    let r = oras(
        d.path(),
        &[
            "manifest",
            "fetch",
            "--oci-layout",
            "lay:v1",
            "--format",
            "go-template={{.content.annotations.k1}},{{.content.annotations.k2}}",
        ],
    )
    .ok();
    assert_eq!(r.stdout, "v1,v2");
}
