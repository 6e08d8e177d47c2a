//! Listing the repositories of a registry (its `_catalog`).

use futures::TryStreamExt;
use futures::stream::BoxStream;

use crate::error::Result;
use crate::registry::Registry;

/// Which repositories to list.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ListRepositoriesOptions {
    /// Start after this repository (the registry's `last`).
    pub last: Option<String>,
    /// Only repositories under this namespace: `team` selects `team/app` and
    /// `team/tools/lint`, not `team` itself nor `teams/app`. Empty: every repository.
    pub namespace: String,
}

setters!(ListRepositoriesOptions {
    /// Sets [`ListRepositoriesOptions::last`].
    last: Option<String>,
    /// Sets [`ListRepositoriesOptions::namespace`].
    namespace: String,
});

impl ListRepositoriesOptions {
    /// The prefix of the names the namespace selects (`team/`; empty for every name).
    pub fn prefix(&self) -> String {
        let ns = self.namespace.trim_end_matches('/');
        if ns.is_empty() {
            String::new()
        } else {
            format!("{ns}/")
        }
    }
}

/// The repositories of `registry` that `opts` selects (full names), page by page as the
/// registry sends them (bounded by its [`crate::registry::ListLimits`]). A page may be empty
/// when none of its names is in the namespace.
pub fn list_repositories<'a>(
    registry: &'a Registry,
    opts: &'a ListRepositoriesOptions,
) -> BoxStream<'a, Result<Vec<String>>> {
    let prefix = opts.prefix();
    Box::pin(
        registry
            .repository_pages(opts.last.as_deref())
            .map_ok(move |page| {
                page.into_iter()
                    .filter(|name| name.starts_with(&prefix))
                    .collect()
            }),
    )
}
