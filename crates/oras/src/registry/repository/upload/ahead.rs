//! Uploads started while a directory is still being packed ([`Repository::stream_ahead`]):
//! the packer's pieces go to the registry as they are produced, in PATCHes without
//! `Content-Range` (streamed, as `docker push` sends layers), each of about a chunk, so
//! packing and sending overlap and no chunk is held in memory. Such a PATCH cannot be sent
//! again: when one fails, the upload fails and the push sends the layer from the packed file.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use reqwest::Method;
use url::Url;

use crate::content::StagedReceiver;
use crate::error::Result;
use crate::registry::client::{BodyPieces, Client, ReqBody, headers};
use crate::registry::repository::Repository;

/// The pieces still to send, and what was sent so far.
struct Feed {
    receiver: StagedReceiver,
    /// The first piece of the next PATCH, taken to learn that there is one.
    next: Option<Bytes>,
    size: u64,
}

impl Repository {
    /// Opens a session (its location goes to `opened` at once, and so does each later one
    /// the registry gives, for a cancel to use) and streams the pieces of `receiver` into it
    /// as they come; the session is left open for the PUT with the digest (the registry
    /// checks the bytes against it), or cancelled when anything fails. Returns its latest
    /// location and the bytes sent.
    pub(super) async fn stream_pieces(
        &self,
        receiver: StagedReceiver,
        opened: &Mutex<Option<Url>>,
    ) -> Result<(Url, u64)> {
        let (mut location, _) = self.start_upload().await?;
        if let Ok(mut slot) = opened.lock() {
            *slot = Some(location.clone());
        }
        let chunk = self.chunk_len(0) as u64;
        let feed = Arc::new(tokio::sync::Mutex::new(Feed {
            receiver,
            next: None,
            size: 0,
        }));
        let res = async {
            loop {
                {
                    let mut f = feed.lock().await;
                    f.next = f.receiver.next().await;
                    if f.next.is_none() {
                        return Ok(());
                    }
                }
                let h = headers([("Content-Type", "application/octet-stream")]);
                let body = ReqBody::Unsized(patch_body(feed.clone(), chunk));
                let resp = self
                    .send(Method::PATCH, location.clone(), h, body, &["push"])
                    .await?;
                if resp.status().as_u16() != 202 {
                    return Err(Client::error(&Method::PATCH, resp).await);
                }
                location = self.upload_location(&location, &resp)?;
                if let Ok(mut slot) = opened.lock() {
                    *slot = Some(location.clone());
                }
            }
        }
        .await;
        if let Err(e) = res {
            self.cancel_session(location).await;
            return Err(e);
        }
        let size = feed.lock().await.size;
        Ok((location, size))
    }
}

/// One PATCH's body: the feed's pieces, whole, until at least `chunk` bytes went out or the
/// packer is done.
fn patch_body(feed: Arc<tokio::sync::Mutex<Feed>>, chunk: u64) -> BodyPieces {
    Box::pin(futures::stream::unfold(0u64, move |sent| {
        let feed = feed.clone();
        async move {
            if sent >= chunk {
                return None;
            }
            let mut f = feed.lock().await;
            let piece = match f.next.take() {
                Some(p) => p,
                None => f.receiver.next().await?,
            };
            f.size += piece.len() as u64;
            let n = piece.len() as u64;
            Some((Ok::<_, std::io::Error>(piece), sent + n))
        }
    }))
}
