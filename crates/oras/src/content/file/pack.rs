//! Directories packed as layers: a tar of the tree (entries in file-name order, names prefixed
//! with the layer's title, uid/gid 0, no user or group names, symlinks kept as links)
//! compressed with gzip (no name or time in its header), with the digests of the tar and of
//! the gzip stream computed on the way. Entries carry the files' modification times, or one
//! fixed time for a reproducible layer: then the same tree gives the same bytes wherever and
//! whenever it is packed, whatever the files' times, owners or the order a directory lists
//! them in (their permission bits are kept: they are content).

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use oras_spec::{Digest, Digester};

use crate::error::{Error, ErrorKind, IoContext, Result};

/// A writer that hashes and counts what passes through.
struct HashingWriter<W> {
    inner: W,
    digester: Digester,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digester.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Packs `dir` as a tar (entries prefixed with `name`) compressed with gzip into `out`; with
/// `mtime` (seconds since the UNIX epoch) every entry gets that time instead of its own.
/// Returns (tar digest, gzip digest, gzip size).
pub(super) fn pack_directory(
    dir: &Path,
    name: &str,
    out: &Path,
    mtime: Option<u64>,
) -> Result<(Digest, Digest, u64)> {
    let file = fs::File::create(out).ctx(out.display())?;
    let gz_hash = HashingWriter {
        inner: io::BufWriter::new(file),
        digester: oras_spec::Algorithm::Sha256.digester(),
        written: 0,
    };
    let gz = flate2::write::GzEncoder::new(gz_hash, flate2::Compression::default());
    let tar_hash = HashingWriter {
        inner: gz,
        digester: oras_spec::Algorithm::Sha256.digester(),
        written: 0,
    };
    let mut builder = tar::Builder::new(tar_hash);
    builder.follow_symlinks(false);
    let prefix = Path::new(name.trim_end_matches('/'));
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir yields children of its root");
        let tar_name = if rel.as_os_str().is_empty() {
            prefix.to_path_buf()
        } else {
            prefix.join(rel)
        };
        let meta = entry.path().symlink_metadata()?;
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("")?;
        header.set_groupname("")?;
        if let Some(t) = mtime {
            header.set_mtime(t);
        }
        let ft = meta.file_type();
        if ft.is_dir() {
            header.set_size(0);
            builder.append_data(&mut header, format!("{}/", tar_name.display()), io::empty())?;
        } else if ft.is_symlink() {
            let target = fs::read_link(entry.path())?;
            header.set_size(0);
            builder.append_link(&mut header, &tar_name, target)?;
        } else if ft.is_file() {
            let f = fs::File::open(entry.path()).ctx(entry.path().display())?;
            header.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut header, &tar_name, f)?;
        }
    }
    let tar_hash = builder.into_inner()?;
    let tar_digest = tar_hash.digester.finish();
    let gz_hash = tar_hash.inner.finish()?;
    let mut w = gz_hash.inner;
    w.flush()?;
    Ok((tar_digest, gz_hash.digester.finish(), gz_hash.written))
}
