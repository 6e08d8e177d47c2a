//! Each command on OCI layouts: outputs, JSON models, errors and the resulting layout state.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

/// A layout with `base:v1` (one file) and two referrers (sbom with its own signature).
fn setup(dir: &Path) -> String {
    std::fs::write(dir.join("a.txt"), b"aaa\n").unwrap();
    std::fs::write(dir.join("sbom.json"), b"{\"sbom\":true}").unwrap();
    oras(dir, &["push", "--oci-layout", "lay:v1", "a.txt"]).ok();
    let digest = oras(dir, &["resolve", "--oci-layout", "lay:v1"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let sbom = oras(
        dir,
        &[
            "attach",
            "--oci-layout",
            "lay:v1",
            "--artifact-type",
            "sbom/example",
            "sbom.json",
            "--format",
            "json",
        ],
    )
    .ok();
    let sbom_digest = json(&sbom.stdout)["digest"].as_str().unwrap().to_string();
    oras(
        dir,
        &[
            "attach",
            "--oci-layout",
            &format!("lay@{sbom_digest}"),
            "--artifact-type",
            "test/signature",
            "-a",
            "signer=me",
        ],
    )
    .ok();
    digest
}

#[test]
fn discover_tree_table_json_and_template() {
    let d = tempdir();
    let digest = setup(d.path());
    let tree = oras(d.path(), &["discover", "--oci-layout", "lay:v1"])
        .ok()
        .stdout;
    let lines: Vec<&str> = tree.lines().collect();
    assert_eq!(lines[0], format!("lay@{digest}"));
    assert_eq!(lines[1], "└── sbom/example");
    assert!(lines[2].starts_with("    └── sha256:"), "{tree}");
    assert!(
        tree.contains("[annotations]") && tree.contains("org.opencontainers.image.created: \""),
        "{tree}"
    );
    assert!(
        tree.contains("└── test/signature") && tree.contains("signer: me"),
        "{tree}"
    );

    let j = json(
        &oras(
            d.path(),
            &["discover", "--oci-layout", "lay:v1", "--format", "json"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(j["digest"], digest.as_str());
    assert_eq!(j["referrers"][0]["artifactType"], "sbom/example");
    assert_eq!(
        j["referrers"][0]["referrers"][0]["artifactType"],
        "test/signature"
    );
    assert_eq!(
        j["referrers"][0]["referrers"][0]["referrers"],
        serde_json::json!([])
    );

    let j = json(
        &oras(
            d.path(),
            &[
                "discover",
                "--oci-layout",
                "lay:v1",
                "--format",
                "json",
                "--depth",
                "1",
            ],
        )
        .ok()
        .stdout,
    );
    assert_eq!(j["referrers"][0]["referrers"], serde_json::json!([]));
    let j = json(
        &oras(
            d.path(),
            &[
                "discover",
                "--oci-layout",
                "lay:v1",
                "--format",
                "json",
                "--artifact-type",
                "nothing/here",
            ],
        )
        .ok()
        .stdout,
    );
    assert_eq!(j["referrers"], serde_json::json!([]));

    let t = oras(
        d.path(),
        &[
            "discover",
            "--oci-layout",
            "lay:v1",
            "--format",
            "go-template={{(first .referrers).artifactType}}",
        ],
    )
    .ok();
    assert_eq!(t.stdout, "sbom/example");

    let table = oras(
        d.path(),
        &["discover", "--oci-layout", "lay:v1", "--format", "table"],
    )
    .ok();
    assert!(
        table.stdout.starts_with(&format!(
            "Discovered 1 artifact referencing lay:v1\nDigest: {digest}\n\nArtifact Type "
        )),
        "{}",
        table.stdout
    );
    assert!(table.stderr.contains("Format \"table\" is deprecated"));

    let e = oras(
        d.path(),
        &["discover", "--oci-layout", "lay:v1", "--depth", "0"],
    )
    .fails();
    assert_eq!(e.stderr, "Error: depth value should be at least 1\n");
    let e = oras(
        d.path(),
        &["discover", "--oci-layout", "lay:v1", "--format", "yaml"],
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: invalid format type: \"yaml\"\nsupported types: tree, table, json, go-template\n"
    );
}

#[test]
fn tag_resolve_and_repo_tags() {
    let d = tempdir();
    let digest = setup(d.path());
    let t = oras(d.path(), &["tag", "--oci-layout", "lay:v1", "v2", "latest"]).ok();
    assert_eq!(
        t.stdout,
        format!("Tagging [oci-layout] lay@{digest}\nTagged v2\nTagged latest\n")
    );
    assert_eq!(
        oras(d.path(), &["resolve", "--oci-layout", "lay:latest"])
            .ok()
            .stdout,
        format!("{digest}\n")
    );
    assert_eq!(
        oras(d.path(), &["resolve", "--oci-layout", "lay:v2", "-l"])
            .ok()
            .stdout,
        format!("lay@{digest}\n")
    );
    assert_eq!(
        oras(d.path(), &["repo", "tags", "--oci-layout", "lay"])
            .ok()
            .stdout,
        "latest\nv1\nv2\n"
    );
    assert_eq!(
        oras(
            d.path(),
            &["repo", "tags", "--oci-layout", "lay", "--last", "v1"]
        )
        .ok()
        .stdout,
        "v2\n"
    );
    let j = json(
        &oras(
            d.path(),
            &["repo", "tags", "--oci-layout", "lay", "--format", "json"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(j, serde_json::json!({"tags": ["latest", "v1", "v2"]}));
    // A digest-shaped tag is hidden by --exclude-digest-tags.
    let digest_tag = digest.replacen(':', "-", 1);
    oras(d.path(), &["tag", "--oci-layout", "lay:v1", &digest_tag]).ok();
    assert!(
        oras(d.path(), &["repo", "tags", "--oci-layout", "lay"])
            .ok()
            .stdout
            .contains(&digest_tag)
    );
    assert_eq!(
        oras(
            d.path(),
            &[
                "repo",
                "tags",
                "--oci-layout",
                "lay",
                "--exclude-digest-tags"
            ]
        )
        .ok()
        .stdout,
        "latest\nv1\nv2\n"
    );
    // Tags pointing at one digest.
    std::fs::write(d.path().join("b.txt"), b"b").unwrap();
    oras(d.path(), &["push", "--oci-layout", "lay:other", "b.txt"]).ok();
    let r = oras(
        d.path(),
        &[
            "repo",
            "tags",
            "--oci-layout",
            "lay:v1",
            "--exclude-digest-tags",
        ],
    )
    .ok();
    assert_eq!(r.stdout, "latest\nv1\nv2\n");
    assert!(
        r.stderr
            .contains("[Experimental] querying tags associated to")
    );
    // Moving a tag keeps the old manifest listed (untagged) in index.json.
    oras(d.path(), &["tag", "--oci-layout", "lay:other", "v2"]).ok();
    assert_ne!(
        oras(d.path(), &["resolve", "--oci-layout", "lay:v2"])
            .ok()
            .stdout,
        format!("{digest}\n")
    );
    let idx = index_json(&d.path().join("lay"));
    assert!(
        idx["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["digest"] == digest.as_str())
    );
    let e = oras(d.path(), &["tag", "list", "lay"]).fails();
    assert!(
        e.stderr
            .starts_with("Error: there is no \"list\" sub-command for \"oras tag\" command\n"),
        "{}",
        e.stderr
    );
}

#[test]
fn manifest_fetch_variants() {
    let d = tempdir();
    let digest = setup(d.path());
    let raw = oras(d.path(), &["manifest", "fetch", "--oci-layout", "lay:v1"])
        .ok()
        .raw_stdout;
    let blob = std::fs::read(
        d.path()
            .join("lay/blobs/sha256")
            .join(digest.trim_start_matches("sha256:")),
    )
    .unwrap();
    assert_eq!(
        raw, blob,
        "fetch prints the stored bytes exactly, no newline"
    );
    let pretty = oras(
        d.path(),
        &["manifest", "fetch", "--oci-layout", "lay:v1", "--pretty"],
    )
    .ok()
    .stdout;
    assert!(
        pretty.starts_with("{\n  \"schemaVersion\": 2,\n  \"mediaType\": ")
            && pretty.ends_with("}\n"),
        "{pretty}"
    );
    let desc = oras(
        d.path(),
        &[
            "manifest",
            "fetch",
            "--oci-layout",
            &format!("lay@{digest}"),
            "--descriptor",
        ],
    )
    .ok()
    .stdout;
    assert_eq!(
        desc,
        format!(
            "{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{digest}\",\"size\":{}}}",
            blob.len()
        )
    );
    let j = json(
        &oras(
            d.path(),
            &[
                "manifest",
                "fetch",
                "--oci-layout",
                "lay:v1",
                "--format",
                "json",
            ],
        )
        .ok()
        .stdout,
    );
    assert_eq!(j["reference"], format!("lay@{digest}"));
    let keys: Vec<&String> = j["content"].as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "content keys are re-sorted");
    oras(
        d.path(),
        &[
            "manifest",
            "fetch",
            "--oci-layout",
            "lay:v1",
            "-o",
            "m.json",
        ],
    )
    .ok();
    assert_eq!(std::fs::read(d.path().join("m.json")).unwrap(), blob);
    let cfg = oras(
        d.path(),
        &["manifest", "fetch-config", "--oci-layout", "lay:v1"],
    )
    .ok();
    assert_eq!(cfg.stdout, "{}");
    let e = oras(
        d.path(),
        &[
            "manifest",
            "fetch",
            "--oci-layout",
            "lay:v1",
            "--format",
            "json",
            "--pretty",
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: --format, --pretty cannot be used at the same time\n"
    );
    let e = oras(d.path(), &["manifest", "fetch", "--oci-layout", "lay:nope"]).fails();
    assert!(
        e.stderr.starts_with("Error: failed to find \"lay:nope\""),
        "{}",
        e.stderr
    );
}

#[test]
fn manifest_push_and_delete() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"x").unwrap();
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "a.txt",
            "--export-manifest",
            "m.json",
        ],
    )
    .ok();
    let manifest = std::fs::read(d.path().join("m.json")).unwrap();
    let digest = sha256_file(&d.path().join("m.json"));
    let p = oras(
        d.path(),
        &["manifest", "push", "--oci-layout", "lay:copy,c2", "m.json"],
    )
    .ok();
    assert!(p.stdout.starts_with("Exists    "), "{}", p.stdout);
    assert!(
        p.stdout
            .contains("Pushed: [oci-layout] lay:copy\nTagged c2\n"),
        "{}",
        p.stdout
    );
    assert!(p.stdout.ends_with(&format!("Digest: {digest}\n")));
    // stdin, a new manifest (annotation changes the digest)
    let mut v: Value = serde_json::from_slice(&manifest).unwrap();
    v["annotations"]["extra"] = "1".into();
    let new = serde_json::to_vec(&v).unwrap();
    let p = oras_stdin(
        d.path(),
        &[
            "manifest",
            "push",
            "--oci-layout",
            "lay:new",
            "-",
            "--descriptor",
        ],
        &new,
    )
    .ok();
    let desc = json(&p.stdout);
    assert_eq!(desc["size"], new.len());
    let e = oras_stdin(
        d.path(),
        &["manifest", "push", "--oci-layout", "lay:bad", "-"],
        b"{\"schemaVersion\":2}",
    )
    .fails();
    assert!(
        e.stderr
            .contains("media type is not specified via the flag \"--media-type\" nor in \"-\""),
        "{}",
        e.stderr
    );

    // delete: declined prompt, missing, forced
    let r = oras_stdin(
        d.path(),
        &["manifest", "delete", "--oci-layout", "lay:new"],
        b"n\n",
    )
    .ok();
    assert!(
        r.stdout.ends_with("[y/N] Operation cancelled.\n"),
        "{}",
        r.stdout
    );
    let r = oras_stdin(
        d.path(),
        &["manifest", "delete", "--oci-layout", "lay:new"],
        b"yes\n",
    )
    .ok();
    assert!(
        r.stdout.ends_with("Deleted [oci-layout] lay:new\n"),
        "{}",
        r.stdout
    );
    let r = oras(
        d.path(),
        &["manifest", "delete", "--oci-layout", "lay:new", "--force"],
    )
    .ok();
    assert_eq!(r.stdout, "Missing lay:new\n");
    let e = oras(d.path(), &["manifest", "delete", "--oci-layout", "lay:new"]).fails();
    assert_eq!(
        e.stderr,
        "Error: lay:new: the specified manifest does not exist\n"
    );
    let new_digest = desc["digest"].as_str().unwrap();
    assert!(
        !d.path()
            .join("lay/blobs/sha256")
            .join(new_digest.trim_start_matches("sha256:"))
            .exists()
    );
}

#[test]
fn deleting_a_manifest_collects_its_blobs_and_referrers() {
    let d = tempdir();
    setup(d.path());
    let before = std::fs::read_dir(d.path().join("lay/blobs/sha256"))
        .unwrap()
        .count();
    assert!(before >= 5);
    oras(
        d.path(),
        &["manifest", "delete", "--oci-layout", "lay:v1", "-f"],
    )
    .ok();
    let left: Vec<_> = std::fs::read_dir(d.path().join("lay/blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "blobs left after deleting the only artifact: {left:?}"
    );
    assert_eq!(
        index_json(&d.path().join("lay"))["manifests"],
        serde_json::json!([])
    );
}

#[test]
fn blob_push_fetch_delete() {
    let d = tempdir();
    std::fs::write(d.path().join("blob.bin"), b"blob-content").unwrap();
    let digest = sha256_file(&d.path().join("blob.bin"));
    let r = oras(
        d.path(),
        &["blob", "push", "--oci-layout", "lay", "blob.bin"],
    )
    .ok();
    let short = &digest["sha256:".len().."sha256:".len() + 12];
    assert_eq!(
        r.stdout,
        format!(
            "Uploading {short} application/vnd.oci.image.layer.v1.tar\nUploaded  {short} application/vnd.oci.image.layer.v1.tar\nPushed: [oci-layout] lay\nDigest: {digest}\n"
        )
    );
    let r = oras(
        d.path(),
        &[
            "blob",
            "push",
            "--oci-layout",
            "lay",
            "blob.bin",
            "--descriptor",
            "--media-type",
            "test.media",
        ],
    )
    .ok();
    assert_eq!(
        r.stdout,
        format!("{{\"mediaType\":\"test.media\",\"digest\":\"{digest}\",\"size\":12}}")
    );
    let r = oras_stdin(
        d.path(),
        &[
            "blob",
            "push",
            "--oci-layout",
            &format!("lay2@{digest}"),
            "-",
            "--size",
            "12",
        ],
        b"blob-content",
    )
    .ok();
    assert!(r.stdout.contains("Uploaded "), "{}", r.stdout);
    let e = oras_stdin(
        d.path(),
        &["blob", "push", "--oci-layout", "lay3", "-"],
        b"x",
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: `--size` must be provided if the blob is read from stdin\n"
    );
    let e = oras(
        d.path(),
        &[
            "blob",
            "push",
            "--oci-layout",
            "lay",
            "blob.bin",
            "--size",
            "3",
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: input size 3 does not match the actual content size 12\n"
    );

    let r = oras(
        d.path(),
        &[
            "blob",
            "fetch",
            "--oci-layout",
            &format!("lay@{digest}"),
            "-o",
            "-",
        ],
    )
    .ok();
    assert_eq!(r.raw_stdout, b"blob-content");
    let r = oras(
        d.path(),
        &[
            "blob",
            "fetch",
            "--oci-layout",
            &format!("lay@{digest}"),
            "--descriptor",
        ],
    )
    .ok();
    assert_eq!(
        r.stdout,
        format!(
            "{{\"mediaType\":\"application/octet-stream\",\"digest\":\"{digest}\",\"size\":12}}"
        )
    );
    let e = oras(
        d.path(),
        &["blob", "fetch", "--oci-layout", "lay:tag", "-o", "x"],
    )
    .fails();
    assert!(
        e.stderr
            .starts_with("Error: \"lay:tag\": no digest specified\n"),
        "{}",
        e.stderr
    );
    let e = oras(
        d.path(),
        &["blob", "fetch", "--oci-layout", &format!("lay@{digest}")],
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: either `--output` or `--descriptor` must be provided\n"
    );

    let r = oras(
        d.path(),
        &[
            "blob",
            "delete",
            "--oci-layout",
            &format!("lay@{digest}"),
            "-f",
        ],
    )
    .ok();
    assert_eq!(r.stdout, format!("Deleted [oci-layout] lay@{digest}\n"));
    let r = oras(
        d.path(),
        &[
            "blob",
            "delete",
            "--oci-layout",
            &format!("lay@{digest}"),
            "-f",
        ],
    )
    .ok();
    assert_eq!(r.stdout, format!("Missing lay@{digest}\n"));
    let e = oras(
        d.path(),
        &[
            "blob",
            "delete",
            "--oci-layout",
            &format!("lay@{digest}"),
            "--descriptor",
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: must apply --force to confirm the deletion if the descriptor is outputted\n"
    );
}

#[test]
fn index_create_update_and_platform_selection() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"amd").unwrap();
    std::fs::write(d.path().join("b.txt"), b"arm").unwrap();
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:amd",
            "--artifact-platform",
            "linux/amd64",
            "a.txt",
        ],
    )
    .ok();
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:arm",
            "--artifact-platform",
            "linux/arm64/v8",
            "b.txt",
        ],
    )
    .ok();
    let amd = oras(d.path(), &["resolve", "--oci-layout", "lay:amd"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let arm = oras(d.path(), &["resolve", "--oci-layout", "lay:arm"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let out = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "create",
            "--oci-layout",
            "lay:multi",
            "amd",
            "-a",
            "k=v",
            "--artifact-type",
            "application/vnd.multi",
        ],
    )
    .ok();
    assert!(
        out.stdout.contains("Pushed    [oci-layout] lay:multi\n"),
        "{}",
        out.stdout
    );
    let idx = json(
        &oras(
            d.path(),
            &["manifest", "fetch", "--oci-layout", "lay:multi"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(
        idx["manifests"][0]["platform"],
        serde_json::json!({"architecture": "amd64", "os": "linux"})
    );
    assert_eq!(idx["annotations"]["k"], "v");
    let up = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            "lay:multi",
            "--add",
            "arm",
        ],
    )
    .ok();
    assert!(
        up.stdout.contains(&format!("Added     {arm} arm\n")),
        "{}",
        up.stdout
    );
    let idx = json(
        &oras(
            d.path(),
            &["manifest", "fetch", "--oci-layout", "lay:multi"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(idx["manifests"].as_array().unwrap().len(), 2);
    assert_eq!(idx["artifactType"], "application/vnd.multi");
    assert_eq!(idx["manifests"][1]["platform"]["variant"], "v8");

    // --platform picks the manifest out of the index for resolve, pull and cp.
    assert_eq!(
        oras(
            d.path(),
            &[
                "resolve",
                "--oci-layout",
                "lay:multi",
                "--platform",
                "linux/arm64"
            ]
        )
        .ok()
        .stdout
        .trim(),
        arm
    );
    let e = oras(
        d.path(),
        &[
            "resolve",
            "--oci-layout",
            "lay:multi",
            "--platform",
            "windows/amd64",
        ],
    )
    .fails();
    assert!(
        e.stderr
            .contains("no matching manifest was found in the manifest list"),
        "{}",
        e.stderr
    );
    oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            "lay:multi",
            "--platform",
            "linux/amd64",
            "-o",
            "out",
        ],
    )
    .ok();
    assert_eq!(std::fs::read(d.path().join("out/a.txt")).unwrap(), b"amd");
    assert!(!d.path().join("out/b.txt").exists());
    let cp = oras(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "lay:multi",
            "--to-oci-layout",
            "dst:arm",
            "--platform",
            "linux/arm64",
        ],
    )
    .ok();
    assert!(
        cp.stdout
            .contains("Copied [oci-layout] lay:multi => [oci-layout] dst:arm\n"),
        "{}",
        cp.stdout
    );
    assert_eq!(
        oras(d.path(), &["resolve", "--oci-layout", "dst:arm"])
            .ok()
            .stdout
            .trim(),
        arm
    );
    // The whole index without --platform: child manifests are unnamed, so oras prints its hint.
    let p = oras(
        d.path(),
        &["pull", "--oci-layout", "lay:multi", "-o", "all"],
    )
    .ok();
    assert!(
        p.stdout.contains(
            "Skipped pulling layers without file name in \"org.opencontainers.image.title\"\n"
        ),
        "{}",
        p.stdout
    );
    assert_eq!(std::fs::read(d.path().join("all/b.txt")).unwrap(), b"arm");
    // remove and an error for a digest that is not there
    oras(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            "lay:multi",
            "--remove",
            &amd,
        ],
    )
    .ok();
    let e = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            "lay:multi",
            "--remove",
            &amd,
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        format!("Error: {amd} does not exist in the index multi\n")
    );
    let idx = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "create",
            "--oci-layout",
            "lay",
            "arm",
            "--output",
            "-",
        ],
    )
    .ok();
    assert_eq!(json(&idx.stdout)["manifests"][0]["digest"], arm.as_str());
}

#[test]
fn pull_details_duplicates_config_and_subject() {
    let d = tempdir();
    std::fs::write(d.path().join("one.txt"), b"same").unwrap();
    std::fs::write(d.path().join("two.txt"), b"same").unwrap();
    std::fs::write(d.path().join("cfg.json"), b"{\"c\":1}").unwrap();
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:dup",
            "one.txt",
            "two.txt",
            "--config",
            "cfg.json:application/vnd.cfg",
        ],
    )
    .ok();
    let p = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            "lay:dup",
            "-o",
            "out",
            "--config",
            "saved-cfg.json",
        ],
    )
    .ok();
    assert!(p.stdout.contains("Restored   "), "{}", p.stdout);
    assert_eq!(
        std::fs::read(d.path().join("out/one.txt")).unwrap(),
        b"same"
    );
    assert_eq!(
        std::fs::read(d.path().join("out/two.txt")).unwrap(),
        b"same"
    );
    assert_eq!(
        std::fs::read(d.path().join("out/saved-cfg.json")).unwrap(),
        b"{\"c\":1}"
    );
    // -k refuses to overwrite
    let e = oras(
        d.path(),
        &["pull", "--oci-layout", "lay:dup", "-o", "out", "-k"],
    )
    .fails();
    assert!(e.stderr.contains("overwrite disallowed"), "{}", e.stderr);
    // --include-subject pulls the subject's files too
    std::fs::write(d.path().join("sig.txt"), b"sig").unwrap();
    let a = oras(
        d.path(),
        &[
            "attach",
            "--oci-layout",
            "lay:dup",
            "--artifact-type",
            "t/sig",
            "sig.txt",
            "--format",
            "json",
        ],
    )
    .ok();
    let sig = json(&a.stdout)["digest"].as_str().unwrap().to_string();
    oras(
        d.path(),
        &["pull", "--oci-layout", &format!("lay@{sig}"), "-o", "only"],
    )
    .ok();
    assert!(d.path().join("only/sig.txt").exists() && !d.path().join("only/one.txt").exists());
    oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            &format!("lay@{sig}"),
            "-o",
            "both",
            "--include-subject",
        ],
    )
    .ok();
    assert!(d.path().join("both/sig.txt").exists() && d.path().join("both/one.txt").exists());
}

#[test]
fn push_flag_rules() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    std::fs::write(d.path().join("c.json"), b"{}").unwrap();
    let e = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "--config",
            "c.json",
            "--image-spec",
            "v1.1",
            "a.txt",
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: missing artifact type for OCI image-spec v1.1 artifacts\nset an artifact type via `--artifact-type` or consider image spec v1.0\n"
    );
    let e = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "--config",
            "c.json",
            "--artifact-platform",
            "linux/amd64",
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: --config, --artifact-platform cannot be used at the same time\n"
    );
    let e = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "-a",
            "k=1",
            "--annotation-file",
            "c.json",
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: `--annotation` and `--annotation-file` cannot be both specified\n"
    );
    let abs = d.path().join("a.txt").display().to_string();
    let e = oras(d.path(), &["push", "--oci-layout", "lay:v1", &abs]).fails();
    assert!(
        e.stderr.starts_with("Error: absolute file path detected."),
        "{}",
        e.stderr
    );
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            &abs,
            "--disable-path-validation",
        ],
    )
    .ok();
    let e = oras(
        d.path(),
        &["push", "--oci-layout", "lay:v1", "a.txt", "a.txt"],
    )
    .fails();
    assert!(e.stderr.contains("duplicate name"), "{}", e.stderr);
    let e = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "-a",
            "org.opencontainers.image.created=yesterday",
            "a.txt",
        ],
    )
    .fails();
    assert!(e.stderr.contains("RFC 3339"), "{}", e.stderr);
    let e = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "--artifact-type",
            "not a type",
            "a.txt",
        ],
    )
    .fails();
    assert!(e.stderr.contains("invalid media type"), "{}", e.stderr);
    let t = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v9",
            "a.txt",
            "--format",
            "go-template={{.artifactType}} {{len .referenceAsTags}}",
        ],
    )
    .ok();
    assert_eq!(t.stdout, "application/vnd.unknown.artifact.v1 1");
}

#[test]
fn version_and_completion() {
    let d = tempdir();
    let v = oras(d.path(), &["version"]).ok();
    assert!(
        v.stdout.starts_with("Version:      1.3.3+rust."),
        "{}",
        v.stdout
    );
    assert!(v.stdout.contains("\nOS/Arch:      linux/"), "{}", v.stdout);
    let v = oras(d.path(), &["version", "foo"]).ok();
    assert!(
        v.stderr
            .contains("warning: `oras version` requires no argument, \"foo\" will be ignored")
    );
    let c = oras(d.path(), &["completion", "bash"]).ok();
    assert!(c.stdout.contains("_oras()"), "bash completion script");
    let e = oras(d.path(), &["frobnicate"]).fails();
    assert_eq!(
        e.stderr,
        "Error: unknown command \"frobnicate\" for \"oras\"\nRun 'oras --help' for usage.\n"
    );
}

#[test]
fn oci_layout_path_takes_the_reference_verbatim() {
    let d = tempdir();
    std::fs::write(d.path().join("f.txt"), b"f").unwrap();
    // a tag with ':' and '/' is fine when the layout path is given separately
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout-path",
            "lay",
            "example.com/app:v1",
            "f.txt",
        ],
    )
    .ok();
    let tags = oras(d.path(), &["repo", "tags", "--oci-layout", "lay"]).ok();
    assert_eq!(tags.stdout, "example.com/app:v1\n");
    let scoped = oras(
        d.path(),
        &[
            "repo",
            "tags",
            "--oci-layout-path",
            "lay",
            "example.com/app",
        ],
    )
    .ok();
    assert_eq!(scoped.stdout, "v1\n");
    let t = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout-path",
            "lay",
            "example.com/app:v1",
            "-o",
            "out",
            "--format",
            "go-template={{range .files}}{{println .path}}{{end}}",
        ],
    )
    .ok();
    assert!(t.stdout.trim_end().ends_with("/out/f.txt"), "{}", t.stdout);
    let e = oras(
        d.path(),
        &["pull", "--oci-layout", "--oci-layout-path", "lay", "x"],
    )
    .fails();
    assert!(
        e.stderr.contains("[oci-layout oci-layout-path]"),
        "{}",
        e.stderr
    );
    let e = oras(d.path(), &["pull", "--oci-layout", "lay:v1", "-H", "A: b"]).fails();
    assert_eq!(
        e.stderr,
        "Error: custom header flags cannot be used on an OCI image layout target\n"
    );
}
