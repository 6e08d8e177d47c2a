//! The programs in `examples/` do their tasks against a real registry (distribution 2.8) and
//! OCI layouts: their task functions are compiled in here and run, and what they did is
//! checked through the library.

#![allow(dead_code)] // each example's `main` is for `cargo run --example`

#[path = "../examples/attach_sbom.rs"]
mod attach_sbom;
#[path = "../examples/copy_with_referrers.rs"]
mod copy_with_referrers;
#[path = "../examples/fetch_layers.rs"]
mod fetch_layers;
#[path = "../examples/push_to_layout.rs"]
mod push_to_layout;
#[path = "../examples/push_with_basic_auth.rs"]
mod push_with_basic_auth;

use std::sync::Arc;

use oras::content::Resolver;
use oras::registry::Repository;
use oras::{ErrorKind, OciLayout};
use oras_test_registry::{Distribution, Mode, PASS, USER};

fn plain(reg: &Distribution, name: &str) -> Arc<Repository> {
    let repo = Repository::builder(&format!("{}/{name}", reg.addr)).unwrap();
    Arc::new(repo.plain_http(true).build().unwrap())
}

#[tokio::test]
async fn push_to_a_layout_then_copy_it_with_its_referrers_and_fetch_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let file = dir.path().join("hello.txt");
    std::fs::write(&file, b"hello from an example").unwrap();

    let pushed = push_to_layout::push_file(&layout, &file, "v1")
        .await
        .unwrap();
    let store = Arc::new(OciLayout::open(&layout).unwrap());
    assert_eq!(store.resolve("v1").await.unwrap().digest, pushed.digest);

    // a referrer in the layout, copied along to the registry
    let sbom = dir.path().join("sbom.json");
    std::fs::write(&sbom, br#"{"spdxVersion":"SPDX-2.3"}"#).unwrap();
    let files = [oras::ops::FileLayer::new(&sbom)];
    oras::ops::attach(
        store,
        "v1",
        "application/spdx+json",
        &files,
        &Default::default(),
    )
    .await
    .unwrap();
    let reg = Distribution::start(Mode::Plain);
    let repo = plain(&reg, "examples/copied");
    let copied = copy_with_referrers::copy_to_registry(&layout, "v1", repo.clone())
        .await
        .unwrap();
    assert_eq!(copied.descriptor.digest, pushed.digest);
    assert_eq!(copied.referrers.len(), 1);

    let layers = fetch_layers::layers(&repo, "v1").await.unwrap();
    assert_eq!(layers, vec![b"hello from an example".to_vec()]);
}

#[tokio::test]
async fn attach_an_sbom_in_a_registry_and_list_the_referrers() {
    let reg = Distribution::start(Mode::Plain);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.bin");
    std::fs::write(&file, b"the artifact").unwrap();
    let repo = plain(&reg, "examples/attached");
    let options = oras::ops::PushOptions::default().tags(vec!["v1".to_string()]);
    oras::ops::push(repo.clone(), &[oras::ops::FileLayer::new(&file)], &options)
        .await
        .unwrap();
    let sbom = dir.path().join("sbom.spdx.json");
    std::fs::write(&sbom, br#"{"spdxVersion":"SPDX-2.3"}"#).unwrap();

    let referrers = attach_sbom::attach_sbom(repo.clone(), "v1", &sbom)
        .await
        .unwrap();
    assert_eq!(referrers.len(), 1);
    assert_eq!(referrers[0].artifact_type, "application/spdx+json");
    // another one is listed beside the first
    std::fs::write(&sbom, br#"{"spdxVersion":"SPDX-2.3","name":"v2"}"#).unwrap();
    let referrers = attach_sbom::attach_sbom(repo, "v1", &sbom).await.unwrap();
    assert_eq!(referrers.len(), 2);
}

#[tokio::test]
async fn push_to_a_registry_with_basic_auth_set_in_code() {
    let reg = Distribution::start(Mode::Basic);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"behind a password").unwrap();
    let name = format!("{}/examples/auth", reg.addr);

    let e = push_with_basic_auth::push_with_auth(&name, USER, "wrong", "v1", &file)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized, "{e}");
    let pushed = push_with_basic_auth::push_with_auth(&name, USER, PASS, "v1", &file)
        .await
        .unwrap();
    let repo = Repository::builder(&name).unwrap().plain_http(true);
    let repo = repo.basic_auth(USER, PASS).build().unwrap();
    assert_eq!(repo.resolve("v1").await.unwrap().digest, pushed.digest);
}
