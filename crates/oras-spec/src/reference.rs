//! Reference grammars: registry references (`registry/repo[:tag|@digest]`), OCI layout
//! references (`path[:tag|@digest]`) and file arguments (`path[:mediaType]`).

use std::fmt;

use crate::digest::Digest;

/// A registry reference as oras parses it: the registry is mandatory and nothing is defaulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The registry host, with a port if given (`localhost:5000`).
    pub registry: String,
    /// The repository path (`library/hello`).
    pub repository: String,
    /// Tag or digest string; empty when the reference names only the repository.
    pub reference: String,
}

/// Why a reference was rejected (displayed after `invalid reference: `).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid reference: {0}")]
pub struct ReferenceError(pub String);

fn is_alnum_lower(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Repository path check: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/…)*`.
pub fn is_valid_repository(repo: &str) -> bool {
    repo.split('/').all(|comp| {
        let b = comp.as_bytes();
        if b.is_empty() || !is_alnum_lower(b[0]) || !is_alnum_lower(b[b.len() - 1]) {
            return false;
        }
        let mut i = 0;
        while i < b.len() {
            if is_alnum_lower(b[i]) {
                i += 1;
                continue;
            }
            // a separator run: ".", "_", "__" or one or more "-"
            let start = i;
            while i < b.len() && !is_alnum_lower(b[i]) {
                i += 1;
            }
            let sep = &comp[start..i];
            let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
            if !ok {
                return false;
            }
        }
        true
    })
}

/// Tag check: `^\w[\w.-]{0,127}$`.
pub fn is_valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b[1..].iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

/// Checks a tag given on its own (the extra tags of `tag`, `push`, `cp`, …) the way oras-go
/// does before tagging in a registry: `invalid reference: invalid tag "…"`.
pub fn validate_tag(tag: &str) -> Result<(), ReferenceError> {
    if is_valid_tag(tag) {
        Ok(())
    } else {
        Err(ReferenceError(format!("invalid tag {tag:?}")))
    }
}

fn is_valid_registry(reg: &str) -> bool {
    if reg.is_empty() {
        return false;
    }
    let (host, port) = if reg.starts_with('[') {
        match reg.find(']') {
            Some(end) => (&reg[..=end], &reg[end + 1..]),
            None => return false,
        }
    } else {
        match reg.rfind(':') {
            Some(i) => (&reg[..i], &reg[i..]),
            None => (reg, ""),
        }
    };
    let port_ok =
        port.is_empty() || (port.len() > 1 && port[1..].bytes().all(|c| c.is_ascii_digit()));
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".-_[]:%".contains(&c));
    port_ok && host_ok
}

impl Reference {
    /// Parses `registry/repository[:tag|@digest]`; with `repo:tag@digest` the tag is dropped.
    pub fn parse(raw: &str) -> Result<Reference, ReferenceError> {
        let Some((registry, path)) = raw.split_once('/') else {
            return Err(ReferenceError("missing registry or repository".into()));
        };
        let (repository, reference, is_tag) = if let Some(i) = path.find('@') {
            let repo = &path[..i];
            let repo = repo.split_once(':').map_or(repo, |(r, _)| r);
            (repo, &path[i + 1..], false)
        } else if let Some(i) = path.find(':') {
            (&path[..i], &path[i + 1..], true)
        } else {
            (path, "", false)
        };
        if !is_valid_registry(registry) {
            return Err(ReferenceError(format!("invalid registry {registry:?}")));
        }
        if !is_valid_repository(repository) {
            return Err(ReferenceError(format!("invalid repository {repository:?}")));
        }
        if !reference.is_empty() {
            if is_tag {
                if !is_valid_tag(reference) {
                    return Err(ReferenceError(format!("invalid tag {reference:?}")));
                }
            } else if let Err(e) = Digest::parse(reference) {
                return Err(ReferenceError(format!("invalid digest {reference:?}: {e}")));
            }
        }
        Ok(Reference {
            registry: registry.to_string(),
            repository: repository.to_string(),
            reference: reference.to_string(),
        })
    }

    /// The digest, when the reference is one.
    pub fn digest(&self) -> Option<Digest> {
        Digest::parse(&self.reference).ok()
    }

    /// `registry/repository` without tag or digest.
    pub fn repository_path(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The host actually contacted (`docker.io` is served by `registry-1.docker.io`).
    pub fn host(&self) -> &str {
        if self.registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if self.reference.is_empty() {
            Ok(())
        } else if self.digest().is_some() {
            write!(f, "@{}", self.reference)
        } else {
            write!(f, ":{}", self.reference)
        }
    }
}

/// An OCI layout reference `path[:tag|@digest]`: split at the last `@` if there is one,
/// otherwise at the last `:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutReference {
    /// The layout directory or tar archive.
    pub path: String,
    /// Tag or digest inside the layout; empty if none was given.
    pub reference: String,
}

impl LayoutReference {
    /// Parses `path[:tag|@digest]`.
    pub fn parse(raw: &str) -> Result<LayoutReference, String> {
        let (path, reference) = if let Some(i) = raw.rfind('@') {
            (&raw[..i], &raw[i + 1..])
        } else if let Some(i) = raw.rfind(':') {
            (&raw[..i], &raw[i + 1..])
        } else {
            (raw, "")
        };
        if path.is_empty() {
            return Err(format!("found empty file path in {raw:?}"));
        }
        Ok(LayoutReference {
            path: path.to_string(),
            reference: reference.to_string(),
        })
    }
}

/// Splits a file argument `path[:mediaType]` at the last `:`; an empty type means the default.
pub fn split_file_ref(raw: &str) -> Result<(String, String), String> {
    let (path, media_type) = match raw.rfind(':') {
        Some(i) => (&raw[..i], &raw[i + 1..]),
        None => (raw, ""),
    };
    if path.is_empty() {
        return Err(format!("found empty file path in {raw:?}"));
    }
    Ok((path.to_string(), media_type.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_references() {
        let r = Reference::parse("localhost:5000/hello:v1").unwrap();
        assert_eq!(
            (
                r.registry.as_str(),
                r.repository.as_str(),
                r.reference.as_str()
            ),
            ("localhost:5000", "hello", "v1")
        );
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("r.io/a/b:tag@{d}")).unwrap();
        assert_eq!(r.reference, d);
        assert_eq!(r.to_string(), format!("r.io/a/b@{d}"));
        assert_eq!(
            Reference::parse("oras").unwrap_err().to_string(),
            "invalid reference: missing registry or repository"
        );
        assert_eq!(
            Reference::parse("/oras").unwrap_err().to_string(),
            "invalid reference: invalid registry \"\""
        );
        assert_eq!(
            Reference::parse("r.io/INVALID").unwrap_err().to_string(),
            "invalid reference: invalid repository \"INVALID\""
        );
        assert!(Reference::parse("r.io/a:b:c").is_err());
        assert!(Reference::parse("r.io/a__b-c.d/e---f").is_ok());
        assert!(Reference::parse("r.io/a___b").is_err());
    }

    #[test]
    fn standalone_tags() {
        assert!(validate_tag("v1.0_rc-2").is_ok());
        assert!(validate_tag(&"a".repeat(128)).is_ok());
        for bad in ["", "bad tag!", ".v1", "-v1", "a:b", "a/b", &"a".repeat(129)] {
            assert_eq!(
                validate_tag(bad).unwrap_err().to_string(),
                format!("invalid reference: invalid tag {bad:?}")
            );
        }
    }

    #[test]
    fn layout_and_file_refs() {
        assert_eq!(
            LayoutReference::parse("a:b:c").unwrap(),
            LayoutReference {
                path: "a:b".into(),
                reference: "c".into()
            }
        );
        assert_eq!(
            LayoutReference::parse("dir@sha256:x").unwrap().reference,
            "sha256:x"
        );
        assert!(LayoutReference::parse(":v1").is_err());
        assert_eq!(
            split_file_ref("hi:txt:").unwrap(),
            ("hi:txt".into(), "".into())
        );
        assert_eq!(
            split_file_ref("hi:text/plain").unwrap(),
            ("hi".into(), "text/plain".into())
        );
    }
}
