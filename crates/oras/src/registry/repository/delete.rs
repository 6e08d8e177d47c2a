//! Deleting manifests and blobs; a deleted referrer leaves its subject's tag-schema index.

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use bytes::Bytes;
use oras_spec::{Descriptor, Digest, SuccessorView, media_type};
use reqwest::Method;
use reqwest::header::HeaderMap;

use super::{Repository, SUPPORTED};
use crate::content::{BlobSource, Deleter, ReadOnlyStorage, Resolver, Storage};
use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, ReqBody};

#[async_trait]
impl Deleter for Repository {
    async fn delete(&self, desc: &Descriptor) -> Result<()> {
        let is_manifest = desc.is_manifest();
        // A referrer leaves the tag-schema index of its subject.
        let mut subject = None;
        if is_manifest
            && self.referrers.load(Ordering::Relaxed) != SUPPORTED
            && let Ok((_, bytes)) = self.fetch_manifest(&desc.digest.to_string()).await
        {
            subject = SuccessorView::parse(&bytes).ok().and_then(|v| v.subject);
        }
        let kind = if is_manifest { "manifests" } else { "blobs" };
        self.delete_at(kind, &desc.digest.to_string()).await?;
        if let Some(s) = subject
            && self.referrers.load(Ordering::Relaxed) != SUPPORTED
        {
            let has_api = self.referrers_api(&s, "").await.ok().flatten().is_some();
            if !has_api {
                self.update_referrers_index(&s, None, Some(&desc.digest))
                    .await?;
            }
        }
        Ok(())
    }

    /// Moves `tag` onto a placeholder manifest of our own first, then removes it with
    /// `DELETE /v2/<name>/manifests/<tag>` (registries that delete a tag alone) or, where that
    /// is refused, by deleting the placeholder (registries that delete a manifest with its
    /// tags). Whatever the registry does, the manifest the tag named is never what is deleted.
    /// When neither is allowed the tag is put back and the error is
    /// [`ErrorKind::Unsupported`], saying why.
    async fn untag(&self, tag: &str) -> Result<()> {
        let desc = self.resolve(tag).await?;
        let (_, original) = self.fetch_manifest(&desc.digest.to_string()).await?;
        let placeholder = self.push_placeholder(tag, &desc).await?;
        let by_tag = self.delete_at("manifests", tag).await;
        if by_tag.is_ok() {
            // the placeholder is untagged now: leave nothing behind where we may
            let _ = self
                .delete_at("manifests", &placeholder.digest.to_string())
                .await;
            return Ok(());
        }
        let by_digest = self
            .delete_at("manifests", &placeholder.digest.to_string())
            .await;
        if by_digest.is_ok() && !self.has_tag(tag).await? {
            return Ok(());
        }
        self.put_manifest(&desc, tag, original).await?;
        let why = by_tag.err().map(|e| e.to_string()).unwrap_or_default();
        Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "{}: the registry deletes neither a tag alone nor a manifest by digest ({why}); the tag still names {}",
                self.display(tag),
                desc.digest
            ),
        ))
    }
}

impl Repository {
    /// `DELETE /v2/<name>/<kind>/<reference>` (`manifests` or `blobs`).
    async fn delete_at(&self, kind: &str, reference: &str) -> Result<()> {
        let url = self.url(&format!("{kind}/{reference}"))?;
        let resp = self
            .send(
                Method::DELETE,
                url,
                HeaderMap::new(),
                ReqBody::Empty,
                &["delete"],
            )
            .await?;
        match resp.status().as_u16() {
            200 | 202 | 204 => Ok(()),
            404 => Err(self.not_found(reference)),
            _ => Err(Client::error(&Method::DELETE, resp).await),
        }
    }

    /// Whether `tag` still names a manifest.
    async fn has_tag(&self, tag: &str) -> Result<bool> {
        match self.resolve(tag).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Points `tag` at a new manifest of ours, unique to this call (an empty artifact of type
    /// [`UNTAG_PLACEHOLDER`]), and returns its descriptor.
    async fn push_placeholder(&self, tag: &str, was: &Descriptor) -> Result<Descriptor> {
        let empty = Descriptor::empty_json();
        if !self.exists(&empty).await? {
            self.push(&empty, BlobSource::Bytes(Bytes::from_static(b"{}")))
                .await?;
        }
        let nonce = format!("{tag} {} {}", was.digest, crate::pack::created_now());
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": media_type::IMAGE_MANIFEST,
            "artifactType": UNTAG_PLACEHOLDER,
            "config": empty,
            "layers": [empty],
            "annotations": {
                "io.github.oras-rs.untag.nonce": Digest::sha256_of(nonce.as_bytes()).to_string(),
            },
        });
        let bytes = Bytes::from(serde_json::to_vec(&manifest)?);
        let desc = Descriptor::from_bytes(media_type::IMAGE_MANIFEST, &bytes);
        self.put_manifest(&desc, tag, bytes).await?;
        Ok(desc)
    }
}

/// The artifact type of the placeholder a registry tag is moved onto before it is removed.
pub const UNTAG_PLACEHOLDER: &str = "application/vnd.oras-rs.untag.placeholder";
