//! Property tests of the directory-layer unpacker on hostile archives: valid tars built here,
//! then mutated (bytes flipped, header fields rewritten with a valid checksum, truncated,
//! spliced), and random or damaged gzip streams. Whatever the archive, unpacking never panics,
//! never changes anything outside the layer's directory, never leaves a link that leads out
//! and never hard-links a file inside to one outside.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use oras_spec::Digest;
use oras_test_registry::budget;
use proptest::prelude::*;

use super::unpack_directory;

/// Stand-in for the absolute path of the test's root directory in names and link targets.
const ROOT: &str = "@ROOT@";

/// One entry of a generated archive.
#[derive(Debug, Clone)]
enum Item {
    Dir(String, u32),
    File(String, u32, Vec<u8>),
    Symlink(String, String),
    Hardlink(String, String),
    Other(String, u8),
}

/// A change to the archive's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte (anywhere: header or data).
    Flip(usize, u8),
    /// Rewrite a field of the `n`th header (by index) and fix its checksum.
    Field(usize, Field, Vec<u8>),
    /// Cut the archive at this length (modulo its length).
    Truncate(usize),
    /// Insert bytes at a position.
    Insert(usize, Vec<u8>),
    /// Duplicate a block range at the end (entries repeated, in a later position).
    Repeat(usize, usize),
}

/// Header fields, as (offset, length) in a 512-byte header.
#[derive(Debug, Clone, Copy)]
enum Field {
    Name,
    Mode,
    Size,
    Mtime,
    Type,
    LinkName,
    Magic,
    Prefix,
}

impl Field {
    fn span(self) -> (usize, usize) {
        match self {
            Field::Name => (0, 100),
            Field::Mode => (100, 8),
            Field::Size => (124, 12),
            Field::Mtime => (136, 12),
            Field::Type => (156, 1),
            Field::LinkName => (157, 100),
            Field::Magic => (257, 8),
            Field::Prefix => (345, 155),
        }
    }
}

fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("t".to_string()),
        3 => prop::sample::select(vec!["a", "b", "sub", "f"]).prop_map(str::to_string),
        2 => Just("..".to_string()),
        1 => Just(".".to_string()),
        1 => Just(String::new()),
        1 => Just("pre".to_string()),
        1 => Just("outside".to_string()),
        1 => Just("sentinel".to_string()),
        1 => Just("x".repeat(120)),
        1 => "[a-z\\\\:%*\u{e9}\u{0}-\u{1f}]{1,4}",
    ]
}

fn benign_component() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec!["a", "b", "sub", "f"]).prop_map(str::to_string),
        1 => Just("x".repeat(120)),
        1 => "[a-z\\\\:%*\u{e9}\u{0}-\u{1f}]{1,4}",
    ]
}

/// Names inside the tree of the test's root: mostly plain names below the layer's title (so
/// later entries are reached too), some hostile (`..`, absolute, through links, outside the
/// title); never more `..` than levels between the layer and the top of the test's tree, and
/// absolute only through [`ROOT`].
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (prop::collection::vec(benign_component(), 0..4), any::<bool>()).prop_map(
            |(comps, slash)| {
                let mut s = format!("t/{}", comps.join("/"));
                if slash {
                    s.push('/');
                }
                s
            }
        ),
        1 => hostile_name(),
    ]
}

fn hostile_name() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            6 => Just("t/"),
            1 => Just(""),
            1 => Just("./t/"),
            // absolute names only ever name the test's own tree (a broken unpacker must not
            // write to the host's `/`)
            1 => Just("/@ROOT@/out/"),
            1 => Just("@ROOT@/"),
        ],
        prop::collection::vec(component(), 0..5),
        any::<bool>(),
    )
        .prop_map(|(lead, comps, slash)| {
            let mut s = format!("{lead}{}", comps.join("/"));
            if slash {
                s.push('/');
            }
            s
        })
}

fn link_target() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(benign_component(), 1..3).prop_map(|c| c.join("/")),
        3 => prop::collection::vec(component(), 1..5).prop_map(|c| c.join("/")),
        1 => name(),
        1 => Just("@ROOT@/sentinel".to_string()),
        1 => Just("..".to_string()),
        1 => Just("../../out/sibling".to_string()),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    let mode = prop_oneof![
        Just(0o644u32),
        Just(0o755),
        Just(0o4777),
        Just(0),
        any::<u32>()
    ];
    prop_oneof![
        2 => (name(), mode.clone()).prop_map(|(n, m)| Item::Dir(n, m)),
        4 => (name(), mode, prop::collection::vec(any::<u8>(), 0..700))
            .prop_map(|(n, m, d)| Item::File(n, m, d)),
        2 => (name(), link_target()).prop_map(|(n, l)| Item::Symlink(n, l)),
        1 => (name(), prop_oneof![name(), link_target()]).prop_map(|(n, l)| Item::Hardlink(n, l)),
        1 => (name(), prop::sample::select(b"3467LKgxXAD\0Z".to_vec()))
            .prop_map(|(n, t)| Item::Other(n, t)),
    ]
}

fn field() -> impl Strategy<Value = Field> {
    prop::sample::select(vec![
        Field::Name,
        Field::Mode,
        Field::Size,
        Field::Mtime,
        Field::Type,
        Field::LinkName,
        Field::Magic,
        Field::Prefix,
    ])
}

/// Values for header fields: octal numbers, GNU base-256 numbers (huge, negative), names.
fn field_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<u64>().prop_map(|n| format!("{n:o}").into_bytes()),
        (0u64..4096).prop_map(|n| format!("{n:011o}\0").into_bytes()),
        prop::collection::vec(any::<u8>(), 1..12).prop_map(|mut b| {
            b[0] |= 0x80;
            b
        }),
        Just(vec![0xff; 12]),
        Just(vec![
            0x80, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
        ]),
        name().prop_map(String::into_bytes),
        prop::sample::select(b"0123456789LKgxXADSVMN\0".to_vec()).prop_map(|b| vec![b]),
        Just(b"ustar\x0000".to_vec()),
        Just(b"ustar  \0".to_vec()),
        prop::collection::vec(any::<u8>(), 0..20),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 1u8..).prop_map(|(p, x)| Mutation::Flip(p, x)),
        6 => (any::<usize>(), field(), field_value()).prop_map(|(h, f, v)| Mutation::Field(h, f, v)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..600))
            .prop_map(|(p, b)| Mutation::Insert(p, b)),
        1 => (any::<usize>(), 1usize..4).prop_map(|(s, n)| Mutation::Repeat(s, n)),
    ]
}

/// A tar built by hand (the `tar` builder refuses `..` and absolute names, which hostile
/// archives have). Returns the bytes and the offset of every header.
fn build_tar(items: &[Item], root: &Path) -> (Vec<u8>, Vec<usize>) {
    let root = root.display().to_string();
    let fix = |s: &str| s.replace(ROOT, &root);
    let mut out = Vec::new();
    let mut headers = Vec::new();
    for it in items {
        let (name, kind, mode, link, data): (String, u8, u32, String, &[u8]) = match it {
            Item::Dir(n, m) => (fix(n), b'5', *m, String::new(), &[]),
            Item::File(n, m, d) => (fix(n), b'0', *m, String::new(), d),
            Item::Symlink(n, l) => (fix(n), b'2', 0o777, fix(l), &[]),
            Item::Hardlink(n, l) => (fix(n), b'1', 0o644, fix(l), &[]),
            Item::Other(n, t) => (fix(n), *t, 0o644, String::new(), &[]),
        };
        if name.len() > 100 {
            headers.push(out.len());
            let mut long = name.clone().into_bytes();
            long.push(0);
            push_entry(&mut out, b"././@LongLink", b'L', 0o644, b"", &long);
        }
        if link.len() > 100 {
            headers.push(out.len());
            let mut long = link.clone().into_bytes();
            long.push(0);
            push_entry(&mut out, b"././@LongLink", b'K', 0o644, b"", &long);
        }
        headers.push(out.len());
        push_entry(&mut out, name.as_bytes(), kind, mode, link.as_bytes(), data);
    }
    out.extend_from_slice(&[0u8; 1024]);
    (out, headers)
}

fn push_entry(out: &mut Vec<u8>, name: &[u8], kind: u8, mode: u32, link: &[u8], data: &[u8]) {
    let mut h = [0u8; 512];
    let n = name.len().min(100);
    h[..n].copy_from_slice(&name[..n]);
    h[100..108].copy_from_slice(format!("{:07o}\0", mode & 0o7777777).as_bytes());
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
    h[136..148].copy_from_slice(b"14544262150\0");
    h[156] = kind;
    let l = link.len().min(100);
    h[157..157 + l].copy_from_slice(&link[..l]);
    h[257..265].copy_from_slice(b"ustar  \0");
    set_checksum(&mut h);
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    let pad = (512 - data.len() % 512) % 512;
    out.extend(std::iter::repeat_n(0u8, pad));
}

fn set_checksum(h: &mut [u8]) {
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

fn mutate(tar: &mut Vec<u8>, headers: &[usize], m: &Mutation) {
    match m {
        Mutation::Flip(p, x) if !tar.is_empty() => {
            let len = tar.len();
            tar[p % len] ^= x;
        }
        Mutation::Field(h, f, v) if !headers.is_empty() => {
            let at = headers[h % headers.len()];
            if at + 512 > tar.len() {
                return;
            }
            let (off, len) = f.span();
            let field = &mut tar[at + off..at + off + len];
            field.fill(0);
            let n = v.len().min(len);
            field[..n].copy_from_slice(&v[..n]);
            set_checksum(&mut tar[at..at + 512]);
        }
        Mutation::Truncate(n) => {
            let len = tar.len().max(1);
            tar.truncate(n % len);
        }
        Mutation::Insert(p, b) => {
            let at = p % (tar.len() + 1);
            tar.splice(at..at, b.iter().copied());
        }
        Mutation::Repeat(s, n) => {
            let blocks = tar.len() / 512;
            if blocks == 0 {
                return;
            }
            let start = s % blocks;
            let end = (start + n).min(blocks);
            let copy = tar[start * 512..end * 512].to_vec();
            // before the two zero blocks that end the archive
            let at = tar.len().saturating_sub(1024);
            tar.splice(at..at, copy);
        }
        _ => {}
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// What a path looks like, for before/after comparisons (links never followed).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    kind: &'static str,
    mode: u32,
    ino: u64,
    mtime: (i64, i64),
    content: Vec<u8>,
}

fn snapshot(dir: &Path, skip: &Path, out: &mut BTreeMap<PathBuf, Node>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p == skip {
            continue;
        }
        let Ok(m) = fs::symlink_metadata(&p) else {
            continue;
        };
        let ft = m.file_type();
        let (kind, content) = if ft.is_symlink() {
            let t = fs::read_link(&p).unwrap_or_default();
            ("link", t.into_os_string().into_encoded_bytes())
        } else if ft.is_dir() {
            ("dir", Vec::new())
        } else if ft.is_file() {
            ("file", fs::read(&p).unwrap_or_default())
        } else {
            ("other", Vec::new())
        };
        out.insert(
            p.clone(),
            Node {
                kind,
                mode: m.permissions().mode(),
                ino: m.ino(),
                // a directory's own time changes when its children do; only files count
                mtime: if kind == "dir" {
                    (0, 0)
                } else {
                    (m.mtime(), m.mtime_nsec())
                },
                content,
            },
        );
        if kind == "dir" {
            snapshot(&p, skip, out);
        }
    }
}

/// Everything below `dir` (links not followed): path → (is link, inode).
fn inside(dir: &Path, out: &mut Vec<(PathBuf, bool, u64, u64)>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(m) = fs::symlink_metadata(&p) else {
            continue;
        };
        out.push((p.clone(), m.file_type().is_symlink(), m.ino(), m.nlink()));
        if m.is_dir() {
            inside(&p, out);
        }
    }
}

/// The test's directory tree: `<tmp>/l1/l2/l3/l4` is the root (so that every generated `..`
/// stays below `<tmp>`), `<root>/out` the output directory, `<root>/out/<title>` the target.
struct Scene {
    tmp: tempfile::TempDir,
    root: PathBuf,
    target: PathBuf,
}

fn scene(title: &str, pre_existing: bool) -> Scene {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("l1/l2/l3/l4");
    let out = root.join("out");
    fs::create_dir_all(root.join("outside")).unwrap();
    fs::write(root.join("sentinel"), b"keep me").unwrap();
    fs::write(root.join("outside/file"), b"outside").unwrap();
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("sibling"), b"sibling").unwrap();
    std::os::unix::fs::symlink("../outside", out.join("lnk")).unwrap();
    let target = out.join(title);
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    if pre_existing && title != "." {
        // what an earlier layer or a careless user may have left: a link that leads out
        fs::create_dir_all(&target).unwrap();
        std::os::unix::fs::symlink(root.join("outside"), target.join("pre")).unwrap();
    }
    Scene { tmp, root, target }
}

/// Builds the layer (`make` gets the root's path for absolute names) in a fresh scene,
/// unpacks it and checks the confinement properties.
fn check_unpack(
    title: &str,
    pre_existing: bool,
    make: impl FnOnce(&Path) -> (Vec<u8>, Option<Digest>),
) -> Result<(), TestCaseError> {
    let s = scene(title, pre_existing);
    let (gz, digest) = make(&s.root);
    let gz_path = s.tmp.path().join("layer.tar.gz");
    fs::write(&gz_path, gz).unwrap();
    // with "." the layer's directory is the output directory itself
    let skip = if title == "." {
        s.root.join("out")
    } else {
        s.target.clone()
    };
    let mut before = BTreeMap::new();
    snapshot(s.tmp.path(), &skip, &mut before);
    let mut pre_links = Vec::new();
    inside(&skip, &mut pre_links);

    let res = unpack_directory(&gz_path, &s.target, title, digest.as_ref(), false);

    let mut after = BTreeMap::new();
    snapshot(s.tmp.path(), &skip, &mut after);
    prop_assert_eq!(
        &before,
        &after,
        "something outside the target changed ({:?})",
        res
    );

    let confined = fs::canonicalize(&skip).unwrap_or_else(|_| skip.clone());
    let outside_inodes: Vec<u64> = before
        .values()
        .filter(|n| n.kind == "file")
        .map(|n| n.ino)
        .collect();
    let mut now = Vec::new();
    inside(&skip, &mut now);
    for (p, is_link, ino, nlink) in &now {
        if *is_link {
            if pre_links.iter().any(|(q, ..)| q == p) {
                continue;
            }
            if let Ok(real) = fs::canonicalize(p) {
                prop_assert!(
                    real.starts_with(&confined),
                    "link {} leads to {} outside {} ({:?})",
                    p.display(),
                    real.display(),
                    confined.display(),
                    res
                );
            }
        } else if *nlink > 1 {
            prop_assert!(
                !outside_inodes.contains(ino),
                "{} is a hard link to a file outside ({:?})",
                p.display(),
                res
            );
        }
    }
    if let Err(e) = &res {
        prop_assert!(!e.to_string().is_empty());
    }
    Ok(())
}

fn title() -> impl Strategy<Value = &'static str> {
    prop_oneof![6 => Just("t"), 1 => Just("."), 1 => Just("t/")]
}

proptest! {
    #![proptest_config(budget::config("unpack_directory: generated archives", 48))]

    /// Well-formed archives of hostile entries (names and links that try to lead out).
    #[test]
    fn generated_archives_stay_inside(
        items in prop::collection::vec(item(), 0..10),
        title in title(),
        pre in any::<bool>(),
    ) {
        check_unpack(title, pre, |root| (gzip(&build_tar(&items, root).0), None))?;
    }
}

proptest! {
    #![proptest_config(budget::config("unpack_directory: mutated archives", 96))]

    /// The same archives mutated (header fields with a fixed-up checksum, flipped bytes,
    /// truncation, insertions, repeated blocks); sometimes with their tar digest.
    #[test]
    fn mutated_archives_stay_inside(
        items in prop::collection::vec(item(), 0..8),
        mutations in prop::collection::vec(mutation(), 1..5),
        title in title(),
        pre in any::<bool>(),
        digest in 0u8..3,
    ) {
        check_unpack(title, pre, |root| {
            let (mut tar, headers) = build_tar(&items, root);
            for m in &mutations {
                mutate(&mut tar, &headers, m);
            }
            let d = match digest {
                0 => None,
                1 => Some(Digest::sha256_of(&tar)),
                _ => Some(Digest::sha256_of(b"something else")),
            };
            (gzip(&tar), d)
        })?;
    }
}

proptest! {
    #![proptest_config(budget::config("unpack_directory: gzip streams", 64))]

    /// Random bytes, and valid gzip streams damaged (flipped, truncated, extended).
    #[test]
    fn damaged_gzip_is_an_error(
        items in prop::collection::vec(item(), 0..4),
        random in prop::collection::vec(any::<u8>(), 0..2048),
        kind in 0u8..4,
        at in any::<usize>(),
        x in 1u8..,
    ) {
        check_unpack("t", false, |root| {
            let mut gz = gzip(&build_tar(&items, root).0);
            match kind {
                0 => gz = random.clone(),
                1 => {
                    let len = gz.len();
                    gz[at % len] ^= x;
                }
                2 => gz.truncate(at % gz.len()),
                _ => gz.extend_from_slice(&random),
            }
            (gz, None)
        })?;
    }
}

/// Found by `mutated_archives_stay_inside`: a GNU base-256 mtime past what `SystemTime` holds
/// (here all bits set) panicked with "overflow when adding duration to instant". Such a time
/// is now ignored: the entries are written with the time of the unpack.
#[test]
fn regression_mtime_beyond_system_time() {
    let s = scene("t", false);
    let (mut tar, headers) = build_tar(
        &[
            Item::Dir("t/".into(), 0o755),
            Item::File("t/f".into(), 0o644, b"hi".to_vec()),
        ],
        &s.root,
    );
    for h in 0..headers.len() {
        mutate(
            &mut tar,
            &headers,
            &Mutation::Field(h, Field::Mtime, vec![0xff; 12]),
        );
    }
    let gz_path = s.tmp.path().join("layer.tar.gz");
    fs::write(&gz_path, gzip(&tar)).unwrap();
    unpack_directory(&gz_path, &s.target, "t", None, false).unwrap();
    assert_eq!(fs::read(s.target.join("f")).unwrap(), b"hi");
}
