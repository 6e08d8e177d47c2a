//! Resolve a tag in a registry, fetch its manifest and the manifest's layers.
//!
//! `cargo run --example fetch_layers -- <registry/repository> <tag>` (plain HTTP for
//! `localhost` and `127.0.0.1`)

use oras::registry::Repository;
use oras::{ImageManifest, ops};

/// The bytes of every layer of the manifest `tag` names in `repo`, in order (each one
/// verified against its digest).
pub async fn layers(repo: &Repository, tag: &str) -> oras::Result<Vec<Vec<u8>>> {
    let options = ops::FetchOptions::default();
    let (_, bytes) = ops::fetch_manifest(repo, tag, &options).await?;
    let manifest: ImageManifest = serde_json::from_slice(&bytes)?;
    let mut layers = Vec::new();
    for layer in &manifest.layers {
        layers.push(ops::fetch_resolved(repo, layer, &options).await?.to_vec());
    }
    Ok(layers)
}

#[tokio::main]
async fn main() -> oras::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, tag] = args.as_slice() else {
        return Err(oras::Error::invalid(
            "usage: fetch_layers <registry/repository> <tag>",
        ));
    };
    let local = name.starts_with("localhost") || name.starts_with("127.0.0.1");
    let repo = Repository::builder(name)?.plain_http(local).build()?;
    for layer in layers(&repo, tag).await? {
        println!("{} bytes", layer.len());
    }
    Ok(())
}
