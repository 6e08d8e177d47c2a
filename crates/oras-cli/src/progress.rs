//! TTY progress on stderr, as oras draws it: two lines per blob (spinner, bar, speed, prompt,
//! name, done/total, percent, elapsed; then the digest), redrawn 5 times a second, plus a total
//! line with throughput and ETA (ours). Only used when stderr is a terminal.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oras_spec::Descriptor;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const BAR: usize = 20;

/// Prompts that mean "in progress"; every other prompt ends an item.
const RUNNING: [&str; 6] = [
    "Uploading",
    "Downloading",
    "Copying",
    "Processing ",
    "Pulling  ",
    "Pushing  ",
];

struct Item {
    key: String,
    name: String,
    digest: String,
    prompt: String,
    size: u64,
    done_bytes: u64,
    started: Instant,
    finished: Option<Instant>,
}

struct State {
    items: Vec<Item>,
    lines_drawn: usize,
    frame: usize,
    started: Instant,
}

/// The live progress display.
pub struct TtyProgress {
    state: Mutex<State>,
    stop: tokio::sync::Notify,
}

/// Sizes as oras prints them: `%g %2s` over base-1024 units, about 3 significant digits.
pub fn size_parts(n: u64) -> (f64, &'static str) {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    (v, units[u])
}

/// Sizes as oras prints them in closing lines: `32.2 MB`.
pub fn human_size(n: u64) -> String {
    let (v, unit) = size_parts(n);
    format!("{} {unit}", fmt_num(v))
}

/// A size value with about three significant digits, trailing zeros dropped (`32.2`, `2`).
pub fn fmt_num(v: f64) -> String {
    let s = if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `37  B`, `10.5 MB`.
pub fn fmt_size(n: u64) -> String {
    let (v, u) = size_parts(n);
    format!("{} {u:>2}", fmt_num(v))
}

/// Go's rounded duration text: `0s`, `36ms`, `4s`, `1m40s`.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return if ms == 0 {
            "0s".into()
        } else {
            format!("{ms}ms")
        };
    }
    let s = d.as_secs();
    if s < 60 {
        return format!("{s}s");
    }
    if s < 3600 {
        return format!("{}m{}s", s / 60, s % 60);
    }
    format!("{}h{}m{}s", s / 3600, (s % 3600) / 60, s % 60)
}

fn width() -> usize {
    terminal_size::terminal_size_of(std::io::stderr())
        .map(|(w, _)| w.0 as usize)
        .filter(|w| *w >= 40)
        .unwrap_or(80)
}

fn height() -> usize {
    terminal_size::terminal_size_of(std::io::stderr())
        .map(|(_, h)| h.0 as usize)
        .filter(|h| *h >= 10)
        .unwrap_or(24)
}

/// Printed width of a string, ANSI escape sequences excluded.
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c2 in chars.by_ref() {
                if c2.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

fn truncate(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let keep: String = name.chars().take(max.saturating_sub(1)).collect();
    format!("{keep}.")
}

impl TtyProgress {
    /// Starts the display; it redraws until [`TtyProgress::finish`].
    pub fn start() -> Arc<TtyProgress> {
        let p = Arc::new(TtyProgress {
            state: Mutex::new(State {
                items: Vec::new(),
                lines_drawn: 0,
                frame: 0,
                started: Instant::now(),
            }),
            stop: tokio::sync::Notify::new(),
        });
        let q = p.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(200)) => q.render(false),
                    _ = q.stop.notified() => return,
                }
            }
        });
        p
    }

    /// Draws the final state and stops redrawing.
    pub fn finish(&self) {
        self.stop.notify_one();
        self.render(true);
    }

    /// A status event: a running prompt starts (or updates) an item, any other prompt ends it.
    pub fn event(&self, prompt: &str, d: &Descriptor) {
        let name = d.title().unwrap_or(&d.media_type).to_string();
        let key = format!("{}|{name}", d.digest);
        let running = RUNNING.contains(&prompt);
        let shown = if prompt == "Downloaded " {
            "Pulled     "
        } else {
            prompt
        };
        let mut st = self.state.lock().expect("progress");
        let now = Instant::now();
        match st.items.iter_mut().find(|i| i.key == key) {
            Some(i) => {
                i.prompt = shown.to_string();
                if !running {
                    i.finished = Some(now);
                    i.done_bytes = i.size;
                }
            }
            None => st.items.push(Item {
                key,
                name,
                digest: d.digest.to_string(),
                prompt: shown.to_string(),
                size: d.size,
                done_bytes: if running { 0 } else { d.size },
                started: now,
                finished: (!running).then_some(now),
            }),
        }
    }

    /// A line of text above the items (drawn again below it).
    pub fn note(&self, text: &str) {
        let mut st = self.state.lock().expect("progress");
        let mut out = String::new();
        if st.lines_drawn > 0 {
            out.push_str(&format!("\x1b[{}A", st.lines_drawn));
        }
        out.push_str(&format!("\r\x1b[J{text}\n"));
        st.lines_drawn = 0;
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(out.as_bytes());
        let _ = e.flush();
    }

    /// Bytes of an item moved so far.
    pub fn bytes(&self, d: &Descriptor, so_far: u64) {
        let name = d.title().unwrap_or(&d.media_type);
        let key = format!("{}|{name}", d.digest);
        let mut st = self.state.lock().expect("progress");
        if let Some(i) = st.items.iter_mut().find(|i| i.key == key) {
            i.done_bytes = so_far.min(i.size);
        }
    }

    fn render(&self, last: bool) {
        let mut st = self.state.lock().expect("progress");
        st.frame += 1;
        let w = width();
        let max_items = (height() / 2).saturating_sub(1).max(1);
        let skip = st.items.len().saturating_sub(max_items);
        let mut out = String::new();
        if st.lines_drawn > 0 {
            out.push_str(&format!("\x1b[{}A", st.lines_drawn));
        }
        let mut lines = Vec::new();
        let now = Instant::now();
        for item in st.items.iter().skip(skip) {
            lines.push(self.item_line(item, st.frame, w, now));
            lines.push(truncate(
                &format!("  └─ {}", item.digest),
                w.saturating_sub(1),
            ));
        }
        let total: u64 = st.items.iter().map(|i| i.size).sum();
        let done: u64 = st.items.iter().map(|i| i.done_bytes).sum();
        let elapsed = now.duration_since(st.started);
        let speed = if elapsed.as_secs_f64() > 0.0 {
            done as f64 / elapsed.as_secs_f64()
        } else {
            0.0
        };
        let eta = if speed > 0.0 && total > done {
            fmt_duration(Duration::from_secs_f64((total - done) as f64 / speed))
        } else {
            "0s".into()
        };
        let total_line = format!(
            "  Total {}/{} {}/s ETA {eta} ({})",
            fmt_size(done),
            fmt_size(total),
            fmt_size(speed as u64),
            fmt_duration(elapsed)
        );
        lines.push(truncate(&total_line, w.saturating_sub(1)));
        for l in &lines {
            out.push_str("\r\x1b[2K");
            out.push_str(l);
            out.push('\n');
        }
        st.lines_drawn = lines.len();
        if last {
            st.lines_drawn = 0;
        }
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(out.as_bytes());
        let _ = e.flush();
    }

    fn item_line(&self, i: &Item, frame: usize, width: usize, now: Instant) -> String {
        let elapsed = i.finished.unwrap_or(now).duration_since(i.started);
        let (tv, unit) = size_parts(i.size);
        let scale = if i.size == 0 { 1.0 } else { tv / i.size as f64 };
        let pct = if i.size == 0 {
            100.0
        } else {
            i.done_bytes as f64 * 100.0 / i.size as f64
        };
        let counts = format!(
            "{}/{} {unit:>2} {pct:6.2}% {:>6}",
            fmt_num(i.done_bytes as f64 * scale),
            fmt_num(tv),
            fmt_duration(elapsed)
        );
        let head = if i.finished.is_some() {
            format!("\x1b[32m✓\x1b[0m {} ", i.prompt)
        } else {
            let filled = ((pct / 100.0) * BAR as f64) as usize;
            let secs = elapsed.as_secs_f64();
            let speed = if secs > 0.0 {
                (i.done_bytes as f64 / secs) as u64
            } else {
                0
            };
            format!(
                "\x1b[33m{}\x1b[0m [\x1b[104m{}\x1b[0m{}]({:>7}/s) {} ",
                SPINNER[frame % SPINNER.len()],
                " ".repeat(filled.min(BAR)),
                ".".repeat(BAR - filled.min(BAR)),
                fmt_size(speed),
                i.prompt
            )
        };
        // keep every line shorter than the terminal so it never wraps
        let width = width.saturating_sub(1);
        let visible_head = visible_len(&head);
        let room = width.saturating_sub(visible_head + counts.chars().count() + 1);
        let name = truncate(&i.name, room.max(4));
        let pad =
            width.saturating_sub(visible_head + name.chars().count() + counts.chars().count() + 1);
        format!("{head}{name}{} {counts}", " ".repeat(pad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(37), "37 B");
        assert_eq!(human_size(33_764_147), "32.2 MB");
        assert_eq!(human_size(1_234_803_097), "1.15 GB");
        assert_eq!(human_size(2048), "2 KB");
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_size(37), "37  B");
        assert_eq!(fmt_size(11_010_048), "10.5 MB");
        assert_eq!(fmt_size(1_234_803_097), "1.15 GB");
        assert_eq!(fmt_duration(Duration::from_millis(36)), "36ms");
        assert_eq!(fmt_duration(Duration::from_secs(100)), "1m40s");
        assert_eq!(fmt_duration(Duration::ZERO), "0s");
        assert_eq!(truncate("abcdefgh", 5), "abcd.");
        assert_eq!(visible_len("\x1b[32m✓\x1b[0m ok"), 4);
    }
}
