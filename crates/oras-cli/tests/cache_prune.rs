//! `oras cache info` and `oras cache prune` (beyond oras 1.3) on a cache filled by real pulls
//! from distribution 2.8: the numbers are the files', pruning by age and by size removes the
//! least recently used blobs (last use = the file's modification time, set here), partial
//! files that a download holds stay, and pulls running while the cache is pruned still
//! succeed.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::*;
use oras_test_registry::{Distribution, Mode};
use serde_json::Value;

const DAY: u64 = 86_400;

/// Pushes `layer.bin` of `size` bytes of `seed` to `reference`; returns the layer digest.
fn push_layer(dir: &Path, reference: &str, seed: u8, size: usize) -> String {
    let layer: Vec<u8> = (0..size)
        .map(|i| seed.wrapping_mul(31).wrapping_add(i as u8))
        .collect();
    std::fs::write(dir.join("layer.bin"), &layer).unwrap();
    oras(dir, &["push", reference, "layer.bin"]).ok();
    craft::digest_of(&layer)
}

fn env(cache: &Path) -> [(&'static str, &str); 1] {
    [("ORAS_CACHE", cache.to_str().unwrap())]
}

fn with_cache(dir: &Path, cache: &Path, args: &[&str]) -> Run {
    oras_env(dir, args, &env(cache))
}

fn json_of(run: Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// The cache's blob files with their sizes.
fn blob_files(cache: &Path) -> Vec<(PathBuf, u64)> {
    let Ok(dir) = std::fs::read_dir(cache.join("blobs/sha256")) else {
        return Vec::new();
    };
    dir.map(|e| {
        let p = e.unwrap().path();
        let len = std::fs::metadata(&p).unwrap().len();
        (p, len)
    })
    .collect()
}

fn blob_path(cache: &Path, digest: &str) -> PathBuf {
    cache
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

/// Marks a file as last used `ago` before now.
fn set_used(path: &Path, ago: Duration) {
    let t = SystemTime::now() - ago;
    std::fs::File::open(path).unwrap().set_modified(t).unwrap();
}

/// Three artifacts pulled through a fresh cache: their references and layer digests.
fn filled_cache(reg: &Distribution, dir: &Path, cache: &Path) -> Vec<(String, String)> {
    (1..=3u8)
        .map(|i| {
            let r = format!("{}/prune/a{i}:v1", reg.localhost());
            let layer = push_layer(dir, &r, i, 1000 * i as usize);
            with_cache(dir, cache, &["pull", &r, "-o", &format!("out{i}")]).ok();
            (r, layer)
        })
        .collect()
}

#[test]
fn cache_info_counts_the_files() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    filled_cache(&reg, d.path(), &cache);
    let files = blob_files(&cache);
    let (first, _) = &files[0];
    std::fs::File::open(first)
        .unwrap()
        .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_577_934_245))
        .unwrap();
    let hex = "ab".repeat(32);
    std::fs::write(
        cache.join(format!("ingest/sha256-{hex}.partial")),
        [0u8; 10],
    )
    .unwrap();
    let info = json_of(with_cache(d.path(), &cache, &["cache", "info", "--format", "json"]).ok());
    // 3 manifests and 3 layers (pull does not read the empty config)
    assert_eq!(files.len(), 6);
    assert_eq!(info["blobs"], files.len());
    assert_eq!(info["size"], files.iter().map(|f| f.1).sum::<u64>());
    assert_eq!(info["partials"], 1);
    assert_eq!(info["partialSize"], 10);
    assert_eq!(info["oldestUse"], "2020-01-02T03:04:05Z");
    assert_eq!(info["path"], cache.to_str().unwrap());
    let text = with_cache(d.path(), &cache, &["cache", "info"]).ok().stdout;
    assert!(
        text.contains(&format!("Blobs: 6 ({} bytes", info["size"])),
        "{text}"
    );
    let size = with_cache(
        d.path(),
        &cache,
        &["cache", "info", "--format", "go-template={{.size}}"],
    )
    .ok();
    assert_eq!(size.stdout, info["size"].to_string());
}

#[test]
fn prune_removes_by_age_then_the_least_recently_used() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let artifacts = filled_cache(&reg, d.path(), &cache);
    for (p, _) in blob_files(&cache) {
        set_used(&p, Duration::from_secs(3600));
    }
    let layers: Vec<PathBuf> = artifacts.iter().map(|a| blob_path(&cache, &a.1)).collect();
    for (layer, days) in layers.iter().zip([40, 10, 5]) {
        set_used(layer, Duration::from_secs(days * DAY));
    }
    let prune = |flags: &[&str]| {
        let mut args = vec!["cache", "prune", "--format", "json"];
        args.extend_from_slice(flags);
        json_of(with_cache(d.path(), &cache, &args).ok())
    };
    let by_age = prune(&["--max-age", "30d"]);
    assert_eq!(by_age["removed"].as_array().unwrap().len(), 1, "{by_age}");
    assert_eq!(by_age["removed"][0]["digest"], artifacts[0].1.as_str());
    assert_eq!(by_age["removed"][0]["size"], 1000);
    assert_eq!(by_age["keptBlobs"], 5);
    assert!(!layers[0].exists() && layers[1].exists() && layers[2].exists());
    let total: u64 = blob_files(&cache).iter().map(|f| f.1).sum();
    assert_eq!(by_age["keptSize"], total);
    // room for everything but the least recently used layer that is left
    let max = (total - 2000).to_string();
    let by_size = prune(&["--max-size", &max]);
    assert_eq!(by_size["removed"].as_array().unwrap().len(), 1, "{by_size}");
    assert_eq!(by_size["removed"][0]["digest"], artifacts[1].1.as_str());
    assert_eq!(by_size["keptSize"], total - 2000);
    assert!(!layers[1].exists() && layers[2].exists());
    // a pruned blob is fetched from the registry again
    with_cache(d.path(), &cache, &["pull", &artifacts[0].0, "-o", "again"]).ok();
    assert_eq!(
        sha256_file(&d.path().join("again/layer.bin")),
        artifacts[0].1
    );
    assert!(layers[0].exists());
    assert_layout_blobs_valid(&cache);
}

#[test]
fn a_blob_served_from_the_cache_counts_as_used() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let artifacts = filled_cache(&reg, d.path(), &cache);
    for (p, _) in blob_files(&cache) {
        set_used(&p, Duration::from_secs(40 * DAY));
    }
    with_cache(d.path(), &cache, &["pull", &artifacts[2].0, "-o", "used"]).ok();
    let pruned = json_of(
        with_cache(
            d.path(),
            &cache,
            &["cache", "prune", "--max-age", "30d", "--format", "json"],
        )
        .ok(),
    );
    // what the pull read (its manifest and its layer) stays
    assert_eq!(pruned["keptBlobs"], 2, "{pruned}");
    assert!(blob_path(&cache, &artifacts[2].1).exists());
    assert!(!blob_path(&cache, &artifacts[1].1).exists());
}

#[test]
fn prune_to_zero_empties_the_cache_and_its_index() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let artifacts = filled_cache(&reg, d.path(), &cache);
    assert_eq!(index_json(&cache)["manifests"].as_array().unwrap().len(), 3);
    let text = with_cache(d.path(), &cache, &["cache", "prune", "--max-size", "0"]).ok();
    assert_eq!(
        text.stdout.matches("Removed sha256:").count(),
        6,
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("Pruned 6 blob(s)"), "{}", text.stdout);
    assert!(blob_files(&cache).is_empty());
    assert_eq!(index_json(&cache)["manifests"], serde_json::json!([]));
    let info = json_of(with_cache(d.path(), &cache, &["cache", "info", "--format", "json"]).ok());
    assert_eq!(info["blobs"], 0);
    with_cache(d.path(), &cache, &["pull", &artifacts[0].0, "-o", "again"]).ok();
    assert_eq!(blob_files(&cache).len(), 2);
}

#[test]
fn prune_leaves_the_partial_files_of_running_downloads() {
    let d = tempdir();
    let cache = d.path().join("cache");
    oras(d.path(), &["push", "--oci-layout", "cache:v1"]).ok();
    let ingest = cache.join("ingest");
    std::fs::create_dir_all(&ingest).unwrap();
    let hex = |c: &str| c.repeat(64);
    let held = ingest.join(format!("sha256-{}.partial", hex("a")));
    let left = ingest.join(format!("sha256-{}.partial", hex("b")));
    let private_new = ingest.join(format!("sha256-{}.partial.4242", hex("c")));
    let private_old = ingest.join(format!("sha256-{}.partial.4243", hex("d")));
    let other = ingest.join("notes.txt");
    for p in [&held, &left, &private_new, &private_old, &other] {
        std::fs::write(p, b"partial").unwrap();
    }
    set_used(&private_old, Duration::from_secs(2 * 3600));
    let lock = std::fs::File::open(&held).unwrap();
    lock.lock().unwrap();
    let prune = || {
        json_of(
            with_cache(
                d.path(),
                &cache,
                &["cache", "prune", "--max-size", "0", "--format", "json"],
            )
            .ok(),
        )
    };
    let pruned = prune();
    assert_eq!(pruned["removedPartials"], 2, "{pruned}");
    assert!(held.exists(), "a download holds it");
    assert!(private_new.exists(), "a download may still write it");
    assert!(!left.exists() && !private_old.exists());
    assert!(other.exists(), "not a file of the cache");
    drop(lock);
    assert_eq!(prune()["removedPartials"], 1);
    assert!(!held.exists());
}

#[test]
fn cache_commands_need_a_cache_and_refuse_other_directories() {
    let d = tempdir();
    let no_cache = oras(d.path(), &["cache", "info"]).fails();
    assert!(
        no_cache.stderr.contains("ORAS_CACHE is not set"),
        "{}",
        no_cache.stderr
    );
    oras(d.path(), &["cache", "prune", "--max-age", "1d"]).fails();
    let missing = d.path().join("missing");
    let info = json_of(with_cache(d.path(), &missing, &["cache", "info", "--format", "json"]).ok());
    assert_eq!(info["exists"], false);
    assert_eq!(info["blobs"], 0);
    with_cache(d.path(), &missing, &["cache", "prune", "--max-size", "0"]).ok();
    assert!(!missing.exists(), "nothing is created");
    let other = d.path().join("other");
    std::fs::create_dir_all(other.join("blobs/sha256")).unwrap();
    let hex = "e".repeat(64);
    std::fs::write(other.join("blobs/sha256").join(&hex), b"mine").unwrap();
    let refused = with_cache(d.path(), &other, &["cache", "prune", "--max-size", "0"]).fails();
    assert!(refused.stderr.contains("oci-layout"), "{}", refused.stderr);
    assert!(other.join("blobs/sha256").join(&hex).exists());
    for flags in [
        &[][..],
        &["--max-size", "12XB"][..],
        &["--max-age", "30"][..],
        &["--max-age", "1y"][..],
    ] {
        let mut args = vec!["cache", "prune"];
        args.extend_from_slice(flags);
        with_cache(d.path(), &missing, &args).fails();
    }
}

#[test]
fn pulls_succeed_while_the_cache_is_pruned() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let cache = d.path().join("cache");
    let r = format!("{}/concurrent/repo:v1", reg.localhost());
    let names = ["a.bin", "b.bin", "c.bin"];
    let mut digests = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let data: Vec<u8> = (0..(2 << 20)).map(|j: usize| (j * (i + 3)) as u8).collect();
        std::fs::write(d.path().join(n), &data).unwrap();
        digests.push(craft::digest_of(&data));
    }
    let mut push = vec!["push", r.as_str()];
    push.extend_from_slice(&names);
    oras(d.path(), &push).ok();
    for round in 0..4 {
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let pruner = s.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    with_cache(d.path(), &cache, &["cache", "prune", "--max-size", "0"]).ok();
                }
            });
            let pulls: Vec<_> = (0..2)
                .map(|p| {
                    let (d, cache, r) = (d.path(), &cache, &r);
                    s.spawn(move || {
                        let out = format!("out-{round}-{p}");
                        with_cache(d, cache, &["pull", r, "-o", &out]).ok();
                        out
                    })
                })
                .collect();
            for pull in pulls {
                let out = pull.join().unwrap();
                for (n, digest) in names.iter().zip(&digests) {
                    assert_eq!(&sha256_file(&d.path().join(&out).join(n)), digest);
                }
            }
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            pruner.join().unwrap();
        });
    }
    assert_layout_blobs_valid(&cache);
    index_json(&cache);
    with_cache(d.path(), &cache, &["cache", "info"]).ok();
}

#[test]
fn prune_removes_nothing_through_a_link_in_the_cache() {
    let d = tempdir();
    let cache = d.path().join("cache");
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    oras(d.path(), &["push", "--oci-layout", "cache:v1", "a.txt"]).ok();
    // the cache's blobs and ingest directories are links to directories that are not its own
    let outside = d.path().join("outside");
    std::fs::create_dir_all(outside.join("ingest")).unwrap();
    std::fs::rename(cache.join("blobs"), outside.join("blobs")).unwrap();
    std::os::unix::fs::symlink(outside.join("blobs"), cache.join("blobs")).unwrap();
    let partial = outside
        .join("ingest")
        .join(format!("sha256-{}.partial", "a".repeat(64)));
    std::fs::write(&partial, b"partial").unwrap();
    let before = craft::fingerprint(&outside);
    assert!(!before.is_empty());
    for dir in ["blobs", "ingest"] {
        if dir == "ingest" {
            std::fs::remove_file(cache.join("blobs")).unwrap();
            std::fs::create_dir(cache.join("blobs")).unwrap();
            let _ = std::fs::remove_dir_all(cache.join("ingest"));
            std::os::unix::fs::symlink(outside.join("ingest"), cache.join("ingest")).unwrap();
        }
        let e = with_cache(d.path(), &cache, &["cache", "prune", "--max-size", "0"]).fails();
        let shown = cache.join(dir).display().to_string();
        assert!(
            e.stderr.contains(&format!("{shown}: a symbolic link")),
            "{}",
            e.stderr
        );
        with_cache(d.path(), &cache, &["cache", "info"]).fails();
        assert_eq!(craft::fingerprint(&outside), before, "{dir}");
    }
}
