//! Deleting manifests and blobs; a deleted referrer leaves its subject's tag-schema index.

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use oras_spec::{Descriptor, SuccessorView};
use reqwest::Method;
use reqwest::header::HeaderMap;

use super::{Repository, SUPPORTED};
use crate::content::Deleter;
use crate::error::Result;
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
        let url = self.url(&format!(
            "{}/{}",
            if is_manifest { "manifests" } else { "blobs" },
            desc.digest
        ))?;
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
            200 | 202 | 204 => {}
            404 => return Err(self.not_found(&desc.digest.to_string())),
            _ => return Err(Client::error(&Method::DELETE, resp).await),
        }
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
}
