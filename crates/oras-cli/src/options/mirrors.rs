//! A registry read through the mirrors its configuration-file section lists (`mirrors`),
//! each one a repository of the same path (below the mirror's own path prefix, if any) on
//! another registry.

use std::sync::Arc;

use oras::content::ReadOnlyGraphTarget;
use oras::content::mirror::MirroredTarget;
use oras::registry::{Repository, RepositoryBuilder, RetryPolicy};
use oras_spec::Reference;

use super::RemoteOpts;
use super::config::for_host;
use super::settings::download_policy;
use crate::error::{CliError, CliResult};

/// `origin` (the repository `reference` names) behind its mirrors, or as it is when its
/// registry has none. `remote` gives the credential files and `--resolve` rules; a mirror
/// gets neither the command line's credentials nor its headers or TLS flags, only its own
/// configuration-file section.
pub fn with_mirrors(
    origin: Arc<Repository>,
    reference: &Reference,
    remote: &RemoteOpts,
) -> CliResult<Arc<dyn ReadOnlyGraphTarget>> {
    let settings = for_host(&reference.registry)?;
    if settings.mirrors.is_empty() {
        return Ok(origin);
    }
    let mut target = MirroredTarget::new(origin).mirror_tags(settings.mirror_tags);
    for mirror in &settings.mirrors {
        target = target.with_mirror(mirror, mirror_repository(mirror, reference, remote)?);
    }
    Ok(Arc::new(target))
}

/// The repository of `reference` on `mirror` (`host[:port][/path]`): tried once more after a
/// failure at most, since the next source is there to take over.
fn mirror_repository(
    mirror: &str,
    reference: &Reference,
    remote: &RemoteOpts,
) -> CliResult<Arc<dyn ReadOnlyGraphTarget>> {
    let at_mirror = Reference::parse(&format!("{mirror}/{}", reference.repository))
        .map_err(|e| CliError::new(format!("mirror {mirror:?}: {e}")))?;
    let host = &at_mirror.registry;
    let opts = RemoteOpts {
        registry_config: remote.registry_config.clone(),
        resolve: remote.resolve.clone(),
        ..RemoteOpts::default()
    };
    let client = opts
        .transport(host)?
        .retry(RetryPolicy::default().max_retries(1u32))
        .credential_store(opts.store())
        .build()?;
    let repo = RepositoryBuilder::new(&at_mirror)
        .client(Arc::new(client))
        .plain_http(opts.plain_http(host))
        .download_policy(download_policy(host)?)
        .build()?;
    Ok(Arc::new(repo))
}
