//! Hostile artifacts against `oras pull`: crafted directory layers (link chains, links already
//! in the output, hard links, truncated archives) and titles that collide or cannot be
//! written. Each case checks the exit code, the message, and that nothing outside the output
//! directory changed (a sentinel tree fingerprinted before and after).

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use common::craft::{Entry, fingerprint, push_directory_layer, push_titled_files, tar};
use common::*;

/// A work directory with a sentinel tree `outside/` next to the output directory `out/`.
struct Scene {
    dir: tempfile::TempDir,
    before: Vec<String>,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempdir();
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(outside.join("sub")).unwrap();
        std::fs::write(outside.join("victim.txt"), b"precious\n").unwrap();
        std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(
            outside.join("victim.txt"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let before = fingerprint(&outside);
        Scene { dir, before }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn out(&self) -> PathBuf {
        self.path().join("out")
    }

    /// Nothing outside `out/` was created, changed, chmod-ed or re-timed.
    fn assert_outside_untouched(&self) {
        assert_eq!(
            fingerprint(&self.path().join("outside")),
            self.before,
            "the sentinel tree outside the output directory changed"
        );
        for escaped in ["escape.txt", "new.txt", "f", "h"] {
            assert!(
                !self.path().join(escaped).exists(),
                "{escaped} was written next to out/"
            );
        }
    }

    /// Pushes a directory layer `pkg` made of `entries` and pulls it into `out/`.
    fn pull_layer(&self, entries: &[Entry]) -> Run {
        push_directory_layer(self.path(), "lay:v1", "pkg", &tar(entries, false));
        oras(
            self.path(),
            &["pull", "--oci-layout", "lay:v1", "-o", "out"],
        )
    }
}

/// Entries `pkg/a/up -> ..`, `pkg/a/e0 -> up/..`, `pkg/a/e1 -> e0/..`: each looks inside
/// when read as text, and on disk `e1` is the work directory two levels above `pkg`.
fn link_chain() -> Vec<Entry> {
    vec![
        Entry::dir("pkg/", 0o755),
        Entry::dir("pkg/a/", 0o755),
        Entry::symlink("pkg/a/up", ".."),
        Entry::symlink("pkg/a/e0", "up/.."),
        Entry::symlink("pkg/a/e1", "e0/.."),
    ]
}

fn assert_traversal_refused(run: &Run) {
    assert!(
        run.stderr.contains("path traversal disallowed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--allow-path-traversal"),
        "{}",
        run.stderr
    );
}

#[test]
fn link_chain_cannot_reach_a_file_outside() {
    let s = Scene::new();
    let mut entries = link_chain();
    entries.push(Entry::hardlink("pkg/h", "pkg/a/e1/outside/victim.txt"));
    entries.push(Entry::file("pkg/h", b"pwned\n"));
    let run = s.pull_layer(&entries).fails();
    assert_traversal_refused(&run);
    assert!(run.stderr.contains("pkg/a/e0 -> up/.."), "{}", run.stderr);
    s.assert_outside_untouched();
}

#[test]
fn directory_entry_through_a_link_chain_cannot_chmod_outside() {
    let s = Scene::new();
    let mut entries = link_chain();
    // `o` is the sentinel directory; an entry naming `o` itself would chmod and re-time it
    entries.push(Entry::symlink("pkg/a/o", "e1/outside"));
    entries.push(Entry::dir("pkg/a/o/", 0o777).mtime(0));
    let run = s.pull_layer(&entries).fails();
    assert_traversal_refused(&run);
    s.assert_outside_untouched();
}

#[test]
fn directory_entry_naming_a_link_is_refused() {
    let s = Scene::new();
    let run = s
        .pull_layer(&[
            Entry::dir("pkg/", 0o755),
            Entry::dir("pkg/in/", 0o755),
            Entry::symlink("pkg/s", "in"),
            Entry::dir("pkg/s/", 0o700).mtime(0),
        ])
        .fails();
    assert_traversal_refused(&run);
    assert!(
        run.stderr.contains("no symbolic link allowed"),
        "{}",
        run.stderr
    );
    let run = s
        .pull_layer(&[
            Entry::dir("pkg/", 0o755),
            Entry::dir("pkg/in/", 0o755),
            Entry::symlink("pkg/s", "in"),
            Entry::file("pkg/s/x", b"through a link\n"),
        ])
        .fails();
    assert!(
        run.stderr.contains("no symbolic link allowed"),
        "{}",
        run.stderr
    );
    assert!(!s.out().join("pkg/in/x").exists());
}

#[test]
fn links_already_in_the_output_are_never_followed() {
    let s = Scene::new();
    std::fs::create_dir_all(s.out().join("pkg")).unwrap();
    symlink("../../outside", s.out().join("pkg/link")).unwrap();
    let run = s
        .pull_layer(&[
            Entry::dir("pkg/", 0o755),
            Entry::dir("pkg/link/", 0o700).mtime(0),
            Entry::file("pkg/link/new.txt", b"new\n"),
        ])
        .fails();
    assert_traversal_refused(&run);
    s.assert_outside_untouched();

    // the layer's own directory is a link to outside
    std::fs::remove_dir_all(s.out().join("pkg")).unwrap();
    symlink("../outside", s.out().join("pkg")).unwrap();
    let run = s
        .pull_layer(&[
            Entry::dir("pkg/", 0o700).mtime(0),
            Entry::file("pkg/f", b"f\n"),
        ])
        .fails();
    assert_traversal_refused(&run);
    s.assert_outside_untouched();
}

#[test]
fn a_link_that_later_entries_turn_outward_is_removed() {
    let s = Scene::new();
    // `x -> b/..` is inside while `b` does not exist; `b -> ..` (the layer's directory) is
    // inside too; together `x` is the output directory's parent.
    let run = s
        .pull_layer(&[
            Entry::dir("pkg/", 0o755),
            Entry::dir("pkg/a/", 0o755),
            Entry::symlink("pkg/a/x", "b/../.."),
            Entry::symlink("pkg/a/b", ".."),
        ])
        .fails();
    assert_traversal_refused(&run);
    assert!(
        std::fs::symlink_metadata(s.out().join("pkg/a/x")).is_err(),
        "the outward link is removed"
    );
    s.assert_outside_untouched();
}

#[test]
fn entries_and_links_outside_the_layer_are_refused() {
    let s = Scene::new();
    for entries in [
        vec![Entry::file("pkg/../escape.txt", b"x\n")],
        vec![Entry::file("../escape.txt", b"x\n")],
        vec![Entry::file("/tmp/oras-hostile-escape.txt", b"x\n")],
        vec![Entry::symlink("pkg/abs", "/etc")],
        vec![Entry::symlink("pkg/up", "../../outside")],
        vec![Entry::hardlink("pkg/h", "pkg/../../outside/victim.txt")],
        vec![Entry::file("other/f.txt", b"x\n")],
    ] {
        let run = s.pull_layer(&entries).fails();
        assert_traversal_refused(&run);
        s.assert_outside_untouched();
        assert!(!s.out().join("escape.txt").exists());
        assert!(!s.path().join("escape.txt").exists());
        assert!(!s.out().join("other").exists());
        assert!(!Path::new("/tmp/oras-hostile-escape.txt").exists());
    }
}

#[test]
fn a_hard_link_does_not_carry_later_writes_to_its_target() {
    let s = Scene::new();
    s.pull_layer(&[
        Entry::dir("pkg/", 0o755),
        Entry::file("pkg/f", b"one\n"),
        Entry::hardlink("pkg/h", "pkg/f"),
        Entry::file("pkg/h", b"two\n"),
    ])
    .ok();
    assert_eq!(std::fs::read(s.out().join("pkg/f")).unwrap(), b"one\n");
    assert_eq!(std::fs::read(s.out().join("pkg/h")).unwrap(), b"two\n");
}

#[test]
fn set_id_bits_are_dropped_and_times_restored() {
    let s = Scene::new();
    s.pull_layer(&[
        Entry::dir("pkg/", 0o755).mtime(1_234_567_890),
        Entry::dir("pkg/d/", 0o750).mtime(1_111_111_111),
        Entry::file("pkg/d/run", b"#!/bin/sh\n").mode(0o6755),
    ])
    .ok();
    let run = std::fs::metadata(s.out().join("pkg/d/run")).unwrap();
    assert_eq!(run.permissions().mode() & 0o7000, 0, "no set-id bits");
    assert_eq!(run.permissions().mode() & 0o700, 0o700);
    use std::os::unix::fs::MetadataExt;
    // directory times survive the files written into them afterwards
    assert_eq!(
        std::fs::metadata(s.out().join("pkg/d")).unwrap().mtime(),
        1_111_111_111
    );
    assert_eq!(
        std::fs::metadata(s.out().join("pkg")).unwrap().mtime(),
        1_234_567_890
    );
}

#[test]
fn a_truncated_archive_says_what_is_wrong() {
    let s = Scene::new();
    let entries = [
        Entry::dir("pkg/", 0o755),
        Entry::file("pkg/big", b"only ten b").declared(5_000_000_000),
    ];
    push_directory_layer(s.path(), "lay:v1", "pkg", &tar(&entries, true));
    let run = oras(s.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).fails();
    assert!(
        run.stderr.contains("invalid directory archive"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("\"pkg/big\""), "{}", run.stderr);
    assert!(run.stderr.contains("5000000000"), "{}", run.stderr);
}

/// Every file below `dir` (none when it does not exist).
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_below(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn duplicate_titles_fail_before_anything_is_written() {
    let s = Scene::new();
    push_titled_files(
        s.path(),
        "lay:v1",
        &[("one.txt", b"one\n", "same"), ("two.txt", b"two\n", "same")],
    );
    let run = oras(s.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).fails();
    assert!(
        run.stderr.contains("same: duplicate name"),
        "{}",
        run.stderr
    );
    assert_eq!(files_below(&s.out()), Vec::<PathBuf>::new());
}

#[test]
fn nested_titles_fail_the_same_way_on_every_run() {
    let s = Scene::new();
    push_titled_files(
        s.path(),
        "lay:v1",
        &[("x.txt", b"x\n", "a/b"), ("y.txt", b"y\n", "a")],
    );
    let first = oras(s.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).fails();
    assert!(
        first.stderr.contains("a: duplicate name"),
        "{}",
        first.stderr
    );
    for _ in 0..4 {
        let again = oras(s.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).fails();
        assert_eq!(again.stderr, first.stderr);
        assert_eq!(files_below(&s.out()), Vec::<PathBuf>::new());
    }
}

#[test]
fn a_title_naming_a_directory_fails() {
    let s = Scene::new();
    std::fs::create_dir_all(s.out().join("foo")).unwrap();
    for title in ["foo", "foo/", ".", "./"] {
        push_titled_files(s.path(), "lay:v1", &[("f.txt", b"content\n", title)]);
        let run = oras(s.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).fails();
        assert!(
            run.stderr.contains("is a directory"),
            "{title}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("Pulled"), "{}", run.stdout);
        assert_eq!(files_below(&s.out()), Vec::<PathBuf>::new(), "{title}");
    }
}

#[test]
fn titles_no_file_system_takes_fail_and_leave_nothing_behind() {
    let s = Scene::new();
    let long = "x".repeat(300);
    for (title, says) in [("a\u{0}b", "NUL"), (long.as_str(), "too long")] {
        push_titled_files(s.path(), "lay:v1", &[("f.txt", b"content\n", title)]);
        let run = oras(s.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).fails();
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert_eq!(files_below(&s.out()), Vec::<PathBuf>::new());
    }
}

#[test]
fn a_failed_local_write_names_the_file_and_leaves_no_partial() {
    let s = Scene::new();
    let big = vec![7u8; 1 << 20];
    push_titled_files(s.path(), "lay:v1", &[("big.bin", &big, "big.bin")]);
    // the file size limit makes writes past 64 KiB fail (EFBIG), as a full disk would
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 128; exec \"$0\" pull --oci-layout lay:v1 -o out")
        .arg(oras_bin())
        .current_dir(s.path())
        .env("HOME", s.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("failed to write"), "{stderr}");
    assert!(stderr.contains("big.bin"), "{stderr}");
    assert_eq!(files_below(&s.out()), Vec::<PathBuf>::new());
}

#[test]
fn an_unwritable_output_directory_names_the_file_it_could_not_create() {
    let s = Scene::new();
    push_titled_files(s.path(), "lay:v1", &[("f.txt", b"content\n", "f.txt")]);
    std::fs::create_dir_all(s.out()).unwrap();
    std::fs::set_permissions(s.out(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let uid = std::process::Command::new("id").arg("-u").output().unwrap();
    let root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    let mut cmd = if root {
        // permissions do not stop root: run as nobody, with a copy of the binary it can reach
        for p in [s.path().to_path_buf(), s.path().join("lay")] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let bin = s.path().join("oras-copy");
        std::fs::copy(oras_bin(), &bin).unwrap();
        std::process::Command::new("chmod")
            .args(["-R", "a+rX"])
            .arg(s.path().join("lay"))
            .status()
            .unwrap();
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin);
        c
    } else {
        std::process::Command::new(oras_bin())
    };
    let out = cmd
        .args(["pull", "--oci-layout", "lay:v1", "-o", "out"])
        .current_dir(s.path())
        .env("HOME", s.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let file = s.out().join("f.txt");
    assert!(
        stderr.contains(&format!("failed to create file {}", file.display())),
        "{stderr}"
    );
    assert!(stderr.contains("ermission denied"), "{stderr}");
}

#[test]
fn hostile_layouts_fail_cleanly() {
    let s = Scene::new();
    push_titled_files(s.path(), "lay:v1", &[("f.txt", b"content\n", "f.txt")]);
    let lay = s.path().join("lay");
    let index = std::fs::read_to_string(lay.join("index.json")).unwrap();
    let manifest_digest = index_json(&lay)["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();

    // a digest in index.json that would be a path out of the layout
    let evil = index.replace(&manifest_digest, "sha256:../../../outside/victim.txt");
    std::fs::write(lay.join("index.json"), &evil).unwrap();
    let run = oras(s.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).fails();
    assert!(run.stderr.contains("invalid"), "{}", run.stderr);
    std::fs::write(lay.join("index.json"), &index).unwrap();

    // a manifest blob that is a named pipe: reading it must not block forever
    let blob = lay.join("blobs/sha256").join(&manifest_digest[7..]);
    std::fs::remove_file(&blob).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&blob)
            .status()
            .unwrap()
            .success()
    );
    let out = std::process::Command::new("timeout")
        .arg("60")
        .arg(oras_bin())
        .args(["pull", "--oci-layout", "lay:v1", "-o", "out"])
        .current_dir(s.path())
        .env("HOME", s.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");

    // an index.json far too large to read into memory
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(lay.join("index.json"))
        .unwrap();
    f.set_len(65 << 20).unwrap();
    let run = oras(s.path(), &["repo", "tags", "--oci-layout", "lay"]).fails();
    assert!(run.stderr.contains("larger than"), "{}", run.stderr);
    s.assert_outside_untouched();
}

#[test]
fn a_directory_layer_with_a_nested_title_lands_under_that_title() {
    let s = Scene::new();
    let entries = [
        Entry::dir("deep/pkg/", 0o755),
        Entry::file("deep/pkg/f.txt", b"nested\n"),
    ];
    push_directory_layer(s.path(), "lay:v1", "deep/pkg", &tar(&entries, false));
    oras(s.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).ok();
    assert_eq!(
        std::fs::read(s.out().join("deep/pkg/f.txt")).unwrap(),
        b"nested\n"
    );
    assert_eq!(
        files_below(&s.out()).len(),
        1,
        "{:?}",
        files_below(&s.out())
    );
}
