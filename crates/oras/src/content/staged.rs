//! Bytes handed to a store while they are still being produced, before their digest is
//! known ([`crate::content::Storage::stage_stream`]): a bounded queue between the (blocking)
//! producer and the store's upload, so the producer runs at most a few MiB ahead of it.

use bytes::Bytes;
use tokio::sync::mpsc;

/// Pieces queued between the producer and the upload (each at most one write's bytes).
const QUEUED: usize = 8;

/// The producer's end: what is sent goes to the upload, in order; dropping it ends the
/// stream.
pub struct StagedStream {
    tx: mpsc::Sender<Bytes>,
}

/// The upload's end: the pieces in order, `None` once the producer is done.
pub struct StagedReceiver {
    rx: mpsc::Receiver<Bytes>,
}

/// A new queue: the producer's end and the upload's end.
pub fn staged_stream() -> (StagedStream, StagedReceiver) {
    let (tx, rx) = mpsc::channel(QUEUED);
    (StagedStream { tx }, StagedReceiver { rx })
}

impl StagedStream {
    /// Queues `bytes`, waiting while the queue is full; false once the upload stopped
    /// taking bytes (it failed or was cancelled: the producer goes on without it). Call it
    /// from a blocking thread, never from async code.
    pub fn send(&self, bytes: &[u8]) -> bool {
        self.tx.blocking_send(Bytes::copy_from_slice(bytes)).is_ok()
    }
}

impl StagedReceiver {
    /// The next piece, `None` when the producer is done.
    pub async fn next(&mut self) -> Option<Bytes> {
        self.rx.recv().await
    }
}
