//! Single blobs: fetching one to a file (resumable) or a writer, pushing one from a file or a
//! stream. Every byte is verified against the descriptor while it streams.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use oras_spec::{Algorithm, Descriptor, Digest, media_type};
use tokio::io::AsyncWrite;

use crate::content::verify::{copy_verified, hash_file};
use crate::content::{BlobReader, BlobSource, ReadOnlyStorage, Storage, partial};
use crate::error::{Error, ErrorKind, Result, io_reason};
use crate::events::{Event, NoObserver, Observer};

/// Where [`fetch_blob`] writes a blob.
#[non_exhaustive]
pub enum BlobOutput<'a> {
    /// A file. The blob is staged in a partial file next to it (`.oras-<hex>.partial`) and
    /// renamed into place once verified; a run after an interruption fetches only the missing
    /// bytes when the store can start mid-blob.
    File(&'a Path),
    /// A writer (stdout, a socket), flushed at the end. On an error the bytes written so far
    /// are not the blob: the caller discards them.
    Writer(&'a mut (dyn AsyncWrite + Unpin + Send)),
}

/// Fetches the blob `desc` from `src` into `output`, verifying size and digest as it streams.
///
/// ```no_run
/// # async fn demo() -> oras::Result<()> {
/// use oras::{Digest, OciLayout, Resolver};
/// use oras::ops::{self, BlobOutput};
///
/// let layout = OciLayout::open_read_only("layout")?;
/// let digest = Digest::sha256_of(b"foo");
/// let desc = layout.resolve_blob(&digest).await?;
/// ops::fetch_blob(&layout, &desc, BlobOutput::File("blob.bin".as_ref())).await?;
/// # Ok(()) }
/// ```
pub async fn fetch_blob(
    src: &dyn ReadOnlyStorage,
    desc: &Descriptor,
    output: BlobOutput<'_>,
) -> Result<()> {
    match output {
        BlobOutput::Writer(w) => {
            copy_verified(src.fetch(desc).await?, desc, w).await?;
            Ok(())
        }
        BlobOutput::File(path) => fetch_to_file(src, desc, path).await,
    }
}

/// The blob into `path` through a partial file next to it, continuing an earlier partial when
/// the store can serve the rest.
async fn fetch_to_file(src: &dyn ReadOnlyStorage, desc: &Descriptor, path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staged = dir.join(format!(".oras-{}.partial", desc.digest.hex()));
    let offset = partial::resume_point(&staged, desc).await;
    let rest = if offset > 0 {
        src.fetch_range(desc, offset).await?
    } else {
        None
    };
    let (source, offset) = match rest {
        Some(r) => (BlobSource::Reader(r), offset),
        None => (BlobSource::Reader(src.fetch(desc).await?), 0),
    };
    partial::complete(&staged, path, desc, source, offset).await
}

/// What [`push_blob`] reads.
#[non_exhaustive]
pub enum BlobInput {
    /// A file: hashed first (under the algorithm of `digest` when given) and checked against
    /// `digest` and `size` when they are given; re-read for retries.
    File {
        /// The file.
        path: PathBuf,
        /// The digest it must have.
        digest: Option<Digest>,
        /// The size it must have.
        size: Option<u64>,
    },
    /// A one-shot stream of known digest and size, verified while it is pushed.
    Stream {
        /// The content.
        reader: BlobReader,
        /// Its digest.
        digest: Digest,
        /// Its size in bytes.
        size: u64,
    },
}

/// How to push a blob.
#[derive(Clone)]
#[non_exhaustive]
pub struct PushBlobOptions {
    /// The media type of the returned descriptor (default `application/octet-stream`).
    pub media_type: String,
    /// Receives [`Event::Exists`], or [`Event::Started`] and [`Event::Done`].
    pub observer: Arc<dyn Observer>,
}

impl Default for PushBlobOptions {
    fn default() -> Self {
        PushBlobOptions {
            media_type: media_type::OCTET_STREAM.to_string(),
            observer: Arc::new(NoObserver),
        }
    }
}

/// Pushes a blob to `dst` unless it is there already; returns its descriptor.
pub async fn push_blob(
    dst: &dyn Storage,
    input: BlobInput,
    opts: &PushBlobOptions,
) -> Result<Descriptor> {
    let (digest, size, source) = match input {
        BlobInput::Stream {
            reader,
            digest,
            size,
        } => (digest, size, BlobSource::Reader(reader)),
        BlobInput::File { path, digest, size } => {
            let (d, len) = check_file(&path, digest, size).await?;
            (d, len, BlobSource::File(path))
        }
    };
    let desc = Descriptor::new(opts.media_type.clone(), digest, size);
    let observer = &*opts.observer;
    if dst.exists(&desc).await? {
        observer.on_event(&Event::Exists(&desc));
    } else {
        observer.on_event(&Event::Started(&desc));
        dst.push(&desc, source).await?;
        observer.on_event(&Event::Done(&desc));
    }
    Ok(desc)
}

/// The digest and size of the file at `path`, checked against what the caller expects.
async fn check_file(
    path: &Path,
    digest: Option<Digest>,
    size: Option<u64>,
) -> Result<(Digest, u64)> {
    let meta = tokio::fs::metadata(path).await.map_err(|e| {
        Error::from_io(
            &e,
            format!("failed to stat {}: {}", path.display(), io_reason(&e)),
        )
    })?;
    if let Some(s) = size
        && s != meta.len()
    {
        return Err(Error::new(
            ErrorKind::SizeMismatch,
            format!(
                "input size {s} does not match the actual content size {}",
                meta.len()
            ),
        ));
    }
    let alg = digest
        .as_ref()
        .map(Digest::algorithm)
        .unwrap_or(Algorithm::Sha256);
    let file = path.to_path_buf();
    let (got, _) = tokio::task::spawn_blocking(move || hash_file(&file, alg))
        .await
        .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))??;
    if let Some(want) = digest
        && want != got
    {
        return Err(Error::new(
            ErrorKind::DigestMismatch,
            format!("mismatched digest: expected {want} but got {got}"),
        ));
    }
    Ok((got, meta.len()))
}

setters!(PushBlobOptions {
    /// Sets [`PushBlobOptions::media_type`].
    media_type: String,
    /// Sets [`PushBlobOptions::observer`].
    observer: Arc<dyn Observer>,
});
