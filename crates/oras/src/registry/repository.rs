//! A repository in a registry, as a content store: blobs and manifests over the distribution
//! API, tags, deletes, and referrers (Referrers API with the `sha256-<hex>` tag-schema fallback,
//! whose index is maintained on push and delete as oras does).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use oras_spec::{Descriptor, Digest, ImageIndex, Reference, SuccessorView, gojson, media_type};
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{Method, Response};
use url::Url;

use crate::content::verify::read_all;
use crate::content::{
    BlobReader, BlobSource, Deleter, PredecessorFinder, ReadOnlyStorage, Resolver, Storage,
    TagLister, Tagger,
};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::DEFAULT_MAX_METADATA_BYTES;
use crate::registry::auth::repository_scope;
use crate::registry::client::{Client, ReqBody, body_reader, headers, read_limited};
use crate::registry::errcode::has_code;
use crate::registry::pages::{ListLimits, NameList, Pages, collect};
use crate::registry::resume::{ResumingReader, content_range_start, get_range};
use crate::registry::segments::{DownloadPolicy, SegmentSource, SegmentedReader};

mod upload;

use upload::AheadUpload;
pub use upload::UploadPolicy;

const UNKNOWN: u8 = 0;
const SUPPORTED: u8 = 1;
const UNSUPPORTED: u8 = 2;

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

/// A repository on a registry.
pub struct Repository {
    client: Arc<Client>,
    reference: Reference,
    scheme: &'static str,
    actions: Vec<&'static str>,
    referrers: AtomicU8,
    mode: ReferrersMode,
    upload: UploadPolicy,
    max_metadata: u64,
    /// `Accept` for manifest requests (default: every manifest type oras knows).
    accept: String,
    /// Manifests fetched while resolving, served again without a second GET.
    manifests: std::sync::Mutex<std::collections::HashMap<Digest, Bytes>>,
    /// How big blobs are downloaded.
    download: DownloadPolicy,
    /// Uploads started before their digest was known (see [`Repository::upload_ahead`]).
    ahead: std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, AheadUpload>>,
    /// The smallest request body the registry refused as too large (413): blobs this large go
    /// up in chunks from the start, even one-shot streams.
    refused_body: AtomicU64,
    /// The largest chunk size that still gets through, once a chunk was refused (413).
    chunk_limit: AtomicU64,
    /// How much of a tag or referrers listing the registry may send.
    list: ListLimits,
    /// Repositories a mount from was refused (the credentials cannot read them, or the
    /// registry does not mount): later blobs are copied without asking again.
    mounts_refused: std::sync::Mutex<std::collections::HashSet<String>>,
}

fn manifest_accept() -> String {
    media_type::MANIFEST_TYPES.join(", ")
}

fn content_type(resp: &Response) -> String {
    resp.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.split(';').next().unwrap_or_default().trim().to_string())
        .unwrap_or_default()
}

fn header_u64(resp: &Response, name: &str) -> Option<u64> {
    resp.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

fn header_digest(resp: &Response) -> Result<Option<Digest>> {
    match resp
        .headers()
        .get("Docker-Content-Digest")
        .and_then(|v| v.to_str().ok())
    {
        None => Ok(None),
        Some(s) => Digest::parse(s.trim()).map(Some).map_err(|e| {
            Error::new(
                ErrorKind::InvalidDigest,
                format!("invalid Docker-Content-Digest {s:?}: {e}"),
            )
        }),
    }
}

impl Repository {
    /// A repository client for `reference` (its tag or digest is ignored).
    pub fn new(client: Arc<Client>, reference: &Reference, plain_http: bool) -> Repository {
        Repository {
            client,
            reference: Reference {
                reference: String::new(),
                ..reference.clone()
            },
            scheme: if plain_http { "http" } else { "https" },
            actions: vec!["pull"],
            referrers: AtomicU8::new(UNKNOWN),
            mode: ReferrersMode::Auto,
            manifests: Default::default(),
            upload: UploadPolicy::default(),
            download: DownloadPolicy::default(),
            max_metadata: DEFAULT_MAX_METADATA_BYTES,
            accept: manifest_accept(),
            ahead: Default::default(),
            refused_body: AtomicU64::new(u64::MAX),
            chunk_limit: AtomicU64::new(u64::MAX),
            list: ListLimits::default(),
            mounts_refused: Default::default(),
        }
    }

    /// Adds scope hints (`push`, `delete`) so one token covers the whole operation.
    pub fn with_actions(mut self, actions: &[&'static str]) -> Repository {
        for a in actions {
            if !self.actions.contains(a) {
                self.actions.push(a);
            }
        }
        self
    }

    /// Chooses how referrers are handled (`--distribution-spec`).
    pub fn with_referrers_mode(mut self, mode: ReferrersMode) -> Repository {
        self.mode = mode;
        match mode {
            ReferrersMode::Api => self.referrers.store(SUPPORTED, Ordering::Relaxed),
            ReferrersMode::TagSchema => self.referrers.store(UNSUPPORTED, Ordering::Relaxed),
            ReferrersMode::Auto => {}
        }
        self
    }

    /// Sets the size limit for manifests, tag lists and referrer indexes (default 4 MiB).
    pub fn with_max_metadata_bytes(mut self, limit: u64) -> Repository {
        self.max_metadata = limit;
        self
    }

    /// Overrides the manifest media types asked for (`manifest fetch --media-type`).
    pub fn with_manifest_media_types(mut self, types: &[String]) -> Repository {
        if !types.is_empty() {
            self.accept = types.join(", ");
        }
        self
    }

    /// Sets how big blobs are downloaded.
    pub fn with_download_policy(mut self, policy: DownloadPolicy) -> Repository {
        self.download = policy;
        self
    }

    /// Bounds tag and referrers listings (pages, entries).
    pub fn with_list_limits(mut self, limits: ListLimits) -> Repository {
        self.list = limits;
        self
    }

    /// Sets how blobs are uploaded.
    pub fn with_upload_policy(mut self, policy: UploadPolicy) -> Repository {
        self.upload = policy;
        self
    }

    /// Declares the Referrers API supported (tagging never touches a tag-schema index then).
    pub fn assume_referrers_api(&self) {
        self.referrers.store(SUPPORTED, Ordering::Relaxed);
    }

    /// `registry/repository`.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    fn url(&self, tail: &str) -> Result<Url> {
        let s = format!(
            "{}://{}/v2/{}/{tail}",
            self.scheme,
            self.reference.host(),
            self.reference.repository
        );
        Url::parse(&s).map_err(|e| Error::new(ErrorKind::InvalidReference, format!("{s}: {e}")))
    }

    fn scopes(&self, extra: &[&str]) -> Vec<String> {
        let mut actions: Vec<&str> = self.actions.clone();
        actions.extend(extra.iter().copied().filter(|a| !self.actions.contains(a)));
        vec![repository_scope(&self.reference.repository, &actions)]
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        headers: HeaderMap,
        body: ReqBody,
        extra: &[&str],
    ) -> Result<Response> {
        self.client
            .send(method, url, headers, body, &self.scopes(extra))
            .await
    }

    /// `<ref>: not found`, marked as the registry's answer (oras prints it as one).
    fn refuse_mounts_from(&self, repository: &str) {
        self.mounts_refused
            .lock()
            .expect("refused mounts")
            .insert(repository.to_string());
    }

    fn not_found(&self, reference: &str) -> Error {
        let message = format!("{}: not found", self.display(reference));
        let response = crate::error::RegistryResponse {
            host: self.reference.registry.clone(),
            status: 404,
            detail: message.clone(),
        };
        Error::from_registry(ErrorKind::NotFound, message, response)
    }

    fn display(&self, reference: &str) -> String {
        if Digest::parse(reference).is_ok() {
            format!(
                "{}/{}@{reference}",
                self.reference.registry, self.reference.repository
            )
        } else {
            format!(
                "{}/{}:{reference}",
                self.reference.registry, self.reference.repository
            )
        }
    }

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
        if header_u64(&resp, "Content-Length").is_some_and(|n| n > self.max_metadata) {
            return Err(Error::new(
                ErrorKind::SizeExceedsLimit,
                format!(
                    "{}: manifest exceeds {} bytes",
                    self.display(reference),
                    self.max_metadata
                ),
            ));
        }
        let body = read_limited(resp, self.max_metadata as usize + 1).await?;
        if body.len() as u64 > self.max_metadata {
            return Err(Error::new(
                ErrorKind::SizeExceedsLimit,
                format!(
                    "{}: manifest exceeds {} bytes",
                    self.display(reference),
                    self.max_metadata
                ),
            ));
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
    /// the subject (`OCI-Subject`).
    async fn put_manifest(&self, desc: &Descriptor, reference: &str, bytes: Bytes) -> Result<bool> {
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

    async fn after_manifest_push(
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
    async fn update_referrers_index(
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

    async fn referrers_api(
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

    /// Lists tags, following `Link` pages; starts after `last` when given.
    pub async fn list_tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        collect(self.tag_list_pages(last)).await
    }

    /// The tags page by page as the registry sends them (after `last` when given).
    pub fn tag_list_pages<'a>(
        &'a self,
        last: Option<&'a str>,
    ) -> BoxStream<'a, Result<Vec<String>>> {
        let url = match self.url("tags/list") {
            Ok(u) => u,
            Err(e) => return Box::pin(futures::stream::once(async { Err(e) })),
        };
        NameList {
            client: &self.client,
            url,
            last,
            scopes: self.scopes(&[]),
            max_page_bytes: self.max_metadata,
            field: "tags",
            what: format!(
                "tags of {}/{}",
                self.reference.registry, self.reference.repository
            ),
            limits: self.list,
        }
        .pages()
    }

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
        let url = self.url(&format!(
            "{}/{}",
            if is_manifest { "manifests" } else { "blobs" },
            desc.digest
        ))?;
        let accept = if is_manifest && !desc.media_type.is_empty() {
            desc.media_type.clone()
        } else {
            manifest_accept()
        };
        let h = if is_manifest {
            headers([("Accept", accept.as_str())])
        } else {
            HeaderMap::new()
        };
        if !is_manifest
            && self.download.segmented(desc.size, 0)
            && let Some(r) = self.fetch_segmented(desc, url.clone(), 0).await?
        {
            return Ok(r);
        }
        let resp = self
            .send(Method::GET, url.clone(), h, ReqBody::Empty, &[])
            .await?;
        match resp.status().as_u16() {
            200 if is_manifest => {
                self.check_whole(desc, &resp)?;
                Ok(body_reader(resp))
            }
            200 => self.whole_blob(desc, url, resp),
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
        self.upload_blob(expected, content).await
    }

    fn stage_file(self: Arc<Self>, path: &std::path::Path, size: u64) {
        self.upload_ahead(path, size);
    }

    async fn drop_staged(&self) {
        self.cancel_uploads_ahead().await;
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

#[async_trait]
impl TagLister for Repository {
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        self.list_tags(last).await
    }

    fn tag_pages<'a>(&'a self, last: Option<&'a str>) -> BoxStream<'a, Result<Vec<String>>> {
        self.tag_list_pages(last)
    }
}

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

/// A registry (for listing repositories and checking credentials).
pub struct Registry {
    client: Arc<Client>,
    host: String,
    scheme: &'static str,
    list: ListLimits,
}

impl Registry {
    /// The registry at `registry` (`host[:port]`; `docker.io` means Docker Hub's API host).
    pub fn new(client: Arc<Client>, registry: &str, plain_http: bool) -> Registry {
        let host = if registry == "docker.io" {
            "registry-1.docker.io".to_string()
        } else {
            registry.to_string()
        };
        Registry {
            client,
            host,
            scheme: if plain_http { "http" } else { "https" },
            list: ListLimits::default(),
        }
    }

    /// Bounds the repository listing (pages, entries).
    pub fn with_list_limits(mut self, limits: ListLimits) -> Registry {
        self.list = limits;
        self
    }

    fn url(&self, tail: &str) -> Result<Url> {
        let s = format!("{}://{}/v2/{tail}", self.scheme, self.host);
        Url::parse(&s).map_err(|e| Error::new(ErrorKind::InvalidReference, format!("{s}: {e}")))
    }

    /// `GET /v2/`: succeeds when the registry accepts the client's credentials.
    pub async fn ping(&self) -> Result<()> {
        let url = self.url("")?;
        let resp = self
            .client
            .send(Method::GET, url, HeaderMap::new(), ReqBody::Empty, &[])
            .await?;
        match resp.status().as_u16() {
            200 => Ok(()),
            404 => Err(Error::not_found(format!("{}/v2/", self.host))),
            _ => Err(Client::error(&Method::GET, resp).await),
        }
    }

    /// Lists repositories through `_catalog`, following `Link` pages, after `last`.
    pub async fn repositories(&self, last: Option<&str>) -> Result<Vec<String>> {
        collect(self.repository_pages(last)).await
    }

    /// The repositories page by page as the registry sends them (after `last` when given).
    pub fn repository_pages<'a>(
        &'a self,
        last: Option<&'a str>,
    ) -> BoxStream<'a, Result<Vec<String>>> {
        let url = match self.url("_catalog") {
            Ok(u) => u,
            Err(e) => return Box::pin(futures::stream::once(async { Err(e) })),
        };
        NameList {
            client: &self.client,
            url,
            last,
            scopes: vec![crate::registry::auth::CATALOG_SCOPE.to_string()],
            max_page_bytes: DEFAULT_MAX_METADATA_BYTES,
            field: "repositories",
            what: format!("repositories of {}", self.host),
            limits: self.list,
        }
        .pages()
    }
}
