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
    // as oras: the content is fetched (not only resolved), and a layout says just `not found`
    let e = oras(d.path(), &["manifest", "fetch", "--oci-layout", "lay:nope"]).fails();
    assert_eq!(
        e.stderr,
        "Error: failed to fetch the content of \"lay:nope\": not found\n"
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
    // -k refuses to overwrite a file of other content (one holding the layer's content is
    // kept: tests/pull_resume.rs)
    std::fs::write(d.path().join("out/one.txt"), b"changed").unwrap();
    let e = oras(
        d.path(),
        &["pull", "--oci-layout", "lay:dup", "-o", "out", "-k"],
    )
    .fails();
    assert!(e.stderr.contains("overwrite disallowed"), "{}", e.stderr);
    assert_eq!(
        std::fs::read(d.path().join("out/one.txt")).unwrap(),
        b"changed"
    );
    std::fs::write(d.path().join("out/one.txt"), b"same").unwrap();
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
    // the toolchain it was built with, as oras prints its Go version
    let lines: Vec<&str> = v.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", v.stdout);
    let rustc = lines[1]
        .strip_prefix("Rust version: rustc ")
        .unwrap_or_else(|| panic!("{}", v.stdout));
    let semver: Vec<&str> = rustc.split([' ', '-']).next().unwrap().split('.').collect();
    assert!(
        semver.len() == 3 && semver.iter().all(|n| n.parse::<u32>().is_ok()),
        "{}",
        v.stdout
    );
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
    // a full reference is a tag of the layout: the tags of its manifest, as they are
    oras(
        d.path(),
        &[
            "tag",
            "--oci-layout-path",
            "lay",
            "example.com/app:v1",
            "example.com/app:v2",
            "plain",
        ],
    )
    .ok();
    let same = oras(
        d.path(),
        &[
            "repo",
            "tags",
            "--oci-layout-path",
            "lay",
            "example.com/app:v1",
        ],
    )
    .ok();
    assert_eq!(
        same.stdout,
        "example.com/app:v1\nexample.com/app:v2\nplain\n"
    );
    assert!(
        same.stderr
            .contains("[Experimental] querying tags associated to sha256:")
    );
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
    assert_eq!(
        e.stderr,
        "Error: --oci-layout-path, --oci-layout cannot be used at the same time\n"
    );
    let e = oras(d.path(), &["pull", "--oci-layout", "lay:v1", "-H", "A: b"]).fails();
    assert_eq!(
        e.stderr,
        "Error: custom header flags cannot be used on an OCI image layout target\n"
    );
}

/// Every line `manifest index create` and `update` print, in order, for tags, digests, extra
/// tags, `--output` and each kind of change; and their errors.
#[test]
fn index_commands_print_every_step() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"amd").unwrap();
    std::fs::write(d.path().join("b.txt"), b"arm").unwrap();
    for (tag, platform, file) in [
        ("amd", "linux/amd64", "a.txt"),
        ("arm", "linux/arm64", "b.txt"),
    ] {
        oras(
            d.path(),
            &[
                "push",
                "--oci-layout",
                &format!("lay:{tag}"),
                "--artifact-platform",
                platform,
                file,
            ],
        )
        .ok();
    }
    let resolve = |r: &str| {
        oras(d.path(), &["resolve", "--oci-layout", r])
            .ok()
            .stdout
            .trim()
            .to_string()
    };
    let (amd, arm) = (resolve("lay:amd"), resolve("lay:arm"));
    let short = |digest: &str| digest["sha256:".len().."sha256:".len() + 12].to_string();
    let index_mt = "application/vnd.oci.image.index.v1+json";

    let c = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "create",
            "--oci-layout",
            "lay:multi,m2",
            "amd",
            &arm,
        ],
    )
    .ok();
    let multi = resolve("lay:multi");
    assert_eq!(
        c.stdout,
        format!(
            "Fetching  amd\nFetched   {amd} amd\nFetching  {arm}\nFetched   {arm}\nPacked    {} {index_mt}\nPushed    [oci-layout] lay:multi\nTagged m2\nDigest: {multi}\n",
            short(&multi)
        )
    );
    assert_eq!(resolve("lay:m2"), multi);
    // untagged: pushed by digest
    let c = oras(
        d.path(),
        &["manifest", "index", "create", "--oci-layout", "lay", "arm"],
    )
    .ok();
    let digest = c
        .stdout
        .lines()
        .last()
        .unwrap()
        .trim_start_matches("Digest: ");
    assert!(
        c.stdout
            .contains(&format!("Pushed    [oci-layout] lay@{digest}\n")),
        "{}",
        c.stdout
    );
    // --output file: no push
    let c = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "create",
            "--oci-layout",
            "lay:file",
            "amd",
            "-o",
            "idx.json",
        ],
    )
    .ok();
    let written = sha256_file(&d.path().join("idx.json"));
    assert_eq!(
        c.stdout,
        format!(
            "Fetching  amd\nFetched   {amd} amd\nPacked    {} {index_mt}\nDigest: {written}\n",
            short(&written)
        )
    );
    let e = oras(d.path(), &["resolve", "--oci-layout", "lay:file"]).fails();
    assert!(e.stderr.contains("not found"), "{}", e.stderr);
    let e = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "create",
            "--oci-layout",
            "lay:x",
            "nope",
        ],
    )
    .fails();
    assert!(
        e.stderr
            .starts_with("Error: could not find the manifest nope: "),
        "{}",
        e.stderr
    );

    // a second index to merge: arm only
    oras(
        d.path(),
        &[
            "manifest",
            "index",
            "create",
            "--oci-layout",
            "lay:other",
            "arm",
        ],
    )
    .ok();
    let other = resolve("lay:other");
    let u = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            "lay:multi",
            "--remove",
            &arm,
            "--add",
            "arm",
            "--merge",
            "other",
            "--tag",
            "u1",
            "--artifact-type",
            "application/vnd.updated",
        ],
    )
    .ok();
    let updated = resolve("lay:multi");
    assert_eq!(
        u.stdout,
        format!(
            "Fetching  multi\nFetched   {multi} multi\nRemoved   {arm}\nFetching  arm\nFetched   {arm} arm\nAdded     {arm} arm\nFetching  other\nFetched   {other} other\nMerged    {other} other\nUpdated   {updated}\nPushed    [oci-layout] lay:multi\nTagged u1\nDigest: {updated}\n"
        )
    );
    assert_eq!(resolve("lay:u1"), updated);
    let idx = json(
        &oras(
            d.path(),
            &["manifest", "fetch", "--oci-layout", "lay:multi"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(idx["artifactType"], "application/vnd.updated");
    let digests: Vec<&str> = idx["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    assert_eq!(
        digests,
        [amd.as_str(), arm.as_str()],
        "merge adds no duplicate"
    );
    // by digest: the pushed line shows the path only
    let u = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            &format!("lay@{updated}"),
            "--artifact-type",
            "",
        ],
    )
    .ok();
    let last = u
        .stdout
        .lines()
        .last()
        .unwrap()
        .trim_start_matches("Digest: ");
    assert_eq!(
        u.stdout,
        format!(
            "Fetching  {updated}\nFetched   {updated} {updated}\nUpdated   {last}\nPushed    [oci-layout] lay\nDigest: {last}\n"
        )
    );
    let u = oras(
        d.path(),
        &["manifest", "index", "update", "--oci-layout", "lay:multi"],
    )
    .ok();
    assert_eq!(u.stdout, "Nothing to update as no change is requested\n");
    // `-o -`: the index and nothing else on stdout (the bytes `-o <file>` writes); no push
    let update_to = |out: &str| {
        oras(
            d.path(),
            &[
                "manifest",
                "index",
                "update",
                "--oci-layout",
                "lay:multi",
                "--remove",
                &arm,
                "-o",
                out,
            ],
        )
        .ok()
    };
    let to_file = update_to("updated.json");
    let written = std::fs::read(d.path().join("updated.json")).unwrap();
    let written_digest = sha256_file(&d.path().join("updated.json"));
    assert_eq!(
        to_file.stdout.lines().last(),
        Some(format!("Digest: {written_digest}").as_str())
    );
    let to_stdout = update_to("-");
    assert_eq!(to_stdout.raw_stdout, written);
    assert_eq!(to_stdout.stderr, "");
    assert_eq!(resolve("lay:multi"), updated, "nothing pushed");
    // an artifact type that is no media type is refused before anything is read
    let e = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            "lay:multi",
            "--artifact-type",
            "invalid",
        ],
    )
    .fails();
    assert_eq!(e.stdout, "");
    assert_eq!(e.stderr, "Error: invalid: invalid media type\n");
    let e = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            "lay:multi",
            "--remove",
            "arm",
        ],
    )
    .fails();
    assert_eq!(e.stderr, "Error: remove: arm is not a digest\n");
    let e = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            "lay:amd",
            "--add",
            "arm",
        ],
    )
    .fails();
    assert_eq!(e.stdout, "Fetching  amd\n");
    assert_eq!(e.stderr, "Error: amd is not an index\n");
    let e = oras(
        d.path(),
        &[
            "manifest",
            "index",
            "update",
            "--oci-layout",
            "lay:multi",
            "--merge",
            "amd",
        ],
    )
    .fails();
    assert_eq!(e.stderr, "Error: amd is not an index\n");
    let e = oras(
        d.path(),
        &["manifest", "fetch-config", "--oci-layout", "lay:multi"],
    )
    .fails();
    assert_eq!(
        e.stderr,
        format!("Error: \"{updated}\" is not an image manifest and does not have a config\n")
    );
}

/// `manifest push` of new content (verbose status lines), by digest, with `--descriptor` (the
/// extra tags are still set) and the checks on the bytes.
#[test]
fn manifest_push_prints_every_step() {
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
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(d.path().join("m.json")).unwrap()).unwrap();
    v["annotations"]["extra"] = "2".into();
    std::fs::write(d.path().join("new.json"), serde_json::to_vec(&v).unwrap()).unwrap();
    let digest = sha256_file(&d.path().join("new.json"));
    let short = &digest["sha256:".len().."sha256:".len() + 12];
    let mt = "application/vnd.oci.image.manifest.v1+json";
    let p = oras(
        d.path(),
        &["manifest", "push", "--oci-layout", "lay:n1,n2", "new.json"],
    )
    .ok();
    assert_eq!(
        p.stdout,
        format!(
            "Uploading {short} {mt}\nUploaded  {short} {mt}\nPushed: [oci-layout] lay:n1\nTagged n2\nDigest: {digest}\n"
        )
    );
    let p = oras(
        d.path(),
        &[
            "manifest",
            "push",
            "--oci-layout",
            &format!("lay@{digest},n3"),
            "new.json",
        ],
    )
    .ok();
    assert_eq!(
        p.stdout,
        format!(
            "Exists    {short} {mt}\nPushed: [oci-layout] lay@{digest}\nTagged n3\nDigest: {digest}\n"
        )
    );
    let p = oras(
        d.path(),
        &[
            "manifest",
            "push",
            "--oci-layout",
            "lay:n4,n5",
            "new.json",
            "--descriptor",
        ],
    )
    .ok();
    let size = std::fs::metadata(d.path().join("new.json")).unwrap().len();
    assert_eq!(
        p.stdout,
        format!("{{\"mediaType\":\"{mt}\",\"digest\":\"{digest}\",\"size\":{size}}}")
    );
    for t in ["n3", "n4", "n5"] {
        let r = oras(d.path(), &["resolve", "--oci-layout", &format!("lay:{t}")]).ok();
        assert_eq!(r.stdout.trim(), digest);
    }
    let e = oras(
        d.path(),
        &[
            "manifest",
            "push",
            "--oci-layout",
            "lay@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "new.json",
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        format!(
            "Error: mismatched digest: expected sha256:0000000000000000000000000000000000000000000000000000000000000000 but got {digest}\n"
        )
    );
    std::fs::write(d.path().join("bad.json"), b"not json").unwrap();
    let e = oras(
        d.path(),
        &["manifest", "push", "--oci-layout", "lay:b", "bad.json"],
    )
    .fails();
    assert_eq!(e.stderr, "Error: not a valid json file\n");
    let e = oras(
        d.path(),
        &["manifest", "push", "--oci-layout", "lay:b", "-"],
    );
    let e = e.fails();
    assert_eq!(e.stderr, "Error: not a valid json file\n");
    std::fs::write(d.path().join("typeless.json"), b"{\"schemaVersion\":2}").unwrap();
    let e = oras(
        d.path(),
        &["manifest", "push", "--oci-layout", "lay:b", "typeless.json"],
    )
    .fails();
    assert_eq!(
        e.stderr,
        "Error: media type is not specified via the flag \"--media-type\" nor in \"typeless.json\"\nUsage: oras manifest push [flags] <name>[:<tag>[,<tag>][...]|@<digest>] <file>\nPlease specify a valid media type in the manifest JSON or via the \"--media-type\" flag\n"
    );
    let big = vec![b' '; (4 << 20) + 1];
    std::fs::write(d.path().join("big.json"), &big).unwrap();
    let e = oras(
        d.path(),
        &["manifest", "push", "--oci-layout", "lay:b", "big.json"],
    )
    .fails();
    assert_eq!(
        e.stderr,
        format!(
            "Error: manifest size {} exceeds the limit of {} bytes\n",
            big.len(),
            4 << 20
        )
    );
    // a typeless manifest with --media-type goes in under that type
    let p = oras(
        d.path(),
        &[
            "manifest",
            "push",
            "--oci-layout",
            "lay:typed",
            "typeless.json",
            "--media-type",
            mt,
            "--descriptor",
        ],
    )
    .ok();
    assert_eq!(json(&p.stdout)["mediaType"], mt);
}

/// The delete prompts of `blob delete` and `manifest delete` name the digest; declining keeps
/// the content.
#[test]
fn delete_prompts_name_the_digest() {
    let d = tempdir();
    std::fs::write(d.path().join("blob.bin"), b"blob-content").unwrap();
    let digest = sha256_file(&d.path().join("blob.bin"));
    oras(
        d.path(),
        &["blob", "push", "--oci-layout", "lay", "blob.bin"],
    )
    .ok();
    let r = oras_stdin(
        d.path(),
        &["blob", "delete", "--oci-layout", &format!("lay@{digest}")],
        b"n\n",
    )
    .ok();
    assert_eq!(
        r.stdout,
        format!(
            "Are you sure you want to delete the blob \"{digest}\"? [y/N] Operation cancelled.\n"
        )
    );
    let r = oras_stdin(
        d.path(),
        &["blob", "delete", "--oci-layout", &format!("lay@{digest}")],
        b"y\n",
    )
    .ok();
    assert_eq!(
        r.stdout,
        format!(
            "Are you sure you want to delete the blob \"{digest}\"? [y/N] Deleted [oci-layout] lay@{digest}\n"
        )
    );
    let e = oras(
        d.path(),
        &["blob", "delete", "--oci-layout", &format!("lay@{digest}")],
    )
    .fails();
    assert_eq!(
        e.stderr,
        format!("Error: lay@{digest}: the specified blob does not exist\n")
    );
    oras(d.path(), &["push", "--oci-layout", "lay:v1", "blob.bin"]).ok();
    let m = oras(d.path(), &["resolve", "--oci-layout", "lay:v1"]).ok();
    let m = m.stdout.trim();
    let r = oras_stdin(
        d.path(),
        &["manifest", "delete", "--oci-layout", "lay:v1"],
        b"\n",
    )
    .ok();
    assert_eq!(
        r.stdout,
        format!(
            "Are you sure you want to delete the manifest \"{m}\" and all tags associated with it? [y/N] Operation cancelled.\n"
        )
    );
    let r = oras(
        d.path(),
        &[
            "manifest",
            "delete",
            "--oci-layout",
            "lay:v1",
            "--force",
            "--descriptor",
        ],
    )
    .ok();
    let desc = json(&r.stdout);
    assert_eq!(desc["digest"], m);
    assert_eq!(
        desc["annotations"]["org.opencontainers.image.ref.name"],
        "v1"
    );
    // a blob digest is not a manifest to delete
    let layer = sha256_file(&d.path().join("blob.bin"));
    oras(
        d.path(),
        &["blob", "push", "--oci-layout", "lay", "blob.bin"],
    )
    .ok();
    let e = oras(
        d.path(),
        &[
            "manifest",
            "delete",
            "--oci-layout",
            &format!("lay@{layer}"),
            "-f",
            "--descriptor",
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        format!("Error: lay@{layer}: the specified manifest does not exist\n")
    );
}
