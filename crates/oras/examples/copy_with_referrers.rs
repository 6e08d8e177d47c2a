//! Copy an artifact and its referrers from an OCI image layout to a registry (or back: swap
//! the targets).
//!
//! `cargo run --example copy_with_referrers -- <layout dir> <tag> <registry/repository>`

use std::path::Path;
use std::sync::Arc;

use oras::registry::Repository;
use oras::{OciLayout, ops};

/// Copies what `tag` names in the layout at `layout`, with its referrers, to `repo` as `tag`.
pub async fn copy_to_registry(
    layout: &Path,
    tag: &str,
    repo: Arc<Repository>,
) -> oras::Result<ops::Copied> {
    let src = Arc::new(OciLayout::open(layout)?);
    let options = ops::CopyOptions::default().referrers(true);
    ops::copy(src, tag, repo, tag, &options).await
}

#[tokio::main]
async fn main() -> oras::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [layout, tag, name] = args.as_slice() else {
        return Err(oras::Error::invalid(
            "usage: copy_with_referrers <layout> <tag> <registry/repository>",
        ));
    };
    let local = name.starts_with("localhost") || name.starts_with("127.0.0.1");
    let repo = Arc::new(Repository::builder(name)?.plain_http(local).build()?);
    let copied = copy_to_registry(layout.as_ref(), tag, repo).await?;
    println!(
        "{} and {} referrers",
        copied.descriptor.digest,
        copied.referrers.len()
    );
    Ok(())
}
