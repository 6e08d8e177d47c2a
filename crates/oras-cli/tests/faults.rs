//! The in-process registry: Referrers API, injected faults and origin-crossing safety.

mod common;

use common::*;
use oras_test_registry::inproc::{Auth, Options, TestRegistry};
use serde_json::Value;

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

fn big_file(dir: &std::path::Path, name: &str, len: usize) -> String {
    let data: Vec<u8> = (0..len).map(|i| ((i * 7 + len) % 251) as u8).collect();
    std::fs::write(dir.join(name), &data).unwrap();
    sha256_file(&dir.join(name))
}

#[test]
fn referrers_api_is_used_when_the_registry_has_it() {
    let reg = TestRegistry::start(Options {
        referrers_api: true,
        ..Default::default()
    });
    let d = tempdir();
    let r = format!("{}/api/repo", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    oras(d.path(), &["push", &format!("{r}:v1"), "a.txt"]).ok();
    oras(
        d.path(),
        &[
            "attach",
            &format!("{r}:v1"),
            "--artifact-type",
            "sig/one",
            "-a",
            "k=v",
        ],
    )
    .ok();
    oras(
        d.path(),
        &[
            "attach",
            &format!("{r}:v1"),
            "--artifact-type",
            "sbom/two",
            "-a",
            "k=w",
        ],
    )
    .ok();
    let tags = oras(d.path(), &["repo", "tags", &r]).ok().stdout;
    assert_eq!(
        tags, "v1\n",
        "no tag-schema index when the registry acknowledges the subject"
    );
    reg.clear_requests();
    let disc = json(
        &oras(
            d.path(),
            &["discover", &format!("{r}:v1"), "--format", "json"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(disc["referrers"].as_array().unwrap().len(), 2);
    assert!(
        reg.requests()
            .iter()
            .any(|q| q.path.contains("/referrers/")),
        "the Referrers API was called"
    );
    let one = json(
        &oras(
            d.path(),
            &[
                "discover",
                &format!("{r}:v1"),
                "--artifact-type",
                "sig/one",
                "--format",
                "json",
            ],
        )
        .ok()
        .stdout,
    );
    assert_eq!(one["referrers"].as_array().unwrap().len(), 1);
    assert!(
        reg.requests()
            .iter()
            .any(|q| q.query.contains("artifactType=sig%2Fone")),
        "filter sent to the server"
    );
    // forcing the tag schema writes the sha256-<hex> index even here
    oras(
        d.path(),
        &[
            "attach",
            &format!("{r}:v1"),
            "--artifact-type",
            "t/x",
            "-a",
            "a=b",
            "--distribution-spec",
            "v1.1-referrers-tag",
        ],
    )
    .ok();
    assert_eq!(
        oras(d.path(), &["repo", "tags", &r])
            .ok()
            .stdout
            .lines()
            .count(),
        2
    );
    let e = oras(
        d.path(),
        &[
            "discover",
            &format!("{r}:v1"),
            "--distribution-spec",
            "v1.9",
        ],
    )
    .fails();
    assert!(
        e.stderr
            .contains("unknown distribution specification flag: v1.9"),
        "{}",
        e.stderr
    );
}

#[test]
fn bursts_of_503_and_429_are_retried() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/retry/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"retry me").unwrap();
    reg.faults(|f| f.fail_next.extend([503, 503, 429]));
    oras(d.path(), &["push", &r, "a.txt"]).ok();
    reg.faults(|f| f.fail_next.extend([502, 429]));
    oras(d.path(), &["pull", &r, "-o", "out"]).ok();
    assert_eq!(
        std::fs::read(d.path().join("out/a.txt")).unwrap(),
        b"retry me"
    );
    // a persistent failure gives up with the registry's error
    reg.faults(|f| f.fail_next.extend([503; 10]));
    let e = oras(d.path(), &["resolve", &r]).fails();
    assert!(
        e.stderr.starts_with("Error response from registry: "),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains("unavailable: injected fault"),
        "{}",
        e.stderr
    );
}

#[test]
fn dropped_download_resumes_with_a_range_request() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/resume/repo:v1", reg.localhost());
    let digest = big_file(d.path(), "big.bin", 3 << 20);
    oras(d.path(), &["push", &r, "big.bin"]).ok();
    reg.clear_requests();
    reg.faults(|f| f.drop_blob_after = Some(1 << 20));
    oras(d.path(), &["pull", &r, "-o", "out"]).ok();
    assert_eq!(sha256_file(&d.path().join("out/big.bin")), digest);
    let ranges: Vec<String> = reg
        .requests()
        .iter()
        .filter_map(|q| {
            q.headers
                .get("range")
                .map(|v| v.to_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(ranges.len(), 1, "one ranged request: {ranges:?}");
    let start: u64 = ranges[0]
        .trim_start_matches("bytes=")
        .trim_end_matches('-')
        .parse()
        .unwrap();
    assert!(
        start > 0 && start <= 1 << 20,
        "resumed from the bytes already read, not from 0: {start}"
    );

    // a server that ignores Range answers with the whole blob: what was received is skipped
    reg.clear_requests();
    reg.faults(|f| {
        f.drop_blob_after = Some(1 << 20);
        f.ignore_range = true;
    });
    oras(d.path(), &["pull", &r, "-o", "again"]).ok();
    assert_eq!(sha256_file(&d.path().join("again/big.bin")), digest);
    let gets = reg
        .requests()
        .iter()
        .filter(|q| q.method == "GET" && q.path.contains("/blobs/"))
        .count();
    assert_eq!(gets, 2, "the dropped GET and one more");
}

#[test]
fn corrupt_short_or_lying_content_is_caught() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/bad/repo:v1", reg.localhost());
    let digest = big_file(d.path(), "f.bin", 100_000);
    oras(d.path(), &["push", &r, "f.bin"]).ok();

    reg.faults(|f| f.corrupt_blobs = true);
    let e = oras(d.path(), &["pull", &r, "-o", "out1"]).fails();
    assert!(e.stderr.contains("digest"), "{}", e.stderr);
    assert!(!d.path().join("out1/f.bin").exists());
    let e = oras(
        d.path(),
        &[
            "blob",
            "fetch",
            &format!("{}/bad/repo@{digest}", reg.localhost()),
            "-o",
            "x.bin",
        ],
    )
    .fails();
    assert!(e.stderr.contains("digest"), "{}", e.stderr);
    assert!(!d.path().join("x.bin").exists());
    reg.faults(|f| f.corrupt_blobs = false);

    reg.faults(|f| f.short_blobs = true);
    let e = oras(d.path(), &["pull", &r, "-o", "out2"]).fails();
    assert!(e.stderr.contains("bytes"), "{}", e.stderr);
    assert!(!d.path().join("out2/f.bin").exists());
    reg.faults(|f| f.short_blobs = false);

    reg.faults(|f| f.lie_digest = true);
    let e = oras(d.path(), &["manifest", "fetch", &r]).fails();
    assert!(e.stderr.to_lowercase().contains("digest"), "{}", e.stderr);
    let e = oras(d.path(), &["cp", &r, "--to-oci-layout", "lay:v1"]).fails();
    assert!(e.stderr.to_lowercase().contains("digest"), "{}", e.stderr);
}

#[test]
fn redirects_to_another_origin_carry_no_credentials_or_headers() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Basic("u".into(), "p".into()),
        ..Default::default()
    });
    let d = tempdir();
    let r = format!("{}/redir/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"redirected").unwrap();
    oras(d.path(), &["push", &r, "a.txt", "-u", "u", "-p", "p"]).ok();
    reg.faults(|f| f.redirect_blobs = true);
    reg.clear_requests();
    oras(
        d.path(),
        &[
            "pull",
            &r,
            "-o",
            "out",
            "-u",
            "u",
            "-p",
            "p",
            "-H",
            "X-Secret: s3cr3t",
        ],
    )
    .ok();
    assert_eq!(
        std::fs::read(d.path().join("out/a.txt")).unwrap(),
        b"redirected"
    );
    let reqs = reg.requests();
    let side: Vec<_> = reqs.iter().filter(|q| q.server == "side").collect();
    assert!(!side.is_empty(), "the blob came from the other origin");
    for q in side {
        assert!(
            q.headers.get("authorization").is_none(),
            "Authorization leaked to {}",
            q.path
        );
        assert!(
            q.headers.get("x-secret").is_none(),
            "custom header leaked to {}",
            q.path
        );
    }
    assert!(
        reqs.iter()
            .any(|q| q.server == "main" && q.headers.get("x-secret").is_some()),
        "the registry itself gets -H"
    );
}

#[test]
fn token_realm_on_another_origin_gets_no_custom_headers() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Bearer,
        ..Default::default()
    });
    let d = tempdir();
    let r = format!("{}/tok/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"t").unwrap();
    let out = oras(
        d.path(),
        &["push", &r, "a.txt", "-H", "X-Secret: s3cr3t", "-d"],
    )
    .ok();
    assert!(
        !out.stderr.contains("test-token-0123456789"),
        "token printed in the debug trace"
    );
    assert!(
        !out.stderr.contains("s3cr3t"),
        "custom header value printed in the debug trace"
    );
    let reqs = reg.requests();
    let realm: Vec<_> = reqs
        .iter()
        .filter(|q| q.server == "side" && q.path == "/token")
        .collect();
    assert!(!realm.is_empty(), "a token was fetched");
    for q in realm {
        assert!(
            q.headers.get("x-secret").is_none(),
            "custom header sent to the token realm"
        );
    }
    oras(d.path(), &["pull", &r, "-o", "out"]).ok();
}

#[test]
fn registry_warnings_are_shown_once() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"w").unwrap();
    reg.faults(|f| f.warning = Some("this registry is deprecated".into()));
    let out = oras(
        d.path(),
        &[
            "push",
            &format!("{}/warn/repo:v1", reg.localhost()),
            "a.txt",
        ],
    )
    .ok();
    assert_eq!(
        out.stderr.matches("this registry is deprecated").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("[WARN]"), "{}", out.stderr);
}

#[test]
fn body_cap_switches_to_chunked_upload() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/chunk/repo:v1", reg.localhost());
    let digest = big_file(d.path(), "big.bin", 3 << 20);
    reg.faults(|f| f.max_body = Some(1 << 20));
    let env_chunk = (512 << 10).to_string();
    oras_env(
        d.path(),
        &["push", &r, "big.bin"],
        &[("ORAS_CHUNK_SIZE", &env_chunk)],
    )
    .ok();
    let patches: Vec<_> = reg
        .requests()
        .into_iter()
        .filter(|q| q.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 6, "3 MiB in 512 KiB chunks");
    assert_eq!(
        patches[1].headers.get("content-range").unwrap(),
        "524288-1048575"
    );
    assert!(reg.has_blob(&digest));
    reg.faults(|f| f.max_body = None);
    oras(d.path(), &["pull", &r, "-o", "out"]).ok();
    assert_eq!(sha256_file(&d.path().join("out/big.bin")), digest);
    // a one-shot stream cannot be sent again: the 413 is reported
    reg.faults(|f| f.max_body = Some(1 << 20));
    let other = big_file(d.path(), "other.bin", (2 << 20) + 1);
    let data = std::fs::read(d.path().join("other.bin")).unwrap();
    let e = oras_stdin(
        d.path(),
        &[
            "blob",
            "push",
            &format!("{}/chunk/other@{other}", reg.localhost()),
            "-",
            "--size",
            &data.len().to_string(),
        ],
        &data,
    )
    .fails();
    assert!(e.stderr.contains("413"), "{}", e.stderr);
}

/// Starts `oras args…` and kills it once `partial` holds at least `bytes` bytes.
fn kill_when_partial(dir: &std::path::Path, args: &[&str], partial: &std::path::Path, bytes: u64) {
    let mut child = std::process::Command::new(oras_bin())
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::metadata(partial).map(|m| m.len()).unwrap_or(0) < bytes {
        assert!(
            std::time::Instant::now() < deadline,
            "the transfer never reached {bytes} bytes"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the transfer ended before it could be interrupted"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn interrupted_pull_and_copy_resume_after_a_restart() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/restart/repo:v1", reg.localhost());
    let size = 8 << 20;
    let digest = big_file(d.path(), "big.bin", size);
    let hex = digest.trim_start_matches("sha256:").to_string();
    oras(d.path(), &["push", &r, "big.bin"]).ok();
    let cut = 3 << 20;

    // pull into a directory
    reg.faults(|f| f.stall_blob_after = Some(cut));
    kill_when_partial(
        d.path(),
        &["pull", &r, "-o", "out"],
        &d.path().join(format!("out/.oras-{hex}.partial")),
        cut as u64,
    );
    assert!(
        !d.path().join("out/big.bin").exists(),
        "no file claims the content before it is verified"
    );
    reg.clear_requests();
    reg.reset_counters();
    oras(d.path(), &["pull", &r, "-o", "out"]).ok();
    assert_eq!(sha256_file(&d.path().join("out/big.bin")), digest);
    let ranges: Vec<String> = reg
        .requests()
        .iter()
        .filter_map(|q| {
            q.headers
                .get("range")
                .map(|v| v.to_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        ranges,
        vec![format!("bytes={cut}-")],
        "resumed with one ranged request"
    );
    assert_eq!(
        reg.blob_bytes_served(),
        (size - cut) as u64,
        "the re-run moved only the missing bytes"
    );
    assert!(!d.path().join(format!("out/.oras-{hex}.partial")).exists());

    // copy into an OCI layout
    reg.faults(|f| f.stall_blob_after = Some(cut));
    kill_when_partial(
        d.path(),
        &["cp", &r, "--to-oci-layout", "lay:v1"],
        &d.path().join(format!("lay/ingest/sha256-{hex}.partial")),
        cut as u64,
    );
    reg.reset_counters();
    oras(d.path(), &["cp", &r, "--to-oci-layout", "lay:v1"]).ok();
    assert_eq!(reg.blob_bytes_served(), (size - cut) as u64);
    assert_layout_blobs_valid(&d.path().join("lay"));
    assert_eq!(
        oras(d.path(), &["resolve", "--oci-layout", "lay:v1"])
            .ok()
            .stdout,
        oras(d.path(), &["resolve", &r]).ok().stdout
    );
}

#[test]
fn a_corrupt_partial_is_never_taken_for_content() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/badpartial/repo:v1", reg.localhost());
    let digest = big_file(d.path(), "big.bin", 2 << 20);
    let hex = digest.trim_start_matches("sha256:").to_string();
    oras(d.path(), &["push", &r, "big.bin"]).ok();
    // a partial whose bytes are wrong: the resumed download fails verification, the partial is
    // dropped, and the next run starts over and succeeds
    std::fs::create_dir_all(d.path().join("out")).unwrap();
    std::fs::write(
        d.path().join(format!("out/.oras-{hex}.partial")),
        vec![0u8; 1 << 20],
    )
    .unwrap();
    let e = oras(d.path(), &["pull", &r, "-o", "out"]).fails();
    assert!(e.stderr.contains("digest"), "{}", e.stderr);
    assert!(!d.path().join("out/big.bin").exists());
    assert!(!d.path().join(format!("out/.oras-{hex}.partial")).exists());
    oras(d.path(), &["pull", &r, "-o", "out"]).ok();
    assert_eq!(sha256_file(&d.path().join("out/big.bin")), digest);
}

#[test]
fn interrupted_chunked_push_continues_the_upload_session() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/session/repo:v1", reg.localhost());
    let size = 6 << 20;
    let digest = big_file(d.path(), "big.bin", size);
    let push = |dir: &std::path::Path| {
        let mut c = std::process::Command::new(oras_bin());
        c.args(["push", &r, "big.bin"])
            .current_dir(dir)
            .env("HOME", dir)
            .env("ORAS_CHUNKED_ABOVE", (1 << 20).to_string())
            .env("ORAS_CHUNK_SIZE", (1 << 20).to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c
    };
    // two chunks go through, the third hangs: kill the push there
    reg.faults(|f| f.stall_patch_after = Some(2));
    let mut child = push(d.path()).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while reg
        .requests()
        .iter()
        .filter(|q| q.method == "PATCH")
        .count()
        < 3
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never reached its third chunk"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    reg.clear_requests();
    reg.faults(|f| f.patched_bytes = 0);
    let out = push(d.path()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reqs = reg.requests();
    assert!(
        reqs.iter()
            .any(|q| q.method == "GET" && q.path.contains("/blobs/uploads/")),
        "the session was looked up"
    );
    assert!(
        !reqs.iter().any(|q| q.method == "POST"
            && q.path.ends_with("/blobs/uploads/")
            && q.query.is_empty()),
        "no new session"
    );
    let first = reqs.iter().find(|q| q.method == "PATCH").unwrap();
    assert_eq!(
        first.headers.get("content-range").unwrap(),
        &format!("{}-{}", 2 << 20, (3 << 20) - 1)
    );
    let mut moved = 0;
    reg.faults(|f| moved = f.patched_bytes);
    assert_eq!(
        moved,
        (size - (2 << 20)) as u64,
        "the re-run uploaded only the missing bytes"
    );
    assert!(reg.has_blob(&digest));
    // the remembered session is gone once the upload is done
    let left = std::fs::read_dir(d.path().join(".local/state/oras/uploads"))
        .map(|r| r.count())
        .unwrap_or(0);
    assert_eq!(left, 0);
}

#[test]
fn interrupted_blob_fetch_resumes() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let repo = format!("{}/fetch/repo", reg.localhost());
    let size = 4 << 20;
    let digest = big_file(d.path(), "blob.bin", size);
    let hex = digest.trim_start_matches("sha256:").to_string();
    oras(d.path(), &["blob", "push", &repo, "blob.bin"]).ok();
    let cut = 1 << 20;
    reg.faults(|f| f.stall_blob_after = Some(cut));
    let target = format!("{repo}@{digest}");
    kill_when_partial(
        d.path(),
        &["blob", "fetch", &target, "-o", "copy.bin"],
        &d.path().join(format!(".oras-{hex}.partial")),
        cut as u64,
    );
    assert!(!d.path().join("copy.bin").exists());
    reg.reset_counters();
    oras(d.path(), &["blob", "fetch", &target, "-o", "copy.bin"]).ok();
    assert_eq!(sha256_file(&d.path().join("copy.bin")), digest);
    assert_eq!(reg.blob_bytes_served(), (size - cut) as u64);
}

#[test]
fn oras_cache_serves_repeated_pulls_locally() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/cache/repo:v1", reg.localhost());
    let digest = big_file(d.path(), "f.bin", 1 << 20);
    oras(d.path(), &["push", &r, "f.bin"]).ok();
    let cache = d.path().join("cache");
    let pull = |out: &str| {
        oras_env(
            d.path(),
            &["pull", &r, "-o", out],
            &[("ORAS_CACHE", cache.to_str().unwrap())],
        )
        .ok();
    };
    reg.reset_counters();
    pull("one");
    assert_eq!(reg.blob_bytes_served(), 1 << 20);
    reg.clear_requests();
    pull("two");
    assert_eq!(
        reg.blob_bytes_served(),
        1 << 20,
        "the second pull read the blob from the cache"
    );
    assert!(
        reg.requests()
            .iter()
            .any(|q| q.path.contains("/manifests/v1")),
        "the tag is still resolved at the registry"
    );
    assert_eq!(sha256_file(&d.path().join("two/f.bin")), digest);
    assert_layout_blobs_valid(&d.path().join("cache"));
}

#[test]
fn manifest_fetch_media_type_sets_accept() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/accept/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    oras(d.path(), &["push", &r, "a.txt"]).ok();
    reg.clear_requests();
    oras(
        d.path(),
        &[
            "manifest",
            "fetch",
            &r,
            "--media-type",
            "application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json",
        ],
    )
    .ok();
    let accepts: Vec<String> = reg
        .requests()
        .iter()
        .filter(|q| q.path.contains("/manifests/"))
        .filter_map(|q| {
            q.headers
                .get("accept")
                .map(|v| v.to_str().unwrap().to_string())
        })
        .collect();
    assert!(!accepts.is_empty());
    assert!(accepts.iter().all(|a| a == "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"), "{accepts:?}");
}

#[test]
fn big_files_upload_while_they_are_hashed() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/ahead/repo", reg.localhost());
    let digest = big_file(d.path(), "big.bin", 40 << 20);
    reg.clear_requests();
    oras(d.path(), &["push", &format!("{r}:v1"), "big.bin"]).ok();
    let reqs = reg.requests();
    let patch = reqs
        .iter()
        .find(|q| q.method == "PATCH")
        .expect("the file was streamed into a session");
    assert!(patch.headers.get("content-range").is_none());
    assert!(
        reqs.iter()
            .any(|q| q.method == "PUT" && q.query.contains("digest=sha256")),
        "closed with the digest"
    );
    assert!(reg.has_blob(&digest));
    oras(d.path(), &["pull", &format!("{r}:v1"), "-o", "out"]).ok();
    assert_eq!(sha256_file(&d.path().join("out/big.bin")), digest);
    // the registry has it already: the early session is cancelled, the blob reported as existing
    reg.clear_requests();
    let again = oras(d.path(), &["push", &format!("{r}:v2"), "big.bin"]).ok();
    assert!(
        again
            .stdout
            .lines()
            .any(|l| l.starts_with("Exists ") && l.ends_with(" big.bin")),
        "{}",
        again.stdout
    );
    assert!(
        reg.requests()
            .iter()
            .any(|q| q.method == "DELETE" && q.path.contains("/blobs/uploads/")),
        "session closed"
    );
}

#[test]
fn resolve_flag_dials_another_address_and_port() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"via --resolve").unwrap();
    let port = reg.addr.rsplit(':').next().unwrap();
    // a name that exists nowhere, on a port nothing listens on: only the rule makes it work
    let rule = format!("registry.test:5000:127.0.0.1:{port}");
    let r = "registry.test:5000/resolve/repo:v1";
    let flags = ["--plain-http", "--resolve", rule.as_str()];
    oras(d.path(), &[&["push", r, "a.txt"][..], &flags].concat()).ok();
    oras(d.path(), &[&["pull", r, "-o", "out"][..], &flags].concat()).ok();
    assert_eq!(
        std::fs::read(d.path().join("out/a.txt")).unwrap(),
        b"via --resolve"
    );
    // every request reached the registry naming the original host and port
    let hosts: Vec<String> = reg
        .requests()
        .iter()
        .filter(|q| q.server == "main")
        .map(|q| {
            q.headers
                .get("host")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert!(!hosts.is_empty());
    assert!(hosts.iter().all(|h| h == "registry.test:5000"), "{hosts:?}");
}

#[test]
fn a_429_holds_back_every_request_to_the_registry() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let names: Vec<String> = (0..30).map(|i| format!("f{i}.txt")).collect();
    for n in &names {
        std::fs::write(d.path().join(n), n.as_bytes()).unwrap();
    }
    let r = format!("{}/pause/repo:v1", reg.localhost());
    // a request amid the concurrent blob checks is refused with Retry-After: 1
    reg.faults(|f| f.fail_after = Some((6, 429)));
    let args: Vec<&str> = ["push", r.as_str()]
        .into_iter()
        .chain(names.iter().map(String::as_str))
        .collect();
    oras(d.path(), &args).ok();
    let log = reg.requests();
    let refused = log[6].at;
    // requests already on their way when the 429 came (as many as the copy keeps in flight)
    // arrive within moments of it; after those, nothing until the pause ends, while the dozens
    // of later requests wait for it
    let during: Vec<String> = log[7..]
        .iter()
        .filter(|q| {
            let after = q.at.duration_since(refused);
            after > std::time::Duration::from_millis(250)
                && after < std::time::Duration::from_millis(900)
        })
        .map(|q| format!("{} {}", q.method, q.path))
        .collect();
    assert!(
        during.len() < 3,
        "{} requests during the pause: {during:?}",
        during.len()
    );
    let after_pause = log[7..]
        .iter()
        .filter(|q| q.at.duration_since(refused) >= std::time::Duration::from_millis(900))
        .count();
    assert!(after_pause > 20, "{after_pause} requests after the pause");
    assert!(log.len() > 60, "{}", log.len());
}

#[test]
fn debug_trace_shows_small_json_bodies_and_hands_them_on() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Bearer,
        ..Default::default()
    });
    let d = tempdir();
    let r = format!("{}/trace/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"traced").unwrap();
    oras(d.path(), &["push", &r, "a.txt"]).ok();

    // the manifest is printed in the trace and still reaches stdout whole
    let out = oras(d.path(), &["manifest", "fetch", &r, "-d"]).ok();
    let manifest: Value = json(&out.stdout);
    assert_eq!(manifest["layers"][0]["size"], 6);
    let trace = &out.stderr;
    assert!(trace.contains("< Response body:\n{"), "{trace}");
    assert!(
        trace.contains("\"org.opencontainers.image.title\":\"a.txt\""),
        "{trace}"
    );
    // token responses are never shown; HEAD responses have no body
    assert!(
        trace.contains("   Response body redacted due to potential credentials"),
        "{trace}"
    );
    assert!(!trace.contains("test-token-0123456789"), "{trace}");

    // blobs are not printed, and arrive intact
    let out = oras(d.path(), &["pull", &r, "-o", "out", "-d"]).ok();
    assert!(
        out.stderr
            .contains("Response body of content type \"application/octet-stream\" is not printed"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(d.path().join("out/a.txt")).unwrap(),
        b"traced"
    );

    // an error body is printed and still makes the error message
    let e = oras(
        d.path(),
        &[
            "resolve",
            &format!("{}/trace/repo:nope", reg.localhost()),
            "-d",
        ],
    )
    .fails();
    assert!(
        e.stderr.contains("\"code\":\"MANIFEST_UNKNOWN\""),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains("Error response from registry"),
        "{}",
        e.stderr
    );
}

#[test]
fn a_missing_credential_helper_warns_and_goes_on_anonymously() {
    // the realm hands out tokens to anonymous clients, like a public repository on Docker Hub
    let reg = TestRegistry::start(Options {
        auth: Auth::Bearer,
        ..Default::default()
    });
    let d = tempdir();
    let r = format!("{}/public/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"public").unwrap();
    oras(d.path(), &["push", &r, "a.txt"]).ok();
    let cfg = d.path().join("config.json");
    std::fs::write(
        &cfg,
        br#"{"credsStore":"oras-test-helper-that-is-not-installed"}"#,
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    let out = oras(
        d.path(),
        &["pull", &r, "-o", "out", "--registry-config", cfg],
    )
    .ok();
    assert_eq!(
        std::fs::read(d.path().join("out/a.txt")).unwrap(),
        b"public"
    );
    let warning = "docker-credential-oras-test-helper-that-is-not-installed is not available";
    assert_eq!(out.stderr.matches(warning).count(), 1, "{}", out.stderr);
    // storing a credential still needs the helper
    let e = oras(
        d.path(),
        &[
            "login",
            &reg.localhost(),
            "-u",
            "u",
            "-p",
            "p",
            "--registry-config",
            cfg,
        ],
    )
    .fails();
    assert!(e.stderr.contains("not found"), "{}", e.stderr);
}

#[test]
fn refused_sizes_are_learned_for_the_rest_of_the_push() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/learn/repo:v1", reg.localhost());
    let one = big_file(d.path(), "one.bin", 3 << 20);
    let two = big_file(d.path(), "two.bin", (3 << 20) + 5);
    // a proxy cap below the default chunk size (16 MiB)
    reg.faults(|f| f.max_body = Some(1 << 20));
    oras(
        d.path(),
        &["push", &r, "one.bin", "two.bin", "--concurrency", "1"],
    )
    .ok();
    assert!(reg.has_blob(&one) && reg.has_blob(&two));
    let refused: Vec<String> = reg
        .requests()
        .iter()
        .filter(|q| {
            q.headers
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|n| n > 1 << 20)
        })
        .map(|q| {
            format!(
                "{} {}",
                q.method,
                q.headers["content-length"].to_str().unwrap()
            )
        })
        .collect();
    // the first blob finds the cap (monolithic PUT, then chunks halved until they fit); the
    // second goes straight to chunks of the size that worked
    let kinds: Vec<&str> = refused
        .iter()
        .map(|r| r.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["PUT", "PATCH", "PATCH"],
        "bodies over the cap: {refused:?}"
    );
    reg.faults(|f| f.max_body = None);
    oras(d.path(), &["pull", &r, "-o", "out"]).ok();
    assert_eq!(sha256_file(&d.path().join("out/two.bin")), two);
}

#[test]
fn big_blobs_download_in_parallel_segments() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/seg/repo:v1", reg.localhost());
    let len = (1 << 20) + 12345;
    let digest = big_file(d.path(), "big.bin", len);
    oras(d.path(), &["push", &r, "big.bin"]).ok();
    let pull = |out: &str| {
        oras_env(
            d.path(),
            &["pull", &r, "-o", out],
            &[
                ("ORAS_DOWNLOAD_CONNECTIONS", "3"),
                ("ORAS_PARALLEL_ABOVE", "1"),
                ("ORAS_SEGMENT_SIZE", "65536"),
            ],
        )
    };
    let blob_ranges = |reg: &TestRegistry| -> Vec<String> {
        reg.requests()
            .iter()
            .filter(|q| {
                q.method == "GET" && q.path.contains("/blobs/") && q.path.ends_with(&digest[7..])
            })
            .filter_map(|q| {
                q.headers
                    .get("range")
                    .map(|v| v.to_str().unwrap().to_string())
            })
            .collect()
    };
    reg.clear_requests();
    pull("one").ok();
    assert_eq!(sha256_file(&d.path().join("one/big.bin")), digest);
    // 64 KiB segments with closed ranges, the last one short
    let ranges = blob_ranges(&reg);
    assert_eq!(ranges.len(), len.div_ceil(65536), "{ranges:?}");
    assert!(ranges.contains(&"bytes=0-65535".to_string()), "{ranges:?}");
    assert!(
        ranges.contains(&format!("bytes=1048576-{}", len - 1)),
        "{ranges:?}"
    );

    // a connection that breaks: that segment is asked for again from the byte it reached
    // (all of it, when the bytes before the break never arrived)
    reg.clear_requests();
    reg.faults(|f| f.drop_blob_after = Some(1000));
    pull("two").ok();
    assert_eq!(sha256_file(&d.path().join("two/big.bin")), digest);
    let ranges = blob_ranges(&reg);
    let first_segment = ranges.iter().filter(|r| r.ends_with("-65535")).count();
    assert_eq!(first_segment, 2, "{ranges:?}");

    // what arrives is still verified as a whole
    reg.faults(|f| f.corrupt_blobs = true);
    let out = pull("three").fails();
    assert!(out.stderr.contains("mismatched digest"), "{}", out.stderr);
    assert!(!d.path().join("three/big.bin").exists());

    // a registry that ignores Range sends the whole blob in one response, which is used
    reg.faults(|f| {
        f.corrupt_blobs = false;
        f.ignore_range = true;
    });
    reg.clear_requests();
    pull("four").ok();
    assert_eq!(sha256_file(&d.path().join("four/big.bin")), digest);
    assert_eq!(blob_ranges(&reg).len(), 1);
}

/// Only content that is not there is `Missing` to a forced delete: a lookup the registry
/// refuses fails with the registry's answer and deletes nothing (as oras does).
#[test]
fn forced_delete_reports_a_refused_lookup() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/del/repo", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    oras(d.path(), &["push", &format!("{r}:v1"), "a.txt"]).ok();
    let layer = sha256_file(&d.path().join("a.txt"));
    reg.faults(|f| f.fail_next.push_back(403));
    let e = oras(
        d.path(),
        &["manifest", "delete", &format!("{r}:v1"), "--force"],
    )
    .fails();
    assert!(e.stdout.is_empty(), "{}", e.stdout);
    assert!(
        e.stderr.starts_with("Error response from registry: "),
        "{}",
        e.stderr
    );
    reg.faults(|f| f.fail_next.push_back(403));
    let e = oras(
        d.path(),
        &["blob", "delete", &format!("{r}@{layer}"), "--force"],
    )
    .fails();
    assert!(e.stdout.is_empty(), "{}", e.stdout);
    oras(d.path(), &["resolve", &format!("{r}:v1")]).ok();
    assert!(reg.has_blob(&layer));
    // and what is gone is still just missing
    oras(
        d.path(),
        &["manifest", "delete", &format!("{r}:v1"), "--force"],
    )
    .ok();
    let m = oras(
        d.path(),
        &["manifest", "delete", &format!("{r}:v1"), "--force"],
    )
    .ok();
    assert_eq!(m.stdout, format!("Missing {r}:v1\n"));
}
