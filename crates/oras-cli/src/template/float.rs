//! Go's `strconv.FormatFloat(v, fmt, prec, 64)` for the formats `b`, `e`, `E`, `f`, `g`, `G`,
//! `x`, `X`. The decimal digits come from Rust's formatter (shortest round-trip digits, or
//! exactly rounded ones, as Go's); the layout is Go's.

/// Decimal digits `0.d₁d₂… × 10^dp`, without trailing zeros (zero has none).
struct Digits {
    d: Vec<u8>,
    dp: i64,
}

impl Digits {
    /// From Rust's `{:e}` form of a non-negative number: `1.2345e6`.
    fn from_exp(s: &str) -> Digits {
        let (m, e) = s.split_once('e').unwrap_or((s, "0"));
        let exp: i64 = e.parse().unwrap_or(0);
        let d: Vec<u8> = m.bytes().filter(u8::is_ascii_digit).collect();
        Digits { d, dp: exp + 1 }.trimmed()
    }

    /// From Rust's `{:.N}` form of a non-negative number: `123.4500`.
    fn from_fixed(s: &str) -> Digits {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let all: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
        let lead = all.iter().take_while(|&&b| b == b'0').count();
        Digits {
            d: all[lead..].to_vec(),
            dp: int.len() as i64 - lead as i64,
        }
        .trimmed()
    }

    fn trimmed(mut self) -> Digits {
        while self.d.last() == Some(&b'0') {
            self.d.pop();
        }
        if self.d.is_empty() {
            self.dp = 0;
        }
        self
    }

    fn nd(&self) -> i64 {
        self.d.len() as i64
    }
}

fn fmt_e(out: &mut String, d: &Digits, prec: i64, e: char) {
    out.push(d.d.first().map_or('0', |&c| c as char));
    if prec > 0 {
        out.push('.');
        let m = (prec + 1).min(d.nd()).max(1) as usize;
        for &c in d.d.get(1..m).unwrap_or_default() {
            out.push(c as char);
        }
        for _ in m as i64..=prec {
            out.push('0');
        }
    }
    out.push(e);
    let exp = if d.d.is_empty() { 0 } else { d.dp - 1 };
    push_exponent(out, exp);
}

/// An exponent as Go writes it: its sign, then at least two digits (`+05`, `-12`, `+123`).
fn push_exponent(out: &mut String, exp: i64) {
    out.push(if exp < 0 { '-' } else { '+' });
    let digits = exp.unsigned_abs();
    if digits < 10 {
        out.push('0');
    }
    out.push_str(&digits.to_string());
}

fn fmt_f(out: &mut String, d: &Digits, prec: i64) {
    if d.dp > 0 {
        let m = d.nd().min(d.dp) as usize;
        for &c in &d.d[..m] {
            out.push(c as char);
        }
        for _ in m as i64..d.dp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = d.dp + i - 1;
            out.push(if (0..d.nd()).contains(&j) {
                d.d[j as usize] as char
            } else {
                '0'
            });
        }
    }
}

/// `%b`: `4503599627370496p-52`.
fn fmt_b(out: &mut String, bits: u64) {
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1 << 52) - 1);
    let e = if exp == 0 {
        1 - 1023 - 52
    } else {
        mant |= 1 << 52;
        exp - 1023 - 52
    };
    out.push_str(&format!("{mant}p{}{e}", if e >= 0 { "+" } else { "" }));
}

/// `%x`: `0x1.8p+01`, with `prec` hex digits (or the shortest, with -1).
fn fmt_x(out: &mut String, bits: u64, prec: i64, upper: bool) {
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1 << 52) - 1);
    let mut exp = if biased == 0 {
        -1022
    } else {
        mant |= 1 << 52;
        biased - 1023
    };
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    out.push('0');
    out.push(if upper { 'X' } else { 'x' });
    out.push(if (mant >> 60) & 1 == 1 { '1' } else { '0' });
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if upper { 'P' } else { 'p' });
    push_exponent(out, exp);
}

/// Go's `strconv.FormatFloat(v, fmt, prec, 64)`; `prec` -1 is the shortest representation.
pub fn format(v: f64, fmt: char, prec: i64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let mut out = String::new();
    if v.is_sign_negative() {
        out.push('-');
    }
    let abs = v.abs();
    match fmt {
        'b' => {
            fmt_b(&mut out, abs.to_bits());
            return out;
        }
        'x' | 'X' => {
            fmt_x(&mut out, abs.to_bits(), prec, fmt == 'X');
            return out;
        }
        _ => {}
    }
    let shortest = prec < 0;
    let (digits, mut prec) = if shortest {
        let d = Digits::from_exp(&format!("{abs:e}"));
        let p = match fmt {
            'e' | 'E' => (d.nd() - 1).max(0),
            'f' => (d.nd() - d.dp).max(0),
            _ => d.nd(),
        };
        (d, p)
    } else {
        match fmt {
            'e' | 'E' => (Digits::from_exp(&format!("{abs:.*e}", prec as usize)), prec),
            'f' => (
                Digits::from_fixed(&format!("{abs:.*}", prec as usize)),
                prec,
            ),
            _ => {
                let p = prec.max(1);
                (Digits::from_exp(&format!("{abs:.*e}", (p - 1) as usize)), p)
            }
        }
    };
    match fmt {
        'e' | 'E' => fmt_e(&mut out, &digits, prec, fmt),
        'f' => fmt_f(&mut out, &digits, prec),
        _ => {
            let mut eprec = prec;
            if eprec > digits.nd() && digits.nd() >= digits.dp {
                eprec = digits.nd();
            }
            if shortest {
                eprec = 6;
            }
            let exp = digits.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > digits.nd() {
                    prec = digits.nd();
                }
                let e = if fmt == 'G' { 'E' } else { 'e' };
                fmt_e(&mut out, &digits, prec - 1, e);
            } else {
                if prec > digits.dp {
                    prec = digits.nd();
                }
                fmt_f(&mut out, &digits, (prec - digits.dp).max(0));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn formats_as_go() {
        let g = |v: f64| format(v, 'g', -1);
        assert_eq!(g(591.0), "591");
        assert_eq!(g(123456.0), "123456");
        assert_eq!(g(1234567.0), "1.234567e+06");
        assert_eq!(g(1e6), "1e+06");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(0.00001), "1e-05");
        assert_eq!(g(1.5), "1.5");
        assert_eq!(g(0.0), "0");
        assert_eq!(g(-0.0), "-0");
        assert_eq!(g(1e100), "1e+100");
        assert_eq!(g(f64::INFINITY), "+Inf");
        assert_eq!(format(1.0, 'e', 6), "1.000000e+00");
        assert_eq!(format(0.0, 'e', -1), "0e+00");
        assert_eq!(format(1234.5678, 'f', 2), "1234.57");
        assert_eq!(format(0.125, 'f', 2), "0.12");
        assert_eq!(format(0.0012, 'f', 6), "0.001200");
        assert_eq!(format(1e21, 'f', -1), "1000000000000000000000");
        assert_eq!(format(1.0, 'g', 3), "1");
        assert_eq!(format(1234.0, 'g', 3), "1.23e+03");
        assert_eq!(format(0.000123456, 'g', 2), "0.00012");
        assert_eq!(format(1.0, 'x', -1), "0x1p+00");
        assert_eq!(format(3.0, 'x', -1), "0x1.8p+01");
        assert_eq!(format(1.0, 'b', -1), "4503599627370496p-52");
    }
}
