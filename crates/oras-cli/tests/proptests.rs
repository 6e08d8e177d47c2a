//! Property tests through the built binary: `--format go-template=…` (any template, well
//! formed or broken, renders or fails with oras's template errors) and `--annotation-file`
//! (any file pushes its annotations or fails with oras's error). The process never panics,
//! crashes or hangs. Bugs found here are kept as named regression tests.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::oras_bin;
use oras_test_registry::budget;
use proptest::prelude::*;

/// How long one run may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(10);

/// Exit code (`None` when killed by a signal), stdout and stderr of one run, or `Err` when it
/// did not end in time (it is killed then).
fn run(dir: &Path, args: &[&str]) -> Result<(Option<i32>, Vec<u8>, String), String> {
    let mut child = Command::new(oras_bin())
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    // both pipes are read while waiting, bounded: output past 64 MiB stops being read, so a
    // run printing without end shows up as a hang
    fn drain(r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.take(64 << 20).read_to_end(&mut buf);
            buf
        })
    }
    let o = drain(child.stdout.take().unwrap());
    let e = drain(child.stderr.take().unwrap());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let stdout = o.join().unwrap();
            let stderr = String::from_utf8_lossy(&e.join().unwrap()).into_owned();
            return Ok((status.code(), stdout, stderr));
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("oras {args:?} did not end within {HANG:?}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A layout with a manifest (tagged `v1`) and one referrer, made once per test thread.
fn layout() -> PathBuf {
    thread_local! {
        static DIR: (tempfile::TempDir, PathBuf) = {
            let d = common::tempdir();
            let p = d.path().to_path_buf();
            std::fs::write(p.join("a.txt"), b"hello").unwrap();
            common::oras(&p, &["push", "--oci-layout", "lay:v1", "a.txt", "-a", "k=<v&>"]).ok();
            common::oras(&p, &["attach", "--oci-layout", "lay:v1", "--artifact-type", "t/x", "a.txt"]).ok();
            (d, p)
        };
    }
    DIR.with(|d| d.1.clone())
}

fn field() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        ".",
        ".referrers",
        ".digest",
        ".size",
        ".annotations",
        ".mediaType",
        ".reference",
        ".nope",
        ".referrers.x",
        ".size.x",
        ".annotations.k",
        "$",
        "$x",
        "$.referrers",
    ])
    .prop_map(str::to_string)
}

fn literal() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "1",
        "-1",
        "0",
        "1.5",
        "0x10",
        "1e999",
        "99999999999999999999",
        "'a'",
        "\"s\"",
        "\"\\u00e9\"",
        "`raw`",
        "true",
        "false",
        "nil",
        "\"%v\"",
        "\"%d %s\"",
        "\"%-5.2f|%x|%q|%T\"",
        "\"%*d\"",
        "\"%9999d\"",
        "\"%.9999f\"",
        "\"%!\"",
    ])
    .prop_map(str::to_string)
}

fn function() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "toJson",
        "toRawJson",
        "toPrettyJson",
        "first",
        "last",
        "len",
        "index",
        "printf",
        "print",
        "println",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "and",
        "or",
        "not",
        "html",
        "js",
        "urlquery",
        "call",
        "slice",
        "upper",
        "default",
        "join",
        "quote",
        "splitList",
        "dict",
        "list",
        "keys",
        "has",
        "add",
        "until",
        "nosuch",
    ])
}

/// Pipelines: operands, function calls with arguments, parenthesised pipelines, `|` chains.
fn pipeline() -> impl Strategy<Value = String> {
    let operand = prop_oneof![field(), literal()];
    operand.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (function(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(f, args)| format!("{f} {}", args.join(" "))),
            inner.clone().prop_map(|p| format!("({p})")),
            (inner.clone(), function()).prop_map(|(p, f)| format!("{p} | {f}")),
            (inner, field()).prop_map(|(p, f)| format!("({p}){f}")),
        ]
    })
}

/// Templates: text and actions, with `if`/`range`/`with`/`define`/`block` bodies; definitions
/// may call templates, themselves included (recursion ends at the depth bound).
fn template() -> impl Strategy<Value = String> {
    let text = prop_oneof![
        Just(String::new()),
        "[a-z <>&\n]{0,6}",
        Just("{{/* c */}}".to_string()),
        Just("{{- /* c */ -}}".to_string()),
    ];
    let action = prop_oneof![
        pipeline().prop_map(|p| format!("{{{{{p}}}}}")),
        pipeline().prop_map(|p| format!("{{{{- {p} -}}}}")),
        pipeline().prop_map(|p| format!("{{{{$x := {p}}}}}{{{{$x}}}}")),
        (pipeline(), prop::sample::select(vec!["n", "m", "missing"]))
            .prop_map(|(p, n)| format!("{{{{template \"{n}\" {p}}}}}")),
    ];
    let leaf = prop_oneof![text.clone(), action];
    leaf.prop_recursive(3, 24, 4, |inner| {
        let body = prop::collection::vec(inner, 0..4).prop_map(|v| v.concat());
        prop_oneof![
            (pipeline(), body.clone(), prop::option::of(body.clone())).prop_map(|(p, b, e)| {
                match e {
                    Some(e) => format!("{{{{if {p}}}}}{b}{{{{else}}}}{e}{{{{end}}}}"),
                    None => format!("{{{{if {p}}}}}{b}{{{{end}}}}"),
                }
            }),
            (pipeline(), body.clone())
                .prop_map(|(p, b)| format!("{{{{range {p}}}}}{b}{{{{end}}}}")),
            (pipeline(), body.clone())
                .prop_map(|(p, b)| format!("{{{{range $i, $v := {p}}}}}{{{{$i}}}}{b}{{{{end}}}}")),
            (pipeline(), body.clone()).prop_map(|(p, b)| format!("{{{{with {p}}}}}{b}{{{{end}}}}")),
            (prop::sample::select(vec!["n", "m"]), body.clone())
                .prop_map(|(n, b)| format!("{{{{define \"{n}\"}}}}{b}{{{{end}}}}")),
            (
                prop::sample::select(vec!["n", "m"]),
                pipeline(),
                body.clone()
            )
                .prop_map(|(n, p, b)| format!("{{{{block \"{n}\" {p}}}}}{b}{{{{end}}}}")),
            prop::collection::vec(body, 1..3).prop_map(|v| v.concat()),
        ]
    })
}

/// Damage: characters inserted, removed, or the template cut short.
fn damaged(t: String, edits: Vec<(usize, u8, char)>) -> String {
    let mut chars: Vec<char> = t.chars().collect();
    for (at, kind, c) in edits {
        let at = at % (chars.len() + 1);
        match kind % 3 {
            0 => chars.insert(at, c),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            _ => chars.truncate(at),
        }
    }
    chars.into_iter().collect()
}

fn check_template(t: &str) -> Result<(), TestCaseError> {
    // the template is one argument: NUL cannot be passed to a process
    let t = t.replace('\0', "");
    let dir = layout();
    let format = format!("go-template={t}");
    let (code, _stdout, stderr) = run(
        &dir,
        &["discover", "--oci-layout", "lay:v1", "--format", &format],
    )
    .map_err(TestCaseError::fail)?;
    prop_assert!(
        !stderr.contains("panicked"),
        "panic for {:?}: {}",
        t,
        stderr
    );
    match code {
        Some(0) => {}
        // Go's parse and execution errors; an empty template is oras's usage error
        Some(1) => prop_assert!(
            stderr.starts_with("Error: template: format output:")
                || stderr
                    .starts_with("Error: \"go-template\" format specified but no template given"),
            "unexpected error for {:?}: {}",
            t,
            stderr
        ),
        other => prop_assert!(false, "exit {:?} for {:?}: {}", other, t, stderr),
    }
    Ok(())
}

proptest! {
    // each case runs the binary: shrinking a failure is kept short
    #![proptest_config(ProptestConfig {
        max_shrink_iters: 200,
        max_shrink_time: 120_000,
        ..budget::config("template: go-template (binary)", 48)
    })]

    /// Well-formed templates of every construct.
    #[test]
    fn templates(t in template()) {
        check_template(&t)?;
    }

    /// The same, damaged; and random text with template delimiters.
    #[test]
    fn broken_templates(
        t in prop_oneof![
            (template(), prop::collection::vec((any::<usize>(), any::<u8>(), prop::sample::select(vec!['{', '}', '(', ')', '|', '"', '`', '$', '.', ' ', '-', '\\', 'é'])), 1..4))
                .prop_map(|(t, e)| damaged(t, e)),
            "([a-z .$|()\"'`-]|\\{\\{|\\}\\}){0,24}",
            any::<String>(),
        ]
    ) {
        check_template(&t)?;
    }
}

fn annotation_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9.=:/ _-]{0,10}",
        "[<>&\"\\\\\u{2028}\u{e9}\u{0}-\u{1f}a-z]{0,8}",
        any::<String>(),
    ]
}

type Targets = std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>;

fn annotation_file() -> impl Strategy<Value = Targets> {
    prop::collection::btree_map(
        prop_oneof![
            Just("$manifest".to_string()),
            Just("$config".to_string()),
            Just("a.txt".to_string()),
            annotation_text(),
        ],
        prop::collection::btree_map(annotation_text(), annotation_text(), 0..4),
        0..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        max_shrink_iters: 200,
        max_shrink_time: 120_000,
        ..budget::config("annotations: push --annotation-file (binary)", 24)
    })]

    /// Any annotation file pushes a manifest carrying its annotations (escaped the Go way,
    /// readable back), or fails with oras's error; never a panic.
    #[test]
    fn pushed_annotations(t in annotation_file(), raw in prop::option::of(prop::collection::vec(any::<u8>(), 0..40))) {
        let d = common::tempdir();
        let dir = d.path();
        std::fs::write(dir.join("a.txt"), b"hello").unwrap();
        let content = raw.clone().unwrap_or_else(|| serde_json::to_vec(&t).unwrap());
        std::fs::write(dir.join("ann.json"), &content).unwrap();
        let (code, _, stderr) = run(
            dir,
            &["push", "--oci-layout", "lay:v1", "--annotation-file", "ann.json", "a.txt"],
        )
        .map_err(TestCaseError::fail)?;
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        let parsed: Result<Targets, _> = serde_json::from_slice(&content);
        match (code, parsed) {
            (Some(0), Ok(t)) => {
                let index = common::index_json(&dir.join("lay"));
                let digest = index["manifests"][0]["digest"].as_str().unwrap().to_string();
                let path = dir.join("lay/blobs/sha256").join(digest.trim_start_matches("sha256:"));
                let raw = std::fs::read_to_string(path).unwrap();
                let manifest: serde_json::Value = serde_json::from_str(&raw).unwrap();
                prop_assert!(!raw.contains(['<', '>', '&']), "not escaped the Go way: {}", raw);
                for (k, v) in t.get("$manifest").into_iter().flatten() {
                    if k != "org.opencontainers.image.created" {
                        prop_assert_eq!(manifest["annotations"][k].as_str(), Some(v.as_str()));
                    }
                }
                for (k, v) in t.get("$config").into_iter().flatten() {
                    prop_assert_eq!(manifest["config"]["annotations"][k].as_str(), Some(v.as_str()));
                }
                for (k, v) in t.get("a.txt").into_iter().flatten() {
                    prop_assert_eq!(manifest["layers"][0]["annotations"][k].as_str(), Some(v.as_str()));
                }
            }
            (Some(1), Err(_)) => prop_assert!(
                stderr.starts_with("Error: invalid annotation json file"),
                "{}",
                stderr
            ),
            (Some(1), Ok(_)) => {
                // a valid file may still be refused (e.g. a title annotation on the config)
                prop_assert!(stderr.starts_with("Error: "), "{}", stderr);
            }
            (other, _) => prop_assert!(false, "exit {:?}: {}", other, stderr),
        }
    }
}

/// Found by `templates` while writing it: a template that calls itself recursed until the
/// stack overflowed and the process aborted (exit 134, "has overflowed its stack"). Now the
/// recursion ends at the depth bound with Go's error.
#[test]
fn regression_recursive_template() {
    let dir = layout();
    let (code, stdout, stderr) = run(
        &dir,
        &[
            "discover",
            "--oci-layout",
            "lay:v1",
            "--format",
            "go-template={{define \"x\"}}{{template \"x\"}}{{end}}{{template \"x\"}}",
        ],
    )
    .unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        "Error: template: format output:1:25: executing \"x\" at <{{template \"x\"}}>: \
         exceeded maximum template depth (10000)\n"
    );
}

/// Found by `broken_templates`: a template that ends inside an action after a space (`{{ `,
/// `{{.a ( `, `{{ -`, `{{if .}}x{{end}}{{ `) never finished parsing (a lexer thread emitting
/// space tokens forever); the same for an escape cut short by the end of its string
/// (`{{"\u0e9"}}`, `{{"\x4"}}`). Go fails with a parse error.
#[test]
fn regression_unclosed_action() {
    let dir = layout();
    for (t, want) in [
        ("{{ ", "unclosed action"),
        ("{{.a ( ", "unclosed action"),
        // Go's parser reads the number `-` before the lexer reaches the end
        ("{{ -", "illegal number syntax: \"-\""),
        ("{{if .}}x{{end}}{{ ", "unclosed action"),
        ("{{\"\\u0e9\"}}", "invalid syntax"),
        ("{{\"\\x4\"}}", "invalid syntax"),
    ] {
        let format = format!("go-template={t}");
        let (code, _, stderr) = run(
            &dir,
            &["discover", "--oci-layout", "lay:v1", "--format", &format],
        )
        .unwrap();
        assert_eq!(code, Some(1), "{t:?}: {stderr}");
        assert_eq!(
            stderr,
            format!("Error: template: format output:1: {want}\n"),
            "{t:?}"
        );
    }
}

/// Found by `broken_templates`: a non-ASCII character in an action (`{{é}}`, `{{.é}}`) or
/// escaped in a quote (`{{"\é"}}`) panicked. Go accepts `.é` as a field name and rejects `é`
/// as an undefined function and `"\é"` as an unknown escape.
#[test]
fn regression_non_ascii_in_actions() {
    let dir = layout();
    for (t, want) in [
        (
            "{{é}}",
            Err("Error: template: format output:1: function \"é\" not defined\n"),
        ),
        ("{{.annotations.é}}", Ok("<no value>")),
        (
            "{{\"\\é\"}}",
            Err("Error: template: format output:1: invalid syntax\n"),
        ),
        ("{{\"é\"}}", Ok("é")),
    ] {
        let format = format!("go-template={t}");
        let (code, stdout, stderr) = run(
            &dir,
            &["discover", "--oci-layout", "lay:v1", "--format", &format],
        )
        .unwrap();
        match want {
            Ok(out) => {
                assert_eq!(code, Some(0), "{t:?}: {stderr}");
                assert_eq!(String::from_utf8_lossy(&stdout), out, "{t:?}");
            }
            Err(err) => {
                assert_eq!(code, Some(1), "{t:?}: {stderr}");
                assert_eq!(stderr, err, "{t:?}");
            }
        }
    }
}
