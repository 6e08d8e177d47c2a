//! A fixed time for reproducible packing: the value of `SOURCE_DATE_EPOCH`
//! (<https://reproducible-builds.org/specs/source-date-epoch/>).
//!
//! Packing with a [`SourceDate`] ([`crate::ops::PushOptions::source_date`],
//! [`crate::ops::AttachOptions::source_date`]) puts that time in the manifest's
//! `org.opencontainers.image.created` (unless an annotation gives one) and in every header of
//! the tars made of directories, so the same inputs give the same manifest digest on any
//! machine at any time. The library reads no environment: the caller reads the variable and
//! hands its value to [`SourceDate::parse`].

use crate::error::{Error, Result};

/// The latest time taken: 9999-12-31T23:59:59Z (RFC 3339 dates have four-digit years). GCC
/// checks `SOURCE_DATE_EPOCH` against the same bound.
pub const MAX_UNIX_SECONDS: u64 = 253_402_300_799;

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z, between 0 and
/// [`MAX_UNIX_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceDate(u64);

impl SourceDate {
    /// The time `seconds` after 1970-01-01T00:00:00Z; an [`crate::ErrorKind::InvalidInput`]
    /// error past [`MAX_UNIX_SECONDS`].
    pub fn from_unix_seconds(seconds: u64) -> Result<SourceDate> {
        if seconds > MAX_UNIX_SECONDS {
            return Err(Error::invalid(format!(
                "source date {seconds} is after 9999-12-31T23:59:59Z ({MAX_UNIX_SECONDS})"
            )));
        }
        Ok(SourceDate(seconds))
    }

    /// Parses a value as the `SOURCE_DATE_EPOCH` specification writes it: the decimal number
    /// of seconds since 1970-01-01T00:00:00Z, ASCII digits only (what `date +%s` prints; no
    /// sign, fraction, exponent or spaces), up to [`MAX_UNIX_SECONDS`]. Anything else is an
    /// [`crate::ErrorKind::InvalidInput`] error whose message quotes the value.
    pub fn parse(value: &str) -> Result<SourceDate> {
        let malformed = || {
            Error::invalid(format!(
                "{value:?} is not a UNIX timestamp: want the decimal number of seconds since 1970-01-01T00:00:00Z, 0 to {MAX_UNIX_SECONDS}"
            ))
        };
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let seconds: u64 = value.parse().map_err(|_| malformed())?;
        if seconds > MAX_UNIX_SECONDS {
            return Err(malformed());
        }
        Ok(SourceDate(seconds))
    }

    /// Seconds since 1970-01-01T00:00:00Z (the time written into tar headers).
    pub fn unix_seconds(self) -> u64 {
        self.0
    }

    /// The time as `org.opencontainers.image.created` carries it: UTC, RFC 3339, whole
    /// seconds (`2023-11-14T22:13:20Z`).
    pub fn rfc3339(self) -> String {
        // civil time (UTC) rather than `jiff::Timestamp`, whose range stops a day short of
        // the end of 9999; 0..=MAX_UNIX_SECONDS is inside it by construction
        let epoch = jiff::civil::DateTime::constant(1970, 1, 1, 0, 0, 0, 0);
        let secs = i64::try_from(self.0).unwrap_or(0);
        let at = epoch
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap_or(epoch);
        at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specification_grammar_is_taken() {
        for (value, secs, text) in [
            ("0", 0, "1970-01-01T00:00:00Z"),
            ("1700000000", 1_700_000_000, "2023-11-14T22:13:20Z"),
            ("0001700000000", 1_700_000_000, "2023-11-14T22:13:20Z"),
            ("253402300799", MAX_UNIX_SECONDS, "9999-12-31T23:59:59Z"),
        ] {
            let d = SourceDate::parse(value).unwrap();
            assert_eq!(d.unix_seconds(), secs, "{value}");
            assert_eq!(d.rfc3339(), text, "{value}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_the_value_quoted() {
        for value in [
            "",
            " 1",
            "1 ",
            "+1",
            "-1",
            "1.5",
            "1e9",
            "0x10",
            "abc",
            "253402300800",
            "99999999999999999999999",
            "١٢٣",
        ] {
            let e = SourceDate::parse(value).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{value:?}");
            assert!(
                e.to_string().contains(&format!("{value:?}")),
                "{value:?}: {e}"
            );
        }
        assert!(SourceDate::from_unix_seconds(MAX_UNIX_SECONDS + 1).is_err());
        assert!(SourceDate::from_unix_seconds(MAX_UNIX_SECONDS).is_ok());
    }
}
