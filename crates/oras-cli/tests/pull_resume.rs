//! `pull -k` resumes a pull: files already holding their layer's content are kept (reported
//! `Exists`, not fetched again, left untouched), missing ones are pulled, a file of other
//! content is still refused (`overwrite disallowed`). A directory layer over an existing
//! directory is compared entry by entry first: matching entries are kept, missing ones written,
//! and one that differs fails the pull before any entry is written.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use common::*;
use oras_test_registry::{Distribution, Mode};
use serde_json::Value;

/// Files for one artifact: two of the same content, and a directory with a nested file and a
/// symbolic link.
fn write_inputs(root: &Path) {
    std::fs::write(root.join("a.txt"), b"alpha\n").unwrap();
    std::fs::write(root.join("b.txt"), b"beta\n").unwrap();
    std::fs::write(root.join("c.txt"), b"alpha\n").unwrap();
    std::fs::create_dir_all(root.join("docs/sub")).unwrap();
    std::fs::write(root.join("docs/sub/x.md"), b"x\n").unwrap();
    std::fs::write(root.join("docs/y.md"), b"y\n").unwrap();
    std::os::unix::fs::symlink("y.md", root.join("docs/link")).unwrap();
}

const INPUTS: [&str; 4] = ["a.txt", "b.txt", "c.txt", "docs"];

/// The inode and modification time of a file: a kept file has both unchanged.
fn identity(path: &Path) -> (u64, i64, i64) {
    let m = std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (m.ino(), m.mtime(), m.mtime_nsec())
}

/// The status lines of `stdout` that name `title`.
fn lines_for<'a>(stdout: &'a str, title: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .filter(|l| l.split_whitespace().nth(2) == Some(title))
        .collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Pulls `target` (plus `extra` arguments) into `out` with `-k`.
fn pull_k(dir: &Path, target: &[&str], out: &str) -> Run {
    let mut args = vec!["pull", "--no-tty", "-k", "-o", out];
    args.extend(target);
    oras(dir, &args)
}

/// The whole resume story against one artifact: nothing to do, some files missing, a file and
/// a directory entry of other content.
fn resume_story(dir: &Path, target: &[&str]) {
    let out = dir.join("out");
    let mut first = vec!["pull", "--no-tty", "-o", "out"];
    first.extend(target);
    oras(dir, &first).ok();
    let before = identity(&out.join("a.txt"));

    // everything in place: kept, reported as existing, nothing replaced
    let again = pull_k(dir, target, "out").ok();
    for t in ["a.txt", "b.txt", "c.txt"] {
        let lines = lines_for(&again.stdout, t);
        assert_eq!(lines.len(), 1, "{t}: {}", again.stdout);
        assert!(lines[0].starts_with("Exists      "), "{}", again.stdout);
    }
    assert_eq!(
        identity(&out.join("a.txt")),
        before,
        "a kept file is untouched"
    );
    assert!(again.stdout.contains("Pulled "), "{}", again.stdout);

    // missing files and a missing directory entry are pulled; the rest is kept
    std::fs::remove_file(out.join("b.txt")).unwrap();
    std::fs::remove_file(out.join("c.txt")).unwrap();
    std::fs::remove_file(out.join("docs/sub/x.md")).unwrap();
    let y_before = identity(&out.join("docs/y.md"));
    let resumed = pull_k(dir, target, "out").ok();
    assert!(
        lines_for(&resumed.stdout, "a.txt")[0].starts_with("Exists"),
        "{}",
        resumed.stdout
    );
    assert!(
        lines_for(&resumed.stdout, "b.txt")
            .iter()
            .any(|l| l.starts_with("Downloaded")),
        "{}",
        resumed.stdout
    );
    assert_eq!(read(&out.join("b.txt")), b"beta\n");
    assert_eq!(read(&out.join("c.txt")), b"alpha\n");
    assert_eq!(read(&out.join("docs/sub/x.md")), b"x\n");
    assert_eq!(
        identity(&out.join("docs/y.md")),
        y_before,
        "a kept entry is untouched"
    );
    assert_eq!(identity(&out.join("a.txt")), before);

    // a file of other content is refused and stays as it is
    std::fs::write(out.join("a.txt"), b"mine\n").unwrap();
    let refused = pull_k(dir, target, "out").fails();
    let shown = out.join("a.txt").display().to_string();
    assert!(
        refused
            .stderr
            .contains(&format!("{shown}: overwrite disallowed")),
        "{}",
        refused.stderr
    );
    assert_eq!(read(&out.join("a.txt")), b"mine\n");
    std::fs::write(out.join("a.txt"), b"alpha\n").unwrap();

    // a directory entry of other content: refused before any entry is written
    std::fs::write(out.join("docs/y.md"), b"mine\n").unwrap();
    std::fs::remove_file(out.join("docs/sub/x.md")).unwrap();
    let refused = pull_k(dir, target, "out").fails();
    let shown = out.join("docs/y.md").display().to_string();
    assert!(
        refused
            .stderr
            .contains(&format!("{shown}: overwrite disallowed")),
        "{}",
        refused.stderr
    );
    assert_eq!(read(&out.join("docs/y.md")), b"mine\n");
    assert!(
        !out.join("docs/sub/x.md").exists(),
        "nothing of the refused directory layer is written"
    );

    // a link turned into another link is other content too
    std::fs::write(out.join("docs/y.md"), b"y\n").unwrap();
    std::fs::remove_file(out.join("docs/link")).unwrap();
    std::os::unix::fs::symlink("sub", out.join("docs/link")).unwrap();
    pull_k(dir, target, "out").fails();
    std::fs::remove_file(out.join("docs/link")).unwrap();
    std::os::unix::fs::symlink("y.md", out.join("docs/link")).unwrap();
    pull_k(dir, target, "out").ok();
    assert_eq!(read(&out.join("docs/sub/x.md")), b"x\n");
}

#[test]
fn pull_k_resumes_from_a_layout() {
    let d = tempdir();
    write_inputs(d.path());
    let mut push = vec!["push", "--oci-layout", "lay:v1"];
    push.extend(INPUTS);
    oras(d.path(), &push).ok();
    resume_story(d.path(), &["--oci-layout", "lay:v1"]);
}

#[test]
fn pull_k_resumes_from_a_registry() {
    let reg = Distribution::start(Mode::Plain);
    let reference = format!("{}/resume/files:v1", reg.localhost());
    let d = tempdir();
    write_inputs(d.path());
    let mut push = vec!["push", reference.as_str()];
    push.extend(INPUTS);
    oras(d.path(), &push).ok();
    resume_story(d.path(), &[reference.as_str()]);
}

#[test]
fn pull_k_lists_kept_files_in_its_json_model() {
    let d = tempdir();
    write_inputs(d.path());
    oras(
        d.path(),
        &["push", "--oci-layout", "lay:v1", "a.txt", "b.txt"],
    )
    .ok();
    oras(d.path(), &["pull", "--oci-layout", "lay:v1", "-o", "out"]).ok();
    std::fs::remove_file(d.path().join("out/b.txt")).unwrap();
    let run = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            "lay:v1",
            "-o",
            "out",
            "-k",
            "--format",
            "json",
        ],
    )
    .ok();
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut titles: Vec<&str> = model["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["annotations"]["org.opencontainers.image.title"]
                .as_str()
                .unwrap()
        })
        .collect();
    titles.sort();
    assert_eq!(titles, ["a.txt", "b.txt"]);
}

#[test]
fn pull_k_refuses_what_is_not_a_file_or_directory_of_the_layer() {
    let d = tempdir();
    write_inputs(d.path());
    oras(
        d.path(),
        &["push", "--oci-layout", "lay:v1", "a.txt", "docs"],
    )
    .ok();
    let out = d.path().join("out");
    // a link to a file of the right content is not the file: refused, not followed
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(d.path().join("elsewhere"), b"alpha\n").unwrap();
    std::os::unix::fs::symlink(d.path().join("elsewhere"), out.join("a.txt")).unwrap();
    let e = pull_k(d.path(), &["--oci-layout", "lay:v1"], "out").fails();
    assert!(e.stderr.contains("overwrite disallowed"), "{}", e.stderr);
    std::fs::remove_file(out.join("a.txt")).unwrap();
    // (the directory layer may have been written meanwhile)
    let _ = std::fs::remove_dir_all(out.join("docs"));
    // a file where the directory layer goes
    std::fs::write(out.join("docs"), b"not a directory").unwrap();
    let e = pull_k(d.path(), &["--oci-layout", "lay:v1"], "out").fails();
    let shown = out.join("docs").display().to_string();
    assert!(
        e.stderr.contains(&format!("{shown}: overwrite disallowed")),
        "{}",
        e.stderr
    );
    assert_eq!(read(&out.join("docs")), b"not a directory");
}
