//! What `oras` writes to stderr besides errors: the `--debug` HTTP trace, registry warnings and
//! credential-helper notices, each in oras's log format (`[timestamp][LEVEL]: message`, an
//! optional `[Data]:` block, a blank line), with secrets redacted; and nothing at all on a
//! quiet run. The library emits these as `tracing` events; the CLI's subscriber prints them.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{oras, oras_env};
use oras_test_registry::inproc::{Auth, Options, TestRegistry};

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// One log entry: its level, its message lines and the lines of its `[Data]:` block.
#[derive(Debug)]
struct Entry {
    level: String,
    message: Vec<String>,
    data: Vec<String>,
}

/// Splits stderr into log entries; panics on any line that is not part of one, on a
/// timestamp that is not RFC 3339 and on an entry that does not end with a blank line.
fn entries(stderr: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut lines = stderr.split('\n').peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() && lines.peek().is_none() {
            break;
        }
        let rest = line
            .strip_prefix('[')
            .unwrap_or_else(|| panic!("not a log entry: {line:?}\n{stderr}"));
        let (ts, rest) = rest.split_once("][").expect("[timestamp][level]");
        ts.parse::<jiff::Timestamp>()
            .unwrap_or_else(|e| panic!("timestamp {ts:?}: {e}"));
        let (level, first) = rest.split_once("]: ").expect("[level]: message");
        let mut entry = Entry {
            level: level.to_string(),
            message: vec![first.to_string()],
            data: Vec::new(),
        };
        let mut in_data = false;
        loop {
            let next = lines
                .next()
                .unwrap_or_else(|| panic!("entry without its blank line: {entry:?}"));
            if next.is_empty() {
                break;
            }
            if next == "[Data]:" {
                in_data = true;
            } else if in_data {
                entry.data.push(next.to_string());
            } else {
                entry.message.push(next.to_string());
            }
        }
        out.push(entry);
    }
    out
}

#[test]
fn debug_trace_is_in_oras_format_with_secrets_redacted() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Basic("trace-user".into(), "trace-pass".into()),
        ..Default::default()
    });
    let d = tempdir();
    let r = format!("{}/trace/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"traced").unwrap();
    let out = oras(
        d.path(),
        &[
            "push",
            &r,
            "a.txt",
            "-u",
            "trace-user",
            "-p",
            "trace-pass",
            "-H",
            "X-Secret: s3cr3t",
            "-d",
        ],
    )
    .ok();
    // the -p warning comes first, as oras prints it; the rest is the trace
    let warning = "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n";
    let trace = out
        .stderr
        .strip_prefix(warning)
        .unwrap_or_else(|| panic!("{}", out.stderr));
    let entries = entries(trace);
    assert!(entries.len() >= 4, "{trace}");
    let mut requests = Vec::new();
    let mut responses = Vec::new();
    for e in &entries {
        assert_eq!(e.level, "DEBUG", "{e:?}");
        assert!(e.data.is_empty(), "{e:?}");
        if let Some(n) = e.message[0].strip_prefix("--> Request #") {
            requests.push(n.parse::<u64>().expect("request number"));
            assert!(e.message[1].starts_with("> Request URL: \"http://localhost:"));
            assert!(e.message[2].starts_with("> Request method: \""), "{e:?}");
            assert_eq!(e.message[3], "> Request headers:");
            for h in &e.message[4..] {
                assert!(h.starts_with("   \"") && h.contains("\": \""), "{h:?}");
            }
            assert!(
                e.message
                    .contains(&"   \"X-Secret\": \"*****\"".to_string())
            );
        } else if let Some(n) = e.message[0].strip_prefix("<-- Response #") {
            responses.push(n.parse::<u64>().expect("response number"));
            assert!(e.message[1].starts_with("< Response Status: \""), "{e:?}");
            assert_eq!(e.message[2], "< Response headers:");
            assert!(e.message.contains(&"< Response body:".to_string()), "{e:?}");
        } else {
            panic!("unexpected entry {e:?}");
        }
    }
    // requests run concurrently: their entries may interleave
    requests.sort_unstable();
    responses.sort_unstable();
    assert_eq!(requests, responses, "each request has its response");
    let mut unique = requests.clone();
    unique.dedup();
    assert_eq!(unique.len(), requests.len(), "request numbers are unique");
    // the challenge, then the credentials (redacted)
    assert!(trace.contains("< Response Status: \"401 Unauthorized\""));
    assert!(trace.contains("   \"Authorization\": \"*****\""), "{trace}");
    for secret in ["trace-pass", "dHJhY2UtdXNlcjp0cmFjZS1wYXNz", "s3cr3t"] {
        assert!(!out.stderr.contains(secret), "{secret} in the trace");
    }
}

#[test]
fn a_failed_request_is_an_error_entry_of_the_trace() {
    let d = tempdir();
    // nothing listens on port 9 of loopback
    let out = oras(
        d.path(),
        &["resolve", "127.0.0.1:9/none/repo:v1", "--plain-http", "-d"],
    )
    .fails();
    let (trace, error) = out
        .stderr
        .split_once("Error: ")
        .unwrap_or_else(|| panic!("{}", out.stderr));
    assert!(!error.is_empty());
    let entries = entries(trace);
    let failed: Vec<&Entry> = entries.iter().filter(|e| e.level == "ERROR").collect();
    assert!(!failed.is_empty(), "{trace}");
    for e in failed {
        assert!(e.message[0].starts_with("<-- Response #"), "{e:?}");
        assert!(
            e.message[1].starts_with("Error in getting response: "),
            "{e:?}"
        );
    }
}

#[test]
fn registry_warning_is_one_log_entry_with_the_registry() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"w").unwrap();
    reg.faults(|f| f.warning = Some("this registry is deprecated".into()));
    let out = oras(
        d.path(),
        &[
            "push",
            &format!("{}/warn/repo:v1", reg.localhost()),
            "a.txt",
        ],
    )
    .ok();
    let entries = entries(&out.stderr);
    assert_eq!(entries.len(), 1, "{}", out.stderr);
    assert_eq!(entries[0].level, "WARN");
    assert_eq!(entries[0].message, ["this registry is deprecated"]);
    assert_eq!(
        entries[0].data,
        [format!("  registry={}", reg.localhost())],
        "{}",
        out.stderr
    );
}

#[test]
fn a_quiet_run_writes_nothing_to_stderr() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let repo = format!("{}/quiet/repo", reg.localhost());
    let r = format!("{repo}:v1");
    std::fs::write(d.path().join("a.txt"), b"q").unwrap();
    for args in [
        vec!["push", r.as_str(), "a.txt"],
        vec!["pull", r.as_str(), "-o", "out"],
        vec!["resolve", r.as_str()],
        vec!["repo", "tags", repo.as_str()],
    ] {
        let out = oras(d.path(), &args).ok();
        assert_eq!(out.stderr, "", "{args:?}");
    }
}

#[test]
fn the_cli_sends_its_oras_user_agent() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/ua/repo:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"ua").unwrap();
    oras(d.path(), &["push", &r, "a.txt"]).ok();
    let want = format!("oras/{}", version());
    let reqs = reg.requests();
    assert!(!reqs.is_empty());
    for q in reqs {
        assert_eq!(
            q.headers.get("user-agent").and_then(|v| v.to_str().ok()),
            Some(want.as_str()),
            "{} {}",
            q.method,
            q.path
        );
    }
}

#[test]
fn a_missing_credential_helper_is_one_warning_entry() {
    // anonymous tokens: the credential is asked for when a token is fetched
    let reg = TestRegistry::start(Options {
        auth: Auth::Bearer,
        ..Default::default()
    });
    let d = tempdir();
    let src = format!("{}/helper/src:v1", reg.localhost());
    let dst = format!("{}/helper/dst:v1", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"h").unwrap();
    oras(d.path(), &["push", &src, "a.txt"]).ok();
    let cfg = d.path().join("config.json");
    std::fs::write(&cfg, br#"{"credsStore":"oras-test-missing-helper"}"#).unwrap();
    // a copy builds two clients of the same registry: the notice still comes once
    let out = oras(
        d.path(),
        &[
            "cp",
            &src,
            &dst,
            "--from-registry-config",
            cfg.to_str().unwrap(),
            "--to-registry-config",
            cfg.to_str().unwrap(),
        ],
    )
    .ok();
    let entries = entries(&out.stderr);
    assert_eq!(entries.len(), 1, "{}", out.stderr);
    assert_eq!(entries[0].level, "WARN");
    assert_eq!(
        entries[0].message,
        [
            "credential helper docker-credential-oras-test-missing-helper is not available; continuing without credentials"
        ]
    );
    assert_eq!(entries[0].data, [format!("  registry={}", reg.localhost())]);
}

#[test]
fn what_a_credential_helper_says_on_stderr_is_shown() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Basic("u".into(), "p".into()),
        ..Default::default()
    });
    let d = tempdir();
    let bin = d.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-chatty");
    std::fs::write(
        &helper,
        "#!/bin/sh\necho 'chatty helper: unlocking the keychain' >&2\necho 'credentials not found in native keychain'\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cfg = d.path().join("config.json");
    std::fs::write(&cfg, br#"{"credsStore":"chatty"}"#).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // the helper is asked when the registry challenges; it finds nothing, so the
    // resolve fails after what it said
    let r = format!("{}/chatty/repo:v1", reg.localhost());
    let out = oras_env(
        d.path(),
        &["resolve", &r, "--registry-config", cfg.to_str().unwrap()],
        &[("PATH", &path)],
    )
    .fails();
    assert!(
        out.stderr
            .starts_with("chatty helper: unlocking the keychain\n"),
        "{}",
        out.stderr
    );
}

/// The version the CLI reports (and sends in its User-Agent).
fn version() -> String {
    let d = tempdir();
    let out = oras(d.path(), &["version"]).ok();
    out.stdout
        .lines()
        .find_map(|l| l.strip_prefix("Version:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("{}", out.stdout))
}
