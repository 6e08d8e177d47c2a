//! Answering authentication challenges (Basic, Bearer) and caching what they give: Basic per
//! host, tokens per host and scope set, renewed before they expire.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use url::Url;

use super::send::Failure;
use super::{Client, host_port, net_err};
use crate::error::{Error, ErrorKind, Result};
use crate::registry::auth::{Challenge, Credential, clean_scopes, parse_challenge};
use crate::registry::client::body::{error_chain, read_limited};
use crate::registry::client::route::origin;
use crate::registry::idle::Activity;

const MAX_TOKEN_RESPONSE: usize = 128 << 10;

#[derive(Default)]
pub(super) struct HostAuth {
    basic: Option<String>,
    /// Tokens by scope set.
    bearer: HashMap<String, Bearer>,
    /// Realm and service of the host's last Bearer challenge, to renew tokens before they
    /// expire (a one-shot request body cannot be sent again after a 401).
    realm: Option<(String, String)>,
}

struct Bearer {
    token: String,
    /// When to fetch a new one (90 % of its lifetime); `None` for a token that is used as is.
    renew_at: Option<tokio::time::Instant>,
}

impl Bearer {
    fn new(token: String, lifetime: Option<Duration>) -> Bearer {
        Bearer {
            token,
            // a lifetime beyond what the clock can hold is a token that never needs renewing
            renew_at: lifetime
                .and_then(|l| tokio::time::Instant::now().checked_add(l.mul_f64(0.9))),
        }
    }

    fn is_fresh(&self) -> bool {
        self.renew_at
            .is_none_or(|t| tokio::time::Instant::now() < t)
    }
}

/// Lifetime of a token whose response gives none (the distribution token specification).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60);

impl Client {
    /// The cached `Authorization` value for `host` and a scope set: Basic, or a token that is
    /// still fresh. `Err` carries the realm and service to renew an expiring token with.
    fn cached_auth(
        &self,
        host: &str,
        scope_key: &str,
    ) -> std::result::Result<Option<String>, (String, String)> {
        let auth = self.auth.lock().expect("auth cache");
        let Some(h) = auth.get(host) else {
            return Ok(None);
        };
        if let Some(b) = &h.basic {
            return Ok(Some(b.clone()));
        }
        match (h.bearer.get(scope_key), &h.realm) {
            (Some(t), _) if t.is_fresh() => Ok(Some(format!("Bearer {}", t.token))),
            (Some(_), Some(realm)) => Err(realm.clone()),
            _ => Ok(None),
        }
    }

    /// The `Authorization` value for a request to `url`, renewing a token about to expire.
    pub(super) async fn auth_value(
        &self,
        url: &Url,
        host: &str,
        scopes: &[String],
        scope_key: &str,
    ) -> Result<Option<String>> {
        let (realm, service) = match self.cached_auth(host, scope_key) {
            Ok(value) => return Ok(value),
            Err(realm) => realm,
        };
        let _guard = self.token_lock.lock().await;
        // another request may have renewed it while this one waited
        if let Ok(Some(value)) = self.cached_auth(host, scope_key) {
            return Ok(Some(value));
        }
        let (token, lifetime) = self
            .fetch_token(url, &realm, &service, scopes, host)
            .await?;
        let value = format!("Bearer {token}");
        let mut auth = self.auth.lock().expect("auth cache");
        let h = auth.entry(host.to_string()).or_default();
        h.bearer
            .insert(scope_key.to_string(), Bearer::new(token, lifetime));
        Ok(Some(value))
    }
    /// Answers a challenge by caching an `Authorization` value; false if it cannot.
    pub(super) async fn authorize(
        &self,
        url: &Url,
        challenge: &str,
        scopes: &[String],
        scope_key: &str,
    ) -> Result<bool> {
        let host = host_port(url);
        match parse_challenge(challenge) {
            Challenge::Basic => {
                let cred = self.credentials.credential(&host).await?;
                if cred.username.is_empty() && cred.password.is_empty() {
                    return Err(Error::new(
                        ErrorKind::MissingCredential,
                        "basic credential not found",
                    ));
                }
                if cred.username.is_empty() || cred.password.is_empty() {
                    return Err(Error::new(
                        ErrorKind::Unauthorized,
                        "missing username or password for basic auth",
                    ));
                }
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", cred.username, cred.password));
                let mut auth = self.auth.lock().expect("auth cache");
                let h = auth.entry(host).or_default();
                h.bearer.clear();
                h.basic = Some(format!("Basic {token}"));
                Ok(true)
            }
            Challenge::Bearer {
                realm,
                service,
                scopes: challenged,
                ..
            } => {
                let all = clean_scopes(scopes.iter().chain(challenged.iter()));
                let _guard = self.token_lock.lock().await;
                let (token, lifetime) =
                    self.fetch_token(url, &realm, &service, &all, &host).await?;
                let mut auth = self.auth.lock().expect("auth cache");
                let h = auth.entry(host).or_default();
                h.basic = None;
                h.realm = Some((realm, service));
                h.bearer
                    .insert(all.join(" "), Bearer::new(token.clone(), lifetime));
                h.bearer
                    .insert(scope_key.to_string(), Bearer::new(token, lifetime));
                Ok(true)
            }
            Challenge::Unknown => Ok(false),
        }
    }

    /// Gets a token for `scopes` from the realm of a Bearer challenge: the credential's access
    /// token as is, else one the realm hands out for its refresh token (OAuth2 POST) or for its
    /// user and password (or none: anonymous GET).
    async fn fetch_token(
        &self,
        registry: &Url,
        realm: &str,
        service: &str,
        scopes: &[String],
        host: &str,
    ) -> Result<(String, Option<Duration>)> {
        let realm_url = token_realm(registry, realm)?;
        let cred = self.credentials.credential(host).await?;
        if !cred.access_token.is_empty() {
            return Ok((cred.access_token, None));
        }
        let same = origin(&realm_url) == origin(registry);
        let client = if same { &self.http } else { &self.foreign };
        let rb = if !cred.refresh_token.is_empty() {
            refresh_grant(client, &realm_url, &cred.refresh_token, service, scopes)
        } else {
            token_get(client, &realm_url, service, scopes, &cred)
        };
        let req = rb
            .build()
            .map_err(|e| net_err(&Method::GET, &realm_url, e))?;
        let method = req.method().clone();
        let resp = match self
            .execute(client, req, &realm_url, &Activity::new())
            .await
        {
            Ok(r) => r,
            Err(Failure::Http(e)) => return Err(net_err(&method, &realm_url, error_chain(&e))),
            Err(Failure::Idle(e)) => return Err(e),
        };
        if !resp.status().is_success() {
            return Err(Client::error(&method, resp).await);
        }
        let body = read_limited(resp, MAX_TOKEN_RESPONSE + 1).await?;
        if body.len() > MAX_TOKEN_RESPONSE {
            return Err(Error::new(
                ErrorKind::SizeExceedsLimit,
                "token response exceeds 128 KiB",
            ));
        }
        parse_token_response(&body)
    }
}

/// The realm URL of a Bearer challenge; an `http` realm only for an `http` registry.
fn token_realm(registry: &Url, realm: &str) -> Result<Url> {
    let realm_url = Url::parse(realm).map_err(|e| {
        Error::new(
            ErrorKind::Unauthorized,
            format!("invalid token realm {realm:?}: {e}"),
        )
    })?;
    match realm_url.scheme() {
        "https" => Ok(realm_url),
        "http" if registry.scheme() == "http" => Ok(realm_url),
        _ => Err(Error::new(
            ErrorKind::Unauthorized,
            format!("refusing token realm {realm:?}: insecure scheme"),
        )),
    }
}

/// The OAuth2 refresh-token grant (a form POST to the realm), as oras-go sends it.
fn refresh_grant(
    client: &reqwest::Client,
    realm_url: &Url,
    refresh_token: &str,
    service: &str,
    scopes: &[String],
) -> reqwest::RequestBuilder {
    let mut form = vec![
        ("grant_type", "refresh_token".to_string()),
        ("refresh_token", refresh_token.to_string()),
        ("service", service.to_string()),
        ("client_id", "oras-go".to_string()),
    ];
    if !scopes.is_empty() {
        form.push(("scope", scopes.join(" ")));
    }
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    client
        .post(realm_url.clone())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
}

/// The distribution token request: a GET with the service and scopes in the query, with the
/// credential's user and password (Basic) when it has any.
fn token_get(
    client: &reqwest::Client,
    realm_url: &Url,
    service: &str,
    scopes: &[String],
    cred: &Credential,
) -> reqwest::RequestBuilder {
    let mut u = realm_url.clone();
    {
        let mut q = u.query_pairs_mut();
        if !service.is_empty() {
            q.append_pair("service", service);
        }
        for s in scopes {
            q.append_pair("scope", s);
        }
    }
    let mut rb = client.get(u);
    if !cred.username.is_empty() || !cred.password.is_empty() {
        rb = rb.basic_auth(&cred.username, Some(&cred.password));
    }
    rb
}

/// The token and its lifetime ([`DEFAULT_TOKEN_LIFETIME`] when it gives none) of a token
/// response (`access_token` before `token`).
fn parse_token_response(body: &[u8]) -> Result<(String, Option<Duration>)> {
    #[derive(serde::Deserialize)]
    struct TokenResponse {
        #[serde(default)]
        token: String,
        #[serde(default)]
        access_token: String,
        #[serde(default)]
        expires_in: Option<u64>,
    }
    let t: TokenResponse = serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::Unauthorized,
            format!("invalid token response: {e}"),
        )
    })?;
    let token = if t.access_token.is_empty() {
        t.token
    } else {
        t.access_token
    };
    if token.is_empty() {
        return Err(Error::new(ErrorKind::Unauthorized, "empty token returned"));
    }
    let lifetime = t
        .expires_in
        .filter(|&s| s > 0)
        .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
    Ok((token, Some(lifetime)))
}
