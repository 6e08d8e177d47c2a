//! `oras untag` (beyond oras 1.3): tags go, the manifests they named stay with their other
//! tags, on a real registry and on an OCI image layout; a registry that deletes nothing keeps
//! the tag and the command says why.

mod common;

use common::*;
use oras_test_registry::{Distribution, Mode};

/// Pushes `a.txt` to `reference` (which carries the tags) and returns the manifest digest.
fn push(dir: &std::path::Path, reference: &str, extra: &[&str]) -> String {
    std::fs::write(dir.join("a.txt"), b"keep me").unwrap();
    let mut args = vec![
        "push",
        reference,
        "a.txt",
        "--format",
        "go-template={{.digest}}",
    ];
    args.extend_from_slice(extra);
    oras(dir, &args).ok().stdout.trim().to_string()
}

#[test]
fn untag_on_a_registry_keeps_the_manifest_and_its_other_tags() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let repo = format!("{}/untag/cli", reg.addr);
    let digest = push(d.path(), &format!("{repo}:v1,v2,v3"), &["--plain-http"]);

    let out = oras(
        d.path(),
        &["untag", "--plain-http", &format!("{repo}:v1,v2")],
    )
    .ok();
    assert_eq!(
        out.stdout,
        format!("Untagged v1 (manifest {digest} kept)\nUntagged v2 (manifest {digest} kept)\n")
    );
    let tags = oras(d.path(), &["repo", "tags", "--plain-http", &repo]).ok();
    assert_eq!(tags.stdout, "v3\n");
    let resolved = oras(
        d.path(),
        &["resolve", "--plain-http", &format!("{repo}@{digest}")],
    )
    .ok();
    assert_eq!(resolved.stdout.trim(), digest);

    // a tag that is not there, a digest instead of a tag
    let e = oras(d.path(), &["untag", "--plain-http", &format!("{repo}:v1")]).fails();
    assert!(e.stderr.contains("v1: not found"), "{}", e.stderr);
    let e = oras(
        d.path(),
        &["untag", "--plain-http", &format!("{repo}@{digest}")],
    )
    .fails();
    assert!(
        e.stderr.contains("a tag to remove is needed"),
        "{}",
        e.stderr
    );
}

#[test]
fn untag_in_a_layout_leaves_the_manifest_listed() {
    let d = tempdir();
    let digest = push(d.path(), "lay:v1,v2", &["--oci-layout"]);
    let out = oras(d.path(), &["untag", "--oci-layout", "lay:v1", "v2"]).ok();
    assert!(out.stdout.contains("Untagged v2"), "{}", out.stdout);
    let index = index_json(&d.path().join("lay"));
    let manifests = index["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 1, "{index}");
    assert_eq!(manifests[0]["digest"], digest.as_str());
    assert!(
        manifests[0]["annotations"]
            .get("org.opencontainers.image.ref.name")
            .is_none()
    );
    oras(
        d.path(),
        &[
            "manifest",
            "fetch",
            "--oci-layout",
            &format!("lay@{digest}"),
        ],
    )
    .ok();
}

#[test]
fn a_registry_that_deletes_nothing_keeps_the_tag() {
    let reg = Distribution::start(Mode::NoDelete);
    let d = tempdir();
    let repo = format!("{}/untag/locked", reg.addr);
    let digest = push(d.path(), &format!("{repo}:v1"), &["--plain-http"]);
    let e = oras(d.path(), &["untag", "--plain-http", &format!("{repo}:v1")]).fails();
    assert!(
        e.stderr.starts_with("Error: ") && e.stderr.contains("the tag still names"),
        "{}",
        e.stderr
    );
    let resolved = oras(
        d.path(),
        &["resolve", "--plain-http", &format!("{repo}:v1")],
    )
    .ok();
    assert_eq!(resolved.stdout.trim(), digest);
}
