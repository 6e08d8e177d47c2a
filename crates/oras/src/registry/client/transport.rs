//! The HTTP clients under a [`Client`](super::Client): TLS settings, the client certificate,
//! timeouts and address overrides.

use std::time::Duration;

use super::ClientOptions;
use crate::error::{Error, Result};

pub(super) fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A reqwest client for `opts`; `with_identity`: presenting the client certificate (for the
/// registry origin only).
pub(super) fn http_client(opts: &ClientOptions, with_identity: bool) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(opts.user_agent.clone())
        .connect_timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(90));
    if opts.insecure {
        b = b.tls_danger_accept_invalid_certs(true);
    }
    if let Some(ca) = &opts.ca_file {
        b = b.tls_certs_only(load_ca_file(ca)?);
    }
    if with_identity && let (Some(cert), Some(key)) = (&opts.cert_file, &opts.key_file) {
        let mut pem = std::fs::read(cert)
            .map_err(|e| Error::invalid(format!("failed to read {}: {e}", cert.display())))?;
        pem.push(b'\n');
        pem.extend(
            std::fs::read(key)
                .map_err(|e| Error::invalid(format!("failed to read {}: {e}", key.display())))?,
        );
        let id = reqwest::Identity::from_pem(&pem)
            .map_err(|e| Error::invalid(format!("invalid client certificate: {e}")))?;
        b = b.identity(id);
    }
    // the connector keeps an explicit URL port, so a rule's own port is applied by
    // rewriting the request URL (see `Client::dialed`)
    for rule in &opts.resolve {
        b = b.resolve(&rule.host, rule.addr);
    }
    b.build()
        .map_err(|e| Error::invalid(format!("failed to build HTTP client: {e}")))
}

/// The CA certificates of a PEM bundle, taken as Go's `AppendCertsFromPEM` takes them: other
/// blocks and certificates that do not parse are skipped, and a file without one usable
/// certificate is refused with oras's `Failed to load certificate in file: …`.
fn load_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(path)
        .map_err(|e| Error::invalid(format!("failed to read CA file {}: {e}", path.display())))?;
    let certs: Vec<reqwest::Certificate> = CertificateDer::pem_slice_iter(&pem)
        .map_while(std::result::Result::ok)
        .filter(|der| {
            let (added, _) =
                rustls::RootCertStore::empty().add_parsable_certificates([der.clone()]);
            added == 1
        })
        .filter_map(|der| reqwest::Certificate::from_der(&der).ok())
        .collect();
    if certs.is_empty() {
        return Err(Error::invalid(format!(
            "Failed to load certificate in file: {}",
            path.display()
        )));
    }
    Ok(certs)
}
