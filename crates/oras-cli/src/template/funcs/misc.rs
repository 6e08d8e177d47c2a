//! sprig's numeric, default, JSON, reflection, path and environment functions.

use super::{CallResult, Func, Ty, arg_int, arg_str, f, fv, to_float64, to_int64};
use crate::template::json::{Style, encode};
use crate::template::value::{Value, deep_equal};

const GO_JSON: Style = Style {
    escape_html: true,
    pretty: false,
};
const PRETTY: Style = Style {
    escape_html: true,
    pretty: true,
};
const RAW: Style = Style {
    escape_html: false,
    pretty: false,
};

fn s(v: impl Into<std::rc::Rc<str>>) -> CallResult {
    Ok(Value::str(v))
}

fn b(v: bool) -> CallResult {
    Ok(Value::Bool(v))
}

pub fn lookup(name: &str) -> Option<Func> {
    use Ty::{Any, Bool, Float, Int, Str};
    Some(match name {
        "atoi" => f(&[Str], |a| {
            Ok(Value::Int(arg_str(a, 0).parse().unwrap_or(0)))
        }),
        "int" | "toInt" => f(&[Any], |a| Ok(Value::Int(to_int64(&a[0])))),
        "int64" | "toInt64" => f(&[Any], |a| Ok(Value::Int64(to_int64(&a[0])))),
        "float64" | "toFloat64" => f(&[Any], |a| Ok(Value::Float(to_float64(&a[0])))),
        "toDecimal" => f(&[Any], |a| {
            let t = super::strval(&a[0]);
            Ok(Value::Int64(i64::from_str_radix(&t, 8).unwrap_or(0)))
        }),
        "add1" => f(&[Any], |a| {
            Ok(Value::Int64(to_int64(&a[0]).wrapping_add(1)))
        }),
        "add" => fv(&[], Any, |a| {
            Ok(Value::Int64(
                a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))),
            ))
        }),
        "sub" => f(&[Any, Any], |a| {
            Ok(Value::Int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
        }),
        "mul" => fv(&[Any], Any, |a| {
            Ok(Value::Int64(
                a[1..]
                    .iter()
                    .fold(to_int64(&a[0]), |acc, v| acc.wrapping_mul(to_int64(v))),
            ))
        }),
        "div" => f(&[Any, Any], |a| {
            let d = to_int64(&a[1]);
            if d == 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(Value::Int64(to_int64(&a[0]).wrapping_div(d)))
        }),
        "mod" => f(&[Any, Any], |a| {
            let d = to_int64(&a[1]);
            if d == 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(Value::Int64(to_int64(&a[0]).wrapping_rem(d)))
        }),
        "max" | "biggest" => fv(&[Any], Any, |a| {
            Ok(Value::Int64(a.iter().map(to_int64).max().unwrap_or(0)))
        }),
        "min" => fv(&[Any], Any, |a| {
            Ok(Value::Int64(a.iter().map(to_int64).min().unwrap_or(0)))
        }),
        "floor" => f(&[Any], |a| Ok(Value::Float(to_float64(&a[0]).floor()))),
        "ceil" => f(&[Any], |a| Ok(Value::Float(to_float64(&a[0]).ceil()))),
        "round" => fv(&[Any, Int], Float, |a| {
            let round_on = match a.get(2) {
                Some(Value::Float(r)) => *r,
                _ => 0.5,
            };
            let pow = 10f64.powf(arg_int(a, 1) as f64);
            let digit = pow * to_float64(&a[0]);
            let r = if digit.fract() >= round_on {
                digit.ceil()
            } else {
                digit.floor()
            };
            Ok(Value::Float(r / pow))
        }),
        "default" => fv(&[Any], Any, |a| {
            Ok(match a.get(1) {
                Some(given) if given.truth() => given.clone(),
                _ => a[0].clone(),
            })
        }),
        "empty" => f(&[Any], |a| b(!a[0].truth())),
        "coalesce" => fv(&[], Any, |a| {
            Ok(a.iter().find(|v| v.truth()).cloned().unwrap_or(Value::Nil))
        }),
        "all" => fv(&[], Any, |a| b(a.iter().all(Value::truth))),
        "any" => fv(&[], Any, |a| b(a.iter().any(Value::truth))),
        "ternary" => f(&[Any, Any, Bool], |a| {
            Ok(if matches!(a[2], Value::Bool(true)) {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }),
        "toJson" => f(&[Any], |a| s(encode(&a[0], GO_JSON).unwrap_or_default())),
        "toPrettyJson" => f(&[Any], |a| s(encode(&a[0], PRETTY).unwrap_or_default())),
        "toRawJson" | "mustToRawJson" => f(&[Any], |a| s(encode(&a[0], RAW)?)),
        "mustToJson" => f(&[Any], |a| s(encode(&a[0], GO_JSON)?)),
        "mustToPrettyJson" => f(&[Any], |a| s(encode(&a[0], PRETTY)?)),
        "fromJson" => f(&[Str], |a| {
            Ok(from_json(arg_str(a, 0)).unwrap_or(Value::Nil))
        }),
        "mustFromJson" => f(&[Str], |a| from_json(arg_str(a, 0))),
        "deepCopy" | "mustDeepCopy" => f(&[Any], |a| Ok(a[0].clone())),
        "typeOf" => f(&[Any], |a| s(a[0].type_name())),
        "typeIs" => f(&[Str, Any], |a| b(arg_str(a, 0) == a[1].type_name())),
        "typeIsLike" => f(&[Str, Any], |a| {
            let t = a[1].type_name();
            let want = arg_str(a, 0);
            b(want == t || format!("*{want}") == t)
        }),
        "kindOf" => f(&[Any], |a| s(kind_of(&a[0]))),
        "kindIs" => f(&[Str, Any], |a| b(arg_str(a, 0) == kind_of(&a[1]))),
        "deepEqual" => f(&[Any, Any], |a| b(deep_equal(&a[0], &a[1]))),
        "env" => f(&[Str], |a| s(env(arg_str(a, 0)))),
        "expandenv" => f(&[Str], |a| s(expand_env(arg_str(a, 0)))),
        "base" | "osBase" => f(&[Str], |a| s(path_base(arg_str(a, 0)))),
        "dir" | "osDir" => f(&[Str], |a| s(path_dir(arg_str(a, 0)))),
        "clean" | "osClean" => f(&[Str], |a| s(path_clean(arg_str(a, 0)))),
        "ext" | "osExt" => f(&[Str], |a| s(path_ext(arg_str(a, 0)))),
        "isAbs" | "osIsAbs" => f(&[Str], |a| b(arg_str(a, 0).starts_with('/'))),
        "fail" => f(&[Str], |a| Err(arg_str(a, 0).to_string())),
        _ => return None,
    })
}

fn kind_of(v: &Value) -> &'static str {
    if v.is_nil() { "invalid" } else { v.kind_name() }
}

fn from_json(t: &str) -> CallResult {
    serde_json::from_str::<serde_json::Value>(t)
        .map(|v| Value::from_json(&v))
        .map_err(|e| e.to_string())
}

fn env(name: &str) -> String {
    std::env::var_os(name)
        .map(|v| v.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `os.ExpandEnv`: `$NAME` and `${NAME}` replaced by the environment's values.
fn expand_env(t: &str) -> String {
    let b = t.as_bytes();
    let special = |c: u8| {
        matches!(
            c,
            b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-' | b'0'..=b'9'
        )
    };
    let mut out = String::new();
    let mut i = 0;
    let mut j = 0;
    while j < b.len() {
        if b[j] == b'$' && j + 1 < b.len() {
            out.push_str(&t[i..j]);
            let rest = &t[j + 1..];
            let r = rest.as_bytes();
            let (name, w): (&str, usize) = if r[0] == b'{' {
                if r.len() > 2 && special(r[1]) && r[2] == b'}' {
                    (&rest[1..2], 3)
                } else {
                    match r.iter().position(|&c| c == b'}') {
                        Some(1) => ("", 2),
                        Some(k) => (&rest[1..k], k + 1),
                        None => ("", 1),
                    }
                }
            } else if special(r[0]) {
                (&rest[..1], 1)
            } else {
                let k = r
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                (&rest[..k], k)
            };
            if name.is_empty() && w == 0 {
                out.push('$');
            } else if !name.is_empty() {
                out.push_str(&env(name));
            }
            j += w;
            i = j + 1;
        }
        j += 1;
    }
    out.push_str(t.get(i..).unwrap_or_default());
    out
}

/// `path.Clean`.
pub fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if matches!(parts.last(), Some(l) if *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            part => parts.push(part),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// `path.Base`.
fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let p = p.trim_end_matches('/');
    if p.is_empty() {
        return "/".into();
    }
    p.rsplit('/').next().unwrap_or(p).to_string()
}

/// `path.Dir`.
fn path_dir(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    path_clean(dir)
}

/// `path.Ext`.
fn path_ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        match c {
            '/' => break,
            '.' => return p[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::gofmt::print_value;

    fn call(name: &str, args: &[Value]) -> CallResult {
        (lookup(name).unwrap().imp)(args)
    }

    #[test]
    fn sprig_misc() {
        let st = Value::str;
        let p = |v: CallResult| print_value(&v.unwrap());
        assert_eq!(
            p(call("add", &[Value::Int(1), Value::Float(2.7), st("3")])),
            "6"
        );
        assert_eq!(p(call("sub", &[Value::Float(10.0), Value::Int(3)])), "7");
        assert!(call("div", &[Value::Int(1), Value::Int(0)]).is_err());
        assert_eq!(
            p(call("max", &[Value::Int(1), Value::Int(5), Value::Int(2)])),
            "5"
        );
        assert_eq!(
            p(call("round", &[Value::Float(2.34567), Value::Int(2)])),
            "2.35"
        );
        assert_eq!(p(call("default", &[st("d"), Value::Nil])), "d");
        assert_eq!(p(call("default", &[st("d"), st("")])), "d");
        assert_eq!(p(call("default", &[st("d"), st("x")])), "x");
        assert_eq!(p(call("default", &[st("d")])), "d");
        assert_eq!(p(call("coalesce", &[Value::Nil, st(""), st("x")])), "x");
        assert_eq!(p(call("toJson", &[st("<a>")])), "\"\\u003ca\\u003e\"");
        assert_eq!(p(call("toRawJson", &[st("<a>")])), "\"<a>\"");
        assert_eq!(p(call("typeOf", &[Value::Float(1.0)])), "float64");
        assert_eq!(p(call("kindOf", &[Value::Nil])), "invalid");
        assert_eq!(
            p(call("fromJson", &[st("{\"a\":[1,null]}")])),
            "map[a:[1 <nil>]]"
        );
        assert_eq!(call("fail", &[st("boom")]).unwrap_err(), "boom");
        assert_eq!(path_clean("a//b/../c/./"), "a/c");
        assert_eq!(path_clean("/../x"), "/x");
        assert_eq!(path_clean("../../x"), "../../x");
        assert_eq!(path_base("a/b.txt/"), "b.txt");
        assert_eq!(path_dir("a/b/c"), "a/b");
        assert_eq!(path_dir("c"), ".");
        assert_eq!(path_ext("a.tar.gz"), ".gz");
        assert_eq!(
            expand_env("x$ORAS_TEMPLATE_TEST_UNSET-${ORAS_TEMPLATE_TEST_UNSET}y$"),
            "x-y$"
        );
    }
}
