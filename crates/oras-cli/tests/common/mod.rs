//! Helpers for tests that run the built `oras` binary.
#![allow(dead_code)]

pub mod craft;

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

fn run_oras(dir: &Path, args: &[&str], input: &[u8], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(oras_bin())
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn oras");
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
