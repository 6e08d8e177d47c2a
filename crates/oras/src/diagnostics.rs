//! What the library reports while it works. It never prints: every diagnostic is a
//! [`tracing`] event, and the application decides what to show by installing a subscriber
//! (the `oras` CLI prints them in oras's log format). Targets, so a subscriber can select them:
//!
//! | target | level | what |
//! | --- | --- | --- |
//! | [`HTTP_TRACE`] | `DEBUG` | every request and response (oras's `--debug` trace), credentials, cookies, custom headers and URL secrets redacted; response bodies only when small text or JSON without credential fields |
//! | [`HTTP_TRACE`] | `ERROR` | a request of the trace that got no response |
//! | [`REGISTRY_WARNING`] | `WARN` | a registry's `Warning: 299 - "…"` header, once per client, host and text; field `registry` |
//! | [`CREDENTIALS`] | `WARN` | a configured credential helper that cannot be started (the request goes on without credentials); field `registry` |
//! | [`HELPER_OUTPUT`] | `WARN` | what a credential helper wrote on its stderr, as it wrote it; field `helper` |
//! | [`MIRROR`] | `DEBUG` | a read a mirror served, or one it did not and why (the next mirror or the origin is asked); field `mirror` |
//!
//! The trace costs nothing unless a subscriber enables [`HTTP_TRACE`] at `DEBUG`: only then are
//! response bodies read ahead to be shown.
//!
//! With `tracing-subscriber`, for instance, `fmt().with_env_filter("oras=warn,oras::http=off")`
//! shows registry warnings and credential notices but not the HTTP trace.

/// The HTTP trace: one `DEBUG` event per request and per response, `ERROR` for a failure.
pub const HTTP_TRACE: &str = "oras::http";
/// Registry `Warning` headers.
pub const REGISTRY_WARNING: &str = "oras::registry::warning";
/// Notices about credentials (a credential helper that cannot be started).
pub const CREDENTIALS: &str = "oras::credentials";
/// What a credential helper wrote on its stderr.
pub const HELPER_OUTPUT: &str = "oras::credentials::helper";
/// Reads served by mirrors, and fallbacks from them ([`crate::content::mirror`]).
pub const MIRROR: &str = "oras::mirror";
