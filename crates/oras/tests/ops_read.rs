//! The reading operations: discover, list_tags, list_repositories, login and logout, against
//! a memory store and the in-process registry.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::TryStreamExt;
use oras::ErrorKind;
use oras::content::memory::MemoryStore;
use oras::content::{BlobSource, Storage, Tagger};
use oras::events::Event;
use oras::limits::ReferrerLimits;
use oras::ops::{self, DiscoverOptions, ListRepositoriesOptions, ListTagsOptions};
use oras::pack::{PackOptions, PackVersion, pack_manifest};
use oras::registry::auth::Credential;
use oras::registry::{ListLimits, Registry, Repository};
use oras_spec::{Annotations, Descriptor};
use oras_test_registry::inproc::{Auth, Options, TestRegistry};

/// Packs a v1.1 manifest of `artifact_type` with one layer of `data` (and `subject`) into
/// `store`, with the given manifest annotations.
async fn artifact(
    store: &dyn Storage,
    artifact_type: &str,
    data: &'static [u8],
    subject: Option<&Descriptor>,
    annotations: &[(&str, &str)],
) -> Descriptor {
    let layer = Descriptor::from_bytes("application/octet-stream", data);
    store
        .push(&layer, BlobSource::Bytes(Bytes::from_static(data)))
        .await
        .unwrap();
    let mut manifest_annotations = Annotations::new();
    manifest_annotations.insert(
        "org.opencontainers.image.created".into(),
        "2024-01-01T00:00:00Z".into(),
    );
    for (k, v) in annotations {
        manifest_annotations.insert((*k).into(), (*v).into());
    }
    let opts = PackOptions {
        subject: subject.cloned(),
        layers: vec![layer],
        manifest_annotations,
        ..Default::default()
    };
    pack_manifest(store, PackVersion::V1_1, artifact_type, opts)
        .await
        .unwrap()
        .0
}

/// An image tagged `v1` with a signature (itself signed) and an SBOM.
struct Graph {
    store: MemoryStore,
    image: Descriptor,
    sig: Descriptor,
    sig_of_sig: Descriptor,
    sbom: Descriptor,
}

async fn graph() -> Graph {
    let store = MemoryStore::new();
    let image = artifact(&store, "application/vnd.test.image", b"image", None, &[]).await;
    store.tag(&image, "v1").await.unwrap();
    let sig = artifact(
        &store,
        "application/vnd.test.sig",
        b"sig",
        Some(&image),
        &[("signed-by", "alice")],
    )
    .await;
    let sig_of_sig = artifact(
        &store,
        "application/vnd.test.sig",
        b"sig-of-sig",
        Some(&sig),
        &[],
    )
    .await;
    let sbom = artifact(
        &store,
        "application/vnd.test.sbom",
        b"sbom",
        Some(&image),
        &[],
    )
    .await;
    Graph {
        store,
        image,
        sig,
        sig_of_sig,
        sbom,
    }
}

fn digests(nodes: &[ops::ReferrerNode]) -> Vec<String> {
    let mut d: Vec<String> = nodes
        .iter()
        .map(|n| n.descriptor.digest.to_string())
        .collect();
    d.sort();
    d
}

fn sorted(descs: &[&Descriptor]) -> Vec<String> {
    let mut d: Vec<String> = descs.iter().map(|d| d.digest.to_string()).collect();
    d.sort();
    d
}

/// The tree holds each referrer with its artifact type and annotations, and its own
/// referrers below it; the root is what the reference resolved to, reported as resolved.
#[tokio::test]
async fn discover_returns_the_referrers_tree() {
    let g = graph().await;
    let resolved = Arc::new(Mutex::new(Vec::new()));
    let seen = resolved.clone();
    let mut o = DiscoverOptions::default();
    o.observer = Arc::new(move |e: &Event<'_>| {
        if let Event::Resolved(d) = e {
            seen.lock().unwrap().push(d.digest.clone());
        }
    });
    let tree = ops::discover(&g.store, "v1", &o).await.unwrap();
    assert_eq!(tree.root.digest, g.image.digest);
    assert_eq!(*resolved.lock().unwrap(), vec![g.image.digest.clone()]);
    assert_eq!(tree.len(), 3);
    assert_eq!(digests(&tree.referrers), sorted(&[&g.sig, &g.sbom]));
    let sig = tree
        .referrers
        .iter()
        .find(|n| n.descriptor.digest == g.sig.digest)
        .unwrap();
    assert_eq!(sig.descriptor.artifact_type, "application/vnd.test.sig");
    assert_eq!(sig.descriptor.annotations["signed-by"], "alice");
    assert_eq!(digests(&sig.referrers), sorted(&[&g.sig_of_sig]));
    assert!(sig.referrers[0].referrers.is_empty());
    let sbom = tree
        .referrers
        .iter()
        .find(|n| n.descriptor.digest == g.sbom.digest)
        .unwrap();
    assert!(sbom.referrers.is_empty());
}

/// `depth` cuts the tree without an error; `artifact_type` filters every level.
#[tokio::test]
async fn discover_keeps_to_depth_and_artifact_type() {
    let g = graph().await;
    let o = DiscoverOptions::default().depth(Some(1));
    let tree = ops::discover(&g.store, "v1", &o).await.unwrap();
    assert_eq!(digests(&tree.referrers), sorted(&[&g.sig, &g.sbom]));
    assert!(tree.referrers.iter().all(|n| n.referrers.is_empty()));

    let mut o = DiscoverOptions::default();
    o.artifact_type = Some("application/vnd.test.sig".into());
    let tree = ops::discover(&g.store, "v1", &o).await.unwrap();
    assert_eq!(digests(&tree.referrers), sorted(&[&g.sig]));
    assert_eq!(
        digests(&tree.referrers[0].referrers),
        sorted(&[&g.sig_of_sig])
    );

    let mut o = DiscoverOptions::default();
    o.artifact_type = Some("application/vnd.test.none".into());
    let tree = ops::discover(&g.store, "v1", &o).await.unwrap();
    assert!(tree.is_empty());
    assert_eq!(tree.len(), 0);
}

/// A graph deeper or larger than the referrer limits fails with SizeExceedsLimit (unless
/// `depth` stops the walk first); a reference that does not resolve fails before any event.
#[tokio::test]
async fn discover_is_bounded() {
    let g = graph().await;
    let mut o = DiscoverOptions::default();
    o.referrer_limits = ReferrerLimits {
        max_depth: 1,
        ..ReferrerLimits::default()
    };
    let e = ops::discover(&g.store, "v1", &o).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
    assert!(e.message().contains("deeper than 1 levels"), "{e}");
    o.depth = Some(1);
    assert_eq!(ops::discover(&g.store, "v1", &o).await.unwrap().len(), 2);

    let mut o = DiscoverOptions::default();
    o.referrer_limits = ReferrerLimits {
        max_referrers: 2,
        ..ReferrerLimits::default()
    };
    let e = ops::discover(&g.store, "v1", &o).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
    assert!(e.message().contains("more than 2 in the graph"), "{e}");

    let resolved = Arc::new(Mutex::new(0));
    let seen = resolved.clone();
    let mut o = DiscoverOptions::default();
    o.observer = Arc::new(move |_: &Event<'_>| *seen.lock().unwrap() += 1);
    let e = ops::discover(&g.store, "absent", &o).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(*resolved.lock().unwrap(), 0);
}

fn repository(reg: &TestRegistry, name: &str) -> Repository {
    Repository::builder(&format!("{}/{name}", reg.addr))
        .unwrap()
        .plain_http(true)
        .build()
        .unwrap()
}

/// A registry that names a referrer of a referrer as a referrer of it (a cycle, which a
/// lying registry can serve) still gives a finite tree, every manifest once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_survives_a_referrers_cycle() {
    let reg = TestRegistry::start(Options {
        referrers_api: true,
        ..Default::default()
    });
    let repo = repository(&reg, "cycle");
    let image = artifact(&repo, "application/vnd.test.image", b"image", None, &[]).await;
    repo.tag(&image, "v1").await.unwrap();
    let sig = artifact(&repo, "application/vnd.test.sig", b"sig", Some(&image), &[]).await;
    let sig2 = artifact(&repo, "application/vnd.test.sig", b"sig2", Some(&sig), &[]).await;
    let back = |d: &Descriptor| {
        serde_json::json!({
            "mediaType": d.media_type, "digest": d.digest.to_string(), "size": d.size,
            "artifactType": "application/vnd.test.sig",
        })
    };
    reg.faults(|f| {
        f.extra_referrers
            .insert(sig2.digest.to_string(), vec![back(&image), back(&sig)]);
    });
    let tree = ops::discover(&repo, "v1", &DiscoverOptions::default())
        .await
        .unwrap();
    assert_eq!(tree.len(), 2);
    assert_eq!(digests(&tree.referrers), sorted(&[&sig]));
    assert_eq!(digests(&tree.referrers[0].referrers), sorted(&[&sig2]));
    assert!(tree.referrers[0].referrers[0].referrers.is_empty());
}

/// Tags in a memory store: `last`, digest-like tags, tags of one manifest, a name prefix.
#[tokio::test]
async fn list_tags_selects_tags() {
    let g = graph().await;
    let sha_tag = g.image.digest.to_string().replacen(':', "-", 1);
    for t in ["v2", "img:a", "img:b", sha_tag.as_str()] {
        g.store.tag(&g.image, t).await.unwrap();
    }
    g.store.tag(&g.sbom, "other").await.unwrap();
    let all = |o: ListTagsOptions| {
        let store = &g.store;
        async move { ops::list_tags(store, &o).try_concat().await.unwrap() }
    };
    let mut everything = vec!["img:a", "img:b", "other", sha_tag.as_str(), "v1", "v2"];
    everything.sort();
    assert_eq!(all(ListTagsOptions::default()).await, everything);

    let o = ListTagsOptions::default().exclude_digest_tags(true);
    assert_eq!(all(o).await, ["img:a", "img:b", "other", "v1", "v2"]);

    let mut o = ListTagsOptions::default();
    o.last = Some("other".into());
    o.exclude_digest_tags = true;
    assert_eq!(all(o).await, ["v1", "v2"]);

    let mut o = ListTagsOptions::default();
    o.digest = Some(g.sbom.digest.clone());
    assert_eq!(all(o).await, ["other"]);

    let mut o = ListTagsOptions::default();
    o.prefix = "img:".into();
    assert_eq!(all(o).await, ["a", "b"]);

    let mut o = ListTagsOptions::default();
    o.prefix = "img:".into();
    o.digest = Some(g.image.digest.clone());
    assert_eq!(all(o).await, ["a", "b"], "tags resolve by their whole name");
}

/// A registry's tags arrive page by page as it sends them, filtered per page; a registry
/// that links on forever ends the listing with SizeExceedsLimit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_tags_streams_registry_pages() {
    let reg = TestRegistry::start(Options::default());
    let repo = repository(&reg, "paged");
    let image = artifact(&repo, "application/vnd.test.image", b"image", None, &[]).await;
    let sha_tag = image.digest.to_string().replacen(':', "-", 1);
    for t in ["a", "b", "c", "d", "e", sha_tag.as_str()] {
        repo.tag(&image, t).await.unwrap();
    }
    reg.faults(|f| f.page_size = Some(2));
    let mut o = ListTagsOptions::default();
    o.exclude_digest_tags = true;
    let pages: Vec<Vec<String>> = ops::list_tags(&repo, &o).try_collect().await.unwrap();
    assert_eq!(pages, vec![vec!["a", "b"], vec!["c", "d"], vec!["e"]]);
    let lists = reg
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/tags/list"))
        .count();
    assert_eq!(lists, 3);

    o.last = Some("c".into());
    let pages: Vec<Vec<String>> = ops::list_tags(&repo, &o).try_collect().await.unwrap();
    // the digest tag sorts last, alone on its page: an empty page once filtered
    assert_eq!(pages, vec![vec!["d", "e"], vec![]]);

    reg.faults(|f| f.endless_pages = Some(3));
    let bounded = Repository::builder(&format!("{}/paged", reg.addr))
        .unwrap()
        .plain_http(true)
        .list_limits(ListLimits {
            max_pages: 5,
            ..ListLimits::default()
        })
        .build()
        .unwrap();
    let e = ops::list_tags(&bounded, &ListTagsOptions::default())
        .try_concat()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
    assert!(e.message().contains("more than 5 pages"), "{e}");
}

/// The catalog page by page, only the repositories under a namespace (full names).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_repositories_selects_a_namespace() {
    let reg = TestRegistry::start(Options::default());
    for name in ["team/a", "team/tools/lint", "teams/b", "team", "other"] {
        let repo = repository(&reg, name);
        let image = artifact(&repo, "application/vnd.test.image", b"image", None, &[]).await;
        repo.tag(&image, "v1").await.unwrap();
    }
    reg.faults(|f| f.page_size = Some(2));
    let registry = Registry::builder(&reg.addr)
        .unwrap()
        .plain_http(true)
        .build()
        .unwrap();
    let pages: Vec<Vec<String>> = ops::list_repositories(&registry, &Default::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(
        pages.concat(),
        ["other", "team", "team/a", "team/tools/lint", "teams/b"]
    );

    let mut o = ListRepositoriesOptions::default();
    o.namespace = "team".into();
    assert_eq!(o.prefix(), "team/");
    let names = ops::list_repositories(&registry, &o)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(names, ["team/a", "team/tools/lint"]);

    o.last = Some("team/a".into());
    let names = ops::list_repositories(&registry, &o)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(names, ["team/tools/lint"]);
}

fn saved(config: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(config).unwrap()).unwrap()
}

/// A credential the registry accepts is saved; one it refuses is not, and the error keeps
/// the registry's answer; logout removes the saved one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_checks_then_saves_and_logout_removes() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Basic("user".into(), "secret".into()),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let mut o = ops::LoginOptions::default();
    o.plain_http = true;
    o.config_paths = vec![config.clone()];

    let e = ops::login(&reg.addr, &Credential::basic("user", "wrong"), &o)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(
        e.message().starts_with(&format!(
            "failed to validate the credentials for {}: ",
            reg.addr
        )),
        "{e}"
    );
    assert_eq!(
        e.registry_response().unwrap().detail,
        "unauthorized: authentication required"
    );
    assert!(!config.exists(), "nothing saved");

    ops::login(&reg.addr, &Credential::basic("user", "secret"), &o)
        .await
        .unwrap();
    let auth = &saved(&config)["auths"][reg.addr.as_str()]["auth"];
    assert_eq!(auth, "dXNlcjpzZWNyZXQ=");

    let mut out = ops::LogoutOptions::default();
    out.config_paths = vec![config.clone()];
    ops::logout(&reg.addr, &out).await.unwrap();
    assert!(saved(&config)["auths"].get(reg.addr.as_str()).is_none());
}

/// Login with only a token against a registry that asks for basic auth fails with
/// MissingCredential, in words that say the check failed; nothing is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_a_token_where_basic_auth_is_asked_is_missing_credential() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Basic("user".into(), "secret".into()),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut o = ops::LoginOptions::default();
    o.plain_http = true;
    o.config_paths = vec![dir.path().join("config.json")];
    let token = Credential {
        refresh_token: "t".into(),
        ..Default::default()
    };
    let e = ops::login(&reg.addr, &token, &o).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingCredential);
    assert_eq!(
        e.message(),
        format!(
            "failed to validate the credentials for {}: basic credential not found",
            reg.addr
        )
    );
    assert!(!dir.path().join("config.json").exists());
}
