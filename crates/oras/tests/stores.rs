//! Library-level behaviour of the stores and the copy engine.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use oras::content::memory::MemoryStore;
use oras::content::oci::OciLayout;
use oras::content::{
    BlobSource, Deleter, PredecessorFinder, ReadOnlyStorage, Resolver, Storage, TagLister, Tagger,
};
use oras::copy::{CopyGraphOptions, copy_graph};
use oras::events::{Event, Observer};
use oras::pack::{PackOptions, PackVersion, pack_manifest};
use oras::{ErrorKind, referrers::referrers};
use oras_spec::Descriptor;
use tokio::io::AsyncReadExt as _;

async fn blob(store: &dyn Storage, data: &'static [u8], title: &str) -> Descriptor {
    let mut d = Descriptor::from_bytes("application/octet-stream", data);
    store
        .push(&d, BlobSource::Bytes(Bytes::from_static(data)))
        .await
        .unwrap();
    d.annotations
        .insert("org.opencontainers.image.title".into(), title.into());
    d
}

#[tokio::test]
async fn index_json_keeps_unknown_fields_and_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("blobs")).unwrap();
    std::fs::write(
        dir.path().join("index.json"),
        br#"{"schemaVersion":2,"manifests":[],"x-vendor":{"keep":true},"annotations":{"a":"b"}}"#,
    )
    .unwrap();
    let layout = OciLayout::open(dir.path()).unwrap();
    let layer = blob(&layout, b"one", "one").await;
    let (root, _) = pack_manifest(
        &layout,
        PackVersion::V1_1,
        "application/vnd.t",
        PackOptions {
            layers: vec![layer],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    layout.tag(&root, "v1").await.unwrap();
    let idx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    assert_eq!(idx["x-vendor"], serde_json::json!({"keep": true}));
    assert_eq!(idx["annotations"]["a"], "b");
    assert_eq!(
        idx["manifests"].as_array().unwrap().len(),
        1,
        "tagged manifest listed once: {idx}"
    );
    assert_eq!(
        idx["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "v1"
    );
}

#[tokio::test]
async fn push_rejects_wrong_content_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::open(dir.path()).unwrap();
    let d = Descriptor::from_bytes("application/octet-stream", b"right");
    let err = layout
        .push(&d, BlobSource::Bytes(Bytes::from_static(b"wrong")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DigestMismatch);
    assert!(!layout.exists(&d).await.unwrap());
    let leftovers = std::fs::read_dir(dir.path().join("ingest"))
        .map(|r| r.count())
        .unwrap_or(0);
    assert_eq!(leftovers, 0, "temp files left in ingest/");
    let err = layout.tag(&d, "t").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn resolve_by_digest_is_plain_and_falls_back_to_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::open(dir.path()).unwrap();
    let layer = blob(&layout, b"data", "data").await;
    let (root, _) = pack_manifest(
        &layout,
        PackVersion::V1_1,
        "application/vnd.t",
        PackOptions {
            layers: vec![layer.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    layout.tag(&root, "v1").await.unwrap();
    let by_tag = layout.resolve("v1").await.unwrap();
    assert_eq!(by_tag.artifact_type, "application/vnd.t");
    assert_eq!(
        by_tag.annotations["org.opencontainers.image.ref.name"],
        "v1"
    );
    let by_digest = layout.resolve(&root.digest.to_string()).await.unwrap();
    assert_eq!(by_digest, root.plain());
    let blob_desc = layout.resolve(&layer.digest.to_string()).await.unwrap();
    assert_eq!(blob_desc.media_type, "application/octet-stream");
    assert_eq!(
        layout.resolve("missing").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(layout.tags(None).await.unwrap(), vec!["v1".to_string()]);
}

#[derive(Default)]
struct Counter {
    copied: AtomicUsize,
    skipped: AtomicUsize,
}

impl Observer for Counter {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::Done(_) => self.copied.fetch_add(1, Ordering::SeqCst),
            Event::Exists(_) => self.skipped.fetch_add(1, Ordering::SeqCst),
            _ => 0,
        };
    }
}

#[tokio::test]
async fn copy_moves_shared_nodes_once_and_skips_existing() {
    let src = Arc::new(MemoryStore::new());
    let a = blob(&*src, b"shared", "a").await;
    let b = blob(&*src, b"shared", "b").await; // same content, another title
    let (root, _) = pack_manifest(
        &*src,
        PackVersion::V1_1,
        "application/vnd.t",
        PackOptions {
            layers: vec![a, b],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dst = Arc::new(OciLayout::open(dir.path()).unwrap());
    let hooks = Arc::new(Counter::default());
    let opts = CopyGraphOptions::default().observer(hooks.clone() as Arc<dyn Observer>);
    copy_graph(src.clone(), dst.clone(), &root, &opts)
        .await
        .unwrap();
    // shared blob once, empty config once, manifest once
    assert_eq!(hooks.copied.load(Ordering::SeqCst), 3);
    let hooks2 = Arc::new(Counter::default());
    let opts = CopyGraphOptions::default().observer(hooks2.clone() as Arc<dyn Observer>);
    copy_graph(src, dst, &root, &opts).await.unwrap();
    assert_eq!(hooks2.copied.load(Ordering::SeqCst), 0);
    assert_eq!(
        hooks2.skipped.load(Ordering::SeqCst),
        1,
        "root exists: the whole graph is skipped"
    );
}

/// Writes each event down as `kind title-or-media-type`.
#[derive(Default)]
struct Log(std::sync::Mutex<Vec<String>>);

impl Observer for Log {
    fn on_event(&self, event: &Event<'_>) {
        let name = |d: &Descriptor| d.title().unwrap_or(&d.media_type).to_string();
        let line = match event {
            Event::Processing(d) => format!("processing {}", name(d)),
            Event::Started(d) => format!("started {}", name(d)),
            Event::Done(d) => format!("done {}", name(d)),
            Event::Exists(d) => format!("exists {}", name(d)),
            Event::Deduplicated(d) => format!("deduplicated {}", name(d)),
            _ => return,
        };
        self.0.lock().unwrap().push(line);
    }
}

#[tokio::test]
async fn copy_reports_a_second_name_of_moved_content_before_its_parent_is_done() {
    let src = Arc::new(MemoryStore::new());
    let a = blob(&*src, b"shared", "a").await;
    let b = blob(&*src, b"shared", "b").await; // same content, another title
    let a_again = a.clone(); // the same descriptor twice: no second name
    let (root, _) = pack_manifest(
        &*src,
        PackVersion::V1_1,
        "application/vnd.t",
        PackOptions {
            layers: vec![a, b, a_again],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let manifest = root.media_type.clone();
    for dst_has_blob in [false, true] {
        let dst = Arc::new(MemoryStore::new());
        if dst_has_blob {
            blob(&*dst, b"shared", "a").await;
        }
        let log = Arc::new(Log::default());
        let opts = CopyGraphOptions::default()
            .concurrency(1usize)
            .observer(log.clone() as Arc<dyn Observer>);
        copy_graph(src.clone(), dst, &root, &opts).await.unwrap();
        let lines = log.0.lock().unwrap().clone();
        let blob_a = if dst_has_blob { "exists a" } else { "done a" };
        assert!(lines.contains(&blob_a.to_string()), "{lines:?}");
        assert!(
            !lines
                .iter()
                .any(|l| l.ends_with(" b") && l != "deduplicated b")
        );
        // read first, stored last; the second name just before the manifest is done
        assert_eq!(lines[0], format!("processing {manifest}"), "{lines:?}");
        assert_eq!(
            lines[lines.len() - 3..],
            [
                format!("started {manifest}"),
                "deduplicated b".to_string(),
                format!("done {manifest}")
            ],
            "{lines:?}"
        );
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with("deduplicated"))
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn referrers_and_delete_with_garbage_collection() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::open(dir.path()).unwrap();
    let layer = blob(&layout, b"subject-layer", "s").await;
    let (subject, _) = pack_manifest(
        &layout,
        PackVersion::V1_1,
        "application/vnd.s",
        PackOptions {
            layers: vec![layer.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    layout.tag(&subject, "v1").await.unwrap();
    let sig_layer = blob(&layout, b"signature", "sig").await;
    let (sig, _) = pack_manifest(
        &layout,
        PackVersion::V1_1,
        "application/vnd.sig",
        PackOptions {
            subject: Some(subject.clone()),
            layers: vec![sig_layer.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let found = referrers(&layout, &subject, "").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].digest, sig.digest);
    assert_eq!(found[0].artifact_type, "application/vnd.sig");
    assert!(
        referrers(&layout, &subject, "other/type")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        layout
            .predecessors(&layer)
            .await
            .unwrap()
            .iter()
            .any(|p| p.digest == subject.digest)
    );

    // Reopen (a new process) and delete the subject: its referrer and all their blobs go too.
    drop(layout);
    let layout = OciLayout::open(dir.path()).unwrap();
    layout.delete(&subject).await.unwrap();
    for d in [&subject, &sig, &layer, &sig_layer] {
        assert!(
            !layout.exists(d).await.unwrap(),
            "{} should be collected",
            d.digest
        );
    }
    assert!(layout.index_entries().is_empty());
}

#[tokio::test]
async fn read_only_tar_layout() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::open(dir.path().join("lay")).unwrap();
    let layer = blob(&layout, b"in a tar", "t").await;
    let (root, _) = pack_manifest(
        &layout,
        PackVersion::V1_1,
        "application/vnd.t",
        PackOptions {
            layers: vec![layer.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    layout.tag(&root, "v1").await.unwrap();
    let tar_path = dir.path().join("lay.tar");
    {
        let mut b = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
        b.append_dir_all(".", dir.path().join("lay")).unwrap();
        b.finish().unwrap();
    }
    let ro = OciLayout::open_read_only(&tar_path).unwrap();
    assert_eq!(ro.resolve("v1").await.unwrap().digest, root.digest);
    let mut data = Vec::new();
    ro.fetch(&layer)
        .await
        .unwrap()
        .read_to_end(&mut data)
        .await
        .unwrap();
    assert_eq!(&data[..], b"in a tar");
    assert_eq!(
        ro.tag(&root, "v2").await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}

/// A referrers walk fails past its limits (deeper or larger than allowed) but not when
/// `depth` stops it first; every limit is the caller's.
#[tokio::test]
async fn referrer_walks_are_bounded_in_depth_and_size() {
    use oras::limits::ReferrerLimits;
    use oras::referrers::find_referrers_within;
    let store = MemoryStore::new();
    let layer = blob(&store, b"x", "x").await;
    let pack = |subject: Option<Descriptor>, n: usize| {
        let mut manifest_annotations = oras_spec::Annotations::new();
        manifest_annotations.insert("n".into(), n.to_string());
        PackOptions {
            subject,
            layers: vec![layer.clone()],
            manifest_annotations,
            ..Default::default()
        }
    };
    let (root, _) = pack_manifest(&store, PackVersion::V1_1, "t/root", pack(None, 0))
        .await
        .unwrap();
    // three referrers of the root, and a chain of two below the first
    let mut first = None;
    for n in 1..=3 {
        let (r, _) = pack_manifest(
            &store,
            PackVersion::V1_1,
            "t/ref",
            pack(Some(root.clone()), n),
        )
        .await
        .unwrap();
        first.get_or_insert(r);
    }
    let (second, _) = pack_manifest(&store, PackVersion::V1_1, "t/ref", pack(first.clone(), 4))
        .await
        .unwrap();
    pack_manifest(&store, PackVersion::V1_1, "t/ref", pack(Some(second), 5))
        .await
        .unwrap();

    let all = find_referrers_within(&store, &root, 0, &ReferrerLimits::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    let shallow = ReferrerLimits {
        max_depth: 2,
        ..Default::default()
    };
    let e = find_referrers_within(&store, &root, 0, &shallow)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
    assert!(e.message().contains("go deeper than 2 levels"), "{e}");
    assert_eq!(
        find_referrers_within(&store, &root, 2, &shallow)
            .await
            .unwrap()
            .len(),
        4,
        "depth stops the walk within the limit"
    );
    let small = ReferrerLimits {
        max_referrers: 4,
        ..Default::default()
    };
    let e = find_referrers_within(&store, &root, 0, &small)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
    assert!(e.message().contains("more than 4 in the graph"), "{e}");
}

/// A destination where every push fails (a full disk).
struct FullDisk(MemoryStore);

#[async_trait::async_trait]
impl ReadOnlyStorage for FullDisk {
    async fn fetch(&self, desc: &Descriptor) -> oras::Result<oras::content::BlobReader> {
        self.0.fetch(desc).await
    }

    async fn exists(&self, desc: &Descriptor) -> oras::Result<bool> {
        self.0.exists(desc).await
    }
}

#[async_trait::async_trait]
impl Storage for FullDisk {
    async fn push(&self, _expected: &Descriptor, _content: BlobSource) -> oras::Result<()> {
        Err(oras::Error::new(ErrorKind::Io, "no space left on device"))
    }
}

#[tokio::test]
async fn copy_errors_say_which_end_failed() {
    // the source lacks a layer its manifest names
    let src = Arc::new(MemoryStore::new());
    let gone = Descriptor::from_bytes("application/octet-stream", b"gone");
    let (root, _) = pack_manifest(
        &*src,
        PackVersion::V1_1,
        "application/vnd.t",
        PackOptions {
            layers: vec![gone],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = copy_graph(
        src,
        Arc::new(MemoryStore::new()),
        &root,
        &CopyGraphOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.side(), Some(oras::Side::Source), "{e}");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    // the destination cannot store anything
    let src = Arc::new(MemoryStore::new());
    let layer = blob(&*src, b"here", "here").await;
    let (root, _) = pack_manifest(
        &*src,
        PackVersion::V1_1,
        "application/vnd.t",
        PackOptions {
            layers: vec![layer],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = copy_graph(
        src,
        Arc::new(FullDisk(MemoryStore::new())),
        &root,
        &CopyGraphOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.side(), Some(oras::Side::Destination), "{e}");
    assert_eq!(e.message(), "no space left on device");
}

#[tokio::test]
async fn a_layout_misses_a_reference_as_oras_go_says_it() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::open(dir.path()).unwrap();
    for reference in ["nope", &format!("sha256:{}", "0".repeat(64))] {
        let e = layout.resolve(reference).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.message(), "not found");
        assert_eq!(
            e.io_error_kind(),
            None,
            "missing content, not a missing file"
        );
    }
}

#[test]
fn file_errors_keep_their_io_kind() {
    let e = oras::Error::from(std::io::Error::from(std::io::ErrorKind::NotFound));
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.io_error_kind(), Some(std::io::ErrorKind::NotFound));
    let e = e.context("failed to open x");
    assert_eq!(e.io_error_kind(), Some(std::io::ErrorKind::NotFound));
    assert_eq!(oras::Error::not_found("x").io_error_kind(), None);
}
