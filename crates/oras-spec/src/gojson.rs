//! JSON output that matches Go's `encoding/json`, so manifests we create hash the same as oras's.
//!
//! Go escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings (`\u003c` …); field order and
//! `omitempty` rules are the job of the serde derives on the types.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

struct GoEscaping<F>(F);

fn write_go_fragment<W: ?Sized + io::Write>(w: &mut W, fragment: &str) -> io::Result<()> {
    let mut start = 0;
    for (i, c) in fragment.char_indices() {
        let esc: Option<&[u8]> = match c {
            '<' => Some(b"\\u003c"),
            '>' => Some(b"\\u003e"),
            '&' => Some(b"\\u0026"),
            '\u{2028}' => Some(b"\\u2028"),
            '\u{2029}' => Some(b"\\u2029"),
            _ => None,
        };
        if let Some(esc) = esc {
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(esc)?;
            start = i + c.len_utf8();
        }
    }
    w.write_all(&fragment.as_bytes()[start..])
}

macro_rules! delegate {
    ($($name:ident ( $($arg:ident : $ty:ty),* );)*) => {
        $(fn $name<W: ?Sized + io::Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> io::Result<()> {
            self.0.$name(w $(, $arg)*)
        })*
    };
}

impl<F: Formatter> Formatter for GoEscaping<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_go_fragment(w, fragment)
    }
    delegate! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        end_object_key();
        begin_object_value();
        end_object_value();
    }
}

/// Compact Go-style JSON (what `json.Marshal` writes).
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoEscaping(CompactFormatter));
    value
        .serialize(&mut ser)
        .expect("serializing to memory cannot fail");
    out
}

/// Indented Go-style JSON (what `json.MarshalIndent(v, "", "  ")` writes), no trailing newline.
pub fn to_vec_pretty<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        GoEscaping(PrettyFormatter::with_indent(b"  ")),
    );
    value
        .serialize(&mut ser)
        .expect("serializing to memory cannot fail");
    out
}

/// Re-indents raw JSON bytes with two spaces, as Go's `json.Indent` does: key order and string
/// escapes are kept exactly; empty objects and arrays stay `{}` / `[]`. Fails on invalid JSON.
pub fn indent(raw: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::from_slice::<serde::de::IgnoredAny>(raw)?;
    let mut out = Vec::with_capacity(raw.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    while i < raw.len() {
        let b = raw[i];
        i += 1;
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'"' => {
                in_string = true;
                out.push(b);
            }
            b'{' | b'[' => {
                out.push(b);
                let close = if b == b'{' { b'}' } else { b']' };
                let next = raw[i..]
                    .iter()
                    .position(|c| !c.is_ascii_whitespace())
                    .map(|p| i + p);
                if let Some(n) = next.filter(|&n| raw[n] == close) {
                    out.push(close);
                    i = n + 1;
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(b);
            }
            b',' => {
                out.push(b);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(b),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_like_go() {
        let v = serde_json::json!({"n": "<a&b> \"q\" ü € \u{2028}\n"});
        assert_eq!(
            String::from_utf8(super::to_vec(&v)).unwrap(),
            r#"{"n":"\u003ca\u0026b\u003e \"q\" ü € \u2028\n"}"#
        );
    }

    #[test]
    fn indent_keeps_order() {
        let raw = br#"{"z":1,"a":[],"m":{"k":"v\"}"},"l":[1,{}]}"#;
        let want = "{\n  \"z\": 1,\n  \"a\": [],\n  \"m\": {\n    \"k\": \"v\\\"}\"\n  },\n  \"l\": [\n    1,\n    {}\n  ]\n}";
        assert_eq!(
            String::from_utf8(super::indent(raw).unwrap()).unwrap(),
            want
        );
    }
}
