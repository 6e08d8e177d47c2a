//! Streaming verification: every byte read is counted and hashed, and a reader reaching EOF
//! reports success only when size and digest both match the descriptor.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use oras_spec::{Descriptor, Digester};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use crate::content::{BlobReader, ReadOnlyStorage};
use crate::error::{Error, ErrorKind, Result};

/// Wraps a reader; fails as soon as more than `size` bytes arrive, and at EOF unless the
/// content has exactly the descriptor's size and digest.
pub struct VerifyingReader<R> {
    inner: R,
    expected: Descriptor,
    read: u64,
    digester: Option<Digester>,
}

impl<R> VerifyingReader<R> {
    pub fn new(inner: R, expected: &Descriptor) -> VerifyingReader<R> {
        VerifyingReader {
            inner,
            expected: expected.plain(),
            read: 0,
            digester: Some(expected.digest.algorithm().digester()),
        }
    }

    /// Continues verification of a blob whose first `offset` bytes were already hashed into
    /// `digester`; `inner` yields the bytes from `offset` on.
    pub fn resumed(
        inner: R,
        expected: &Descriptor,
        digester: Digester,
        offset: u64,
    ) -> VerifyingReader<R> {
        VerifyingReader {
            inner,
            expected: expected.plain(),
            read: offset,
            digester: Some(digester),
        }
    }
}

/// The digest (under `alg`) and size of a file, read in 1 MiB pieces (blocking I/O).
pub fn hash_file(
    path: &std::path::Path,
    alg: oras_spec::Algorithm,
) -> Result<(oras_spec::Digest, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::from(e).context(path.display()))?;
    let mut d = alg.digester();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok((d.finish(), size));
        }
        d.update(&buf[..n]);
        size += n as u64;
    }
}

/// Hashes the first bytes of a partially written blob (blocking I/O, run off the reactor).
/// Returns the digester state and the length; `None` if there is nothing usable.
pub async fn hash_prefix(
    path: &std::path::Path,
    expected: &Descriptor,
) -> Result<Option<(Digester, u64)>> {
    let path = path.to_path_buf();
    let alg = expected.digest.algorithm();
    let size = expected.size;
    tokio::task::spawn_blocking(move || -> Result<Option<(Digester, u64)>> {
        use std::io::Read;
        let Ok(mut f) = std::fs::File::open(&path) else {
            return Ok(None);
        };
        let len = f.metadata()?.len();
        if len == 0 || len >= size {
            return Ok(None);
        }
        let mut d = alg.digester();
        let mut buf = vec![0u8; 1 << 20];
        let mut read = 0u64;
        while read < len {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            d.update(&buf[..n]);
            read += n as u64;
        }
        Ok((read == len).then_some((d, len)))
    })
    .await
    .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?
}

fn io_err(e: Error) -> std::io::Error {
    e.into()
}

impl<R: AsyncRead + Unpin> AsyncRead for VerifyingReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) => {
                let new = &buf.filled()[before..];
                if new.is_empty() {
                    // EOF: check everything before reporting it.
                    let Some(digester) = this.digester.take() else {
                        return Poll::Ready(Ok(()));
                    };
                    if this.read != this.expected.size {
                        return Poll::Ready(Err(io_err(Error::new(
                            ErrorKind::SizeMismatch,
                            format!(
                                "{}: unexpected EOF: read {} of {} bytes",
                                this.expected.digest, this.read, this.expected.size
                            ),
                        ))));
                    }
                    let got = digester.finish();
                    if got != this.expected.digest {
                        return Poll::Ready(Err(io_err(Error::new(
                            ErrorKind::DigestMismatch,
                            format!(
                                "mismatched digest: expected {} but got {got}",
                                this.expected.digest
                            ),
                        ))));
                    }
                    return Poll::Ready(Ok(()));
                }
                this.read += new.len() as u64;
                if this.read > this.expected.size {
                    this.digester = None;
                    // An erroring read must not hand out bytes.
                    buf.set_filled(before);
                    return Poll::Ready(Err(io_err(Error::new(
                        ErrorKind::SizeMismatch,
                        format!(
                            "{}: trailing data: content is larger than the expected {} bytes",
                            this.expected.digest, this.expected.size
                        ),
                    ))));
                }
                if let Some(d) = this.digester.as_mut() {
                    d.update(new);
                }
                Poll::Ready(Ok(()))
            }
        }
    }
}

/// Streams `reader` into `writer`, verifying size and digest against `expected`; the writer
/// is flushed. Reading and hashing run in their own task, one chunk ahead of the writes (at most
/// a few MiB in flight), so network, hashing and disk overlap. On error the caller discards
/// what was written.
pub async fn copy_verified<W>(
    reader: BlobReader,
    expected: &Descriptor,
    writer: &mut W,
) -> Result<u64>
where
    W: tokio::io::AsyncWrite + Unpin + ?Sized,
{
    copy_verified_from(
        reader,
        expected,
        writer,
        expected.digest.algorithm().digester(),
        0,
    )
    .await
}

/// [`copy_verified`] for a reader that starts at byte `offset` of the blob, the bytes before
/// it having been hashed into `digester` (resuming a partial transfer). Returns the bytes written.
pub async fn copy_verified_from<W>(
    reader: BlobReader,
    expected: &Descriptor,
    writer: &mut W,
    digester: Digester,
    offset: u64,
) -> Result<u64>
where
    W: tokio::io::AsyncWrite + Unpin + ?Sized,
{
    use tokio::io::AsyncWriteExt;
    let (mut rx, producer, recycler) = verified_chunks(reader, expected, digester, offset);
    let mut total = 0u64;
    while let Some(chunk) = rx.recv().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                producer.abort();
                return Err(e);
            }
        };
        if let Err(e) = writer.write_all(&chunk).await {
            producer.abort();
            return Err(e.into());
        }
        total += chunk.len() as u64;
        recycler.give_back(chunk);
    }
    writer.flush().await?;
    Ok(total)
}

/// [`copy_verified_from`] into a file, written by a dedicated blocking thread straight from
/// the received chunks (no extra buffering), positioned at `offset`.
pub async fn write_verified_file(
    reader: BlobReader,
    expected: &Descriptor,
    mut file: std::fs::File,
    digester: Digester,
    offset: u64,
) -> Result<u64> {
    let (mut rx, producer, recycler) = verified_chunks(reader, expected, digester, offset);
    let writer = tokio::task::spawn_blocking(move || -> Result<u64> {
        use std::io::{Seek, SeekFrom, Write};
        file.seek(SeekFrom::Start(offset))?;
        let mut total = 0u64;
        while let Some(chunk) = rx.blocking_recv() {
            let chunk = chunk?;
            file.write_all(&chunk)?;
            total += chunk.len() as u64;
            recycler.give_back(chunk);
        }
        file.flush()?;
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

/// Reads, verifies and hands out a blob in 1 MiB chunks from its own task (a few chunks ahead
/// of the consumer), so reading and hashing overlap with writing. A verification failure
/// arrives as the last item.
fn verified_chunks(
    reader: BlobReader,
    expected: &Descriptor,
    digester: Digester,
    offset: u64,
) -> (
    tokio::sync::mpsc::Receiver<Result<Bytes>>,
    tokio::task::JoinHandle<()>,
    Recycler,
) {
    const CHUNK: usize = 1 << 20;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes>>(4);
    // written chunks come back to be filled again: a transfer touches a few MiB of memory
    // instead of asking the allocator (and the kernel) for fresh pages for every chunk
    let (recycle_tx, recycle_rx) = std::sync::mpsc::channel::<bytes::BytesMut>();
    let expected_plain = expected.plain();
    let producer = tokio::spawn(async move {
        let mut reader = VerifyingReader::resumed(reader, &expected_plain, digester, offset);
        loop {
            let mut buf = match recycle_rx.try_recv() {
                Ok(mut b) => {
                    b.clear();
                    b
                }
                Err(_) => bytes::BytesMut::with_capacity(CHUNK),
            };
            let res = async {
                while buf.len() < CHUNK {
                    if reader.read_buf(&mut buf).await? == 0 {
                        break;
                    }
                }
                Ok::<_, Error>(())
            }
            .await;
            let done = buf.len() < CHUNK;
            let failed = res.is_err();
            let msg = res.map(|()| buf.freeze());
            let send = match msg {
                Ok(b) if b.is_empty() => true,
                other => tx.send(other).await.is_ok(),
            };
            if !send || failed || done {
                return;
            }
        }
    });
    (rx, producer, Recycler(recycle_tx))
}

/// Hands written chunks back to the reader for reuse.
struct Recycler(std::sync::mpsc::Sender<bytes::BytesMut>);

impl Recycler {
    fn give_back(&self, chunk: Bytes) {
        if let Ok(b) = chunk.try_into_mut() {
            let _ = self.0.send(b);
        }
    }
}

/// Reads a whole (small) blob into memory, verified; refuses descriptors above `limit` bytes
/// before reading anything.
pub async fn read_all(reader: BlobReader, desc: &Descriptor, limit: u64) -> Result<Bytes> {
    if desc.size > limit {
        return Err(Error::new(
            ErrorKind::SizeExceedsLimit,
            format!(
                "{}: content size {} exceeds the limit of {limit} bytes",
                desc.digest, desc.size
            ),
        ));
    }
    let mut buf = Vec::with_capacity(desc.size.min(32 << 20) as usize);
    VerifyingReader::new(reader, desc)
        .read_to_end(&mut buf)
        .await?;
    Ok(Bytes::from(buf))
}

/// Fetches and verifies a whole blob of at most `limit` bytes.
pub async fn fetch_all(
    store: &dyn ReadOnlyStorage,
    desc: &Descriptor,
    limit: u64,
) -> Result<Bytes> {
    if let Some(data) = &desc.data
        && desc.digest.same_alg_of(data) == desc.digest
        && data.len() as u64 == desc.size
    {
        {
            return Ok(Bytes::from(data.clone()));
        }
    }
    let reader = store.fetch(desc).await?;
    read_all(reader, desc, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rejects_bad_content() {
        let d = Descriptor::from_bytes("x/y", b"hello");
        let ok = read_all(Box::pin(&b"hello"[..]), &d, 100).await.unwrap();
        assert_eq!(&ok[..], b"hello");
        let e = read_all(Box::pin(&b"hellx"[..]), &d, 100)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DigestMismatch);
        let e = read_all(Box::pin(&b"hell"[..]), &d, 100).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SizeMismatch);
        let e = read_all(Box::pin(&b"hello!"[..]), &d, 100)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SizeMismatch);
        let e = read_all(Box::pin(&b"hello"[..]), &d, 3).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
    }
}
