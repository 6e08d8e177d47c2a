//! Directory layers packed in parallel and streamed: the gzip is made of blocks compressed on
//! every core, with bytes that do not depend on how many there are, and a registry receives
//! the layer while the directory is being packed (POST, PATCHes as the bytes come, the digest
//! with the closing PUT). A registry that fails that stream still gets the blob, uploaded from
//! the packed file as before; a layout takes the packed file as it did.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use oras_test_registry::inproc::{Options, TestRegistry};
use oras_test_registry::{Distribution, Mode};
use serde_json::Value;

/// Deterministic bytes: `random` ones deflate cannot shrink, or text that it can.
fn bytes(len: usize, seed: u64, random: bool) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let words: [&[u8]; 5] = [b"layer ", b"digest ", b"manifest\n", b"blob ", b"tag "];
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if random {
            out.extend_from_slice(&x.to_le_bytes());
        } else {
            out.extend_from_slice(words[(x % 5) as usize]);
        }
    }
    out.truncate(len);
    out
}

/// A tree whose layer is several MiB (so it is streamed): random and text files of a few
/// hundred KiB, a subdirectory, an empty file and a symbolic link.
fn write_tree(root: &Path) {
    let tree = root.join("tree");
    std::fs::create_dir_all(tree.join("sub/deeper")).unwrap();
    for i in 0..12u64 {
        let random = i % 3 != 0;
        let name = if i < 6 {
            format!("tree/f{i:02}.bin")
        } else {
            format!("tree/sub/f{i:02}.txt")
        };
        std::fs::write(
            root.join(name),
            bytes(800_000 + i as usize * 7919, i, random),
        )
        .unwrap();
    }
    std::fs::write(tree.join("sub/deeper/empty"), b"").unwrap();
    std::os::unix::fs::symlink("../f00.bin", tree.join("sub/link")).unwrap();
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

/// The descriptor of the only layer of the manifest at `reference` (extra flags: `flags`).
fn layer(dir: &Path, reference: &str, flags: &[&str]) -> Value {
    let mut args = vec!["manifest", "fetch", reference];
    args.extend(flags);
    let m = json(&oras(dir, &args).ok().stdout);
    let layers = m["layers"].as_array().unwrap().clone();
    assert_eq!(layers.len(), 1, "{m}");
    layers[0].clone()
}

/// Pulls `reference` into `dir/<out>` and checks the tree is the source's (contents, kinds,
/// link targets).
fn pull_and_compare(dir: &Path, reference: &str, flags: &[&str], out: &str) {
    let mut args = vec!["pull", "--no-tty", reference, "-o", out];
    args.extend(flags);
    oras(dir, &args).ok();
    let contents = |root: &Path| -> Vec<String> {
        craft::fingerprint(root)
            .into_iter()
            .map(|l| l.split(" mode=").next().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    let mut want = contents(&dir.join("tree"));
    let mut got = contents(&dir.join(out).join("tree"));
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn directory_is_streamed_into_distribution_and_pulled_back() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    write_tree(d.path());
    let r = format!("{}/dirs/tree", reg.localhost());
    let pushed = oras_env(
        d.path(),
        &["push", "--no-tty", &format!("{r}:v1"), "tree", "-d"],
        &[("ORAS_CHUNK_SIZE", "1048576")],
    )
    .ok();
    // streamed in PATCHes of about a chunk while packed, closed with the digest: no PUT
    // carries the layer
    let patches = pushed.stderr.matches("> Request method: \"PATCH\"").count();
    assert!(patches >= 3, "{}", pushed.stderr);
    let largest_body = pushed
        .stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"Content-Length\": \""))
        .filter_map(|v| v.trim_end_matches('"').parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    assert!(largest_body < 1 << 20, "{}", pushed.stderr);
    let l = layer(d.path(), &format!("{r}:v1"), &[]);
    let short = &l["digest"].as_str().unwrap()["sha256:".len()..][..12];
    // the status lines are those of any layer
    assert!(
        pushed.stdout.contains(&format!("Uploading {short} tree"))
            && pushed.stdout.contains(&format!("Uploaded  {short} tree")),
        "{}",
        pushed.stdout
    );
    assert!(l["size"].as_u64().unwrap() > 4 << 20, "{l}");
    pull_and_compare(d.path(), &format!("{r}:v1"), &[], "out");

    // the same tree packs to the same bytes: again, and on one core
    oras(d.path(), &["push", "--no-tty", &format!("{r}:v2"), "tree"]).ok();
    assert_eq!(
        layer(d.path(), &format!("{r}:v2"), &[])["digest"],
        l["digest"]
    );
    let mut one_core = Command::new("taskset");
    one_core
        .args(["-c", "0"])
        .arg(oras_bin())
        .args(["push", "--no-tty", &format!("{r}:v3"), "tree"])
        .current_dir(d.path())
        .env("HOME", d.path())
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("ORAS_CONFIG")
        .env_remove("SOURCE_DATE_EPOCH");
    let out = one_core.output().expect("taskset");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        layer(d.path(), &format!("{r}:v3"), &[])["digest"],
        l["digest"]
    );
}

#[test]
fn directory_is_packed_into_a_layout_with_the_same_layer() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    write_tree(d.path());
    let r = format!("{}/dirs/tree:v1", reg.localhost());
    oras(d.path(), &["push", "--no-tty", &r, "tree"]).ok();
    oras(
        d.path(),
        &["push", "--no-tty", "--oci-layout", "lay:v1", "tree"],
    )
    .ok();
    assert_layout_blobs_valid(&d.path().join("lay"));
    let from_layout = layer(d.path(), "lay:v1", &["--oci-layout"]);
    assert_eq!(from_layout["digest"], layer(d.path(), &r, &[])["digest"]);
    pull_and_compare(d.path(), "lay:v1", &["--oci-layout"], "out");
}

/// Pushes the tree to the in-process registry in chunks of `chunk` bytes after `fault`,
/// checks the blob arrived whole and pulls it back; returns the requests of the push.
fn push_through(
    chunk: &str,
    fault: impl FnOnce(&mut oras_test_registry::inproc::Faults),
) -> Vec<String> {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    write_tree(d.path());
    let r = format!("{}/faults/tree:v1", reg.localhost());
    reg.clear_requests();
    reg.faults(fault);
    oras_env(
        d.path(),
        &["push", "--no-tty", &r, "tree"],
        &[("ORAS_CHUNK_SIZE", chunk)],
    )
    .ok();
    let requests: Vec<String> = reg
        .requests()
        .iter()
        .map(|q| format!("{} {}?{}", q.method, q.path, q.query))
        .collect();
    reg.faults(|f| *f = Default::default());
    let l = layer(d.path(), &r, &[]);
    assert!(reg.has_blob(l["digest"].as_str().unwrap()));
    pull_and_compare(d.path(), &r, &[], "out");
    requests
}

#[test]
fn a_stream_the_registry_fails_midway_falls_back_to_the_packed_file() {
    // the stream's third PATCH: its session is gone (404, not worth a retry)
    let requests = push_through("65536", |f| f.fail_patch_after = Some((2, 404)));
    let patches = requests.iter().filter(|q| q.starts_with("PATCH ")).count();
    assert_eq!(
        patches, 3,
        "the stream stopped at the failure: {requests:#?}"
    );
    assert!(
        requests
            .iter()
            .any(|q| q.starts_with("DELETE ") && q.contains("/blobs/uploads/")),
        "the failed session is cancelled: {requests:#?}"
    );
    // the blob then goes up from the packed file in one request, as before streaming
    let posts = requests
        .iter()
        .filter(|q| q.starts_with("POST ") && q.contains("/blobs/uploads/"))
        .count();
    assert!(posts >= 2, "{requests:#?}");
}

#[test]
fn a_registry_refusing_large_patches_gets_the_layer_from_the_packed_file() {
    // bodies above 512 KiB are refused (413): the streamed PATCH (about 1 MiB, its bytes gone
    // with it) fails the stream, its session is cancelled, and the layer goes up from the
    // packed file in chunks halved until they pass
    let requests = push_through("1048576", |f| f.max_body = Some(512 << 10));
    assert!(
        requests
            .iter()
            .any(|q| q.starts_with("DELETE ") && q.contains("/blobs/uploads/")),
        "{requests:#?}"
    );
    let patches = requests.iter().filter(|q| q.starts_with("PATCH ")).count();
    assert!(patches >= 8, "{requests:#?}");
    assert!(
        requests
            .iter()
            .any(|q| q.starts_with("PUT ") && q.contains("digest=sha256")),
        "{requests:#?}"
    );
}

#[test]
fn small_directories_are_uploaded_once_packed() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    std::fs::create_dir_all(d.path().join("small")).unwrap();
    std::fs::write(d.path().join("small/a.txt"), b"a small file\n").unwrap();
    reg.clear_requests();
    oras(
        d.path(),
        &[
            "push",
            "--no-tty",
            &format!("{}/small/dir:v1", reg.localhost()),
            "small",
        ],
    )
    .ok();
    assert!(
        !reg.requests().iter().any(|q| q.method == "PATCH"),
        "no stream for a layer of a few bytes"
    );
}
