//! Talking to registries that implement the OCI distribution spec.
//!
//! A [`Repository`] (a content store: manifests, blobs, tags, referrers) and a [`Registry`]
//! (credentials check, repository listing) are built with [`Repository::builder`] and
//! [`Registry::builder`], over a [`Client`] (transport, authentication, retries) they build or
//! share:
//!
//! ```no_run
//! # async fn demo() -> oras::Result<()> {
//! use oras::content::Resolver;
//! use oras::registry::Repository;
//!
//! let repo = Repository::builder("localhost:5000/team/app")?
//!     .plain_http(true)
//!     .basic_auth("user", "secret")
//!     .build()?;
//! let desc = repo.resolve("v1").await?;
//! println!("{}", desc.digest);
//! # Ok(()) }
//! ```

pub mod auth;
mod catalog;
pub(crate) mod client;
pub mod credentials;
pub(crate) mod errcode;
mod idle;
pub(crate) mod pages;
#[cfg(test)]
mod proptests;
mod repository;
pub(crate) mod resume;
pub(crate) mod segments;
pub(crate) mod trace;

pub use catalog::RegistryBuilder;
pub use client::{
    Client, ClientBuilder, ClientCert, ClientOptions, CredentialProvider, DEFAULT_USER_AGENT, Pem,
    ResolveRule, RetryPolicy, StaticCredential,
};
pub use idle::DEFAULT_READ_TIMEOUT;
pub use pages::ListLimits;
pub use repository::{
    ReferrersMode, Registry, Repository, RepositoryBuilder, UNTAG_PLACEHOLDER, UploadPolicy,
};
pub use segments::DownloadPolicy;
