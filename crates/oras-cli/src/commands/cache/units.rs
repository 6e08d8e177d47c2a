//! The values of `oras cache prune`: sizes (`10GiB`, `500MB`, `0`) and ages (`30d`, `1d12h`).

use std::time::Duration;

use crate::error::{CliError, CliResult};

/// A size: a number with an optional unit, `B`, `K`/`KB`/`KiB`, `M`/`MB`/`MiB`, `G`/`GB`/`GiB`
/// or `T`/`TB`/`TiB` (any case); every unit is a power of 1024, as oras prints sizes.
pub fn parse_size(raw: &str) -> CliResult<u64> {
    let bad = || {
        CliError::new(format!("invalid size {raw:?}")).recommend(
            "give bytes, or a number with a unit: B, KB, MB, GB, TB (or KiB, MiB, GiB, TiB)",
        )
    };
    let s = raw.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(bad()),
    };
    if let Ok(n) = number.parse::<u64>() {
        return n.checked_mul(1 << shift).ok_or_else(bad);
    }
    let value: f64 = number.parse().map_err(|_| bad())?;
    let bytes = value * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as u64)
}

/// An age: whole numbers with units, `s`, `m` (minutes), `h`, `d`, `w`, one after the other
/// (`30d`, `1d12h`, `90m`).
pub fn parse_age(raw: &str) -> CliResult<Duration> {
    let bad = || {
        CliError::new(format!("invalid age {raw:?}"))
            .recommend("give a number with a unit: s, m, h, d or w (e.g. 30d, 12h, 1d12h)")
    };
    let mut rest = raw.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        let unit = rest[digits..].chars().next().ok_or_else(bad)?;
        let seconds = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(seconds)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        rest = &rest[digits + unit.len_utf8()..];
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::{parse_age, parse_size};
    use std::time::Duration;

    #[test]
    fn sizes_take_units_of_1024() {
        assert_eq!(parse_size("0").unwrap(), 0);
        assert_eq!(parse_size("1234").unwrap(), 1234);
        assert_eq!(parse_size("10B").unwrap(), 10);
        assert_eq!(parse_size("2KB").unwrap(), 2048);
        assert_eq!(parse_size("2k").unwrap(), 2048);
        assert_eq!(parse_size("10GiB").unwrap(), 10 << 30);
        assert_eq!(parse_size("1.5 MB").unwrap(), 3 << 19);
        assert_eq!(parse_size("1TB").unwrap(), 1 << 40);
        for bad in [
            "",
            "MB",
            "10 XB",
            "-1",
            "1e3",
            "99999999999999999999",
            "20000000000TB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ages_add_up_their_parts() {
        assert_eq!(parse_age("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse_age("1d12h").unwrap(), Duration::from_secs(36 * 3600));
        assert_eq!(parse_age("90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_age("2w").unwrap(), Duration::from_secs(14 * 86_400));
        assert_eq!(parse_age("0s").unwrap(), Duration::ZERO);
        for bad in ["", "30", "d", "1x", "1.5d", "-1d", "99999999999999999999w"] {
            assert!(parse_age(bad).is_err(), "{bad:?}");
        }
    }
}
