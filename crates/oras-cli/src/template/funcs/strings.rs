//! sprig's string functions (`strings.go` and the string entries of its function map), with
//! sprig's argument order (`"foobar" | contains "foo"`).

use std::collections::BTreeMap;
use std::rc::Rc;

use base64::Engine as _;

use super::{CallResult, Func, Ty, arg_int, arg_str, check_size, f, fv, strslice, strval};
use crate::template::quote::quote;
use crate::template::value::{Elem, Value};

fn s(v: impl Into<Rc<str>>) -> CallResult {
    Ok(Value::str(v))
}

pub fn lookup(name: &str) -> Option<Func> {
    use Ty::{Any, Int, Str};
    Some(match name {
        "hello" => f(&[], |_| s("Hello!")),
        "trim" => f(&[Str], |a| {
            s(arg_str(a, 0).trim_matches(char::is_whitespace))
        }),
        "upper" => f(&[Str], |a| s(map_chars(arg_str(a, 0), char::to_uppercase))),
        "lower" => f(&[Str], |a| s(map_chars(arg_str(a, 0), char::to_lowercase))),
        "title" => f(&[Str], |a| s(title(arg_str(a, 0)))),
        "untitle" => f(&[Str], |a| {
            let t = arg_str(a, 0);
            let mut c = t.chars();
            s(match c.next() {
                Some(first) => first.to_lowercase().chain(c).collect::<String>(),
                None => String::new(),
            })
        }),
        "substr" => f(&[Int, Int, Str], substr),
        "trunc" => f(&[Int, Str], trunc),
        "repeat" => f(&[Int, Str], |a| {
            let n = arg_int(a, 0);
            let t = arg_str(a, 1);
            if n < 0 {
                return Err("strings: negative Repeat count".into());
            }
            check_size((n as usize).saturating_mul(t.len()))?;
            s(t.repeat(n as usize))
        }),
        "trimAll" | "trimall" => f(&[Str, Str], |a| {
            let cut = arg_str(a, 0);
            s(arg_str(a, 1).trim_matches(|c| cut.contains(c)))
        }),
        "trimSuffix" => f(&[Str, Str], |a| {
            let t = arg_str(a, 1);
            s(t.strip_suffix(arg_str(a, 0)).unwrap_or(t))
        }),
        "trimPrefix" => f(&[Str, Str], |a| {
            let t = arg_str(a, 1);
            s(t.strip_prefix(arg_str(a, 0)).unwrap_or(t))
        }),
        "nospace" => f(&[Str], |a| {
            s(arg_str(a, 0)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>())
        }),
        "contains" => f(&[Str, Str], |a| {
            Ok(Value::Bool(arg_str(a, 1).contains(arg_str(a, 0))))
        }),
        "hasPrefix" => f(&[Str, Str], |a| {
            Ok(Value::Bool(arg_str(a, 1).starts_with(arg_str(a, 0))))
        }),
        "hasSuffix" => f(&[Str, Str], |a| {
            Ok(Value::Bool(arg_str(a, 1).ends_with(arg_str(a, 0))))
        }),
        "quote" => fv(&[], Any, |a| {
            let q: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil())
                .map(|v| quote(&strval(v)))
                .collect();
            s(q.join(" "))
        }),
        "squote" => fv(&[], Any, |a| {
            let q: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil())
                .map(|v| format!("'{}'", strval(v)))
                .collect();
            s(q.join(" "))
        }),
        "cat" => fv(&[], Any, |a| {
            let q: Vec<String> = a.iter().filter(|v| !v.is_nil()).map(strval).collect();
            s(q.join(" "))
        }),
        "indent" => f(&[Int, Str], |a| indent(arg_int(a, 0), arg_str(a, 1), "")),
        "nindent" => f(&[Int, Str], |a| indent(arg_int(a, 0), arg_str(a, 1), "\n")),
        "replace" => f(&[Str, Str, Str], |a| {
            let (old, new, src) = (arg_str(a, 0), arg_str(a, 1), arg_str(a, 2));
            let n = if old.is_empty() {
                src.chars().count() + 1
            } else {
                src.matches(old).count()
            };
            check_size(src.len().saturating_add(n.saturating_mul(new.len())))?;
            s(go_replace(src, old, new))
        }),
        "plural" => f(&[Str, Str, Int], |a| {
            s(if arg_int(a, 2) == 1 {
                arg_str(a, 0)
            } else {
                arg_str(a, 1)
            })
        }),
        "toString" => f(&[Any], |a| s(strval(&a[0]))),
        "sha256sum" => f(&[Str], |a| {
            s(digest(oras_spec::Algorithm::Sha256, arg_str(a, 0)))
        }),
        "sha512sum" => f(&[Str], |a| {
            s(digest(oras_spec::Algorithm::Sha512, arg_str(a, 0)))
        }),
        "b64enc" => f(&[Str], |a| {
            s(base64::engine::general_purpose::STANDARD.encode(arg_str(a, 0)))
        }),
        "b64dec" => f(&[Str], |a| {
            s(
                match base64::engine::general_purpose::STANDARD.decode(arg_str(a, 0)) {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(e) => b64_error(&e),
                },
            )
        }),
        "split" => f(&[Str, Str], |a| {
            Ok(parts_map(go_split(arg_str(a, 1), arg_str(a, 0), -1)))
        }),
        "splitn" => f(&[Str, Int, Str], |a| {
            Ok(parts_map(go_split(
                arg_str(a, 2),
                arg_str(a, 0),
                arg_int(a, 1),
            )))
        }),
        "splitList" => f(&[Str, Str], |a| {
            let parts = go_split(arg_str(a, 1), arg_str(a, 0), -1);
            Ok(Value::str_list(
                parts.into_iter().map(str::to_string).collect(),
            ))
        }),
        "join" => f(&[Str, Any], |a| s(strslice(&a[1]).join(arg_str(a, 0)))),
        "toStrings" => f(&[Any], |a| Ok(Value::str_list(strslice(&a[0])))),
        _ => return None,
    })
}

/// Go's per-character case mapping: a character whose mapping is not a single character
/// stays as it is (`ß` is not `SS`).
fn map_chars<I: Iterator<Item = char>>(t: &str, map: fn(char) -> I) -> String {
    t.chars()
        .map(|c| {
            let mut m = map(c);
            match (m.next(), m.next()) {
                (Some(one), None) => one,
                _ => c,
            }
        })
        .collect()
}

fn digest(alg: oras_spec::Algorithm, data: &str) -> String {
    let mut d = alg.digester();
    d.update(data.as_bytes());
    d.finish().hex().to_string()
}

/// Go's `base64.CorruptInputError` text (sprig prints the error instead of failing).
fn b64_error(e: &base64::DecodeError) -> String {
    let at = match e {
        base64::DecodeError::InvalidByte(at, _) | base64::DecodeError::InvalidLastSymbol(at, _) => {
            *at
        }
        _ => 0,
    };
    format!("illegal base64 data at input byte {at}")
}

/// `strings.Title`: the first letter of each word in upper case.
fn title(t: &str) -> String {
    let mut prev = ' ';
    t.chars()
        .map(|c| {
            let sep = if prev.is_ascii() {
                !(prev.is_ascii_alphanumeric() || prev == '_')
            } else {
                prev.is_whitespace()
            };
            prev = c;
            if sep {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// Go's `s[from..to]` on bytes, with Go's panic text when out of range (sprig does not check).
fn byte_slice(t: &str, from: usize, to: usize) -> Result<String, String> {
    if from > to || to > t.len() {
        return Err(format!(
            "runtime error: slice bounds out of range [{from}:{to}] with length {}",
            t.len()
        ));
    }
    Ok(String::from_utf8_lossy(&t.as_bytes()[from..to]).into_owned())
}

fn substr(a: &[Value]) -> CallResult {
    let (start, end, t) = (arg_int(a, 0), arg_int(a, 1), arg_str(a, 2));
    let len = t.len() as i64;
    let r = if start < 0 {
        if end < 0 {
            return Err(format!("runtime error: slice bounds out of range [:{end}]"));
        }
        byte_slice(t, 0, end as usize)
    } else if end < 0 || end > len {
        if start > len {
            return Err(format!(
                "runtime error: slice bounds out of range [{start}:{len}]"
            ));
        }
        byte_slice(t, start as usize, len as usize)
    } else {
        byte_slice(t, start as usize, end as usize)
    };
    r.map(Value::str)
}

fn trunc(a: &[Value]) -> CallResult {
    let (c, t) = (arg_int(a, 0), arg_str(a, 1));
    let len = t.len() as i64;
    let r = if c < 0 && len + c > 0 {
        byte_slice(t, (len + c) as usize, t.len())?
    } else if c >= 0 && len > c {
        byte_slice(t, 0, c as usize)?
    } else {
        t.to_string()
    };
    s(r)
}

fn indent(n: i64, t: &str, lead: &str) -> CallResult {
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    let lines = t.matches('\n').count() + 1;
    check_size(t.len().saturating_add(lines.saturating_mul(n)))?;
    let pad = " ".repeat(n);
    s(format!(
        "{lead}{pad}{}",
        t.replace('\n', &format!("\n{pad}"))
    ))
}

/// `strings.Replace(src, old, new, -1)`: an empty `old` matches between every character.
fn go_replace(src: &str, old: &str, new: &str) -> String {
    if !old.is_empty() {
        return src.replace(old, new);
    }
    let mut out = String::from(new);
    for c in src.chars() {
        out.push(c);
        out.push_str(new);
    }
    out
}

/// `strings.SplitN(t, sep, n)` (`n` < 0: all; 0: none); an empty `sep` splits characters.
fn go_split<'a>(t: &'a str, sep: &str, n: i64) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    if sep.is_empty() {
        let mut parts: Vec<&str> = Vec::new();
        let mut rest = t;
        while !rest.is_empty() {
            if parts.len() + 1 == limit {
                parts.push(rest);
                return parts;
            }
            let len = rest.chars().next().map_or(1, char::len_utf8);
            parts.push(&rest[..len]);
            rest = &rest[len..];
        }
        return parts;
    }
    t.splitn(limit, sep).collect()
}

/// sprig's `split` result: `map[_0:a _1:b]` (a `map[string]string`).
fn parts_map(parts: Vec<&str>) -> Value {
    let m: BTreeMap<String, Value> = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("_{i}"), Value::str(p)))
        .collect();
    Value::Map(Rc::new(m), Elem::String)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> CallResult {
        (lookup(name).unwrap().imp)(args)
    }

    fn text(v: CallResult) -> String {
        match v {
            Ok(Value::Str(s)) => s.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sprig_strings() {
        let st = Value::str;
        assert_eq!(text(call("trimPrefix", &[st("a"), st("abc")])), "bc");
        assert_eq!(
            text(call("replace", &[st("a"), st("x"), st("banana")])),
            "bxnxnx"
        );
        assert_eq!(text(call("replace", &[st(""), st("-"), st("ab")])), "-a-b-");
        assert_eq!(
            text(call("indent", &[Value::Int(2), st("a\nb")])),
            "  a\n  b"
        );
        assert_eq!(text(call("nindent", &[Value::Int(1), st("a")])), "\n a");
        assert_eq!(
            text(call("quote", &[st("a\"b"), Value::Nil, Value::Float(1.0)])),
            "\"a\\\"b\" \"1\""
        );
        assert_eq!(text(call("squote", &[st("a")])), "'a'");
        assert_eq!(
            text(call("title", &[st("hello wide-world")])),
            "Hello Wide-World"
        );
        assert_eq!(text(call("trunc", &[Value::Int(-2), st("abcd")])), "cd");
        assert_eq!(
            text(call("substr", &[Value::Int(1), Value::Int(3), st("abcd")])),
            "bc"
        );
        assert!(call("substr", &[Value::Int(-1), Value::Int(9), st("abcd")]).is_err());
        assert_eq!(
            text(call(
                "join",
                &[
                    st(","),
                    Value::list(vec![st("a"), Value::Nil, Value::Float(2.0)])
                ]
            )),
            "a,2"
        );
        assert_eq!(text(call("b64enc", &[st("hi")])), "aGk=");
        assert_eq!(text(call("b64dec", &[st("aGk=")])), "hi");
        assert_eq!(
            text(call("sha256sum", &[st("")])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let parts = call("split", &[st("/"), st("a/b")]).unwrap();
        assert_eq!(
            crate::template::gofmt::print_value(&parts),
            "map[_0:a _1:b]"
        );
        assert_eq!(go_split("abc", "", 2), ["a", "bc"]);
        assert!(call("repeat", &[Value::Int(1 << 40), st("xx")]).is_err());
    }
}
