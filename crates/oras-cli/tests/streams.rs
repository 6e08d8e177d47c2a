//! Streams: `push --stdin-name name[:type]` packs standard input as one more layer, read once
//! and streamed (a chunked upload to a registry, a temporary blob file in a layout), its
//! digest computed on the way; `pull -o - [--select name]` writes one layer's bytes, verified,
//! to stdout and nothing else.

mod common;

use std::path::Path;

use common::*;
use oras_test_registry::{Distribution, Mode};
use serde_json::Value;

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

/// `len` bytes that do not repeat in any short period (xorshift64).
fn data(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha256(bytes: &[u8]) -> String {
    oras_spec::Digest::sha256_of(bytes).to_string()
}

/// The layers of the manifest a reference names (`manifest fetch` arguments).
fn layers(dir: &Path, target: &[&str]) -> Vec<Value> {
    let mut args = vec!["manifest", "fetch"];
    args.extend(target);
    json(&oras(dir, &args).ok().stdout)["layers"]
        .as_array()
        .unwrap()
        .clone()
}

fn title(layer: &Value) -> &str {
    layer["annotations"]["org.opencontainers.image.title"]
        .as_str()
        .unwrap()
}

/// Pushes `a.txt` and `input` as `data.bin` to `target`, checks the manifest lists the stream
/// as the last layer with its digest and size, then reads it back through `pull -o -` and a
/// plain pull.
fn round_trip(dir: &Path, target: &[&str], input: &[u8], env: &[(&str, &str)]) -> Run {
    std::fs::write(dir.join("a.txt"), b"file\n").unwrap();
    let mut push = vec!["push", "--no-tty"];
    push.extend(target);
    push.extend(["a.txt", "--stdin-name", "./data.bin:application/x-data"]);
    let pushed = oras_stdin_env(dir, &push, input, env).ok();
    let layers = layers(dir, target);
    assert_eq!(layers.len(), 2, "{layers:?}");
    assert_eq!(title(&layers[0]), "a.txt");
    assert_eq!(title(&layers[1]), "data.bin");
    assert_eq!(layers[1]["mediaType"], "application/x-data");
    assert_eq!(layers[1]["digest"], sha256(input));
    assert_eq!(layers[1]["size"], input.len() as u64);

    let mut pull = vec!["pull", "-o", "-", "--select", "data.bin"];
    pull.extend(target);
    let out = oras(dir, &pull).ok();
    assert!(
        out.raw_stdout == input,
        "stdout is exactly the layer's bytes"
    );
    let mut pull = vec!["pull", "--no-tty", "-o", "out"];
    pull.extend(target);
    oras(dir, &pull).ok();
    assert_eq!(std::fs::read(dir.join("out/data.bin")).unwrap(), input);
    pushed
}

#[test]
fn stdin_is_streamed_into_a_registry_in_chunks() {
    let reg = Distribution::start(Mode::Plain);
    let reference = format!("{}/streams/stdin:v1", reg.localhost());
    let d = tempdir();
    let input = data((3 << 20) + 12345);
    let pushed = round_trip(
        d.path(),
        &[reference.as_str(), "-d"],
        &input,
        &[("ORAS_CHUNK_SIZE", "1048576")],
    );
    // four chunks of at most 1 MiB, each its own PATCH, then the PUT with the digest
    let patches = pushed.stderr.matches("> Request method: \"PATCH\"").count();
    assert_eq!(patches, 4, "{}", pushed.stderr);
    // (the registry checked the digest the closing PUT carried: the manifest names it)
    // the status line comes once the digest is known
    let short = &sha256(&input)["sha256:".len()..][..12];
    assert!(
        pushed
            .stdout
            .contains(&format!("Uploaded  {short} data.bin")),
        "{}",
        pushed.stdout
    );
    assert!(!pushed.stdout.contains("Exists"), "{}", pushed.stdout);
}

#[test]
fn empty_stdin_is_an_empty_layer_in_a_registry() {
    let reg = Distribution::start(Mode::Plain);
    let reference = format!("{}/streams/empty:v1", reg.localhost());
    let d = tempdir();
    round_trip(d.path(), &[reference.as_str()], b"", &[]);
}

#[test]
fn stdin_is_streamed_into_a_layout() {
    let d = tempdir();
    let input = data(5 << 20);
    round_trip(d.path(), &["--oci-layout", "lay:v1"], &input, &[]);
    let hex = &sha256(&input)["sha256:".len()..];
    assert_eq!(
        std::fs::read(d.path().join("lay/blobs/sha256").join(hex)).unwrap(),
        input
    );
    // nothing left behind in ingest/
    let left: Vec<_> = std::fs::read_dir(d.path().join("lay/ingest"))
        .map(|r| r.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    assert_layout_blobs_valid(&d.path().join("lay"));
    // the same stream again: the blob exists, the push still succeeds
    let again = oras_stdin(
        d.path(),
        &["push", "--oci-layout", "lay:v2", "--stdin-name", "data.bin"],
        &input,
    )
    .ok();
    assert!(again.stdout.contains("data.bin"), "{}", again.stdout);
    round_trip(d.path(), &["--oci-layout", "lay:v3"], b"", &[]);
}

#[test]
fn pull_to_stdout_writes_the_only_named_layer_or_the_selected_one() {
    let d = tempdir();
    std::fs::write(d.path().join("one.txt"), b"one\n").unwrap();
    std::fs::write(d.path().join("two.txt"), b"two\n").unwrap();
    std::fs::create_dir(d.path().join("docs")).unwrap();
    std::fs::write(d.path().join("docs/x"), b"x\n").unwrap();
    oras(d.path(), &["push", "--oci-layout", "lay:one", "one.txt"]).ok();
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:all",
            "one.txt",
            "two.txt",
            "docs",
        ],
    )
    .ok();
    let out = oras(d.path(), &["pull", "--oci-layout", "lay:one", "-o", "-"]).ok();
    assert_eq!(out.raw_stdout, b"one\n");
    assert_eq!(out.stderr, "");
    // several named layers: say which, write nothing
    let e = oras(d.path(), &["pull", "--oci-layout", "lay:all", "-o", "-"]).fails();
    assert!(e.raw_stdout.is_empty());
    assert!(
        e.stderr.contains(
            "the artifact has 3 layers with a file name, select one of them: \"one.txt\", \"two.txt\", \"docs\""
        ),
        "{}",
        e.stderr
    );
    let e = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            "lay:all",
            "-o",
            "-",
            "--select",
            "three.txt",
        ],
    )
    .fails();
    assert!(e.raw_stdout.is_empty());
    assert!(
        e.stderr.contains(
            "no layer named \"three.txt\"; its layers are \"one.txt\", \"two.txt\", \"docs\""
        ),
        "{}",
        e.stderr
    );
    let out = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            "lay:all",
            "-o",
            "-",
            "--select",
            "two.txt",
        ],
    )
    .ok();
    assert_eq!(out.raw_stdout, b"two\n");
    // a directory layer is its tar+gzip, as stored
    let layers = layers(d.path(), &["--oci-layout", "lay:all"]);
    let out = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            "lay:all",
            "-o",
            "-",
            "--select",
            "docs",
        ],
    )
    .ok();
    assert_eq!(sha256(&out.raw_stdout), layers[2]["digest"]);
    // without `-o -` a directory named `-` is still an output directory
    oras(d.path(), &["pull", "--oci-layout", "lay:one", "-o", "./-"]).ok();
    assert_eq!(std::fs::read(d.path().join("-/one.txt")).unwrap(), b"one\n");
}

#[test]
fn pull_to_stdout_fails_when_the_bytes_are_not_the_layer() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempdir();
    let input = data(200_000);
    oras_stdin(
        d.path(),
        &["push", "--oci-layout", "lay:v1", "--stdin-name", "data.bin"],
        &input,
    )
    .ok();
    let blob = d
        .path()
        .join("lay/blobs/sha256")
        .join(&sha256(&input)["sha256:".len()..]);
    std::fs::set_permissions(&blob, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut tampered = input.clone();
    tampered[150_000] ^= 1;
    std::fs::write(&blob, &tampered).unwrap();
    let e = oras(d.path(), &["pull", "--oci-layout", "lay:v1", "-o", "-"]).fails();
    assert!(
        e.stderr
            .contains("data.bin: failed to write the layer, discard what was written"),
        "{}",
        e.stderr
    );
    assert!(e.stderr.contains("mismatched digest"), "{}", e.stderr);
    assert!(e.raw_stdout.len() <= tampered.len());
}

#[test]
fn stream_flags_are_checked() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    oras(d.path(), &["push", "--oci-layout", "lay:v1", "a.txt"]).ok();
    let e = oras_stdin(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v2",
            "--stdin-name",
            "x",
            "--password-stdin",
        ],
        b"secret",
    )
    .fails();
    assert!(
        e.stderr.contains("`--stdin-name` reads a layer from input and `--password-stdin` reads a secret from input"),
        "{}",
        e.stderr
    );
    let e = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v2",
            "--stdin-name",
            ":text/plain",
        ],
    )
    .fails();
    assert!(e.stderr.contains("found empty file path"), "{}", e.stderr);
    for flag in ["-k", "--include-subject", "--preserve-permissions", "-T"] {
        let e = oras(
            d.path(),
            &["pull", "--oci-layout", "lay:v1", "-o", "-", flag],
        )
        .fails();
        assert!(
            e.stderr.contains("`--output -` writes one layer"),
            "{}",
            e.stderr
        );
        assert!(e.raw_stdout.is_empty());
    }
    let e = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            "lay:v1",
            "-o",
            "-",
            "--format",
            "json",
        ],
    )
    .fails();
    assert!(e.stderr.contains("`--format`"), "{}", e.stderr);
    let e = oras(
        d.path(),
        &["pull", "--oci-layout", "lay:v1", "--select", "a.txt"],
    )
    .fails();
    assert!(
        e.stderr
            .contains("`--select` is only used with `--output -`"),
        "{}",
        e.stderr
    );
    // a file named `-` is still a file to push, as in oras 1.3
    std::fs::write(d.path().join("-"), b"dash").unwrap();
    oras(d.path(), &["push", "--oci-layout", "lay:dash", "-"]).ok();
    assert_eq!(
        title(&layers(d.path(), &["--oci-layout", "lay:dash"])[0]),
        "-"
    );
}

#[test]
fn stdin_names_are_checked_as_file_names() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    // the name of a file pushed too: refused as two files of one name are
    for name in ["a.txt", "./a.txt"] {
        let e = oras_stdin(
            d.path(),
            &[
                "push",
                "--oci-layout",
                "lay:dup",
                "a.txt",
                "--stdin-name",
                name,
            ],
            b"other",
        )
        .fails();
        assert!(e.stderr.contains("a.txt: duplicate name"), "{}", e.stderr);
    }
    // a name that cannot be a file's
    for name in [".", "..", "d/..", "/"] {
        let e = oras_stdin(
            d.path(),
            &[
                "push",
                "--oci-layout",
                "lay:bad",
                "--disable-path-validation",
                "--stdin-name",
                name,
            ],
            b"x",
        )
        .fails();
        assert!(
            e.stderr.contains("it must name a file"),
            "{name}: {}",
            e.stderr
        );
    }
    let e = oras(d.path(), &["resolve", "--oci-layout", "lay:dup"]).fails();
    assert!(
        e.stderr.contains("not found"),
        "nothing was tagged: {}",
        e.stderr
    );
    // a name leading out of the output directory is pushed, as a file's is, and refused on pull
    oras_stdin(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:up",
            "--stdin-name",
            "../up.txt",
        ],
        b"up",
    )
    .ok();
    std::fs::create_dir(d.path().join("out")).unwrap();
    let e = oras(d.path(), &["pull", "--oci-layout", "lay:up", "-o", "out"]).fails();
    assert!(
        e.stderr.contains("path traversal disallowed"),
        "{}",
        e.stderr
    );
    assert!(!d.path().join("up.txt").exists());
}
