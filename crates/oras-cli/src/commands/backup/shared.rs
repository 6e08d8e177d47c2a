//! What backup and restore share: the repository argument, the summary lines, the per-tag
//! lines drawn from [`Event::ArtifactCopied`].

use std::sync::{Arc, Mutex};
use std::time::Instant;

use oras::events::{Event, Observer};
use oras::ops::TagCopied;
use serde_json::{Map, Value, json};

use crate::error::{CliResult, fail, require_flag};
use crate::options::{DistSpecOpts, RemoteOpts, TargetOpts, TargetRef, split_tags};
use crate::output::{Prompts, StatusPrinter, line, tagged_model};

pub const PULL: Prompts = Prompts {
    start: "Pulling  ",
    done: "Pulled   ",
    exists: "Exists   ",
    skipped: "Skipped  ",
    deduplicated: "Skipped  ",
    restored: "Restored ",
    processing: None,
};
pub const PUSH: Prompts = Prompts {
    start: "Pushing  ",
    done: "Pushed   ",
    exists: "Exists   ",
    skipped: "Skipped  ",
    deduplicated: "Skipped  ",
    restored: "Restored ",
    processing: None,
};

/// A required path flag (`--output`, `--input`): oras's errors when it is missing or empty.
pub fn required_path<'a>(value: &'a Option<String>, flag: &str) -> CliResult<&'a str> {
    let path = require_flag(value, flag)?;
    if path.is_empty() {
        return fail(format!("the {flag} path cannot be empty"));
    }
    Ok(path)
}

pub fn seconds(start: Instant) -> String {
    format!("{}s", start.elapsed().as_secs_f64().round() as u64)
}

/// The model of a backup or restore (`--format`): `repository`, then `fields` (paths, sizes),
/// then `artifacts`, one per tag: push's model of its manifest in the repository with the tag
/// as `referenceAsTags` and how many `referrers` went with it.
pub fn summary_model(
    target: &TargetRef,
    fields: Map<String, Value>,
    copied: &[TagCopied],
) -> Value {
    let artifacts: Vec<Value> = copied
        .iter()
        .map(|c| {
            let root = c.descriptor.plain();
            let reference = target.with_digest(&root.digest);
            let tags = std::slice::from_ref(&c.tag);
            let mut m = tagged_model(&reference, &root, &target.path, tags);
            m.insert("referrers".into(), json!(c.referrers));
            Value::Object(m)
        })
        .collect();
    let mut model = Map::new();
    model.insert("repository".into(), json!(target.path));
    model.extend(fields);
    model.insert("artifacts".into(), Value::Array(artifacts));
    Value::Object(model)
}

/// `Found <n> tag(s) in <where>: …`, unless `quiet` (`--format`).
pub fn found_line(n: usize, where_: &str, tags: &[String], quiet: bool) {
    if quiet {
        return;
    }
    if n <= 5 {
        line(format!("Found {n} tag(s) in {where_}: {}", tags.join(", ")));
    } else {
        line(format!("Found {n} tag(s) in {where_}:"));
        for t in tags {
            line(t);
        }
    }
}

/// Parses `registry/repo[:t1,t2]` for backup/restore: no digests, no empty tags.
pub fn parse_repo_ref(
    raw: &str,
    remote: &RemoteOpts,
    dist: &DistSpecOpts,
) -> CliResult<(TargetRef, Vec<String>)> {
    // as oras: digests are refused before the reference is read
    if raw.contains('@') {
        return fail(format!("digest references are not supported: {raw:?}"));
    }
    let (main, extra) = split_tags(raw);
    let opts = TargetOpts {
        remote: remote.clone(),
        ..Default::default()
    };
    let target = opts.parse(&main)?.with_dist(dist)?;
    let mut tags = Vec::new();
    if !target.reference.is_empty() || !extra.is_empty() {
        for t in std::iter::once(target.reference.clone()).chain(extra) {
            if t.is_empty() {
                return fail(format!("empty tag in reference {raw:?}"));
            }
            if let Err(e) = oras_spec::reference::validate_tag(&t) {
                return fail(format!("invalid tag {t:?} in reference {raw:?}: {e}"));
            }
            tags.push(t);
        }
    }
    Ok((target, tags))
}

/// Status lines of the transfers plus one line per tag copied (`Pulled tag v1 with 2
/// referrer(s)`), and what to print once the last tag is done (`Exporting to x.tar`).
pub struct TagLines {
    pub status: StatusPrinter,
    /// The line after a tag, `{tag}` and `{n}` filled in.
    pub per_tag: &'static str,
    /// How many tags there are and the line after the last one, if any.
    pub after_last: Option<(usize, String)>,
    /// Tags done so far.
    pub done: Mutex<usize>,
    /// Print no per-tag lines (`--format`).
    pub quiet: bool,
}

impl TagLines {
    /// How many tags are done (the next one is the one that failed, if any).
    pub fn done(&self) -> usize {
        *self.done.lock().expect("tags done")
    }
}

impl Observer for TagLines {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::ArtifactCopied { tag, referrers, .. } = event {
            if !self.quiet {
                line(
                    self.per_tag
                        .replace("{tag}", tag)
                        .replace("{n}", &referrers.to_string()),
                );
            }
            let mut done = self.done.lock().expect("tags done");
            *done += 1;
            if let Some((n, after)) = &self.after_last
                && *done == *n
                && !self.quiet
            {
                line(after);
            }
            return;
        }
        self.status.on_event(event);
    }

    fn wants_progress(&self) -> bool {
        self.status.wants_progress()
    }
}

/// Shares a [`TagLines`] as the operation's observer and keeps a handle on it.
pub fn observe(lines: TagLines) -> (Arc<TagLines>, Arc<dyn Observer>) {
    let shared = Arc::new(lines);
    (shared.clone(), shared)
}
