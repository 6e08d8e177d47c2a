//! Paginated lists (tags, repositories, referrers): the first URL, then each page's
//! same-origin `Link: <…>; rel="next"`, bounded in pages and entries, and never the same page
//! twice, so a registry that links on forever or back to itself ends the walk with an error.

use std::collections::HashSet;

use futures::stream::BoxStream;
use reqwest::header::HeaderMap;
use reqwest::{Method, Response};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::registry::client::{Client, ReqBody, read_limited};

/// Pages of one listing read at most by default: a registry's page holds 100 to 1000 entries,
/// so this is millions of tags; only a registry that links on forever gets there.
pub const DEFAULT_MAX_PAGES: usize = 10_000;
/// Tags or repositories of one listing held at most by default (some 50 MB of names).
pub const DEFAULT_MAX_ENTRIES: usize = 1_000_000;
/// Referrers of one subject listed at most by default (each is a whole descriptor).
pub const DEFAULT_MAX_REFERRERS: usize = 100_000;

/// How much of a paginated list a registry may send before the listing fails with
/// [`ErrorKind::SizeExceedsLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimits {
    /// Pages of one listing.
    pub max_pages: usize,
    /// Tags (or repositories) of one listing.
    pub max_entries: usize,
    /// Referrers of one subject.
    pub max_referrers: usize,
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            max_pages: DEFAULT_MAX_PAGES,
            max_entries: DEFAULT_MAX_ENTRIES,
            max_referrers: DEFAULT_MAX_REFERRERS,
        }
    }
}

/// The next page of a `Link: <url>; rel="next"` header, resolved and required same-origin.
fn next_link(resp: &Response) -> Result<Option<Url>> {
    let Some(link) = resp.headers().get("Link").and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(start) = link.find('<') else {
        return Ok(None);
    };
    let Some(end) = link[start..].find('>') else {
        return Ok(None);
    };
    if !link[start + end..].contains("rel=\"next\"") && !link[start + end..].contains("rel=next") {
        return Ok(None);
    }
    let next = resp
        .url()
        .join(&link[start + 1..start + end])
        .map_err(|e| Error::invalid(format!("invalid Link header: {e}")))?;
    let here = resp.url();
    if next.scheme() != here.scheme()
        || next.host_str() != here.host_str()
        || next.port_or_known_default() != here.port_or_known_default()
    {
        return Err(Error::invalid(format!("refusing cross-origin Link {next}")));
    }
    Ok(Some(next))
}

/// The walk over the pages of one listing.
pub(crate) struct Pages {
    /// What is listed, for errors (`tags of localhost:5000/repo`).
    what: String,
    next: Option<Url>,
    /// Pages fetched (their URLs).
    fetched: HashSet<String>,
    entries: usize,
    max_pages: usize,
    max_entries: usize,
}

impl Pages {
    /// The walk from `first`, for at most `max_pages` pages and `max_entries` entries.
    pub(crate) fn new(first: Url, what: String, max_pages: usize, max_entries: usize) -> Pages {
        Pages {
            what,
            next: Some(first),
            fetched: HashSet::new(),
            entries: 0,
            max_pages,
            max_entries,
        }
    }

    fn exceeded(&self, why: String) -> Error {
        Error::new(
            ErrorKind::SizeExceedsLimit,
            format!("listing {}: {why}", self.what),
        )
    }

    /// The next page to fetch, if any; fails past the page limit, and on a link back to a
    /// page already fetched (a loop).
    pub(crate) fn next_url(&mut self) -> Result<Option<Url>> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        if self.fetched.contains(url.as_str()) {
            return Err(self.exceeded(format!(
                "the registry links back to a page already listed: {}",
                crate::registry::client::redact_url(&url)
            )));
        }
        if self.fetched.len() >= self.max_pages {
            return Err(self.exceeded(format!(
                "more than {} pages: the registry keeps linking to a next page",
                self.max_pages
            )));
        }
        self.fetched.insert(url.as_str().to_string());
        Ok(Some(url))
    }

    /// Takes the link to the next page from the page just fetched.
    pub(crate) fn follow(&mut self, resp: &Response) -> Result<()> {
        self.next = next_link(resp)?;
        Ok(())
    }

    /// Counts `n` more entries; fails past the entry limit.
    pub(crate) fn count(&mut self, n: usize) -> Result<()> {
        self.entries = self.entries.saturating_add(n);
        if self.entries > self.max_entries {
            return Err(self.exceeded(format!("more than {} entries", self.max_entries)));
        }
        Ok(())
    }
}

/// One listing of names (`{"<field>": [...]}` pages), e.g. tags or repositories.
pub(crate) struct NameList<'a> {
    pub client: &'a Client,
    /// The first page (without `last`); an invalid one is the listing's only item, an error.
    pub url: Result<Url>,
    /// Start after this name.
    pub last: Option<&'a str>,
    pub scopes: Vec<String>,
    /// Bytes one page may have.
    pub max_page_bytes: u64,
    /// The JSON field holding the names.
    pub field: &'static str,
    /// What is listed, for errors.
    pub what: String,
    pub limits: ListLimits,
}

impl<'a> NameList<'a> {
    /// The names page by page, as each page arrives.
    pub(crate) fn pages(self) -> BoxStream<'a, Result<Vec<String>>> {
        let mut url = match &self.url {
            Ok(u) => u.clone(),
            Err(e) => return Box::pin(futures::stream::once(std::future::ready(Err(e.clone())))),
        };
        if let Some(l) = self.last.filter(|l| !l.is_empty()) {
            url.query_pairs_mut().append_pair("last", l);
        }
        let pages = Pages::new(
            url,
            self.what.clone(),
            self.limits.max_pages,
            self.limits.max_entries,
        );
        Box::pin(futures::stream::try_unfold(
            (self, pages),
            |(list, mut pages)| async move {
                let Some(u) = pages.next_url()? else {
                    return Ok(None);
                };
                let page = list.page(u, &mut pages).await?;
                Ok(Some((page, (list, pages))))
            },
        ))
    }

    async fn page(&self, url: Url, pages: &mut Pages) -> Result<Vec<String>> {
        let resp = self
            .client
            .send(
                Method::GET,
                url,
                HeaderMap::new(),
                ReqBody::Empty,
                &self.scopes,
            )
            .await?;
        if resp.status().as_u16() != 200 {
            return Err(Client::error(&Method::GET, resp).await);
        }
        pages.follow(&resp)?;
        let body = read_limited(resp, self.max_page_bytes as usize).await?;
        let page: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| Error::invalid(format!("invalid {} list: {e}", self.field)))?;
        let names: Vec<String> = page
            .get(self.field)
            .and_then(|v| v.as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        pages.count(names.len())?;
        Ok(names)
    }
}

/// Every name of a listing.
pub(crate) async fn collect(mut pages: BoxStream<'_, Result<Vec<String>>>) -> Result<Vec<String>> {
    use futures::TryStreamExt;
    let mut out = Vec::new();
    while let Some(page) = pages.try_next().await? {
        out.extend(page);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_entries_are_bounded() {
        let first = Url::parse("http://r.test/v2/a/tags/list").unwrap();
        let mut p = Pages::new(first.clone(), "tags of r.test/a".into(), 2, 3);
        assert_eq!(p.next_url().unwrap(), Some(first.clone()));
        p.count(2).unwrap();
        p.next = Some(first.join("?last=b").unwrap());
        assert!(p.next_url().unwrap().is_some());
        p.next = Some(first.join("?last=c").unwrap());
        let e = p.next_url().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
        assert!(e.message().contains("more than 2 pages"), "{e}");
        let mut looping = Pages::new(first.clone(), "tags of r.test/a".into(), 5, 5);
        looping.next_url().unwrap();
        looping.next = Some(first.clone());
        let e = looping.next_url().unwrap_err();
        assert!(
            e.message().contains("links back to a page already listed"),
            "{e}"
        );
        let e = p.count(2).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SizeExceedsLimit);
        assert!(
            e.message()
                .starts_with("listing tags of r.test/a: more than 3 entries"),
            "{e}"
        );
    }
}
