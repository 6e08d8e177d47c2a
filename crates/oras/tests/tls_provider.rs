//! TLS without a process-wide crypto provider: the library installs none, works when the
//! application installed none, and uses the provider it is given. (The test with an installed
//! default is `tls_process_default.rs`: a test binary is one process.)

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::tls::{counting_provider, round_trip, tls_registry};
use oras::ErrorKind;
use oras::registry::{ClientCert, ClientOptions, Pem};
use rustls::crypto::CryptoProvider;

#[tokio::test]
async fn tls_works_without_installing_a_process_default() {
    assert!(CryptoProvider::get_default().is_none());
    let reg = tls_registry();
    round_trip(&reg, ClientOptions::default()).await.unwrap();
    assert!(
        CryptoProvider::get_default().is_none(),
        "the library installed a process-wide crypto provider"
    );
}

#[tokio::test]
async fn the_provider_given_is_the_one_used() {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let reg = tls_registry();
    let opts = ClientOptions {
        crypto_provider: Some(Arc::new(counting_provider(&COUNT))),
        ..Default::default()
    };
    round_trip(&reg, opts).await.unwrap();
    assert!(COUNT.load(Ordering::SeqCst) > 0, "no handshake used it");
    assert!(CryptoProvider::get_default().is_none());
}

#[tokio::test]
async fn insecure_accepts_an_unknown_ca_and_the_ca_bundle_is_required_otherwise() {
    let reg = tls_registry();
    let insecure = ClientOptions {
        insecure: true,
        ..Default::default()
    };
    round_trip(&reg, insecure).await.unwrap();
    // without its CA, the registry's certificate is refused
    let client = oras::registry::Client::new(
        ClientOptions::default(),
        Box::new(oras::registry::StaticCredential(Default::default())),
    )
    .unwrap();
    let reference = oras_spec::Reference::parse(&format!("{}/tls/repo", reg.addr)).unwrap();
    let repo = oras::registry::Repository::new(Arc::new(client), &reference, false);
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
    let client = oras::registry::Client::new(
        ClientOptions {
            ca: Some(Pem::Data(pem)),
            ..Default::default()
        },
        Box::new(oras::registry::StaticCredential(Default::default())),
    )
    .unwrap();
    let reference = oras_spec::Reference::parse(&format!("{}/tls/repo", reg.addr)).unwrap();
    let repo = oras::registry::Repository::new(Arc::new(client), &reference, false);
    let e = oras::content::Resolver::resolve(&repo, "v1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let bad = oras::registry::Client::new(
        ClientOptions {
            ca: Some(Pem::Data(b"not a certificate".to_vec())),
            ..Default::default()
        },
        Box::new(oras::registry::StaticCredential(Default::default())),
    );
    let e = bad.err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn client_certificate_given_as_pem_bytes() {
    let reg = oras_test_registry::Distribution::start(oras_test_registry::Mode::MutualTls);
    let (cert, key) = reg.client_cert().unwrap();
    let without = round_trip(&reg, ClientOptions::default())
        .await
        .unwrap_err();
    assert_eq!(without.kind(), ErrorKind::Network, "{without}");
    let opts = ClientOptions {
        client_cert: Some(ClientCert {
            cert: Pem::Data(std::fs::read(cert).unwrap()),
            key: Pem::Data(std::fs::read(key).unwrap()),
        }),
        ..Default::default()
    };
    round_trip(&reg, opts).await.unwrap();
}
