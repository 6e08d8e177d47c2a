//! Requests per small blob and how many move at once: the existence check folded into the
//! upload (a mount from the repository itself, or the single-request upload where the
//! registry takes it, detected once), no `HEAD` before a pull's `GET`, and the adaptive
//! concurrency under 429 against an exact `--concurrency`.

mod common;

use std::path::Path;

use common::*;
use oras_test_registry::inproc::{Options, TestRegistry};
use oras_test_registry::{Distribution, Mode};

/// `n` small files of distinct bytes in `dir`; their names.
fn small_files(dir: &Path, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let name = format!("f{i}.bin");
            let data: Vec<u8> = (0..1024).map(|j| ((i * 31 + j * 7) % 251) as u8).collect();
            std::fs::write(dir.join(&name), data).unwrap();
            name
        })
        .collect()
}

/// The requests of a `--debug` trace: (method, URL) pairs.
fn traced(stderr: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut url = None;
    for line in stderr.lines() {
        if let Some(u) = line.strip_prefix("> Request URL: ") {
            url = Some(u.trim_matches('"').to_string());
        } else if let Some(m) = line.strip_prefix("> Request method: ")
            && let Some(u) = url.take()
        {
            out.push((m.trim_matches('"').to_string(), u));
        }
    }
    out
}

/// Blob requests of a trace: (method, URL) where the URL names blobs.
fn blob_requests(stderr: &str) -> Vec<(String, String)> {
    traced(stderr)
        .into_iter()
        .filter(|(_, u)| u.contains("/blobs/"))
        .collect()
}

fn push_args<'a>(target: &'a str, files: &'a [String]) -> Vec<&'a str> {
    let mut args = vec!["push", "--debug", target];
    args.extend(files.iter().map(String::as_str));
    args
}

/// Pulls `target` into a new directory and checks every file came back as pushed.
fn assert_pulls_back(src: &Path, target: &str, files: &[String]) -> Run {
    let out = tempdir();
    let run = oras(out.path(), &["pull", "--debug", target, "-o", "."]).ok();
    for f in files {
        assert_eq!(
            std::fs::read(out.path().join(f)).unwrap(),
            std::fs::read(src.join(f)).unwrap(),
            "{f}"
        );
    }
    run
}

#[test]
fn distribution_gets_two_requests_per_small_blob_and_exists_still_shows() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let files = small_files(d.path(), 6);
    let target = format!("{}/rt/small:v1", reg.localhost());
    let run = oras(d.path(), &push_args(&target, &files)).ok();
    let blobs = blob_requests(&run.stderr);
    // six files and the empty config: a mount POST and a PUT each, never a HEAD; the
    // single-request upload is tried once (distribution opens a session instead, and the one
    // the mount opened is cancelled)
    let count = |method: &str, part: &str| {
        blobs
            .iter()
            .filter(|(m, u)| m == method && u.contains(part))
            .count()
    };
    assert_eq!(count("POST", "mount="), 7, "{blobs:#?}");
    assert_eq!(count("PUT", "digest="), 7, "{blobs:#?}");
    assert_eq!(count("POST", "?digest="), 1, "{blobs:#?}");
    assert_eq!(count("DELETE", ""), 1, "{blobs:#?}");
    assert_eq!(blobs.len(), 16, "{blobs:#?}");

    // pushed again (another manifest, even within the same second of the first push): the
    // mounts find every blob, which is reported as there
    let again = format!("{}/rt/small:v2", reg.localhost());
    let mut args = push_args(&again, &files);
    args.extend(["--annotation", "run=2"]);
    let run = oras(d.path(), &args).ok();
    for f in &files {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with("Exists") && l.ends_with(f)),
            "{f}:\n{}",
            run.stdout
        );
    }
    let blobs = blob_requests(&run.stderr);
    assert!(blobs.iter().all(|(m, _)| m == "POST"), "{blobs:#?}");
    assert_eq!(blobs.len(), 7, "{blobs:#?}");

    // a pull asks for each blob once, with a GET
    let run = assert_pulls_back(d.path(), &target, &files);
    let blobs = blob_requests(&run.stderr);
    assert!(blobs.iter().all(|(m, _)| m == "GET"), "{blobs:#?}");
    assert_eq!(blobs.len(), 6, "{blobs:#?}");
}

/// Manifest requests of a trace: (method, the reference after `manifests/`).
fn manifest_requests(stderr: &str) -> Vec<(String, String)> {
    traced(stderr)
        .into_iter()
        .filter_map(|(m, u)| Some((m, u.split_once("/manifests/")?.1.to_string())))
        .collect()
}

/// The digest a push prints on its `Digest:` line.
fn digest_line(stdout: &str) -> String {
    let line = stdout.lines().find_map(|l| l.strip_prefix("Digest: "));
    line.expect("a Digest: line").to_string()
}

#[test]
fn a_tagged_manifest_goes_up_under_its_first_tag_in_one_request() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let files = small_files(d.path(), 2);
    let target = format!("{}/rt/tagged:v1,v2", reg.localhost());
    let run = oras(d.path(), &push_args(&target, &files)).ok();
    let digest = digest_line(&run.stdout);
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(m, r)| (m.to_string(), r.to_string()))
            .collect()
    };
    // is it there? then a PUT per tag, the first one storing it: never a PUT by digest
    let want = pairs(&[("HEAD", &digest), ("PUT", "v1"), ("PUT", "v2")]);
    assert_eq!(manifest_requests(&run.stderr), want);
    assert!(run.stdout.contains("Tagged v2"), "{}", run.stdout);

    // the same push again: it is there, each tag a PUT
    let run = oras(d.path(), &push_args(&target, &files)).ok();
    assert_eq!(manifest_requests(&run.stderr), want);

    // copied under a new tag: resolved at the source, pushed there under the tag
    let dst = format!("{}/rt/copied:v9", reg.localhost());
    let src = format!("{}/rt/tagged:v1", reg.localhost());
    let run = oras(d.path(), &["cp", "--debug", &src, &dst]).ok();
    let want = pairs(&[("GET", "v1"), ("HEAD", &digest), ("PUT", "v9")]);
    assert_eq!(manifest_requests(&run.stderr), want);
    let run = oras(d.path(), &["manifest", "fetch", "--descriptor", &dst]).ok();
    assert!(run.stdout.contains(&digest), "{}", run.stdout);

    // a manifest pushed as it is (another one, naming the same blobs), under two tags
    let manifest = oras(d.path(), &["manifest", "fetch", &src]).ok().stdout;
    let manifest = manifest.replacen("\"annotations\":{", "\"annotations\":{\"raw\":\"1\",", 1);
    std::fs::write(d.path().join("m.json"), &manifest).unwrap();
    let dst = format!("{}/rt/tagged:a,b", reg.localhost());
    let run = oras(d.path(), &["manifest", "push", "--debug", &dst, "m.json"]).ok();
    let digest = digest_line(&run.stdout);
    let want = pairs(&[("HEAD", &digest), ("PUT", "a"), ("PUT", "b")]);
    assert_eq!(manifest_requests(&run.stderr), want);
    let run = oras(
        d.path(),
        &[
            "manifest",
            "fetch",
            &format!("{}/rt/tagged:b", reg.localhost()),
        ],
    );
    assert_eq!(run.ok().stdout, manifest);
}

#[test]
fn a_registry_taking_single_request_uploads_gets_one_request_per_small_blob() {
    let reg = TestRegistry::start(Options {
        single_post: true,
        ..Default::default()
    });
    let d = tempdir();
    let files = small_files(d.path(), 8);
    let target = format!("{}/rt/single:v1", reg.localhost());
    // one blob at a time, so every blob after the first knows the answer of the detection
    let mut args = push_args(&target, &files);
    args.extend(["--concurrency", "1"]);
    oras(d.path(), &args).ok();
    let blobs: Vec<_> = reg
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/blobs/"))
        .collect();
    let count = |method: &str, query: &str| {
        blobs
            .iter()
            .filter(|r| r.method == method && r.query.starts_with(query))
            .count()
    };
    // the first blob's mount finds it missing and its single request detects the support
    // (the mount's session is cancelled); every other blob is one POST
    assert_eq!(count("POST", "mount="), 1, "{blobs:#?}");
    assert_eq!(count("POST", "digest="), 9, "{blobs:#?}");
    assert_eq!(count("DELETE", ""), 1, "{blobs:#?}");
    assert_eq!(blobs.len(), 11, "{blobs:#?}");
    assert_pulls_back(d.path(), &target, &files);
}

#[test]
fn single_request_uploads_are_tried_once_and_fall_back_to_mount_and_put() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let files = small_files(d.path(), 8);
    let target = format!("{}/rt/fallback:v1", reg.localhost());
    oras(d.path(), &push_args(&target, &files)).ok();
    let blobs: Vec<_> = reg
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/blobs/"))
        .collect();
    let single = blobs
        .iter()
        .filter(|r| r.method == "POST" && r.query.starts_with("digest="))
        .count();
    let mounts = blobs
        .iter()
        .filter(|r| r.method == "POST" && r.query.starts_with("mount="))
        .count();
    let puts = blobs.iter().filter(|r| r.method == "PUT").count();
    let deletes = blobs.iter().filter(|r| r.method == "DELETE").count();
    assert_eq!((single, mounts, puts, deletes), (1, 9, 9, 1), "{blobs:#?}");
    assert_eq!(blobs.len(), 20, "{blobs:#?}");
    assert_pulls_back(d.path(), &target, &files);
}

#[test]
fn adaptive_concurrency_backs_off_on_429_and_completes() {
    let reg = TestRegistry::start(Options {
        single_post: true,
        busy_above: Some(4),
        delay: Some(std::time::Duration::from_millis(20)),
        ..Default::default()
    });
    let d = tempdir();
    let files = small_files(d.path(), 40);
    let target = format!("{}/rt/busy:v1", reg.localhost());
    let mut args = vec!["push", &target];
    args.extend(files.iter().map(String::as_str));
    oras(d.path(), &args).ok();
    assert!(reg.refused_busy() > 0, "the registry was never too busy");
    assert!(reg.peak_in_flight() > 1, "one request at a time");
    assert_pulls_back(d.path(), &target, &files);
}

#[test]
fn an_explicit_concurrency_is_an_exact_cap() {
    let reg = TestRegistry::start(Options {
        delay: Some(std::time::Duration::from_millis(5)),
        ..Default::default()
    });
    let d = tempdir();
    let files = small_files(d.path(), 12);
    let target = format!("{}/rt/one:v1", reg.localhost());
    let mut args = vec!["push", "--concurrency", "1", &target];
    args.extend(files.iter().map(String::as_str));
    oras(d.path(), &args).ok();
    assert_eq!(reg.peak_in_flight(), 1);
    let out = tempdir();
    oras(
        out.path(),
        &["pull", "--concurrency", "1", &target, "-o", "."],
    )
    .ok();
    assert_eq!(reg.peak_in_flight(), 1);

    // without the flag the same push has several blobs in flight (an annotation makes its
    // manifest differ: this registry shares manifests across repositories, so an identical one
    // would exist already and its blobs be skipped)
    let adaptive = format!("{}/rt/many:v1", reg.localhost());
    let mut args = vec!["push", "--annotation", "run=2", &adaptive];
    args.extend(files.iter().map(String::as_str));
    oras(d.path(), &args).ok();
    assert!(reg.peak_in_flight() > 1);
}
