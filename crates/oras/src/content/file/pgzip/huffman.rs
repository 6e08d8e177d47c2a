//! Deflate blocks of literals alone, for bytes with no repeats for matches to use (base64,
//! for one): one dynamic Huffman block per run, its code built from the run's byte counts,
//! then a table lookup per byte. zlib's Huffman-only strategy codes the same bytes as well
//! but starts a new block, with a new code, every 16 Ki symbols and spends most of its time
//! there. The code depends on the bytes alone (ties broken by symbol), so every machine
//! writes the same block.

/// Literal/length symbols sent: the 256 byte values and the end of the block.
const LITERALS: usize = 257;
/// The end-of-block symbol.
const END: usize = 256;
/// The longest literal code deflate allows.
const MAX_BITS: u8 = 15;
/// The longest code of the code-length alphabet.
const MAX_LENGTH_BITS: u8 = 7;
/// The order the code-length code lengths are sent in (RFC 1951, 3.2.7).
const LENGTH_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Appends `data`, whose byte values occur as often as `bytes` counts, as one block of
/// Huffman-coded literals (the last of the stream when `fin`), ending byte-aligned: an empty
/// stored block follows unless `fin`, as zlib's sync flush writes. Returns false, having
/// appended nothing, when the block would not be smaller than `data` (the caller stores it).
pub(super) fn push_literals(out: &mut Vec<u8>, data: &[u8], bytes: &[u64; 256], fin: bool) -> bool {
    debug_assert_eq!(bytes.iter().sum::<u64>(), data.len() as u64);
    let mut counts = [0u64; LITERALS];
    counts[..256].copy_from_slice(bytes);
    counts[END] = 1;
    let lengths = code_lengths(&counts, MAX_BITS);
    let codes = canonical_codes(&lengths);
    let header = Header::new(&lengths);
    let body_bits: u64 = counts
        .iter()
        .zip(&lengths)
        .map(|(&c, &l)| c * u64::from(l))
        .sum();
    // the block header, the header bits above, the data and the end, then the flush
    let bits = 3 + header.bits() + body_bits + 3 + 7;
    let bytes = bits.div_ceil(8) + if fin { 0 } else { 4 };
    if bytes >= data.len() as u64 {
        return false;
    }
    out.reserve(bytes as usize + 8);
    let mut w = BitWriter::new(out);
    w.put(u32::from(fin), 1);
    w.put(2, 2); // dynamic Huffman codes
    header.write(&mut w);
    // one table entry per byte value: its code in the low bits, its length above
    let table: Vec<u32> = (0..256)
        .map(|b| codes[b] | (u32::from(lengths[b]) << 16))
        .collect();
    for &b in data {
        let e = table[b as usize];
        w.put(e & 0xffff, e >> 16);
    }
    w.put(codes[END], u32::from(lengths[END]));
    if !fin {
        // an empty stored block: its header, padding to a byte, then LEN and NLEN
        w.put(0, 3);
        w.align();
        w.out.extend_from_slice(&[0, 0, 0xff, 0xff]);
    } else {
        w.align();
    }
    true
}

/// How often each byte value occurs in `data` (four tallies, so runs of one value do not
/// wait on each other).
pub(super) fn byte_counts(data: &[u8]) -> [u64; 256] {
    let mut tallies = [[0u32; 256]; 4];
    let mut total = [0u64; 256];
    // u32 tallies cannot overflow within a chunk of this size
    for chunk in data.chunks(1 << 30) {
        let mut quads = chunk.chunks_exact(4);
        for q in &mut quads {
            tallies[0][q[0] as usize] += 1;
            tallies[1][q[1] as usize] += 1;
            tallies[2][q[2] as usize] += 1;
            tallies[3][q[3] as usize] += 1;
        }
        for &b in quads.remainder() {
            tallies[0][b as usize] += 1;
        }
        for t in &mut tallies {
            for (sum, c) in total.iter_mut().zip(t.iter_mut()) {
                *sum += u64::from(*c);
                *c = 0;
            }
        }
    }
    total
}

/// Huffman code lengths for `counts`, none longer than `limit`: a symbol with a count of 0
/// gets none. At least two symbols get a code (the ones with the lowest indexes are added
/// when fewer occur) so the code is complete, as inflaters require. Counts are halved (never
/// to 0) until the longest code fits.
fn code_lengths(counts: &[u64], limit: u8) -> Vec<u8> {
    let mut counts = counts.to_vec();
    let mut used = counts.iter().filter(|&&c| c > 0).count();
    for c in counts.iter_mut() {
        if used >= 2 {
            break;
        }
        if *c == 0 {
            *c = 1;
            used += 1;
        }
    }
    loop {
        let lengths = huffman_lengths(&counts);
        if lengths.iter().all(|&l| l <= limit) {
            return lengths;
        }
        for c in counts.iter_mut().filter(|c| **c > 0) {
            *c = c.div_ceil(2);
        }
    }
}

/// Unlimited Huffman code lengths for `counts` (at least two non-zero): the two lightest
/// nodes are joined until one is left, leaves before joined nodes of the same weight, leaves
/// by symbol.
fn huffman_lengths(counts: &[u64]) -> Vec<u8> {
    let mut leaves: Vec<(u64, usize)> = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(s, &c)| (c, s))
        .collect();
    leaves.sort_unstable();
    let n = leaves.len();
    // nodes 0..n are the leaves in order, n.. the joined ones in the order they were made
    // (their weights never decrease, so they form the second queue)
    let mut weight: Vec<u64> = leaves.iter().map(|l| l.0).collect();
    let mut parent = vec![0usize; 2 * n - 1];
    let (mut next_leaf, mut next_joined) = (0, n);
    for joined in n..2 * n - 1 {
        let mut lightest = || {
            let leaf_first = next_leaf < n
                && (next_joined >= joined || weight[next_leaf] <= weight[next_joined]);
            if leaf_first {
                next_leaf += 1;
                next_leaf - 1
            } else {
                next_joined += 1;
                next_joined - 1
            }
        };
        let (a, b) = (lightest(), lightest());
        weight.push(weight[a] + weight[b]);
        parent[a] = joined;
        parent[b] = joined;
    }
    // depths from the root (the last node) down: a parent always comes after its children
    let mut depth = vec![0u8; 2 * n - 1];
    for node in (0..2 * n - 2).rev() {
        depth[node] = depth[parent[node]].saturating_add(1);
    }
    let mut lengths = vec![0u8; counts.len()];
    for (i, &(_, s)) in leaves.iter().enumerate() {
        lengths[s] = depth[i];
    }
    lengths
}

/// The canonical codes of `lengths` (RFC 1951, 3.2.2), bit-reversed, as deflate sends them
/// (first bit lowest).
fn canonical_codes(lengths: &[u8]) -> Vec<u32> {
    let mut per_length = [0u32; 16];
    for &l in lengths {
        per_length[l as usize] += 1;
    }
    per_length[0] = 0;
    let mut next = [0u32; 16];
    let mut code = 0u32;
    for bits in 1..16 {
        code = (code + per_length[bits - 1]) << 1;
        next[bits] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            if l == 0 {
                return 0;
            }
            let c = next[l as usize];
            next[l as usize] += 1;
            c.reverse_bits() >> (32 - u32::from(l))
        })
        .collect()
}

/// What follows a dynamic block's first three bits: the alphabet sizes, the code-length
/// code, and the literal and distance code lengths coded with it.
struct Header {
    /// The code lengths run-length coded: (symbol 0..19, extra bits, how many extra bits).
    symbols: Vec<(usize, u32, u32)>,
    /// The code-length code's lengths, by symbol.
    lengths: Vec<u8>,
    /// Its codes, by symbol.
    codes: Vec<u32>,
    /// How many code-length code lengths are sent (trailing zeros in [`LENGTH_ORDER`] cut).
    sent: usize,
}

impl Header {
    /// The header for the literal code `literal` (257 lengths). The distance code is two
    /// one-bit codes, never used: as zlib does, so that every inflater takes it.
    fn new(literal: &[u8]) -> Header {
        let mut symbols = run_lengths(literal);
        symbols.extend(run_lengths(&[1, 1]));
        let mut counts = [0u64; 19];
        for &(s, _, _) in &symbols {
            counts[s] += 1;
        }
        let lengths = code_lengths(&counts, MAX_LENGTH_BITS);
        let codes = canonical_codes(&lengths);
        let sent = LENGTH_ORDER
            .iter()
            .rposition(|&s| lengths[s] != 0)
            .map_or(4, |last| (last + 1).max(4));
        Header {
            symbols,
            lengths,
            codes,
            sent,
        }
    }

    /// Its size in bits.
    fn bits(&self) -> u64 {
        let coded: u64 = self
            .symbols
            .iter()
            .map(|&(s, _, extra)| u64::from(self.lengths[s]) + u64::from(extra))
            .sum();
        5 + 5 + 4 + 3 * self.sent as u64 + coded
    }

    fn write(&self, w: &mut BitWriter<'_>) {
        w.put((LITERALS - 257) as u32, 5);
        w.put(2 - 1, 5); // two distance codes
        w.put((self.sent - 4) as u32, 4);
        for &s in &LENGTH_ORDER[..self.sent] {
            w.put(u32::from(self.lengths[s]), 3);
        }
        for &(s, value, extra) in &self.symbols {
            w.put(self.codes[s], u32::from(self.lengths[s]));
            w.put(value, extra);
        }
    }
}

/// `lengths` run-length coded with the code-length alphabet: 0..=15 a length, 16 the
/// previous one 3-6 more times, 17 3-10 zeros, 18 11-138 zeros; as (symbol, extra bits'
/// value, extra bits).
fn run_lengths(lengths: &[u8]) -> Vec<(usize, u32, u32)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lengths.len() {
        let l = lengths[i];
        let run = lengths[i..].iter().take_while(|&&x| x == l).count();
        i += run;
        let mut left = run;
        if l == 0 {
            while left >= 11 {
                let n = left.min(138);
                out.push((18, (n - 11) as u32, 7));
                left -= n;
            }
            if left >= 3 {
                out.push((17, (left - 3) as u32, 3));
                left = 0;
            }
        } else {
            out.push((l as usize, 0, 0));
            left -= 1;
            while left >= 3 {
                let n = left.min(6);
                out.push((16, (n - 3) as u32, 2));
                left -= n;
            }
        }
        out.extend(std::iter::repeat_n((l as usize, 0, 0), left));
    }
    out
}

/// Bits appended to a byte vector first bit lowest, as deflate packs them.
struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    n: u32,
}

impl<'a> BitWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> BitWriter<'a> {
        BitWriter { out, acc: 0, n: 0 }
    }

    /// Appends the low `bits` bits of `value` (at most 16 bits, the rest zero).
    #[inline]
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }

    /// Pads with zeros to a byte boundary and writes out what is pending.
    fn align(&mut self) {
        let bytes = self.n.div_ceil(8) as usize;
        self.out.extend_from_slice(&self.acc.to_le_bytes()[..bytes]);
        self.acc = 0;
        self.n = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// `data` as a raw deflate stream of one literal block, inflated again.
    fn round_trip(data: &[u8], fin: bool) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        if !push_literals(&mut out, data, &byte_counts(data), fin) {
            return None;
        }
        if !fin {
            // end the stream with an empty final stored block
            out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
        }
        let mut back = Vec::new();
        flate2::read::DeflateDecoder::new(&out[..])
            .read_to_end(&mut back)
            .expect("inflates");
        Some(back)
    }

    #[test]
    fn literal_blocks_inflate_to_their_bytes() {
        let base64: Vec<u8> = (0..100_000u32)
            .map(|i| {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [(i.wrapping_mul(2_654_435_761) >> 26) as usize]
            })
            .collect();
        let one_value = vec![b'a'; 5000];
        let two_values: Vec<u8> = (0..5000).map(|i| if i % 7 == 0 { 1 } else { 2 }).collect();
        for data in [&base64, &one_value, &two_values] {
            for fin in [false, true] {
                assert_eq!(round_trip(data, fin).as_deref(), Some(&data[..]));
            }
        }
    }

    #[test]
    fn as_small_as_zlibs_huffman_only_blocks() {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut x = 1u64;
        let base64: Vec<u8> = (0..256 << 10)
            .map(|i| match i % 77 {
                76 => b'\n',
                _ => {
                    x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    alphabet[(x >> 58) as usize]
                }
            })
            .collect();
        let mut ours = Vec::new();
        assert!(push_literals(
            &mut ours,
            &base64,
            &byte_counts(&base64),
            true
        ));
        // zlib's Huffman-only strategy (flate2 has no strategy setting)
        let mut c = zlib_rs::Deflate::new_with_config(zlib_rs::DeflateConfig {
            level: 6,
            window_bits: -15,
            strategy: zlib_rs::Strategy::HuffmanOnly,
            ..zlib_rs::DeflateConfig::default()
        });
        let mut theirs = vec![0u8; base64.len() * 2];
        let status = c
            .compress(&base64, &mut theirs, zlib_rs::DeflateFlush::Finish)
            .unwrap();
        assert_eq!(status, zlib_rs::Status::StreamEnd);
        let theirs = c.total_out() as usize;
        assert!(ours.len() <= theirs, "{} > {theirs}", ours.len());
    }

    #[test]
    fn skewed_counts_get_codes_within_the_limit() {
        // counts doubling from one value to the next make a code as long as there are values
        let mut data = Vec::new();
        for v in 0..20u8 {
            data.extend(std::iter::repeat_n(v, 1 << v));
        }
        let mut counts = byte_counts(&data).to_vec();
        counts.push(1); // the end of the block
        assert!(huffman_lengths(&counts).iter().any(|&l| l > MAX_BITS));
        assert!(
            code_lengths(&counts, MAX_BITS)
                .iter()
                .all(|&l| l <= MAX_BITS)
        );
        assert_eq!(round_trip(&data, true).as_deref(), Some(&data[..]));
    }

    #[test]
    fn bytes_that_do_not_shrink_are_left_to_be_stored() {
        let mut x = 7u32;
        let random: Vec<u8> = (0..50_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 8) as u8
            })
            .collect();
        let mut out = vec![9];
        assert!(!push_literals(
            &mut out,
            &random,
            &byte_counts(&random),
            false
        ));
        assert_eq!(out, [9]);
    }

    #[test]
    fn codes_are_complete_prefix_codes() {
        for counts in [
            vec![5u64, 0, 0],
            vec![0, 0, 0, 3],
            vec![1, 1, 1, 1, 1, 100, 7],
        ] {
            let lengths = code_lengths(&counts, MAX_LENGTH_BITS);
            assert!(
                lengths.iter().filter(|&&l| l > 0).count() >= 2,
                "{counts:?}"
            );
            let kraft: f64 = lengths
                .iter()
                .filter(|&&l| l > 0)
                .map(|&l| 0.5f64.powi(i32::from(l)))
                .sum();
            assert_eq!(kraft, 1.0, "{counts:?}: {lengths:?}");
        }
    }
}
