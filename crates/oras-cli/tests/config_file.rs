//! The configuration file (`$XDG_CONFIG_HOME/oras/config.toml`, or `ORAS_CONFIG`): per-registry
//! connection settings, headers and transfer settings under the flags and variables, mirrors
//! for reads, errors naming the file and line, and `--debug` naming the file and section.
//! Against distribution 2.8 and the in-process registry (which records requests).

mod common;

use std::path::{Path, PathBuf};

use common::*;
use oras_test_registry::inproc::{Options, TestRegistry};
use oras_test_registry::{Distribution, Mode};

/// A config home below `dir` with `text` as its `oras/config.toml`; returns the home and the
/// file.
fn config_home(dir: &Path, text: &str) -> (String, PathBuf) {
    let home = dir.join("xdg");
    std::fs::create_dir_all(home.join("oras")).unwrap();
    let file = home.join("oras/config.toml");
    std::fs::write(&file, text).unwrap();
    (home.display().to_string(), file)
}

/// `oras args…` in `dir` with `XDG_CONFIG_HOME=home` (and the extra variables).
fn oras_with(dir: &Path, home: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec![("XDG_CONFIG_HOME", home)];
    all.extend_from_slice(env);
    oras_env(dir, args, &all)
}

/// A config home without a file.
fn no_config(dir: &Path) -> String {
    let home = dir.join("no-config");
    std::fs::create_dir_all(&home).unwrap();
    home.display().to_string()
}

/// The values of header `name` across the recorded requests.
fn header_values(reg: &TestRegistry, name: &str) -> Vec<String> {
    reg.requests()
        .iter()
        .flat_map(|q| q.headers.get_all(name).iter())
        .map(|v| v.to_str().unwrap_or("?").to_string())
        .collect()
}

/// A port nothing listens on (bound, then closed).
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn plain_http_and_headers_come_from_the_registrys_section() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"configured").unwrap();
    // 127.0.0.1 (not localhost) is spoken to over HTTPS unless told otherwise
    let r = format!("{}/conf/repo:v1", reg.addr);
    oras_with(d.path(), &no_config(d.path()), &["push", &r, "a.txt"], &[]).fails();
    let (home, _) = config_home(
        d.path(),
        &format!(
            "[registry.\"{}\"]\nplain-http = true\nheaders = {{ X-From-Config = \"yes\" }}\n",
            reg.addr
        ),
    );
    reg.clear_requests();
    oras_with(d.path(), &home, &["push", &r, "a.txt"], &[]).ok();
    let requests = reg.requests().len();
    assert!(requests > 0);
    assert_eq!(header_values(&reg, "x-from-config"), vec!["yes"; requests]);
    // another registry's section does not apply
    let other = TestRegistry::start(Options::default());
    let r2 = format!("{}/conf/repo:v1", other.addr);
    oras_with(d.path(), &home, &["push", &r2, "a.txt"], &[]).fails();
}

#[test]
fn flags_and_variables_override_the_file() {
    let reg = TestRegistry::start(Options::default());
    let host = reg.localhost();
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), vec![b'x'; 3000]).unwrap();
    let (home, _) = config_home(
        d.path(),
        &format!(
            "[default]\nheaders = {{ X-Other = \"kept\" }}\n\n[registry.\"{host}\"]\nplain-http = false\nheaders = {{ X-Team = \"file\" }}\nchunked-above = 1\nchunk-size = 1000\n"
        ),
    );
    let r = format!("{host}/over/repo:v1");
    // the file turns plain HTTP off for this localhost registry: HTTPS to a plain server fails
    oras_with(d.path(), &home, &["push", &r, "a.txt"], &[]).fails();
    reg.clear_requests();
    let flags = ["push", "--plain-http", "-H", "x-team: flag", &r, "a.txt"];
    oras_with(d.path(), &home, &flags, &[]).ok();
    let requests = reg.requests();
    assert!(!requests.is_empty());
    assert_eq!(header_values(&reg, "x-team"), vec!["flag"; requests.len()]);
    assert_eq!(header_values(&reg, "x-other"), vec!["kept"; requests.len()]);
    let patches = |reg: &TestRegistry| {
        reg.requests()
            .iter()
            .filter(|q| q.method == "PATCH")
            .count()
    };
    assert!(
        patches(&reg) >= 3,
        "chunked-above and chunk-size of the file apply"
    );
    reg.clear_requests();
    std::fs::write(d.path().join("a.txt"), vec![b'y'; 3000]).unwrap();
    let env = [("ORAS_CHUNKED_ABOVE", "1000000")];
    oras_with(d.path(), &home, &flags, &env).ok();
    assert_eq!(patches(&reg), 0, "the variable beats the file");
}

#[test]
fn insecure_and_a_ca_file_next_to_the_file_reach_a_tls_registry() {
    let reg = Distribution::start(Mode::Tls);
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"secure").unwrap();
    let r = format!("{}/tls/repo:v1", reg.addr);
    let (home, file) = config_home(
        d.path(),
        &format!("[registry.\"{}\"]\nca-file = \"certs/ca.crt\"\n", reg.addr),
    );
    let certs = file.parent().unwrap().join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    oras_with(d.path(), &no_config(d.path()), &["push", &r, "a.txt"], &[]).fails();
    // the file's CA is not there yet: the push fails as without any
    oras_with(d.path(), &home, &["push", &r, "a.txt"], &[]).fails();
    let (insecure, _) = config_home(
        &d.path().join("other"),
        &format!("[registry.\"{}\"]\ninsecure = true\n", reg.addr),
    );
    oras_with(d.path(), &insecure, &["push", &r, "a.txt"], &[]).ok();
    std::fs::copy(reg.ca_file().unwrap(), certs.join("ca.crt")).unwrap();
    oras_with(d.path(), &home, &["push", &r, "a.txt"], &[]).ok();
}

/// Pushes `a.txt` with `content` to `reference` (no config file).
fn push_file(dir: &Path, reference: &str, content: &[u8]) {
    std::fs::write(dir.join("a.txt"), content).unwrap();
    oras_with(dir, &no_config(dir), &["push", reference, "a.txt"], &[]).ok();
}

/// Pulls `reference` into a fresh `out` below `dir` and returns `a.txt` of it.
fn pull_file(dir: &Path, home: &str, reference: &str, extra: &[&str]) -> Vec<u8> {
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut args = vec!["pull", reference, "-o", "out"];
    args.extend_from_slice(extra);
    oras_with(dir, home, &args, &[]).ok();
    std::fs::read(out.join("a.txt")).unwrap()
}

#[test]
fn a_mirror_serves_the_content_and_tags_are_resolved_at_the_origin() {
    let origin = TestRegistry::start(Options::default());
    let mirror = Distribution::start(Mode::Plain);
    let d = tempdir();
    let r = format!("{}/team/app:v1", origin.localhost());
    push_file(d.path(), &r, b"from the mirror");
    let at_mirror = format!("{}/cache/team/app:v1", mirror.localhost());
    oras_with(d.path(), &no_config(d.path()), &["cp", &r, &at_mirror], &[]).ok();
    let section = format!(
        "[registry.\"{}\"]\nmirrors = [\"{}/cache\"]\n",
        origin.localhost(),
        mirror.localhost()
    );
    let (home, _) = config_home(d.path(), &section);
    origin.clear_requests();
    assert_eq!(pull_file(d.path(), &home, &r, &[]), b"from the mirror");
    let asked: Vec<String> = origin.requests().iter().map(|q| q.path.clone()).collect();
    assert!(
        asked.iter().any(|p| p.ends_with("/manifests/v1")),
        "{asked:?}"
    );
    assert!(asked.iter().all(|p| !p.contains("/blobs/")), "{asked:?}");

    // the origin's tag moves on: its new content is not at the mirror and comes from the origin
    push_file(d.path(), &r, b"newer at the origin");
    origin.clear_requests();
    assert_eq!(pull_file(d.path(), &home, &r, &[]), b"newer at the origin");
    assert!(origin.requests().iter().any(|q| q.path.contains("/blobs/")));

    // mirror-tags: the mirror's (older) tag, without the origin at all
    let (home, _) = config_home(d.path(), &format!("{section}mirror-tags = true\n"));
    drop(origin);
    assert_eq!(pull_file(d.path(), &home, &r, &[]), b"from the mirror");
}

#[test]
fn mirrors_that_are_down_or_lack_the_content_fall_back_to_the_origin() {
    let origin = Distribution::start(Mode::Plain);
    let empty = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/fall/back:v1", origin.localhost());
    push_file(d.path(), &r, b"only at the origin");
    let dead = format!("localhost:{}", dead_port());
    let (home, _) = config_home(
        d.path(),
        &format!(
            "[registry.\"{}\"]\nmirrors = [\"{dead}\", \"{}\"]\n",
            origin.localhost(),
            empty.localhost()
        ),
    );
    let out = d.path().join("out");
    let run = oras_with(d.path(), &home, &["pull", "--debug", &r, "-o", "out"], &[]).ok();
    assert_eq!(
        std::fs::read(out.join("a.txt")).unwrap(),
        b"only at the origin"
    );
    assert!(
        run.stderr.contains(&format!("not from mirror {dead}")),
        "{}",
        run.stderr
    );
    let empty_name = format!("not from mirror {}", empty.localhost());
    assert!(run.stderr.contains(&empty_name), "{}", run.stderr);
    assert!(
        empty
            .requests()
            .iter()
            .any(|q| q.path.contains("/fall/back/"))
    );
}

#[test]
fn wrong_content_from_a_mirror_is_never_used() {
    let origin = TestRegistry::start(Options::default());
    let mirror = TestRegistry::start(Options::default());
    let d = tempdir();
    let small = format!("{}/bad/small:v1", origin.localhost());
    let big = format!("{}/bad/big:v1", origin.localhost());
    push_file(d.path(), &small, b"small and true");
    let big_content: Vec<u8> = (0..5 << 20).map(|i: u32| (i % 251) as u8).collect();
    push_file(d.path(), &big, &big_content);
    for r in [&small, &big] {
        let to = r.replace(&origin.localhost(), &mirror.localhost());
        oras_with(d.path(), &no_config(d.path()), &["cp", r, &to], &[]).ok();
    }
    mirror.faults(|f| f.corrupt_blobs = true);
    let (home, _) = config_home(
        d.path(),
        &format!(
            "[registry.\"{}\"]\nmirrors = [\"{}\"]\n",
            origin.localhost(),
            mirror.localhost()
        ),
    );
    // small content is checked before it is used: the origin's is taken instead
    assert_eq!(pull_file(d.path(), &home, &small, &[]), b"small and true");
    // a big blob streams: the wrong bytes fail the pull and nothing is written
    let out = d.path().join("big-out");
    let run = oras_with(d.path(), &home, &["pull", &big, "-o", "big-out"], &[]).fails();
    assert!(run.stderr.contains("digest"), "{}", run.stderr);
    assert!(!out.join("a.txt").exists());
}

#[test]
fn an_invalid_file_is_an_error_naming_the_file_and_line() {
    let d = tempdir();
    let (home, file) = config_home(
        d.path(),
        "[registry.\"localhost:5000\"]\nplain_http = true\n",
    );
    let run = oras_with(d.path(), &home, &["resolve", "localhost:5000/x:v1"], &[]).fails();
    assert_eq!(
        run.stderr,
        format!(
            "Error: invalid config file {:?}: line 2, column 1: unknown field `plain_http`, expected one of `plain-http`, `insecure`, `ca-file`, `cert-file`, `key-file`, `headers`, `concurrency`, `chunked-above`, `chunk-size`, `download-connections`, `parallel-above`, `segment-size`, `read-timeout`, `mirrors`, `mirror-tags`\n",
            file.display().to_string()
        )
    );
    // ORAS_CONFIG names a file that must be there
    let missing = d.path().join("missing.toml").display().to_string();
    let env = [("ORAS_CONFIG", missing.as_str())];
    let run = oras_with(d.path(), &home, &["resolve", "localhost:5000/x:v1"], &env).fails();
    assert!(
        run.stderr
            .starts_with(&format!("Error: cannot read config file {missing:?}")),
        "{}",
        run.stderr
    );
}

#[test]
fn debug_names_the_file_and_the_sections_that_apply() {
    let reg = TestRegistry::start(Options::default());
    let d = tempdir();
    let r = format!("{}/dbg/repo:v1", reg.localhost());
    push_file(d.path(), &r, b"debug");
    let text = format!(
        "[default]\nconcurrency = 2\n\n[registry.\"{}\"]\nheaders = {{ X-A = \"b\" }}\n",
        reg.localhost()
    );
    let elsewhere = d.path().join("elsewhere.toml");
    std::fs::write(&elsewhere, &text).unwrap();
    let env = [("ORAS_CONFIG", elsewhere.to_str().unwrap())];
    let run = oras_with(
        d.path(),
        &no_config(d.path()),
        &["resolve", "--debug", &r],
        &env,
    )
    .ok();
    assert!(
        run.stderr
            .contains(&format!("Using config file {}", elsewhere.display())),
        "{}",
        run.stderr
    );
    let applied = format!(
        "Registry {0}: [registry.\"{0}\"] (headers) over [default] (concurrency) of config file {1}",
        reg.localhost(),
        elsewhere.display()
    );
    assert!(run.stderr.contains(&applied), "{}", run.stderr);
    assert_eq!(
        header_values(&reg, "x-a").last().map(String::as_str),
        Some("b")
    );
    let run = oras_with(
        d.path(),
        &no_config(d.path()),
        &["resolve", "--debug", &r],
        &[],
    )
    .ok();
    // without a file the trace is oras's alone
    assert!(!run.stderr.contains("config file"), "{}", run.stderr);
}
