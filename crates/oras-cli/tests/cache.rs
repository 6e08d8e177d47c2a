//! `ORAS_CACHE` beyond pull and fetch (beyond oras 1.3): `cp`, `backup`, `discover` and
//! `attach` read content by digest through the cache, against distribution 2.8. Each test
//! proves the cache was used by removing the blobs from the registry's storage: the second
//! run succeeds only with the cache, and fails without it. Tags and referrer listings still
//! come from the registry; a damaged cached blob is detected and fetched again.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use oras_test_registry::inproc::{Options, TestRegistry};
use oras_test_registry::{Distribution, Mode};

const CONFIG_TYPE: &str = "application/vnd.oci.image.config.v1+json";

/// An artifact pushed for the tests: its files' digests and where it is.
struct Pushed {
    reference: String,
    manifest: String,
    config: String,
    layer: String,
}

/// Pushes `layer.bin` (`size` bytes of `seed`) with an image config for linux/amd64, so that
/// `--platform` reads the manifest and its config by digest.
fn push_image(dir: &Path, reference: &str, seed: u8, size: usize) -> Pushed {
    let config = br#"{"architecture":"amd64","os":"linux"}"#;
    std::fs::write(dir.join("config.json"), config).unwrap();
    let layer: Vec<u8> = (0..size).map(|i| seed.wrapping_add(i as u8)).collect();
    std::fs::write(dir.join("layer.bin"), &layer).unwrap();
    let cfg = format!("config.json:{CONFIG_TYPE}");
    let manifest = oras(
        dir,
        &[
            "push",
            reference,
            "--config",
            &cfg,
            "layer.bin",
            "--format",
            "go-template={{.digest}}",
        ],
    )
    .ok()
    .stdout
    .trim()
    .to_string();
    Pushed {
        reference: reference.to_string(),
        manifest,
        config: craft::digest_of(config),
        layer: craft::digest_of(&layer),
    }
}

/// Removes a blob's bytes from the registry's storage: fetching it fails from then on.
fn drop_from_registry(reg: &Distribution, digest: &str) {
    let hex = digest.trim_start_matches("sha256:");
    let data = reg
        .data_dir()
        .join("docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    std::fs::remove_file(&data).unwrap_or_else(|e| panic!("{}: {e}", data.display()));
}

/// The cache's blob file of `digest`.
fn cached(cache: &Path, digest: &str) -> PathBuf {
    cache
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

/// Runs `oras args…` in `dir` with `ORAS_CACHE=cache`.
fn with_cache(dir: &Path, cache: &Path, args: &[&str]) -> Run {
    oras_env(dir, args, &[("ORAS_CACHE", cache.to_str().unwrap())])
}

#[test]
fn cp_reads_the_source_through_the_cache() {
    let src = Distribution::start(Mode::Plain);
    let dst = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let img = push_image(
        d.path(),
        &format!("{}/cp/src:v1", src.localhost()),
        1,
        300_000,
    );
    let to = |repo: &str| format!("{}/cp/{repo}:v1", dst.localhost());
    with_cache(d.path(), &cache, &["cp", &img.reference, &to("one")]).ok();
    for digest in [&img.manifest, &img.config, &img.layer] {
        assert!(cached(&cache, digest).is_file(), "{digest} was cached");
    }
    assert_layout_blobs_valid(&cache);
    drop_from_registry(&src, &img.layer);
    drop_from_registry(&src, &img.config);
    oras(d.path(), &["cp", &img.reference, &to("nocache")]).fails();
    with_cache(d.path(), &cache, &["cp", &img.reference, &to("two")]).ok();
    oras(d.path(), &["pull", &to("two"), "-o", "out"]).ok();
    assert_eq!(sha256_file(&d.path().join("out/layer.bin")), img.layer);
}

#[test]
fn backup_reads_the_source_through_the_cache() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let img = push_image(
        d.path(),
        &format!("{}/backup/repo:v1", reg.localhost()),
        2,
        200_000,
    );
    with_cache(d.path(), &cache, &["backup", &img.reference, "-o", "one"]).ok();
    assert!(cached(&cache, &img.layer).is_file());
    drop_from_registry(&reg, &img.layer);
    oras(d.path(), &["backup", &img.reference, "-o", "nocache"]).fails();
    with_cache(d.path(), &cache, &["backup", &img.reference, "-o", "two"]).ok();
    let layout = d.path().join("two");
    assert!(
        cached(&layout, &img.layer).is_file(),
        "the backup holds the layer"
    );
    assert_layout_blobs_valid(&layout);
}

#[test]
fn discover_reads_content_through_the_cache_and_lists_referrers_at_the_registry() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let img = push_image(
        d.path(),
        &format!("{}/discover/repo:v1", reg.localhost()),
        3,
        1000,
    );
    let attach = |artifact_type: &str| {
        oras(
            d.path(),
            &[
                "attach",
                &img.reference,
                "--artifact-type",
                artifact_type,
                "--annotation",
                "k=v",
            ],
        )
        .ok();
    };
    let discover = |cache: Option<&Path>| {
        let args = [
            "discover",
            &img.reference,
            "--platform",
            "linux/amd64",
            "--format",
            "go-template={{range .referrers}}{{.artifactType}} {{end}}",
        ];
        match cache {
            Some(c) => with_cache(d.path(), c, &args),
            None => oras(d.path(), &args),
        }
    };
    attach("application/vnd.test.one");
    let first = discover(Some(&cache)).ok();
    assert_eq!(first.stdout.trim(), "application/vnd.test.one");
    assert!(cached(&cache, &img.manifest).is_file());
    assert!(cached(&cache, &img.config).is_file());
    drop_from_registry(&reg, &img.config);
    discover(None).fails();
    attach("application/vnd.test.two");
    let second = discover(Some(&cache)).ok();
    let mut types: Vec<&str> = second.stdout.split_whitespace().collect();
    types.sort();
    assert_eq!(
        types,
        ["application/vnd.test.one", "application/vnd.test.two"],
        "the referrers are listed at the registry, not from the cache"
    );
}

#[test]
fn attach_reads_its_subject_through_the_cache() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let img = push_image(
        d.path(),
        &format!("{}/attach/repo:v1", reg.localhost()),
        4,
        1000,
    );
    let args = |artifact_type: &'static str| {
        [
            "attach",
            "--platform",
            "linux/amd64",
            "--artifact-type",
            artifact_type,
            "--annotation",
            "k=v",
            img.reference.as_str(),
        ]
    };
    with_cache(d.path(), &cache, &args("application/vnd.test.one")).ok();
    assert!(cached(&cache, &img.config).is_file());
    drop_from_registry(&reg, &img.config);
    oras(d.path(), &args("application/vnd.test.nocache")).fails();
    with_cache(d.path(), &cache, &args("application/vnd.test.two")).ok();
    let listed = oras(
        d.path(),
        &[
            "discover",
            &img.reference,
            "--format",
            "go-template={{range .referrers}}{{.artifactType}} {{end}}",
        ],
    )
    .ok();
    let mut types: Vec<&str> = listed.stdout.split_whitespace().collect();
    types.sort();
    assert_eq!(
        types,
        ["application/vnd.test.one", "application/vnd.test.two"]
    );
}

#[test]
fn a_damaged_cached_blob_is_fetched_again() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let img = push_image(
        d.path(),
        &format!("{}/damaged/repo:v1", reg.localhost()),
        5,
        100_000,
    );
    with_cache(d.path(), &cache, &["pull", &img.reference, "-o", "one"]).ok();
    let blob = cached(&cache, &img.layer);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[500] ^= 0xff;
    std::fs::remove_file(&blob).unwrap();
    std::fs::write(&blob, &bytes).unwrap();
    with_cache(d.path(), &cache, &["pull", &img.reference, "-o", "two"]).ok();
    assert_eq!(sha256_file(&d.path().join("two/layer.bin")), img.layer);
    assert_eq!(
        sha256_file(&blob),
        img.layer,
        "the cache holds the good copy again"
    );
    // a damaged blob the registry no longer has fails the command, naming no wrong bytes
    std::fs::remove_file(&blob).unwrap();
    std::fs::write(&blob, &bytes).unwrap();
    drop_from_registry(&reg, &img.layer);
    with_cache(d.path(), &cache, &["pull", &img.reference, "-o", "three"]).fails();
    assert!(!d.path().join("three/layer.bin").exists());
    assert!(!blob.exists(), "the damaged copy was removed");
}

#[test]
fn an_interrupted_fill_of_the_cache_resumes() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let cache = d.path().join("cache");
    let r = format!("{}/resume/repo:v1", reg.localhost());
    let size = 8 << 20;
    let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    std::fs::write(d.path().join("big.bin"), &data).unwrap();
    let digest = craft::digest_of(&data);
    oras(d.path(), &["push", &r, "big.bin"]).ok();
    let cut = 3 << 20;
    reg.faults(|f| f.stall_blob_after = Some(cut));
    let partial = cache.join(format!(
        "ingest/sha256-{}.partial",
        digest.trim_start_matches("sha256:")
    ));
    let mut child = std::process::Command::new(oras_bin())
        .args(["pull", &r, "-o", "one"])
        .current_dir(d.path())
        .env("HOME", d.path())
        .env("ORAS_CACHE", &cache)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0) < cut as u64 {
        assert!(
            std::time::Instant::now() < deadline,
            "the fill never got to {cut} bytes"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the pull ended too early"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    reg.reset_counters();
    with_cache(d.path(), &cache, &["pull", &r, "-o", "two"]).ok();
    assert_eq!(sha256_file(&d.path().join("two/big.bin")), digest);
    assert_eq!(
        reg.blob_bytes_served(),
        (size - cut) as u64,
        "only the rest was fetched"
    );
    assert_eq!(sha256_file(&cached(&cache, &digest)), digest);
}

#[test]
fn a_cached_blob_that_is_a_link_is_not_followed() {
    use std::os::unix::fs::MetadataExt;
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let img = push_image(
        d.path(),
        &format!("{}/linked/repo:v1", reg.localhost()),
        6,
        10_000,
    );
    with_cache(d.path(), &cache, &["pull", &img.reference, "-o", "one"]).ok();
    // the cached layer replaced by a link to a file of the same bytes outside the cache
    let blob = cached(&cache, &img.layer);
    let outside = d.path().join("outside.bin");
    std::fs::copy(&blob, &outside).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::open(&outside)
        .unwrap()
        .set_modified(old)
        .unwrap();
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink(&outside, &blob).unwrap();
    with_cache(d.path(), &cache, &["pull", &img.reference, "-o", "two"]).ok();
    assert_eq!(sha256_file(&d.path().join("two/layer.bin")), img.layer);
    assert_eq!(
        std::fs::metadata(&outside).unwrap().mtime(),
        1_000_000,
        "nothing is written through the link"
    );
    let meta = std::fs::symlink_metadata(&blob).unwrap();
    assert!(
        meta.is_file(),
        "the cache holds a blob file of its own again"
    );
    assert_eq!(sha256_file(&blob), img.layer);
}
