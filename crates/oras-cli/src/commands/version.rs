//! `oras version`.

use crate::error::CliResult;
use crate::output::{line, warn};

/// The oras version this build is compatible with, plus our own build metadata.
pub const VERSION: &str = concat!("1.3.3+rust.", env!("CARGO_PKG_VERSION"));

pub fn exec(args: &[String]) -> CliResult {
    if !args.is_empty() {
        warn(format!(
            "warning: `oras version` requires no argument, {:?} will be ignored",
            args.join(",")
        ));
    }
    let os_arch = format!(
        "{}/{}",
        oras_spec::descriptor::host_os(),
        oras_spec::descriptor::host_arch()
    );
    let rows = [
        ("Version", VERSION.to_string()),
        ("Rust version", rustc_version()),
        ("OS/Arch", os_arch),
    ];
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    for (k, v) in rows {
        line(format!("{:<width$}{v}", format!("{k}:")));
    }
    Ok(())
}

/// `rustc --version` of the toolchain that built this binary (recorded by `build.rs`).
fn rustc_version() -> String {
    env!("ORAS_RUSTC_VERSION").to_string()
}
