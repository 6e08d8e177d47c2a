//! The manifests oras 1.3.3 packed (copied into tests/data/golden) are reproduced byte for byte.

mod common;

use common::*;

/// (case, arguments) in the order the golden cases were produced in one layout `L`.
fn cases() -> Vec<(&'static str, Vec<&'static str>)> {
    let created = "org.opencontainers.image.created=2025-01-01T00:00:00Z";
    vec![
        (
            "01-single-file",
            vec!["push", "--oci-layout", "L:v1", "-a", created, "hello.txt"],
        ),
        (
            "02-two-files-types",
            vec![
                "push",
                "--oci-layout",
                "L:v2",
                "-a",
                created,
                "--artifact-type",
                "application/vnd.example.thing",
                "hello.txt:text/plain",
                "bye.txt:application/vnd.me.bye",
            ],
        ),
        (
            "03-config-v1.0",
            vec![
                "push",
                "--oci-layout",
                "L:v3",
                "-a",
                created,
                "--config",
                "config.json:application/vnd.me.config",
                "hello.txt",
            ],
        ),
        (
            "04-imagespec-v1.0-type",
            vec![
                "push",
                "--oci-layout",
                "L:v4",
                "-a",
                created,
                "--image-spec",
                "v1.0",
                "--artifact-type",
                "application/vnd.me.type",
                "hello.txt",
            ],
        ),
        (
            "05-platform",
            vec![
                "push",
                "--oci-layout",
                "L:v5",
                "-a",
                created,
                "--artifact-platform",
                "linux/arm64",
                "hello.txt",
            ],
        ),
        (
            "06-empty",
            vec!["push", "--oci-layout", "L:v6", "-a", created],
        ),
        (
            "07-escaping",
            vec![
                "push",
                "--oci-layout",
                "L:v7",
                "-a",
                created,
                "-a",
                "note=<a&b> \"q\" ü €",
                "hello.txt",
            ],
        ),
        (
            "08-annotation-file",
            vec![
                "push",
                "--oci-layout",
                "L:v8",
                "--annotation-file",
                "ann.json",
                "hello.txt",
            ],
        ),
        (
            "09-attach",
            vec![
                "attach",
                "--oci-layout",
                "L:v1",
                "-a",
                created,
                "--artifact-type",
                "application/vnd.example.sbom",
                "bye.txt",
            ],
        ),
        (
            "10-index",
            vec![
                "manifest",
                "index",
                "create",
                "--oci-layout",
                "L:idx",
                "v5",
                "v1",
            ],
        ),
    ]
}

fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn golden_manifests_match_byte_for_byte() {
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden");
    let dir = tempdir();
    for f in ["hello.txt", "bye.txt", "config.json"] {
        std::fs::copy(golden.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::copy(
        golden.join("08-annotation-file.json"),
        dir.path().join("ann.json"),
    )
    .unwrap();
    for (case, args) in cases() {
        let cmd = std::fs::read_to_string(golden.join(format!("{case}.cmd"))).unwrap();
        assert!(
            cmd.starts_with(&format!("oras {} ", args[0])),
            "{case}: test arguments drifted from {cmd}"
        );
        let export = format!("{case}.out.json");
        let mut full = args.clone();
        if args[0] != "manifest" {
            full.extend(["--export-manifest", &export]);
        }
        let run = oras(dir.path(), &full).ok();
        let want_digest = std::fs::read_to_string(golden.join(format!("{case}.digest")))
            .unwrap()
            .trim()
            .to_string();
        let want_bytes = std::fs::read(golden.join(format!("{case}.manifest.json"))).unwrap();
        let got_bytes = if args[0] == "manifest" {
            oras(dir.path(), &["manifest", "fetch", "--oci-layout", "L:idx"])
                .ok()
                .raw_stdout
        } else {
            std::fs::read(dir.path().join(&export)).unwrap()
        };
        assert_eq!(
            String::from_utf8_lossy(&got_bytes),
            String::from_utf8_lossy(&want_bytes),
            "{case}: manifest bytes differ"
        );
        assert!(
            run.stdout.contains(&format!("Digest: {want_digest}")),
            "{case}: digest line missing:\n{}",
            run.stdout
        );
        let want_stdout = std::fs::read_to_string(golden.join(format!("{case}.stdout"))).unwrap();
        assert_eq!(
            sorted_lines(&run.stdout),
            sorted_lines(&want_stdout),
            "{case}: status lines differ"
        );
        // The stored manifest blob is the same bytes.
        let blob = dir
            .path()
            .join("L/blobs/sha256")
            .join(want_digest.trim_start_matches("sha256:"));
        assert_eq!(
            std::fs::read(blob).unwrap(),
            want_bytes,
            "{case}: stored blob differs"
        );
    }
    assert_layout_blobs_valid(&dir.path().join("L"));
}
