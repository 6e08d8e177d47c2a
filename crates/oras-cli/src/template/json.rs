//! Go's `encoding/json` for template values, as sprig's `toJson` (`json.Marshal`),
//! `toPrettyJson` (`json.MarshalIndent(v, "", "  ")`) and `toRawJson` (an encoder without
//! HTML escaping) write them: keys sorted, floats in Go's shortest form (`1e+21`, `1e-7`).

use super::float;
use super::value::Value;

/// How to write the JSON.
#[derive(Clone, Copy)]
pub struct Style {
    /// Escape `<`, `>` and `&` (`\u003c`).
    pub escape_html: bool,
    /// Indent nested values by two spaces per level.
    pub pretty: bool,
}

/// The JSON text of `v`, or Go's error (`json: unsupported value: NaN`).
pub fn encode(v: &Value, style: Style) -> Result<String, String> {
    let mut out = String::new();
    write(&mut out, v, style, 0)?;
    Ok(out)
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n("  ", depth));
}

fn write(out: &mut String, v: &Value, style: Style, depth: usize) -> Result<(), String> {
    match v {
        Value::Missing | Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Byte(b) => out.push_str(&b.to_string()),
        Value::Float(f) => out.push_str(&number(*f)?),
        Value::Complex(..) => return Err("json: unsupported type: complex128".into()),
        Value::Str(s) => string(out, s, style.escape_html),
        Value::List(items, _) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if style.pretty {
                    newline(out, depth + 1);
                }
                write(out, item, style, depth + 1)?;
            }
            if style.pretty && !items.is_empty() {
                newline(out, depth);
            }
            out.push(']');
        }
        Value::Map(m, _) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if style.pretty {
                    newline(out, depth + 1);
                }
                string(out, k, style.escape_html);
                out.push(':');
                if style.pretty {
                    out.push(' ');
                }
                write(out, item, style, depth + 1)?;
            }
            if style.pretty && !m.is_empty() {
                newline(out, depth);
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Go's float encoding: `f` form, `e` form below 1e-6 and from 1e21 (`e-07` written `e-7`).
fn number(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            float::format(f, 'g', -1)
        ));
    }
    let abs = f.abs();
    let e = abs != 0.0 && !(1e-6..1e21).contains(&abs);
    let mut s = float::format(f, if e { 'e' } else { 'f' }, -1);
    if e {
        let n = s.len();
        let b = s.as_bytes();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
    }
    Ok(s)
}

fn string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO: Style = Style {
        escape_html: true,
        pretty: false,
    };

    #[test]
    fn encodes_as_go() {
        let m = Value::map(
            [
                ("z".to_string(), Value::Float(1234567.0)),
                ("a".to_string(), Value::str("<&>\u{1}")),
                ("n".to_string(), Value::Nil),
                (
                    "l".to_string(),
                    Value::list(vec![Value::Float(1e21), Value::Float(1e-7)]),
                ),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(
            encode(&m, GO).unwrap(),
            r#"{"a":"\u003c\u0026\u003e\u0001","l":[1e+21,1e-7],"n":null,"z":1234567}"#
        );
        let raw = Style {
            escape_html: false,
            pretty: true,
        };
        assert_eq!(
            encode(&m, raw).unwrap(),
            "{\n  \"a\": \"<&>\\u0001\",\n  \"l\": [\n    1e+21,\n    1e-7\n  ],\n  \"n\": null,\n  \"z\": 1234567\n}"
        );
        assert_eq!(encode(&Value::list(vec![]), raw).unwrap(), "[]");
        assert!(encode(&Value::Float(f64::NAN), GO).is_err());
    }
}
