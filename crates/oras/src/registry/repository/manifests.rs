//! Manifests: fetched by tag or digest (verified, size-bounded), put, resolved and tagged.

use async_trait::async_trait;
use bytes::Bytes;
use oras_spec::{Descriptor, Digest, SuccessorView, media_type};
use reqwest::Method;
use reqwest::header::HeaderMap;

use super::{Repository, content_type, header_digest, header_u64};
use crate::content::{Resolver, Tagger};
use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, ReqBody, headers, read_limited};

impl Repository {
    /// GETs a manifest by tag or digest; returns its descriptor and verified bytes.
    pub async fn fetch_manifest(&self, reference: &str) -> Result<(Descriptor, Bytes)> {
        self.fetch_manifest_as(reference, &self.accept).await
    }

    /// [`Repository::fetch_manifest`] with `accept` as the `Accept` header.
    async fn fetch_manifest_as(
        &self,
        reference: &str,
        accept: &str,
    ) -> Result<(Descriptor, Bytes)> {
        let url = self.url(&format!("manifests/{reference}"))?;
        let resp = self
            .send(
                Method::GET,
                url,
                headers([("Accept", accept)]),
                ReqBody::Empty,
                &[],
            )
            .await?;
        match resp.status().as_u16() {
            200 => {}
            404 => return Err(self.not_found(reference)),
            _ => return Err(Client::error(&Method::GET, resp).await),
        }
        let mt = content_type(&resp);
        let header = header_digest(&resp)?;
        let too_large = || {
            let limit = self.max_metadata;
            let what = self.display(reference);
            Error::new(
                ErrorKind::SizeExceedsLimit,
                format!("{what}: manifest exceeds {limit} bytes"),
            )
        };
        if header_u64(&resp, "Content-Length").is_some_and(|n| n > self.max_metadata) {
            return Err(too_large());
        }
        let body = read_limited(resp, self.max_metadata as usize + 1).await?;
        if body.len() as u64 > self.max_metadata {
            return Err(too_large());
        }
        let want = Digest::parse(reference).ok().or(header);
        let digest = match want {
            Some(w) => {
                let got = w.same_alg_of(&body);
                if got != w {
                    return Err(Error::new(
                        ErrorKind::DigestMismatch,
                        format!(
                            "{}: mismatched digest: expected {w} but got {got}",
                            self.display(reference)
                        ),
                    ));
                }
                w
            }
            None => Digest::sha256_of(&body),
        };
        let mt = if mt.is_empty() {
            SuccessorView::parse(&body)
                .map(|v| v.media_type)
                .unwrap_or_default()
        } else {
            mt
        };
        Ok((Descriptor::new(mt, digest, body.len() as u64), body))
    }

    /// PUTs manifest bytes under a tag or digest; returns whether the registry acknowledged
    /// PUTs manifest bytes under a tag or digest; returns whether the registry acknowledged
    /// the subject (`OCI-Subject`).
    pub(super) async fn put_manifest(
        &self,
        desc: &Descriptor,
        reference: &str,
        bytes: Bytes,
    ) -> Result<bool> {
        let url = self.url(&format!("manifests/{reference}"))?;
        let resp = self
            .send(
                Method::PUT,
                url,
                headers([("Content-Type", desc.media_type.as_str())]),
                ReqBody::Bytes(bytes),
                &["push"],
            )
            .await?;
        if resp.status().as_u16() != 201 && !resp.status().is_success() {
            return Err(Client::error(&Method::PUT, resp).await);
        }
        if let Some(d) = header_digest(&resp)?
            && Digest::parse(reference).is_ok()
            && d != desc.digest
        {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                format!(
                    "{}: registry answered Docker-Content-Digest {d}",
                    self.display(reference)
                ),
            ));
        }
        Ok(resp.headers().contains_key("OCI-Subject"))
    }

    /// Pushes manifest bytes under `reference` (a tag), maintaining referrers as needed.
    pub async fn push_manifest(
        &self,
        desc: &Descriptor,
        reference: &str,
        bytes: Bytes,
    ) -> Result<()> {
        let acknowledged = self.put_manifest(desc, reference, bytes.clone()).await?;
        self.after_manifest_push(desc, &bytes, acknowledged).await
    }
}

#[async_trait]
impl Resolver for Repository {
    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        self.resolve_as(reference, &[]).await
    }

    async fn resolve_as(&self, reference: &str, media_types: &[String]) -> Result<Descriptor> {
        if reference.is_empty() {
            return Err(Error::new(ErrorKind::InvalidReference, "missing reference"));
        }
        // One GET resolves and fetches (the body is verified against the digest the registry
        // claims, so a lying Docker-Content-Digest is caught here); the bytes are kept for the
        // fetch that usually follows.
        let (desc, bytes) = match media_types {
            [] => self.fetch_manifest(reference).await?,
            types => self.fetch_manifest_as(reference, &types.join(", ")).await?,
        };
        let mut cache = self.manifests.lock().expect("manifest cache");
        if cache.len() > 64 {
            cache.clear();
        }
        cache.insert(desc.digest.clone(), bytes);
        Ok(desc)
    }

    /// `HEAD /v2/<name>/blobs/<digest>`.
    async fn resolve_blob(&self, digest: &Digest) -> Result<Descriptor> {
        let url = self.url(&format!("blobs/{digest}"))?;
        let resp = self
            .send(Method::HEAD, url, HeaderMap::new(), ReqBody::Empty, &[])
            .await?;
        match resp.status().as_u16() {
            200 => {
                let size = header_u64(&resp, "Content-Length").ok_or_else(|| {
                    Error::new(
                        ErrorKind::Network,
                        format!("{digest}: no Content-Length in the blob response"),
                    )
                })?;
                Ok(Descriptor::new(
                    media_type::OCTET_STREAM,
                    digest.clone(),
                    size,
                ))
            }
            404 => Err(self.not_found(&digest.to_string())),
            _ => Err(Client::error(&Method::HEAD, resp).await),
        }
    }
}

#[async_trait]
impl Tagger for Repository {
    /// Re-PUTs the manifest bytes under the tag.
    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        let (fetched, bytes) = self.fetch_manifest(&desc.digest.to_string()).await?;
        self.put_manifest(&fetched, reference, bytes).await?;
        Ok(())
    }

    /// PUTs the bytes at hand under the tag: one request.
    async fn tag_bytes(&self, desc: &Descriptor, manifest: &Bytes, reference: &str) -> Result<()> {
        if desc.digest.same_alg_of(manifest) != desc.digest {
            return self.tag(desc, reference).await;
        }
        self.put_manifest(desc, reference, manifest.clone()).await?;
        Ok(())
    }
}
