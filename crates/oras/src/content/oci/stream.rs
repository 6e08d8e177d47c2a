//! Blobs of unknown size and digest (standard input) written into the layout: streamed into a
//! private file in `ingest/` while hashed, then renamed into place under the digest found.

use oras_spec::{Algorithm, Descriptor};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::OciLayout;
use super::blobs::set_readonly;
use crate::content::BlobReader;
use crate::error::{Error, IoContext, Result};

impl OciLayout {
    /// Streams `content` into a temporary file (never held in memory), hashing it, and
    /// commits it as the blob it turned out to be; the temporary file is removed on failure.
    pub(super) async fn write_stream(
        &self,
        media_type: &str,
        mut content: BlobReader,
    ) -> Result<Descriptor> {
        let ingest = self.root.join("ingest");
        tokio::fs::create_dir_all(&ingest)
            .await
            .ctx(format!("failed to create {}", ingest.display()))?;
        let temp = ingest.join(format!(
            "stream-{}.partial",
            crate::content::unique_suffix()
        ));
        let res = async {
            let mut file = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
                .await
                .ctx(format!("failed to create {}", temp.display()))?;
            let mut digester = Algorithm::Sha256.digester();
            let mut buf = vec![0u8; 1 << 20];
            let mut size = 0u64;
            loop {
                let n = content.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                digester.update(&buf[..n]);
                file.write_all(&buf[..n])
                    .await
                    .ctx(format!("failed to write {}", temp.display()))?;
                size += n as u64;
            }
            file.flush().await?;
            let desc = Descriptor::new(media_type, digester.finish(), size);
            let dest = self.blob_path(&desc.digest);
            tokio::fs::create_dir_all(dest.parent().expect("blob path has a parent")).await?;
            if self.blob_size(&desc.digest).await?.is_none() {
                tokio::fs::rename(&temp, &dest).await.map_err(|e| {
                    Error::from(e).context(format!("failed to write {}", dest.display()))
                })?;
                set_readonly(&dest).await;
            }
            Ok::<Descriptor, Error>(desc)
        }
        .await;
        // gone after the rename; still there when the blob existed or anything failed
        let _ = tokio::fs::remove_file(&temp).await;
        res
    }
}
