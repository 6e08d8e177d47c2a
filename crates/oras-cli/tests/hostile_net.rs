//! Hostile registries and layouts: registries that stop sending (the read timeout) or
//! paginate forever, referrer graphs that never end, an `index.json` without bounds. Every run
//! must end with a clear error, never hang or run away.

mod common;

use common::*;
use oras_test_registry::inproc::{Options, Stall, TestRegistry};

/// A short read timeout, so stalls end quickly.
const TIMEOUT: (&str, &str) = ("ORAS_READ_TIMEOUT", "1");

/// Runs `oras args…` with `env` like [`oras_env`], but kills it and fails the test when it is
/// still running after a minute (it hangs).
fn oras_bounded(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    use std::io::Read;
    let mut child = std::process::Command::new(oras_bin())
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn oras");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut o = Vec::new();
        let _ = out.read_to_end(&mut o);
        o
    });
    let err_reader = std::thread::spawn(move || {
        let mut e = Vec::new();
        let _ = err.read_to_end(&mut e);
        e
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("oras {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let raw_stdout = reader.join().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&raw_stdout).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
        raw_stdout,
    }
}

fn big_file(dir: &std::path::Path, name: &str, len: usize) -> String {
    let data: Vec<u8> = (0..len).map(|i| ((i * 13 + len) % 251) as u8).collect();
    std::fs::write(dir.join(name), &data).unwrap();
    sha256_file(&dir.join(name))
}

fn stall(method: &str, target: &str, times: usize) -> Option<Stall> {
    Some(Stall {
        method: method.into(),
        target: target.into(),
        times,
    })
}

/// The `Range` headers of the requests seen.
fn ranges(reg: &TestRegistry) -> Vec<String> {
    reg.requests()
        .iter()
        .filter_map(|q| {
            q.headers
                .get("range")
                .map(|v| v.to_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn a_registry_that_stops_answering_ends_the_run_with_a_read_timeout() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/stall/repo:v1", reg.localhost());
    big_file(d.path(), "big.bin", 256 << 10);
    oras(d.path(), &["push", &r, "big.bin"]).ok();

    // no response headers, ever: the request is tried once more on a fresh connection, then
    // the run fails and says what timed out
    reg.faults(|f| f.stall_requests = stall("GET", "/manifests/", usize::MAX));
    let e = oras_bounded(d.path(), &["manifest", "fetch", &r], &[TIMEOUT]).fails();
    assert!(
        e.stderr.contains("read timeout: no response from")
            && e.stderr.contains(&reg.localhost())
            && e.stderr.contains("for 1s")
            && e.stderr.contains("/manifests/v1"),
        "{}",
        e.stderr
    );
    let tries = reg
        .requests()
        .iter()
        .filter(|q| q.method == "GET" && q.path.ends_with("/manifests/v1"))
        .count();
    assert_eq!(tries, 2, "one more try, then the error");

    // a body that stops in the middle, every time: resumed a few times, then the error
    reg.faults(|f| {
        f.stall_requests = None;
        f.stall_every_blob_after = Some(1000);
    });
    let e = oras_bounded(d.path(), &["pull", &r, "-o", "out"], &[TIMEOUT]).fails();
    assert!(
        e.stderr
            .contains("read timeout: the response body stopped: no data from")
            && e.stderr.contains("for 1s"),
        "{}",
        e.stderr
    );
    assert!(!d.path().join("out/big.bin").exists());
    assert!(!ranges(&reg).is_empty(), "resumed before giving up");
}

#[test]
fn uploads_to_a_registry_that_never_answers_end_with_a_read_timeout() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/stallput/repo:v1", reg.localhost());
    big_file(d.path(), "big.bin", 3 << 20);

    // the registry never answers the monolithic PUT
    reg.faults(|f| f.stall_requests = stall("PUT", "/blobs/uploads/", usize::MAX));
    let e = oras_bounded(d.path(), &["push", &r, "big.bin"], &[TIMEOUT]).fails();
    assert!(
        e.stderr.contains("read timeout: no response from") && e.stderr.contains("PUT"),
        "{}",
        e.stderr
    );

    // the registry takes one chunk, then stops reading the next one: it is sent again on a
    // fresh connection
    reg.faults(|f| {
        f.stall_requests = None;
        f.stall_patch_after = Some(1);
    });
    oras_bounded(
        d.path(),
        &["push", &r, "big.bin"],
        &[
            TIMEOUT,
            ("ORAS_CHUNKED_ABOVE", "1048576"),
            ("ORAS_CHUNK_SIZE", "1048576"),
        ],
    )
    .ok();
    big_file(d.path(), "other.bin", (3 << 20) + 1);
    reg.faults(|f| f.stall_requests = stall("PATCH", "", usize::MAX));
    let e = oras_bounded(
        d.path(),
        &["push", &r, "other.bin"],
        &[
            TIMEOUT,
            ("ORAS_CHUNKED_ABOVE", "1048576"),
            ("ORAS_CHUNK_SIZE", "1048576"),
        ],
    )
    .fails();
    assert!(
        e.stderr.contains("read timeout: no response from") && e.stderr.contains("PATCH"),
        "{}",
        e.stderr
    );
}

#[test]
fn a_download_that_stalls_once_resumes_after_the_read_timeout() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/stallonce/repo:v1", reg.localhost());
    let size = 3 << 20;
    let digest = big_file(d.path(), "big.bin", size);
    oras(d.path(), &["push", &r, "big.bin"]).ok();
    let cut = 1 << 20;

    // pull into a directory
    reg.clear_requests();
    reg.faults(|f| f.stall_blob_after = Some(cut));
    oras_bounded(d.path(), &["pull", &r, "-o", "out"], &[TIMEOUT]).ok();
    assert_eq!(sha256_file(&d.path().join("out/big.bin")), digest);
    assert_eq!(
        ranges(&reg),
        vec![format!("bytes={cut}-")],
        "resumed where it stalled"
    );

    // blob fetch to a file
    reg.clear_requests();
    reg.faults(|f| f.stall_blob_after = Some(cut));
    let blob = format!("{}/stallonce/repo@{digest}", reg.localhost());
    oras_bounded(
        d.path(),
        &["blob", "fetch", &blob, "-o", "copy.bin"],
        &[TIMEOUT],
    )
    .ok();
    assert_eq!(sha256_file(&d.path().join("copy.bin")), digest);
    assert_eq!(ranges(&reg), vec![format!("bytes={cut}-")]);

    // copy into an OCI layout, the first blob GET stalling before its headers
    reg.clear_requests();
    reg.faults(|f| f.stall_requests = stall("GET", "/blobs/sha256:", 1));
    oras_bounded(
        d.path(),
        &["cp", &r, "--to-oci-layout", "lay:v1"],
        &[TIMEOUT],
    )
    .ok();
    assert_layout_blobs_valid(&d.path().join("lay"));
    let hex = digest.trim_start_matches("sha256:");
    assert_eq!(
        sha256_file(&d.path().join("lay/blobs/sha256").join(hex)),
        digest
    );

    // copy into an OCI layout, the blob stalling in the middle
    reg.clear_requests();
    reg.faults(|f| f.stall_blob_after = Some(cut));
    oras_bounded(
        d.path(),
        &["cp", &r, "--to-oci-layout", "lay2:v1"],
        &[TIMEOUT],
    )
    .ok();
    assert_layout_blobs_valid(&d.path().join("lay2"));
    assert!(d.path().join("lay2/blobs/sha256").join(hex).exists());
    assert_eq!(ranges(&reg), vec![format!("bytes={cut}-")]);

    // segmented download: a segment that stalls is asked for again from where it stopped
    reg.clear_requests();
    reg.faults(|f| f.stall_blob_after = Some(1000));
    oras_bounded(
        d.path(),
        &["pull", &r, "-o", "seg"],
        &[
            TIMEOUT,
            ("ORAS_DOWNLOAD_CONNECTIONS", "2"),
            ("ORAS_PARALLEL_ABOVE", "1048576"),
            ("ORAS_SEGMENT_SIZE", "1048576"),
        ],
    )
    .ok();
    assert_eq!(sha256_file(&d.path().join("seg/big.bin")), digest);
    assert!(
        ranges(&reg).iter().any(|r| r == "bytes=1000-1048575"),
        "{:?}",
        ranges(&reg)
    );
}

#[test]
fn an_invalid_read_timeout_is_refused() {
    let d = tempdir();
    let e = oras_bounded(
        d.path(),
        &["manifest", "fetch", "localhost:1/repo:v1"],
        &[("ORAS_READ_TIMEOUT", "soon")],
    )
    .fails();
    assert!(
        e.stderr.contains("invalid ORAS_READ_TIMEOUT"),
        "{}",
        e.stderr
    );
}

#[test]
fn listings_that_link_back_to_themselves_end_with_an_error() {
    let reg = TestRegistry::start(Options {
        referrers_api: true,
        ..Default::default()
    });
    let d = tempdir();
    let r = format!("{}/loop/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), "a").unwrap();
    oras(d.path(), &["push", &r, "a.txt"]).ok();
    oras(
        d.path(),
        &["attach", &r, "--artifact-type", "test/sig", "a.txt"],
    )
    .ok();
    reg.faults(|f| f.self_link = true);

    let e = oras_bounded(d.path(), &["repo", "tags", &r.replace(":v1", "")], &[]).fails();
    assert!(
        e.stderr.contains(&format!(
            "listing tags of {}/loop/repo: the registry links back to a page already listed",
            reg.localhost()
        )),
        "{}",
        e.stderr
    );
    assert_eq!(e.stdout, "v1\n", "the one page was shown before the error");

    let e = oras_bounded(d.path(), &["repo", "ls", &reg.localhost()], &[]).fails();
    assert!(
        e.stderr.contains(&format!(
            "could not list repositories for {:?}: listing repositories of {}: the registry links back",
            reg.localhost(),
            reg.localhost()
        )),
        "{}",
        e.stderr
    );

    let e = oras_bounded(d.path(), &["discover", &r], &[]).fails();
    assert!(
        e.stderr.contains("listing referrers of sha256:")
            && e.stderr
                .contains("the registry links back to a page already listed"),
        "{}",
        e.stderr
    );
}

#[test]
fn endless_listings_end_at_their_bounds() {
    let reg = TestRegistry::start(Options {
        referrers_api: true,
        ..Default::default()
    });
    let d = tempdir();
    let r = format!("{}/endless/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), "a").unwrap();
    oras(d.path(), &["push", &r, "a.txt"]).ok();

    // pages full of tags: the entry bound
    reg.faults(|f| f.endless_pages = Some(5000));
    let e = oras_bounded(d.path(), &["repo", "tags", &r.replace(":v1", "")], &[]).fails();
    assert!(
        e.stderr.contains("listing tags of ") && e.stderr.contains("more than 1000000 entries"),
        "{}",
        e.stderr
    );
    assert!(e.stdout.starts_with("p0-0\np0-1\n"), "shown as they came");
    let e = oras_bounded(d.path(), &["repo", "ls", &reg.localhost()], &[]).fails();
    assert!(
        e.stderr.contains("could not list repositories for")
            && e.stderr.contains("more than 1000000 entries"),
        "{}",
        e.stderr
    );
    let e = oras_bounded(d.path(), &["discover", &r], &[]).fails();
    assert!(
        e.stderr.contains("listing referrers of sha256:")
            && e.stderr.contains("more than 100000 entries"),
        "{}",
        e.stderr
    );

    // empty pages, forever: the page bound
    reg.faults(|f| f.endless_pages = Some(0));
    let e = oras_bounded(d.path(), &["repo", "tags", &r.replace(":v1", "")], &[]).fails();
    assert!(
        e.stderr
            .contains("more than 10000 pages: the registry keeps linking to a next page"),
        "{}",
        e.stderr
    );
}

#[test]
fn repo_tags_prints_each_page_as_it_arrives() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let repo = format!("{}/paged/repo", reg.localhost());
    std::fs::write(d.path().join("a.txt"), "a").unwrap();
    std::fs::write(d.path().join("b.txt"), "b").unwrap();
    oras(d.path(), &["push", &format!("{repo}:a,b,c"), "a.txt"]).ok();
    let digest_tag = format!("sha256-{}", "0".repeat(64));
    oras(
        d.path(),
        &["push", &format!("{repo}:d,e,{digest_tag}"), "b.txt"],
    )
    .ok();
    reg.faults(|f| f.page_size = Some(2));

    // every page, in order; the flags apply across pages
    let all = oras(d.path(), &["repo", "tags", &repo]).ok();
    assert_eq!(all.stdout, format!("a\nb\nc\nd\ne\n{digest_tag}\n"));
    let after = oras(d.path(), &["repo", "tags", &repo, "--last", "b"]).ok();
    assert_eq!(after.stdout, format!("c\nd\ne\n{digest_tag}\n"));
    let plain = oras(d.path(), &["repo", "tags", &repo, "--exclude-digest-tags"]).ok();
    assert_eq!(plain.stdout, "a\nb\nc\nd\ne\n");
    let same = oras(d.path(), &["repo", "tags", &format!("{repo}:e")]).ok();
    assert_eq!(same.stdout, format!("d\ne\n{digest_tag}\n"));
    let json = oras(d.path(), &["repo", "tags", &repo, "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["tags"].as_array().unwrap().len(), 6, "{}", json.stdout);

    // the second page never comes: the first page was already printed
    reg.faults(|f| f.stall_requests = stall("GET", "last=", usize::MAX));
    let e = oras_bounded(d.path(), &["repo", "tags", &repo], &[TIMEOUT]).fails();
    assert_eq!(e.stdout, "a\nb\n");
    assert!(e.stderr.contains("read timeout"), "{}", e.stderr);
}

/// Stores `bytes` as a blob of the layout at `dir`; returns its descriptor (as JSON).
fn put_blob(dir: &std::path::Path, media_type: &str, bytes: &[u8]) -> serde_json::Value {
    let tmp = dir.join("blob.tmp");
    std::fs::write(&tmp, bytes).unwrap();
    let digest = sha256_file(&tmp);
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::rename(&tmp, blobs.join(digest.trim_start_matches("sha256:"))).unwrap();
    serde_json::json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
}

/// An OCI layout at `dir` holding `v1` and a chain of `n` referrers on it, each referring to
/// the one before (tagged `tip` at the end); returns the descriptors, root first.
fn referrer_chain(dir: &std::path::Path, n: usize) -> Vec<serde_json::Value> {
    const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let config = put_blob(dir, "application/vnd.oci.empty.v1+json", b"{}");
    let mut chain: Vec<serde_json::Value> = Vec::new();
    for i in 0..=n {
        let mut m = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "artifactType": "test/chain",
            "config": config,
            "layers": [config],
            "annotations": {"level": i.to_string()},
        });
        if let Some(prev) = chain.last() {
            m["subject"] = prev.clone();
        }
        chain.push(put_blob(dir, MANIFEST, m.to_string().as_bytes()));
    }
    let mut entries = chain.clone();
    entries[0]["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "v1"});
    entries[n]["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "tip"});
    let index = serde_json::json!({"schemaVersion": 2, "manifests": entries});
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
    chain
}

#[test]
fn a_referrer_graph_deeper_than_the_bound_ends_with_an_error() {
    let d = tempdir();
    let chain = referrer_chain(&d.path().join("lay"), 70);
    let root = chain[0]["digest"].as_str().unwrap().to_string();
    let deep = format!("referrers of {root} go deeper than 64 levels");

    let e = oras_bounded(d.path(), &["discover", "--oci-layout", "lay:v1"], &[]).fails();
    assert!(e.stderr.contains(&deep), "{}", e.stderr);
    // --depth cuts the walk before the bound: no error
    let shown = oras(
        d.path(),
        &[
            "discover",
            "--oci-layout",
            "lay:v1",
            "--depth",
            "3",
            "--format",
            "json",
        ],
    )
    .ok();
    let v: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    let l3 = &v["referrers"][0]["referrers"][0]["referrers"][0];
    assert_eq!(l3["digest"], chain[3]["digest"]);
    assert_eq!(l3["referrers"], serde_json::json!([]));
    // a chain within the bound is walked whole
    let within = d.path().join("short");
    let short = referrer_chain(&within, 64);
    let whole = oras(d.path(), &["discover", "--oci-layout", "short:v1"]).ok();
    for level in &short {
        let digest = level["digest"].as_str().unwrap();
        assert_eq!(
            whole.stdout.matches(digest).count(),
            1,
            "{digest} shown once"
        );
    }

    let e = oras_bounded(
        d.path(),
        &[
            "cp",
            "-r",
            "--from-oci-layout",
            "lay:v1",
            "--to-oci-layout",
            "out:v1",
        ],
        &[],
    )
    .fails();
    assert!(e.stderr.contains(&deep), "{}", e.stderr);

    // the same chain in a registry (Referrers API): backup and restore with referrers
    let reg = TestRegistry::start(Options {
        referrers_api: true,
        ..Default::default()
    });
    let repo = format!("{}/deep/repo", reg.localhost());
    let e = oras_bounded(d.path(), &["restore", "--input", "lay", &repo], &[]).fails();
    assert!(e.stderr.contains(&deep), "{}", e.stderr);
    // the tip's graph holds the whole chain (subjects are successors)
    oras(
        d.path(),
        &["restore", "--exclude-referrers", "--input", "lay", &repo],
    )
    .ok();
    let e = oras_bounded(
        d.path(),
        &[
            "backup",
            "--include-referrers",
            "-o",
            "bak",
            &format!("{repo}:v1"),
        ],
        &[],
    )
    .fails();
    assert!(e.stderr.contains(&deep), "{}", e.stderr);
    let e = oras_bounded(d.path(), &["discover", &format!("{repo}:v1")], &[]).fails();
    assert!(e.stderr.contains(&deep), "{}", e.stderr);
}

#[test]
fn a_referrer_cycle_is_walked_once() {
    let reg = TestRegistry::start(Options {
        referrers_api: true,
        ..Default::default()
    });
    let d = tempdir();
    let r = format!("{}/cycle/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), "a").unwrap();
    oras(d.path(), &["push", &r, "a.txt"]).ok();
    oras(
        d.path(),
        &["attach", &r, "--artifact-type", "test/sig", "a.txt"],
    )
    .ok();
    let tree = oras(d.path(), &["discover", &r, "--format", "json"]).ok();
    let tree: serde_json::Value = serde_json::from_str(&tree.stdout).unwrap();
    let subject = serde_json::json!({
        "mediaType": tree["mediaType"], "digest": tree["digest"], "size": tree["size"],
        "artifactType": "test/sig",
    });
    let referrer = &tree["referrers"][0];
    let sig = serde_json::json!({
        "mediaType": referrer["mediaType"], "digest": referrer["digest"],
        "size": referrer["size"], "artifactType": "test/sig",
    });
    // the registry claims the signature is referred to by its own subject and by itself
    let sig_digest = referrer["digest"].as_str().unwrap().to_string();
    reg.faults(|f| {
        f.extra_referrers
            .insert(sig_digest.clone(), vec![subject.clone(), sig.clone()]);
    });

    let again = oras_bounded(d.path(), &["discover", &r, "--format", "json"], &[]).ok();
    let again: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(again["referrers"].as_array().unwrap().len(), 1);
    assert_eq!(again["referrers"][0]["digest"], referrer["digest"]);
    assert_eq!(again["referrers"][0]["referrers"], serde_json::json!([]));
    let text = oras_bounded(d.path(), &["discover", &r], &[]).ok();
    assert_eq!(
        text.stdout.matches(&sig_digest).count(),
        1,
        "{}",
        text.stdout
    );

    oras_bounded(
        d.path(),
        &["cp", "-r", &r, "--to-oci-layout", "out:v1"],
        &[],
    )
    .ok();
    assert!(
        d.path()
            .join("out/blobs/sha256")
            .join(sig_digest.trim_start_matches("sha256:"))
            .exists()
    );
    let b = oras_bounded(
        d.path(),
        &["backup", "--include-referrers", "-o", "bak", &r],
        &[],
    )
    .ok();
    assert!(b.stdout.contains("with 1 referrer(s)"), "{}", b.stdout);
}

#[test]
fn an_oversized_index_json_is_refused() {
    let d = tempdir();
    referrer_chain(&d.path().join("lay"), 1);
    let index = std::fs::OpenOptions::new()
        .write(true)
        .open(d.path().join("lay/index.json"))
        .unwrap();
    index.set_len((64 << 20) + 1).unwrap();
    drop(index);
    for args in [
        &["repo", "tags", "--oci-layout", "lay"][..],
        &["discover", "--oci-layout", "lay:v1"],
        &["tag", "--oci-layout", "lay:v1", "v2"],
    ] {
        let e = oras_bounded(d.path(), args, &[]).fails();
        assert!(
            e.stderr.contains("index.json is larger than 64 MiB"),
            "{args:?}: {}",
            e.stderr
        );
    }
}

/// Nothing listens at the registry's address: the first refused connection ends the run, with
/// no backoff (as oras, whose client does not retry it either).
#[test]
fn a_registry_nobody_listens_on_fails_at_the_first_refusal() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let d = tempdir();
    let target = format!("127.0.0.1:{port}/none/repo:v1");
    let args = ["pull", "--plain-http", "--debug", &target, "-o", "."];
    let run = oras_bounded(d.path(), &args, &[]).fails();
    assert_eq!(
        run.stderr.matches("--> Request #").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Connection refused"), "{}", run.stderr);
}
