//! Attach an SBOM to an artifact in a registry and list the artifact's referrers.
//!
//! `cargo run --example attach_sbom -- <registry/repository> <subject tag> <sbom file>`

use std::path::Path;
use std::sync::Arc;

use oras::registry::Repository;
use oras::{Descriptor, ops};

/// Attaches `sbom` to what `subject` names in `repo`; returns the subject's referrers.
pub async fn attach_sbom(
    repo: Arc<Repository>,
    subject: &str,
    sbom: &Path,
) -> oras::Result<Vec<Descriptor>> {
    let sbom = [ops::FileLayer::new(sbom)];
    let spdx = "application/spdx+json";
    ops::attach(repo.clone(), subject, spdx, &sbom, &Default::default()).await?;
    let tree = ops::discover(repo.as_ref(), subject, &Default::default()).await?;
    Ok(tree.referrers.into_iter().map(|r| r.descriptor).collect())
}

#[tokio::main]
async fn main() -> oras::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, subject, sbom] = args.as_slice() else {
        return Err(oras::Error::invalid(
            "usage: attach_sbom <registry/repository> <tag> <sbom>",
        ));
    };
    let local = name.starts_with("localhost") || name.starts_with("127.0.0.1");
    let repo = Arc::new(Repository::builder(name)?.plain_http(local).build()?);
    for referrer in attach_sbom(repo, subject, sbom.as_ref()).await? {
        println!("{} {}", referrer.digest, referrer.artifact_type);
    }
    Ok(())
}
