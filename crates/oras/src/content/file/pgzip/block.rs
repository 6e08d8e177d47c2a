//! One block of a parallel gzip stream: the block's bytes compressed as raw deflate on their
//! own, primed with the input that precedes them, ending byte-aligned (a sync flush) so the
//! next block's deflate data can follow, or ending the stream (the last block). A block
//! deflate cannot make smaller is sent as stored blocks instead. The result depends only on
//! the bytes, never on which thread compressed it or when.

use std::io;

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// The longest stored block deflate allows.
const MAX_STORED: usize = 0xffff;

/// A compressed block: its deflate bytes and the CRC-32 of its input.
pub(super) struct Compressed {
    /// Raw deflate data, ending byte-aligned (or ending the stream for the last block).
    pub deflate: Vec<u8>,
    /// CRC-32 (and length) of the block's input.
    pub crc: Crc,
}

/// Compresses `data` at `level`, with `dict` (the input just before it) as the window the
/// matches may reach into; `last` ends the deflate stream.
pub(super) fn compress_block(
    dict: &[u8],
    data: &[u8],
    last: bool,
    level: u32,
) -> io::Result<Compressed> {
    let mut crc = Crc::new();
    crc.update(data);
    let mut c = Compress::new(Compression::new(level), false);
    if !dict.is_empty() {
        c.set_dictionary(dict).map_err(io::Error::other)?;
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(data.len() + data.len() / 64 + 64);
    loop {
        let consumed = c.total_in() as usize;
        let status = c
            .compress_vec(&data[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        let done_input = c.total_in() as usize == data.len();
        let room = out.len() < out.capacity();
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError if done_input && room && !last => break,
            _ => {}
        }
        if !data.is_empty() && out.len() > data.len() {
            // already larger than the input: it goes stored
            break;
        }
        out.reserve(64 << 10);
    }
    if !data.is_empty() && out.len() >= data.len() {
        out = stored(data, last);
    }
    Ok(Compressed { deflate: out, crc })
}

/// `data` as stored deflate blocks (the last one final when `last`).
pub(super) fn stored(data: &[u8], last: bool) -> Vec<u8> {
    let pieces = data.len().div_ceil(MAX_STORED).max(1);
    let mut out = Vec::with_capacity(data.len() + pieces * 5);
    let mut chunks = data.chunks(MAX_STORED).peekable();
    if chunks.peek().is_none() {
        push_stored(&mut out, &[], last);
    }
    while let Some(chunk) = chunks.next() {
        push_stored(&mut out, chunk, last && chunks.peek().is_none());
    }
    out
}

/// Appends one stored block (at most [`MAX_STORED`] bytes), final when `fin`.
fn push_stored(out: &mut Vec<u8>, chunk: &[u8], fin: bool) {
    let len = chunk.len() as u16;
    out.push(u8::from(fin));
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(chunk);
}
