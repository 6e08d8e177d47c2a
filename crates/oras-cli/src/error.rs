//! CLI errors rendered the way oras prints them: `<prefix> …` (`Error:`, `Error response from
//! registry:`, `Error from source registry for "…":`), optional `Usage: …`, optional
//! recommendation line; the process exits 1.
//!
//! Library errors become CLI errors here, in one place, by their kind and origin
//! ([`Handler`]), the way oras's error handlers treat them; commands only add context
//! ([`CliError::context`]).

use std::fmt;

/// An error with oras's optional usage and recommendation lines.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub usage: Option<String>,
    pub recommendation: Option<String>,
    /// Prefix of the first line (`Error:` unless the registry said it, or one end of a copy
    /// failed).
    pub prefix: String,
    /// A credential was missing (on this side of a copy): the recommendation names the
    /// credentials file once the command line is known ([`CliError::name_credentials_file`]).
    pub missing_credential: Option<Option<oras::Side>>,
    /// The message is the registry's own error list: context a command adds is not shown, as
    /// oras reports only what the registry said.
    registry_report: bool,
}

/// `Error response from registry:`, oras's prefix for what a registry answered.
pub const REGISTRY_PREFIX: &str = "Error response from registry:";

/// Which of oras's error handlers a library error goes through: what the command talks to.
#[derive(Debug, Clone, Copy)]
pub enum Handler<'a> {
    /// A registry without a target reference (login, repo ls, backup, restore: oras's
    /// `Remote`): an error answer is reported in the registry's words; missing content is a
    /// plain error.
    Remote,
    /// A registry target (oras's `Target` on a registry): missing content is also the
    /// registry's answer, and only answers of the target registry `host` (not of a token
    /// server elsewhere) are reported in the registry's words.
    Registry { host: &'a str },
    /// An OCI image layout target: errors as they are.
    Layout,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            usage: None,
            recommendation: None,
            prefix: "Error:".into(),
            missing_credential: None,
            registry_report: false,
        }
    }

    /// A library error as oras's `handler` shows it (see [`Handler`]).
    pub fn from_lib(e: oras::Error, handler: Handler<'_>) -> CliError {
        use oras::ErrorKind;
        if matches!(handler, Handler::Layout) {
            return CliError::new(e.to_string());
        }
        if e.kind() == ErrorKind::MissingCredential {
            // the request is not in the message; the context around it is (oras trims the
            // request line only)
            let mut err = CliError::new(e.to_string());
            err.missing_credential = Some(e.side());
            return err;
        }
        let missing_content = e.kind() == ErrorKind::NotFound
            && e.io_error_kind().is_none()
            && e.registry_response().is_none();
        if missing_content && matches!(handler, Handler::Registry { .. }) {
            let mut err = CliError::new(e.to_string());
            err.prefix = REGISTRY_PREFIX.into();
            return err;
        }
        match (e.registry_response(), handler) {
            (Some(r), Handler::Registry { host }) if !same_host(&r.host, host) => {
                CliError::new(e.to_string())
            }
            (Some(r), _) => {
                let mut err = CliError::new(r.detail.clone());
                err.prefix = REGISTRY_PREFIX.into();
                err.registry_report = true;
                err
            }
            (None, _) => CliError::new(e.to_string()),
        }
    }

    /// The same error with `context: ` in front of its message, as a command wraps what
    /// failed (not shown for an error in the registry's words, as oras does).
    pub fn context(mut self, context: impl fmt::Display) -> CliError {
        if !self.registry_report {
            self.message = format!("{context}: {}", self.message);
        }
        self
    }

    /// The error of one end of a copy: oras's `Error from source registry for "<ref>":`
    /// (`destination`, `oci-layout`) in place of the prefix.
    pub fn on_side(mut self, side: &str, type_name: &str, raw: &str) -> CliError {
        self.prefix = format!("Error from {side} {type_name} for {raw:?}:");
        self
    }

    pub fn usage(mut self, usage: impl Into<String>) -> CliError {
        self.usage = Some(usage.into());
        self
    }

    pub fn recommend(mut self, rec: impl Into<String>) -> CliError {
        self.recommendation = Some(rec.into());
        self
    }

    /// After a missing credential, recommends checking the credentials file `file` gives for
    /// the side that lacked one.
    pub fn name_credentials_file(
        mut self,
        file: impl FnOnce(Option<oras::Side>) -> String,
    ) -> CliError {
        if let Some(side) = self.missing_credential {
            self.recommendation = Some(format!(
                "Please check whether the registry credential stored in the authentication file at {:?} is correct",
                file(side)
            ));
        }
        self
    }

    /// Renders the error for stderr.
    pub fn render(&self) -> String {
        let mut s = format!("{} {}\n", self.prefix, self.message);
        if let Some(u) = &self.usage {
            s.push_str(&format!("Usage: {u}\n"));
        }
        if let Some(r) = &self.recommendation {
            s.push_str(r);
            s.push('\n');
        }
        s
    }
}

/// Whether the host (and port) an answer came from is the target registry's; `docker.io` is
/// served by `registry-1.docker.io`.
fn same_host(answered: &str, registry: &str) -> bool {
    answered == registry || (registry == "docker.io" && answered == "registry-1.docker.io")
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A library error where no target says more ([`Handler::Remote`]).
impl From<oras::Error> for CliError {
    fn from(e: oras::Error) -> CliError {
        CliError::from_lib(e, Handler::Remote)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::new(e.to_string())
    }
}

/// Result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;

/// Shorthand for `Err(CliError::new(msg))`.
pub fn fail<T>(msg: impl Into<String>) -> CliResult<T> {
    Err(CliError::new(msg))
}

/// `"oras <cmd>" requires {exactly|at least} N argument but got M`, with Usage and the phrase.
pub fn check_args(
    args: &[String],
    cmd: &str,
    usage: &str,
    n: usize,
    exact: bool,
    phrase: &str,
) -> CliResult {
    let ok = if exact {
        args.len() == n
    } else {
        args.len() >= n
    };
    if ok {
        return Ok(());
    }
    let how = if exact { "exactly" } else { "at least" };
    Err(CliError::new(format!("\"oras {cmd}\" requires {how} {n} argument but got {}", args.len()))
        .usage(format!("oras {cmd} {usage}"))
        .recommend(format!("Please specify {how} {n} argument as {phrase}. Run \"oras {cmd} -h\" for more options and examples")))
}

/// The value of a flag the command requires (cobra's `required flag(s) "<name>" not set`,
/// checked after the argument count, as cobra does).
pub fn require_flag<'a, T>(value: &'a Option<T>, name: &str) -> CliResult<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| CliError::new(format!("required flag(s) {name:?} not set")))
}

/// `--a, --b cannot be used at the same time` when more than one of the `(flag, given)`
/// pairs was given, naming the given ones in the order listed (oras lists them in its own
/// order, not the command line's).
pub fn check_exclusive<S: AsRef<str>>(flags: &[(S, bool)]) -> CliResult {
    let given: Vec<&str> = flags.iter().filter(|f| f.1).map(|f| f.0.as_ref()).collect();
    if given.len() > 1 {
        return fail(format!(
            "{} cannot be used at the same time",
            given.join(", ")
        ));
    }
    Ok(())
}

/// Fails on the first argument that is not valid UTF-8, naming it (lossily) and, for
/// `--flag=value`, its flag. References, tags, media types and the file names that become
/// `org.opencontainers.image.title` annotations are all text, so such an argument is refused
/// up front rather than changed behind the user's back.
pub fn check_utf8_args(args: &[std::ffi::OsString]) -> CliResult {
    for arg in args.iter().skip(1) {
        if arg.to_str().is_some() {
            continue;
        }
        let shown = arg.to_string_lossy();
        let message = match shown.split_once('=') {
            Some((flag, value)) if flag.starts_with('-') && flag.is_ascii() => {
                format!("invalid argument {value:?} for {flag:?} flag: not valid UTF-8")
            }
            _ => format!("invalid argument {shown:?}: not valid UTF-8"),
        };
        return Err(CliError::new(message).recommend(
            "Arguments (file names and paths included) must be valid UTF-8; rename the file or pass it through a UTF-8 path",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{CliError, Handler};
    use oras::{Error, ErrorKind};

    #[test]
    fn layout_errors_stay_as_they_are() {
        let e = CliError::from_lib(
            Error::new(ErrorKind::NotFound, "not found"),
            Handler::Layout,
        )
        .context("failed to fetch the content of \"lay:v1\"");
        assert_eq!(
            e.render(),
            "Error: failed to fetch the content of \"lay:v1\": not found\n"
        );
    }

    #[test]
    fn missing_content_is_the_registry_answer_for_a_registry_target() {
        let e = Error::new(ErrorKind::NotFound, "r.io/a:v1: not found");
        let registry = CliError::from_lib(e.clone(), Handler::Registry { host: "r.io" })
            .context("failed to resolve digest");
        assert_eq!(
            registry.render(),
            "Error response from registry: failed to resolve digest: r.io/a:v1: not found\n"
        );
        let remote = CliError::from_lib(e, Handler::Remote).context("failed");
        assert_eq!(remote.render(), "Error: failed: r.io/a:v1: not found\n");
    }

    #[test]
    fn a_missing_file_is_no_registry_answer() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let e = Error::from_io(&io, "failed to stat x: no such file or directory");
        let e = CliError::from_lib(e, Handler::Registry { host: "r.io" });
        assert_eq!(e.prefix, "Error:");
    }

    #[test]
    fn registry_answers_drop_the_context_unless_another_host_answered() {
        let e = Error::from_registry(
            ErrorKind::Unauthorized,
            "GET \"http://r.io/v2/a/manifests/v1\": response status code 401: unauthorized: authentication required",
            oras::error::RegistryResponse {
                host: "r.io".into(),
                status: 401,
                detail: "unauthorized: authentication required".into(),
            },
        );
        let own = CliError::from_lib(e.clone(), Handler::Registry { host: "r.io" })
            .context("failed to fetch");
        assert_eq!(
            own.render(),
            "Error response from registry: unauthorized: authentication required\n"
        );
        let token_server = CliError::from_lib(e, Handler::Registry { host: "other.io" });
        assert!(
            token_server
                .render()
                .starts_with("Error: GET \"http://r.io")
        );
    }
}
