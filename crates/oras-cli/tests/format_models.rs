//! `--format json` and `--format go-template=…` (beyond oras 1.3) on the commands oras 1.3
//! gives none and that produce a manifest or blob: tag, cp, resolve, blob push/delete,
//! manifest push/delete, index create/update (backup, restore, login, logout and the
//! refusals: `format_summaries.rs`). Each model is checked against what the registry (a real
//! distribution 2.8) or the layout holds afterwards: digests by `sha256sum` of the fetched
//! bytes, tags by resolving them. stdout is parsed whole, so a status line mixed into it fails.

mod common;

use std::path::Path;

use common::*;
use oras_test_registry::{Distribution, Mode};
use serde_json::{Value, json};

/// Where the artifacts live: repositories of a registry, or one OCI image layout.
struct Place {
    /// `localhost:<port>/fmt` (repositories below it), or the layout directory.
    base: String,
    layout: bool,
}

impl Place {
    /// The repository `name` (in a layout: the layout; its tags are shared).
    fn repo(&self, name: &str) -> String {
        if self.layout {
            self.base.clone()
        } else {
            format!("{}/{name}", self.base)
        }
    }

    /// `args` with the layout switch when the place is a layout.
    fn args<'a>(&self, args: &[&'a str]) -> Vec<&'a str> {
        let mut v = args.to_vec();
        if self.layout {
            v.push("--oci-layout");
        }
        v
    }
}

/// Runs `oras args…` at `place`, which must succeed, and parses all of stdout as one JSON value.
fn model(dir: &Path, place: &Place, args: &[&str]) -> Value {
    json_stdout(&oras(dir, &place.args(args)).ok())
}

/// Runs `oras args…` at `place`, which must succeed, and returns its stdout.
fn stdout(dir: &Path, place: &Place, args: &[&str]) -> String {
    oras(dir, &place.args(args)).ok().stdout
}

/// The bytes of the manifest `reference` names at `place`, with their digest by `sha256sum`.
fn fetched(dir: &Path, place: &Place, reference: &str) -> (String, Vec<u8>) {
    let raw = oras(dir, &place.args(&["manifest", "fetch", reference]))
        .ok()
        .raw_stdout;
    let file = dir.join("fetched.json");
    std::fs::write(&file, &raw).unwrap();
    (sha256_file(&file), raw)
}

/// `path:tag` for each tag, sorted, as `referenceAsTags` lists them (null for none).
fn as_tags(path: &str, tags: &[&str]) -> Value {
    let mut refs: Vec<String> = tags.iter().map(|t| format!("{path}:{t}")).collect();
    refs.sort();
    if refs.is_empty() {
        Value::Null
    } else {
        json!(refs)
    }
}

/// Checks push's descriptor model of the manifest at `reference` against the manifest itself:
/// reference, media type, digest, size, its annotations and artifact type (or config media
/// type), and the tags the command set.
fn assert_manifest_model(
    dir: &Path,
    place: &Place,
    m: &Value,
    (path, reference): (&str, &str),
    tags: &[&str],
) {
    let (digest, raw) = fetched(dir, place, reference);
    let manifest: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(m["reference"], format!("{path}@{digest}"), "{m}");
    assert_eq!(m["digest"], digest.as_str(), "{m}");
    assert_eq!(m["size"], raw.len(), "{m}");
    assert_eq!(m["mediaType"], manifest["mediaType"], "{m}");
    let annotations = manifest.get("annotations").cloned().unwrap_or(Value::Null);
    assert_eq!(
        m.get("annotations").cloned().unwrap_or(Value::Null),
        annotations,
        "{m}"
    );
    let artifact_type = manifest
        .get("artifactType")
        .or_else(|| manifest.get("config").and_then(|c| c.get("mediaType")))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        m.get("artifactType").cloned().unwrap_or(Value::Null),
        artifact_type,
        "{m}"
    );
    assert_eq!(m["referenceAsTags"], as_tags(path, tags), "{m}");
    for t in tags {
        let resolved = stdout(dir, place, &["resolve", &format!("{path}:{t}")]);
        assert_eq!(resolved.trim(), digest, "tag {t}");
    }
}

/// Pushes `a.txt` as `<repo>:v1` and returns the manifest's digest (from the registry).
fn push_artifact(dir: &Path, place: &Place, repo: &str) -> String {
    std::fs::write(dir.join("a.txt"), b"models").unwrap();
    let r = format!("{repo}:v1");
    stdout(
        dir,
        place,
        &[
            "push",
            &r,
            "a.txt",
            "--artifact-type",
            "application/vnd.test.fmt",
            "-a",
            "k=v",
        ],
    );
    fetched(dir, place, &r).0
}

/// tag, resolve and cp: the manifest's model with the tags each set.
fn tag_resolve_copy(dir: &Path, place: &Place) {
    let repo = place.repo("tagged");
    let digest = push_artifact(dir, place, &repo);
    let v1 = format!("{repo}:v1");

    let m = model(dir, place, &["tag", &v1, "t2", "t1", "--format", "json"]);
    assert_manifest_model(dir, place, &m, (&repo, &v1), &["t1", "t2"]);
    let t = stdout(
        dir,
        place,
        &[
            "tag",
            &v1,
            "t3",
            "--format",
            "go-template={{.digest}} {{.referenceAsTags}}",
        ],
    );
    assert_eq!(t, format!("{digest} [{repo}:t3]"));

    let m = model(dir, place, &["resolve", &v1, "--format", "json"]);
    let (_, raw) = fetched(dir, place, &v1);
    assert_eq!(
        m,
        json!({
            "reference": format!("{repo}@{digest}"),
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest,
            "size": raw.len(),
        })
    );
    let t = stdout(
        dir,
        place,
        &[
            "resolve",
            &v1,
            "--template",
            "{{.size}}",
            "--format",
            "go-template",
        ],
    );
    assert_eq!(t, raw.len().to_string());

    let dst = place.repo("copied");
    let to = format!("{dst}:c2,c1");
    let mut args = vec!["cp", v1.as_str(), to.as_str(), "--format", "json"];
    if place.layout {
        args.splice(1..1, ["--from-oci-layout", "--to-oci-layout"]);
    }
    let m = json_stdout(&oras(dir, &args).ok());
    assert_eq!(m["digest"], digest.as_str());
    assert_eq!(m["size"], raw.len());
    assert_eq!(m["reference"], format!("{dst}@{digest}"));
    assert_eq!(m["referenceAsTags"], as_tags(&dst, &["c1", "c2"]));
    for t in ["c1", "c2"] {
        assert_eq!(
            stdout(dir, place, &["resolve", &format!("{dst}:{t}")]).trim(),
            digest
        );
    }
}

/// blob push and blob delete: the blob's descriptor, then what was deleted.
fn blobs(dir: &Path, place: &Place) {
    let repo = place.repo("blobs");
    let file = dir.join("blob.bin");
    std::fs::write(&file, b"a blob of models").unwrap();
    let digest = sha256_file(&file);
    let m = model(
        dir,
        place,
        &["blob", "push", &repo, "blob.bin", "--format", "json"],
    );
    assert_eq!(
        m,
        json!({
            "reference": format!("{repo}@{digest}"),
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": digest,
            "size": 16,
        })
    );
    let t = stdout(
        dir,
        place,
        &[
            "blob",
            "push",
            &repo,
            "blob.bin",
            "--format",
            "go-template={{.digest}}",
        ],
    );
    assert_eq!(t, digest);

    let at = format!("{repo}@{digest}");
    let m = model(
        dir,
        place,
        &["blob", "delete", "-f", &at, "--format", "json"],
    );
    assert_eq!(m["reference"], at.as_str());
    assert_eq!(
        (&m["digest"], &m["size"], &m["deleted"]),
        (&json!(digest), &json!(16), &json!(true))
    );
    oras(dir, &place.args(&["blob", "fetch", &at, "--descriptor"])).fails();
    let m = model(
        dir,
        place,
        &["blob", "delete", "-f", &at, "--format", "json"],
    );
    assert_eq!(m, json!({"reference": at, "deleted": false}));
    let t = stdout(
        dir,
        place,
        &[
            "blob",
            "delete",
            "-f",
            &at,
            "--format",
            "go-template={{.deleted}}",
        ],
    );
    assert_eq!(t, "false");
}

/// manifest push and manifest delete: the pushed manifest with its tags, then what went.
fn manifests(dir: &Path, place: &Place) {
    // the repository of v1, which has the manifest's blobs
    let repo = place.repo("tagged");
    let src = repo.clone();
    // a manifest of its own (a layout is one repository: deleting it must leave v1)
    let (_, raw) = fetched(dir, place, &format!("{src}:v1"));
    let mut manifest: Value = serde_json::from_slice(&raw).unwrap();
    manifest["annotations"]["k"] = json!("pushed as a manifest");
    std::fs::write(dir.join("m.json"), serde_json::to_vec(&manifest).unwrap()).unwrap();
    let to = format!("{repo}:m2,m1");
    let m = model(
        dir,
        place,
        &["manifest", "push", &to, "m.json", "--format", "json"],
    );
    assert_manifest_model(
        dir,
        place,
        &m,
        (&repo, &format!("{repo}:m1")),
        &["m1", "m2"],
    );
    assert_eq!(m["digest"], sha256_file(&dir.join("m.json")).as_str());
    assert_eq!(m["annotations"]["k"], "pushed as a manifest");
    assert_eq!(m["artifactType"], "application/vnd.test.fmt");

    let digest = m["digest"].as_str().unwrap().to_string();
    let t = stdout(
        dir,
        place,
        &[
            "manifest",
            "delete",
            "-f",
            &format!("{repo}:m2"),
            "--format",
            "go-template={{.reference}} {{.deleted}}",
        ],
    );
    assert_eq!(t, format!("{repo}@{digest} true"));
    oras(dir, &place.args(&["resolve", &format!("{repo}@{digest}")])).fails();
    let m = model(
        dir,
        place,
        &[
            "manifest",
            "delete",
            "-f",
            &format!("{repo}:m2"),
            "--format",
            "json",
        ],
    );
    assert_eq!(
        m,
        json!({"reference": format!("{repo}:m2"), "deleted": false})
    );
}

/// manifest index create and update: the index pushed, with its tags.
fn indexes(dir: &Path, place: &Place) {
    let repo = place.repo("tagged");
    let to = format!("{repo}:i2,i1");
    let args = [
        "manifest",
        "index",
        "create",
        &to,
        "v1",
        "-a",
        "x=y",
        "--artifact-type",
        "application/vnd.test.index",
        "--format",
        "json",
    ];
    let m = model(dir, place, &args);
    assert_manifest_model(
        dir,
        place,
        &m,
        (&repo, &format!("{repo}:i1")),
        &["i1", "i2"],
    );
    assert_eq!(m["annotations"], json!({"x": "y"}));
    assert_eq!(m["artifactType"], "application/vnd.test.index");

    let i1 = format!("{repo}:i1");
    let t = stdout(
        dir,
        place,
        &[
            "manifest",
            "index",
            "update",
            &i1,
            "--artifact-type",
            "",
            "--tag",
            "i3",
            "--format",
            "go-template={{.digest}} {{.referenceAsTags}}",
        ],
    );
    let (digest, _) = fetched(dir, place, &format!("{repo}:i3"));
    assert_eq!(t, format!("{digest} [{repo}:i1 {repo}:i3]"));
    let m = model(
        dir,
        place,
        &[
            "manifest",
            "index",
            "update",
            &i1,
            "--artifact-type",
            "application/vnd.test.again",
            "--format",
            "json",
        ],
    );
    assert_manifest_model(dir, place, &m, (&repo, &i1), &["i1"]);
}

#[test]
fn models_on_a_registry_match_what_it_holds() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let place = Place {
        base: format!("{}/fmt", reg.localhost()),
        layout: false,
    };
    tag_resolve_copy(d.path(), &place);
    blobs(d.path(), &place);
    manifests(d.path(), &place);
    indexes(d.path(), &place);
}

#[test]
fn models_on_a_layout_match_what_it_holds() {
    let d = tempdir();
    let place = Place {
        base: "lay".into(),
        layout: true,
    };
    tag_resolve_copy(d.path(), &place);
    blobs(d.path(), &place);
    manifests(d.path(), &place);
    indexes(d.path(), &place);
}
