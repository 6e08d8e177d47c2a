//! `oras login` and `oras logout`: check and store, or remove, registry credentials.

use std::io::BufRead;
use std::sync::Arc;

use clap::Args;
use oras::registry::auth::Credential;
use oras::registry::{Client, Registry, StaticCredential};
use oras_spec::Reference;

use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{CommonOpts, RemoteOpts};
use crate::output::{line, out};

#[derive(Args, Debug)]
pub struct LoginArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    remote: RemoteOpts,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    args: Vec<String>,
    /// debug mode
    #[arg(short = 'd', long)]
    debug: bool,
    /// path of the authentication file for registry
    #[arg(long)]
    registry_config: Vec<String>,
}

/// The registry host of a login argument (`host[:port]`, a trailing path is ignored).
fn registry_host(arg: &str) -> CliResult<String> {
    let host = arg
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = host.split('/').next().unwrap_or_default();
    // validate like a reference with a dummy repository
    Reference::parse(&format!("{host}/x")).map_err(|e| CliError::new(format!("{arg:?}: {e}")))?;
    Ok(host.to_string())
}

fn prompt(label: &str) -> CliResult<String> {
    out(label);
    let mut s = String::new();
    std::io::stdin().lock().read_line(&mut s)?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

pub async fn login(a: LoginArgs) -> CliResult {
    check_args(
        &a.args,
        "login",
        "[flags] <registry>",
        1,
        true,
        "the target registry to log in to",
    )?;
    a.remote.check()?;
    let host = registry_host(&a.args[0])?;
    let mut cred = a.remote.flag_credential()?.unwrap_or_default();
    if cred.password.is_empty() && cred.refresh_token.is_empty() {
        if a.remote.username.is_none() {
            cred.username = prompt("Username: ")?;
        }
        if cred.username.is_empty() {
            let token = prompt("Token: ")?;
            if token.is_empty() {
                return fail("token required");
            }
            cred = Credential {
                refresh_token: token,
                ..Default::default()
            };
        } else {
            let password = prompt("Password: ")?;
            if password.is_empty() {
                return fail("password required");
            }
            cred.password = password;
        }
    }
    let client = Client::new(
        a.remote.client_options(&host)?,
        Box::new(StaticCredential(cred.clone())),
    )?;
    let registry = Registry::new(Arc::new(client), &host, a.remote.plain_http(&host));
    if let Err(e) = registry.ping().await {
        if let Some(r) = e.registry_response() {
            let mut err = CliError::new(r.detail.clone());
            err.prefix = "Error response from registry:";
            return Err(err);
        }
        return fail(format!(
            "failed to validate the credentials for {host}: {e}"
        ));
    }
    a.remote
        .store()
        .store(&host, &cred)
        .await
        .map_err(|e| CliError::new(format!("failed to store the credentials for {host}: {e}")))?;
    line("Login Succeeded");
    Ok(())
}

pub async fn logout(a: LogoutArgs) -> CliResult {
    check_args(
        &a.args,
        "logout",
        "[flags] <registry>",
        1,
        true,
        "the target registry to log out from",
    )?;
    let host = registry_host(&a.args[0])?;
    let remote = RemoteOpts {
        registry_config: a.registry_config.clone(),
        ..Default::default()
    };
    let _ = a.debug;
    remote.store().remove(&host).await?;
    Ok(())
}
