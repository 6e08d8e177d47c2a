//! oras's status lines (`Uploading 2c26b46b68ff foo.txt`) and progress bars, drawn from an
//! operation's events.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use oras::events::{Event, Observer};
use oras_spec::Descriptor;

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
    /// A manifest's transfer starts (pull says `Processing`).
    pub start_manifest: &'static str,
    /// A transfer ended.
    pub done: &'static str,
    /// The destination had it.
    pub exists: &'static str,
    /// Left out.
    pub skipped: &'static str,
    /// Written under a second name.
    pub restored: &'static str,
}

pub const PUSH_PROMPTS: Prompts = Prompts {
    start: "Uploading",
    start_manifest: "Uploading",
    done: "Uploaded ",
    exists: "Exists   ",
    skipped: "Skipped  ",
    restored: "Restored ",
};
pub const PULL_PROMPTS: Prompts = Prompts {
    start: "Downloading",
    start_manifest: "Processing ",
    done: "Downloaded ",
    exists: "Exists     ",
    skipped: "Skipped    ",
    restored: "Restored   ",
};
pub const COPY_PROMPTS: Prompts = Prompts {
    start: "Copying",
    start_manifest: "Copying",
    done: "Copied ",
    exists: "Exists ",
    skipped: "Skipped",
    restored: "Restored",
};

/// Prints oras's plain status lines for copy events.
pub struct StatusPrinter {
    prompts: Prompts,
    /// Print lines for untitled descriptors too (oras's default "verbose").
    pub verbose: bool,
    /// Print nothing (JSON / template output).
    pub quiet: bool,
    printed: Mutex<HashSet<(String, String)>>,
    tty: Option<Arc<TtyProgress>>,
}

impl StatusPrinter {
    pub fn new(prompts: Prompts, verbose: bool, quiet: bool) -> StatusPrinter {
        StatusPrinter {
            prompts,
            verbose,
            quiet,
            printed: Mutex::default(),
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
            Event::Started(d) if d.is_manifest() => self.print(p.start_manifest, d),
            Event::Started(d) => self.print(p.start, d),
            Event::Done(d) => self.print_once(p.done, d),
            Event::Exists(d) => self.print(p.exists, d),
            Event::Mounted(d, _) => self.print("Mounted", d),
            Event::Skipped(d) => self.print(p.skipped, d),
            Event::Restored(d) => self.print(p.restored, d),
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
