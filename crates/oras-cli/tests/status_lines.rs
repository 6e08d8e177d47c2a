//! The status lines of transfers, line by line as oras 1.3.3 prints them: a second file with
//! the same bytes (`foo1`, `foo2`) is reported just before its manifest is done (`Exists` on
//! push, `Skipped` on cp, backup and restore, `Restored` on pull), and pull announces a manifest
//! when it reads it (`Downloading`, then `Processing`). On OCI layouts and on a real registry.
//!
//! Blobs move concurrently, so the lines before a manifest's are compared as a set (each
//! start before its end); from the manifest on, the lines are compared exactly.

mod common;

use std::path::Path;

use common::*;
use oras_test_registry::{Distribution, Mode};

const FOO: &str = "2c26b46b68ff";
const BAR: &str = "fcde2b2edba5";
const EMPTY: &str = "44136fa355b3";
const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// `foo1` and `foo2` (same content) and `bar`, as in oras's e2e data.
fn foobar_files(dir: &Path) {
    std::fs::write(dir.join("foo1"), b"foo").unwrap();
    std::fs::write(dir.join("foo2"), b"foo").unwrap();
    std::fs::write(dir.join("bar"), b"bar").unwrap();
}

/// The digest of the `Digest: sha256:…` line.
fn digest_line(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Digest: "))
        .unwrap_or_else(|| panic!("no Digest line:\n{stdout}"))
        .to_string()
}

/// The 12-hex short form oras prints.
fn short(digest: &str) -> &str {
    &digest["sha256:".len().."sha256:".len() + 12]
}

/// Asserts `stdout` is `head` in some order (each `(start, end)` pair in that order) followed
/// by exactly `tail`.
fn assert_lines(stdout: &str, head: &[String], pairs: &[(&str, &str)], tail: &[String]) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= tail.len(), "{stdout}");
    let (got_head, got_tail) = lines.split_at(lines.len() - tail.len());
    assert_eq!(got_tail, tail, "tail of:\n{stdout}");
    let mut got: Vec<&str> = got_head.to_vec();
    let mut want: Vec<&str> = head.iter().map(String::as_str).collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "lines before the tail of:\n{stdout}");
    for (start, end) in pairs {
        let at = |l: &str| got_head.iter().position(|g| *g == l);
        assert!(
            at(start) < at(end),
            "{start:?} before {end:?} in:\n{stdout}"
        );
    }
}

/// Status lines of the blobs of the foobar artifact (empty config, foo1, bar).
fn blob_lines(start: &str, end: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut head = Vec::new();
    let mut pairs = Vec::new();
    for (short, name) in [(EMPTY, EMPTY_TYPE), (FOO, "foo1"), (BAR, "bar")] {
        let s = format!("{start} {short} {name}");
        let e = format!("{end} {short} {name}");
        head.push(s.clone());
        head.push(e.clone());
        pairs.push((s, e));
    }
    (head, pairs)
}

fn pairs_ref(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

/// `push` of `foo1 foo2 bar` to `target`: the second name is `Exists` before the manifest is
/// uploaded. Returns the manifest digest.
fn push_foobar(dir: &Path, target_args: &[&str], typed: &str) -> String {
    let mut args = vec!["push"];
    args.extend_from_slice(target_args);
    args.extend(["foo1", "foo2", "bar"]);
    let push = oras(dir, &args).ok();
    let digest = digest_line(&push.stdout);
    let m = short(&digest);
    let (mut head, pairs) = blob_lines("Uploading", "Uploaded ");
    head.extend(["Preparing foo1", "Preparing foo2", "Preparing bar"].map(String::from));
    assert_lines(
        &push.stdout,
        &head,
        &pairs_ref(&pairs),
        &[
            format!("Uploading {m} {MANIFEST_TYPE}"),
            format!("Exists    {FOO} foo2"),
            format!("Uploaded  {m} {MANIFEST_TYPE}"),
            format!("Pushed {typed}"),
            "ArtifactType: application/vnd.unknown.artifact.v1".into(),
            format!("Digest: {digest}"),
        ],
    );
    digest
}

#[test]
fn push_cp_pull_report_a_second_name_on_layouts() {
    let d = tempdir();
    foobar_files(d.path());
    let digest = push_foobar(
        d.path(),
        &["--oci-layout", "lay:foobar"],
        "[oci-layout] lay:foobar",
    );
    let m = short(&digest);

    // cp: the second name is Skipped, just before the manifest is copied
    let cp = oras(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "lay:foobar",
            "--to-oci-layout",
            "dst:copied",
        ],
    )
    .ok();
    let (head, pairs) = blob_lines("Copying", "Copied ");
    assert_lines(
        &cp.stdout,
        &head,
        &pairs_ref(&pairs),
        &[
            format!("Copying {m} {MANIFEST_TYPE}"),
            format!("Skipped {FOO} foo2"),
            format!("Copied  {m} {MANIFEST_TYPE}"),
            "Copied [oci-layout] lay:foobar => [oci-layout] dst:copied".into(),
            format!("Digest: {digest}"),
        ],
    );

    // cp of another artifact whose blobs the destination has: Exists, then Skipped for foo2
    let other = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:other",
            "foo1",
            "foo2",
            "--format",
            "json",
        ],
    )
    .ok();
    let other: serde_json::Value = serde_json::from_str(&other.stdout).unwrap();
    let other_digest = other["digest"].as_str().unwrap().to_string();
    let o = short(&other_digest);
    let cp = oras(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "lay:other",
            "--to-oci-layout",
            "dst:other",
        ],
    )
    .ok();
    assert_lines(
        &cp.stdout,
        &[
            format!("Exists  {EMPTY} {EMPTY_TYPE}"),
            format!("Exists  {FOO} foo1"),
        ],
        &[],
        &[
            format!("Copying {o} {MANIFEST_TYPE}"),
            format!("Skipped {FOO} foo2"),
            format!("Copied  {o} {MANIFEST_TYPE}"),
            "Copied [oci-layout] lay:other => [oci-layout] dst:other".into(),
            format!("Digest: {other_digest}"),
        ],
    );

    // pull: the manifest is announced when read, the second file is Restored
    let pull = oras(
        d.path(),
        &["pull", "--oci-layout", "lay:foobar", "-o", "out"],
    )
    .ok();
    let lines: Vec<&str> = pull.stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            format!("Downloading {m} {MANIFEST_TYPE}"),
            format!("Processing  {m} {MANIFEST_TYPE}"),
        ],
        "{}",
        pull.stdout
    );
    assert_lines(
        &lines[2..].join("\n"),
        &[
            format!("Downloading {FOO} foo1"),
            format!("Downloaded  {FOO} foo1"),
            format!("Downloading {BAR} bar"),
            format!("Downloaded  {BAR} bar"),
        ],
        &[
            (
                &format!("Downloading {FOO} foo1"),
                &format!("Downloaded  {FOO} foo1"),
            ),
            (
                &format!("Downloading {BAR} bar"),
                &format!("Downloaded  {BAR} bar"),
            ),
        ],
        &[
            format!("Restored    {FOO} foo2"),
            format!("Downloaded  {m} {MANIFEST_TYPE}"),
            "Pulled [oci-layout] lay:foobar".into(),
            format!("Digest: {digest}"),
        ],
    );
    for f in ["foo1", "foo2"] {
        assert_eq!(std::fs::read(d.path().join("out").join(f)).unwrap(), b"foo");
    }
}

#[test]
fn pull_of_an_empty_config_of_another_media_type_is_not_a_skipped_layer() {
    // image-spec v1.0: the config is `{}` as application/vnd.unknown.config.v1+json; oras
    // leaves any `{}` config out silently (e2e: "should not show hint for unnamed config blob")
    let d = tempdir();
    foobar_files(d.path());
    let push = oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:v10",
            "--image-spec",
            "v1.0",
            "foo1",
            "bar",
        ],
    )
    .ok();
    let digest = digest_line(&push.stdout);
    let pull = oras(d.path(), &["pull", "--oci-layout", "lay:v10", "-o", "out"]).ok();
    assert!(!pull.stdout.contains("Skipped"), "{}", pull.stdout);
    assert!(
        pull.stdout.ends_with(&format!(
            "Downloaded  {} {MANIFEST_TYPE}\nPulled [oci-layout] lay:v10\nDigest: {digest}\n",
            short(&digest)
        )),
        "{}",
        pull.stdout
    );
}

#[test]
fn push_cp_pull_backup_restore_report_a_second_name_on_a_registry() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    foobar_files(d.path());
    let r = format!("{}/status/foobar", reg.localhost());
    let src = format!("{r}:foobar");
    let digest = push_foobar(d.path(), &[&src], &format!("[registry] {src}"));
    let m = short(&digest);

    // cp within the registry mounts the blobs; foo2 is Skipped
    let dst = format!("{}/status/copied:v1", reg.localhost());
    let cp = oras(d.path(), &["cp", &src, &dst]).ok();
    assert_lines(
        &cp.stdout,
        &[
            format!("Mounted {EMPTY} {EMPTY_TYPE}"),
            format!("Mounted {FOO} foo1"),
            format!("Mounted {BAR} bar"),
        ],
        &[],
        &[
            format!("Copying {m} {MANIFEST_TYPE}"),
            format!("Skipped {FOO} foo2"),
            format!("Copied  {m} {MANIFEST_TYPE}"),
            format!("Copied [registry] {src} => [registry] {dst}"),
            format!("Digest: {digest}"),
        ],
    );

    // pull from the registry
    let pull = oras(d.path(), &["pull", &src, "-o", "out"]).ok();
    let lines: Vec<&str> = pull.stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            format!("Downloading {m} {MANIFEST_TYPE}"),
            format!("Processing  {m} {MANIFEST_TYPE}"),
        ],
        "{}",
        pull.stdout
    );
    assert!(
        pull.stdout.ends_with(&format!(
            "Restored    {FOO} foo2\nDownloaded  {m} {MANIFEST_TYPE}\nPulled [registry] {src}\nDigest: {digest}\n"
        )),
        "{}",
        pull.stdout
    );

    // backup: Pulling/Pulled, foo2 Skipped
    let backup = oras(d.path(), &["backup", "--output", "bk", &src]).ok();
    let (mut head, pairs) = blob_lines("Pulling  ", "Pulled   ");
    head.insert(0, format!("Found 1 tag(s) in {r}: foobar"));
    let out: Vec<&str> = backup.stdout.lines().collect();
    let (body, summary) = out.split_at(out.len() - 1);
    assert!(
        summary[0].starts_with(&format!(
            "Successfully backed up 1 tag(s) from {r:?} to \"bk\" in "
        )),
        "{}",
        backup.stdout
    );
    assert_lines(
        &body.join("\n"),
        &head,
        &pairs_ref(&pairs),
        &[
            format!("Pulling   {m} {MANIFEST_TYPE}"),
            format!("Skipped   {FOO} foo2"),
            format!("Pulled    {m} {MANIFEST_TYPE}"),
            "Pulled tag foobar with 0 referrer(s)".into(),
        ],
    );

    // restore into another repository: Pushing/Pushed, foo2 Skipped
    let target = format!("{}/status/restored", reg.localhost());
    let restore = oras(d.path(), &["restore", "--input", "bk", &target]).ok();
    let (mut head, pairs) = blob_lines("Pushing  ", "Pushed   ");
    head.insert(0, "Found 1 tag(s) in the backup: foobar".into());
    let out: Vec<&str> = restore.stdout.lines().collect();
    let (body, summary) = out.split_at(out.len() - 1);
    assert!(
        summary[0].starts_with(&format!("Successfully restored 1 tag(s) to {target:?} in ")),
        "{}",
        restore.stdout
    );
    assert_lines(
        &body.join("\n"),
        &head,
        &pairs_ref(&pairs),
        &[
            format!("Pushing   {m} {MANIFEST_TYPE}"),
            format!("Skipped   {FOO} foo2"),
            format!("Pushed    {m} {MANIFEST_TYPE}"),
            "Pushed tag foobar with 0 referrer(s)".into(),
        ],
    );
}

#[test]
fn pull_with_include_subject_follows_an_unnamed_manifest_and_says_so() {
    // oras 1.3.3 counts the subject (a manifest without a file name) as a layer left out and
    // prints its hint instead of `Pulled`
    let d = tempdir();
    foobar_files(d.path());
    std::fs::write(d.path().join("sig"), b"signature").unwrap();
    let subject = push_foobar(
        d.path(),
        &["--oci-layout", "lay:foobar"],
        "[oci-layout] lay:foobar",
    );
    let att = oras(
        d.path(),
        &[
            "attach",
            "--oci-layout",
            "lay:foobar",
            "--artifact-type",
            "test/sig",
            "sig",
            "--format",
            "json",
        ],
    )
    .ok();
    let att: serde_json::Value = serde_json::from_str(&att.stdout).unwrap();
    let referrer = format!("lay@{}", att["digest"].as_str().unwrap());
    let pull = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            &referrer,
            "--include-subject",
            "-o",
            "out",
        ],
    )
    .ok();
    let s = short(&subject);
    for l in [
        format!("Downloading {s} {MANIFEST_TYPE}"),
        format!("Processing  {s} {MANIFEST_TYPE}"),
        format!("Restored    {FOO} foo2"),
        format!("Downloaded  {s} {MANIFEST_TYPE}"),
    ] {
        assert!(
            pull.stdout.lines().any(|g| g == l),
            "{l:?} in:\n{}",
            pull.stdout
        );
    }
    assert!(
        pull.stdout.ends_with(&format!(
            "Skipped pulling layers without file name in \"org.opencontainers.image.title\"\nUse 'oras copy {referrer} --to-oci-layout <layout-dir>' to pull all layers.\n"
        )),
        "{}",
        pull.stdout
    );
    for f in ["foo1", "foo2", "bar", "sig"] {
        assert!(d.path().join("out").join(f).is_file(), "{f}");
    }
}

#[test]
fn pull_config_name_goes_to_the_first_config_only() {
    // `--include-subject --config`: oras names the root's config only; the subject's config
    // stays unnamed (Skipped), where naming both would claim one file twice
    let d = tempdir();
    foobar_files(d.path());
    std::fs::write(d.path().join("c1.json"), b"{\"a\":1}").unwrap();
    std::fs::write(d.path().join("c2.json"), b"{\"b\":2}").unwrap();
    oras(
        d.path(),
        &[
            "push",
            "--oci-layout",
            "lay:base",
            "foo1",
            "--config",
            "c1.json:application/vnd.c1",
        ],
    )
    .ok();
    let att = oras(
        d.path(),
        &[
            "attach",
            "--oci-layout",
            "lay:base",
            "--artifact-type",
            "t/x",
            "bar",
            "--config",
            "c2.json:application/vnd.c2",
            "--format",
            "json",
        ],
    )
    .ok();
    let att: serde_json::Value = serde_json::from_str(&att.stdout).unwrap();
    let referrer = format!("lay@{}", att["digest"].as_str().unwrap());
    let pull = oras(
        d.path(),
        &[
            "pull",
            "--oci-layout",
            &referrer,
            "--include-subject",
            "--config",
            "cfg.json",
            "-o",
            "out",
        ],
    )
    .ok();
    let c1 = common::craft::digest_of(b"{\"a\":1}");
    assert!(
        pull.stdout
            .lines()
            .any(|l| l == format!("Skipped     {} application/vnd.c1", short(&c1))),
        "{}",
        pull.stdout
    );
    assert_eq!(
        std::fs::read(d.path().join("out/cfg.json")).unwrap(),
        b"{\"b\":2}"
    );
}
