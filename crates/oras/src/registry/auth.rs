//! Registry authentication pieces: credentials, `WWW-Authenticate` challenges and scopes.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;

use crate::error::Result;

/// A credential for one registry host. Empty fields are absent.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credential {
    /// The user name (Basic auth, or the token service's password grant).
    pub username: String,
    /// The password that goes with [`Credential::username`].
    pub password: String,
    /// Identity (OAuth2 refresh) token.
    pub refresh_token: String,
    /// Registry (bearer) access token used as is.
    pub access_token: String,
}

impl Credential {
    /// No user, password or token at all.
    pub fn is_empty(&self) -> bool {
        self.username.is_empty()
            && self.password.is_empty()
            && self.refresh_token.is_empty()
            && self.access_token.is_empty()
    }

    /// Username and password.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Credential {
        Credential {
            username: username.into(),
            password: password.into(),
            ..Default::default()
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mask = |s: &str| if s.is_empty() { "" } else { "*****" };
        f.debug_struct("Credential")
            .field("username", &self.username)
            .field("password", &mask(&self.password))
            .field("refresh_token", &mask(&self.refresh_token))
            .field("access_token", &mask(&self.access_token))
            .finish()
    }
}

/// Where credentials for a host come from.
#[async_trait]
pub trait CredentialProvider: Send + Sync {
    /// The credential for `host` (`host[:port]`); empty when there is none.
    async fn credential(&self, host: &str) -> Result<Credential>;
}

/// One credential for every host (the `-u/-p` flags).
pub struct StaticCredential(pub Credential);

#[async_trait]
impl CredentialProvider for StaticCredential {
    async fn credential(&self, _host: &str) -> Result<Credential> {
        Ok(self.0.clone())
    }
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: String,
        scopes: Vec<String>,
        error: String,
    },
    Unknown,
}

/// Parses a challenge header: the scheme (case-insensitive) then `key=value` / `key="value"`
/// parameters separated by commas. Stops at the first syntax error.
pub(crate) fn parse_challenge(header: &str) -> Challenge {
    let header = header.trim();
    let (scheme, rest) = match header.find(' ') {
        Some(i) => (&header[..i], header[i + 1..].trim()),
        None => (header, ""),
    };
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Challenge::Basic,
        "bearer" => {
            let params = parse_params(rest);
            Challenge::Bearer {
                realm: params.get("realm").cloned().unwrap_or_default(),
                service: params.get("service").cloned().unwrap_or_default(),
                scopes: params
                    .get("scope")
                    .map(|s| {
                        s.split(' ')
                            .filter(|x| !x.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                error: params.get("error").cloned().unwrap_or_default(),
            }
        }
        _ => Challenge::Unknown,
    }
}

fn parse_params(mut s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    loop {
        s = s.trim_start_matches([' ', ',']);
        if s.is_empty() {
            return out;
        }
        let Some(eq) = s.find('=') else { return out };
        let key = s[..eq].trim().to_ascii_lowercase();
        s = &s[eq + 1..];
        let value;
        if let Some(rest) = s.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = rest.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => v.push(c),
                }
            }
            let Some(end) = end else { return out };
            value = v;
            s = &rest[end + 1..];
        } else {
            let end = s.find(',').unwrap_or(s.len());
            value = s[..end].trim().to_string();
            s = &s[end..];
        }
        out.insert(key, value);
    }
}

/// `repository:<name>:<actions>`.
pub(crate) fn repository_scope(repository: &str, actions: &[&str]) -> String {
    format!("repository:{repository}:{}", actions.join(","))
}

/// The scope for listing repositories.
pub(crate) const CATALOG_SCOPE: &str = "registry:catalog:*";

/// Merges scopes per resource (actions united and sorted, `*` wins) and sorts them.
pub(crate) fn clean_scopes<I: IntoIterator<Item = S>, S: AsRef<str>>(scopes: I) -> Vec<String> {
    let mut merged: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut others = std::collections::BTreeSet::new();
    for s in scopes {
        let s = s.as_ref();
        match s.rfind(':') {
            Some(i) if s[..i].contains(':') => {
                let entry = merged.entry(s[..i].to_string()).or_default();
                entry.extend(
                    s[i + 1..]
                        .split(',')
                        .filter(|a| !a.is_empty())
                        .map(str::to_string),
                );
            }
            _ => {
                if !s.is_empty() {
                    others.insert(s.to_string());
                }
            }
        }
    }
    let mut out: Vec<String> = merged
        .into_iter()
        .filter(|(_, actions)| !actions.is_empty())
        .map(|(res, actions)| {
            if actions.contains("*") {
                format!("{res}:*")
            } else {
                format!(
                    "{res}:{}",
                    actions.into_iter().collect::<Vec<_>>().join(",")
                )
            }
        })
        .collect();
    out.extend(others);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge("Basic realm=\"test-realm\""),
            Challenge::Basic
        );
        let c = parse_challenge(
            "Bearer realm=\"http://127.0.0.1:5999/token\",service=\"oras-test\",scope=\"repository:foo/bar:pull,push\",error=\"insufficient_scope\"",
        );
        assert_eq!(
            c,
            Challenge::Bearer {
                realm: "http://127.0.0.1:5999/token".into(),
                service: "oras-test".into(),
                scopes: vec!["repository:foo/bar:pull,push".into()],
                error: "insufficient_scope".into()
            }
        );
        assert!(matches!(
            parse_challenge("bearer realm=x"),
            Challenge::Bearer { .. }
        ));
        assert_eq!(parse_challenge("Negotiate"), Challenge::Unknown);
    }

    #[test]
    fn scopes_merge() {
        let s = clean_scopes([
            "repository:a:push",
            "repository:a:pull",
            "repository:b:pull",
            "registry:catalog:*",
            "repository:a:pull",
        ]);
        assert_eq!(
            s,
            vec![
                "registry:catalog:*",
                "repository:a:pull,push",
                "repository:b:pull"
            ]
        );
        assert_eq!(
            clean_scopes(["repository:a:pull", "repository:a:*"]),
            vec!["repository:a:*"]
        );
    }

    #[test]
    fn credential_debug_hides_secrets() {
        let c = Credential::basic("u", "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
