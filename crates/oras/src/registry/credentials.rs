//! Credentials from Docker's `config.json` and `docker-credential-<name>` helpers, as oras
//! reads and writes them (`login`, `logout`, and every registry command).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Map, Value};
use tokio::io::AsyncWriteExt;

use crate::diagnostics::{CREDENTIALS, HELPER_OUTPUT};
use crate::error::{Error, ErrorKind, Result};
use crate::registry::auth::Credential;
use crate::registry::client::CredentialProvider;

/// The key Docker Hub credentials are stored under.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// The server address credentials for `registry` are stored under.
pub fn server_address(registry: &str) -> String {
    match registry {
        "docker.io" | "registry-1.docker.io" | "index.docker.io" => DOCKER_HUB_KEY.to_string(),
        other => other.to_string(),
    }
}

/// The default config file: `$DOCKER_CONFIG/config.json` or `~/.docker/config.json` (the
/// library's only reading of the environment).
pub fn default_config_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("config.json");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".docker").join("config.json")
}

/// One Docker config file; unknown fields survive a rewrite.
pub struct ConfigFile {
    path: PathBuf,
    raw: Map<String, Value>,
}

fn host_of(key: &str) -> &str {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or(k)
}

impl ConfigFile {
    /// Loads `path`; a missing or empty file is an empty config.
    pub fn load(path: &Path) -> Result<ConfigFile> {
        let raw = match std::fs::read(path) {
            Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Map::new(),
            Ok(b) => serde_json::from_slice::<Map<String, Value>>(&b).map_err(|e| {
                Error::invalid(format!(
                    "failed to decode config file {}: invalid config format: {e}",
                    path.display()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(e) => {
                return Err(Error::from(e)
                    .context(format!("failed to read config file {}", path.display())));
            }
        };
        Ok(ConfigFile {
            path: path.to_path_buf(),
            raw,
        })
    }

    /// Where the file is (or would be created).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn helper_for(&self, server: &str) -> Option<String> {
        if let Some(h) = self
            .raw
            .get("credHelpers")
            .and_then(|v| v.get(server))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            return Some(h.to_string());
        }
        self.raw
            .get("credsStore")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    fn auth_entry(&self, server: &str) -> Option<&Map<String, Value>> {
        let auths = self.raw.get("auths")?.as_object()?;
        if let Some(e) = auths.get(server).and_then(Value::as_object) {
            return Some(e);
        }
        let host = host_of(server);
        auths
            .iter()
            .find(|(k, _)| host_of(k) == host)
            .and_then(|(_, v)| v.as_object())
    }

    /// The credential stored for `server` (helpers first, then `auths`). A helper that cannot
    /// be started gives no credential (and a [`CREDENTIALS`] warning).
    pub async fn get(&self, server: &str) -> Result<Credential> {
        self.lookup(server, &Mutex::default()).await
    }

    /// [`ConfigFile::get`], skipping (and warning once about) the helpers in `missing`, which
    /// collects those that cannot be started.
    async fn lookup(&self, server: &str, missing: &Mutex<HashSet<String>>) -> Result<Credential> {
        if let Some(helper) = self.helper_for(server) {
            if lock(missing).contains(&helper) {
                return Ok(Credential::default());
            }
            if let Some(cred) = helper_get(&helper, server).await? {
                return Ok(cred);
            }
            // a missing helper (Docker Desktop not running, a config copied from another
            // machine) must not break anonymous access: go on without credentials, and say so
            if lock(missing).insert(helper.clone()) {
                tracing::warn!(
                    target: CREDENTIALS,
                    registry = %server,
                    "credential helper docker-credential-{helper} is not available; continuing without credentials"
                );
            }
            return Ok(Credential::default());
        }
        let Some(entry) = self.auth_entry(server) else {
            return Ok(Credential::default());
        };
        let s = |k: &str| {
            entry
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut cred = Credential {
            refresh_token: s("identitytoken"),
            access_token: s("registrytoken"),
            ..Default::default()
        };
        let auth = s("auth");
        if !auth.is_empty() {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|e| {
                    Error::invalid(format!("invalid auth in {}: {e}", self.path.display()))
                })?;
            let decoded = String::from_utf8_lossy(&decoded).into_owned();
            let (u, p) = decoded.split_once(':').ok_or_else(|| {
                Error::invalid(format!(
                    "invalid auth in {}: missing ':'",
                    self.path.display()
                ))
            })?;
            cred.username = u.to_string();
            cred.password = p.to_string();
        } else {
            cred.username = s("username");
            cred.password = s("password");
        }
        Ok(cred)
    }

    /// Stores a credential for `server` (through the helper when one is configured).
    pub async fn put(&mut self, server: &str, cred: &Credential) -> Result<()> {
        if cred.username.contains(':') {
            return Err(Error::invalid(
                "bad credential format: colons(:) are not allowed in username",
            ));
        }
        if let Some(helper) = self.helper_for(server) {
            return helper_store(&helper, server, cred).await;
        }
        let mut entry = Map::new();
        if !cred.refresh_token.is_empty() {
            entry.insert(
                "identitytoken".into(),
                Value::String(cred.refresh_token.clone()),
            );
        } else {
            let auth = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", cred.username, cred.password));
            entry.insert("auth".into(), Value::String(auth));
        }
        let auths = self
            .raw
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        if !auths.is_object() {
            *auths = Value::Object(Map::new());
        }
        auths
            .as_object_mut()
            .expect("object")
            .insert(server.to_string(), Value::Object(entry));
        self.save()
    }

    /// Removes the credential stored for exactly `server`.
    pub async fn delete(&mut self, server: &str) -> Result<()> {
        if let Some(helper) = self.helper_for(server) {
            return helper_erase(&helper, server).await;
        }
        let removed = self
            .raw
            .get_mut("auths")
            .and_then(Value::as_object_mut)
            .and_then(|a| a.remove(server))
            .is_some();
        if removed { self.save() } else { Ok(()) }
    }

    /// Writes the file atomically (temp file + rename) with mode 0600, tab-indented, keys sorted.
    fn save(&self) -> Result<()> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::from(e).context(format!("failed to create {}", dir.display())))?;
        let sorted: std::collections::BTreeMap<&String, &Value> = self.raw.iter().collect();
        let mut data = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut data,
            serde_json::ser::PrettyFormatter::with_indent(b"\t"),
        );
        serde::Serialize::serialize(&sorted, &mut ser)
            .map_err(|e| Error::invalid(e.to_string()))?;
        let tmp = dir.join(format!(
            ".{}.tmp-{}",
            self.path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("config.json"),
            std::process::id()
        ));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            std::io::Write::write_all(&mut f, &data)?;
            f.sync_data()?;
            std::fs::rename(&tmp, &self.path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::from(e).context(format!("failed to write {}", self.path.display()))
        })
    }
}

/// Runs `docker-credential-<helper> <action>` with `input` on stdin; returns whether it
/// succeeded and what it printed. `Ok(None)` when the helper cannot be started at all (not
/// installed, or Docker Desktop's helper while Desktop is not running).
async fn run_helper(helper: &str, action: &str, input: &[u8]) -> Result<Option<(bool, String)>> {
    let program = format!("docker-credential-{helper}");
    let spawned = tokio::process::Command::new(&program)
        .arg(action)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::new(
                ErrorKind::Io,
                format!("failed to run credential helper {program}: {e}"),
            ));
        }
    };
    if let Some(mut stdin) = child.stdin.take()
        && let Err(e) = stdin.write_all(input).await
        // a helper that answers without reading its input has closed the pipe: its answer
        // still counts
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .map_err(|_| {
            Error::new(
                ErrorKind::Io,
                format!("credential helper {program} timed out"),
            )
        })??;
    if !out.stderr.is_empty() {
        // what the helper says on its stderr is for the user (a prompt, a keychain notice)
        let said = &out.stderr[..out.stderr.len().min(MAX_HELPER_STDERR)];
        let said = String::from_utf8_lossy(said);
        let said = said.strip_suffix('\n').unwrap_or(&said);
        tracing::warn!(target: HELPER_OUTPUT, helper = %program, "{said}");
    }
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() && text.is_empty() {
        return Ok(Some((
            false,
            format!("{program} {action} failed ({})", out.status),
        )));
    }
    Ok(Some((out.status.success(), text)))
}

/// Fails for a helper that cannot be started (storing or erasing needs it).
fn required(helper: &str, ran: Option<(bool, String)>) -> Result<(bool, String)> {
    ran.ok_or_else(|| {
        if helper == "desktop.exe" {
            Error::new(
                ErrorKind::Unauthorized,
                "credentials store is configured to `desktop.exe` but Docker Desktop seems not running",
            )
        } else {
            Error::new(
                ErrorKind::Io,
                format!("failed to run credential helper docker-credential-{helper}: not found"),
            )
        }
    })
}

/// The credential `helper` gives for `server`; `None` when the helper cannot be started.
async fn helper_get(helper: &str, server: &str) -> Result<Option<Credential>> {
    match run_helper(helper, "get", server.as_bytes()).await? {
        Some((ok, out)) => parse_helper_answer(helper, ok, &out).map(Some),
        None => Ok(None),
    }
}

/// How much of a helper's stderr is passed on.
const MAX_HELPER_STDERR: usize = 64 << 10;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What `docker-credential-<helper> get` printed (and whether it succeeded), as a credential:
/// `{"Username":…,"Secret":…}`, with `<token>` as the username of an identity token; "not
/// found" means no credential.
fn parse_helper_answer(helper: &str, ok: bool, out: &str) -> Result<Credential> {
    if !ok {
        if out.contains("credentials not found in native keychain") {
            return Ok(Credential::default());
        }
        return Err(Error::new(ErrorKind::Unauthorized, out));
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "Username", default)]
        username: String,
        #[serde(rename = "Secret", default)]
        secret: String,
    }
    let a: Answer = serde_json::from_str(out).map_err(|e| {
        Error::invalid(format!(
            "invalid answer from docker-credential-{helper}: {e}"
        ))
    })?;
    if a.username == "<token>" {
        return Ok(Credential {
            refresh_token: a.secret,
            ..Default::default()
        });
    }
    Ok(Credential::basic(a.username, a.secret))
}

async fn helper_store(helper: &str, server: &str, cred: &Credential) -> Result<()> {
    let (user, secret) = if cred.refresh_token.is_empty() {
        (cred.username.as_str(), cred.password.as_str())
    } else {
        ("<token>", cred.refresh_token.as_str())
    };
    let input =
        serde_json::json!({"ServerURL": server, "Username": user, "Secret": secret}).to_string();
    let (ok, out) = required(helper, run_helper(helper, "store", input.as_bytes()).await?)?;
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Io, out))
    }
}

async fn helper_erase(helper: &str, server: &str) -> Result<()> {
    let (ok, out) = required(
        helper,
        run_helper(helper, "erase", server.as_bytes()).await?,
    )?;
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Io, out))
    }
}

/// Credentials from a list of config files: the first is primary, the others read fallbacks.
pub struct CredentialStore {
    paths: Vec<PathBuf>,
    /// Credential helpers that could not be started: not tried again by this store.
    missing_helpers: Mutex<HashSet<String>>,
}

impl CredentialStore {
    /// `paths` empty means the default Docker config ([`default_config_path`], which reads
    /// `DOCKER_CONFIG` and `HOME`).
    pub fn new(paths: Vec<PathBuf>) -> CredentialStore {
        let paths = if paths.is_empty() {
            vec![default_config_path()]
        } else {
            paths
        };
        CredentialStore {
            paths,
            missing_helpers: Mutex::default(),
        }
    }

    /// The primary config file path.
    pub fn primary(&self) -> &Path {
        &self.paths[0]
    }

    /// Stores a credential for `registry` in the primary file.
    pub async fn store(&self, registry: &str, cred: &Credential) -> Result<()> {
        ConfigFile::load(self.primary())?
            .put(&server_address(registry), cred)
            .await
    }

    /// Removes the credential of `registry` from the primary file.
    pub async fn remove(&self, registry: &str) -> Result<()> {
        ConfigFile::load(self.primary())?
            .delete(&server_address(registry))
            .await
    }
}

#[async_trait]
impl CredentialProvider for CredentialStore {
    async fn credential(&self, host: &str) -> Result<Credential> {
        let server = server_address(host);
        for p in &self.paths {
            let c = ConfigFile::load(p)?
                .lookup(&server, &self.missing_helpers)
                .await?;
            if !c.is_empty() {
                return Ok(c);
            }
        }
        Ok(Credential::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_keeps_other_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            br#"{"auths":{"http://legacy:7000/":{"auth":"dTpw"}},"proxies":{"x":1}}"#,
        )
        .unwrap();
        let mut f = ConfigFile::load(&path).unwrap();
        assert_eq!(
            f.get("legacy:7000").await.unwrap(),
            Credential::basic("u", "p")
        );
        f.put("localhost:5000", &Credential::basic("user", "pass"))
            .await
            .unwrap();
        let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(saved["proxies"]["x"], 1);
        assert_eq!(saved["auths"]["localhost:5000"]["auth"], "dXNlcjpwYXNz");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let mut f = ConfigFile::load(&path).unwrap();
        f.delete("localhost:5000").await.unwrap();
        assert!(
            ConfigFile::load(&path)
                .unwrap()
                .get("localhost:5000")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(f.put("x", &Credential::basic("a:b", "c")).await.is_err());
        std::fs::write(&path, b"{bad").unwrap();
        assert!(
            ConfigFile::load(&path)
                .err()
                .unwrap()
                .to_string()
                .contains("invalid config format")
        );
    }
}

#[cfg(test)]
mod proptests;
