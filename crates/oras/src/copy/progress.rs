//! A reader that reports the bytes passing through as [`Event::Progress`].

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use oras_spec::Descriptor;
use tokio::io::{AsyncRead, ReadBuf};

use crate::content::BlobReader;
use crate::events::{Event, Observer};

/// Counts what is read from a blob and tells the observer.
pub(super) struct ProgressReader {
    inner: BlobReader,
    desc: Descriptor,
    observer: Arc<dyn Observer>,
    so_far: u64,
}

impl ProgressReader {
    /// Reads `inner`, the blob `desc` from byte `offset` on.
    pub(super) fn new(
        inner: BlobReader,
        desc: &Descriptor,
        observer: Arc<dyn Observer>,
        offset: u64,
    ) -> ProgressReader {
        ProgressReader {
            inner,
            desc: desc.clone(),
            observer,
            so_far: offset,
        }
    }
}

impl AsyncRead for ProgressReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let r = this.inner.as_mut().poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        if n > 0 {
            this.so_far += n;
            this.observer
                .on_event(&Event::Progress(&this.desc, this.so_far));
        }
        r
    }
}
