//! Blobs (and manifests by digest) as a content store: fetched whole, resumed or in parallel
//! segments, checked for existence, pushed (uploads are in `upload`) and mounted.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use oras_spec::Descriptor;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, Response};
use url::Url;

use super::{Repository, header_digest, header_u64, manifest_accept};
use crate::content::verify::{is_content_of, read_all};
use crate::content::{BlobReader, BlobSource, ReadOnlyStorage, Storage};
use crate::error::{Error, ErrorKind, Result};
use crate::registry::auth::repository_scope;
use crate::registry::client::{Client, ReqBody, body_reader, headers};
use crate::registry::resume::{ResumingReader, content_range_start, get_range};
use crate::registry::segments::{SegmentSource, SegmentedReader};

impl Repository {
    /// Checks what a registry says of a whole blob or manifest it is about to send.
    fn check_whole(&self, desc: &Descriptor, resp: &Response) -> Result<()> {
        if let Some(len) = header_u64(resp, "Content-Length")
            && len != desc.size
        {
            return Err(Error::new(
                ErrorKind::SizeMismatch,
                format!(
                    "{}: registry sent {len} bytes, expected {}",
                    desc.digest, desc.size
                ),
            ));
        }
        if let Some(d) = header_digest(resp)?
            && d != desc.digest
        {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                format!(
                    "{}: registry answered Docker-Content-Digest {d}",
                    desc.digest
                ),
            ));
        }
        Ok(())
    }

    /// A whole blob in one response (`200`), resumed with ranged requests if it breaks off.
    fn whole_blob(&self, desc: &Descriptor, url: Url, resp: Response) -> Result<BlobReader> {
        self.check_whole(desc, &resp)?;
        // Resume against the registry URL: a redirect is followed again (and never carries
        // credentials to another origin).
        let first = body_reader(resp);
        Ok(Box::pin(ResumingReader::new(
            self.client.clone(),
            url,
            self.scopes(&[]),
            desc.size,
            first,
        )))
    }

    /// `GET` of a whole blob (not a manifest) at `url`.
    async fn get_blob(&self, desc: &Descriptor, url: Url) -> Result<BlobReader> {
        let resp = self
            .send(
                Method::GET,
                url.clone(),
                HeaderMap::new(),
                ReqBody::Empty,
                &[],
            )
            .await?;
        match resp.status().as_u16() {
            200 => self.whole_blob(desc, url, resp),
            404 => Err(self.not_found(&desc.digest.to_string())),
            _ => Err(Client::error(&Method::GET, resp).await),
        }
    }

    /// The blob from byte `start` on, in segments fetched in parallel; `None` when the
    /// registry does not serve ranges from there (a whole blob from byte 0 is used as is).
    async fn fetch_segmented(
        &self,
        desc: &Descriptor,
        url: Url,
        start: u64,
    ) -> Result<Option<BlobReader>> {
        let source = SegmentSource {
            client: self.client.clone(),
            url: url.clone(),
            scopes: self.scopes(&[]),
        };
        let end = SegmentedReader::first_end(&self.download, start, desc.size);
        let resp = source.request(start, end).await?;
        match resp.status().as_u16() {
            206 if content_range_start(&resp) == Some(start) => Ok(Some(Box::pin(
                SegmentedReader::new(source, self.download.clone(), start, desc.size, resp),
            ))),
            200 if start == 0 => self.whole_blob(desc, url, resp).map(Some),
            404 => Err(self.not_found(&desc.digest.to_string())),
            200 | 206 => Ok(None),
            _ => Err(Client::error(&Method::GET, resp).await),
        }
    }
}

#[async_trait]
impl ReadOnlyStorage for Repository {
    fn repository_location(&self) -> Option<(&str, &str)> {
        Some((&self.reference.registry, &self.reference.repository))
    }

    fn overload_answers(&self) -> u64 {
        self.client.overload_answers()
    }

    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        let is_manifest = desc.is_manifest();
        if is_manifest
            && let Some(b) = self
                .manifests
                .lock()
                .expect("manifest cache")
                .get(&desc.digest)
                .cloned()
        {
            return Ok(BlobSource::Bytes(b).into_reader());
        }
        if !is_manifest {
            let url = self.url(&format!("blobs/{}", desc.digest))?;
            if self.download.segmented(desc.size, 0)
                && let Some(r) = self.fetch_segmented(desc, url.clone(), 0).await?
            {
                return Ok(r);
            }
            return self.get_blob(desc, url).await;
        }
        let url = self.url(&format!("manifests/{}", desc.digest))?;
        let accept = if desc.media_type.is_empty() {
            manifest_accept()
        } else {
            desc.media_type.clone()
        };
        let h = headers([("Accept", accept.as_str())]);
        let resp = self.send(Method::GET, url, h, ReqBody::Empty, &[]).await?;
        match resp.status().as_u16() {
            200 => {
                self.check_whole(desc, &resp)?;
                Ok(body_reader(resp))
            }
            404 => Err(self.not_found(&desc.digest.to_string())),
            _ => Err(Client::error(&Method::GET, resp).await),
        }
    }

    /// `GET` with `Range: bytes=<offset>-`; `None` unless the registry answers 206 from there.
    async fn fetch_range(&self, desc: &Descriptor, offset: u64) -> Result<Option<BlobReader>> {
        if desc.is_manifest() || offset == 0 || offset >= desc.size {
            return Ok(None);
        }
        let url = self.url(&format!("blobs/{}", desc.digest))?;
        if self.download.segmented(desc.size, offset) {
            return self.fetch_segmented(desc, url, offset).await;
        }
        let scopes = self.scopes(&[]);
        let resp = get_range(&self.client, &url, &scopes, offset, None).await?;
        if resp.status().as_u16() != 206 {
            return Ok(None);
        }
        if content_range_start(&resp) != Some(offset) {
            return Ok(None);
        }
        let first = body_reader(resp);
        Ok(Some(Box::pin(
            ResumingReader::new(self.client.clone(), url, scopes, desc.size, first)
                .starting_at(offset),
        )))
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        let is_manifest = desc.is_manifest();
        let url = self.url(&format!(
            "{}/{}",
            if is_manifest { "manifests" } else { "blobs" },
            desc.digest
        ))?;
        let accept = manifest_accept();
        let h = if is_manifest {
            headers([("Accept", accept.as_str())])
        } else {
            HeaderMap::new()
        };
        let resp = self.send(Method::HEAD, url, h, ReqBody::Empty, &[]).await?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(Client::error(&Method::HEAD, resp).await),
        }
    }
}

#[async_trait]
impl Storage for Repository {
    async fn push(&self, expected: &Descriptor, content: BlobSource) -> Result<()> {
        if expected.is_manifest() {
            let bytes = read_all(content.into_reader(), expected, self.max_metadata).await?;
            let acknowledged = self
                .put_manifest(expected, &expected.digest.to_string(), bytes.clone())
                .await?;
            return self
                .after_manifest_push(expected, &bytes, acknowledged)
                .await;
        }
        match self.push_small(expected, content).await? {
            Some(content) => self.upload_blob(expected, content).await,
            None => Ok(()),
        }
    }

    /// One `PUT /manifests/<reference>` with the bytes.
    async fn push_tagged(
        &self,
        expected: &Descriptor,
        manifest: &Bytes,
        reference: &str,
    ) -> Result<bool> {
        if !expected.is_manifest() || !is_content_of(expected, manifest) {
            return Ok(false);
        }
        self.push_manifest(expected, reference, manifest.clone())
            .await?;
        Ok(true)
    }

    async fn exists_for_push(&self, desc: &Descriptor) -> Result<bool> {
        self.exists_before_push(desc).await
    }

    async fn push_stream(
        &self,
        media_type: &str,
        content: crate::content::BlobReader,
    ) -> Result<Descriptor> {
        self.upload_stream(media_type, content).await
    }

    fn stage_file(self: Arc<Self>, path: &std::path::Path, size: u64) {
        self.upload_ahead(path, size);
    }

    fn stage_stream(
        self: Arc<Self>,
        path: &std::path::Path,
    ) -> Option<crate::content::StagedStream> {
        self.stream_ahead(path)
    }

    async fn drop_staged(&self) {
        self.cancel_uploads_ahead().await;
        self.cancel_probed().await;
    }

    /// `POST /blobs/uploads/?mount=<digest>&from=<repo>`: 201 means mounted; a 202 (an upload
    /// session instead) is cancelled and reported as not mounted.
    async fn mount(&self, desc: &Descriptor, from_repository: &str) -> Result<bool> {
        if self
            .mounts_refused
            .lock()
            .expect("refused mounts")
            .contains(from_repository)
        {
            return Ok(false);
        }
        let mut url = self.url("blobs/uploads/")?;
        url.query_pairs_mut()
            .append_pair("mount", &desc.digest.to_string())
            .append_pair("from", from_repository);
        let mut scopes = self.scopes(&["push"]);
        scopes.push(repository_scope(from_repository, &["pull"]));
        let resp = match self
            .client
            .send(
                Method::POST,
                url.clone(),
                HeaderMap::new(),
                ReqBody::Empty,
                &scopes,
            )
            .await
        {
            Ok(r) => r,
            Err(_) => return Ok(false),
        };
        match resp.status().as_u16() {
            201 => Ok(true),
            202 => {
                if let Some(loc) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok())
                    && let Ok(session) = url.join(loc)
                {
                    self.cancel_session(session).await;
                }
                self.refuse_mounts_from(from_repository);
                Ok(false)
            }
            _ => {
                self.refuse_mounts_from(from_repository);
                Ok(false)
            }
        }
    }
}
