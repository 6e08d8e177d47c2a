//! The registry client against the in-process registry (no docker-registry needed).

use std::sync::Arc;
use std::time::Duration;

use oras::content::ReadOnlyStorage;
use oras::registry::auth::Credential;
use oras::registry::{Client, ClientOptions, Repository, StaticCredential};
use oras_spec::{Descriptor, Reference};
use oras_test_registry::inproc::{Auth, Options, TestRegistry};

/// A token is renewed before it expires, so no request goes out with a stale one (a request
/// with a one-shot body could not be sent again after the 401).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_are_renewed_before_they_expire() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Bearer,
        token_lifetime: Some(1),
        ..Default::default()
    });
    let client = Client::new(
        ClientOptions::default(),
        Box::new(StaticCredential(Credential::default())),
    )
    .unwrap();
    let reference = Reference::parse(&format!("{}/renew/repo", reg.addr)).unwrap();
    let repo = Repository::new(Arc::new(client), &reference, true);
    let absent = Descriptor::from_bytes("application/octet-stream", b"absent");
    assert!(!repo.exists(&absent).await.unwrap());
    assert_eq!(reg.tokens_issued(), 1);
    assert!(!repo.exists(&absent).await.unwrap());
    assert_eq!(reg.tokens_issued(), 1, "a fresh token is reused");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(!repo.exists(&absent).await.unwrap());
    assert_eq!(reg.tokens_issued(), 2);
    assert_eq!(reg.expired_token_requests(), 0);
}
