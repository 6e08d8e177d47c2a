//! The configuration file's settings for one registry: its `[registry."host[:port]"]` section
//! over `[default]`, read once per run. Flags and environment variables override what comes
//! from here (see `remote` and `settings`); `--debug` shows the file and the sections used.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use clap::ArgMatches;
use clap::parser::ValueSource;

use super::config_file::{self, ConfigFile, Section};
use crate::error::{CliError, CliResult};

/// The `tracing` target of the configuration diagnostics (shown with `--debug`).
pub const CONFIG_TRACE: &str = "oras::config";

/// What the file says for one registry (empty without a file or a section for it).
#[derive(Debug, Clone, Default)]
pub struct HostSettings {
    /// `plain-http`.
    pub plain_http: Option<bool>,
    /// `insecure`.
    pub insecure: bool,
    /// `ca-file`.
    pub ca_file: Option<PathBuf>,
    /// `cert-file` and `key-file`.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// `headers`, in name order.
    pub headers: Vec<(String, String)>,
    /// `concurrency`.
    pub concurrency: Option<usize>,
    /// The transfer settings by the environment variable they stand in for.
    pub transfer: BTreeMap<&'static str, u64>,
    /// `mirrors`, in order.
    pub mirrors: Vec<String>,
    /// `mirror-tags`.
    pub mirror_tags: bool,
}

impl HostSettings {
    /// `section` over `self`: what it sets wins, headers merge by name.
    fn overlay(mut self, s: &Section) -> HostSettings {
        self.plain_http = s.plain_http.or(self.plain_http);
        self.insecure = s.insecure.unwrap_or(self.insecure);
        self.ca_file = s.ca_file.clone().or(self.ca_file);
        if let (Some(c), Some(k)) = (&s.cert_file, &s.key_file) {
            self.client_cert = Some((c.clone(), k.clone()));
        }
        for (name, value) in &s.headers {
            self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            self.headers.push((name.clone(), value.clone()));
        }
        self.concurrency = s.concurrency.or(self.concurrency);
        for (var, value) in [
            ("ORAS_CHUNKED_ABOVE", s.chunked_above),
            ("ORAS_CHUNK_SIZE", s.chunk_size),
            ("ORAS_DOWNLOAD_CONNECTIONS", s.download_connections),
            ("ORAS_PARALLEL_ABOVE", s.parallel_above),
            ("ORAS_SEGMENT_SIZE", s.segment_size),
            ("ORAS_READ_TIMEOUT", s.read_timeout),
        ] {
            if let Some(v) = value {
                self.transfer.insert(var, v);
            }
        }
        if let Some(m) = &s.mirrors {
            self.mirrors = m.clone();
        }
        self.mirror_tags = s.mirror_tags.unwrap_or(self.mirror_tags);
        self
    }
}

/// The file of this run, read on first use.
fn file() -> CliResult<Option<&'static ConfigFile>> {
    static FILE: OnceLock<Result<Option<ConfigFile>, String>> = OnceLock::new();
    let loaded = FILE.get_or_init(|| {
        let Some((path, required)) = config_file::location() else {
            return Ok(None);
        };
        let read = config_file::read(&path, required)?;
        // without a file the trace stays oras's
        if read.is_some() {
            tracing::debug!(target: CONFIG_TRACE, "Using config file {}", path.display());
        }
        Ok(read)
    });
    match loaded {
        Ok(f) => Ok(f.as_ref()),
        Err(e) => Err(CliError::new(e.clone())),
    }
}

/// The settings of the file for `host`: its section over `[default]`.
pub fn for_host(host: &str) -> CliResult<HostSettings> {
    let Some(f) = file()? else {
        return Ok(HostSettings::default());
    };
    let entry = f.registries.get(host);
    let settings = HostSettings::default().overlay(&f.default);
    let settings = match entry {
        Some(s) => settings.overlay(s),
        None => settings,
    };
    log_once(f, host, entry);
    Ok(settings)
}

/// `--debug`: which sections (and keys) of the file apply to `host`, once per host and run.
fn log_once(f: &ConfigFile, host: &str, entry: Option<&Section>) {
    static SHOWN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner());
    if !shown.get_or_insert_default().insert(host.to_string()) {
        return;
    }
    let keys = |s: &Section| format!("({})", s.keys().join(", "));
    let sections = match entry {
        Some(s) => format!(
            "[registry.{host:?}] {} over [default] {}",
            keys(s),
            keys(&f.default)
        ),
        None => format!("[default] {} (no [registry] section)", keys(&f.default)),
    };
    tracing::debug!(
        target: CONFIG_TRACE,
        "Registry {host}: {sections} of config file {}",
        f.path.display()
    );
}

/// Flags given on the command line (not defaults), of the command run.
static GIVEN: OnceLock<HashSet<String>> = OnceLock::new();

/// Notes which flags of the (sub)command in `matches` were given on the command line.
pub fn note_given_flags(matches: &ArgMatches) {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    let given = m
        .ids()
        .filter(|id| m.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .map(|id| id.as_str().to_string())
        .collect();
    let _ = GIVEN.set(given);
}

/// Whether the flag `id` was given on the command line.
pub fn flag_given(id: &str) -> bool {
    GIVEN.get().is_some_and(|g| g.contains(id))
}
