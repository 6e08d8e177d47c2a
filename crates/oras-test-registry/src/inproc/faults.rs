//! The faults a test injects, and the decisions that use them up.

use std::collections::{HashMap, VecDeque};

use axum::http::Method;

use super::Shared;

/// Faults to inject; each one-shot fault is used once.
#[derive(Debug, Default)]
pub struct Faults {
    /// Statuses answered to the next requests (429 gets `Retry-After: 1`).
    pub fail_next: VecDeque<u16>,
    /// After this many more requests, answer the next one with this status (once).
    pub fail_after: Option<(usize, u16)>,
    /// The next blob GET sends this many bytes and then drops the connection.
    pub drop_blob_after: Option<usize>,
    /// Serve blobs with one byte flipped.
    pub corrupt_blobs: bool,
    /// Serve blobs one byte short (with a matching Content-Length).
    pub short_blobs: bool,
    /// Answer manifest requests with a wrong `Docker-Content-Digest`.
    pub lie_digest: bool,
    /// Redirect blob GETs to the side server (another origin).
    pub redirect_blobs: bool,
    /// Refuse request bodies larger than this (413), like a proxy cap.
    pub max_body: Option<usize>,
    /// Add `Warning: 299 - "<text>"` to every response.
    pub warning: Option<String>,
    /// The next blob GET sends this many bytes and then stalls (a hung connection).
    pub stall_blob_after: Option<usize>,
    /// Accept this many more PATCH requests, then stall the next one (once).
    pub stall_patch_after: Option<usize>,
    /// Accept this many more PATCH requests, then answer the next one with this status
    /// (once).
    pub fail_patch_after: Option<(usize, u16)>,
    /// Bytes received in PATCH bodies.
    pub patched_bytes: u64,
    /// Answer blob GETs with the whole blob (200) whatever `Range` asks for.
    pub ignore_range: bool,
    /// Every blob GET sends this many bytes and then stalls (a registry that keeps hanging).
    pub stall_every_blob_after: Option<usize>,
    /// Requests that are never read nor answered (no response headers).
    pub stall_requests: Option<Stall>,
    /// Tag and repository lists come in pages of this many names (unless the request asks
    /// for `n`), each linking to the next with `Link` (`n` and `last`).
    pub page_size: Option<usize>,
    /// Tag, repository and referrers lists link to a next page forever, each page with this
    /// many made-up entries.
    pub endless_pages: Option<usize>,
    /// Tag, repository and referrers lists link to themselves as their next page.
    pub self_link: bool,
    /// Referrers listed for a subject (digest) on top of the real ones: descriptors of
    /// manifests that may not refer to it at all (a lying registry, e.g. a cycle).
    pub extra_referrers: HashMap<String, Vec<serde_json::Value>>,
    /// Answer cross-repository mount requests with a new upload session (202) instead of
    /// mounting, as a registry does when the credentials cannot read the source.
    pub refuse_mounts: bool,
}

/// Which requests [`Faults::stall_requests`] leaves unanswered.
#[derive(Debug, Clone, Default)]
pub struct Stall {
    /// Only requests of this method (`""`: any).
    pub method: String,
    /// Only requests whose `path?query` contains this.
    pub target: String,
    /// How many more matching requests stall (`usize::MAX`: all of them).
    pub times: usize,
}

/// How long a stalled request or body waits before it gives up (longer than any test).
pub(super) const STALL: std::time::Duration = std::time::Duration::from_secs(600);

/// Whether this request is one [`Faults::stall_requests`] leaves unanswered (counted).
pub(super) fn stalls(s: &Shared, method: &Method, target: &str) -> bool {
    let mut f = s.faults.lock().unwrap();
    let Some(stall) = f.stall_requests.as_mut() else {
        return false;
    };
    let matches = (stall.method.is_empty() || stall.method == method.as_str())
        && target.contains(&stall.target);
    if !matches || stall.times == 0 {
        return false;
    }
    if stall.times != usize::MAX {
        stall.times -= 1;
    }
    true
}

/// The status the fail faults answer this request with, if any: `fail_after` once its count
/// runs out, else the next of `fail_next`.
pub(super) fn injected_status(s: &Shared) -> Option<u16> {
    let mut f = s.faults.lock().unwrap();
    let after = match f.fail_after.as_mut() {
        Some((0, status)) => Some(*status),
        Some((n, _)) => {
            *n -= 1;
            None
        }
        None => None,
    };
    if after.is_some() {
        f.fail_after = None;
    }
    after.or_else(|| f.fail_next.pop_front())
}

/// The status [`Faults::fail_patch_after`] answers this PATCH with, if it is the one.
pub(super) fn failed_patch(s: &Shared) -> Option<u16> {
    let mut f = s.faults.lock().unwrap();
    match f.fail_patch_after {
        Some((0, status)) => {
            f.fail_patch_after = None;
            Some(status)
        }
        Some((n, status)) => {
            f.fail_patch_after = Some((n - 1, status));
            None
        }
        None => None,
    }
}

/// Whether this PATCH is the one [`Faults::stall_patch_after`] stalls (counting down to it).
pub(super) fn stalls_patch(s: &Shared) -> bool {
    let mut f = s.faults.lock().unwrap();
    match f.stall_patch_after {
        Some(0) => {
            f.stall_patch_after = None;
            true
        }
        Some(n) => {
            f.stall_patch_after = Some(n - 1);
            false
        }
        None => false,
    }
}
