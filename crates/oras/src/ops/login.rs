//! Logging in and out: checking a credential against a registry and keeping it in (or
//! removing it from) the credential store.

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Result;
use crate::registry::auth::Credential;
use crate::registry::credentials::CredentialStore;
use crate::registry::{Client, ClientOptions, Registry, StaticCredential};

/// How to log in.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LoginOptions {
    /// Transport settings of the check (TLS, headers, timeouts, trace).
    pub client: ClientOptions,
    /// Talk plain HTTP to the registry.
    pub plain_http: bool,
    /// Credential files (Docker `config.json` format, credential helpers included); the
    /// credential is saved in the first. Empty: the default Docker config.
    pub config_paths: Vec<PathBuf>,
}

setters!(LoginOptions {
    /// Sets [`LoginOptions::client`].
    client: ClientOptions,
    /// Sets [`LoginOptions::plain_http`].
    plain_http: bool,
    /// Sets [`LoginOptions::config_paths`].
    config_paths: Vec<PathBuf>,
});

/// Checks `credential` against `registry` (`host[:port]`) with `GET /v2/`, answering the
/// registry's basic or token challenge with it, and saves it in the credential store. An
/// error says which of the two failed (`failed to validate the credentials for <registry>`,
/// `failed to store the credentials for <registry>`); a registry's answer stays attached
/// ([`crate::Error::registry_response`]).
pub async fn login(registry: &str, credential: &Credential, opts: &LoginOptions) -> Result<()> {
    let client = Client::new(
        opts.client.clone(),
        Box::new(StaticCredential(credential.clone())),
    )?;
    Registry::new(Arc::new(client), registry, opts.plain_http)
        .ping()
        .await
        .map_err(|e| e.context(format!("failed to validate the credentials for {registry}")))?;
    CredentialStore::new(opts.config_paths.clone())
        .store(registry, credential)
        .await
        .map_err(|e| e.context(format!("failed to store the credentials for {registry}")))
}

/// How to log out.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LogoutOptions {
    /// Credential files; the credential is removed from the first. Empty: the default Docker
    /// config.
    pub config_paths: Vec<PathBuf>,
}

setters!(LogoutOptions {
    /// Sets [`LogoutOptions::config_paths`].
    config_paths: Vec<PathBuf>,
});

/// Removes the credential of `registry` from the credential store (its config file, or the
/// credential helper configured for the registry).
pub async fn logout(registry: &str, opts: &LogoutOptions) -> Result<()> {
    CredentialStore::new(opts.config_paths.clone())
        .remove(registry)
        .await
}
