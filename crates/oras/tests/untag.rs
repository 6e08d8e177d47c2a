//! Removing a tag and nothing else (`ops::untag`): the manifest it named stays, with its other
//! tags, in layouts, memory stores, distribution 2.8 and the in-process registry (which, like
//! some registries, deletes a manifest with every tag naming it).

use std::sync::{Arc, Mutex};

use oras::content::{GraphTarget, ReadOnlyStorage, Resolver, TagLister};
use oras::events::Event;
use oras::registry::Repository;
use oras::{ErrorKind, MemoryStore, OciLayout, ops};
use oras_spec::Descriptor;
use oras_test_registry::inproc::{Options, TestRegistry};
use oras_test_registry::{Distribution, Mode};

/// Pushes an artifact (one file) tagged v1 and v2 into `target`.
async fn push_tagged(target: Arc<dyn GraphTarget>) -> Descriptor {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    std::fs::write(&file, b"kept").unwrap();
    let options = ops::PushOptions::default().tags(vec!["v1".to_string(), "v2".to_string()]);
    ops::push(target, &[ops::FileLayer::new(&file)], &options)
        .await
        .unwrap()
        .descriptor
}

/// Untags v1, then checks v1 is gone while v2 and the manifest stay; returns the events.
async fn untag_one_of_two(target: Arc<dyn GraphTarget>) -> Vec<String> {
    let pushed = push_tagged(target.clone()).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let observer = move |e: &Event| {
        if let Event::Untagged(d, t) = e {
            record.lock().unwrap().push(format!("{t} {}", d.digest));
        }
    };
    let untagged = ops::untag(&*target, &["v1".to_string()], &observer)
        .await
        .unwrap();
    let digests: Vec<_> = untagged.iter().map(|d| d.digest.clone()).collect();
    assert_eq!(digests, vec![pushed.digest.clone()]);
    let e = target.resolve("v1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(target.resolve("v2").await.unwrap().digest, pushed.digest);
    assert!(target.exists(&pushed).await.unwrap());
    let e = ops::untag(&*target, &["nope".to_string()], &oras::NoObserver)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let events = seen.lock().unwrap().clone();
    assert_eq!(events, vec![format!("v1 {}", pushed.digest)]);
    events
}

#[tokio::test]
async fn a_layout_keeps_the_manifest_of_its_last_tag() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Arc::new(OciLayout::open(dir.path().join("layout")).unwrap());
    untag_one_of_two(layout.clone()).await;
    let v2 = layout.resolve("v2").await.unwrap();
    ops::untag(&*layout, &["v2".to_string()], &oras::NoObserver)
        .await
        .unwrap();
    // no tag names it now, and it is still listed (untagged) and readable
    assert!(layout.tags(None).await.unwrap().is_empty());
    let entries = layout.index_entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].digest, v2.digest);
    assert!(
        !entries[0]
            .annotations
            .contains_key(oras::annotations::REF_NAME)
    );
    assert!(layout.exists(&v2).await.unwrap());
    // and reopening the layout sees the same
    let again = OciLayout::open(dir.path().join("layout")).unwrap();
    assert_eq!(again.index_entries(), entries);
}

#[tokio::test]
async fn a_memory_store_removes_only_the_tag() {
    untag_one_of_two(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn distribution_keeps_the_manifest_and_its_other_tags() {
    let reg = Distribution::start(Mode::Plain);
    let repo = Repository::builder(&format!("{}/untag/repo", reg.addr))
        .unwrap()
        .plain_http(true)
        .build()
        .unwrap();
    untag_one_of_two(Arc::new(repo)).await;
}

#[tokio::test]
async fn a_registry_that_deletes_manifests_with_their_tags_loses_nothing() {
    let reg = TestRegistry::start(Options::default());
    let repo = Repository::builder(&format!("{}/untag/repo", reg.addr))
        .unwrap()
        .plain_http(true)
        .build()
        .unwrap();
    untag_one_of_two(Arc::new(repo)).await;
    // what was deleted was the placeholder, never the artifact
    let deleted: Vec<String> = reg
        .requests()
        .into_iter()
        .filter(|q| q.method == "DELETE")
        .map(|q| q.path)
        .collect();
    assert!(!deleted.is_empty());
}

#[tokio::test]
async fn a_registry_that_deletes_nothing_keeps_the_tag_and_says_why() {
    let reg = Distribution::start(Mode::NoDelete);
    let repo = Arc::new(
        Repository::builder(&format!("{}/untag/locked", reg.addr))
            .unwrap()
            .plain_http(true)
            .build()
            .unwrap(),
    );
    let pushed = push_tagged(repo.clone()).await;
    let e = ops::untag(&*repo, &["v1".to_string()], &oras::NoObserver)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.message().contains("the tag still names"), "{e}");
    // the tag is back on its manifest
    assert_eq!(repo.resolve("v1").await.unwrap().digest, pushed.digest);
    assert_eq!(repo.resolve("v2").await.unwrap().digest, pushed.digest);
}
