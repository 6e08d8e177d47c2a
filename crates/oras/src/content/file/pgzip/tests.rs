use std::io::{Read, Write};

use proptest::prelude::*;

use super::block::{Kind, classify};
use super::{BLOCK, GzWriter, LEVEL};

/// Deterministic pseudo-random bytes (xorshift), incompressible.
fn random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Text-like bytes: compressible.
fn text(len: usize) -> Vec<u8> {
    let words = ["layer ", "blob ", "manifest ", "digest ", "tag\n", "oras "];
    let mut out = Vec::with_capacity(len + 16);
    let mut i = 0usize;
    while out.len() < len {
        out.extend_from_slice(words[(i * 7 + i / 3) % words.len()].as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

/// `data` gzipped with `workers` threads, written in pieces of `piece` bytes.
fn gzip(data: &[u8], workers: usize, piece: usize) -> Vec<u8> {
    let mut w = GzWriter::with_workers(Vec::new(), workers, LEVEL);
    for chunk in data.chunks(piece.max(1)) {
        w.write_all(chunk).unwrap();
    }
    w.finish().unwrap()
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn header_is_the_one_flate2_writes_at_the_default_level() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"x").unwrap();
    let theirs = enc.finish().unwrap();
    let ours = gzip(b"x", 2, 1);
    assert_eq!(ours[..10], theirs[..10]);
}

#[test]
fn round_trips_around_the_block_boundary() {
    for len in [
        0,
        1,
        BLOCK - 1,
        BLOCK,
        BLOCK + 1,
        2 * BLOCK,
        3 * BLOCK + 12345,
    ] {
        let mut data = text(len / 2);
        data.extend(random(len - len / 2, len as u64));
        let gz = gzip(&data, 3, 100_000);
        assert_eq!(gunzip(&gz), data, "{len} bytes");
    }
}

#[test]
fn same_bytes_whatever_the_workers_and_the_writes() {
    let mut data = text(2 * BLOCK + 777);
    data.extend(random(BLOCK + 5, 9));
    data.extend(text(BLOCK));
    let one = gzip(&data, 1, BLOCK);
    for (workers, piece) in [(2, 4096), (4, 1), (7, 3 * BLOCK)] {
        if piece == 1 && workers == 4 {
            // byte-sized writes over a smaller input (quick)
            assert_eq!(
                gzip(&data[..BLOCK + 10], workers, piece),
                gzip(&data[..BLOCK + 10], 1, BLOCK)
            );
            continue;
        }
        assert_eq!(gzip(&data, workers, piece), one, "{workers} workers");
    }
}

#[test]
fn random_data_is_stored() {
    let data = random(2 * BLOCK + 100, 3);
    let gz = gzip(&data, 2, 65536);
    assert_eq!(gunzip(&gz), data);
    // stored: 5 bytes per 64 KiB piece, the header and the trailer
    assert!(gz.len() <= data.len() + 18 + 5 * (data.len() / 0xffff + 3));
    // the first block is stored: its first deflate header byte is a non-final stored block
    assert_eq!(gz[10], 0);
}

#[test]
fn compresses_as_well_as_one_stream_does() {
    let data = text(4 * BLOCK);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&data).unwrap();
    let single = enc.finish().unwrap();
    let ours = gzip(&data, 2, 65536);
    assert_eq!(gunzip(&ours), data);
    // the dictionary keeps matches across blocks: each block adds only its flush marker and
    // code tables (this text compresses 170-fold, so they show)
    assert!(
        ours.len() <= single.len() + 64 * 4,
        "{} vs {}",
        ours.len(),
        single.len()
    );
}

#[test]
fn segments_are_told_apart() {
    let seg = 16 << 10;
    assert_eq!(classify(&random(seg, 11)), Kind::Stored);
    assert_eq!(classify(&text(seg)), Kind::Matches);
    // evenly spread bytes that repeat within the window: deflate shrinks them
    let piece = random(1000, 12);
    let repeated: Vec<u8> = piece.iter().copied().cycle().take(seg).collect();
    assert_eq!(classify(&repeated), Kind::Matches);
    // base64 of random bytes: no repeats, but only 64 byte values: Huffman codes alone
    let b64: Vec<u8> = random(seg, 13)
        .iter()
        .map(|b| {
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(b & 63) as usize]
        })
        .collect();
    assert_eq!(classify(&b64), Kind::Literals);
    // a tar header and the padding before it (about 750 zeros) between random files: too few
    // repeats for deflate's matches to pay off (the zeros still make Huffman codes worth it)
    let mut tarred = random(seg, 14);
    tarred[8000..8360].fill(0);
    tarred[8360..8872].copy_from_slice(&tar_header());
    assert_eq!(classify(&tarred), Kind::Literals);
}

/// A ustar header as `tar` writes it for a regular file with a short name.
fn tar_header() -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..10].copy_from_slice(b"d0/f12.bin");
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(b"00000310650\0");
    h[136..148].copy_from_slice(b"14733252150\0");
    h[148..156].copy_from_slice(b"012345\0 ");
    h[156] = b'0';
    h[257..265].copy_from_slice(b"ustar\x0000");
    h[265..269].copy_from_slice(b"root");
    h[297..301].copy_from_slice(b"root");
    h
}

#[test]
fn mixed_blocks_round_trip_and_stay_small() {
    // segments alternate between random and text inside each block
    let mut data = Vec::new();
    for i in 0..12 {
        if i % 2 == 0 {
            data.extend(random(64 << 10, i));
        } else {
            data.extend(text(64 << 10));
        }
    }
    let gz = gzip(&data, 2, 70_000);
    assert_eq!(gunzip(&gz), data);
    assert!(gz.len() < data.len() * 6 / 10, "{}", gz.len());
}

#[test]
fn empty_input_is_a_valid_gzip() {
    let gz = gzip(&[], 2, 1);
    assert!(gunzip(&gz).is_empty());
    assert_eq!(gz.len(), 10 + 2 + 8);
}

#[test]
fn system_gzip_reads_it() {
    let Ok(status) = std::process::Command::new("gzip").arg("--version").output() else {
        return; // no gzip here
    };
    if !status.status.success() {
        return;
    }
    let mut data = text(BLOCK + 3);
    data.extend(random(BLOCK, 5));
    let gz = gzip(&data, 2, 10_000);
    let mut child = std::process::Command::new("gzip")
        .args(["-d", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feed = std::thread::spawn(move || stdin.write_all(&gz).unwrap());
    let out = child.wait_with_output().unwrap();
    feed.join().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, data);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn any_input_round_trips_and_does_not_depend_on_workers(
        len in 0usize..(2 * BLOCK + 100),
        seed in any::<u64>(),
        split in 0usize..(2 * BLOCK + 100),
        workers in 1usize..4,
    ) {
        let cut = split.min(len);
        let mut data = text(cut);
        data.extend(random(len - cut, seed));
        let gz = gzip(&data, workers, 1 + seed as usize % 200_000);
        prop_assert_eq!(&gunzip(&gz), &data);
        prop_assert_eq!(gz, gzip(&data, 1, BLOCK));
    }
}
