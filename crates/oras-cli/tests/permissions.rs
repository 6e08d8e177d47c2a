//! File modes (oras#1776): `push --preserve-permissions` records each single file's mode in
//! its layer (`io.crates.oras-sdk.file.mode`), `pull --preserve-permissions` gives it back:
//! read, write and execute bits minus the umask, never set-user-ID, set-group-ID or sticky,
//! only on files the pull wrote inside the output directory, never through a link. Directory
//! layers keep their tar's modes with or without it; without the flags nothing changes.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;
use oras_test_registry::{Distribution, Mode};
use serde_json::Value;

const MODE_KEY: &str = "io.crates.oras-sdk.file.mode";

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

/// The umask `oras` runs with (it inherits the test's).
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let v = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .expect("Umask in /proc/self/status");
    u32::from_str_radix(v.trim(), 8).unwrap()
}

/// The permission bits of `path` (set-user-ID, set-group-ID and sticky included), not
/// following a link.
fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn write_mode(path: &Path, data: &[u8], mode: u32) {
    std::fs::write(path, data).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Files of several modes, two of them the same content, and a directory.
fn write_inputs(root: &Path) {
    write_mode(&root.join("run.sh"), b"#!/bin/sh\necho hi\n", 0o755);
    write_mode(&root.join("secret"), b"key\n", 0o600);
    write_mode(&root.join("suid"), b"#!/bin/sh\nid\n", 0o4755);
    write_mode(&root.join("ro.txt"), b"read only\n", 0o444);
    // same content as run.sh: written from the first file, under its own mode
    write_mode(&root.join("copy.txt"), b"#!/bin/sh\necho hi\n", 0o640);
    std::fs::create_dir(root.join("bin")).unwrap();
    write_mode(&root.join("bin/tool"), b"tool\n", 0o750);
}

const FILES: [&str; 6] = ["run.sh", "secret", "suid", "ro.txt", "copy.txt", "bin"];

/// The file annotations of the manifest `reference` names, by title.
fn layer_modes(dir: &Path, args: &[&str]) -> Vec<(String, Option<String>)> {
    let mut all = vec!["manifest", "fetch"];
    all.extend(args);
    let m = json(&oras(dir, &all).ok().stdout);
    m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["annotations"]["org.opencontainers.image.title"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                l["annotations"][MODE_KEY].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn pull_preserve_permissions_restores_what_push_recorded_on_distribution() {
    let reg = Distribution::start(Mode::Plain);
    let repo = format!("{}/modes/files", reg.localhost());
    let d = tempdir();
    let p = d.path();
    write_inputs(p);
    let mut push = vec!["push", "--preserve-permissions"];
    let kept = format!("{repo}:kept");
    push.push(&kept);
    push.extend(FILES);
    oras(p, &push).ok();
    let plain = format!("{repo}:plain");
    let mut push = vec!["push", &plain];
    push.extend(FILES);
    oras(p, &push).ok();

    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        layer_modes(p, &[&kept]),
        [
            ("run.sh".to_string(), some("0755")),
            ("secret".to_string(), some("0600")),
            ("suid".to_string(), some("4755")),
            ("ro.txt".to_string(), some("0444")),
            ("copy.txt".to_string(), some("0640")),
            // a directory layer's tar has the modes
            ("bin".to_string(), None),
        ]
    );
    // without the flag the manifest is oras's: no mode anywhere
    assert!(
        layer_modes(p, &[&plain]).iter().all(|(_, m)| m.is_none()),
        "{:?}",
        layer_modes(p, &[&plain])
    );

    let u = umask();
    // pull without the flag: as today, new files are 0666 minus the umask
    oras(p, &["pull", &kept, "-o", "default"]).ok();
    for f in ["run.sh", "secret", "suid", "ro.txt", "copy.txt"] {
        assert_eq!(mode(&p.join("default").join(f)), 0o666 & !u, "{f}");
    }
    assert_eq!(mode(&p.join("default/bin/tool")), 0o750 & !u);

    // with it: the recorded bits minus the umask, set-user-ID dropped
    oras(p, &["pull", "--preserve-permissions", &kept, "-o", "kept"]).ok();
    for (f, want) in [
        ("run.sh", 0o755),
        ("secret", 0o600),
        ("suid", 0o755),
        ("ro.txt", 0o444),
        ("copy.txt", 0o640),
    ] {
        assert_eq!(mode(&p.join("kept").join(f)), want & !u, "{f}");
    }
    assert_eq!(
        std::fs::read(p.join("kept/copy.txt")).unwrap(),
        b"#!/bin/sh\necho hi\n"
    );
    // a directory layer keeps its modes either way
    assert_eq!(mode(&p.join("kept/bin/tool")), 0o750 & !u);

    // an artifact pushed without recording modes pulls with the default ones
    oras(
        p,
        &["pull", "--preserve-permissions", &plain, "-o", "plain"],
    )
    .ok();
    assert_eq!(mode(&p.join("plain/run.sh")), 0o666 & !u);

    // pulling again over existing files replaces them with the recorded modes
    oras(
        p,
        &["pull", "--preserve-permissions", &kept, "-o", "default"],
    )
    .ok();
    assert_eq!(mode(&p.join("default/run.sh")), 0o755 & !u);
}

#[test]
fn pull_preserve_permissions_works_on_layouts() {
    let d = tempdir();
    let p = d.path();
    write_mode(&p.join("run.sh"), b"#!/bin/sh\n", 0o750);
    oras(
        p,
        &[
            "push",
            "--preserve-permissions",
            "--oci-layout",
            "lay:v1",
            "run.sh",
        ],
    )
    .ok();
    assert_eq!(
        layer_modes(p, &["--oci-layout", "lay:v1"]),
        [("run.sh".to_string(), Some("0750".to_string()))]
    );
    oras(
        p,
        &[
            "pull",
            "--preserve-permissions",
            "--oci-layout",
            "lay:v1",
            "-o",
            "out",
        ],
    )
    .ok();
    assert_eq!(mode(&p.join("out/run.sh")), 0o750 & !umask());
}

/// Pushes `files` into the layout `lay:v1` with the layer annotations of `annotations`
/// (an annotation file: how an artifact's producer can write any mode value).
fn push_with_annotations(dir: &Path, annotations: Value, files: &[&str]) {
    std::fs::write(dir.join("ann.json"), annotations.to_string()).unwrap();
    let mut args = vec![
        "push",
        "--oci-layout",
        "lay:v1",
        "--annotation-file",
        "ann.json",
    ];
    args.extend(files);
    oras(dir, &args).ok();
}

#[test]
fn special_bits_from_an_artifact_are_never_applied() {
    let d = tempdir();
    let p = d.path();
    std::fs::write(p.join("all"), b"x").unwrap();
    std::fs::write(p.join("sgid"), b"y").unwrap();
    push_with_annotations(
        p,
        serde_json::json!({"all": {MODE_KEY: "7777"}, "sgid": {MODE_KEY: "2750"}}),
        &["all", "sgid"],
    );
    oras(
        p,
        &[
            "pull",
            "--preserve-permissions",
            "--oci-layout",
            "lay:v1",
            "-o",
            "out",
        ],
    )
    .ok();
    let u = umask();
    assert_eq!(mode(&p.join("out/all")), 0o777 & !u);
    assert_eq!(mode(&p.join("out/sgid")), 0o750 & !u);
}

#[test]
fn a_malformed_mode_fails_the_pull_before_anything_is_written() {
    let d = tempdir();
    let p = d.path();
    std::fs::write(p.join("good"), b"g").unwrap();
    std::fs::write(p.join("bad"), b"b").unwrap();
    for value in ["0o755", "rwxr-xr-x", "17777", "-1", "", "0x1ff"] {
        let _ = std::fs::remove_dir_all(p.join("lay"));
        let _ = std::fs::remove_dir_all(p.join("out"));
        push_with_annotations(
            p,
            serde_json::json!({"good": {MODE_KEY: "0644"}, "bad": {MODE_KEY: value}}),
            &["good", "bad"],
        );
        let r = oras(
            p,
            &[
                "pull",
                "--preserve-permissions",
                "--oci-layout",
                "lay:v1",
                "-o",
                "out",
            ],
        )
        .fails();
        assert_eq!(
            r.stderr,
            format!(
                "Error: bad: invalid io.crates.oras-sdk.file.mode annotation {value:?}: want an octal file mode such as 0644\n"
            ),
            "{value:?}"
        );
        let written: Vec<_> = std::fs::read_dir(p.join("out")).unwrap().collect();
        assert!(written.is_empty(), "{value:?}: {written:?}");
        // the annotation means nothing to a pull that does not ask for modes
        oras(p, &["pull", "--oci-layout", "lay:v1", "-o", "out"]).ok();
        assert_eq!(std::fs::read(p.join("out/bad")).unwrap(), b"b");
    }
}

#[test]
fn a_mode_is_never_set_through_a_link_or_outside_the_output_directory() {
    let d = tempdir();
    let p = d.path();
    std::fs::create_dir_all(p.join("work")).unwrap();
    write_mode(&p.join("work/tool"), b"new tool\n", 0o755);
    write_mode(&p.join("up.sh"), b"up\n", 0o755);
    oras(
        &p.join("work"),
        &[
            "push",
            "--preserve-permissions",
            "--oci-layout",
            "lay:v1",
            "tool",
            "../up.sh",
        ],
    )
    .ok();
    let lay = p.join("work/lay");
    let lay = lay.to_str().unwrap();
    // `tool` in the output directory is a link to a file outside it
    std::fs::create_dir_all(p.join("a/b/out")).unwrap();
    write_mode(&p.join("outside"), b"keep me\n", 0o600);
    std::os::unix::fs::symlink("../../../outside", p.join("a/b/out/tool")).unwrap();
    oras(
        p,
        &[
            "pull",
            "--preserve-permissions",
            "-T",
            "--oci-layout",
            &format!("{lay}:v1"),
            "-o",
            "a/b/out",
        ],
    )
    .ok();
    let u = umask();
    // the link was replaced by the pulled file, which got its mode; its target is untouched
    let tool = p.join("a/b/out/tool");
    assert!(std::fs::symlink_metadata(&tool).unwrap().is_file());
    assert_eq!(mode(&tool), 0o755 & !u);
    assert_eq!(std::fs::read(&tool).unwrap(), b"new tool\n");
    assert_eq!(mode(&p.join("outside")), 0o600);
    assert_eq!(std::fs::read(p.join("outside")).unwrap(), b"keep me\n");
    // `../up.sh`, written outside the output directory (-T), keeps the default mode
    assert_eq!(std::fs::read(p.join("a/b/up.sh")).unwrap(), b"up\n");
    assert_eq!(mode(&p.join("a/b/up.sh")), 0o666 & !u);
}
