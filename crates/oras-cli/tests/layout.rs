//! Push and pull through OCI image layouts: directories, safety, archives, bad input, crashes.

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;

use common::*;

fn write(dir: &Path, name: &str, data: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

/// Lists a tree as (relative path, kind, mode, content or link target), sorted.
fn snapshot(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in walk(root) {
        let rel = e.strip_prefix(root).unwrap().display().to_string();
        let m = std::fs::symlink_metadata(&e).unwrap();
        let desc = if m.file_type().is_symlink() {
            format!("link -> {}", std::fs::read_link(&e).unwrap().display())
        } else if m.is_dir() {
            "dir".to_string()
        } else {
            format!(
                "file {:o} {}",
                m.permissions().mode() & 0o777,
                sha256_file(&e)
            )
        };
        out.push((rel, desc));
    }
    out.sort();
    out
}

fn walk(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root).unwrap() {
        let p = e.unwrap().path();
        out.push(p.clone());
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(walk(&p));
        }
    }
    out
}

#[test]
fn file_push_pull_round_trip_with_json() {
    let d = tempdir();
    write(d.path(), "a.txt", b"alpha\n");
    write(d.path(), "docs/b.md", b"# beta\n");
    let push = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1,v2",
            "a.txt",
            "docs/b.md:text/markdown",
            "--format",
            "json",
        ],
    )
    .ok();
    let model: serde_json::Value =
        serde_json::from_str(&push.stdout).expect("push prints one JSON document");
    assert_eq!(
        model["referenceAsTags"],
        serde_json::json!(["lay:v1", "lay:v2"])
    );
    assert_eq!(model["artifactType"], "application/vnd.unknown.artifact.v1");
    let digest = model["digest"].as_str().unwrap().to_string();
    assert_eq!(model["reference"], format!("lay@{digest}"));

    let pull = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            "lay:v2",
            "-o",
            "out",
            "--format",
            "json",
        ],
    )
    .ok();
    let model: serde_json::Value = serde_json::from_str(&pull.stdout).unwrap();
    assert_eq!(model["reference"], format!("lay@{digest}"));
    let files = model["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(
        files
            .iter()
            .any(|f| f["path"].as_str().unwrap().ends_with("/out/docs/b.md")
                && f["mediaType"] == "text/markdown")
    );
    assert_eq!(
        std::fs::read(d.path().join("out/a.txt")).unwrap(),
        b"alpha\n"
    );
    assert_eq!(
        std::fs::read(d.path().join("out/docs/b.md")).unwrap(),
        b"# beta\n"
    );

    let text = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            &format!("lay@{digest}"),
            "-o",
            "out2",
        ],
    )
    .ok();
    assert!(
        text.stdout.contains(&format!(
            "Pulled [oci-layout] lay@{digest}\nDigest: {digest}\n"
        )),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("Downloaded  "), "{}", text.stdout);
}

#[test]
fn directory_round_trip_keeps_tree_modes_and_symlinks() {
    let d = tempdir();
    let src = d.path().join("tree");
    write(&src, "top.txt", b"top\n");
    write(&src, "sub/deeper/x.bin", &[0u8, 1, 2, 3, 255]);
    write(&src, "sub/run.sh", b"#!/bin/sh\necho hi\n");
    std::fs::set_permissions(
        src.join("sub/run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    symlink("top.txt", src.join("link-inside")).unwrap();
    symlink("../top.txt", src.join("sub/up-link")).unwrap();
    std::fs::create_dir_all(src.join("empty-dir")).unwrap();

    let push = oras(d.path(), &["push", "--oci-layout", "lay:dir", "tree"]).ok();
    assert!(push.stdout.contains("Preparing tree\n"), "{}", push.stdout);
    let manifest = oras(d.path(), &["manifest", "fetch", "--oci-layout", "lay:dir"]).ok();
    let m: serde_json::Value = serde_json::from_str(&manifest.stdout).unwrap();
    let layer = &m["layers"][0];
    assert_eq!(
        layer["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );
    assert_eq!(layer["annotations"]["io.deis.oras.content.unpack"], "true");
    assert!(
        layer["annotations"]["io.deis.oras.content.digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    oras(d.path(), &["pull", "--oci-layout", "lay:dir", "-o", "out"]).ok();
    assert_eq!(snapshot(&src), snapshot(&d.path().join("out/tree")));
}

#[test]
fn pull_refuses_path_traversal_unless_allowed() {
    let d = tempdir();
    write(d.path(), "evil.txt", b"evil\n");
    // A title that climbs out of the output directory, set through the annotation file.
    write(
        d.path(),
        "ann.json",
        br#"{"evil.txt":{"org.opencontainers.image.title":"../escaped.txt"}}"#,
    );
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:evil",
            "--annotation-file",
            "ann.json",
            "evil.txt",
        ],
    )
    .ok();
    std::fs::create_dir_all(d.path().join("work")).unwrap();
    let run = oras(
        &d.path().join("work"),
        &["pull", "--oci-layout", "../lay:evil", "-o", "out"],
    )
    .fails();
    assert!(
        run.stderr.contains("path traversal disallowed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("use --allow-path-traversal to bypass this check"),
        "{}",
        run.stderr
    );
    assert!(!d.path().join("work/escaped.txt").exists());
    oras(
        &d.path().join("work"),
        &["pull", "--oci-layout", "../lay:evil", "-o", "out", "-T"],
    )
    .ok();
    assert_eq!(
        std::fs::read(d.path().join("work/escaped.txt")).unwrap(),
        b"evil\n"
    );
}

#[test]
fn pull_refuses_symlink_escape_in_directory_archive() {
    let d = tempdir();
    let src = d.path().join("pkg");
    std::fs::create_dir_all(&src).unwrap();
    symlink("/etc", src.join("sneaky")).unwrap();
    oras(d.path(), &["push", "--oci-layout", "lay:pkg", "pkg"]).ok();
    let run = oras(d.path(), &["pull", "--oci-layout", "lay:pkg", "-o", "out"]).fails();
    assert!(
        run.stderr.contains("path traversal disallowed"),
        "{}",
        run.stderr
    );
    assert!(!d.path().join("out/pkg/sneaky").exists());
}

#[test]
fn tar_archive_is_a_read_only_source() {
    let d = tempdir();
    write(d.path(), "f.txt", b"from tar\n");
    oras(d.path(), &["push", "--oci-layout", "lay:v1", "f.txt"]).ok();
    oras(
        d.path(),
        &[
            "attach",
            "--oci-layout",
            "lay:v1",
            "--artifact-type",
            "application/vnd.test.sig",
            "-a",
            "k=v",
        ],
    )
    .ok();
    let st = Command::new("tar")
        .args(["-C", "lay", "-cf", "lay.tar", "."])
        .current_dir(d.path())
        .status()
        .unwrap();
    assert!(st.success());
    oras(
        d.path(),
        &["pull", "--oci-layout", "lay.tar:v1", "-o", "out"],
    )
    .ok();
    assert_eq!(
        std::fs::read(d.path().join("out/f.txt")).unwrap(),
        b"from tar\n"
    );
    let tags = oras(d.path(), &["repo", "tags", "--oci-layout", "lay.tar"]).ok();
    assert_eq!(tags.stdout, "v1\n");
    let disc = oras(
        d.path(),
        &["discover", "--oci-layout", "lay.tar:v1", "--format", "json"],
    )
    .ok();
    let v: serde_json::Value = serde_json::from_str(&disc.stdout).unwrap();
    assert_eq!(
        v["referrers"][0]["artifactType"],
        "application/vnd.test.sig"
    );
    let m = oras(
        d.path(),
        &["manifest", "fetch", "--oci-layout", "lay.tar:v1"],
    )
    .ok();
    let layer_digest =
        serde_json::from_str::<serde_json::Value>(&m.stdout).unwrap()["layers"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string();
    let b = oras(
        d.path(),
        &[
            "blob",
            "fetch",
            "--oci-layout",
            &format!("lay.tar@{layer_digest}"),
            "-o",
            "-",
        ],
    )
    .ok();
    assert_eq!(b.raw_stdout, b"from tar\n");
    oras(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "lay.tar:v1",
            "--to-oci-layout",
            "copy:v1",
            "-r",
        ],
    )
    .ok();
    let disc = oras(d.path(), &["discover", "--oci-layout", "copy:v1"]).ok();
    assert!(
        disc.stdout.contains("application/vnd.test.sig"),
        "{}",
        disc.stdout
    );
    let run = oras(d.path(), &["tag", "--oci-layout", "lay.tar:v1", "v2"]).fails();
    assert!(run.stderr.contains("read"), "{}", run.stderr);
    // A file that is not a tar is refused with oras's message.
    write(d.path(), "junk.tar", b"this is not a tar archive at all");
    let run = oras(d.path(), &["pull", "--oci-layout", "junk.tar:v1"]).fails();
    assert!(
        run.stderr.contains("does not look like a tar archive"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_input_gets_clear_errors() {
    let d = tempdir();
    let run = oras(d.path(), &["push", "--oci-layout", "lay:v1", "missing.txt"]).fails();
    assert!(
        run.stderr.starts_with("Error: failed to stat "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("missing.txt: no such file or directory"),
        "{}",
        run.stderr
    );
    let run = oras(d.path(), &["pull", "--oci-layout", "nowhere:v1"]).fails();
    assert_eq!(
        run.stderr,
        "Error: invalid argument \"nowhere:v1\": failed to find path \"nowhere\": stat nowhere: no such file or directory\n"
    );
    let run = oras(d.path(), &["pull", "/oras"]).fails();
    assert_eq!(
        run.stderr,
        "Error: \"/oras\": invalid reference: invalid registry \"\"\nPlease make sure the provided reference is in the form of <registry>/<repo>[:tag|@digest]\n"
    );
    let run = oras(d.path(), &["pull"]).fails();
    assert_eq!(
        run.stderr,
        "Error: \"oras pull\" requires exactly 1 argument but got 0\nUsage: oras pull [flags] <name>{:<tag>|@<digest>}\nPlease specify exactly 1 argument as the artifact reference you want to pull. Run \"oras pull -h\" for more options and examples\n"
    );
    let run = oras(
        d.path(),
        &["push", "--oci-layout", "lay:v1", "-a", "novalue"],
    )
    .fails();
    assert!(
        run.stderr
            .contains("annotation value doesn't match the required format"),
        "{}",
        run.stderr
    );
    let run = oras(d.path(), &["pull", "--nope"]).fails();
    assert_eq!(run.stderr, "Error: unknown flag: --nope\n");
    write(d.path(), "a.txt", b"a");
    oras(d.path(), &["push", "--oci-layout", "lay:v1", "a.txt"]).ok();
    // as oras-go's OCI store: just `not found`
    let run = oras(d.path(), &["pull", "--oci-layout", "lay:nosuchtag"]).fails();
    assert_eq!(run.stderr, "Error: not found\n");
    let run = oras(d.path(), &["pull", "--oci-layout", "lay"]).fails();
    assert!(
        run.stderr.contains("no tag or digest specified"),
        "{}",
        run.stderr
    );
    // A corrupt index.json is reported, not a panic.
    std::fs::write(d.path().join("lay/index.json"), b"{not json").unwrap();
    let run = oras(d.path(), &["pull", "--oci-layout", "lay:v1"]).fails();
    assert!(run.stderr.contains("index.json"), "{}", run.stderr);
    let run = oras(d.path(), &["push", "--oci-layout", "lay:v2", "a.txt"]).fails();
    assert!(run.stderr.contains("index.json"), "{}", run.stderr);
}

#[test]
fn corrupt_blob_fails_pull_and_leaves_no_file() {
    let d = tempdir();
    write(d.path(), "data.bin", &vec![7u8; 100_000]);
    oras(d.path(), &["push", "--oci-layout", "lay:v1", "data.bin"]).ok();
    let digest = sha256_file(&d.path().join("data.bin"));
    let blob = d
        .path()
        .join("lay/blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    std::fs::set_permissions(&blob, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[500] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    let run = oras(d.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).fails();
    assert!(run.stderr.contains("digest"), "{}", run.stderr);
    assert!(
        !d.path().join("out/data.bin").exists(),
        "a file claiming the digest was left behind"
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.path().join("out"))
        .map(|r| r.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "partial files left: {leftovers:?}");
    let run = oras(
        d.path(),
        &[
            "blob",
            "fetch",
            "--oci-layout",
            &format!("lay@{digest}"),
            "-o",
            "copy.bin",
        ],
    )
    .fails();
    assert!(run.stderr.contains("digest"), "{}", run.stderr);
    assert!(!d.path().join("copy.bin").exists());
    // Copying to another layout refuses the corrupt blob too.
    let run = oras(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "lay:v1",
            "--to-oci-layout",
            "other:v1",
        ],
    )
    .fails();
    assert!(run.stderr.contains("digest"), "{}", run.stderr);
    assert_layout_blobs_valid(&d.path().join("other"));
}

#[test]
fn concurrent_pushes_into_one_layout_keep_every_tag() {
    let d = tempdir();
    let n = 8;
    for i in 0..n {
        write(
            d.path(),
            &format!("f{i}.txt"),
            format!("content {i}\n").as_bytes(),
        );
    }
    let children: Vec<_> = (0..n)
        .map(|i| {
            Command::new(oras_bin())
                .args([
                    "push",
                    "--oci-layout",
                    &format!("lay:t{i}"),
                    &format!("f{i}.txt"),
                ])
                .current_dir(d.path())
                .output_async()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let tags = oras(d.path(), &["repo", "tags", "--oci-layout", "lay"]).ok();
    let want: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
    assert_eq!(tags.stdout.lines().collect::<Vec<_>>(), want);
    assert_layout_blobs_valid(&d.path().join("lay"));
}

trait SpawnQuiet {
    fn output_async(&mut self) -> std::process::Child;
}

impl SpawnQuiet for Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

#[test]
fn killed_push_leaves_a_valid_layout_and_rerun_completes() {
    let d = tempdir();
    // 256 MiB of data that does not compress: big enough to kill the push mid-blob.
    let big = d.path().join("big.bin");
    let st = Command::new("head")
        .args(["-c", "268435456", "/dev/urandom"])
        .stdout(std::fs::File::create(&big).unwrap())
        .status()
        .unwrap();
    assert!(st.success());
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:small",
            "--artifact-type",
            "application/vnd.x",
        ],
    )
    .ok();
    let mut child = Command::new(oras_bin())
        .args(["push", "--oci-layout", "lay:big", "big.bin"])
        .current_dir(d.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the upload has started writing, then kill it.
    let ingest = d.path().join("lay/ingest");
    for _ in 0..500 {
        let started = std::fs::read_dir(&ingest)
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .any(|e| e.metadata().map(|m| m.len() > 0).unwrap_or(false))
            })
            .unwrap_or(false);
        if started {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_layout_blobs_valid(&d.path().join("lay"));
    let idx = index_json(&d.path().join("lay"));
    assert!(idx["manifests"].is_array());
    oras(d.path(), &["push", "--oci-layout", "lay:big", "big.bin"]).ok();
    oras(d.path(), &["pull", "--oci-layout", "lay:big", "-o", "out"]).ok();
    assert_eq!(
        sha256_file(&d.path().join("out/big.bin")),
        sha256_file(&big)
    );
    let tags = oras(d.path(), &["repo", "tags", "--oci-layout", "lay"]).ok();
    assert_eq!(tags.stdout, "big\nsmall\n");
    assert_layout_blobs_valid(&d.path().join("lay"));
}
