//! Tag listings: `tags/list`, page by page, bounded.

use async_trait::async_trait;
use futures::stream::BoxStream;

use super::Repository;
use crate::content::TagLister;
use crate::error::Result;
use crate::registry::pages::{NameList, collect};

impl Repository {
    /// Lists tags, following `Link` pages; starts after `last` when given.
    pub async fn list_tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        collect(self.tag_list_pages(last)).await
    }

    /// The tags page by page as the registry sends them (after `last` when given).
    pub fn tag_list_pages<'a>(
        &'a self,
        last: Option<&'a str>,
    ) -> BoxStream<'a, Result<Vec<String>>> {
        NameList {
            client: &self.client,
            url: self.url("tags/list"),
            last,
            scopes: self.scopes(&[]),
            max_page_bytes: self.max_metadata,
            field: "tags",
            what: format!(
                "tags of {}/{}",
                self.reference.registry, self.reference.repository
            ),
            limits: self.list,
        }
        .pages()
    }
}

#[async_trait]
impl TagLister for Repository {
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        self.list_tags(last).await
    }

    fn tag_pages<'a>(&'a self, last: Option<&'a str>) -> BoxStream<'a, Result<Vec<String>>> {
        self.tag_list_pages(last)
    }
}
