//! Listing tags: a target's tags page by page, optionally only some of them.

use futures::TryStreamExt;
use futures::stream::BoxStream;
use oras_spec::Digest;

use crate::content::ReadOnlyGraphTarget;
use crate::error::Result;

/// Which tags to list.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ListTagsOptions {
    /// Start after this tag (a registry's `last`).
    pub last: Option<String>,
    /// Leave out tags that look like digests once their first `-` is a `:`
    /// (`sha256-<hex>`, as the referrers tag schema names its indexes).
    pub exclude_digest_tags: bool,
    /// Only tags that point at this manifest. Each tag is resolved to find out: one request
    /// per tag on a registry.
    pub digest: Option<Digest>,
    /// Only tags that start with this, listed without it (an OCI layout shared by several
    /// images names their tags `<image>:<tag>`). Empty: every tag.
    pub prefix: String,
}

setters!(ListTagsOptions {
    /// Sets [`ListTagsOptions::last`].
    last: Option<String>,
    /// Sets [`ListTagsOptions::exclude_digest_tags`].
    exclude_digest_tags: bool,
    /// Sets [`ListTagsOptions::digest`].
    digest: Option<Digest>,
    /// Sets [`ListTagsOptions::prefix`].
    prefix: String,
});

/// The tags of `target` that `opts` selects, sorted, page by page as the target sends them
/// (a registry's `Link` pages, bounded by its [`crate::registry::ListLimits`]), so a caller
/// can show each page without waiting for the last. A page may be empty when none of its
/// tags was selected.
pub fn list_tags<'a>(
    target: &'a dyn ReadOnlyGraphTarget,
    opts: &'a ListTagsOptions,
) -> BoxStream<'a, Result<Vec<String>>> {
    Box::pin(
        target
            .tag_pages(opts.last.as_deref())
            .and_then(move |page| select(target, opts, page)),
    )
}

/// The tags of `page` that `opts` selects, without its prefix.
async fn select(
    target: &dyn ReadOnlyGraphTarget,
    opts: &ListTagsOptions,
    page: Vec<String>,
) -> Result<Vec<String>> {
    let mut kept = Vec::new();
    for tag in page {
        let Some(name) = tag.strip_prefix(opts.prefix.as_str()) else {
            continue;
        };
        if opts.exclude_digest_tags && is_digest_tag(name) {
            continue;
        }
        if let Some(want) = &opts.digest
            && !target.resolve(&tag).await.is_ok_and(|d| &d.digest == want)
        {
            continue;
        }
        kept.push(name.to_string());
    }
    Ok(kept)
}

/// Whether a tag looks like a digest once its first `-` becomes `:` (referrers tag schema).
fn is_digest_tag(tag: &str) -> bool {
    Digest::parse(&tag.replacen('-', ":", 1)).is_ok()
}
