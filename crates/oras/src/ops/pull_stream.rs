//! Pulling one layer's bytes into a writer (standard output): the layer is picked by its file
//! name and streamed, verified on the way.

use std::sync::Arc;

use oras_spec::{Descriptor, SuccessorView, media_type};
use tokio::io::AsyncWrite;

use super::blob::{BlobOutput, fetch_blob};
use super::pull::PullOptions;
use super::select::resolve_selected;
use crate::content::{ReadOnlyGraphTarget, verify};
use crate::error::{Error, ErrorKind, Result};
use crate::events::Event;
use crate::limits::DEFAULT_MAX_METADATA_BYTES;

/// What a pull into a writer wrote.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PulledLayer {
    /// The manifest pulled from.
    pub manifest: Descriptor,
    /// The layer written.
    pub layer: Descriptor,
}

/// Resolves `reference` in `src` (with [`PullOptions::platform`] for an index, and the referrer
/// [`PullOptions::referrer`] picks, if any) and writes the
/// bytes of one of its layers into `writer`, exactly as stored (a directory layer is its
/// tar+gzip). The layer is the one whose title (`org.opencontainers.image.title`) is
/// `select`, or without `select` the only layer that has a title; none, or several without
/// `select`, is an error that lists the titles, before anything is written. The bytes are
/// verified as they stream: when they turn out not to be the layer's (size or digest), or the
/// transfer fails, the error comes after some were written; they cannot be taken back, and the
/// caller must discard them. The observer gets [`Event::Resolved`] (and
/// [`Event::ReferrerSelected`]), then [`Event::Started`]
/// and [`Event::Done`] for the layer; the other pull options do not apply.
pub async fn pull_to_writer(
    src: Arc<dyn ReadOnlyGraphTarget>,
    reference: &str,
    select: Option<&str>,
    writer: &mut (dyn AsyncWrite + Unpin + Send),
    opts: &PullOptions,
) -> Result<PulledLayer> {
    let root = resolve_selected(
        &*src,
        reference,
        opts.platform.as_ref(),
        opts.referrer.as_ref(),
        &*opts.observer,
    )
    .await?;
    if media_type::is_index(&root.media_type) || !root.is_manifest() {
        return Err(Error::invalid(format!(
            "{reference}: {} is not an image manifest, it has no layers to write (an index: pick a platform)",
            root.media_type
        )));
    }
    let bytes = verify::fetch_all(&*src, &root, DEFAULT_MAX_METADATA_BYTES).await?;
    let view = SuccessorView::parse(&bytes)
        .map_err(|e| Error::invalid(format!("{}: invalid manifest: {e}", root.digest)))?;
    let layer = pick_layer(&view.layers, select)?;
    opts.observer.on_event(&Event::Started(&layer));
    fetch_blob(&*src, &layer, BlobOutput::Writer(writer))
        .await
        .map_err(|e| {
            e.context(format!(
                "{}: failed to write the layer, discard what was written",
                layer.title().unwrap_or_default()
            ))
        })?;
    opts.observer.on_event(&Event::Done(&layer));
    Ok(PulledLayer {
        manifest: root,
        layer,
    })
}

/// The layer titled `select`, or the only titled one; an error listing the titles otherwise.
fn pick_layer(layers: &[Descriptor], select: Option<&str>) -> Result<Descriptor> {
    let mut titled: Vec<&Descriptor> = Vec::new();
    for l in layers.iter().filter(|l| l.title().is_some()) {
        // one title twice with the same content is one file
        if !titled
            .iter()
            .any(|t| t.title() == l.title() && t.digest == l.digest)
        {
            titled.push(l);
        }
    }
    let titles = || {
        titled
            .iter()
            .filter_map(|l| l.title())
            .map(|t| format!("{t:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if titled.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound,
            "the artifact has no layer with a file name (org.opencontainers.image.title)",
        ));
    }
    let matching: Vec<&Descriptor> = match select {
        Some(name) => titled
            .iter()
            .copied()
            .filter(|l| l.title() == Some(name))
            .collect(),
        None => titled.clone(),
    };
    match (matching.as_slice(), select) {
        ([one], _) => Ok((*one).clone()),
        ([], Some(name)) => Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "the artifact has no layer named {name:?}; its layers are {}",
                titles()
            ),
        )),
        (_, Some(name)) => Err(Error::new(
            ErrorKind::Conflict,
            format!("the artifact has several layers named {name:?}, of different content"),
        )),
        (_, None) => Err(Error::invalid(format!(
            "the artifact has {} layers with a file name, select one of them: {}",
            matching.len(),
            titles()
        ))),
    }
}
