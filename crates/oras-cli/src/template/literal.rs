//! Numeric constants as Go's parser reads them (`NumberNode`): `strconv.ParseUint`,
//! `ParseInt` and `ParseFloat` with base 0 (prefixes `0x`, `0o`, `0b`, a leading `0` for
//! octal, `_` between digits), imaginary and complex constants, character constants.

use super::ast::Number;
use super::quote::{char_constant, quote};

/// Go's `underscoreOK`: underscores only between digits, or between a base prefix and a digit.
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    // '^' start, '0' digit or prefix, '_' underscore, '!' other
    let mut saw = b'^';
    let hex = b.len() >= i + 2 && b[i] == b'0' && matches!(b[i + 1] | 0x20, b'x' | b'b' | b'o');
    if hex {
        i += 2;
        saw = b'0';
    }
    let hexdigits = hex && (b[i - 1] | 0x20) == b'x';
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hexdigits && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// The digits of an unsigned base-0 integer and its radix.
fn radix_digits(s: &str) -> Option<(&str, u32)> {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b'0' {
        match b[1] | 0x20 {
            b'x' => return Some((&s[2..], 16)),
            b'o' => return Some((&s[2..], 8)),
            b'b' => return Some((&s[2..], 2)),
            _ => return Some((&s[1..], 8)),
        }
    }
    Some((s, 10))
}

/// `strconv.ParseUint(s, 0, 64)`.
pub fn parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() || !underscores_ok(s) {
        return None;
    }
    let (digits, radix) = radix_digits(s)?;
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() {
        // "0" alone, or a bare prefix
        return (s == "0").then_some(0);
    }
    if digits.starts_with(['+', '-']) {
        return None;
    }
    u64::from_str_radix(&digits, radix).ok()
}

/// `strconv.ParseInt(s, 0, 64)`.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(body)?;
    if neg {
        if u <= 1 << 63 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

fn hex_float(mantissa: &str, exp: i32) -> Option<f64> {
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int.chars().chain(frac.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let shift = i64::from(exp) - 4 * frac.len() as i64;
    let v = value * 2f64.powi(shift.clamp(-2000, 2000) as i32);
    v.is_finite().then_some(v)
}

/// `strconv.ParseFloat(s, 64)` for the forms a template lexes: `None` on a syntax error or
/// when the value is out of range.
pub fn parse_float(s: &str) -> Option<f64> {
    if !underscores_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'+') => (false, &clean[1..]),
        Some(b'-') => (true, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let v = if body.len() > 2 && body.as_bytes()[..2].eq_ignore_ascii_case(b"0x") {
        let (m, e) = body[2..].split_once(['p', 'P'])?;
        let e: i32 = e.parse().ok()?;
        hex_float(m, e)?
    } else {
        let (m, e) = match body.split_once(['e', 'E']) {
            Some((m, e)) => (m, Some(e)),
            None => (body, None),
        };
        let (int, frac) = m.split_once('.').unwrap_or((m, ""));
        let digits_ok = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        if int.len() + frac.len() == 0 || !digits_ok(int) || !digits_ok(frac) {
            return None;
        }
        if let Some(e) = e {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            if e.is_empty() || !digits_ok(e) {
                return None;
            }
        }
        let v: f64 = body.parse().ok()?;
        if v.is_infinite() {
            return None;
        }
        v
    };
    Some(if neg { -v } else { v })
}

/// Sets the integer forms of a float or complex constant's real part (Go's
/// `simplifyComplex` and the float branch of `newNumber`).
fn integral_forms(n: &mut Number, f: f64) {
    const I64: std::ops::Range<f64> = -9.223_372_036_854_776e18..9.223_372_036_854_776e18;
    if !n.is_int && f.fract() == 0.0 && I64.contains(&f) {
        n.is_int = true;
        n.int = f as i64;
    }
    if !n.is_uint && f.fract() == 0.0 && (0.0..1.844_674_407_370_955_2e19).contains(&f) {
        n.is_uint = true;
        n.uint = f as u64;
    }
}

fn simplify_complex(n: &mut Number) {
    if let Some((re, im)) = n.complex
        && im == 0.0
    {
        n.is_float = true;
        n.float = re;
        integral_forms(n, re);
    }
}

/// A complex constant `a+bi`: its real and imaginary parts.
fn parse_complex(text: &str) -> Option<(f64, f64)> {
    let body = text.strip_suffix('i')?;
    let b = body.as_bytes();
    let split = (1..b.len())
        .rev()
        .find(|&i| matches!(b[i], b'+' | b'-') && !matches!(b[i - 1] | 0x20, b'e' | b'p'))?;
    Some((parse_float(&body[..split])?, parse_float(&body[split..])?))
}

/// Go's `newNumber`: the constant under every type that holds it, or Go's error message.
pub fn number(text: &str, char_const: bool, complex: bool) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_string(),
        ..Number::default()
    };
    if char_const {
        let r = char_constant(text)?;
        n.is_int = true;
        n.int = i64::from(r);
        n.is_uint = true;
        n.uint = u64::from(r);
        n.is_float = true;
        n.float = f64::from(r);
        return Ok(n);
    }
    if complex {
        let c = parse_complex(text).ok_or_else(|| format!("expected complex; found {text}"))?;
        n.complex = Some(c);
        simplify_complex(&mut n);
        return Ok(n);
    }
    if let Some(im) = text.strip_suffix('i').and_then(parse_float) {
        n.complex = Some((0.0, im));
        simplify_complex(&mut n);
        return Ok(n);
    }
    if let Some(u) = parse_uint(text) {
        n.is_uint = true;
        n.uint = u;
    }
    if let Some(i) = parse_int(text) {
        n.is_int = true;
        n.int = i;
        if i == 0 {
            n.is_uint = true;
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float = n.uint as f64;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", quote(text)));
        }
        n.is_float = true;
        n.float = f;
        integral_forms(&mut n, f);
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", quote(text)));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_floats_and_errors_as_go() {
        let n = number("0x10", false, false).unwrap();
        assert!(n.is_int && n.int == 16 && n.is_float);
        assert_eq!(number("010", false, false).unwrap().int, 8);
        assert_eq!(number("1_000", false, false).unwrap().int, 1000);
        assert_eq!(number("-1", false, false).unwrap().int, -1);
        assert!(!number("-1", false, false).unwrap().is_uint);
        let f = number("1.5", false, false).unwrap();
        assert!(f.is_float && !f.is_int && f.float == 1.5);
        let e = number("1e3", false, false).unwrap();
        assert!(e.is_int && e.int == 1000 && e.float == 1000.0);
        assert_eq!(number("0x1p-2", false, false).unwrap().float, 0.25);
        assert_eq!(
            number("99999999999999999999", false, false).unwrap_err(),
            "integer overflow: \"99999999999999999999\""
        );
        assert_eq!(
            number("089", false, false).unwrap_err(),
            "integer overflow: \"089\""
        );
        assert_eq!(
            number("1e999", false, false).unwrap_err(),
            "illegal number syntax: \"1e999\""
        );
        assert_eq!(
            number("1__0", false, false).unwrap_err(),
            "illegal number syntax: \"1__0\""
        );
        assert_eq!(number("'a'", true, false).unwrap().int, 97);
        assert_eq!(
            number("2i", false, false).unwrap().complex,
            Some((0.0, 2.0))
        );
        assert_eq!(
            number("1+2i", false, true).unwrap().complex,
            Some((1.0, 2.0))
        );
        let z = number("0i", false, false).unwrap();
        assert!(z.is_float && z.is_int);
    }
}
