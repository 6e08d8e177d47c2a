//! Reading and writing the layout's blobs (verified, resumable, renamed into place).

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use oras_spec::{Descriptor, Digest};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::content::partial;
use crate::content::{BlobReader, BlobSource, ReadOnlyStorage, Storage};
use crate::error::{Error, Result};

use super::files::open_blob;
use super::{Backend, OciLayout, PlainWithAnnotations};

#[async_trait]
impl ReadOnlyStorage for OciLayout {
    async fn fetch(&self, desc: &Descriptor) -> Result<BlobReader> {
        match &self.backend {
            Backend::Dir => match open_blob(&self.blob_path(&desc.digest)).await {
                Ok(f) => Ok(Box::pin(f)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Err(Error::not_found(&desc.digest))
                }
                Err(e) => Err(e.into()),
            },
            Backend::Tar(entries) => {
                let (off, size) = *entries
                    .get(&Self::blob_name(&desc.digest))
                    .ok_or_else(|| Error::not_found(&desc.digest))?;
                let mut f = tokio::fs::File::open(&self.root).await?;
                f.seek(SeekFrom::Start(off)).await?;
                Ok(Box::pin(f.take(size)))
            }
        }
    }

    async fn exists(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.blob_size(&desc.digest).await?.is_some())
    }

    async fn fetch_range(&self, desc: &Descriptor, offset: u64) -> Result<Option<BlobReader>> {
        let mut reader = match &self.backend {
            Backend::Dir => open_blob(&self.blob_path(&desc.digest)).await?,
            Backend::Tar(entries) => {
                let (off, size) = *entries
                    .get(&Self::blob_name(&desc.digest))
                    .ok_or_else(|| Error::not_found(&desc.digest))?;
                let mut f = tokio::fs::File::open(&self.root).await?;
                f.seek(SeekFrom::Start(off + offset)).await?;
                return Ok(Some(Box::pin(f.take(size.saturating_sub(offset)))));
            }
        };
        reader.seek(SeekFrom::Start(offset)).await?;
        Ok(Some(Box::pin(reader)))
    }

    async fn fetch_source(&self, desc: &Descriptor) -> Result<BlobSource> {
        match &self.backend {
            Backend::Dir => match self.blob_size(&desc.digest).await? {
                Some(_) => Ok(BlobSource::File(self.blob_path(&desc.digest))),
                None => Err(Error::not_found(&desc.digest)),
            },
            Backend::Tar(_) => Ok(BlobSource::Reader(self.fetch(desc).await?)),
        }
    }
}

#[async_trait]
impl Storage for OciLayout {
    async fn resume_point(&self, desc: &Descriptor) -> Result<u64> {
        if !matches!(self.backend, Backend::Dir) || desc.is_manifest() {
            return Ok(0);
        }
        Ok(partial::resume_point(&self.partial_path(&desc.digest), desc).await)
    }

    async fn push_at(&self, expected: &Descriptor, content: BlobSource, offset: u64) -> Result<()> {
        self.writable()?;
        self.write_blob(expected, content, offset).await
    }

    async fn push_stream(&self, media_type: &str, content: BlobReader) -> Result<Descriptor> {
        self.writable()?;
        self.write_stream(media_type, content).await
    }

    async fn push(&self, expected: &Descriptor, content: BlobSource) -> Result<()> {
        self.writable()?;
        if self.blob_size(&expected.digest).await?.is_none() {
            self.write_blob(expected, content, 0).await?;
        }
        if expected.is_manifest() {
            let entry = expected.plain_with_annotations();
            self.update_index(move |idx| {
                if idx.manifests.iter().any(|d| d.digest == entry.digest) {
                    return false;
                }
                idx.manifests.push(entry);
                true
            })
            .await?;
            if let Ok(bytes) = self.read_manifest(expected).await {
                self.graph_index(expected, &bytes);
            }
        }
        Ok(())
    }
}

impl OciLayout {
    /// Writes a blob through its partial file in `ingest/` (continuing from `offset`), verified,
    /// into place, read-only.
    async fn write_blob(
        &self,
        expected: &Descriptor,
        content: BlobSource,
        offset: u64,
    ) -> Result<()> {
        let dest = self.blob_path(&expected.digest);
        let partial = self.partial_path(&expected.digest);
        tokio::fs::create_dir_all(partial.parent().expect("partial path has a parent")).await?;
        tokio::fs::create_dir_all(dest.parent().expect("blob path has a parent")).await?;
        partial::complete(&partial, &dest, expected, content, offset).await?;
        set_readonly(&dest).await;
        Ok(())
    }

    fn partial_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("ingest").join(format!(
            "{}-{}.partial",
            digest.algorithm().name(),
            digest.hex()
        ))
    }
}

pub(super) async fn set_readonly(path: &Path) {
    if let Ok(m) = tokio::fs::metadata(path).await {
        let mut perms = m.permissions();
        perms.set_readonly(true);
        let _ = tokio::fs::set_permissions(path, perms).await;
    }
}
