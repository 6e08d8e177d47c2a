//! Records the toolchain the binary is built with, for `oras version` (as oras prints the Go
//! version it was built with).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && !s.contains('\n'))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=ORAS_RUSTC_VERSION={version}");
}
