//! Reproducible pushes (`SOURCE_DATE_EPOCH`, oras#1464): with it set, `push` and `attach`
//! write it as `org.opencontainers.image.created` and as the time of every tar header of a
//! directory layer, so the same files pushed at another time, from another place, with other
//! file times (a second checkout, a second machine) give the same manifest digest. Without it
//! nothing changes: now, and the files' own times, as oras 1.3.

mod common;

use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::*;
use oras_test_registry::{Distribution, Mode};
use serde_json::Value;

const EPOCH: &str = "1700000000";
const CREATED: &str = "2023-11-14T22:13:20Z";
const CREATED_KEY: &str = "org.opencontainers.image.created";

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

/// Sets the modification time of a file or directory (not following a link).
fn set_mtime(path: &Path, secs: u64) {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    std::fs::File::open(path)
        .and_then(|f| f.set_modified(t))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The inputs, as a checkout would make them: `hello.txt`, and `docs/` with files, a
/// subdirectory and a symbolic link (whose own time cannot be set: it is when it was made).
/// `reverse` creates the entries in the other order (directory listings then differ); every
/// file and directory gets `mtime`; modes are set explicitly (they are content).
fn write_inputs(root: &Path, reverse: bool, mtime: u64) {
    use std::os::unix::fs::PermissionsExt;
    let mut files: Vec<(&str, &[u8])> = vec![
        ("docs/a.txt", b"alpha\n"),
        ("docs/sub/b.txt", b"beta\n"),
        ("docs/sub/c.bin", &[0u8, 1, 2, 3]),
        ("docs/z.txt", b"zulu\n"),
    ];
    if reverse {
        files.reverse();
    }
    std::fs::write(root.join("hello.txt"), b"hello world\n").unwrap();
    for (name, data) in &files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::os::unix::fs::symlink("a.txt", root.join("docs/link")).unwrap();
    for d in ["docs", "docs/sub"] {
        std::fs::set_permissions(root.join(d), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(
        root.join("hello.txt"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    for (name, _) in &files {
        set_mtime(&root.join(name), mtime);
    }
    for p in ["hello.txt", "docs/sub", "docs"] {
        set_mtime(&root.join(p), mtime);
    }
}

/// One header of a directory layer's tar.
#[derive(Debug, PartialEq)]
struct Header {
    path: String,
    mtime: u64,
    uid: u64,
    gid: u64,
    owner_names: (String, String),
}

/// The headers of the tar+gzip blob `digest` of repository `repo`.
fn headers(dir: &Path, repo: &str, digest: &str) -> Vec<Header> {
    let out = dir.join(format!("{}.tgz", &digest[7..19]));
    oras(
        dir,
        &[
            "blob",
            "fetch",
            &format!("{repo}@{digest}"),
            "-o",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(&out).unwrap());
    let mut archive = tar::Archive::new(gz);
    let mut headers = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let h = entry.header().clone();
        headers.push(Header {
            path: entry.path().unwrap().to_string_lossy().into_owned(),
            mtime: h.mtime().unwrap(),
            uid: h.uid().unwrap(),
            gid: h.gid().unwrap(),
            owner_names: (
                h.username().unwrap().unwrap_or_default().to_string(),
                h.groupname().unwrap().unwrap_or_default().to_string(),
            ),
        });
        std::io::copy(&mut entry, &mut std::io::sink()).unwrap();
    }
    let mut rest = Vec::new();
    archive.into_inner().read_to_end(&mut rest).unwrap();
    headers
}

/// What one run pushed: digests of the file artifact, the directory artifact, the referrer.
struct Pushed {
    file: String,
    dir: String,
    referrer: String,
}

/// Pushes the file and the directory of `root` as `<base>:file-<tag>` and `<base>:dir-<tag>`
/// (a registry repository, or with `layout` an OCI layout), and attaches `hello.txt` to the
/// file artifact, with `env`.
fn push_run(root: &Path, base: &str, layout: bool, tag: &str, env: &[(&str, &str)]) -> Pushed {
    let digest = |args: &[&str]| {
        let mut all = args.to_vec();
        if layout {
            all.push("--oci-layout");
        }
        all.extend(["--format", "go-template={{.digest}}"]);
        oras_env(root, &all, env).ok().stdout
    };
    let file = digest(&["push", &format!("{base}:file-{tag}"), "hello.txt"]);
    let dir = digest(&["push", &format!("{base}:dir-{tag}"), "docs"]);
    let referrer = digest(&[
        "attach",
        &format!("{base}@{file}"),
        "--artifact-type",
        "application/vnd.example.note",
        "hello.txt",
    ]);
    Pushed {
        file,
        dir,
        referrer,
    }
}

/// The manifest `reference` names, parsed.
fn manifest(dir: &Path, reference: &str) -> Value {
    json(&oras(dir, &["manifest", "fetch", reference]).ok().stdout)
}

#[test]
fn source_date_epoch_makes_pushes_and_attaches_reproducible_on_distribution() {
    let reg = Distribution::start(Mode::Plain);
    let repo = format!("{}/repro/files", reg.localhost());
    let env = [("SOURCE_DATE_EPOCH", EPOCH)];
    // two checkouts of the same files, made at different times, with other file times
    let first = tempdir();
    let second = tempdir();
    write_inputs(first.path(), false, 1_000_000_000);
    let one = push_run(first.path(), &repo, false, "one", &env);
    let plain_one = push_run(first.path(), &repo, false, "plain-one", &[]);
    // `created` without SOURCE_DATE_EPOCH has whole seconds: the next run is in another one
    std::thread::sleep(Duration::from_millis(1500));
    write_inputs(second.path(), true, 1_600_000_000);
    let two = push_run(second.path(), &repo, false, "two", &env);
    let plain_two = push_run(second.path(), &repo, false, "plain-two", &[]);

    assert_eq!(one.file, two.file, "file layer artifact");
    assert_eq!(one.dir, two.dir, "directory layer artifact");
    assert_eq!(one.referrer, two.referrer, "attached artifact");
    // the file artifact's manifest depends on nothing but the content and the time: the
    // digest any machine gets for these inputs, and the one oras 1.3 gives with
    // `-a org.opencontainers.image.created=2023-11-14T22:13:20Z` (the manifest's bytes were
    // written out by hand and hashed to get it)
    assert_eq!(
        one.file,
        "sha256:9b99af7d7b8ae81bd514f9686188b07616cd49655f77698d5c4843c4fcd1faa1"
    );
    // without it every run differs, as with oras 1.3
    assert_ne!(plain_one.file, plain_two.file);
    assert_ne!(plain_one.dir, plain_two.dir);
    assert_ne!(plain_one.referrer, plain_two.referrer);

    let d = first.path();
    for digest in [&one.file, &one.dir, &one.referrer] {
        let m = manifest(d, &format!("{repo}@{digest}"));
        assert_eq!(m["annotations"][CREATED_KEY], CREATED, "{m}");
    }
    let m = manifest(d, &format!("{repo}@{}", plain_two.file));
    assert_ne!(m["annotations"][CREATED_KEY], CREATED);

    // every header of the directory's tar has the fixed time, root owner, no names, and
    // the entries come in name order whatever order the directory was written in
    let m = manifest(d, &format!("{repo}@{}", one.dir));
    let layer = m["layers"][0]["digest"].as_str().unwrap().to_string();
    let hs = headers(d, &repo, &layer);
    let paths: Vec<&str> = hs.iter().map(|h| h.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "docs/",
            "docs/a.txt",
            "docs/link",
            "docs/sub/",
            "docs/sub/b.txt",
            "docs/sub/c.bin",
            "docs/z.txt"
        ]
    );
    for h in &hs {
        assert_eq!((h.mtime, h.uid, h.gid), (1_700_000_000, 0, 0), "{}", h.path);
        assert_eq!(h.owner_names, (String::new(), String::new()), "{}", h.path);
    }
    // without it, the files' own times are kept (as oras)
    let m = manifest(d, &format!("{repo}@{}", plain_one.dir));
    let layer = m["layers"][0]["digest"].as_str().unwrap().to_string();
    let hs = headers(d, &repo, &layer);
    let a = hs.iter().find(|h| h.path == "docs/a.txt").unwrap();
    assert_eq!(a.mtime, 1_000_000_000);

    // and a pull gives the files back
    oras(d, &["pull", &format!("{repo}:dir-two"), "-o", "out"]).ok();
    assert_eq!(
        std::fs::read(d.join("out/docs/sub/b.txt")).unwrap(),
        b"beta\n"
    );
}

#[test]
fn source_date_epoch_gives_a_layout_the_registry_digests() {
    let reg = Distribution::start(Mode::Plain);
    let repo = format!("{}/repro/layout", reg.localhost());
    let d = tempdir();
    write_inputs(d.path(), false, 1_234_567_890);
    let env = [("SOURCE_DATE_EPOCH", EPOCH)];
    let to_registry = push_run(d.path(), &repo, false, "r", &env);
    let to_layout = push_run(d.path(), "lay", true, "l", &env);
    assert_eq!(to_layout.file, to_registry.file);
    assert_eq!(to_layout.dir, to_registry.dir);
    assert_eq!(to_layout.referrer, to_registry.referrer);
}

#[test]
fn an_explicit_created_annotation_wins_over_source_date_epoch() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    oras_env(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v1",
            "a.txt",
            "-a",
            "org.opencontainers.image.created=2025-01-01T00:00:00Z",
        ],
        &[("SOURCE_DATE_EPOCH", EPOCH)],
    )
    .ok();
    let m = json(
        &oras(d.path(), &["manifest", "fetch", "--oci-layout", "lay:v1"])
            .ok()
            .stdout,
    );
    assert_eq!(m["annotations"][CREATED_KEY], "2025-01-01T00:00:00Z");
}

#[test]
fn an_empty_source_date_epoch_is_unset() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    oras_env(
        d.path(),
        &["push", "--oci-layout", "lay:v1", "a.txt"],
        &[("SOURCE_DATE_EPOCH", "")],
    )
    .ok();
    let m = json(
        &oras(d.path(), &["manifest", "fetch", "--oci-layout", "lay:v1"])
            .ok()
            .stdout,
    );
    let created = m["annotations"][CREATED_KEY].as_str().unwrap();
    assert!(created.starts_with("20") && created != CREATED, "{created}");
}

#[test]
fn a_malformed_source_date_epoch_fails_before_anything_is_pushed() {
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    oras(d.path(), &["push", "--oci-layout", "lay:subject", "a.txt"]).ok();
    let before = std::fs::read(d.path().join("lay/index.json")).unwrap();
    for value in [
        "abc",
        "-1",
        "+1700000000",
        "1700000000.5",
        " 1700000000",
        "1700000000\n",
        "1e9",
        "253402300800",
        "2023-11-14T22:13:20Z",
    ] {
        for args in [
            &["push", "--oci-layout", "lay:v1", "a.txt"][..],
            &[
                "attach",
                "--oci-layout",
                "lay:subject",
                "--artifact-type",
                "application/vnd.example.note",
                "a.txt",
            ][..],
        ] {
            let r = oras_env(d.path(), args, &[("SOURCE_DATE_EPOCH", value)]).fails();
            assert_eq!(r.stdout, "", "{value:?}");
            assert_eq!(
                r.stderr,
                format!(
                    "Error: invalid SOURCE_DATE_EPOCH: {value:?} is not a UNIX timestamp: want the decimal number of seconds since 1970-01-01T00:00:00Z, 0 to 253402300799\n\
                     Set SOURCE_DATE_EPOCH to a time such as the output of \"date +%s\" or \"git log -1 --format=%ct\", or unset it\n"
                ),
                "{value:?}"
            );
        }
    }
    assert_eq!(
        std::fs::read(d.path().join("lay/index.json")).unwrap(),
        before,
        "nothing was tagged or attached"
    );
}
