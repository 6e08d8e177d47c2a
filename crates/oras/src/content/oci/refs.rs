//! Names in the layout: resolving, tagging, listing tags, deleting and predecessors.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use oras_spec::{Descriptor, Digest, annotations, media_type};

use crate::content::{Deleter, PredecessorFinder, Resolver, TagLister, Tagger};
use crate::error::{Error, ErrorKind, Result};

use super::{OciLayout, PlainWithAnnotations, ref_name};

#[async_trait]
impl Resolver for OciLayout {
    async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        if reference.is_empty() {
            return Err(Error::new(ErrorKind::InvalidReference, "missing reference"));
        }
        let digest = Digest::parse(reference).ok();
        {
            let state = self.state.lock().expect("layout state");
            let found = state.index.manifests.iter().find(|d| match &digest {
                Some(dg) => &d.digest == dg,
                None => ref_name(d) == Some(reference),
            });
            if let Some(d) = found {
                return Ok(if digest.is_some() {
                    d.plain()
                } else {
                    d.clone()
                });
            }
        }
        if let Some(dg) = digest
            && let Some(size) = self.blob_size(&dg).await?
        {
            {
                return Ok(Descriptor::new(media_type::OCTET_STREAM, dg, size));
            }
        }
        // just `not found`, as oras-go's OCI store says: the caller knows what it asked for
        Err(Error::new(ErrorKind::NotFound, "not found"))
    }
}

#[async_trait]
impl Tagger for OciLayout {
    async fn tag(&self, desc: &Descriptor, reference: &str) -> Result<()> {
        self.writable()?;
        if self.blob_size(&desc.digest).await?.is_none() {
            return Err(Error::not_found(&desc.digest));
        }
        let mut entry = desc.plain_with_annotations();
        let is_digest = Digest::parse(reference).is_ok_and(|d| d == desc.digest);
        let reference = reference.to_string();
        self.update_index(move |idx| {
            if is_digest {
                if idx.manifests.iter().any(|d| d.digest == entry.digest) {
                    return false;
                }
                idx.manifests.push(entry);
                return true;
            }
            // Move the tag: drop its old entry, keeping the old target listed untagged.
            let old: Vec<Descriptor> = idx
                .manifests
                .iter()
                .filter(|d| ref_name(d) == Some(&reference))
                .cloned()
                .collect();
            idx.manifests.retain(|d| ref_name(d) != Some(&reference));
            for o in old {
                if o.digest != entry.digest && !idx.manifests.iter().any(|d| d.digest == o.digest) {
                    idx.manifests.push(o.plain_with_annotations());
                }
            }
            idx.manifests
                .retain(|d| !(d.digest == entry.digest && ref_name(d).is_none()));
            entry
                .annotations
                .insert(annotations::REF_NAME.to_string(), reference);
            idx.manifests.push(entry);
            true
        })
        .await
    }
}

#[async_trait]
impl PredecessorFinder for OciLayout {
    async fn predecessors(&self, node: &Descriptor) -> Result<Vec<Descriptor>> {
        self.ensure_graph().await?;
        let state = self.state.lock().expect("layout state");
        Ok(state
            .graph
            .as_ref()
            .map(|g| g.predecessors(&node.digest))
            .unwrap_or_default())
    }
}

#[async_trait]
impl TagLister for OciLayout {
    async fn tags(&self, last: Option<&str>) -> Result<Vec<String>> {
        let state = self.state.lock().expect("layout state");
        let mut tags: Vec<String> = state
            .index
            .manifests
            .iter()
            .filter_map(|d| ref_name(d).map(str::to_string))
            .collect();
        tags.sort();
        tags.dedup();
        tags.retain(|t| last.is_none_or(|l| t.as_str() > l));
        Ok(tags)
    }
}

#[async_trait]
impl Deleter for OciLayout {
    /// Deletes a node, then (like oras-go's auto-GC) the successors it leaves dangling that no
    /// tag names, and its referrers, recursively.
    async fn delete(&self, target: &Descriptor) -> Result<()> {
        self.writable()?;
        self.ensure_graph().await?;
        let referrers = if target.is_manifest() {
            self.referrers_of(target).await?
        } else {
            Vec::new()
        };
        let mut dangling = self.delete_one(target).await?;
        while let Some(node) = dangling.pop() {
            let tagged = self
                .index_entries()
                .iter()
                .any(|d| d.digest == node.digest && ref_name(d).is_some());
            if !tagged {
                match self.delete_one(&node).await {
                    Ok(more) => dangling.extend(more),
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        for r in referrers {
            match Box::pin(self.delete(&r)).await {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Removes the `index.json` entry of `tag`; a manifest left without any entry keeps one
    /// with no name, so it stays in the layout (and out of garbage collection).
    async fn untag(&self, tag: &str) -> Result<()> {
        let found = Arc::new(AtomicBool::new(false));
        let seen = found.clone();
        let tag_name = tag.to_string();
        self.update_index(move |idx| {
            let Some(at) = idx
                .manifests
                .iter()
                .position(|d| ref_name(d) == Some(tag_name.as_str()))
            else {
                return false;
            };
            seen.store(true, Ordering::SeqCst);
            let entry = idx.manifests.remove(at);
            if !idx.manifests.iter().any(|d| d.digest == entry.digest) {
                let mut plain = entry;
                plain.annotations.remove(annotations::REF_NAME);
                idx.manifests.insert(at, plain);
            }
            true
        })
        .await?;
        if found.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(Error::not_found(tag))
        }
    }
}

impl OciLayout {
    /// Manifests whose `subject` is `node`.
    async fn referrers_of(&self, node: &Descriptor) -> Result<Vec<Descriptor>> {
        let mut out = Vec::new();
        for p in self.predecessors(node).await? {
            let bytes = match self.read_manifest(&p).await {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if let Ok(view) = oras_spec::SuccessorView::parse(&bytes)
                && view
                    .subject
                    .as_ref()
                    .is_some_and(|s| s.digest == node.digest)
            {
                out.push(p);
            }
        }
        Ok(out)
    }
}
