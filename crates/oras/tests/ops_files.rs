//! Push and pull options about the files themselves, through the library: a source date for
//! reproducible packing ([`ops::PushOptions::source_date`]) and file modes
//! ([`ops::PushOptions::preserve_permissions`], [`ops::PullOptions::preserve_permissions`]).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use oras::{OciLayout, SourceDate, annotations, ops};

fn touch(path: &Path, secs: u64) {
    std::fs::File::open(path)
        .unwrap()
        .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// A directory `tree` (one file) under `root`, every time set to `secs`.
fn tree(root: &Path, secs: u64) {
    std::fs::create_dir_all(root.join("tree")).unwrap();
    std::fs::write(root.join("tree/f.txt"), b"f").unwrap();
    std::fs::set_permissions(root.join("tree/f.txt"), PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::set_permissions(root.join("tree"), PermissionsExt::from_mode(0o755)).unwrap();
    touch(&root.join("tree/f.txt"), secs);
    touch(&root.join("tree"), secs);
}

#[tokio::test]
async fn a_source_date_packs_the_same_directory_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Arc::new(OciLayout::open(dir.path().join("layout")).unwrap());
    let date = SourceDate::parse("1700000000").unwrap();
    let push = |root: std::path::PathBuf, date: Option<SourceDate>| {
        let layout = layout.clone();
        async move {
            let opts = ops::PushOptions::default()
                .working_dir(root)
                .source_date(date);
            ops::push(layout, &[ops::FileLayer::new("tree")], &opts)
                .await
                .unwrap()
        }
    };
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    tree(&a, 1_000_000_000);
    tree(&b, 1_500_000_000);
    let one = push(a.clone(), Some(date)).await;
    let two = push(b.clone(), Some(date)).await;
    assert_eq!(one.descriptor.digest, two.descriptor.digest);
    assert_eq!(
        one.descriptor.annotations[annotations::CREATED],
        "2023-11-14T22:13:20Z"
    );
    // the files' own times otherwise: the layers differ
    let one = push(a, None).await;
    let two = push(b, None).await;
    let layer = |m: &bytes::Bytes| {
        let v: serde_json::Value = serde_json::from_slice(m).unwrap();
        v["layers"][0]["digest"].as_str().unwrap().to_string()
    };
    assert_ne!(layer(&one.manifest), layer(&two.manifest));
}

#[tokio::test]
async fn modes_recorded_by_push_are_given_back_by_pull() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Arc::new(OciLayout::open(dir.path().join("layout")).unwrap());
    let run = dir.path().join("run.sh");
    std::fs::write(&run, b"#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&run, PermissionsExt::from_mode(0o4711)).unwrap();
    let opts = ops::PushOptions::default()
        .working_dir(dir.path().to_path_buf())
        .preserve_permissions(true)
        .tags(vec!["v1".to_string()]);
    let pushed = ops::push(layout.clone(), &[ops::FileLayer::new("run.sh")], &opts)
        .await
        .unwrap();
    let m: serde_json::Value = serde_json::from_slice(&pushed.manifest).unwrap();
    assert_eq!(
        m["layers"][0]["annotations"][annotations::FILE_MODE],
        "4711"
    );

    let out = dir.path().join("out");
    let opts = ops::PullOptions::default().preserve_permissions(true);
    ops::pull(layout, "v1", &out, &opts).await.unwrap();
    let mode = std::fs::metadata(out.join("run.sh"))
        .unwrap()
        .permissions()
        .mode();
    // the set-user-ID bit is dropped; the umask (at least 0) may take more
    assert_eq!(mode & 0o7000, 0);
    assert_eq!(mode & 0o100, 0o100, "owner execute kept: {mode:o}");
}
