//! The HTTP clients under a [`Client`](super::Client): TLS (rustls configured with an explicit
//! crypto provider and handed to reqwest as it is, so nothing is installed process-wide), the
//! client certificate, timeouts and address overrides.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::ClientOptions;
use super::options::{ClientCert, Pem};
use crate::error::{Error, Result};

/// The HTTP clients of a [`Client`](super::Client): for the registry origin (presenting the
/// client certificate) and for every other origin.
pub(super) struct HttpClients {
    pub(super) registry: reqwest::Client,
    pub(super) foreign: reqwest::Client,
}

/// Builds both HTTP clients for `opts`.
pub(super) fn http_clients(opts: &ClientOptions) -> Result<HttpClients> {
    let provider = crypto_provider(opts);
    let verifier = verifier(opts, &provider)?;
    let identity = opts.client_cert.as_ref().map(identity).transpose()?;
    let registry = tls_config(&provider, verifier.clone(), identity)?;
    let foreign = tls_config(&provider, verifier, None)?;
    Ok(HttpClients {
        registry: http_client(opts, registry)?,
        foreign: http_client(opts, foreign)?,
    })
}

/// The provider asked for, else the process default if the application installed one, else
/// ring (not installed as the default: other code in the process is not affected).
fn crypto_provider(opts: &ClientOptions) -> Arc<CryptoProvider> {
    opts.crypto_provider
        .clone()
        .or_else(|| CryptoProvider::get_default().cloned())
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

fn tls_error(e: impl std::fmt::Display) -> Error {
    Error::invalid(format!("failed to configure TLS: {e}"))
}

/// How server certificates are checked: not at all with `insecure`, against the CA bundle
/// when one is given, else against the system's roots.
fn verifier(
    opts: &ClientOptions,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>> {
    if opts.insecure {
        return Ok(Arc::new(AnyCertificate(
            provider.signature_verification_algorithms,
        )));
    }
    if let Some(ca) = &opts.ca {
        let roots = load_roots(ca)?;
        let v = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(tls_error)?;
        return Ok(v);
    }
    let v = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(tls_error)?;
    Ok(Arc::new(v))
}

fn tls_config(
    provider: &Arc<CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
    identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
) -> Result<ClientConfig> {
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| Error::invalid(format!("invalid client certificate: {e}")))?,
        None => builder.with_no_client_auth(),
    };
    // what reqwest offers with HTTP/2 enabled
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A reqwest client speaking TLS with `tls`.
fn http_client(opts: &ClientOptions, tls: ClientConfig) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(opts.user_agent.clone())
        .connect_timeout(opts.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .tls_backend_preconfigured(tls);
    // the connector keeps an explicit URL port, so a rule's own port is applied by
    // rewriting the request URL (see `Client::dialed`)
    for rule in &opts.resolve {
        b = b.resolve(&rule.host, rule.addr);
    }
    b.build()
        .map_err(|e| Error::invalid(format!("failed to build HTTP client: {e}")))
}

fn read_pem(pem: &Pem, what: &str) -> Result<Vec<u8>> {
    match pem {
        Pem::Data(d) => Ok(d.clone()),
        Pem::File(p) => std::fs::read(p)
            .map_err(|e| Error::invalid(format!("failed to read {what}{}: {e}", p.display()))),
    }
}

/// The CA certificates of a PEM bundle, taken as Go's `AppendCertsFromPEM` takes them: other
/// blocks and certificates that do not parse are skipped, and a bundle without one usable
/// certificate is refused with oras's `Failed to load certificate in file: …`.
fn load_roots(ca: &Pem) -> Result<RootCertStore> {
    let pem = read_pem(ca, "CA file ")?;
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_slice_iter(&pem).map_while(std::result::Result::ok);
    roots.add_parsable_certificates(certs);
    if roots.is_empty() {
        return Err(Error::invalid(match ca {
            Pem::File(p) => format!("Failed to load certificate in file: {}", p.display()),
            Pem::Data(_) => "Failed to load certificate in the CA PEM data".to_string(),
        }));
    }
    Ok(roots)
}

/// The certificate chain and key of a client certificate.
fn identity(cert: &ClientCert) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let invalid =
        |e: &dyn std::fmt::Display| Error::invalid(format!("invalid client certificate: {e}"));
    let chain = read_pem(&cert.cert, "")?;
    let key = read_pem(&cert.key, "")?;
    let certs = CertificateDer::pem_slice_iter(&chain)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| invalid(&e))?;
    if certs.is_empty() {
        return Err(invalid(&format!(
            "no certificate in {}",
            cert.cert.describe()
        )));
    }
    let key = PrivateKeyDer::from_pem_slice(&key).map_err(|e| invalid(&e))?;
    Ok((certs, key))
}

/// `--insecure`: any certificate is accepted, as Go's `InsecureSkipVerify`; the handshake is
/// still signed by the key of the certificate presented.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
