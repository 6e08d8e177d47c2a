//! Helpers for the TLS tests: a crypto provider that counts its key exchanges (so a test can
//! tell which provider a handshake used), and one round trip to a TLS registry.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use oras::content::{BlobSource, ReadOnlyStorage, Storage};
use oras::registry::{ClientBuilder, Repository};
use oras_spec::Descriptor;
use oras_test_registry::{Distribution, Mode};
use rustls::crypto::{ActiveKeyExchange, CryptoProvider, SupportedKxGroup};
use rustls::{NamedGroup, ProtocolVersion};

/// A key-exchange group that counts how often it starts an exchange.
#[derive(Debug)]
struct Counting {
    inner: &'static dyn SupportedKxGroup,
    count: &'static AtomicUsize,
}

impl SupportedKxGroup for Counting {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, rustls::Error> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.start()
    }

    fn name(&self) -> NamedGroup {
        self.inner.name()
    }

    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        self.inner.usable_for_version(version)
    }
}

/// ring's provider whose key exchanges add to `count`.
pub fn counting_provider(count: &'static AtomicUsize) -> CryptoProvider {
    let mut p = rustls::crypto::ring::default_provider();
    p.kx_groups = p
        .kx_groups
        .iter()
        .map(|&inner| -> &'static dyn SupportedKxGroup {
            Box::leak(Box::new(Counting { inner, count }))
        })
        .collect();
    p
}

/// Pushes a blob to a TLS registry and checks it is there, with `opts` plus the registry's CA.
pub async fn round_trip(reg: &Distribution, mut builder: ClientBuilder) -> oras::Result<()> {
    if let Some(ca) = reg
        .ca_file()
        .filter(|_| !builder.transport_options().insecure)
    {
        builder = builder.ca_file(ca);
    }
    let repo = Repository::builder(&format!("{}/tls/repo", reg.addr))?
        .transport(builder)
        .build()?;
    let blob = Descriptor::from_bytes("application/octet-stream", b"over tls");
    repo.push(&blob, BlobSource::Bytes(b"over tls"[..].into()))
        .await?;
    assert!(repo.exists(&blob).await?);
    Ok(())
}

/// A TLS registry.
pub fn tls_registry() -> Distribution {
    Distribution::start(Mode::Tls)
}
