//! The verified copy pipeline: a task receives a blob (a few MiB ahead of the consumer), a
//! thread hashes it on its way, and the consumer writes it, so receiving, hashing and writing
//! run side by side. The blob is read into 1 MiB buffers that come back to be filled again
//! once written (measured: writing a registry's response frames as they came, without this
//! copy, cost more kernel time in fresh pages than the copy saved).

use bytes::{Bytes, BytesMut};
use oras_spec::{Descriptor, Digester};
use tokio::io::AsyncReadExt;

use super::Verifier;
use crate::content::{BlobReader, BlobSource};
use crate::error::{Error, ErrorKind, Result};

/// Bytes per batch: one buffer read from the reader.
const BATCH: usize = 1 << 20;

/// Bytes per `write()` into a file.
const WRITE_PIECE: usize = 32 << 10;

/// Streams `reader` into `writer`, verifying size and digest against `expected`; the writer
/// is flushed. Returns the bytes written; on error the caller discards what was written.
pub async fn copy_verified<W>(
    reader: BlobReader,
    expected: &Descriptor,
    writer: &mut W,
) -> Result<u64>
where
    W: tokio::io::AsyncWrite + Unpin + ?Sized,
{
    use tokio::io::AsyncWriteExt;
    let digester = expected.digest.algorithm().digester();
    let (mut rx, producer, recycler) = verified_batches(reader, expected, digester, 0);
    let mut total = 0u64;
    while let Some(batch) = rx.recv().await {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                producer.abort();
                return Err(e);
            }
        };
        if let Err(e) = writer.write_all(&batch).await {
            producer.abort();
            return Err(e.into());
        }
        total += batch.len() as u64;
        recycler.give_back(batch);
    }
    writer.flush().await?;
    Ok(total)
}

/// Streams `content` into a file, verified, written by a dedicated blocking thread from the
/// pipeline's buffers, positioned at `offset`; the bytes before it were hashed into
/// `digester`. `path` names the file in errors of the local side (a full
/// disk says which file it could not write). Returns the bytes written.
pub async fn write_verified_file(
    content: BlobSource,
    expected: &Descriptor,
    mut file: std::fs::File,
    path: &std::path::Path,
    digester: Digester,
    offset: u64,
) -> Result<u64> {
    let reader = content.into_reader_async().await?;
    let (mut rx, producer, recycler) = verified_batches(reader, expected, digester, offset);
    let path = path.to_path_buf();
    let writer = tokio::task::spawn_blocking(move || -> Result<u64> {
        use std::io::{Seek, SeekFrom, Write};
        let local = |e: std::io::Error| {
            crate::Error::from(e).context(format!("failed to write {}", path.display()))
        };
        file.seek(SeekFrom::Start(offset)).map_err(local)?;
        let mut total = 0u64;
        while let Some(batch) = rx.blocking_recv() {
            let batch = batch?;
            // small writes: the page cache then takes pages from the per-CPU free lists
            // (order <= 3) instead of assembling large folios, which costs several times
            // more kernel time per byte on virtual machines that hand freed memory back
            // to the host
            for piece in batch.chunks(WRITE_PIECE) {
                file.write_all(piece).map_err(local)?;
            }
            total += batch.len() as u64;
            recycler.give_back(batch);
        }
        file.flush().map_err(local)?;
        Ok(total)
    });
    let res = writer
        .await
        .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
    if res.is_err() {
        producer.abort();
    }
    res
}

/// Reads the next batch into `recycled` (a buffer written before) when there is one; `None`
/// at the end of the content. A read that fails after some bytes of the batch came hands
/// those on first (a resumed transfer keeps them) and leaves the failure in `failed` for
/// the next call.
async fn next_batch(
    reader: &mut BlobReader,
    recycled: Option<BytesMut>,
    failed: &mut Option<std::io::Error>,
) -> Result<Option<Bytes>> {
    if let Some(e) = failed.take() {
        return Err(e.into());
    }
    let mut buf = match recycled {
        Some(mut b) => {
            b.clear();
            b
        }
        None => BytesMut::with_capacity(BATCH),
    };
    while buf.len() < BATCH {
        match reader.read_buf(&mut buf).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if !buf.is_empty() => {
                *failed = Some(e);
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok((!buf.is_empty()).then(|| buf.freeze()))
}

/// Receives, verifies and hands out a blob in batches: a task receives them (two batches
/// ahead of the consumer) and a thread hashes them on their way. A verification failure
/// arrives as the last item.
fn verified_batches(
    mut reader: BlobReader,
    expected: &Descriptor,
    digester: Digester,
    offset: u64,
) -> (
    tokio::sync::mpsc::Receiver<Result<Bytes>>,
    tokio::task::JoinHandle<()>,
    Recycler,
) {
    let (raw_tx, mut raw_rx) = tokio::sync::mpsc::channel::<Result<Bytes>>(2);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes>>(2);
    // written buffers come back to be filled again: a transfer touches a few MiB of memory
    // instead of asking the allocator (and the kernel) for fresh pages for every buffer
    let (recycle_tx, recycle_rx) = std::sync::mpsc::channel::<BytesMut>();
    let producer = tokio::spawn(async move {
        let mut failed = None;
        loop {
            let next = next_batch(&mut reader, recycle_rx.try_recv().ok(), &mut failed).await;
            let end = !matches!(next, Ok(Some(_)));
            let sent = match next {
                Ok(None) => true,
                Ok(Some(batch)) => raw_tx.send(Ok(batch)).await.is_ok(),
                Err(e) => raw_tx.send(Err(e)).await.is_ok(),
            };
            if end || !sent {
                return;
            }
        }
    });
    let mut verifier = Verifier::resumed(expected, digester, offset);
    tokio::task::spawn_blocking(move || {
        while let Some(batch) = raw_rx.blocking_recv() {
            let checked = batch.and_then(|b| {
                verifier.update(&b)?;
                Ok(b)
            });
            let failed = checked.is_err();
            if tx.blocking_send(checked).is_err() || failed {
                return;
            }
        }
        if let Err(e) = verifier.finish() {
            let _ = tx.blocking_send(Err(e));
        }
    });
    (rx, producer, Recycler(recycle_tx))
}

/// Hands written buffers back to the reader for reuse.
struct Recycler(std::sync::mpsc::Sender<BytesMut>);

impl Recycler {
    fn give_back(&self, chunk: Bytes) {
        if let Ok(b) = chunk.try_into_mut()
            && b.capacity() >= BATCH
        {
            let _ = self.0.send(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, ReadBuf};

    use super::*;

    /// A reader whose every read fails, as a dropped connection does.
    struct Broken;

    impl AsyncRead for Broken {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            Poll::Ready(Err(std::io::Error::other("connection reset")))
        }
    }

    #[tokio::test]
    async fn batches_are_written_and_verified() {
        let data: Vec<u8> = (0..(3 << 20) + 999).map(|i| (i * 31 % 253) as u8).collect();
        let d = Descriptor::from_bytes("application/octet-stream", &data);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("blob");
        let file = std::fs::File::create(&path).expect("create");
        let digester = d.digest.algorithm().digester();
        let n = write_verified_file(
            BlobSource::Bytes(data.clone().into()),
            &d,
            file,
            &path,
            digester,
            0,
        )
        .await
        .expect("verified");
        assert_eq!(n as usize, data.len());
        assert_eq!(std::fs::read(&path).expect("read"), data);

        // one byte changed in the middle of a batch: refused
        let mut bad = data.clone();
        bad[(2 << 20) + 5] ^= 1;
        let file = std::fs::File::create(&path).expect("create");
        let e = write_verified_file(
            BlobSource::Bytes(bad.into()),
            &d,
            file,
            &path,
            d.digest.algorithm().digester(),
            0,
        )
        .await
        .expect_err("a changed byte is refused");
        assert_eq!(e.kind(), ErrorKind::DigestMismatch);
    }

    #[tokio::test]
    async fn a_failing_reader_fails_the_write() {
        let data = vec![7u8; 100_000];
        let d = Descriptor::from_bytes("application/octet-stream", &data);
        let reader = std::io::Cursor::new(data[..50_000].to_vec()).chain(Broken);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("blob");
        let file = std::fs::File::create(&path).expect("create");
        let res = write_verified_file(
            BlobSource::Reader(Box::pin(reader)),
            &d,
            file,
            &path,
            d.digest.algorithm().digester(),
            0,
        )
        .await;
        assert!(res.is_err());
        // the bytes that came before the failure were written (a resumed transfer keeps them)
        assert_eq!(std::fs::metadata(&path).expect("written").len(), 50_000);
    }
}
