//! Output: status lines (non-TTY), JSON models, `--format` handling and Go templates.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Mutex;

use std::sync::Arc;

use oras::copy::CopyHooks;

use crate::progress::TtyProgress;
use oras_spec::{Descriptor, gojson};
use serde_json::{Map, Value, json};

use crate::error::{CliError, CliResult};

/// Exit status of a run whose stdout was closed by its reader (`oras … | head -1`): 128 +
/// SIGPIPE, what a shell reports for a program a broken pipe ended (oras 1.3 dies of the signal).
pub const CLOSED_STDOUT_EXIT: i32 = 141;

/// Ends the process after a failed write to stdout: quietly with [`CLOSED_STDOUT_EXIT`] when the
/// reader is gone, else with an `Error:` line and status 1 (a full disk must not look like
/// success). SIGPIPE stays ignored (credential helpers are spoken to through pipes too), so
/// every stdout write goes through here.
pub fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(CLOSED_STDOUT_EXIT);
    }
    err_out(&format!(
        "Error: failed to write to stdout: {}\n",
        crate::options::io_reason(e)
    ));
    std::process::exit(1);
}

/// Writes to stdout; a closed or failing stdout ends the process ([`stdout_failed`]).
pub fn out(s: &str) {
    out_bytes(s.as_bytes());
}

/// Writes bytes to stdout; a closed or failing stdout ends the process ([`stdout_failed`]).
pub fn out_bytes(b: &[u8]) {
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(b).and_then(|()| o.flush()) {
        stdout_failed(&e);
    }
}

/// Writes to stderr, ignoring failures (there is nowhere left to report them).
pub fn err_out(s: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(s.as_bytes());
    let _ = e.flush();
}

/// An async stdout writer whose failures end the process as [`out_bytes`] does.
pub struct StdoutWriter<W>(pub W);

impl<W: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for StdoutWriter<W> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match std::pin::Pin::new(&mut self.0).poll_write(cx, buf) {
            std::task::Poll::Ready(Err(e)) => stdout_failed(&e),
            other => other,
        }
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match std::pin::Pin::new(&mut self.0).poll_flush(cx) {
            std::task::Poll::Ready(Err(e)) => stdout_failed(&e),
            other => other,
        }
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Prints one line to stdout.
pub fn line(s: impl AsRef<str>) {
    out(&format!("{}\n", s.as_ref()));
}

/// Prints a warning line to stderr.
pub fn warn(s: impl AsRef<str>) {
    err_out(&format!("{}\n", s.as_ref()));
}

/// The name a status line shows: the title, else the media type.
pub fn display_name(d: &Descriptor) -> &str {
    d.title().unwrap_or(&d.media_type)
}

/// Prompts of one command's status lines (each already padded as oras pads them).
#[derive(Clone, Copy)]
pub struct Prompts {
    pub start: &'static str,
    pub done: &'static str,
    pub exists: &'static str,
}

pub const PUSH_PROMPTS: Prompts = Prompts {
    start: "Uploading",
    done: "Uploaded ",
    exists: "Exists   ",
};
pub const PULL_PROMPTS: Prompts = Prompts {
    start: "Downloading",
    done: "Downloaded ",
    exists: "Exists     ",
};
pub const COPY_PROMPTS: Prompts = Prompts {
    start: "Copying",
    done: "Copied ",
    exists: "Exists ",
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

impl CopyHooks for StatusPrinter {
    fn pre_copy(&self, d: &Descriptor) {
        self.print(self.prompts.start, d);
    }
    fn post_copy(&self, d: &Descriptor) {
        self.print(self.prompts.done, d);
    }
    fn on_skipped(&self, d: &Descriptor) {
        self.print(self.prompts.exists, d);
    }
    fn on_mounted(&self, d: &Descriptor) {
        self.print("Mounted", d);
    }
    fn wants_bytes(&self) -> bool {
        self.tty.is_some()
    }
    fn on_bytes(&self, d: &Descriptor, so_far: u64) {
        if let Some(t) = &self.tty {
            t.bytes(d, so_far);
        }
    }
}

/// How a command prints its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Template(String),
    Tree,
    Table,
}

impl Format {
    /// Parses `--format` / `--template` against the types a command allows.
    pub fn parse(
        format: Option<&str>,
        template: Option<&str>,
        allowed: &[&str],
        default: Format,
    ) -> CliResult<Format> {
        let Some(f) = format else {
            if template.is_some() {
                return Err(CliError::new(
                    "--template must be used with --format go-template",
                ));
            }
            return Ok(default);
        };
        let (kind, inline) = match f.split_once('=') {
            Some((k, t)) => (k, Some(t)),
            None => (f, None),
        };
        if !allowed.contains(&kind) {
            return Err(CliError::new(format!("invalid format type: {f:?}"))
                .recommend(format!("supported types: {}", allowed.join(", "))));
        }
        if kind != "go-template" && template.is_some() {
            return Err(CliError::new(
                "--template must be used with --format go-template",
            ));
        }
        Ok(match kind {
            "json" => Format::Json,
            "tree" => Format::Tree,
            "table" => {
                warn("Format \"table\" is deprecated and will be removed in a future release.");
                Format::Table
            }
            "text" => Format::Text,
            _ => {
                let t = inline
                    .map(str::to_string)
                    .or(template.map(str::to_string))
                    .filter(|t| !t.is_empty());
                match t {
                    Some(t) => {
                        // parse errors before any work, as the first thing the user sees
                        crate::template::validate(&t)?;
                        Format::Template(t)
                    }
                    None => {
                        return Err(CliError::new(
                            "\"go-template\" format specified but no template given",
                        )
                        .recommend("use `--format go-template=TEMPLATE` to specify the template"));
                    }
                }
            }
        })
    }

    /// Whether status lines are suppressed.
    pub fn is_structured(&self) -> bool {
        matches!(self, Format::Json | Format::Template(_))
    }

    /// Prints a JSON model as pretty JSON or through the template. Returns false for text.
    pub fn print_model(&self, model: &Value) -> CliResult<bool> {
        match self {
            Format::Json => {
                let mut b = gojson::to_vec_pretty(model);
                b.push(b'\n');
                out_bytes(&b);
                Ok(true)
            }
            Format::Template(t) => {
                out(&crate::template::render(t, model)?);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// The descriptor fields of oras's JSON models: reference, mediaType, digest, size,
/// annotations (if any), artifactType (if any).
pub fn descriptor_model(reference: &str, d: &Descriptor) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("reference".into(), json!(reference));
    m.insert("mediaType".into(), json!(d.media_type));
    m.insert("digest".into(), json!(d.digest.to_string()));
    m.insert("size".into(), json!(d.size));
    if !d.annotations.is_empty() {
        m.insert("annotations".into(), json!(d.annotations));
    }
    if !d.artifact_type.is_empty() {
        m.insert("artifactType".into(), json!(d.artifact_type));
    }
    m
}

/// Prints raw JSON bytes as they are, or indented with a trailing newline (`--pretty`).
pub fn print_raw_json(bytes: &[u8], pretty: bool) -> CliResult {
    if pretty {
        let mut b =
            gojson::indent(bytes).map_err(|e| CliError::new(format!("failed to prettify: {e}")))?;
        b.push(b'\n');
        out_bytes(&b);
    } else {
        out_bytes(bytes);
    }
    Ok(())
}

/// Prints a descriptor as `--descriptor` does: compact without newline, or pretty with one.
pub fn print_descriptor(d: &Descriptor, pretty: bool) {
    if pretty {
        let mut b = gojson::to_vec_pretty(d);
        b.push(b'\n');
        out_bytes(&b);
    } else {
        out_bytes(&gojson::to_vec(d));
    }
}
