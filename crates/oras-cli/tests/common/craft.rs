//! Hostile artifacts built by the tests: raw tar archives (any name, link text, declared size),
//! directory layers made of them, pushed into an OCI layout with the real binary, and a
//! fingerprint of a tree to prove nothing outside the output directory changed.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::{oras, sha256_file};

/// One tar entry, written byte for byte as given (no name checks, unlike tar libraries).
pub struct Entry {
    pub name: String,
    pub kind: u8,
    pub mode: u32,
    pub mtime: u64,
    pub link: String,
    pub data: Vec<u8>,
    /// The size written in the header (defaults to the data's length).
    pub declared: Option<u64>,
}

impl Entry {
    /// A directory entry.
    pub fn dir(name: &str, mode: u32) -> Entry {
        Entry::new(name, b'5', mode, "", b"")
    }
    /// A regular file.
    pub fn file(name: &str, data: &[u8]) -> Entry {
        Entry::new(name, b'0', 0o644, "", data)
    }
    /// A symbolic link.
    pub fn symlink(name: &str, target: &str) -> Entry {
        Entry::new(name, b'2', 0o777, target, b"")
    }
    /// A hard link to an earlier entry's name.
    pub fn hardlink(name: &str, target: &str) -> Entry {
        Entry::new(name, b'1', 0o644, target, b"")
    }
    fn new(name: &str, kind: u8, mode: u32, link: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.into(),
            kind,
            mode,
            mtime: 1_000_000_000,
            link: link.into(),
            data: data.to_vec(),
            declared: None,
        }
    }
    /// The same entry with another mode.
    pub fn mode(mut self, mode: u32) -> Entry {
        self.mode = mode;
        self
    }
    /// The same entry with another mtime.
    pub fn mtime(mut self, mtime: u64) -> Entry {
        self.mtime = mtime;
        self
    }
    /// The same entry claiming `size` bytes in its header.
    pub fn declared(mut self, size: u64) -> Entry {
        self.declared = Some(size);
        self
    }
}

/// Writes `value` as zero-padded octal with a NUL terminator (it must fit).
fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let s = format!("{value:0digits$o}");
    assert_eq!(
        s.len(),
        digits,
        "{value} does not fit a {digits}-digit field"
    );
    field[..digits].copy_from_slice(s.as_bytes());
    field[digits] = 0;
}

/// A ustar archive of `entries` (with the two closing zero blocks unless `truncate` is set,
/// in which case the archive simply ends after the last entry's data).
pub fn tar(entries: &[Entry], truncate: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut h = [0u8; 512];
        assert!(
            e.name.len() <= 100 && e.link.len() <= 100,
            "short names only"
        );
        h[..e.name.len()].copy_from_slice(e.name.as_bytes());
        octal(&mut h[100..108], e.mode as u64);
        octal(&mut h[108..116], 0);
        octal(&mut h[116..124], 0);
        octal(&mut h[124..136], e.declared.unwrap_or(e.data.len() as u64));
        octal(&mut h[136..148], e.mtime);
        h[156] = e.kind;
        h[157..157 + e.link.len()].copy_from_slice(e.link.as_bytes());
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| b as u32).sum();
        let s = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(s.as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(&e.data);
        if !truncate || e.declared.is_none() {
            let pad = (512 - e.data.len() % 512) % 512;
            out.extend(std::iter::repeat_n(0u8, pad));
        }
    }
    if !truncate {
        out.extend(std::iter::repeat_n(0u8, 1024));
    }
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

/// sha256 of bytes as `sha256:<hex>`.
pub fn digest_of(data: &[u8]) -> String {
    oras_spec::Digest::sha256_of(data).to_string()
}

/// Pushes `tar` as a directory layer titled `title` into the layout `lay` (a tag reference
/// such as `lay:v1`), with the unpack annotations oras sets, using the real binary.
pub fn push_directory_layer(dir: &Path, reference: &str, title: &str, tar: &[u8]) {
    let gz = gzip(tar);
    let file = format!("layer-{}.tar.gz", &digest_of(&gz)[7..19]);
    std::fs::write(dir.join(&file), &gz).expect("write layer");
    let ann = serde_json::json!({
        file.clone(): {
            "org.opencontainers.image.title": title,
            "io.deis.oras.content.digest": digest_of(tar),
            "io.deis.oras.content.unpack": "true",
        }
    });
    let ann_file = format!("{file}.json");
    std::fs::write(dir.join(&ann_file), ann.to_string()).expect("write annotations");
    oras(
        dir,
        &[
            "push",
            "--oci-layout",
            reference,
            "--annotation-file",
            &ann_file,
            &format!("{file}:application/vnd.oci.image.layer.v1.tar+gzip"),
        ],
    )
    .ok();
}

/// Pushes files as layers with the titles given (`(file name, content, title)`).
pub fn push_titled_files(dir: &Path, reference: &str, files: &[(&str, &[u8], &str)]) {
    let mut ann = serde_json::Map::new();
    let mut args = vec![
        "push".to_string(),
        "--oci-layout".into(),
        reference.into(),
        "--annotation-file".into(),
        "titles.json".into(),
    ];
    for (name, data, title) in files {
        std::fs::write(dir.join(name), data).expect("write file");
        ann.insert(
            name.to_string(),
            serde_json::json!({ "org.opencontainers.image.title": title }),
        );
        args.push(name.to_string());
    }
    std::fs::write(
        dir.join("titles.json"),
        serde_json::Value::Object(ann).to_string(),
    )
    .expect("write annotations");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    oras(dir, &args).ok();
}

/// Everything about a tree that a write could change: names, kinds, modes, mtimes, sizes,
/// contents and link targets, sorted. Links are not followed.
pub fn fingerprint(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = std::fs::symlink_metadata(&p).expect("lstat");
        let rel = p
            .strip_prefix(root)
            .expect("below root")
            .display()
            .to_string();
        let what = if m.file_type().is_symlink() {
            format!(
                "link {}",
                std::fs::read_link(&p).expect("readlink").display()
            )
        } else if m.is_dir() {
            for e in std::fs::read_dir(&p).expect("read_dir") {
                stack.push(e.expect("entry").path());
            }
            "dir".to_string()
        } else {
            format!("file {} {}", m.len(), sha256_file(&p))
        };
        out.push(format!(
            "{rel} {what} mode={:o} mtime={}",
            m.permissions().mode(),
            m.mtime()
        ));
    }
    out.sort();
    out
}
