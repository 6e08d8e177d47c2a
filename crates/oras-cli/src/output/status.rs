//! oras's status lines (`Uploading 2c26b46b68ff foo.txt`) and progress bars, drawn from an
//! operation's events.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use oras::events::{Event, Observer};
use oras_spec::{Descriptor, annotations};

use super::line;
use crate::progress::TtyProgress;

/// The name a status line shows: the title, else the media type.
pub fn display_name(d: &Descriptor) -> &str {
    d.title().unwrap_or(&d.media_type)
}

/// Prompts of one command's status lines (each already padded as oras pads them).
#[derive(Clone, Copy)]
pub struct Prompts {
    /// A transfer starts.
    pub start: &'static str,
    /// A transfer ended.
    pub done: &'static str,
    /// The destination had it.
    pub exists: &'static str,
    /// Left out (on the terminal: also a second name of content that moved).
    pub skipped: &'static str,
    /// A second name of content that moved under another name (text output).
    pub deduplicated: &'static str,
    /// Written under a second name.
    pub restored: &'static str,
    /// Pull's way: a manifest is announced when it is read (`Downloading` then this prompt),
    /// and each file (digest and title) gets at most one of start, skipped and restored, as
    /// oras notifies once.
    pub processing: Option<&'static str>,
}

pub const PUSH_PROMPTS: Prompts = Prompts {
    start: "Uploading",
    done: "Uploaded ",
    exists: "Exists   ",
    skipped: "Skipped  ",
    deduplicated: "Exists   ",
    restored: "Restored ",
    processing: None,
};
pub const PULL_PROMPTS: Prompts = Prompts {
    start: "Downloading",
    done: "Downloaded ",
    exists: "Exists     ",
    skipped: "Skipped    ",
    deduplicated: "Restored   ",
    restored: "Restored   ",
    processing: Some("Processing "),
};
pub const COPY_PROMPTS: Prompts = Prompts {
    start: "Copying",
    done: "Copied ",
    exists: "Exists ",
    skipped: "Skipped",
    deduplicated: "Skipped",
    restored: "Restored",
    processing: None,
};

/// Prints oras's plain status lines for copy events.
pub struct StatusPrinter {
    prompts: Prompts,
    /// Print lines for untitled descriptors too (oras's default "verbose").
    pub verbose: bool,
    /// Print nothing (JSON / template output).
    pub quiet: bool,
    printed: Mutex<HashSet<(String, String)>>,
    /// Files (digest and title) already announced, with [`Prompts::processing`].
    notified: Mutex<HashSet<String>>,
    tty: Option<Arc<TtyProgress>>,
}

impl StatusPrinter {
    pub fn new(prompts: Prompts, verbose: bool, quiet: bool) -> StatusPrinter {
        StatusPrinter {
            prompts,
            verbose,
            quiet,
            printed: Mutex::default(),
            notified: Mutex::default(),
            tty: None,
        }
    }

    /// Shows progress on the terminal instead of status lines.
    pub fn with_tty(mut self, tty: Option<Arc<TtyProgress>>) -> StatusPrinter {
        self.tty = tty;
        self
    }

    /// Prints `prompt short-digest name`, unless untitled and not verbose.
    pub fn print(&self, prompt: &str, d: &Descriptor) {
        if let Some(t) = &self.tty {
            t.event(prompt, d);
            return;
        }
        if self.quiet || (d.title().is_none() && !self.verbose) {
            return;
        }
        line(format!("{prompt} {} {}", d.digest.short(), display_name(d)));
    }

    /// Prints a line; with [`Prompts::processing`] only for the first line about a file (its
    /// digest and title), as oras's pull notifies once.
    fn notify(&self, prompt: &str, d: &Descriptor) {
        if self.prompts.processing.is_none() || self.mark_notified(d) {
            self.print(prompt, d);
        }
    }

    /// Records that a file (digest and title) was announced; false if it was already.
    fn mark_notified(&self, d: &Descriptor) -> bool {
        let key = format!("{}{}", d.digest, d.title().unwrap_or_default());
        self.notified.lock().expect("printer").insert(key)
    }

    /// Says which referrer was taken in place of the manifest a reference named.
    fn selected(&self, subject: &Descriptor, referrer: &Descriptor) {
        if self.quiet {
            return;
        }
        let created = referrer.annotations.get(annotations::CREATED).map_or_else(
            || "no created annotation".into(),
            |c| format!("created {c}"),
        );
        let text = format!(
            "Selected referrer {} of {} ({created})",
            referrer.digest, subject.digest
        );
        match &self.tty {
            Some(t) => t.note(&text),
            None => line(text),
        }
    }

    /// Prints a line once per (prompt, digest+name).
    pub fn print_once(&self, prompt: &str, d: &Descriptor) {
        let key = (
            prompt.to_string(),
            format!("{}{}", d.digest, display_name(d)),
        );
        if self.printed.lock().expect("printer").insert(key) {
            self.print(prompt, d);
        }
    }
}

impl Observer for StatusPrinter {
    fn on_event(&self, event: &Event<'_>) {
        let p = &self.prompts;
        match *event {
            // the terminal shows a manifest when it is stored, as any other node
            Event::Processing(d) if self.tty.is_none() => {
                if let Some(processing) = p.processing {
                    self.notify(p.start, d);
                    self.print(processing, d);
                }
            }
            Event::Started(d) => self.notify(p.start, d),
            Event::Done(d) => {
                if p.processing.is_some() {
                    self.mark_notified(d);
                }
                self.print_once(p.done, d)
            }
            Event::Exists(d) => self.print(p.exists, d),
            Event::Mounted(d, _) => self.print("Mounted", d),
            Event::Skipped(d) => self.notify(p.skipped, d),
            Event::Deduplicated(d) if self.tty.is_some() => self.print(p.skipped, d),
            Event::Deduplicated(d) => self.notify(p.deduplicated, d),
            Event::Restored(d) => self.notify(p.restored, d),
            Event::ReferrerSelected { subject, referrer } => self.selected(subject, referrer),
            Event::Progress(d, so_far) => {
                if let Some(t) = &self.tty {
                    t.bytes(d, so_far);
                }
            }
            _ => {}
        }
    }

    fn wants_progress(&self) -> bool {
        self.tty.is_some()
    }
}
