//! Streaming verification: every byte read is counted and hashed, and a reader reaching EOF
//! reports success only when size and digest both match the descriptor.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use oras_spec::{Descriptor, Digester};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use crate::content::{BlobReader, ReadOnlyStorage};
use crate::error::{Error, ErrorKind, Result};

/// Counts and hashes a blob's bytes as they pass; accepts the whole only with exactly the
/// descriptor's size and digest.
pub struct Verifier {
    expected: Descriptor,
    read: u64,
    digester: Digester,
}

impl Verifier {
    /// Verifies a blob from its first byte.
    pub fn new(expected: &Descriptor) -> Verifier {
        Verifier::resumed(expected, expected.digest.algorithm().digester(), 0)
    }

    /// Continues verification of a blob whose first `offset` bytes were already hashed into
    /// `digester`.
    pub fn resumed(expected: &Descriptor, digester: Digester, offset: u64) -> Verifier {
        Verifier {
            expected: expected.plain(),
            read: offset,
            digester,
        }
    }

    /// Takes the next bytes; fails as soon as there are more than the descriptor's size.
    pub fn update(&mut self, bytes: &[u8]) -> Result<()> {
        self.read += bytes.len() as u64;
        if self.read > self.expected.size {
            return Err(Error::new(
                ErrorKind::SizeMismatch,
                format!(
                    "{}: trailing data: content is larger than the expected {} bytes",
                    self.expected.digest, self.expected.size
                ),
            ));
        }
        self.digester.update(bytes);
        Ok(())
    }

    /// At the end of the content: checks size and digest.
    pub fn finish(self) -> Result<()> {
        if self.read != self.expected.size {
            return Err(Error::new(
                ErrorKind::SizeMismatch,
                format!(
                    "{}: unexpected EOF: read {} of {} bytes",
                    self.expected.digest, self.read, self.expected.size
                ),
            ));
        }
        let got = self.digester.finish();
        if got != self.expected.digest {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                format!(
                    "mismatched digest: expected {} but got {got}",
                    self.expected.digest
                ),
            ));
        }
        Ok(())
    }
}

/// Wraps a reader; fails as soon as more than `size` bytes arrive, and at EOF unless the
/// content has exactly the descriptor's size and digest.
pub struct VerifyingReader<R> {
    inner: R,
    /// `None` once EOF was checked.
    verifier: Option<Verifier>,
}

impl<R> VerifyingReader<R> {
    /// Verifies everything `inner` yields against `expected`.
    pub fn new(inner: R, expected: &Descriptor) -> VerifyingReader<R> {
        VerifyingReader {
            inner,
            verifier: Some(Verifier::new(expected)),
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

/// Whether everything `reader` yields has exactly the size and digest of `expected` (stops
/// reading at the first byte past the size). Blocking I/O; a read error is returned as is.
pub(crate) fn read_matches(
    reader: &mut impl std::io::Read,
    expected: &Descriptor,
) -> std::io::Result<bool> {
    let mut verifier = Verifier::new(expected);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(verifier.finish().is_ok()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if verifier.update(&buf[..n]).is_err() {
            return Ok(false);
        }
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
                let Some(verifier) = this.verifier.as_mut() else {
                    return Poll::Ready(Ok(()));
                };
                let res = if new.is_empty() {
                    // EOF: check everything before reporting it.
                    this.verifier.take().map_or(Ok(()), Verifier::finish)
                } else {
                    verifier.update(new)
                };
                if let Err(e) = res {
                    // An erroring read must not hand out bytes.
                    buf.set_filled(before);
                    return Poll::Ready(Err(io_err(e)));
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

/// Bytes per `write()` into a file.
const WRITE_PIECE: usize = 32 << 10;

/// [`copy_verified_from`] into a file, written by a dedicated blocking thread straight from
/// the received chunks (no extra buffering), positioned at `offset`. `path` names the file in
/// errors of the local side (a full disk says which file it could not write).
pub async fn write_verified_file(
    reader: BlobReader,
    expected: &Descriptor,
    mut file: std::fs::File,
    path: &std::path::Path,
    digester: Digester,
    offset: u64,
) -> Result<u64> {
    let (mut rx, producer, recycler) = verified_chunks(reader, expected, digester, offset);
    let path = path.to_path_buf();
    let writer = tokio::task::spawn_blocking(move || -> Result<u64> {
        use std::io::{Seek, SeekFrom, Write};
        let local = |e: std::io::Error| {
            crate::Error::from(e).context(format!("failed to write {}", path.display()))
        };
        file.seek(SeekFrom::Start(offset)).map_err(local)?;
        let mut total = 0u64;
        while let Some(chunk) = rx.blocking_recv() {
            let chunk = chunk?;
            // small writes: the page cache then takes pages from the per-CPU free lists
            // (order <= 3) instead of assembling large folios, which costs several times more
            // kernel time per byte on virtual machines that hand freed memory back to the host
            for piece in chunk.chunks(WRITE_PIECE) {
                file.write_all(piece).map_err(local)?;
            }
            total += chunk.len() as u64;
            recycler.give_back(chunk);
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

/// Reads, verifies and hands out a blob in 1 MiB chunks: a task receives them (a few chunks
/// ahead of the consumer) and a thread hashes them on their way, so receiving, hashing and
/// writing run side by side. A verification failure arrives as the last item.
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
    let (raw_tx, mut raw_rx) = tokio::sync::mpsc::channel::<Result<Bytes>>(2);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes>>(2);
    // written chunks come back to be filled again: a transfer touches a few MiB of memory
    // instead of asking the allocator (and the kernel) for fresh pages for every chunk
    let (recycle_tx, recycle_rx) = std::sync::mpsc::channel::<bytes::BytesMut>();
    let producer = tokio::spawn(async move {
        let mut reader = reader;
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
                other => raw_tx.send(other).await.is_ok(),
            };
            if !send || failed || done {
                return;
            }
        }
    });
    let mut verifier = Verifier::resumed(expected, digester, offset);
    tokio::task::spawn_blocking(move || {
        while let Some(chunk) = raw_rx.blocking_recv() {
            let checked = chunk.and_then(|c| verifier.update(&c).map(|()| c));
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

    /// The pipelined path (receive, hash, write on separate threads) over content of several
    /// chunks: good content arrives whole, bad content ends in the right error, and a resumed
    /// transfer verifies the whole blob.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pipelined_copy_verifies_every_chunk() {
        let data: Vec<u8> = (0..(3 << 20) + 12345u32).map(|i| (i % 251) as u8).collect();
        let d = Descriptor::from_bytes("x/y", &data);
        let reader = |bytes: Vec<u8>| -> BlobReader { Box::pin(std::io::Cursor::new(bytes)) };

        let mut out = Vec::new();
        let n = copy_verified(reader(data.clone()), &d, &mut out)
            .await
            .unwrap();
        assert_eq!((n, out == data), (data.len() as u64, true));

        let mut bad = data.clone();
        bad[2 << 20] ^= 1;
        let e = copy_verified(reader(bad), &d, &mut Vec::new())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DigestMismatch);
        let e = copy_verified(reader(data[..data.len() - 1].to_vec()), &d, &mut Vec::new())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SizeMismatch);
        let mut long = data.clone();
        long.extend_from_slice(&[0; 5 << 20]);
        let mut out = Vec::new();
        let e = copy_verified(reader(long), &d, &mut out).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SizeMismatch);
        assert!(
            out.len() <= data.len(),
            "bytes past the size are never handed out"
        );

        // resumed: the first MiB and a bit hashed before, the rest streamed into a file
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        let offset = (1 << 20) + 7;
        std::fs::write(&path, &data[..offset]).unwrap();
        let mut digester = d.digest.algorithm().digester();
        digester.update(&data[..offset]);
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let tail = reader(data[offset..].to_vec());
        let n = write_verified_file(tail, &d, file, &path, digester, offset as u64)
            .await
            .unwrap();
        assert_eq!(n as usize, data.len() - offset);
        assert_eq!(std::fs::read(&path).unwrap(), data);
    }
}
