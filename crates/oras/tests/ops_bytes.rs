//! The byte-level operations: fetching and pushing manifests, configs and blobs, deleting,
//! and creating and updating indexes; on memory stores, OCI layouts and the in-process
//! registry.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use oras::ErrorKind;
use oras::content::memory::MemoryStore;
use oras::content::oci::OciLayout;
use oras::content::{BlobSource, ReadOnlyStorage, Resolver, Storage, Tagger};
use oras::events::{Event, Observer};
use oras::ops::{self, BlobInput, BlobOutput, DeleteOptions, Deletion, FetchOptions};
use oras_spec::{Descriptor, Digest, Platform, media_type};

/// The image config oras 1.3.3 wrote for `--artifact-platform linux/arm64`.
const ARM64_CONFIG: &str = r#"{"architecture":"arm64","os":"linux"}"#;
/// The manifests oras 1.3.3 packed for `push --artifact-platform linux/arm64 hello.txt` and
/// `push hello.txt` (crates/oras-cli/tests/data/golden, cases 05 and 01).
const PLATFORM_MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.unknown.artifact.v1","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:d6f56bc20064075ce319ac2e6fcef5de9ea21773b0a8a4398c4405222971f9c0","size":37},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447","size":12,"annotations":{"org.opencontainers.image.title":"hello.txt"}}],"annotations":{"org.opencontainers.image.created":"2025-01-01T00:00:00Z"}}"#;
const PLAIN_MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.unknown.artifact.v1","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447","size":12,"annotations":{"org.opencontainers.image.title":"hello.txt"}}],"annotations":{"org.opencontainers.image.created":"2025-01-01T00:00:00Z"}}"#;
/// `oras manifest index create L:idx v5 v1` of oras 1.3.3 (golden case 10).
const GOLDEN_INDEX: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:4fca6945c3ee22df5d989c25b69b38534b56aeea43a5aee164b2bf5ac2e675b7","size":582,"platform":{"architecture":"arm64","os":"linux"},"artifactType":"application/vnd.unknown.artifact.v1"},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:dcdf10af988a6b28f3d7b390cdaea7d0e0d249363c655d290e02235e1eac8eb8","size":588,"artifactType":"application/vnd.unknown.artifact.v1"}]}"#;
const GOLDEN_INDEX_DIGEST: &str =
    "sha256:f7310abe4f1735ae4f763b7ef06f3b5236ba1e70dcafe74d7d67ae63db237a43";

/// An observer that writes each event down as a short line.
#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl Log {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Observer for Log {
    fn on_event(&self, e: &Event<'_>) {
        let short = |d: &Descriptor| d.digest.hex()[..8].to_string();
        let line = match *e {
            Event::Started(d) => format!("started {}", short(d)),
            Event::Done(d) => format!("done {}", short(d)),
            Event::Exists(d) => format!("exists {}", short(d)),
            Event::Tagged(_, t) => format!("tagged {t}"),
            Event::Fetching(r) => format!("fetching {r}"),
            Event::Fetched(d, r) => format!("fetched {} {r}", short(d)),
            Event::Added(d, r) => format!("added {} {r}", short(d)),
            Event::Removed(d) => format!("removed {}", short(d)),
            Event::Merged(d, r) => format!("merged {} {r}", short(d)),
            other => format!("{other:?}"),
        };
        self.0.lock().unwrap().push(line);
    }
}

fn short(d: &Descriptor) -> String {
    d.digest.hex()[..8].to_string()
}

async fn put_blob(store: &dyn Storage, mt: &str, data: &[u8]) -> Descriptor {
    let d = Descriptor::from_bytes(mt, data);
    store
        .push(&d, BlobSource::Bytes(Bytes::copy_from_slice(data)))
        .await
        .unwrap();
    d
}

/// A layout (memory stores resolve tags only) with the two golden manifests tagged `v5`
/// (linux/arm64) and `v1`.
async fn golden_store() -> (tempfile::TempDir, OciLayout, Descriptor, Descriptor) {
    let dir = tempfile::tempdir().unwrap();
    let store = OciLayout::open(dir.path()).unwrap();
    put_blob(&store, media_type::IMAGE_CONFIG, ARM64_CONFIG.as_bytes()).await;
    put_blob(&store, media_type::IMAGE_LAYER, b"hello world\n").await;
    let mut opts = ops::PushManifestOptions::default();
    opts.tags = vec!["v5".into()];
    let v5 = ops::push_manifest(
        &store,
        Bytes::from_static(PLATFORM_MANIFEST.as_bytes()),
        &opts,
    )
    .await
    .unwrap();
    opts.tags = vec!["v1".into()];
    let v1 = ops::push_manifest(&store, Bytes::from_static(PLAIN_MANIFEST.as_bytes()), &opts)
        .await
        .unwrap();
    (dir, store, v5, v1)
}

#[tokio::test]
async fn push_manifest_takes_its_media_type_from_the_json_and_tags_in_order() {
    let store = MemoryStore::new();
    let log = Arc::new(Log::default());
    let mut opts = ops::PushManifestOptions::default();
    opts.tags = vec!["a".into(), "b".into()];
    opts.observer = log.clone();
    let bytes = Bytes::from_static(PLAIN_MANIFEST.as_bytes());
    let desc = ops::push_manifest(&store, bytes.clone(), &opts)
        .await
        .unwrap();
    assert_eq!(
        desc,
        Descriptor::from_bytes(media_type::IMAGE_MANIFEST, &bytes)
    );
    let s = short(&desc);
    assert_eq!(
        log.take(),
        [
            format!("started {s}"),
            format!("done {s}"),
            "tagged a".into(),
            "tagged b".into()
        ]
    );
    // again: it is there, only the tags are set
    opts.tags = vec!["c".into()];
    ops::push_manifest(&store, bytes.clone(), &opts)
        .await
        .unwrap();
    assert_eq!(log.take(), [format!("exists {s}"), "tagged c".into()]);
    for t in ["a", "b", "c"] {
        let (got, fetched) = ops::fetch_manifest(&store, t, &FetchOptions::default())
            .await
            .unwrap();
        assert_eq!((got.digest, fetched), (desc.digest.clone(), bytes.clone()));
    }
    // a given media type wins over the JSON's, and the digest is the bytes' either way
    let mut typed = ops::PushManifestOptions::default();
    typed.media_type = Some(media_type::DOCKER_MANIFEST.into());
    let d = ops::push_manifest(&store, bytes.clone(), &typed)
        .await
        .unwrap();
    assert_eq!(
        (d.media_type.as_str(), &d.digest),
        (media_type::DOCKER_MANIFEST, &desc.digest)
    );
}

#[tokio::test]
async fn push_manifest_refuses_bytes_it_cannot_vouch_for_and_stores_nothing() {
    let store = MemoryStore::new();
    let push = |bytes: &'static [u8], opts: ops::PushManifestOptions| {
        let store = &store;
        async move {
            ops::push_manifest(store, Bytes::from_static(bytes), &opts)
                .await
                .unwrap_err()
        }
    };
    let e = push(b"not json", Default::default()).await;
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::InvalidInput, "not a valid json file")
    );
    let e = push(br#"{"schemaVersion":2}"#, Default::default()).await;
    assert_eq!(e.kind(), ErrorKind::MissingMediaType);
    let e = push(br#"{"schemaVersion":2,"mediaType":""}"#, Default::default()).await;
    assert_eq!(e.kind(), ErrorKind::MissingMediaType);
    let mut small = ops::PushManifestOptions::default();
    small.max_bytes = 10;
    let e = push(PLAIN_MANIFEST.as_bytes(), small).await;
    assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
    assert_eq!(
        e.message(),
        format!(
            "manifest size {} exceeds the limit of 10 bytes",
            PLAIN_MANIFEST.len()
        )
    );
    let mut pinned = ops::PushManifestOptions::default();
    let other = Digest::sha256_of(b"other");
    pinned.digest = Some(other.clone());
    let e = push(PLAIN_MANIFEST.as_bytes(), pinned).await;
    assert_eq!(e.kind(), ErrorKind::DigestMismatch);
    assert!(
        e.message()
            .starts_with(&format!("mismatched digest: expected {other} but got ")),
        "{e}"
    );
    let desc = Descriptor::from_bytes(media_type::IMAGE_MANIFEST, PLAIN_MANIFEST.as_bytes());
    assert!(!store.exists(&desc).await.unwrap());
}

/// The index of the golden manifests is oras 1.3.3's byte for byte (Go's JSON field order
/// and escaping, the platform from the image config, the artifact types).
#[tokio::test]
async fn index_create_reproduces_oras_byte_for_byte() {
    let (_dir, store, v5, v1) = golden_store().await;
    let log = Arc::new(Log::default());
    let mut opts = ops::IndexCreateOptions::default();
    opts.observer = log.clone();
    let index = ops::index_create(&store, &["v5".into(), v1.digest.to_string()], &opts)
        .await
        .unwrap();
    assert_eq!(std::str::from_utf8(&index.bytes).unwrap(), GOLDEN_INDEX);
    assert_eq!(index.descriptor.digest.to_string(), GOLDEN_INDEX_DIGEST);
    assert_eq!(index.descriptor.media_type, media_type::IMAGE_INDEX);
    let (s5, s1) = (short(&v5), short(&v1));
    assert_eq!(
        log.take(),
        [
            "fetching v5".to_string(),
            format!("fetched {s5} v5"),
            format!("fetching {}", v1.digest),
            format!("fetched {s1} {}", v1.digest),
        ]
    );
    // nothing was stored: pushing is push_manifest's
    assert!(!store.exists(&index.descriptor).await.unwrap());

    let mut typed = ops::IndexCreateOptions::default();
    typed.artifact_type = "application/vnd.multi".into();
    typed.annotations.insert("k".into(), "v".into());
    let index = ops::index_create(&store, &[], &typed).await.unwrap();
    assert_eq!(
        std::str::from_utf8(&index.bytes).unwrap(),
        r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"application/vnd.multi","manifests":[],"annotations":{"k":"v"}}"#
    );
    typed.artifact_type = "not a type".into();
    let e = ops::index_create(&store, &[], &typed).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidMediaType);

    let e = ops::index_create(&store, &["nope".into()], &Default::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.message()
            .starts_with("could not find the manifest nope: "),
        "{e}"
    );
    let layer = Digest::sha256_of(b"hello world\n").to_string();
    let e = ops::index_create(&store, std::slice::from_ref(&layer), &Default::default())
        .await
        .unwrap_err();
    assert_eq!(e.message(), format!("{layer} is not a manifest"));
}

/// Fetching through an index with a platform, configs, and the errors for what has none.
#[tokio::test]
async fn fetch_picks_the_platform_and_reads_configs() {
    let (_dir, store, v5, v1) = golden_store().await;
    let index = ops::index_create(&store, &["v5".into(), "v1".into()], &Default::default())
        .await
        .unwrap();
    let mut push = ops::PushManifestOptions::default();
    push.tags = vec!["idx".into()];
    ops::push_manifest(&store, index.bytes.clone(), &push)
        .await
        .unwrap();

    let (desc, bytes) = ops::fetch_manifest(&store, "idx", &FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (desc.digest, bytes),
        (index.descriptor.digest.clone(), index.bytes)
    );
    let mut arm = FetchOptions::default();
    arm.platform = Some(Platform::parse("linux/arm64").unwrap());
    let (desc, bytes) = ops::fetch_manifest(&store, "idx", &arm).await.unwrap();
    assert_eq!(desc.digest, v5.digest);
    assert_eq!(desc.platform.as_ref().unwrap().architecture, "arm64");
    assert_eq!(&bytes[..], PLATFORM_MANIFEST.as_bytes());
    let mut amd = FetchOptions::default();
    amd.platform = Some(Platform::parse("linux/amd64").unwrap());
    let e = ops::resolve_manifest(&store, "idx", &amd)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);

    let (config, data) = ops::fetch_config(&store, "idx", &arm).await.unwrap();
    assert_eq!(
        (config.media_type.as_str(), &data[..]),
        (media_type::IMAGE_CONFIG, ARM64_CONFIG.as_bytes())
    );
    // the empty config comes from the descriptor's data
    let (config, data) = ops::fetch_config(&store, "v1", &Default::default())
        .await
        .unwrap();
    assert_eq!((config.size, &data[..]), (2, &b"{}"[..]));
    assert_eq!(
        ops::resolve_config(&store, &v1.digest.to_string(), &Default::default())
            .await
            .unwrap(),
        config
    );
    let e = ops::fetch_config(&store, "idx", &Default::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(
        e.message(),
        format!(
            "\"{}\" is not an image manifest and does not have a config",
            index.descriptor.digest
        )
    );
    let mut tiny = FetchOptions::default();
    tiny.max_bytes = 100;
    let e = ops::fetch_manifest(&store, "v1", &tiny).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
}

#[tokio::test]
async fn index_update_removes_adds_and_merges_in_that_order() {
    let (_dir, store, v5, v1) = golden_store().await;
    let push_index = |index: ops::NewIndex, tag: &'static str| {
        let store = &store;
        async move {
            let mut push = ops::PushManifestOptions::default();
            push.tags = vec![tag.into()];
            ops::push_manifest(store, index.bytes, &push).await.unwrap()
        }
    };
    let only = |refs: &[&str]| {
        let refs: Vec<String> = refs.iter().map(|r| r.to_string()).collect();
        let store = &store;
        async move {
            ops::index_create(store, &refs, &Default::default())
                .await
                .unwrap()
        }
    };
    let both = push_index(only(&["v5", "v1"]).await, "both").await;
    let one = push_index(only(&["v1"]).await, "one").await;

    let log = Arc::new(Log::default());
    let mut opts = ops::IndexUpdateOptions::default();
    opts.remove_digests = vec![v5.digest.clone(), v1.digest.clone()];
    opts.add_manifests = vec!["v5".into()];
    opts.merge_indexes = vec!["one".into(), "both".into()];
    opts.artifact_type = Some("application/vnd.updated".into());
    opts.observer = log.clone();
    let updated = ops::index_update(&store, "both", &opts).await.unwrap();
    let (s5, s1) = (short(&v5), short(&v1));
    let (sb, so) = (short(&both), short(&one));
    assert_eq!(
        log.take(),
        [
            "fetching both".to_string(),
            format!("fetched {sb} both"),
            format!("removed {s5}"),
            format!("removed {s1}"),
            "fetching v5".into(),
            format!("fetched {s5} v5"),
            format!("added {s5} v5"),
            "fetching one".into(),
            format!("fetched {so} one"),
            format!("merged {so} one"),
            "fetching both".into(),
            format!("fetched {sb} both"),
            format!("merged {sb} both"),
        ]
    );
    let index: serde_json::Value = serde_json::from_slice(&updated.bytes).unwrap();
    let digests: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    assert_eq!(
        digests,
        [v5.digest.to_string(), v1.digest.to_string()],
        "v5 added, v1 merged once"
    );
    assert_eq!(index["artifactType"], "application/vnd.updated");
    assert_eq!(
        updated.descriptor,
        Descriptor::from_bytes(media_type::IMAGE_INDEX, &updated.bytes)
    );

    // `Some("")` removes the artifact type; an unchanged index has the same bytes
    let mut clear = ops::IndexUpdateOptions::default();
    clear.artifact_type = Some(String::new());
    let same = ops::index_update(&store, "both", &clear).await.unwrap();
    assert_eq!(same.descriptor.digest, both.digest);

    let mut missing = ops::IndexUpdateOptions::default();
    missing.remove_digests = vec![Digest::sha256_of(b"not there")];
    let e = ops::index_update(&store, "one", &missing)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(
        e.message(),
        format!(
            "{} does not exist in the index one",
            Digest::sha256_of(b"not there")
        )
    );
    let e = ops::index_update(&store, "v1", &clear).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::InvalidMediaType, "v1 is not an index")
    );
    let mut merge_image = ops::IndexUpdateOptions::default();
    merge_image.merge_indexes = vec!["v1".into()];
    let e = ops::index_update(&store, "one", &merge_image)
        .await
        .unwrap_err();
    assert_eq!(e.message(), "v1 is not an index");
    let e = ops::index_update(&store, "gone", &clear).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.message().starts_with("could not find the index gone: "),
        "{e}"
    );
}

#[tokio::test]
async fn delete_asks_before_deleting_and_tells_missing_from_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::open(dir.path()).unwrap();
    let layer = put_blob(&layout, media_type::IMAGE_LAYER, b"hello world\n").await;
    put_blob(&layout, media_type::IMAGE_CONFIG, ARM64_CONFIG.as_bytes()).await;
    let mut push = ops::PushManifestOptions::default();
    push.tags = vec!["v5".into()];
    let manifest = ops::push_manifest(
        &layout,
        Bytes::from_static(PLATFORM_MANIFEST.as_bytes()),
        &push,
    )
    .await
    .unwrap();

    let asked = Arc::new(Mutex::new(Vec::new()));
    let answer = |yes: bool| {
        let asked = asked.clone();
        let mut o = DeleteOptions::default();
        o.confirm = Arc::new(move |d: &Descriptor| {
            asked.lock().unwrap().push(d.digest.clone());
            yes
        });
        o
    };
    let done = ops::delete_manifest(&layout, "v5", &answer(false))
        .await
        .unwrap();
    assert!(matches!(done, Deletion::Cancelled(ref d) if d.digest == manifest.digest));
    assert_eq!(layout.resolve("v5").await.unwrap().digest, manifest.digest);
    // a digest that names a blob is no manifest to delete; nobody is asked
    let done = ops::delete_manifest(&layout, &layer.digest.to_string(), &answer(true))
        .await
        .unwrap();
    assert_eq!(done, Deletion::Missing);
    assert_eq!(asked.lock().unwrap().len(), 1);
    let done = ops::delete_manifest(&layout, "v5", &answer(true))
        .await
        .unwrap();
    assert!(matches!(done, Deletion::Deleted(ref d) if d.digest == manifest.digest));
    assert_eq!(
        layout.resolve("v5").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let done = ops::delete_manifest(&layout, "v5", &Default::default())
        .await
        .unwrap();
    assert_eq!(done, Deletion::Missing);

    let extra = put_blob(&layout, media_type::OCTET_STREAM, b"extra").await;
    let done = ops::delete_blob(&layout, &extra.digest, &answer(false))
        .await
        .unwrap();
    assert!(matches!(done, Deletion::Cancelled(_)));
    assert!(layout.exists(&extra).await.unwrap());
    let done = ops::delete_blob(&layout, &extra.digest, &Default::default())
        .await
        .unwrap();
    assert!(matches!(done, Deletion::Deleted(ref d) if d.digest == extra.digest));
    assert!(!layout.exists(&extra).await.unwrap());
    assert_eq!(
        ops::delete_blob(&layout, &extra.digest, &Default::default())
            .await
            .unwrap(),
        Deletion::Missing
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_blob_streams_verified_and_resumes_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::open(dir.path().join("lay")).unwrap();
    let data: Vec<u8> = (0..(2 << 20) + 333u32).map(|i| (i % 251) as u8).collect();
    let desc = put_blob(&layout, media_type::OCTET_STREAM, &data).await;

    let mut out = Vec::new();
    ops::fetch_blob(&layout, &desc, BlobOutput::Writer(&mut out))
        .await
        .unwrap();
    assert!(out == data);

    // a partial left by an interrupted run is continued, not started over
    let path = dir.path().join("blob.bin");
    let partial = dir
        .path()
        .join(format!(".oras-{}.partial", desc.digest.hex()));
    std::fs::write(&partial, &data[..1 << 20]).unwrap();
    ops::fetch_blob(&layout, &desc, BlobOutput::File(&path))
        .await
        .unwrap();
    assert!(std::fs::read(&path).unwrap() == data);
    assert!(!partial.exists());

    // a partial whose bytes are wrong fails verification and is removed; the next run is whole
    let mut wrong = data[..1 << 20].to_vec();
    wrong[7] ^= 1;
    std::fs::write(&partial, &wrong).unwrap();
    let again = dir.path().join("again.bin");
    let e = ops::fetch_blob(&layout, &desc, BlobOutput::File(&again))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DigestMismatch);
    assert!(!again.exists() && !partial.exists());
    ops::fetch_blob(&layout, &desc, BlobOutput::File(&again))
        .await
        .unwrap();
    assert!(std::fs::read(&again).unwrap() == data);

    // a store that serves other bytes: the writer gets an error, the file is never made
    let liar = MemoryStore::new();
    let other = Descriptor::new(media_type::OCTET_STREAM, desc.digest.clone(), 5);
    liar.insert_verified(&other, Bytes::from_static(b"fakes"))
        .unwrap();
    let e = ops::fetch_blob(&liar, &other, BlobOutput::Writer(&mut Vec::new()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DigestMismatch);
    let bad = dir.path().join("bad.bin");
    assert!(
        ops::fetch_blob(&liar, &other, BlobOutput::File(&bad))
            .await
            .is_err()
    );
    assert!(!bad.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_blob_checks_files_and_streams() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blob.bin");
    std::fs::write(&file, b"blob-content").unwrap();
    let digest = Digest::sha256_of(b"blob-content");
    let store = MemoryStore::new();
    let log = Arc::new(Log::default());
    let mut opts = ops::PushBlobOptions::default();
    opts.observer = log.clone();
    let input = |digest: Option<Digest>, size: Option<u64>| BlobInput::File {
        path: file.clone(),
        digest,
        size,
    };
    let desc = ops::push_blob(&store, input(None, Some(12)), &opts)
        .await
        .unwrap();
    assert_eq!(
        desc,
        Descriptor::new(media_type::OCTET_STREAM, digest.clone(), 12)
    );
    let s = short(&desc);
    assert_eq!(log.take(), [format!("started {s}"), format!("done {s}")]);
    opts.media_type = "test.media".into();
    let desc = ops::push_blob(&store, input(Some(digest.clone()), None), &opts)
        .await
        .unwrap();
    assert_eq!(desc.media_type, "test.media");
    assert_eq!(log.take(), [format!("exists {s}")]);

    let e = ops::push_blob(&store, input(None, Some(3)), &opts)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (
            ErrorKind::SizeMismatch,
            "input size 3 does not match the actual content size 12"
        )
    );
    let other = Digest::sha256_of(b"other");
    let e = ops::push_blob(&store, input(Some(other.clone()), None), &opts)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DigestMismatch);
    assert_eq!(
        e.message(),
        format!("mismatched digest: expected {other} but got {digest}")
    );
    let gone = BlobInput::File {
        path: dir.path().join("gone.bin"),
        digest: None,
        size: None,
    };
    let e = ops::push_blob(&store, gone, &opts).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.message().starts_with("failed to stat ")
            && e.message().ends_with(": no such file or directory"),
        "{e}"
    );

    // a stream that is not what it claims is refused and nothing is stored
    let liar = BlobInput::Stream {
        reader: Box::pin(std::io::Cursor::new(b"other".to_vec())),
        digest: Digest::sha256_of(b"right"),
        size: 5,
    };
    let e = ops::push_blob(&store, liar, &opts).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DigestMismatch);
    let right = Descriptor::new(media_type::OCTET_STREAM, Digest::sha256_of(b"right"), 5);
    assert!(!store.exists(&right).await.unwrap());
    let honest = BlobInput::Stream {
        reader: Box::pin(std::io::Cursor::new(b"right".to_vec())),
        digest: right.digest.clone(),
        size: 5,
    };
    ops::push_blob(&store, honest, &opts).await.unwrap();
    assert!(store.exists(&right).await.unwrap());
}

mod registry {
    use super::*;

    use oras::registry::Repository;

    use oras_test_registry::inproc::{Options, TestRegistry};

    fn repository(reg: &TestRegistry, name: &str) -> Repository {
        Repository::builder(&format!("{}/{name}", reg.addr))
            .unwrap()
            .plain_http(true)
            .build()
            .unwrap()
    }

    /// The media types of [`FetchOptions`] are what the registry is asked for, on every
    /// manifest request of the fetch; without them every known type is.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fetch_manifest_asks_the_registry_for_the_media_types() {
        let reg = TestRegistry::start(Options::default());
        let repo = repository(&reg, "accept/repo");
        put_blob(&repo, media_type::IMAGE_LAYER, b"hello world\n").await;
        let mut push = ops::PushManifestOptions::default();
        push.tags = vec!["v1".into()];
        let pushed =
            ops::push_manifest(&repo, Bytes::from_static(PLAIN_MANIFEST.as_bytes()), &push)
                .await
                .unwrap();
        let accepts = || -> Vec<String> {
            reg.requests()
                .iter()
                .filter(|q| q.path.contains("/manifests/"))
                .map(|q| {
                    q.headers
                        .get("accept")
                        .map(|v| v.to_str().unwrap().to_string())
                        .unwrap_or_default()
                })
                .collect()
        };
        let wanted = vec![
            media_type::IMAGE_MANIFEST.to_string(),
            media_type::IMAGE_INDEX.to_string(),
        ];
        reg.clear_requests();
        let opts = FetchOptions::default().media_types(wanted.clone());
        let (desc, bytes) = ops::fetch_manifest(&repo, "v1", &opts).await.unwrap();
        assert_eq!(
            (&desc.digest, &bytes[..]),
            (&pushed.digest, PLAIN_MANIFEST.as_bytes())
        );
        let seen = accepts();
        assert_eq!(
            seen,
            [wanted.join(", ")],
            "one GET, with the types asked for"
        );

        reg.clear_requests();
        ops::fetch_manifest(&repo, "v1", &FetchOptions::default())
            .await
            .unwrap();
        let seen = accepts();
        assert_eq!(seen.len(), 1);
        assert!(seen[0].contains(media_type::DOCKER_MANIFEST), "{seen:?}");
    }

    /// A blob fetch into a file continues a partial left behind: only the missing bytes come
    /// from the registry.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fetch_blob_from_a_registry_fetches_only_what_is_missing() {
        let reg = TestRegistry::start(Options::default());
        let repo = repository(&reg, "resume/repo");
        let data: Vec<u8> = (0..(3 << 20) + 17u32).map(|i| (i % 253) as u8).collect();
        let digest = Digest::sha256_of(&data);
        let input = BlobInput::Stream {
            reader: Box::pin(std::io::Cursor::new(data.clone())),
            digest: digest.clone(),
            size: data.len() as u64,
        };
        ops::push_blob(&repo, input, &Default::default())
            .await
            .unwrap();
        let desc = repo.resolve_blob(&digest).await.unwrap();
        assert_eq!(desc.size, data.len() as u64);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob.bin");
        let kept = 2 << 20;
        std::fs::write(
            dir.path().join(format!(".oras-{}.partial", digest.hex())),
            &data[..kept],
        )
        .unwrap();
        reg.reset_counters();
        ops::fetch_blob(&repo, &desc, BlobOutput::File(&path))
            .await
            .unwrap();
        assert_eq!(reg.blob_bytes_served(), (data.len() - kept) as u64);
        assert!(std::fs::read(&path).unwrap() == data);
    }

    /// Pushing a manifest to a registry: blobs first, then the manifest once, then a PUT per
    /// tag; a second push finds it there.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn push_manifest_to_a_registry_tags_it() {
        let reg = TestRegistry::start(Options::default());
        let repo = repository(&reg, "push/repo");
        put_blob(&repo, media_type::IMAGE_LAYER, b"hello world\n").await;
        let log = Arc::new(Log::default());
        let mut push = ops::PushManifestOptions::default();
        push.tags = vec!["a".into(), "b".into()];
        push.observer = log.clone();
        let bytes = Bytes::from_static(PLAIN_MANIFEST.as_bytes());
        let desc = ops::push_manifest(&repo, bytes.clone(), &push)
            .await
            .unwrap();
        let s = short(&desc);
        assert_eq!(
            log.take(),
            [
                format!("started {s}"),
                format!("done {s}"),
                "tagged a".into(),
                "tagged b".into()
            ]
        );
        for t in ["a", "b"] {
            assert_eq!(repo.resolve(t).await.unwrap().digest, desc.digest);
        }
        ops::push_manifest(&repo, bytes, &push).await.unwrap();
        assert_eq!(log.take()[0], format!("exists {s}"));
        repo.tag(&desc, "c").await.unwrap();
        let done = ops::delete_manifest(&repo, &desc.digest.to_string(), &Default::default())
            .await
            .unwrap();
        assert!(matches!(done, Deletion::Deleted(_)));
        assert_eq!(
            repo.resolve("a").await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }
}
