//! Push a file into an OCI image layout and tag it.
//!
//! `cargo run --example push_to_layout -- <layout dir> <file> <tag>`

use std::path::Path;
use std::sync::Arc;

use oras::{Descriptor, OciLayout, ops};

/// Packs `file` as the one layer of an artifact in the layout at `layout`, tagged `tag`.
pub async fn push_file(layout: &Path, file: &Path, tag: &str) -> oras::Result<Descriptor> {
    let store = Arc::new(OciLayout::open(layout)?);
    let options = ops::PushOptions::default().tags(vec![tag.to_string()]);
    let pushed = ops::push(store, &[ops::FileLayer::new(file)], &options).await?;
    Ok(pushed.descriptor)
}

#[tokio::main]
async fn main() -> oras::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [layout, file, tag] = args.as_slice() else {
        return Err(oras::Error::invalid(
            "usage: push_to_layout <layout> <file> <tag>",
        ));
    };
    let pushed = push_file(layout.as_ref(), file.as_ref(), tag).await?;
    println!("{}", pushed.digest);
    Ok(())
}
