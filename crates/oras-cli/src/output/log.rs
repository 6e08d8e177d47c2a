//! Prints the library's diagnostics (its `tracing` events, see `oras::diagnostics`) on stderr
//! in oras's log format: `[timestamp][LEVEL]: message`, the event's fields under `[Data]:`,
//! then a blank line. What a credential helper wrote on its stderr is passed on as it is.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Mutex;

use oras::diagnostics::{CREDENTIALS, HELPER_OUTPUT, HTTP_TRACE, MIRROR};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt as _};

/// Installs the subscriber for this run: warnings of the library always, the HTTP trace, the
/// mirror fallbacks and the configuration file used with `--debug`.
pub fn install(debug: bool) {
    let trace = if debug {
        LevelFilter::DEBUG
    } else {
        LevelFilter::OFF
    };
    let filter = Targets::new()
        .with_target("oras", LevelFilter::WARN)
        .with_target(HTTP_TRACE, trace)
        .with_target(MIRROR, trace)
        .with_target(crate::options::CONFIG_TRACE, trace);
    let subscriber = tracing_subscriber::registry().with(OrasLog::default().with_filter(filter));
    // only fails when one is installed already, and then that one prints
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The layer writing entries to stderr.
#[derive(Default)]
struct OrasLog {
    /// Credential notices already shown: once per run, however many clients ask.
    shown: Mutex<HashSet<String>>,
}

/// The message and the other fields of an event.
#[derive(Default)]
struct Fields {
    message: String,
    data: Vec<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.data.push(format!("{}={value}", field.name()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.data.push(format!("{}={value:?}", field.name()));
        }
    }
}

impl<S: Subscriber> Layer<S> for OrasLog {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let meta = event.metadata();
        if meta.target() == HELPER_OUTPUT {
            write_stderr(&format!("{}\n", fields.message));
            return;
        }
        let mut body = format!("{}]: {}\n", meta.level(), fields.message);
        if !fields.data.is_empty() {
            body.push_str("[Data]:\n");
            for d in &fields.data {
                let _ = writeln!(body, "  {d}");
            }
        }
        if meta.target() == CREDENTIALS
            && !self
                .shown
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(body.clone())
        {
            return;
        }
        write_stderr(&format!("[{}][{body}\n", jiff::Timestamp::now()));
    }
}

/// One write per entry; a closed stderr (`2>&1 | head`) loses the log instead of panicking.
fn write_stderr(s: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(s.as_bytes());
}
