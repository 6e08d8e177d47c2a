//! Request bodies read from a stream into a few reused buffers. A body handed to the
//! connection one chunk at a time needs a fresh buffer per chunk unless the chunks come back:
//! each chunk sent is remembered, and once the connection has dropped it (its only other
//! holder) its buffer is filled again. A transfer then touches a few buffers instead of asking
//! the allocator, and the kernel behind it, for new pages for every chunk (fresh pages cost a
//! fault and a zeroing each, more than the copy into them).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::Stream;

use crate::content::BlobReader;

/// Size of a chunk of a streamed request body.
const CHUNK: usize = 256 << 10;

/// How many sent chunks are remembered for reuse; older ones are simply freed when the
/// connection drops them.
const REMEMBERED: usize = 8;

/// A reader as a stream of chunks of at most [`CHUNK`] bytes, in reused buffers.
pub(super) struct PooledChunks {
    reader: BlobReader,
    /// Chunks handed out, oldest first.
    sent: VecDeque<Bytes>,
    /// The chunk being filled (kept across a pending read).
    filling: Option<BytesMut>,
    done: bool,
}

impl PooledChunks {
    pub(super) fn new(reader: BlobReader) -> PooledChunks {
        PooledChunks {
            reader,
            sent: VecDeque::with_capacity(REMEMBERED + 1),
            filling: None,
            done: false,
        }
    }

    /// The oldest sent chunk's buffer if nothing else holds it any more, else a new one.
    fn buffer(&mut self) -> BytesMut {
        if self.sent.front().is_some_and(Bytes::is_unique)
            && let Some(old) = self.sent.pop_front()
            && let Ok(mut b) = old.try_into_mut()
            && b.capacity() >= CHUNK
        {
            b.clear();
            return b;
        }
        BytesMut::with_capacity(CHUNK)
    }
}

impl Stream for PooledChunks {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let mut buf = match this.filling.take() {
            Some(b) => b,
            None => this.buffer(),
        };
        // fill the chunk with what is ready; send what there is when the reader would wait
        while buf.len() < CHUNK {
            match tokio_util::io::poll_read_buf(this.reader.as_mut(), cx, &mut buf) {
                Poll::Pending if buf.is_empty() => {
                    this.filling = Some(buf);
                    return Poll::Pending;
                }
                Poll::Pending => break,
                Poll::Ready(Ok(0)) => {
                    this.done = true;
                    break;
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
        if buf.is_empty() {
            return Poll::Ready(None);
        }
        let chunk = buf.freeze();
        this.sent.push_back(chunk.clone());
        if this.sent.len() > REMEMBERED {
            this.sent.pop_front();
        }
        Poll::Ready(Some(Ok(chunk)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn streams_the_reader_whole_and_reuses_buffers() {
        let data: Vec<u8> = (0..(3 * CHUNK + 1234)).map(|i| (i % 251) as u8).collect();
        let reader: BlobReader = Box::pin(std::io::Cursor::new(data.clone()));
        let mut chunks = PooledChunks::new(reader);
        let mut got = Vec::new();
        let mut first_ptr = None;
        let mut reused = false;
        while let Some(c) = chunks.next().await {
            let c = c.expect("chunk");
            assert!(c.len() <= CHUNK);
            match first_ptr {
                None => first_ptr = Some(c.as_ptr()),
                Some(p) => reused |= p == c.as_ptr(),
            }
            got.extend_from_slice(&c);
            // the chunk is dropped here, as a connection drops what it wrote
        }
        assert_eq!(got, data);
        assert!(reused, "a dropped chunk's buffer is filled again");
    }

    #[tokio::test]
    async fn a_held_chunk_is_not_overwritten() {
        let data: Vec<u8> = (0..(2 * CHUNK)).map(|i| (i % 7) as u8).collect();
        let reader: BlobReader = Box::pin(std::io::Cursor::new(data.clone()));
        let mut chunks = PooledChunks::new(reader);
        let first = chunks.next().await.expect("one").expect("chunk");
        let second = chunks.next().await.expect("two").expect("chunk");
        assert_eq!(&first[..], &data[..CHUNK]);
        assert_eq!(&second[..], &data[CHUNK..]);
        assert!(chunks.next().await.is_none());
    }
}
