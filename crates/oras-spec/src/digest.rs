//! Content digests (`sha256:<hex>`), validated the way go-digest does.

use std::fmt;
use std::str::FromStr;

use sha2::Digest as _;

/// Hash algorithms a digest may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256 (64 hex digits), the default.
    Sha256,
    /// SHA-384 (96 hex digits).
    Sha384,
    /// SHA-512 (128 hex digits).
    Sha512,
}

impl Algorithm {
    /// The algorithm name as written in a digest string.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    /// A fresh hasher for this algorithm.
    pub fn digester(self) -> Digester {
        match self {
            Algorithm::Sha256 => Digester::Sha256(sha2::Sha256::new()),
            Algorithm::Sha384 => Digester::Sha384(sha2::Sha384::new()),
            Algorithm::Sha512 => Digester::Sha512(sha2::Sha512::new()),
        }
    }
}

/// Why a digest string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// Not `algorithm:encoded` with the allowed characters.
    #[error("invalid checksum digest format")]
    Format,
    /// A well-formed digest of an algorithm this crate cannot verify.
    #[error("unsupported digest algorithm")]
    Unsupported,
    /// The encoded part has the wrong length for its algorithm.
    #[error("invalid checksum digest length")]
    Length,
}

/// A validated content digest.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    alg: Algorithm,
    hex: Box<str>,
}

impl Digest {
    /// Parses and validates `alg:hex`.
    pub fn parse(s: &str) -> Result<Digest, DigestError> {
        let (alg, hex) = s.split_once(':').ok_or(DigestError::Format)?;
        if alg.is_empty() || hex.is_empty() {
            return Err(DigestError::Format);
        }
        let alg_ok = alg.split(['+', '.', '_', '-']).all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        let hex_ok = hex
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b'_' || b == b'-');
        if !alg_ok || !hex_ok {
            return Err(DigestError::Format);
        }
        let alg = match alg {
            "sha256" => Algorithm::Sha256,
            "sha384" => Algorithm::Sha384,
            "sha512" => Algorithm::Sha512,
            _ => return Err(DigestError::Unsupported),
        };
        if hex.len() != alg.hex_len() {
            return Err(DigestError::Length);
        }
        if !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(DigestError::Format);
        }
        Ok(Digest {
            alg,
            hex: hex.into(),
        })
    }

    /// The sha256 digest of `data`.
    pub fn sha256_of(data: &[u8]) -> Digest {
        let mut d = Algorithm::Sha256.digester();
        d.update(data);
        d.finish()
    }

    /// The digest of `data` under the same algorithm as `self`.
    pub fn same_alg_of(&self, data: &[u8]) -> Digest {
        let mut d = self.alg.digester();
        d.update(data);
        d.finish()
    }

    /// The algorithm part (`sha256`, `sha512`).
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The hex-encoded part after the colon.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// What oras prints in status lines: 12 hex characters for sha256, the full digest otherwise.
    pub fn short(&self) -> String {
        match self.alg {
            Algorithm::Sha256 => self.hex[..12].to_string(),
            _ => self.to_string(),
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.alg.name(), self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digest::parse(s)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Digest::parse(&s)
            .map_err(|e| serde::de::Error::custom(format!("invalid digest {s:?}: {e}")))
    }
}

/// A running hash for one of the supported algorithms.
#[derive(Clone)]
pub enum Digester {
    /// A SHA-256 hasher.
    Sha256(sha2::Sha256),
    /// A SHA-384 hasher.
    Sha384(sha2::Sha384),
    /// A SHA-512 hasher.
    Sha512(sha2::Sha512),
}

impl Digester {
    /// Hashes the next bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Digester::Sha256(h) => h.update(data),
            Digester::Sha384(h) => h.update(data),
            Digester::Sha512(h) => h.update(data),
        }
    }

    /// The digest of everything hashed.
    pub fn finish(self) -> Digest {
        let (alg, hex) = match self {
            Digester::Sha256(h) => (Algorithm::Sha256, hex::encode(h.finalize())),
            Digester::Sha384(h) => (Algorithm::Sha384, hex::encode(h.finalize())),
            Digester::Sha512(h) => (Algorithm::Sha512, hex::encode(h.finalize())),
        };
        Digest {
            alg,
            hex: hex.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let d = Digest::parse(
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        )
        .unwrap();
        assert_eq!(d.short(), "44136fa355b3");
        assert_eq!(Digest::sha256_of(b"{}"), d);
        assert_eq!(Digest::parse("sha256:ABC"), Err(DigestError::Length));
        assert_eq!(
            Digest::parse(&format!("sha256:{}", "A".repeat(64))),
            Err(DigestError::Format)
        );
        assert_eq!(Digest::parse("md5:abc"), Err(DigestError::Unsupported));
        assert_eq!(Digest::parse("nocolon"), Err(DigestError::Format));
        assert!(Digest::parse(&format!("sha512:{}", "0".repeat(128))).is_ok());
    }
}
