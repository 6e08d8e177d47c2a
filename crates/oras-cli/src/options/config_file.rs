//! The configuration file (`$XDG_CONFIG_HOME/oras/config.toml`, `~/.config/oras/config.toml`
//! or `ORAS_CONFIG`): where it is, and reading it into checked sections. A `[default]`
//! section and one `[registry."host[:port]"]` section per registry, each with the keys of
//! [`Section`]; any other key or table is an error, so a typo never silently does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The variable naming the file to read instead of the default one.
pub const CONFIG_VAR: &str = "ORAS_CONFIG";

/// The whole file as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    default: Section,
    #[serde(default)]
    registry: BTreeMap<String, Section>,
}

/// The settings of one section (`[default]` or a registry's). Paths are relative to the
/// file's directory.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Section {
    /// `--plain-http`.
    pub plain_http: Option<bool>,
    /// `--insecure`.
    pub insecure: Option<bool>,
    /// `--ca-file`.
    pub ca_file: Option<PathBuf>,
    /// `--cert-file` (with `key-file`).
    pub cert_file: Option<PathBuf>,
    /// `--key-file` (with `cert-file`).
    pub key_file: Option<PathBuf>,
    /// `-H`: name to value.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `--concurrency`.
    pub concurrency: Option<usize>,
    /// `ORAS_CHUNKED_ABOVE`.
    pub chunked_above: Option<u64>,
    /// `ORAS_CHUNK_SIZE`.
    pub chunk_size: Option<u64>,
    /// `ORAS_DOWNLOAD_CONNECTIONS`.
    pub download_connections: Option<u64>,
    /// `ORAS_PARALLEL_ABOVE`.
    pub parallel_above: Option<u64>,
    /// `ORAS_SEGMENT_SIZE`.
    pub segment_size: Option<u64>,
    /// `ORAS_READ_TIMEOUT` (seconds).
    pub read_timeout: Option<u64>,
    /// Registries (`host[:port][/path]`) to read content from before this one, in order.
    pub mirrors: Option<Vec<String>>,
    /// Resolve tags at the mirrors too.
    pub mirror_tags: Option<bool>,
}

impl Section {
    /// The keys this section sets, as the file names them.
    pub fn keys(&self) -> Vec<&'static str> {
        [
            (self.plain_http.is_some(), "plain-http"),
            (self.insecure.is_some(), "insecure"),
            (self.ca_file.is_some(), "ca-file"),
            (self.cert_file.is_some(), "cert-file"),
            (self.key_file.is_some(), "key-file"),
            (!self.headers.is_empty(), "headers"),
            (self.concurrency.is_some(), "concurrency"),
            (self.chunked_above.is_some(), "chunked-above"),
            (self.chunk_size.is_some(), "chunk-size"),
            (self.download_connections.is_some(), "download-connections"),
            (self.parallel_above.is_some(), "parallel-above"),
            (self.segment_size.is_some(), "segment-size"),
            (self.read_timeout.is_some(), "read-timeout"),
            (self.mirrors.is_some(), "mirrors"),
            (self.mirror_tags.is_some(), "mirror-tags"),
        ]
        .into_iter()
        .filter_map(|(set, key)| set.then_some(key))
        .collect()
    }
}

/// A read and checked configuration file.
#[derive(Debug, Default)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// `[default]`.
    pub default: Section,
    /// `[registry."host[:port]"]` sections by host.
    pub registries: BTreeMap<String, Section>,
}

/// The file to read: `ORAS_CONFIG` when set (it must exist), else the default place (which
/// may be missing). `None`: no place to look (no `HOME` either).
pub fn location() -> Option<(PathBuf, bool)> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(p) = var(CONFIG_VAR) {
        return Some((PathBuf::from(p), true));
    }
    let dir = match var("XDG_CONFIG_HOME").map(PathBuf::from) {
        Some(d) if d.is_absolute() => d,
        _ => PathBuf::from(var("HOME")?).join(".config"),
    };
    Some((dir.join("oras").join("config.toml"), false))
}

/// Reads the file at `path`; `Ok(None)` when it is missing and not `required`.
pub fn read(path: &Path, required: bool) -> Result<Option<ConfigFile>, String> {
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8(b)
            .map_err(|_| format!("invalid config file {path:?}: not valid UTF-8"))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot read config file {path:?}: {}",
                oras::error::io_reason(&e)
            ));
        }
    };
    parse(path, &text).map(Some)
}

/// Parses and checks the text of the file at `path`.
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, String> {
    let at = |span: Option<std::ops::Range<usize>>, why: &str| match span {
        Some(s) => {
            let (line, column) = line_column(text, s.start);
            format!("invalid config file {path:?}: line {line}, column {column}: {why}")
        }
        None => format!("invalid config file {path:?}: {why}"),
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| at(e.span(), e.message().trim()))?;
    let base = path.parent().unwrap_or(Path::new(""));
    let mut default = raw.default;
    if default.mirrors.is_some() || default.mirror_tags.is_some() {
        return Err(at(
            None,
            "[default]: mirrors and mirror-tags are set per registry",
        ));
    }
    check(&mut default, base).map_err(|why| at(None, &format!("[default]: {why}")))?;
    let mut registries = BTreeMap::new();
    for (host, mut section) in raw.registry {
        let name = format!("[registry.{host:?}]");
        check_host(&host).map_err(|why| at(None, &format!("{name}: {why}")))?;
        check(&mut section, base).map_err(|why| at(None, &format!("{name}: {why}")))?;
        registries.insert(host, section);
    }
    Ok(ConfigFile {
        path: path.to_path_buf(),
        default,
        registries,
    })
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// A registry section's name: `host[:port]`, as in a reference.
fn check_host(host: &str) -> Result<(), String> {
    match oras_spec::Reference::parse(&format!("{host}/r")) {
        Ok(r) if r.registry == host => Ok(()),
        _ => Err("not a registry host[:port]".into()),
    }
}

/// Checks one section and makes its paths absolute (relative to `base`).
fn check(s: &mut Section, base: &Path) -> Result<(), String> {
    if s.cert_file.is_some() != s.key_file.is_some() {
        return Err("cert-file and key-file are set together".into());
    }
    for p in [&mut s.ca_file, &mut s.cert_file, &mut s.key_file]
        .into_iter()
        .flatten()
    {
        if p.is_relative() {
            *p = base.join(&*p);
        }
    }
    if s.concurrency == Some(0) {
        return Err("concurrency must be at least 1".into());
    }
    for name in s.headers.keys() {
        if name.trim().is_empty() || name.contains(':') {
            return Err(format!("invalid header name {name:?}"));
        }
    }
    for m in s.mirrors.iter().flatten() {
        let ok =
            oras_spec::Reference::parse(&format!("{m}/r")).is_ok_and(|r| r.reference.is_empty());
        if !ok {
            return Err(format!(
                "invalid mirror {m:?}: expecting host[:port][/path]"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<ConfigFile, String> {
        parse(Path::new("/etc/oras/config.toml"), text)
    }

    #[test]
    fn reads_sections_and_makes_paths_absolute() {
        let c = parse_str(
            "[default]\nconcurrency = 5\n[registry.\"localhost:5000\"]\nplain-http = true\nca-file = \"ca.pem\"\nheaders = { X-Team = \"infra\" }\nmirrors = [\"localhost:5001/cache\"]\n",
        )
        .unwrap();
        assert_eq!(c.default.concurrency, Some(5));
        let r = &c.registries["localhost:5000"];
        assert_eq!(r.plain_http, Some(true));
        assert_eq!(r.ca_file.as_deref(), Some(Path::new("/etc/oras/ca.pem")));
        assert_eq!(r.headers["X-Team"], "infra");
    }

    #[test]
    fn names_the_line_of_an_unknown_key() {
        let e = parse_str("[default]\nconcurrency = 2\nplain_http = true\n").unwrap_err();
        assert!(e.starts_with("invalid config file \"/etc/oras/config.toml\": line 3, column 1: unknown field `plain_http`"), "{e}");
    }

    #[test]
    fn refuses_what_does_not_fit() {
        for (text, why) in [
            ("[default]\nmirrors = [\"m\"]\n", "set per registry"),
            ("[registry.\"h:5000\"]\ncert-file = \"c\"\n", "set together"),
            (
                "[registry.\"h:5000\"]\nmirrors = [\"m:1/x:tag\"]\n",
                "invalid mirror",
            ),
            ("[registry.\"not a host\"]\n", "not a registry"),
            ("[default]\nconcurrency = 0\n", "at least 1"),
            ("[default]\nchunk-size = -1\n", "line 2"),
            ("[mirrors]\n", "unknown field `mirrors`"),
            ("[default\n", "line 1"),
        ] {
            let e = parse_str(text).unwrap_err();
            assert!(e.contains(why), "{text:?}: {e}");
        }
    }
}
