//! `oras login` and `oras logout`: check and store, or remove, registry credentials.

use std::io::BufRead;
use std::path::PathBuf;

use clap::Args;
use oras::ops;
use oras::registry::auth::Credential;
use oras_spec::Reference;
use serde_json::{Map, Value, json};

use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{AddedFormatOpts, CommonOpts, RemoteOpts};
use crate::output::{err_out, line, out};

/// The argument grammar of `oras login`.
pub(super) const LOGIN_USAGE: &str = "[flags] <registry>";
/// The argument grammar of `oras logout`.
pub(super) const LOGOUT_USAGE: &str = "[flags] <registry>";

#[derive(Args, Debug)]
pub struct LoginArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    remote: RemoteOpts,
    #[command(flatten)]
    format: AddedFormatOpts,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    args: Vec<String>,
    /// debug mode
    #[arg(short = 'd', long)]
    debug: bool,
    /// auth config path
    #[arg(long)]
    registry_config: Vec<String>,
    #[command(flatten)]
    format: AddedFormatOpts,
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

/// The credential files of `--registry-config`.
fn config_paths(flags: &[String]) -> Vec<PathBuf> {
    flags.iter().map(PathBuf::from).collect()
}

/// Asks for `label` on stdout, or on stderr when stdout carries a model (`to_stderr`).
fn prompt(label: &str, to_stderr: bool) -> CliResult<String> {
    if to_stderr {
        err_out(label);
    } else {
        out(label);
    }
    let mut s = String::new();
    std::io::stdin().lock().read_line(&mut s)?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

/// The credential the flags give, with what they leave out asked for on the terminal (the
/// questions on stderr when `quiet`, as stdout is the model's).
fn credential(remote: &RemoteOpts, quiet: bool) -> CliResult<Credential> {
    let mut cred = remote.flag_credential()?.unwrap_or_default();
    if !cred.password.is_empty() || !cred.refresh_token.is_empty() {
        return Ok(cred);
    }
    if remote.username.is_none() {
        cred.username = prompt("Username: ", quiet)?;
    }
    if cred.username.is_empty() {
        let token = prompt("Token: ", quiet)?;
        if token.is_empty() {
            return fail("token required");
        }
        return Ok(Credential {
            refresh_token: token,
            ..Default::default()
        });
    }
    let password = prompt("Password: ", quiet)?;
    if password.is_empty() {
        return fail("password required");
    }
    cred.password = password;
    Ok(cred)
}

pub async fn login(a: LoginArgs) -> CliResult {
    check_args(
        &a.args,
        "login",
        LOGIN_USAGE,
        1,
        true,
        "the target registry to log in to",
    )?;
    let format = a.format.parse_text()?;
    a.remote.check()?;
    let host = registry_host(&a.args[0])?;
    let cred = credential(&a.remote, format.is_structured())?;
    let mut o = ops::LoginOptions::default();
    o.client = a.remote.client_options(&host)?;
    o.plain_http = a.remote.plain_http(&host);
    o.config_paths = config_paths(&a.remote.registry_config);
    // the registry's answer in its words, else the library's (no hint about the stored
    // credentials: this one was just given)
    ops::login(&host, &cred, &o).await.map_err(|e| {
        let mut err = CliError::from(e);
        err.missing_credential = None;
        err
    })?;
    if !format.print_model(&registry_model(&host, &cred.username))? {
        line("Login Succeeded");
    }
    Ok(())
}

/// The model of `login` and `logout`: the `registry` and the `username` logged in with
/// (left out when none: a token, or a logout).
fn registry_model(host: &str, username: &str) -> Value {
    let mut model = Map::new();
    model.insert("registry".into(), json!(host));
    if !username.is_empty() {
        model.insert("username".into(), json!(username));
    }
    Value::Object(model)
}

pub async fn logout(a: LogoutArgs) -> CliResult {
    check_args(
        &a.args,
        "logout",
        LOGOUT_USAGE,
        1,
        true,
        "the target registry to log out from",
    )?;
    let format = a.format.parse_text()?;
    let host = registry_host(&a.args[0])?;
    let _ = a.debug;
    let mut o = ops::LogoutOptions::default();
    o.config_paths = config_paths(&a.registry_config);
    ops::logout(&host, &o).await?;
    format.print_model(&registry_model(&host, ""))?;
    Ok(())
}
