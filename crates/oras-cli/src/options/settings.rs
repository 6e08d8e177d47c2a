//! Transfer settings from environment variables (per registry where they say so), else from
//! the configuration file's section for the registry.

use std::path::PathBuf;

use oras::registry::{ClientOptions, DownloadPolicy, UploadPolicy};

use crate::error::{CliError, CliResult};

/// The upload policy: `ORAS_CHUNK_SIZE` (bytes per chunk) and `ORAS_CHUNKED_ABOVE` (upload
/// blobs larger than this many bytes in chunks); by default monolithic with a chunked fallback.
pub(super) fn upload_policy(registry: &str) -> CliResult<UploadPolicy> {
    let mut p = UploadPolicy::default();
    if let Some(n) = transfer_setting("ORAS_CHUNK_SIZE", registry)? {
        p.chunk_size = n.max(1);
    }
    p.chunked_above = transfer_setting("ORAS_CHUNKED_ABOVE", registry)?;
    p.session_dir = state_dir().map(|d| d.join("uploads"));
    Ok(p)
}

/// The download policy for big blobs: `ORAS_DOWNLOAD_CONNECTIONS` (segments fetched at once;
/// 1, the default, means one request per blob), `ORAS_PARALLEL_ABOVE` (blobs from this many
/// bytes on are fetched in segments) and `ORAS_SEGMENT_SIZE` (bytes per segment).
pub(super) fn download_policy(registry: &str) -> CliResult<DownloadPolicy> {
    let mut p = DownloadPolicy::default();
    if let Some(n) = transfer_setting("ORAS_DOWNLOAD_CONNECTIONS", registry)? {
        p.connections = n.clamp(1, 16) as usize;
    }
    if let Some(n) = transfer_setting("ORAS_PARALLEL_ABOVE", registry)? {
        p.parallel_above = n;
    }
    if let Some(n) = transfer_setting("ORAS_SEGMENT_SIZE", registry)? {
        p.segment_size = n.clamp(64 << 10, 256 << 20);
    }
    Ok(p)
}

/// The read timeout: `ORAS_READ_TIMEOUT` seconds without a byte from the registry (0: wait
/// forever, as oras does); the library's default when unset.
pub(super) fn read_timeout(registry: &str) -> CliResult<Option<std::time::Duration>> {
    Ok(match transfer_setting("ORAS_READ_TIMEOUT", registry)? {
        None => ClientOptions::default().read_timeout,
        Some(0) => None,
        Some(s) => Some(std::time::Duration::from_secs(s)),
    })
}

/// A transfer setting for `registry`: its environment variable `name` ([`env_setting`]), else
/// the configuration file's value of the matching key.
fn transfer_setting(name: &str, registry: &str) -> CliResult<Option<u64>> {
    match env_setting(name, registry)? {
        Some(n) => Ok(Some(n)),
        None => Ok(super::config::for_host(registry)?
            .transfer
            .get(name)
            .copied()),
    }
}

/// A number (bytes, seconds, connections) from an environment variable, per registry: `VAR=N`
/// applies to every registry, `VAR="host:port=N,other=M,N"` sets values for some registries
/// and a default.
fn env_setting(name: &str, registry: &str) -> CliResult<Option<u64>> {
    // Not UTF-8: shown lossily, and the replacement characters fail the number parse below.
    let Some(v) = std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()) else {
        return Ok(None);
    };
    let bad = || {
        CliError::new(format!(
            "invalid {name} {v:?}: expecting a number, or host=number pairs separated by commas"
        ))
    };
    let mut default = None;
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.rsplit_once('=') {
            Some((host, n)) => {
                if host == registry {
                    return n.trim().parse().map(Some).map_err(|_| bad());
                }
            }
            None => default = Some(part.parse().map_err(|_| bad())?),
        }
    }
    Ok(default)
}

/// Where oras keeps state between runs: `$XDG_STATE_HOME/oras` or `~/.local/state/oras`.
fn state_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("oras"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/oras"))
}
