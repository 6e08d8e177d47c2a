//! Talking to registries that implement the OCI distribution spec.

pub mod auth;
pub mod catalog;
pub mod client;
pub mod credentials;
pub mod errcode;
mod idle;
pub mod pages;
pub mod repository;
pub mod resume;
pub mod segments;
pub mod trace;

pub use client::{
    Client, ClientCert, ClientOptions, CredentialProvider, Pem, ResolveRule, StaticCredential,
};
pub use idle::DEFAULT_READ_TIMEOUT;
pub use pages::ListLimits;
pub use repository::{ReferrersMode, Registry, Repository, UploadPolicy};
pub use segments::DownloadPolicy;
