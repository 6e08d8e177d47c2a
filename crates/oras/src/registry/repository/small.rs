//! Small blobs in fewer round trips: asking whether the registry has a blob and uploading it
//! cost about the same for a small blob, so the check is folded into the upload.
//!
//! - The check is a mount from the repository itself
//!   (`POST /blobs/uploads/?mount=<d>&from=<this repository>`): 201 means the blob is there; a
//!   202 opens the session the push then closes with one `PUT` carrying the body. That is two
//!   requests for a new blob instead of `HEAD`, `POST` and `PUT`. A registry that answers the
//!   mount otherwise is asked with `HEAD` from then on.
//! - A registry that takes the OCI single-request upload (`POST /blobs/uploads/?digest=<d>`
//!   with the body, answered 201) gets each small blob in one request, unasked (its answer
//!   does not tell whether it had the blob, so such a blob is reported as uploaded). Whether
//!   it takes it is tried once per repository client, with the first blob a mount found
//!   missing (so no blob that was there is reported as uploaded), and remembered; the session
//!   left over is cancelled. A 202 (a session instead, the body ignored, as distribution 2.8
//!   does) is completed with a `PUT`.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use oras_spec::Descriptor;
use reqwest::Method;
use reqwest::header::HeaderMap;

use super::Repository;
use crate::content::BlobSource;
use crate::content::verify::read_all;
use crate::error::{Error, Result};
use crate::registry::client::{Client, ReqBody, headers};

/// Blobs up to this size have their check folded into the upload.
pub(super) const SMALL_BLOB: u64 = 1 << 20;

/// Whether the registry takes single-request uploads: not known yet, being tried by one
/// blob, yes, no.
pub(super) const SINGLE_UNKNOWN: u8 = 0;
const SINGLE_TRYING: u8 = 1;
const SINGLE_YES: u8 = 2;
const SINGLE_NO: u8 = 3;

impl Repository {
    /// Whether a blob about to be pushed is folded into its upload.
    fn is_small(&self, desc: &Descriptor) -> bool {
        !desc.is_manifest() && desc.size <= SMALL_BLOB && !self.goes_chunked(desc.size)
    }

    /// [`crate::content::Storage::exists_for_push`]: see the module documentation.
    pub(super) async fn exists_before_push(&self, desc: &Descriptor) -> Result<bool> {
        use crate::content::ReadOnlyStorage;
        if !self.is_small(desc) || self.probe_refused.load(Ordering::Relaxed) {
            return self.exists(desc).await;
        }
        if self.single_post.load(Ordering::Relaxed) == SINGLE_YES {
            return Ok(false);
        }
        let start = self.url("blobs/uploads/")?;
        let mut url = start.clone();
        url.query_pairs_mut()
            .append_pair("mount", &desc.digest.to_string())
            .append_pair("from", &self.reference.repository);
        let resp = self
            .send(
                Method::POST,
                url,
                HeaderMap::new(),
                ReqBody::Empty,
                &["push"],
            )
            .await?;
        match resp.status().as_u16() {
            201 => Ok(true),
            202 => {
                let session = self.upload_location(&start, &resp)?;
                self.probed
                    .lock()
                    .expect("probed sessions")
                    .insert(desc.digest.clone(), session);
                Ok(false)
            }
            _ => {
                self.probe_refused.store(true, Ordering::Relaxed);
                self.exists(desc).await
            }
        }
    }

    /// Pushes a small blob through the session its check opened or in one request; gives the
    /// content back when it goes the usual way.
    pub(super) async fn push_small(
        &self,
        expected: &Descriptor,
        content: BlobSource,
    ) -> Result<Option<BlobSource>> {
        if !self.is_small(expected) {
            return Ok(Some(content));
        }
        let probed = self
            .probed
            .lock()
            .expect("probed sessions")
            .remove(&expected.digest);
        let single = self.single_post.load(Ordering::Relaxed);
        if probed.is_none() && single != SINGLE_YES {
            return Ok(Some(content));
        }
        let bytes = small_bytes(expected, content).await?;
        let Some(session) = probed else {
            return self.single_request(expected, bytes, None).await;
        };
        let detects = single == SINGLE_UNKNOWN
            && self
                .single_post
                .compare_exchange(
                    SINGLE_UNKNOWN,
                    SINGLE_TRYING,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok();
        if detects {
            // this blob, known to be missing, finds out whether the registry takes
            // single-request uploads
            return self.single_request(expected, bytes, Some(session)).await;
        }
        self.put_small(session, expected, bytes).await?;
        Ok(None)
    }

    /// `POST /blobs/uploads/?digest=<d>` with the body; remembers what the registry made of it.
    /// `probed`: the session a mount opened for the blob, used or cancelled.
    async fn single_request(
        &self,
        expected: &Descriptor,
        bytes: Bytes,
        probed: Option<url::Url>,
    ) -> Result<Option<BlobSource>> {
        let start = self.url("blobs/uploads/")?;
        let mut url = start.clone();
        url.query_pairs_mut()
            .append_pair("digest", &expected.digest.to_string());
        let h = headers([("Content-Type", "application/octet-stream")]);
        let resp = self
            .send(
                Method::POST,
                url,
                h,
                ReqBody::Bytes(bytes.clone()),
                &["push"],
            )
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                self.after_single_request(SINGLE_NO, probed).await;
                return Err(e);
            }
        };
        match resp.status().as_u16() {
            201 => {
                self.after_single_request(SINGLE_YES, probed).await;
                Ok(None)
            }
            202 => {
                // a session: the registry ignored the digest and the body
                let session = self.upload_location(&start, &resp);
                self.after_single_request(SINGLE_NO, probed).await;
                self.put_small(session?, expected, bytes).await?;
                Ok(None)
            }
            s if s >= 500 => {
                self.after_single_request(SINGLE_NO, probed).await;
                Err(Client::error(&Method::POST, resp).await)
            }
            _ => {
                self.single_post.store(SINGLE_NO, Ordering::Relaxed);
                match probed {
                    Some(session) => {
                        self.put_small(session, expected, bytes).await?;
                        Ok(None)
                    }
                    None => Ok(Some(BlobSource::Bytes(bytes))),
                }
            }
        }
    }

    /// Remembers whether the registry takes single-request uploads and cancels the session
    /// the detecting blob's mount opened.
    async fn after_single_request(&self, single: u8, probed: Option<url::Url>) {
        self.single_post.store(single, Ordering::Relaxed);
        if let Some(session) = probed {
            self.cancel_session(session).await;
        }
    }

    /// Closes an open session with the whole blob.
    async fn put_small(
        &self,
        session: url::Url,
        expected: &Descriptor,
        bytes: Bytes,
    ) -> Result<()> {
        let h = headers([("Content-Type", "application/octet-stream")]);
        self.close_upload(session, expected, h, ReqBody::Bytes(bytes))
            .await
    }

    /// Cancels the sessions checks opened that no push used.
    pub(super) async fn cancel_probed(&self) {
        let open: Vec<url::Url> = self
            .probed
            .lock()
            .expect("probed sessions")
            .drain()
            .map(|(_, u)| u)
            .collect();
        for session in open {
            self.cancel_session(session).await;
        }
    }
}

/// A small blob's bytes, in memory so that a retry can send them again.
async fn small_bytes(expected: &Descriptor, content: BlobSource) -> Result<Bytes> {
    match content {
        BlobSource::Bytes(b) => Ok(b),
        BlobSource::File(p) => tokio::fs::read(&p)
            .await
            .map(Bytes::from)
            .map_err(|e| Error::from(e).context(p.display())),
        BlobSource::Reader(r) => read_all(r, expected, SMALL_BLOB).await,
    }
}
