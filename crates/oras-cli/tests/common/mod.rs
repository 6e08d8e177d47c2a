//! Helpers for tests that run the built `oras` binary.
#![allow(dead_code)]

pub mod craft;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The built `oras` binary.
pub fn oras_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_oras"))
}

/// Result of one `oras` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub raw_stdout: Vec<u8>,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            raw_stdout: o.stdout,
        }
    }

    /// Panics with the output unless the run succeeded.
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "oras failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless the run failed with exit code 1; returns it for stderr checks.
    pub fn fails(self) -> Run {
        assert_eq!(
            self.code, 1,
            "oras should fail\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        self
    }
}

/// Runs `oras args…` in `dir`.
pub fn oras(dir: &Path, args: &[&str]) -> Run {
    oras_stdin(dir, args, b"")
}

/// Runs `oras args…` in `dir` with `input` on stdin.
pub fn oras_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    run_oras(dir, args, input, &[])
}

/// Runs `oras args…` in `dir` with extra environment variables.
pub fn oras_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    run_oras(dir, args, b"", env)
}

/// Runs `oras args…` in `dir` with `input` on stdin and extra environment variables.
pub fn oras_stdin_env(dir: &Path, args: &[&str], input: &[u8], env: &[(&str, &str)]) -> Run {
    run_oras(dir, args, input, env)
}

fn run_oras(dir: &Path, args: &[&str], input: &[u8], env: &[(&str, &str)]) -> Run {
    let mut cmd = oras_command(dir);
    cmd.args(args).envs(env.iter().copied());
    run(cmd, input, Stdio::piped())
}

/// Runs `oras args…` in `dir` with OS-string arguments and environment (input that is not UTF-8).
pub fn oras_os(dir: &Path, args: &[&OsStr], env: &[(&str, &OsStr)]) -> Run {
    let mut cmd = oras_command(dir);
    cmd.args(args).envs(env.iter().copied());
    run(cmd, b"", Stdio::piped())
}

/// Runs `oras args…` in `dir` with stdout a pipe whose reader is already gone, as in
/// `oras … | head -0`: every write to stdout fails with EPIPE. `Run::stdout` stays empty.
pub fn oras_closed_stdout(dir: &Path, args: &[&str]) -> Run {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut cmd = oras_command(dir);
    cmd.args(args);
    run(cmd, b"", Stdio::from(writer))
}

/// Runs `oras args…` in `dir` with stdout and stderr one pipe whose reader is already gone, as
/// in `oras … 2>&1 | head -0`. Only the exit status tells what happened.
pub fn oras_closed_output(dir: &Path, args: &[&str]) -> Run {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut cmd = oras_command(dir);
    cmd.args(args)
        .stderr(writer.try_clone().expect("clone pipe"))
        .stdout(writer);
    let child = cmd.stdin(Stdio::null()).spawn().expect("spawn oras");
    drop(cmd);
    Run::from(child.wait_with_output().expect("wait oras"))
}

/// `oras` to run in `dir`, with `HOME` there (no credentials, state or configuration file of
/// the user), and without a `SOURCE_DATE_EPOCH` of the caller's (a build environment may set
/// it; it fixes the times push packs).
fn oras_command(dir: &Path) -> Command {
    let mut cmd = Command::new(oras_bin());
    cmd.current_dir(dir)
        .env("HOME", dir)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("ORAS_CONFIG")
        .env_remove("SOURCE_DATE_EPOCH");
    cmd
}

fn run(mut cmd: Command, input: &[u8], stdout: Stdio) -> Run {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn oras");
    // the parent's copy of a given stdout pipe end goes with the Command
    drop(cmd);
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        let _ = stdin.write_all(input);
    }
    Run::from(child.wait_with_output().expect("wait oras"))
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("oras-test-")
        .tempdir()
        .expect("tempdir")
}

/// sha256 of a file's bytes, as `sha256:<hex>`, computed by the system `sha256sum`.
pub fn sha256_file(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    let s = String::from_utf8_lossy(&out.stdout);
    format!(
        "sha256:{}",
        s.split_whitespace().next().expect("sha256sum output")
    )
}

/// All of a run's stdout parsed as one JSON value (a `--format json` model: anything else
/// printed to stdout fails the parse).
pub fn json_stdout(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}):\n{}", run.stdout))
}

/// Parses `index.json` of a layout.
pub fn index_json(layout: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(layout.join("index.json")).expect("index.json"))
        .expect("index.json parses")
}

/// Asserts every blob file in the layout hashes to its name.
pub fn assert_layout_blobs_valid(layout: &Path) {
    let dir = layout.join("blobs/sha256");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries {
        let p = e.expect("dir entry").path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            sha256_file(&p),
            format!("sha256:{name}"),
            "blob {} does not match its name",
            p.display()
        );
    }
}

/// Whether a peer tool is on PATH; in CI (or with ORAS_TEST_REQUIRE_PEERS) a missing one fails.
pub fn peer_available(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        let required = std::env::var_os("CI").is_some()
            || std::env::var_os("ORAS_TEST_REQUIRE_PEERS").is_some();
        assert!(
            !required,
            "{tool} is required for this test (install it, see .ci/run)"
        );
        eprintln!("SKIPPED: {tool} is not installed");
    }
    found
}
