//! The registry builders: what a `Repository` / `Registry` / `Client` built in code sends
//! (User-Agent, headers, credentials), how it retries, and what it refuses to build.

use std::sync::Arc;
use std::time::Duration;

use oras::content::Resolver;
use oras::registry::{Client, DEFAULT_USER_AGENT, Registry, Repository, RetryPolicy};
use oras::{ErrorKind, Storage};
use oras_spec::Descriptor;
use oras_test_registry::inproc::{Auth, Options, TestRegistry};

/// A tagged manifest in `repo` of `reg`, pushed with a repository built in code.
async fn push_tagged(repo: &Repository) -> Descriptor {
    let manifest = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
    let config = Descriptor::from_bytes("application/vnd.oci.empty.v1+json", b"{}");
    repo.push(&config, oras::content::BlobSource::Bytes(b"{}"[..].into()))
        .await
        .unwrap();
    let desc = Descriptor::from_bytes("application/vnd.oci.image.manifest.v1+json", manifest);
    oras::ops::push_manifest(
        repo,
        manifest.to_vec().into(),
        &oras::ops::PushManifestOptions::default().tags(vec!["v1".into()]),
    )
    .await
    .unwrap();
    desc
}

#[tokio::test]
async fn the_library_sends_its_own_user_agent_by_default() {
    let reg = TestRegistry::start(Options::default());
    assert_eq!(
        DEFAULT_USER_AGENT,
        format!("oras-rs/{}", env!("CARGO_PKG_VERSION"))
    );
    let repo = Repository::builder(&format!("{}/ua/repo", reg.addr))
        .unwrap()
        .plain_http(true)
        .build()
        .unwrap();
    let e = repo.resolve("missing").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let reqs = reg.requests();
    assert!(!reqs.is_empty());
    for q in reqs {
        assert_eq!(
            q.headers.get("user-agent").and_then(|v| v.to_str().ok()),
            Some(DEFAULT_USER_AGENT),
            "{} {}",
            q.method,
            q.path
        );
    }
}

#[tokio::test]
async fn user_agent_headers_and_basic_auth_set_in_code_are_sent() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Basic("alice".into(), "s3cret".into()),
        ..Options::default()
    });
    let name = format!("{}/team/app", reg.addr);
    let anonymous = Repository::builder(&name)
        .unwrap()
        .plain_http(true)
        .build()
        .unwrap();
    let e = anonymous.resolve("v1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingCredential, "{e}");

    let repo = Repository::builder(&name)
        .unwrap()
        .plain_http(true)
        .basic_auth("alice", "s3cret")
        .user_agent("my-tool/2.0")
        .header("X-Team", "storage")
        .build()
        .unwrap();
    reg.clear_requests();
    let desc = push_tagged(&repo).await;
    assert_eq!(repo.resolve("v1").await.unwrap().digest, desc.digest);
    let reqs = reg.requests();
    assert!(!reqs.is_empty());
    for q in &reqs {
        let header = |n: &str| q.headers.get(n).and_then(|v| v.to_str().ok());
        assert_eq!(header("user-agent"), Some("my-tool/2.0"));
        assert_eq!(header("x-team"), Some("storage"));
    }
    assert!(
        reqs.iter()
            .any(|q| q.headers.get("authorization").is_some())
    );
}

#[tokio::test]
async fn the_retry_policy_decides_whether_a_503_is_retried() {
    let reg = TestRegistry::start(Options::default());
    let name = format!("{}/retry/repo", reg.addr);
    let quick = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5));
    let patient = Repository::builder(&name)
        .unwrap()
        .plain_http(true)
        .retry(quick)
        .build()
        .unwrap();
    push_tagged(&patient).await;

    reg.faults(|f| f.fail_next.extend([503, 503]));
    patient.resolve("v1").await.unwrap();

    let impatient = Repository::builder(&name)
        .unwrap()
        .plain_http(true)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    reg.faults(|f| f.fail_next.push_back(503));
    reg.clear_requests();
    let e = impatient.resolve("v1").await.unwrap_err();
    assert_eq!(reg.requests().len(), 1, "{e}");
    impatient.resolve("v1").await.unwrap();
}

#[tokio::test]
async fn a_registry_shares_its_client_with_its_repositories() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Basic("bob".into(), "pw".into()),
        ..Options::default()
    });
    let registry = Registry::builder(&reg.addr)
        .unwrap()
        .plain_http(true)
        .basic_auth("bob", "pw")
        .build()
        .unwrap();
    registry.ping().await.unwrap();
    let repo = registry.repository("shared/app").unwrap().build().unwrap();
    assert!(Arc::ptr_eq(registry.client(), repo.client()));
    push_tagged(&repo).await;
    assert!(repo.resolve("v1").await.is_ok());
}

#[test]
fn what_cannot_be_built_is_refused_with_a_kind() {
    let e = Repository::builder("not a reference").err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidReference, "{e}");
    let e = Registry::builder("bad host!").err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidReference, "{e}");
    let registry = Registry::builder("localhost:5000")
        .unwrap()
        .build()
        .unwrap();
    let e = registry.repository("Upper/Case").err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidReference, "{e}");

    // a shared client and transport settings of its own cannot both apply
    let client = Arc::new(Client::builder().build().unwrap());
    let e = Repository::builder("localhost:5000/a")
        .unwrap()
        .client(client.clone())
        .insecure(true)
        .build()
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = Repository::builder("localhost:5000/a")
        .unwrap()
        .header("X", "y")
        .client(client)
        .build()
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");

    let e = Client::builder()
        .ca_file("/nonexistent/ca.pem")
        .build()
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}
