//! An application that installed its own process-wide crypto provider: the library uses it
//! (and leaves it installed).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::tls::{counting_provider, round_trip, tls_registry};
use oras::registry::Client;
use rustls::crypto::CryptoProvider;

#[tokio::test]
async fn the_process_default_is_used_when_installed() {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    counting_provider(&COUNT)
        .install_default()
        .expect("no provider installed before");
    let reg = tls_registry();
    round_trip(&reg, Client::builder()).await.unwrap();
    assert!(
        COUNT.load(Ordering::SeqCst) > 0,
        "the installed provider was not used"
    );
    // the application's provider is still the default (nothing replaced it)
    let before = COUNT.load(Ordering::SeqCst);
    let installed = CryptoProvider::get_default().expect("installed");
    let _ = installed.kx_groups[0].start();
    assert_eq!(COUNT.load(Ordering::SeqCst), before + 1);
}
