//! CLI errors rendered the way oras prints them: `Error: …`, optional `Usage: …`, optional
//! recommendation line; the process exits 1.

use std::fmt;

/// An error with oras's optional usage and recommendation lines.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub usage: Option<String>,
    pub recommendation: Option<String>,
    /// Prefix of the first line (`Error:` unless the registry said it).
    pub prefix: &'static str,
    /// A credential was missing (on this side of a copy): the recommendation names the
    /// credentials file once the command line is known ([`CliError::name_credentials_file`]).
    pub missing_credential: Option<Option<oras::Side>>,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            usage: None,
            recommendation: None,
            prefix: "Error:",
            missing_credential: None,
        }
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

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<oras::Error> for CliError {
    fn from(e: oras::Error) -> CliError {
        if e.kind() == oras::ErrorKind::MissingCredential {
            let mut err = CliError::new("basic credential not found");
            err.missing_credential = Some(e.side());
            return err;
        }
        if let Some(r) = e.registry_response() {
            let mut err = CliError::new(r.detail.clone());
            err.prefix = "Error response from registry:";
            return err;
        }
        CliError::new(e.to_string())
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
