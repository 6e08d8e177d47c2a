//! Hostile command lines: arguments that are not UTF-8, a stdout closed under the command,
//! files that are not certificates, tags and headers that cannot go on the wire, and Go
//! templates that Go itself refuses or accepts. Each fails (or succeeds) cleanly: no panic,
//! oras's words, and no request sent for what can be checked locally.

mod common;

use std::ffi::OsStr;
use std::net::TcpListener;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;

/// A registry address that counts connections and closes each at once (a run that connects
/// fails fast instead of waiting for an answer).
struct Listener {
    addr: String,
    hits: Arc<AtomicUsize>,
}

fn silent_registry() -> (Listener, String) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = format!("127.0.0.1:{}", l.local_addr().expect("addr").port());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (
        Listener {
            addr: addr.clone(),
            hits,
        },
        addr,
    )
}

/// Panics if anything connected to the listener of [`silent_registry`].
fn assert_untouched(l: &Listener) {
    let n = l.hits.load(Ordering::SeqCst);
    assert_eq!(n, 0, "oras connected to {} {n} time(s)", l.addr);
}

/// Asserts a clean failure whose first stderr line is `Error: <want>`.
fn fails_with(r: Run, want: &str) -> Run {
    let r = r.fails();
    assert_eq!(
        r.stderr.lines().next(),
        Some(format!("Error: {want}").as_str()),
        "stderr:\n{}",
        r.stderr
    );
    r
}

/// A layout `lay` with `lay:v1` (one file `a.txt`).
fn layout(dir: &Path) {
    std::fs::write(dir.join("a.txt"), b"aaa\n").unwrap();
    oras(dir, &["push", "--oci-layout", "lay:v1", "a.txt"]).ok();
}

// ---------------------------------------------------------------- arguments that are not UTF-8

#[test]
fn file_name_that_is_not_utf8_fails_naming_it() {
    let d = tempdir();
    let name = OsStr::from_bytes(b"bad\xff\xfe.txt");
    std::fs::write(d.path().join(name), b"x").unwrap();
    let r = oras_os(
        d.path(),
        &[
            OsStr::new("push"),
            OsStr::new("--oci-layout"),
            OsStr::new("lay:v1"),
            name,
        ],
        &[],
    );
    fails_with(
        r,
        "invalid argument \"bad\u{fffd}\u{fffd}.txt\": not valid UTF-8",
    );
    assert!(!d.path().join("lay").exists(), "nothing is pushed");
}

#[test]
fn flag_value_that_is_not_utf8_names_the_flag() {
    let d = tempdir();
    let r = oras_os(
        d.path(),
        &[
            OsStr::new("pull"),
            OsStr::new("--debug"),
            OsStr::new("--oci-layout"),
            OsStr::from_bytes(b"--output=out\xff"),
            OsStr::new("lay:v1"),
        ],
        &[],
    );
    fails_with(
        r,
        "invalid argument \"out\u{fffd}\" for \"--output\" flag: not valid UTF-8",
    );
}

#[test]
fn setting_that_is_not_utf8_fails_instead_of_being_ignored() {
    let d = tempdir();
    let (l, addr) = silent_registry();
    std::fs::write(d.path().join("a.txt"), b"aaa\n").unwrap();
    let r = oras_os(
        d.path(),
        &[
            OsStr::new("push"),
            OsStr::new("--plain-http"),
            OsStr::new(&format!("{addr}/repo:v1")),
            OsStr::new("a.txt"),
        ],
        &[("ORAS_CHUNK_SIZE", OsStr::from_bytes(b"4\xff"))],
    );
    fails_with(
        r,
        "invalid ORAS_CHUNK_SIZE \"4\u{fffd}\": expecting a number, or host=number pairs separated by commas",
    );
    assert_untouched(&l);
}

// ---------------------------------------------------------------- a closed stdout

/// The command ends quietly with the status of a closed stdout (141) and writes nothing to
/// stderr.
fn exits_quietly(dir: &Path, args: &[&str]) {
    let r = oras_closed_stdout(dir, args);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (141, ""),
        "oras {args:?} on a closed stdout"
    );
}

#[test]
fn closed_stdout_ends_help_version_and_completion_quietly() {
    let d = tempdir();
    for args in [
        &["completion", "bash"][..],
        &["completion", "zsh"],
        &["--help"],
        &["push", "--help"],
        &["help", "manifest"],
        &["version"],
    ] {
        exits_quietly(d.path(), args);
    }
}

#[test]
fn closed_stdout_ends_status_json_and_template_output_quietly() {
    let d = tempdir();
    layout(d.path());
    std::fs::write(d.path().join("b.txt"), b"bbb\n").unwrap();
    for args in [
        &["push", "--oci-layout", "lay:v2", "b.txt"][..],
        &[
            "push",
            "--oci-layout",
            "lay:v3",
            "b.txt",
            "--format",
            "json",
        ],
        &[
            "push",
            "--oci-layout",
            "lay:v4",
            "b.txt",
            "--format",
            "go-template={{.digest}}",
        ],
        &["pull", "--oci-layout", "lay:v1", "-o", "out"],
        &["tag", "--oci-layout", "lay:v1", "v5"],
        &["resolve", "--oci-layout", "lay:v1"],
        &[
            "cp",
            "--from-oci-layout",
            "--to-oci-layout",
            "lay:v1",
            "other:v1",
        ],
        &[
            "attach",
            "--oci-layout",
            "lay:v1",
            "--artifact-type",
            "x/y",
            "-a",
            "k=v",
        ],
        &["repo", "tags", "--oci-layout", "lay"],
        &["repo", "tags", "--oci-layout", "lay", "--format", "json"],
        &["manifest", "fetch", "--oci-layout", "lay:v1"],
        &[
            "manifest",
            "fetch",
            "--oci-layout",
            "lay:v1",
            "--descriptor",
        ],
        &[
            "manifest",
            "fetch",
            "--oci-layout",
            "lay:v1",
            "--format",
            "go-template={{.digest}}",
        ],
        &["discover", "--oci-layout", "lay:v1"],
        &[
            "discover",
            "--oci-layout",
            "lay:v1",
            "--format",
            "go-template={{.digest}}",
        ],
        &["discover", "--oci-layout", "lay:v1", "--format", "json"],
    ] {
        exits_quietly(d.path(), args);
    }
    // the blob of a.txt, streamed to stdout
    let digest = sha256_file(&d.path().join("a.txt"));
    exits_quietly(
        d.path(),
        &[
            "blob",
            "fetch",
            "--oci-layout",
            &format!("lay@{digest}"),
            "-o",
            "-",
        ],
    );
}

#[test]
fn closed_stderr_does_not_turn_the_debug_log_into_a_panic() {
    let d = tempdir();
    let (_l, addr) = silent_registry();
    let r = oras_closed_output(
        d.path(),
        &[
            "repo",
            "tags",
            "--debug",
            "--plain-http",
            &format!("{addr}/repo"),
        ],
    );
    // the request fails (the registry hangs up); the log and the error are lost, nothing panics
    assert_eq!(r.code, 1);
    layout(d.path());
    let r = oras_closed_output(d.path(), &["repo", "tags", "--oci-layout", "lay"]);
    assert_eq!(r.code, 141);
}

// ---------------------------------------------------------------- --ca-file

#[test]
fn ca_file_that_is_not_a_certificate_fails_before_any_request() {
    let d = tempdir();
    let (l, addr) = silent_registry();
    std::fs::write(d.path().join("notes.txt"), b"not a certificate\n").unwrap();
    // a PEM block that says CERTIFICATE but holds no certificate
    std::fs::write(
        d.path().join("fake.pem"),
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let repo = format!("{addr}/repo");
    fails_with(
        oras(d.path(), &["repo", "tags", "--ca-file", "notes.txt", &repo]),
        "Failed to load certificate in file: notes.txt",
    );
    fails_with(
        oras(d.path(), &["repo", "tags", "--ca-file", "fake.pem", &repo]),
        "Failed to load certificate in file: fake.pem",
    );
    let src = format!("{repo}:v1");
    let dst = format!("{addr}/other:v1");
    fails_with(
        oras(d.path(), &["cp", "--from-ca-file", "notes.txt", &src, &dst]),
        "Failed to load certificate in file: notes.txt",
    );
    fails_with(
        oras(d.path(), &["cp", "--to-ca-file", "fake.pem", &src, &dst]),
        "Failed to load certificate in file: fake.pem",
    );
    assert_untouched(&l);
}

// ---------------------------------------------------------------- tags

#[test]
fn invalid_tags_fail_before_any_request() {
    let d = tempdir();
    let (l, addr) = silent_registry();
    std::fs::write(d.path().join("a.txt"), b"aaa\n").unwrap();
    std::fs::write(
        d.path().join("m.json"),
        br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#,
    )
    .unwrap();
    let repo = format!("{addr}/repo");
    let bad = "invalid reference: invalid tag \"bad tag!\"";
    let cases: Vec<Vec<String>> = vec![
        vec![
            "tag".into(),
            format!("{repo}:v1"),
            "ok".into(),
            "bad tag!".into(),
        ],
        vec!["push".into(), format!("{repo}:v1,bad tag!"), "a.txt".into()],
        vec![
            "cp".into(),
            format!("{repo}:v1"),
            format!("{addr}/other:v1,bad tag!"),
        ],
        vec![
            "manifest".into(),
            "push".into(),
            format!("{repo}:v1,bad tag!"),
            "m.json".into(),
        ],
        vec![
            "manifest".into(),
            "index".into(),
            "create".into(),
            format!("{repo}:v1,bad tag!"),
        ],
        vec![
            "manifest".into(),
            "index".into(),
            "update".into(),
            format!("{repo}:v1"),
            "--tag".into(),
            "bad tag!".into(),
            "--artifact-type".into(),
            "x/y".into(),
        ],
    ];
    for args in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails_with(oras(d.path(), &args), bad);
    }
    // an empty extra tag is refused too, for registries and layouts alike
    fails_with(
        oras(d.path(), &["push", &format!("{repo}:v1,"), "a.txt"]),
        "invalid reference: invalid tag \"\"",
    );
    assert_untouched(&l);
    fails_with(
        oras(d.path(), &["push", "--oci-layout", "lay:v1,", "a.txt"]),
        "missing reference",
    );
    assert!(!d.path().join("lay").exists(), "nothing is pushed");
}

#[test]
fn layout_tags_are_not_held_to_the_registry_grammar() {
    let d = tempdir();
    layout(d.path());
    oras(d.path(), &["tag", "--oci-layout", "lay:v1", "any name!"]).ok();
    let tags = oras(d.path(), &["repo", "tags", "--oci-layout", "lay"]).ok();
    assert_eq!(tags.stdout, "any name!\nv1\n");
}

// ---------------------------------------------------------------- headers

#[test]
fn header_with_a_newline_fails_before_any_request() {
    let d = tempdir();
    let (l, addr) = silent_registry();
    let repo = format!("{addr}/repo");
    fails_with(
        oras(
            d.path(),
            &[
                "repo",
                "tags",
                "--plain-http",
                "-H",
                "X-Custom: a\nb",
                &repo,
            ],
        ),
        "invalid header field value for \"X-Custom\": the control character '\\n' is not allowed",
    );
    fails_with(
        oras(
            d.path(),
            &["repo", "tags", "--plain-http", "-H", "X Custom: a", &repo],
        ),
        "invalid header field name \"X Custom\": a name may only contain letters, digits and !#$%&'*+-.^_`|~",
    );
    assert_untouched(&l);
}

// ---------------------------------------------------------------- go templates

#[test]
fn template_ranges_over_missing_keys_and_nulls_as_go_does() {
    let d = tempdir();
    layout(d.path());
    let push = |tag: &str, tmpl: &str| {
        oras(
            d.path(),
            &[
                "push",
                "--oci-layout",
                &format!("lay:{tag}"),
                "a.txt",
                "--format",
                &format!("go-template={tmpl}"),
            ],
        )
        .ok()
        .stdout
    };
    assert_eq!(push("v2", "{{range .missing}}x{{end}}ok"), "ok");
    assert_eq!(
        push("v3", "{{range .missing}}x{{else}}none{{end}}|{{.missing}}"),
        "none|<no value>"
    );
    // values print as Go prints them; a range with items skips its else branch
    assert_eq!(
        push(
            "v4",
            "{{.referenceAsTags}} {{range .referenceAsTags}}{{.}}{{else}}none{{end}}"
        ),
        "[lay:v4] lay:v4"
    );
    // `files` is null when nothing has a title: no iterations, no error
    let empty = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:empty",
            "--format",
            "go-template={{.mediaType}}",
        ],
    )
    .ok();
    assert_eq!(empty.stdout, "application/vnd.oci.image.manifest.v1+json");
    let pulled = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            "lay:empty",
            "-o",
            "out",
            "--format",
            "go-template={{range .files}}{{.path}}{{end}}done",
        ],
    )
    .ok();
    assert_eq!(pulled.stdout, "done");
    let discover = oras(
        d.path(),
        &[
            "discover",
            "--oci-layout",
            "lay:v1",
            "--format",
            "go-template={{range .referrers}}r{{else}}no referrers{{end}}",
        ],
    )
    .ok();
    assert_eq!(discover.stdout, "no referrers");
}

#[test]
fn template_parse_errors_read_as_go_and_come_before_any_work() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"aaa\n").unwrap();
    for (tmpl, want) in [
        ("{{.Foo", "template: format output:1: unclosed action"),
        (
            "line1\nline2 {{.Foo",
            "template: format output:2: unclosed action",
        ),
        (
            "{{if .digest}}yes",
            "template: format output:1: unexpected EOF",
        ),
        (
            "{{nope .digest}}",
            "template: format output:1: function \"nope\" not defined",
        ),
        ("{{end}}", "template: format output:1: unexpected {{end}}"),
        (
            "{{\"abc}}",
            "template: format output:1: unterminated quoted string",
        ),
        ("{{/* note", "template: format output:1: unclosed comment"),
    ] {
        let r = oras(
            d.path(),
            &[
                "push",
                "--oci-layout",
                "lay:v1",
                "a.txt",
                "--format",
                &format!("go-template={tmpl}"),
            ],
        );
        let r = fails_with(r, want);
        assert!(!r.stderr.contains('\0'), "NUL in {:?}", r.stderr);
        assert!(r.stdout.is_empty(), "nothing printed: {}", r.stdout);
    }
    assert!(!d.path().join("lay").exists(), "nothing is pushed");
    // a template over several lines, with a newline inside an action (Go allows it)
    let r = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "a.txt",
            "--format",
            "go-template={{- .mediaType\n}} {{/* c */}}{{ .artifactType -}}\n!",
        ],
    )
    .ok();
    assert_eq!(
        r.stdout,
        "application/vnd.oci.image.manifest.v1+json application/vnd.unknown.artifact.v1!"
    );
}
