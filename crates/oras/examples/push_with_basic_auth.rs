//! Push a file to a registry that asks for a username and password, set in code.
//!
//! `ORAS_USER=… ORAS_PASSWORD=… cargo run --example push_with_basic_auth -- <registry/repository> <tag> <file>`

use std::path::Path;
use std::sync::Arc;

use oras::registry::Repository;
use oras::{Descriptor, ops};

/// Pushes `file` to the repository `name` as `tag`, authenticating as `user`.
pub async fn push_with_auth(
    name: &str,
    user: &str,
    password: &str,
    tag: &str,
    file: &Path,
) -> oras::Result<Descriptor> {
    let local = name.starts_with("localhost") || name.starts_with("127.0.0.1");
    let repo = Repository::builder(name)?
        .plain_http(local)
        .basic_auth(user, password)
        .build()?;
    let options = ops::PushOptions::default().tags(vec![tag.to_string()]);
    let pushed = ops::push(Arc::new(repo), &[ops::FileLayer::new(file)], &options).await?;
    Ok(pushed.descriptor)
}

#[tokio::main]
async fn main() -> oras::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, tag, file] = args.as_slice() else {
        return Err(oras::Error::invalid(
            "usage: push_with_basic_auth <registry/repository> <tag> <file>",
        ));
    };
    let user = std::env::var("ORAS_USER").unwrap_or_default();
    let password = std::env::var("ORAS_PASSWORD").unwrap_or_default();
    let pushed = push_with_auth(name, &user, &password, tag, file.as_ref()).await?;
    println!("{}", pushed.digest);
    Ok(())
}
