//! The library's typed error: a kind to branch on plus a message that says what failed.

use std::fmt;

/// What went wrong, for callers that branch on errors (exit codes, retries, fallbacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The manifest, blob, tag or repository is not there.
    NotFound,
    /// The content or tag is there already (and may not be replaced).
    AlreadyExists,
    /// A reference (`registry/repository:tag@digest`, a layout reference) is malformed.
    InvalidReference,
    /// A digest is malformed or of an unsupported algorithm.
    InvalidDigest,
    /// Content did not hash to its descriptor's digest.
    DigestMismatch,
    /// Content was shorter or longer than its descriptor's size.
    SizeMismatch,
    /// A media type is malformed or not one the operation accepts.
    InvalidMediaType,
    /// Malformed input (JSON, layout, archive, arguments).
    InvalidInput,
    /// A limit (metadata size, pages, depth) was exceeded.
    SizeExceedsLimit,
    /// The registry, store or operation does not support what was asked.
    Unsupported,
    /// A file would be written outside the output directory.
    PathTraversal,
    /// A file already exists and overwriting was disallowed.
    OverwriteDisallowed,
    /// Packing an image-spec v1.1 manifest needs an artifact type (or a config that is not
    /// the empty one).
    MissingArtifactType,
    /// A manifest's media type was neither given nor in its `mediaType` field.
    MissingMediaType,
    /// Two things claim one name or place: a duplicate title, a file where a directory is.
    Conflict,
    /// Nothing matched a selection: no referrer of the artifact type asked for
    /// ([`crate::ops::ReferrerSelector`]).
    NoMatch,
    /// Several matched a selection that takes one, and nothing says which: referrers of one
    /// artifact type without [`crate::ops::ReferrerSelector::latest`].
    Ambiguous,
    /// The registry wants (other) credentials.
    Unauthorized,
    /// The registry asked for basic auth and no credential is configured for it (none given,
    /// none in the credential store).
    MissingCredential,
    /// The registry refused the operation.
    Denied,
    /// A network or protocol failure talking to a registry.
    Network,
    /// A local file system operation failed.
    Io,
}

/// Which end of a copy an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Side {
    /// The source (resolving or reading what is copied).
    Source,
    /// The destination (writing or tagging).
    Destination,
}

/// What a registry said when it answered with an error status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryResponse {
    /// Host (and port) of the URL that answered.
    pub host: String,
    /// The HTTP status code.
    pub status: u16,
    /// The errors of the body rendered as oras does (`code: message[: detail]` joined by `; `),
    /// or the HTTP summary when the body had none.
    pub detail: String,
}

/// A library error: kind and a human-readable message (already including its context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    registry: Option<Box<RegistryResponse>>,
    side: Option<Side>,
    io: Option<std::io::ErrorKind>,
}

impl Error {
    /// An error of `kind` with a message for people.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            registry: None,
            side: None,
            io: None,
        }
    }

    /// An error of a local file operation (`io_error_kind` tells which), with a message
    /// saying what failed; its kind follows the I/O error's (a missing file is
    /// [`ErrorKind::NotFound`]).
    pub fn from_io(e: &std::io::Error, message: impl Into<String>) -> Error {
        Error {
            io: Some(e.kind()),
            ..Error::new(io_kind(e), message)
        }
    }

    /// An error a registry answered with.
    pub fn from_registry(
        kind: ErrorKind,
        message: impl Into<String>,
        response: RegistryResponse,
    ) -> Error {
        Error {
            kind,
            message: message.into(),
            registry: Some(Box::new(response)),
            side: None,
            io: None,
        }
    }

    /// The registry's answer, when the error came from one.
    pub fn registry_response(&self) -> Option<&RegistryResponse> {
        self.registry.as_deref()
    }

    /// The same error, marked as coming from one end of a copy.
    pub fn with_side(mut self, side: Side) -> Error {
        self.side = Some(side);
        self
    }

    /// The end of a copy the error came from, when an operation said so.
    pub fn side(&self) -> Option<Side> {
        self.side
    }

    /// The kind of the I/O error when this one came from a local file operation (so a
    /// [`ErrorKind::NotFound`] with it is a missing file, not missing content).
    pub fn io_error_kind(&self) -> Option<std::io::ErrorKind> {
        self.io
    }

    /// What went wrong, for programs.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What went wrong, for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `"<what>: not found"`, the way oras-go reports missing content.
    pub fn not_found(what: impl fmt::Display) -> Error {
        Error::new(ErrorKind::NotFound, format!("{what}: not found"))
    }

    /// Bad input ([`ErrorKind::InvalidInput`]).
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidInput, message)
    }

    /// Something the store or registry cannot do ([`ErrorKind::Unsupported`]).
    pub fn unsupported(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unsupported, message)
    }

    /// The same error with `context: ` in front of its message.
    pub fn context(self, context: impl fmt::Display) -> Error {
        Error {
            kind: self.kind,
            message: format!("{context}: {}", self.message),
            registry: self.registry,
            side: self.side,
            io: self.io,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        // Errors raised by our own readers travel through io::Error; unwrap them again.
        if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            let inner = e.into_inner().expect("checked above");
            return *inner.downcast::<Error>().expect("checked above");
        }
        Error::from_io(&e, e.to_string())
    }
}

impl From<oras_spec::reference::ReferenceError> for Error {
    fn from(e: oras_spec::reference::ReferenceError) -> Error {
        Error::new(ErrorKind::InvalidReference, e.to_string())
    }
}

/// JSON that does not parse (or not as the type asked for): [`ErrorKind::InvalidInput`].
impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::new(ErrorKind::InvalidInput, format!("invalid JSON: {e}"))
    }
}

impl From<oras_spec::DigestError> for Error {
    fn from(e: oras_spec::DigestError) -> Error {
        Error::new(ErrorKind::InvalidDigest, e.to_string())
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        std::io::Error::other(e)
    }
}

/// The kind of an I/O error.
pub(crate) fn io_kind(e: &std::io::Error) -> ErrorKind {
    match e.kind() {
        std::io::ErrorKind::NotFound => ErrorKind::NotFound,
        std::io::ErrorKind::AlreadyExists => ErrorKind::AlreadyExists,
        _ => ErrorKind::Io,
    }
}

/// The reason part of an I/O error in the words Go uses (`no such file or directory`,
/// `permission denied`), as oras prints them.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds a path or other context to io errors.
pub(crate) trait IoContext<T> {
    fn ctx(self, context: impl fmt::Display) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn ctx(self, context: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::from(e).context(context))
    }
}
