//! Registry connection flags: credentials, TLS, headers, address overrides; and the client
//! they build.

use std::path::PathBuf;
use std::sync::Arc;

use clap::ArgMatches;
use oras::Side;

use clap::Args;
use oras::registry::auth::Credential;
use oras::registry::credentials::CredentialStore;
use oras::registry::{Client, ClientBuilder, ClientOptions, ResolveRule};

use super::config::for_host;
use super::settings::read_timeout;
use crate::error::{CliError, CliResult, check_exclusive, fail};
use crate::output::warn;

/// Registry connection flags.
#[derive(Args, Debug, Clone, Default)]
pub struct RemoteOpts {
    /// registry username
    #[arg(short = 'u', long)]
    pub username: Option<String>,
    /// registry password or identity token
    #[arg(short = 'p', long)]
    pub password: Option<String>,
    /// registry identity token
    #[arg(long)]
    pub identity_token: Option<String>,
    /// read password from stdin
    #[arg(long)]
    pub password_stdin: bool,
    /// read identity token from stdin
    #[arg(long)]
    pub identity_token_stdin: bool,
    /// allow connections to SSL registry without certs
    #[arg(long)]
    pub insecure: bool,
    /// allow insecure connections to registry without SSL check
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub plain_http: Option<bool>,
    /// server certificate authority file for the remote registry
    #[arg(long)]
    pub ca_file: Option<String>,
    /// client certificate file for the remote registry
    #[arg(long)]
    pub cert_file: Option<String>,
    /// client private key file for the remote registry
    #[arg(long)]
    pub key_file: Option<String>,
    /// customized DNS for registry, formatted in `host:port:address[:address_port]`
    #[arg(long)]
    pub resolve: Vec<String>,
    /// `path` of the authentication file for registry
    #[arg(long)]
    pub registry_config: Vec<String>,
    /// add custom headers to requests
    #[arg(short = 'H', long)]
    pub header: Vec<String>,
    /// Prefix of these flags' names in errors (`from-`, `to-` for `cp`'s two sides).
    #[arg(skip)]
    pub flag_prefix: &'static str,
}

/// The credentials file of the command line `matches`, as given, for the hint after a
/// missing credential: the first `--registry-config` (for `cp`, `--from-registry-config` or
/// `--to-registry-config` by the side that lacked one), else the default docker config.
pub fn credentials_file(matches: &ArgMatches, side: Option<Side>) -> String {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    let ids = match side {
        Some(Side::Destination) => ["to_registry_config", "registry_config"],
        _ => ["from_registry_config", "registry_config"],
    };
    ids.iter()
        .find_map(|id| {
            let mut given = m.try_get_many::<String>(id).ok().flatten()?;
            given.next().cloned()
        })
        .unwrap_or_else(|| {
            oras::registry::credentials::default_config_path()
                .display()
                .to_string()
        })
}

/// Reads a secret from stdin: all of it, minus one trailing `\n` then `\r`.
fn read_stdin_secret() -> CliResult<String> {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
    if s.ends_with('\n') {
        s.pop();
    }
    if s.ends_with('\r') {
        s.pop();
    }
    Ok(s)
}

impl RemoteOpts {
    /// Checks flag combinations in oras's order and prints oras's warnings: `--username`
    /// with an identity token, then any two secrets, then the headers, then a client
    /// certificate without its key (or the other way round).
    pub fn check(&self) -> CliResult {
        let flag = |name: &str| format!("--{}{name}", self.flag_prefix);
        check_exclusive(&[
            (flag("username"), self.username.is_some()),
            (flag("identity-token"), self.identity_token.is_some()),
            ("--identity-token-stdin".into(), self.identity_token_stdin),
        ])?;
        check_exclusive(&[
            (flag("password"), self.password.is_some()),
            (flag("identity-token"), self.identity_token.is_some()),
            ("--identity-token-stdin".into(), self.identity_token_stdin),
            ("--password-stdin".into(), self.password_stdin),
        ])?;
        for h in &self.header {
            header(h)?;
        }
        let (cert, key) = (flag("cert-file"), flag("key-file"));
        match (self.cert_file.is_some(), self.key_file.is_some()) {
            (true, false) => return fail(format!("{cert} must be used in conjunction with {key}")),
            (false, true) => return fail(format!("{key} must be used in conjunction with {cert}")),
            _ => {}
        }
        if self.identity_token.is_some() {
            warn(
                "WARNING! Using --identity-token via the CLI is insecure. Use --identity-token-stdin.",
            );
        } else if self.password.is_some() {
            warn("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        }
        Ok(())
    }

    /// oras's refusal to read both a file and a secret from stdin (`blob push … -`,
    /// `manifest push … -`), checked before anything else.
    pub fn check_stdin_conflict(&self, file: &str) -> CliResult {
        if file != "-" {
            return Ok(());
        }
        if self.password_stdin {
            return fail(
                "`-` read file from input and `--password-stdin` read password from input cannot be both used",
            );
        }
        if self.identity_token_stdin {
            return fail(
                "`-` read file from input and `--identity-token-stdin` read identity token from input cannot be both used",
            );
        }
        Ok(())
    }

    /// The credential given by flags (reading stdin when asked), if any.
    pub fn flag_credential(&self) -> CliResult<Option<Credential>> {
        let username = self.username.clone().unwrap_or_default();
        let secret = if self.password_stdin || self.identity_token_stdin {
            Some(read_stdin_secret()?)
        } else {
            self.password
                .clone()
                .or_else(|| self.identity_token.clone())
        };
        let is_token = self.identity_token.is_some() || self.identity_token_stdin;
        match secret {
            None if username.is_empty() => Ok(None),
            None => Ok(Some(Credential::basic(username, ""))),
            Some(s) if is_token || username.is_empty() => Ok(Some(Credential {
                refresh_token: s,
                ..Default::default()
            })),
            Some(s) => Ok(Some(Credential::basic(username, s))),
        }
    }

    /// The credential store of `--registry-config` (or the default docker config).
    pub fn store(&self) -> CredentialStore {
        CredentialStore::new(self.registry_config.iter().map(PathBuf::from).collect())
    }

    /// The client settings of the flags (and `ORAS_READ_TIMEOUT`) for `registry`, over the
    /// configuration file's, credentials aside; the User-Agent is oras's. A `-H` header
    /// replaces the file's header of that name; `--insecure` can only turn checks off.
    pub fn transport(&self, registry: &str) -> CliResult<ClientBuilder> {
        let file = for_host(registry)?;
        let mut b = Client::builder()
            .insecure(self.insecure || file.insecure)
            .user_agent(format!("oras/{}", crate::commands::VERSION));
        let flagged = self
            .header
            .iter()
            .map(|h| header(h))
            .collect::<CliResult<Vec<_>>>()?;
        for (k, v) in &file.headers {
            if !flagged.iter().any(|(f, _)| f.eq_ignore_ascii_case(k)) {
                b = b.header(k, v);
            }
        }
        for (k, v) in flagged {
            b = b.header(k, v);
        }
        for r in &self.resolve {
            b = b.resolve(resolve_rule(r)?);
        }
        match (&self.ca_file, &file.ca_file) {
            (Some(ca), _) => b = b.ca_file(ca),
            (None, Some(ca)) => b = b.ca_file(ca),
            (None, None) => {}
        }
        if let (Some(cert), Some(key)) = (&self.cert_file, &self.key_file) {
            b = b.client_cert_files(cert, key);
        } else if let Some((cert, key)) = &file.client_cert {
            b = b.client_cert_files(cert, key);
        }
        Ok(b.read_timeout(read_timeout(registry)?))
    }

    /// The transport settings of [`RemoteOpts::transport`].
    pub fn client_options(&self, registry: &str) -> CliResult<ClientOptions> {
        Ok(self.transport(registry)?.transport_options().clone())
    }

    /// A client for a registry: flag credentials for every host, else the credential store.
    pub fn client(&self, registry: &str) -> CliResult<Arc<Client>> {
        self.check()?;
        let flagged = self.flag_credential()?;
        let b = self.transport(registry)?;
        let b = match flagged {
            Some(c) => b.credential(c),
            None => b.credential_store(self.store()),
        };
        Ok(Arc::new(b.build()?))
    }

    /// Plain HTTP: when asked (the flag, else the configuration file), and by default for the
    /// host `localhost`. (A configuration file that cannot be read was reported by
    /// [`RemoteOpts::transport`], which every caller asks first.)
    pub fn plain_http(&self, registry: &str) -> bool {
        let file = || for_host(registry).ok().and_then(|f| f.plain_http);
        match self.plain_http.or_else(file) {
            Some(v) => v,
            None => registry == "localhost" || registry.starts_with("localhost:"),
        }
    }
}

/// A `-H` header `Name: value` (split at the first `:`, trimmed); an empty name is refused.
fn header(h: &str) -> CliResult<(&str, &str)> {
    match h.split_once(':') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim(), v.trim())),
        _ => fail(format!("invalid header: {h:?}")),
    }
}

/// A `--resolve` rule: `host:port:address[:address_port]`.
fn resolve_rule(r: &str) -> CliResult<ResolveRule> {
    let bad = |why: &str| CliError::new(format!("failed to parse resolve flag {r:?}: {why}"));
    let parts: Vec<&str> = r.splitn(4, ':').collect();
    if parts.len() < 3 {
        return Err(bad("expecting host:port:address[:address_port]"));
    }
    let port: u16 = parts[1]
        .parse()
        .map_err(|_| bad("expecting uint64 host port"))?;
    let ip: std::net::IpAddr = parts[2].parse().map_err(|_| bad("invalid IP address"))?;
    let addr_port: u16 = match parts.get(3) {
        Some(p) => p
            .parse()
            .map_err(|_| bad("expecting uint64 address port"))?,
        None => port,
    };
    Ok(ResolveRule {
        host: parts[0].to_string(),
        port,
        addr: std::net::SocketAddr::new(ip, addr_port),
    })
}
