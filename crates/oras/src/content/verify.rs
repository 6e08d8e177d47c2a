//! Streaming verification: every byte read is counted and hashed, and a reader reaching EOF
//! reports success only when size and digest both match the descriptor.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use oras_spec::{Descriptor, Digester};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use crate::content::{BlobReader, ReadOnlyStorage};
use crate::error::{Error, ErrorKind, Result};

mod pipeline;

pub use pipeline::{copy_verified, write_verified_file};

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

/// Whether `bytes` are the content `desc` describes (its size and digest).
pub fn is_content_of(desc: &Descriptor, bytes: &[u8]) -> bool {
    bytes.len() as u64 == desc.size && desc.digest.same_alg_of(bytes) == desc.digest
}

/// Fetches and verifies a whole blob of at most `limit` bytes.
pub async fn fetch_all(
    store: &dyn ReadOnlyStorage,
    desc: &Descriptor,
    limit: u64,
) -> Result<Bytes> {
    if let Some(data) = &desc.data
        && is_content_of(desc, data)
    {
        return Ok(Bytes::from(data.clone()));
    }
    let reader = store.fetch(desc).await?;
    read_all(reader, desc, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::BlobSource;

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
        let n = write_verified_file(
            BlobSource::Reader(tail),
            &d,
            file,
            &path,
            digester,
            offset as u64,
        )
        .await
        .unwrap();
        assert_eq!(n as usize, data.len() - offset);
        assert_eq!(std::fs::read(&path).unwrap(), data);
    }
}
