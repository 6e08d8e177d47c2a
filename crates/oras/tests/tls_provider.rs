//! TLS without a process-wide crypto provider: the library installs none, works when the
//! application installed none, and uses the provider it is given. (The test with an installed
//! default is `tls_process_default.rs`: a test binary is one process.)

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::tls::{counting_provider, round_trip, tls_registry};
use oras::ErrorKind;
use oras::registry::{Client, Repository};
use rustls::crypto::CryptoProvider;

#[tokio::test]
async fn tls_works_without_installing_a_process_default() {
    assert!(CryptoProvider::get_default().is_none());
    let reg = tls_registry();
    round_trip(&reg, Client::builder()).await.unwrap();
    assert!(
        CryptoProvider::get_default().is_none(),
        "the library installed a process-wide crypto provider"
    );
}

#[tokio::test]
async fn the_provider_given_is_the_one_used() {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let reg = tls_registry();
    let builder = Client::builder().crypto_provider(Arc::new(counting_provider(&COUNT)));
    round_trip(&reg, builder).await.unwrap();
    assert!(COUNT.load(Ordering::SeqCst) > 0, "no handshake used it");
    assert!(CryptoProvider::get_default().is_none());
}

#[tokio::test]
async fn insecure_accepts_an_unknown_ca_and_the_ca_bundle_is_required_otherwise() {
    let reg = tls_registry();
    round_trip(&reg, Client::builder().insecure(true))
        .await
        .unwrap();
    // without its CA, the registry's certificate is refused
    let repo = Repository::builder(&format!("{}/tls/repo", reg.addr))
        .unwrap()
        .build()
        .unwrap();
    let e = oras::content::Resolver::resolve(&repo, "v1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
}

#[tokio::test]
async fn ca_given_as_pem_bytes() {
    let reg = tls_registry();
    let pem = std::fs::read(reg.ca_file().unwrap()).unwrap();
    let repo = Repository::builder(&format!("{}/tls/repo", reg.addr))
        .unwrap()
        .ca_pem(pem)
        .build()
        .unwrap();
    let e = oras::content::Resolver::resolve(&repo, "v1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let bad = Client::builder().ca_pem(&b"not a certificate"[..]).build();
    let e = bad.err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn client_certificate_given_as_pem_bytes() {
    let reg = oras_test_registry::Distribution::start(oras_test_registry::Mode::MutualTls);
    let (cert, key) = reg.client_cert().unwrap();
    let without = round_trip(&reg, Client::builder()).await.unwrap_err();
    assert_eq!(without.kind(), ErrorKind::Network, "{without}");
    let builder = Client::builder()
        .client_cert_pem(std::fs::read(cert).unwrap(), std::fs::read(key).unwrap());
    round_trip(&reg, builder).await.unwrap();
}
