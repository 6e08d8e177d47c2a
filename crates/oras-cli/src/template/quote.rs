//! Go's `strconv` quoting: `Quote`, `QuoteRune`, `Unquote`, and `unicode.IsPrint` (closely
//! approximated: Go's tables are not carried, the differences are in rare format and
//! unassigned characters).

/// Whether Go's `unicode.IsPrint` holds for `c`: letters, marks, numbers, punctuation, symbols
/// and the ASCII space.
pub fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x206F | 0xD800..=0xF8FF | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xFFFE | 0xFFFF | 0xE0001..=0xE007F | 0xF0000..)
}

fn escape_into(out: &mut String, c: char, quote: char) {
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if is_print(c) => out.push(c),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// `strconv.Quote`: a double-quoted Go string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape_into(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// `strconv.QuoteRune`: a single-quoted Go character literal.
pub fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    escape_into(&mut out, c, '\'');
    out.push('\'');
    out
}

/// `strconv.CanBackquote`: `s` can be written as a raw string literal.
pub fn can_backquote(s: &str) -> bool {
    s.chars()
        .all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || !c.is_control()))
}

const SYNTAX: &str = "invalid syntax";

fn hex_digits(s: &str, n: usize) -> Result<(u32, &str), &'static str> {
    let digits = s.get(..n).ok_or(SYNTAX)?;
    let v = u32::from_str_radix(digits, 16).map_err(|_| SYNTAX)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SYNTAX);
    }
    Ok((v, &s[n..]))
}

/// `strconv.UnquoteChar`: the first character (or escape) of `s` inside a `quote` literal and
/// the rest of `s`. `\x` and octal escapes give bytes; they come back as `Err` when they do
/// not form valid UTF-8 with their neighbours only at the end (see [`unquote`]).
fn unquote_char(s: &str, quote: char) -> Result<(Piece, &str), &'static str> {
    let mut chars = s.chars();
    let c = chars.next().ok_or(SYNTAX)?;
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(SYNTAX);
    }
    if c != '\\' {
        return Ok((Piece::Char(c), chars.as_str()));
    }
    let e = chars.next().ok_or(SYNTAX)?;
    let rest = chars.as_str();
    let simple = |c: char| Ok((Piece::Char(c), rest));
    match e {
        'a' => simple('\u{7}'),
        'b' => simple('\u{8}'),
        'f' => simple('\u{c}'),
        'n' => simple('\n'),
        'r' => simple('\r'),
        't' => simple('\t'),
        'v' => simple('\u{b}'),
        'x' => {
            let (v, rest) = hex_digits(rest, 2)?;
            Ok((Piece::Byte(v as u8), rest))
        }
        'u' | 'U' => {
            let (v, rest) = hex_digits(rest, if e == 'u' { 4 } else { 8 })?;
            let c = char::from_u32(v).ok_or(SYNTAX)?;
            Ok((Piece::Char(c), rest))
        }
        '0'..='7' => {
            let digits = s.get(1..4).ok_or(SYNTAX)?;
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return Err(SYNTAX);
            }
            let v = u32::from_str_radix(digits, 8).map_err(|_| SYNTAX)?;
            if v > 255 {
                return Err(SYNTAX);
            }
            Ok((Piece::Byte(v as u8), &s[4..]))
        }
        '\\' => simple('\\'),
        '\'' | '"' if e == quote => simple(e),
        _ => Err(SYNTAX),
    }
}

enum Piece {
    Char(char),
    Byte(u8),
}

/// `strconv.Unquote` for the literals a template holds: `"…"`, `` `…` `` (carriage returns
/// dropped) and `'…'`. Byte escapes that do not form UTF-8 become U+FFFD (Go keeps the raw
/// bytes; a Rust string cannot).
pub fn unquote(lit: &str) -> Result<String, &'static str> {
    let mut chars = lit.chars();
    let (Some(q), Some(last)) = (chars.next(), chars.next_back()) else {
        return Err(SYNTAX);
    };
    if q != last {
        return Err(SYNTAX);
    }
    let body = chars.as_str();
    match q {
        '`' => {
            if body.contains('`') {
                return Err(SYNTAX);
            }
            Ok(body.replace('\r', ""))
        }
        '"' | '\'' => {
            if body.contains('\n') {
                return Err(SYNTAX);
            }
            let mut bytes = Vec::with_capacity(body.len());
            let mut rest = body;
            let mut count = 0;
            while !rest.is_empty() {
                let (piece, r) = unquote_char(rest, q)?;
                match piece {
                    Piece::Char(c) => {
                        let mut buf = [0; 4];
                        bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    Piece::Byte(b) => bytes.push(b),
                }
                rest = r;
                count += 1;
                if q == '\'' && count > 1 {
                    return Err(SYNTAX);
                }
            }
            if q == '\'' && count != 1 {
                return Err(SYNTAX);
            }
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => Err(SYNTAX),
    }
}

/// The value of a character constant (`'a'`, `'\n'`, `'\x41'`): Go's `UnquoteChar` then a
/// closing quote. `Err` holds Go's message.
pub fn char_constant(lit: &str) -> Result<u32, String> {
    let body = lit.get(1..).ok_or_else(|| SYNTAX.to_string())?;
    let (piece, tail) = unquote_char(body, '\'').map_err(str::to_string)?;
    if tail != "'" {
        return Err(format!("malformed character constant: {lit}"));
    }
    Ok(match piece {
        Piece::Char(c) => c as u32,
        Piece::Byte(b) => u32::from(b),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_as_go() {
        assert_eq!(
            quote("a\"b\\\n\u{1}é\u{200b}"),
            "\"a\\\"b\\\\\\n\\x01é\\u200b\""
        );
        assert_eq!(quote_rune('\''), "'\\''");
        assert_eq!(quote_rune('x'), "'x'");
    }

    #[test]
    fn unquotes_as_go() {
        assert_eq!(unquote("\"a\\tb\\u00e9\\x41\\101\"").unwrap(), "a\tbéAA");
        assert_eq!(unquote("`a\r\\n`").unwrap(), "a\\n");
        for bad in [
            "\"\\é\"",
            "\"\\u0e9\"",
            "\"\\x4\"",
            "\"\\'\"",
            "\"\\400\"",
            "\"\\ud800\"",
        ] {
            assert_eq!(unquote(bad), Err(SYNTAX), "{bad}");
        }
        assert_eq!(char_constant("'a'"), Ok(97));
        assert_eq!(char_constant("'\\n'"), Ok(10));
        assert_eq!(
            char_constant("'ab'"),
            Err("malformed character constant: 'ab'".into())
        );
        assert_eq!(char_constant("'\\é'"), Err(SYNTAX.into()));
    }
}
