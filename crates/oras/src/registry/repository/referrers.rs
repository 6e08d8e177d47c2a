//! Referrers: the Referrers API (paged, filtered by artifact type) with the `sha256-<hex>`
//! tag-schema fallback, whose index is maintained when a referrer is pushed or deleted.

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use bytes::Bytes;
use oras_spec::{Descriptor, Digest, ImageIndex, SuccessorView, gojson, media_type};
use reqwest::Method;

use super::{Repository, content_type};
use crate::content::PredecessorFinder;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, ReqBody, headers, read_limited};
use crate::registry::errcode::has_code;
use crate::registry::pages::Pages;

/// Whether the registry serves the Referrers API: not known yet.
pub(super) const UNKNOWN: u8 = 0;
/// The registry serves the Referrers API.
pub(super) const SUPPORTED: u8 = 1;
/// The registry does not serve the Referrers API (the tag schema is used).
pub(super) const UNSUPPORTED: u8 = 2;

/// How referrers are listed and recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferrersMode {
    /// Try the Referrers API, fall back to the tag schema.
    Auto,
    /// Only the Referrers API (`v1.1-referrers-api`).
    Api,
    /// Only the tag schema (`v1.1-referrers-tag`).
    TagSchema,
}

impl Repository {
    /// After a manifest was put: records a referrer in the tag-schema index of its subject
    /// unless the registry acknowledged the subject (or is known to serve the Referrers API).
    pub(super) async fn after_manifest_push(
        &self,
        desc: &Descriptor,
        bytes: &[u8],
        acknowledged: bool,
    ) -> Result<()> {
        if acknowledged && self.mode != ReferrersMode::TagSchema {
            self.referrers.store(SUPPORTED, Ordering::Relaxed);
            return Ok(());
        }
        if self.referrers.load(Ordering::Relaxed) == SUPPORTED {
            return Ok(());
        }
        let Ok(view) = SuccessorView::parse(bytes) else {
            return Ok(());
        };
        let Some(subject) = view.subject.clone() else {
            return Ok(());
        };
        self.referrers.store(UNSUPPORTED, Ordering::Relaxed);
        let mut entry = desc.plain();
        entry.artifact_type = view.referrer_artifact_type();
        entry.annotations = view.annotations.clone();
        self.update_referrers_index(&subject, Some(entry), None)
            .await
    }

    fn referrers_tag(subject: &Descriptor) -> String {
        format!(
            "{}-{}",
            subject.digest.algorithm().name(),
            subject.digest.hex()
        )
    }

    /// Adds or removes an entry of the tag-schema referrers index of `subject`.
    pub(super) async fn update_referrers_index(
        &self,
        subject: &Descriptor,
        add: Option<Descriptor>,
        remove: Option<&Digest>,
    ) -> Result<()> {
        let tag = Self::referrers_tag(subject);
        let mut index = match self.fetch_manifest(&tag).await {
            Ok((_, bytes)) => serde_json::from_slice::<ImageIndex>(&bytes)
                .map_err(|e| Error::invalid(format!("invalid referrers index {tag}: {e}")))?,
            Err(e) if e.kind() == ErrorKind::NotFound => ImageIndex::new(),
            Err(e) => return Err(e),
        };
        let before = index.manifests.clone();
        if let Some(d) = remove {
            index.manifests.retain(|m| &m.digest != d);
        }
        if let Some(a) = add {
            index.manifests.retain(|m| m.digest != a.digest);
            index.manifests.push(a);
        }
        if index.manifests == before && !before.is_empty() {
            return Ok(());
        }
        let bytes = Bytes::from(gojson::to_vec(&index));
        let desc = Descriptor::from_bytes(media_type::IMAGE_INDEX, &bytes);
        self.put_manifest(&desc, &tag, bytes).await?;
        Ok(())
    }

    pub(super) async fn referrers_api(
        &self,
        subject: &Descriptor,
        artifact_type: &str,
    ) -> Result<Option<Vec<Descriptor>>> {
        let mut url = self.url(&format!("referrers/{}", subject.digest))?;
        if !artifact_type.is_empty() {
            url.query_pairs_mut()
                .append_pair("artifactType", artifact_type);
        }
        let mut out = Vec::new();
        let mut pages = Pages::new(
            url,
            format!("referrers of {}", subject.digest),
            self.list.max_pages,
            self.list.max_referrers,
        );
        while let Some(u) = pages.next_url()? {
            let accept = media_type::IMAGE_INDEX;
            let resp = self
                .send(
                    Method::GET,
                    u,
                    headers([("Accept", accept)]),
                    ReqBody::Empty,
                    &[],
                )
                .await?;
            let status = resp.status().as_u16();
            if status == 404 || (status == 200 && content_type(&resp) != media_type::IMAGE_INDEX) {
                if status == 404 {
                    let body = read_limited(resp, 8 << 10).await.unwrap_or_default();
                    if has_code(&body, "NAME_UNKNOWN") {
                        return Err(Error::not_found(format!(
                            "{}/{}",
                            self.reference.registry, self.reference.repository
                        )));
                    }
                }
                return Ok(None);
            }
            if status != 200 {
                return Err(Client::error(&Method::GET, resp).await);
            }
            let filtered = resp
                .headers()
                .get("OCI-Filters-Applied")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|f| f.trim() == "artifactType"));
            pages.follow(&resp)?;
            let body = read_limited(resp, self.max_metadata as usize).await?;
            let index: ImageIndex = serde_json::from_slice(&body)
                .map_err(|e| Error::invalid(format!("invalid referrers response: {e}")))?;
            pages.count(index.manifests.len())?;
            out.extend(index.manifests.into_iter().filter(|m| {
                filtered || artifact_type.is_empty() || m.artifact_type == artifact_type
            }));
        }
        self.referrers.store(SUPPORTED, Ordering::Relaxed);
        Ok(Some(out))
    }

    async fn referrers_tag_schema(
        &self,
        subject: &Descriptor,
        artifact_type: &str,
    ) -> Result<Vec<Descriptor>> {
        let tag = Self::referrers_tag(subject);
        match self.fetch_manifest(&tag).await {
            Ok((_, bytes)) => {
                let index: ImageIndex = serde_json::from_slice(&bytes)
                    .map_err(|e| Error::invalid(format!("invalid referrers index {tag}: {e}")))?;
                Ok(index
                    .manifests
                    .into_iter()
                    .filter(|m| artifact_type.is_empty() || m.artifact_type == artifact_type)
                    .collect())
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl PredecessorFinder for Repository {
    async fn predecessors(&self, node: &Descriptor) -> Result<Vec<Descriptor>> {
        Ok(self.list_referrers(node, "").await?.unwrap_or_default())
    }

    async fn list_referrers(
        &self,
        subject: &Descriptor,
        artifact_type: &str,
    ) -> Result<Option<Vec<Descriptor>>> {
        if self.referrers.load(Ordering::Relaxed) != UNSUPPORTED || self.mode == ReferrersMode::Api
        {
            match self.referrers_api(subject, artifact_type).await? {
                Some(list) => return Ok(Some(list)),
                None if self.mode == ReferrersMode::Api => {
                    return Err(Error::unsupported(format!(
                        "{}: the registry does not support the Referrers API",
                        self.reference.registry
                    )));
                }
                None => self.referrers.store(UNSUPPORTED, Ordering::Relaxed),
            }
        }
        Ok(Some(
            self.referrers_tag_schema(subject, artifact_type).await?,
        ))
    }
}
