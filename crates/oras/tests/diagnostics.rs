//! The library reports through `tracing` (targets in `oras::diagnostics`) and only to a
//! subscriber that asks: the HTTP trace with secrets redacted, registry warnings with the
//! registry as a field.

use std::sync::{Arc, Mutex};

use oras::content::{ReadOnlyStorage, Storage};
use oras::diagnostics::{HTTP_TRACE, REGISTRY_WARNING};
use oras::registry::Repository;
use oras::registry::auth::Credential;
use oras_spec::Descriptor;
use oras_test_registry::inproc::{Auth, Options, TestRegistry};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;

/// One event as recorded: target, level, message and the other fields.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    level: tracing::Level,
    message: String,
    fields: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Seen>>>);

impl Capture {
    fn events(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
}

struct Recorder<'a>(&'a mut Seen);

impl Visit for Recorder<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.message = format!("{value:?}");
        } else {
            self.0
                .fields
                .push((field.name().to_string(), format!("{value:?}")));
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let meta = event.metadata();
        let mut seen = Seen {
            target: meta.target().to_string(),
            level: *meta.level(),
            message: String::new(),
            fields: Vec::new(),
        };
        event.record(&mut Recorder(&mut seen));
        self.0.lock().unwrap().push(seen);
    }
}

/// Runs `f` on a current-thread runtime with a subscriber that records the library's events
/// up to `trace` for the HTTP trace and `WARN` for the rest.
fn with_capture<F: std::future::Future<Output = ()>>(
    trace: LevelFilter,
    f: impl FnOnce() -> F,
) -> Vec<Seen> {
    let capture = Capture::default();
    let filter = Targets::new()
        .with_target("oras", LevelFilter::WARN)
        .with_target(HTTP_TRACE, trace);
    let subscriber = tracing_subscriber::registry().with(capture.clone().with_filter(filter));
    let _guard = tracing::subscriber::set_default(subscriber);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f());
    capture.events()
}

fn repository(reg: &TestRegistry, cred: Credential, headers: Vec<(String, String)>) -> Repository {
    let mut builder = Repository::builder(&format!("{}/diag/repo", reg.addr))
        .unwrap()
        .plain_http(true)
        .credential(cred);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder.build().unwrap()
}

async fn push_and_check(repo: &Repository) {
    let blob = Descriptor::from_bytes("application/octet-stream", b"diagnosed");
    repo.push(
        &blob,
        oras::content::BlobSource::Bytes(b"diagnosed"[..].into()),
    )
    .await
    .unwrap();
    assert!(repo.exists(&blob).await.unwrap());
}

#[test]
fn the_http_trace_is_emitted_only_when_enabled_and_redacts_secrets() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Basic("diag-user".into(), "diag-pass".into()),
        ..Default::default()
    });
    let cred = Credential::basic("diag-user", "diag-pass");
    let header = vec![("X-Api-Key".to_string(), "k3y-value".to_string())];
    let quiet = with_capture(LevelFilter::OFF, || async {
        push_and_check(&repository(&reg, cred.clone(), header.clone())).await;
    });
    assert!(quiet.is_empty(), "{quiet:?}");

    let traced = with_capture(LevelFilter::DEBUG, || async {
        push_and_check(&repository(&reg, cred.clone(), header.clone())).await;
    });
    assert!(traced.iter().all(|e| e.target == HTTP_TRACE), "{traced:?}");
    assert!(traced.iter().all(|e| e.level == tracing::Level::DEBUG));
    let requests: Vec<&Seen> = traced
        .iter()
        .filter(|e| e.message.starts_with("--> Request #"))
        .collect();
    let responses = traced
        .iter()
        .filter(|e| e.message.starts_with("<-- Response #"))
        .count();
    assert!(!requests.is_empty());
    assert_eq!(requests.len(), responses);
    let all: String = traced.iter().map(|e| e.message.as_str()).collect();
    assert!(all.contains("\"Authorization\": \"*****\""), "{all}");
    assert!(all.contains("\"X-Api-Key\": \"*****\""), "{all}");
    for secret in ["diag-pass", "k3y-value", "ZGlhZy11c2VyOmRpYWctcGFzcw=="] {
        assert!(!all.contains(secret), "{secret} in the trace");
    }
}

#[test]
fn a_registry_warning_is_one_event_naming_the_registry() {
    let reg = TestRegistry::start(Options::default());
    reg.faults(|f| f.warning = Some("read-only soon".into()));
    let events = with_capture(LevelFilter::OFF, || async {
        let repo = repository(&reg, Credential::default(), Vec::new());
        push_and_check(&repo).await;
        push_and_check(&repo).await;
    });
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e.target, REGISTRY_WARNING);
    assert_eq!(e.level, tracing::Level::WARN);
    assert_eq!(e.message, "read-only soon");
    assert_eq!(e.fields, [("registry".to_string(), reg.addr.clone())]);
}
