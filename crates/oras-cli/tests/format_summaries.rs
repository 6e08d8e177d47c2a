//! `--format json` and `--format go-template=…` (beyond oras 1.3) on backup, restore, login
//! and logout, checked against a real distribution 2.8 and the files they write; and what is
//! refused before any work: bad formats and templates, `--format` with `--descriptor` or
//! `--output`, a formatted deletion without `--force`. (The descriptor models of the other
//! commands: `format_models.rs`.)

mod common;

use std::path::Path;

use common::*;
use oras_test_registry::{Distribution, Mode, PASS, USER};
use serde_json::{Value, json};

/// Pushes `a.txt` as `reference` and returns the manifest's digest, hashed from the registry's
/// bytes.
fn push_artifact(dir: &Path, reference: &str) -> String {
    std::fs::write(dir.join("a.txt"), b"models").unwrap();
    oras(dir, &["push", reference, "a.txt"]).ok();
    let raw = oras(dir, &["manifest", "fetch", reference]).ok().raw_stdout;
    std::fs::write(dir.join("fetched.json"), raw).unwrap();
    sha256_file(&dir.join("fetched.json"))
}

/// The model of `oras args…`, which must succeed: all of stdout, one JSON value.
fn model(dir: &Path, args: &[&str]) -> Value {
    json_stdout(&oras(dir, args).ok())
}

/// The entries of a backup or restore model, checked against the tags' manifests.
fn assert_artifacts(m: &Value, repo: &str, tags: &[(&str, &str)]) {
    let got = m["artifacts"].as_array().expect("artifacts");
    assert_eq!(got.len(), tags.len(), "{m}");
    for (a, (tag, digest)) in got.iter().zip(tags) {
        assert_eq!(a["reference"], format!("{repo}@{digest}"), "{a}");
        assert_eq!(a["digest"], *digest, "{a}");
        assert_eq!(
            a["referenceAsTags"],
            json!([format!("{repo}:{tag}")]),
            "{a}"
        );
        assert_eq!(a["referrers"], 0, "{a}");
    }
}

#[test]
fn backup_and_restore_models_summarise_what_moved() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let repo = format!("{}/fmt/saved", reg.localhost());
    let digest = push_artifact(d.path(), &format!("{repo}:v1"));
    let m = model(
        d.path(),
        &["backup", "-o", "saved.tar", &repo, "--format", "json"],
    );
    assert_eq!(m["repository"], repo.as_str());
    assert_eq!(m["output"], "saved.tar");
    let size = std::fs::metadata(d.path().join("saved.tar")).unwrap().len();
    assert_eq!(m["archiveSize"], size);
    assert_artifacts(&m, &repo, &[("v1", &digest)]);
    let v1 = format!("{repo}:v1");
    let m = model(d.path(), &["backup", "-o", "dir", &v1, "--format", "json"]);
    assert!(m.get("archiveSize").is_none(), "{m}");
    let saved = index_json(&d.path().join("dir"));
    assert_eq!(saved["manifests"][0]["digest"], digest.as_str());

    let back = format!("{}/fmt/restored", reg.localhost());
    let back_v1 = format!("{back}:v1");
    let dry_run = ["restore", "--input", "saved.tar", &back, "--dry-run"];
    let dry = model(d.path(), &[&dry_run[..], &["--format", "json"]].concat());
    assert_eq!(dry["dryRun"], true);
    assert_artifacts(&dry, &back, &[("v1", &digest)]);
    oras(d.path(), &["resolve", &back_v1]).fails();
    let m = model(
        d.path(),
        &["restore", "--input", "saved.tar", &back, "--format", "json"],
    );
    let fields = (&m["repository"], &m["input"], &m["dryRun"]);
    assert_eq!(fields, (&json!(back), &json!("saved.tar"), &json!(false)));
    assert_artifacts(&m, &back, &[("v1", &digest)]);
    assert_eq!(
        oras(d.path(), &["resolve", &back_v1]).ok().stdout.trim(),
        digest
    );
    let each = "go-template={{range .artifacts}}{{.digest}}{{end}}";
    let t = oras(
        d.path(),
        &["restore", "--input", "dir", &back, "--format", each],
    )
    .ok();
    assert_eq!(t.stdout, digest);
}

#[test]
fn login_and_logout_models_name_the_registry() {
    let reg = Distribution::start(Mode::Basic);
    let d = tempdir();
    let host = reg.localhost();
    let cfg = d.path().join("auth.json");
    let cfg_s = cfg.display().to_string();
    let args = [
        "login",
        &host,
        "-u",
        USER,
        "--password-stdin",
        "--registry-config",
        &cfg_s,
        "--format",
        "json",
    ];
    let run = oras_stdin(d.path(), &args, format!("{PASS}\n").as_bytes()).ok();
    let m = json_stdout(&run);
    assert_eq!(m, json!({"registry": host, "username": USER}));
    let saved: Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    assert!(saved["auths"][&host]["auth"].is_string(), "{saved}");

    let args = [
        "logout",
        &host,
        "--registry-config",
        &cfg_s,
        "--format",
        "go-template={{.registry}}",
    ];
    assert_eq!(oras(d.path(), &args).ok().stdout, host);
    let saved: Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    assert!(saved["auths"].get(&host).is_none(), "{saved}");
    let args = [
        "logout",
        &host,
        "--registry-config",
        &cfg_s,
        "--format",
        "json",
    ];
    let m = json_stdout(&oras(d.path(), &args).ok());
    assert_eq!(m, json!({"registry": host}));
}

/// Asserts `oras args…` fails with `message` on stderr and nothing on stdout.
fn refused(dir: &Path, args: &[&str], message: &str) {
    let run = oras(dir, args).fails();
    assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    assert_eq!(run.stdout, "", "{args:?}");
}

#[test]
fn a_bad_template_or_format_is_refused_before_any_work() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"models").unwrap();
    oras(d.path(), &["push", "--oci-layout", "lay:v1", "a.txt"]).ok();
    let before = std::fs::read(d.path().join("lay/index.json")).unwrap();
    let bad = "go-template={{.digest";
    refused(
        d.path(),
        &["tag", "--oci-layout", "lay:v1", "v2", "--format", bad],
        "unclosed action",
    );
    std::fs::write(d.path().join("b.txt"), b"never pushed").unwrap();
    refused(
        d.path(),
        &[
            "blob",
            "push",
            "--oci-layout",
            "lay",
            "b.txt",
            "--format",
            bad,
        ],
        "unclosed action",
    );
    refused(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "--to-oci-layout",
            "lay:v1",
            "other:v1",
            "--format",
            bad,
        ],
        "unclosed action",
    );
    refused(
        d.path(),
        &[
            "manifest",
            "index",
            "create",
            "--oci-layout",
            "lay:i",
            "v1",
            "--format",
            "yaml",
        ],
        "invalid format type",
    );
    refused(
        d.path(),
        &["backup", "-o", "out", "localhost:1/x:v1", "--format", bad],
        "unclosed action",
    );
    refused(
        d.path(),
        &[
            "login",
            "localhost:1",
            "-u",
            "u",
            "-p",
            "p",
            "--format",
            bad,
        ],
        "unclosed action",
    );
    refused(
        d.path(),
        &["logout", "localhost:1", "--template", "{{.registry}}"],
        "--template must be used with --format go-template",
    );
    assert_eq!(
        std::fs::read(d.path().join("lay/index.json")).unwrap(),
        before
    );
    assert!(!d.path().join("other").exists() && !d.path().join("out").exists());
    let blob = sha256_file(&d.path().join("b.txt"));
    let blob_file = d
        .path()
        .join("lay/blobs/sha256")
        .join(&blob["sha256:".len()..]);
    assert!(!blob_file.exists(), "blob push sent nothing");
}

#[test]
fn format_conflicts_are_refused() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"models").unwrap();
    oras(d.path(), &["push", "--oci-layout", "lay:v1", "a.txt"]).ok();
    let blob = sha256_file(&d.path().join("a.txt"));
    let at = format!("lay@{blob}");
    let both = "--descriptor, --format cannot be used at the same time";
    refused(
        d.path(),
        &[
            "blob",
            "push",
            "--oci-layout",
            "lay",
            "a.txt",
            "--descriptor",
            "--format",
            "json",
        ],
        both,
    );
    refused(
        d.path(),
        &[
            "manifest",
            "delete",
            "--oci-layout",
            "lay:v1",
            "-f",
            "--descriptor",
            "--format",
            "json",
        ],
        both,
    );
    let force = "must apply --force to confirm the deletion if the output is formatted";
    refused(
        d.path(),
        &["blob", "delete", "--oci-layout", &at, "--format", "json"],
        force,
    );
    refused(
        d.path(),
        &[
            "manifest",
            "delete",
            "--oci-layout",
            "lay:v1",
            "--format",
            "json",
        ],
        force,
    );
    let output = "--format, --output cannot be used at the same time";
    refused(
        d.path(),
        &[
            "manifest",
            "index",
            "create",
            "--oci-layout",
            "lay:i",
            "v1",
            "-o",
            "-",
            "--format",
            "json",
        ],
        output,
    );
    refused(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            "lay:v1",
            "--artifact-type",
            "a/b",
            "-o",
            "i.json",
            "--format",
            "json",
        ],
        output,
    );
    // text stays the default, and `--format text` is it
    let text = oras(
        d.path(),
        &["resolve", "--oci-layout", "lay:v1", "--format", "text"],
    )
    .ok();
    let plain = oras(d.path(), &["resolve", "--oci-layout", "lay:v1"]).ok();
    assert_eq!(text.stdout, plain.stdout);
}
