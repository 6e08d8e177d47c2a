//! Interop with real peers on the machine: skopeo and umoci read and write OCI layouts too.

mod common;

use std::process::Command;

use common::*;

fn run(dir: &std::path::Path, prog: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(prog)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{prog}: {e}"));
    assert!(
        out.status.success(),
        "{prog} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn skopeo_reads_our_layout_and_we_read_skopeos() {
    if !peer_available("skopeo") {
        return;
    }
    let d = tempdir();
    std::fs::write(d.path().join("hello.txt"), b"hello world\n").unwrap();
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "ours:v1",
            "--artifact-platform",
            "linux/amd64",
            "hello.txt",
        ],
    )
    .ok();
    let ours = oras(d.path(), &["manifest", "fetch", "--oci-layout", "ours:v1"])
        .ok()
        .raw_stdout;
    // skopeo sees exactly our manifest bytes.
    assert_eq!(
        run(d.path(), "skopeo", &["inspect", "--raw", "oci:ours:v1"]),
        ours
    );

    // skopeo writes a layout; we copy and pull from it with its digests unchanged.
    // (An artifact without an image config: skopeo copies it as it is.)
    oras(d.path(), &["push", "--oci-layout", "ours:v2", "hello.txt"]).ok();
    run(
        d.path(),
        "skopeo",
        &["copy", "--quiet", "oci:ours:v2", "oci:theirs:copied"],
    );
    let theirs = run(
        d.path(),
        "skopeo",
        &["inspect", "--raw", "oci:theirs:copied"],
    );
    let their_digest = oras(d.path(), &["resolve", "--oci-layout", "theirs:copied"])
        .ok()
        .stdout;
    assert_eq!(
        their_digest.trim(),
        format!("sha256:{}", sha256_hex(&theirs))
    );
    oras(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "theirs:copied",
            "--to-oci-layout",
            "back:v1",
        ],
    )
    .ok();
    assert_eq!(
        oras(d.path(), &["resolve", "--oci-layout", "back:v1"])
            .ok()
            .stdout,
        their_digest
    );
    assert_eq!(
        oras(d.path(), &["manifest", "fetch", "--oci-layout", "back:v1"])
            .ok()
            .raw_stdout,
        theirs
    );
    assert_layout_blobs_valid(&d.path().join("back"));
    oras(
        d.path(),
        &["pull", "--oci-layout", "theirs:copied", "-o", "out"],
    )
    .ok();
    assert_eq!(
        std::fs::read(d.path().join("out/hello.txt")).unwrap(),
        b"hello world\n"
    );
}

#[test]
fn we_copy_umoci_images_unchanged() {
    if !peer_available("umoci") {
        return;
    }
    let d = tempdir();
    run(d.path(), "umoci", &["init", "--layout", "um"]);
    run(d.path(), "umoci", &["new", "--image", "um:base"]);
    run(
        d.path(),
        "umoci",
        &[
            "config",
            "--image",
            "um:base",
            "--config.label",
            "org.example=1",
            "--tag",
            "labelled",
        ],
    );
    let digest = oras(d.path(), &["resolve", "--oci-layout", "um:labelled"])
        .ok()
        .stdout;
    oras(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "um:labelled",
            "--to-oci-layout",
            "mine:v1",
        ],
    )
    .ok();
    assert_eq!(
        oras(d.path(), &["resolve", "--oci-layout", "mine:v1"])
            .ok()
            .stdout,
        digest
    );
    let cfg = oras(
        d.path(),
        &["manifest", "fetch-config", "--oci-layout", "mine:v1"],
    )
    .ok();
    let cfg: serde_json::Value = serde_json::from_str(&cfg.stdout).unwrap();
    assert_eq!(cfg["config"]["Labels"]["org.example"], "1");
    assert_layout_blobs_valid(&d.path().join("mine"));
    // and umoci reads the layout we wrote
    let listed = String::from_utf8(run(d.path(), "umoci", &["ls", "--layout", "mine"])).unwrap();
    assert_eq!(listed.trim(), "v1");
}

fn sha256_hex(data: &[u8]) -> String {
    let d = tempdir();
    let p = d.path().join("x");
    std::fs::write(&p, data).unwrap();
    sha256_file(&p).trim_start_matches("sha256:").to_string()
}
