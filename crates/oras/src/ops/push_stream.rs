//! A layer read from a one-shot stream (standard input): pushed while it is read, before the
//! manifest that lists it is packed.

use std::path::{Component, Path};
use std::sync::Arc;

use oras_spec::{Annotations, Descriptor, annotations, media_type};

use super::artifact::clean_name;
use crate::content::file::FileStore;
use crate::content::{BlobReader, Storage};
use crate::error::{Error, ErrorKind, Result};
use crate::events::{Event, Observer};

/// A layer whose content is a stream of unknown size, read once and never held whole: the
/// destination computes its digest on the way ([`Storage::push_stream`]: a chunked upload to
/// a registry, a temporary blob file in a layout). It becomes the manifest's last layer.
#[non_exhaustive]
pub struct StreamLayer {
    /// Its name in the artifact (`org.opencontainers.image.title`), the path a pull writes.
    pub name: String,
    /// The layer media type; empty: `application/vnd.oci.image.layer.v1.tar`, as for a file.
    pub media_type: String,
    /// Annotations added to the layer's descriptor.
    pub annotations: Annotations,
    /// The content.
    pub reader: BlobReader,
}

impl StreamLayer {
    /// The stream `reader` as a layer named `name`.
    pub fn new(name: impl Into<String>, reader: BlobReader) -> StreamLayer {
        StreamLayer {
            name: name.into(),
            media_type: String::new(),
            annotations: Annotations::new(),
            reader,
        }
    }

    /// The same layer with a media type.
    pub fn with_media_type(mut self, media_type: impl Into<String>) -> StreamLayer {
        self.media_type = media_type.into();
        self
    }

    /// The same layer with annotations added.
    pub fn with_annotations(mut self, annotations: Annotations) -> StreamLayer {
        self.annotations.extend(annotations);
        self
    }
}

/// A stream layer to push while packing, with the observer told when it is stored.
pub(super) struct StreamUpload {
    pub layer: StreamLayer,
    pub observer: Arc<dyn Observer>,
}

impl StreamUpload {
    /// Pushes the stream into `dst`; returns its layer descriptor (title and annotations
    /// added) after reporting it [`Event::Done`] (there is no [`Event::Started`]: its digest
    /// is known only at the end). Its name is checked first, before the stream is read: it
    /// must name a file (not `.`, `..` or `/`), and not one of the files of `packed`
    /// (`<name>: duplicate name`, as for two files of one name).
    pub(super) async fn push(self, dst: &dyn Storage, packed: &FileStore) -> Result<Descriptor> {
        let layer = self.layer;
        check_name(&layer.name, packed)?;
        let mt = if layer.media_type.is_empty() {
            media_type::IMAGE_LAYER
        } else {
            &layer.media_type
        };
        let mut desc = dst.push_stream(mt, layer.reader).await?;
        desc.annotations.extend(layer.annotations);
        desc.annotations
            .insert(annotations::TITLE.into(), layer.name.clone());
        self.observer.on_event(&Event::Done(&desc));
        Ok(desc)
    }
}

/// Refuses a stream name that cannot be a file's, or that a packed file has already.
fn check_name(name: &str, packed: &FileStore) -> Result<()> {
    if !matches!(
        Path::new(name).components().next_back(),
        Some(Component::Normal(_))
    ) {
        return Err(Error::invalid(format!(
            "{name:?}: invalid name for a stream layer: it must name a file"
        )));
    }
    if packed.has_name(name) || packed.has_name(&clean_name(Path::new(name))) {
        return Err(Error::new(
            ErrorKind::Conflict,
            format!("{name}: duplicate name"),
        ));
    }
    Ok(())
}

/// Passes events on except [`Event::Exists`] for the streamed layer: the copy that follows
/// finds it in the destination, where it was just pushed.
pub(super) struct HideStreamed {
    pub inner: Arc<dyn Observer>,
    pub streamed: Descriptor,
}

impl Observer for HideStreamed {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Exists(d) = event
            && d.digest == self.streamed.digest
            && d.title() == self.streamed.title()
        {
            return;
        }
        self.inner.on_event(event);
    }

    fn wants_progress(&self) -> bool {
        self.inner.wants_progress()
    }
}
