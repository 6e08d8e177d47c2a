//! Directories packed as layers: a tar of the tree (entries in file-name order, names prefixed
//! with the layer's title, uid/gid 0, no user or group names, symlinks kept as links)
//! compressed with gzip (no name or time in its header; compressed in parallel blocks whose
//! bytes do not depend on the number of cores, see `pgzip`), with the digests of the tar and of
//! the gzip stream computed on the way. Entries carry the files' modification times, or one
//! fixed time for a reproducible layer: then the same tree gives the same bytes wherever and
//! whenever it is packed, whatever the files' times, owners or the order a directory lists
//! them in (their permission bits are kept: they are content).

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use oras_spec::{Digest, Digester};

use super::pgzip::GzWriter;
use crate::content::StagedStream;
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

/// Packed bytes from this many on are offered to the destination while the packing goes on
/// (a smaller layer is uploaded as any file, once packed).
const STAGE_FROM: usize = 4 << 20;

/// Asks the destination for a stream to take the packed bytes ahead
/// ([`crate::content::Storage::stage_stream`]).
pub(super) type Offer = Box<dyn FnOnce() -> Option<StagedStream> + Send>;

/// Where the packed bytes go: the file, and once there are [`STAGE_FROM`] of them, the
/// destination's stream too (if it takes one; if it stops taking bytes, the file alone).
struct Tee<W> {
    file: W,
    stage: Stage,
}

enum Stage {
    /// Not offered yet: the bytes so far, and the offer.
    Holding(Vec<u8>, Option<Offer>),
    Streaming(StagedStream),
    Off,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write_all(buf)?;
        self.stage = match std::mem::replace(&mut self.stage, Stage::Off) {
            Stage::Holding(mut held, offer) => {
                held.extend_from_slice(buf);
                if held.len() < STAGE_FROM {
                    Stage::Holding(held, offer)
                } else {
                    match offer.and_then(|o| o()) {
                        Some(s) if s.send(&held) => Stage::Streaming(s),
                        _ => Stage::Off,
                    }
                }
            }
            Stage::Streaming(s) if s.send(buf) => Stage::Streaming(s),
            _ => Stage::Off,
        };
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Packs `dir` as a tar (entries prefixed with `name`) compressed with gzip into `out`; with
/// `mtime` (seconds since the UNIX epoch) every entry gets that time instead of its own. With
/// `offer`, the destination may take the bytes while they are written (see [`Tee`]); its
/// stream ends when the packing does. Returns (tar digest, gzip digest, gzip size).
pub(super) fn pack_directory(
    dir: &Path,
    name: &str,
    out: &Path,
    mtime: Option<u64>,
    offer: Option<Offer>,
) -> Result<(Digest, Digest, u64)> {
    let file = fs::File::create(out).ctx(out.display())?;
    let stage = match offer {
        Some(o) => Stage::Holding(Vec::new(), Some(o)),
        None => Stage::Off,
    };
    let gz_hash = HashingWriter {
        inner: Tee {
            file: io::BufWriter::with_capacity(1 << 20, file),
            stage,
        },
        digester: oras_spec::Algorithm::Sha256.digester(),
        written: 0,
    };
    let gz = GzWriter::new(gz_hash);
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
    let mut tee = gz_hash.inner;
    tee.flush()?;
    // the stream ends here (dropped), after the file has every byte
    drop(tee);
    Ok((tar_digest, gz_hash.digester.finish(), gz_hash.written))
}
