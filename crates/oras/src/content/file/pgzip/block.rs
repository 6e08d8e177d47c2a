//! One block of a parallel gzip stream: the block's bytes compressed as raw deflate on their
//! own, primed with the input that precedes them, ending byte-aligned (a sync flush) so the
//! next block's deflate data can follow, or ending the stream (the last block). Parts that
//! look random are stored without trying deflate, and parts deflate cannot make smaller are
//! stored too. The result depends only on the bytes, never on which thread compressed it or
//! when.

use std::io;

use flate2::Crc;
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Status};

use super::WINDOW;
use super::huffman::{byte_counts, push_literals};

/// The longest stored block deflate allows.
const MAX_STORED: usize = 0xffff;
/// Size of the pieces of a block judged random or not on their own.
const SEGMENT: usize = 16 << 10;

/// A compressed block: its deflate bytes and the CRC-32 of its input.
pub(super) struct Compressed {
    /// Raw deflate data, ending byte-aligned (or ending the stream for the last block).
    pub deflate: Vec<u8>,
    /// CRC-32 (and length) of the block's input.
    pub crc: Crc,
}

/// Compresses `data` at `level`, with `dict` (the input just before it) as the window the
/// matches may reach into; `last` ends the deflate stream. The block is cut into segments of
/// [`SEGMENT`] bytes at fixed offsets, each given a [`Kind`] ([`RepeatTable::classify`]); runs
/// of one kind are stored, Huffman-coded ([`push_literals`]) or deflated (primed with the
/// input before them), and stored if that does not make them smaller.
pub(super) fn compress_block(
    dict: &[u8],
    data: &[u8],
    last: bool,
    level: u32,
) -> io::Result<Compressed> {
    let mut crc = Crc::new();
    crc.update(data);
    let mut out = Vec::with_capacity(data.len() + data.len() / 64 + 64);
    if data.is_empty() {
        if last {
            deflate_run(&[], &[], true, level, &mut out)?;
        }
        return Ok(Compressed { deflate: out, crc });
    }
    let runs = runs(data);
    for (k, r) in runs.iter().enumerate() {
        let fin = last && k + 1 == runs.len();
        let (start, run) = (r.start, &data[r.start..r.end]);
        match r.kind {
            Kind::Stored => push_stored_run(&mut out, run, fin),
            Kind::Literals => {
                if !push_literals(&mut out, run, &r.counts, fin) {
                    push_stored_run(&mut out, run, fin);
                }
            }
            Kind::Matches if start >= WINDOW => {
                let window = &data[start - WINDOW..start];
                deflate_run(window, run, fin, level, &mut out)?;
            }
            Kind::Matches => {
                let mut window = dict[dict.len().saturating_sub(WINDOW - start)..].to_vec();
                window.extend_from_slice(&data[..start]);
                deflate_run(&window, run, fin, level, &mut out)?;
            }
        }
    }
    Ok(Compressed { deflate: out, crc })
}

/// How a segment is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Random-looking bytes: stored as they are.
    Stored,
    /// Bytes with no repeats for matches to use: Huffman codes alone.
    Literals,
    /// Bytes with repeats: full deflate.
    Matches,
}

/// Consecutive segments of one kind.
struct Run {
    start: usize,
    end: usize,
    kind: Kind,
    /// How often each byte value occurs in it (counted for [`Kind::Literals`] runs only).
    counts: [u64; 256],
}

/// The runs of consecutive segments of `data` of one kind.
fn runs(data: &[u8]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut repeats = RepeatTable::new();
    for (i, seg) in data.chunks(SEGMENT).enumerate() {
        let start = i * SEGMENT;
        let kind = repeats.classify(seg);
        let run = match runs.last_mut() {
            Some(run) if run.kind == kind => run,
            _ => {
                runs.push(Run {
                    start,
                    end: start,
                    kind,
                    counts: [0; 256],
                });
                runs.last_mut().expect("just pushed")
            }
        };
        run.end = start + seg.len();
        if kind == Kind::Literals {
            for (sum, c) in run.counts.iter_mut().zip(repeats.counts.iter()) {
                *sum += c;
            }
        }
    }
    runs
}

/// How `seg` is best coded ([`RepeatTable::classify`] with a table of its own).
#[cfg(test)]
pub(super) fn classify(seg: &[u8]) -> Kind {
    RepeatTable::new().classify(seg)
}

/// Slots of the table of 4-byte sequences seen ([`RepeatTable`]): 16 KiB, in the L1 cache.
const SLOTS: usize = 1 << 12;

/// The 4-byte sequences seen in the segment being classified, by hash (one sequence per slot,
/// the latest; a segment is shorter than deflate's window, so every one is within reach). One
/// table per block, cleared for each segment.
struct RepeatTable {
    slots: Vec<u32>,
    /// The byte counts of the segment classified last, unless it was [`Kind::Matches`].
    counts: [u64; 256],
}

impl RepeatTable {
    fn new() -> RepeatTable {
        RepeatTable {
            slots: vec![0; SLOTS],
            counts: [0; 256],
        }
    }

    /// How `seg` is best coded. With few of its 4-byte sequences (sampled at every other
    /// position) repeating, under one in 16, matches gain little: then if its byte values are
    /// about evenly spread Huffman codes gain nothing either (compressed or encrypted data:
    /// [`Kind::Stored`]), else Huffman codes alone do what deflate would ([`Kind::Literals`],
    /// e.g. base64). Integer arithmetic on the bytes alone, so every machine decides alike.
    fn classify(&mut self, seg: &[u8]) -> Kind {
        let n = seg.len() as u64;
        if n < 4096 {
            return Kind::Matches;
        }
        // random bytes repeat a 4-byte sequence about n·n / 2³² times (under one in 64 KiB),
        // base64 a few times in a thousand; text repeats them all the time. Below one in 16
        // (a tar header's and its padding's zeros are fewer), matches would save little
        let enough = n / 2 / 16;
        let mut repeats = 0u64;
        self.slots.fill(0);
        for w in seg.windows(4).step_by(2) {
            let quad = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            let slot = (quad.wrapping_mul(0x9E37_79B1) >> 20) as usize;
            if self.slots[slot] == quad {
                repeats += 1;
                if repeats >= enough {
                    return Kind::Matches;
                }
            }
            self.slots[slot] = quad;
        }
        self.counts = byte_counts(seg);
        let counts = &self.counts;
        // for evenly spread bytes 256·Σc² ≈ n² + 256·n; skewed ones give much more
        let sum_sq: u64 = counts.iter().map(|c| c * c).sum();
        if 256 * sum_sq > n * n + n * n / 8 + 1024 * n {
            Kind::Literals
        } else {
            Kind::Stored
        }
    }
}

/// Appends `data` deflated with `window` as the input before it, ending byte-aligned (a
/// sync flush) or ending the stream (`fin`); stored instead when deflate does not make it
/// smaller.
fn deflate_run(
    window: &[u8],
    data: &[u8],
    fin: bool,
    level: u32,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let mut c = Deflate::new_with_config(DeflateConfig {
        level: level as i32,
        window_bits: -15,
        ..DeflateConfig::default()
    });
    if !window.is_empty() {
        c.set_dictionary(window).map_err(deflate_error)?;
    }
    let flush = if fin {
        DeflateFlush::Finish
    } else {
        DeflateFlush::SyncFlush
    };
    let mut deflated = vec![0u8; data.len() + data.len() / 64 + 64];
    let mut written = 0;
    loop {
        let consumed = c.total_in() as usize;
        let before = c.total_out();
        let status = c
            .compress(&data[consumed..], &mut deflated[written..], flush)
            .map_err(deflate_error)?;
        written += (c.total_out() - before) as usize;
        let done_input = c.total_in() as usize == data.len();
        let room = written < deflated.len();
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError if done_input && room && !fin => break,
            _ => {}
        }
        if !data.is_empty() && written > data.len() {
            // already larger than the input: it goes stored
            break;
        }
        deflated.resize(deflated.len() + (64 << 10), 0);
    }
    if !data.is_empty() && written >= data.len() {
        push_stored_run(out, data, fin);
    } else {
        out.extend_from_slice(&deflated[..written]);
    }
    Ok(())
}

fn deflate_error(e: zlib_rs::DeflateError) -> io::Error {
    io::Error::other(format!("deflate: {}", e.as_str()))
}

/// Appends `data` (not empty) as stored deflate blocks, the last one final when `fin`.
fn push_stored_run(out: &mut Vec<u8>, data: &[u8], fin: bool) {
    let mut chunks = data.chunks(MAX_STORED).peekable();
    while let Some(chunk) = chunks.next() {
        push_stored(out, chunk, fin && chunks.peek().is_none());
    }
}

/// Appends one stored block (at most [`MAX_STORED`] bytes), final when `fin`.
fn push_stored(out: &mut Vec<u8>, chunk: &[u8], fin: bool) {
    let len = chunk.len() as u16;
    out.push(u8::from(fin));
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(chunk);
}
