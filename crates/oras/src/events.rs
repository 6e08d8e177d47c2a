//! Progress of an operation as one typed stream of events.
//!
//! Every operation in [`crate::ops`] (and the copy engine under them) reports what happens to
//! each node of the graph it moves through an [`Observer`]: a transfer starts, bytes flow, it
//! ends; or the destination already had the node, or a registry mounted it, or it was skipped;
//! tags are set. The `oras` command line renders these events as oras's status lines and
//! progress bars; an embedder can log them, count them or ignore them ([`NoObserver`]).

use oras_spec::Descriptor;

/// One thing that happened during an operation. Events borrow their data: an observer that
/// keeps one clones what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The transfer of a node begins (an upload, a download or a copy).
    Started(&'a Descriptor),
    /// Bytes of a node transferred so far (only sent when [`Observer::wants_progress`]).
    Progress(&'a Descriptor, u64),
    /// A node was transferred and verified.
    Done(&'a Descriptor),
    /// The destination already had the node (and so everything below it).
    Exists(&'a Descriptor),
    /// A registry mounted the blob from the named repository instead of a transfer.
    Mounted(&'a Descriptor, &'a str),
    /// A node was left out: a layer without a file name on `pull`.
    Skipped(&'a Descriptor),
    /// A successor names content that moved (or was found, or mounted) under another title,
    /// e.g. a second file with the same bytes: it was not transferred again. Sent once its
    /// parent is stored, just before the parent's [`Event::Done`].
    Deduplicated(&'a Descriptor),
    /// A manifest was read from the source to find its successors; they move next, the
    /// manifest itself after them ([`Event::Started`]).
    Processing(&'a Descriptor),
    /// A file with the same content as one already written was written under a second name.
    Restored(&'a Descriptor),
    /// A manifest was tagged.
    Tagged(&'a Descriptor, &'a str),
    /// A tag was removed from the manifest it named (which stays).
    Untagged(&'a Descriptor, &'a str),
    /// A reference was resolved to this descriptor (before anything is done with it).
    Resolved(&'a Descriptor),
    /// A referrer of the manifest a reference named was taken in its place
    /// ([`crate::ops::ReferrerSelector`]), before anything is done with it.
    ReferrerSelected {
        /// The manifest the reference named.
        subject: &'a Descriptor,
        /// The referrer taken, as listed (with its artifact type and annotations).
        referrer: &'a Descriptor,
    },
    /// The manifest a reference names is about to be resolved and read (index create and
    /// update, for each manifest they take in).
    Fetching(&'a str),
    /// The manifest a reference named was resolved and read.
    Fetched(&'a Descriptor, &'a str),
    /// An entry for the manifest a reference named was added to an index.
    Added(&'a Descriptor, &'a str),
    /// This entry was removed from an index.
    Removed(&'a Descriptor),
    /// The entries of the index a reference named were merged into an index.
    Merged(&'a Descriptor, &'a str),
    /// A tagged artifact and its referrers were copied and tagged (backup, restore).
    ArtifactCopied {
        /// The artifact's manifest.
        descriptor: &'a Descriptor,
        /// Its tag.
        tag: &'a str,
        /// How many referrers came with it.
        referrers: usize,
    },
}

impl<'a> Event<'a> {
    /// The descriptor the event is about; none before a reference is resolved
    /// ([`Event::Fetching`]).
    pub fn descriptor(&self) -> Option<&'a Descriptor> {
        Some(match *self {
            Event::Started(d)
            | Event::Progress(d, _)
            | Event::Done(d)
            | Event::Exists(d)
            | Event::Mounted(d, _)
            | Event::Skipped(d)
            | Event::Deduplicated(d)
            | Event::Processing(d)
            | Event::Restored(d)
            | Event::Tagged(d, _)
            | Event::Untagged(d, _)
            | Event::Resolved(d)
            | Event::Fetched(d, _)
            | Event::Added(d, _)
            | Event::Removed(d)
            | Event::Merged(d, _)
            | Event::ArtifactCopied { descriptor: d, .. }
            | Event::ReferrerSelected { referrer: d, .. } => d,
            Event::Fetching(_) => return None,
        })
    }
}

/// Receives the events of an operation. Called from the tasks doing the work, so it should
/// return quickly; it must not block on the operation itself.
pub trait Observer: Send + Sync {
    /// One event.
    fn on_event(&self, event: &Event<'_>);

    /// Whether [`Event::Progress`] events are wanted. Counting bytes turns re-readable
    /// sources (files) into streams, so a transfer that must be retried from the start cannot
    /// be; observers that do not draw progress bars leave this `false`.
    fn wants_progress(&self) -> bool {
        false
    }
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    fn on_event(&self, _event: &Event<'_>) {}
}

/// Any closure over events is an observer.
impl<F: Fn(&Event<'_>) + Send + Sync> Observer for F {
    fn on_event(&self, event: &Event<'_>) {
        self(event)
    }
}
