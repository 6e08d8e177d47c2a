//! Go's `text/template` builtins (`funcs.go`): comparisons, `index`, `len`, `not`, the print
//! family and the escapers. `and`, `or` and `call` are evaluated by the executor.

use super::{CallResult, Func, Ty, f, fv};
use crate::template::gofmt::{sprint, sprintf, sprintln};
use crate::template::quote::is_print;
use crate::template::value::{Kind, Value};

pub fn lookup(name: &str) -> Option<Func> {
    use Ty::*;
    Some(match name {
        "and" | "or" => fv(&[Value], Value, |_| Ok(super::Value::Missing)),
        "call" => fv(&[Value], Value, |_| Ok(super::Value::Missing)),
        "html" => fv(&[], Any, |a| Ok(super::Value::str(html(&eval_args(a))))),
        "js" => fv(&[], Any, |a| Ok(super::Value::str(js(&eval_args(a))))),
        "urlquery" => fv(&[], Any, |a| {
            Ok(super::Value::str(url_query(&eval_args(a))))
        }),
        "index" => fv(&[Value], Value, index),
        "len" => f(&[Value], length),
        "not" => f(&[Value], |a| Ok(super::Value::Bool(!a[0].truth()))),
        "print" => fv(&[], Any, |a| Ok(super::Value::str(sprint(a)))),
        "printf" => fv(&[Str], Any, |a| {
            Ok(super::Value::str(sprintf(super::arg_str(a, 0), &a[1..])))
        }),
        "println" => fv(&[], Any, |a| Ok(super::Value::str(sprintln(a)))),
        "eq" => fv(&[Value], Value, |a| {
            eq(&a[0], &a[1..]).map(super::Value::Bool)
        }),
        "ne" => f(&[Value, Value], |a| {
            eq(&a[0], &a[1..2]).map(|e| super::Value::Bool(!e))
        }),
        "lt" => f(&[Value, Value], |a| {
            lt(&a[0], &a[1]).map(super::Value::Bool)
        }),
        "le" => f(&[Value, Value], |a| {
            le(&a[0], &a[1]).map(super::Value::Bool)
        }),
        "gt" => f(&[Value, Value], |a| {
            le(&a[0], &a[1]).map(|l| super::Value::Bool(!l))
        }),
        "ge" => f(&[Value, Value], |a| {
            lt(&a[0], &a[1]).map(|l| super::Value::Bool(!l))
        }),
        _ => return None,
    })
}

/// Go's `evalArgs`: one string as is, else `fmt.Sprint` with nils as `<no value>`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::Str(s)] = args {
        return s.to_string();
    }
    let args: Vec<Value> = args
        .iter()
        .map(|a| match a {
            Value::Missing | Value::Nil => Value::str("<no value>"),
            a => a.clone(),
        })
        .collect();
    sprint(&args)
}

/// `template.HTMLEscapeString`.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// `template.JSEscapeString`.
pub fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if (c as u32) < 0x80 || is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// `url.QueryEscape`.
pub fn url_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Go's `indexArg`.
fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match index {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Byte(b) => i64::from(*b),
        Value::Missing | Value::Nil => return Err("cannot index slice/array with nil".into()),
        v => {
            return Err(format!(
                "cannot index slice/array with type {}",
                v.type_name()
            ));
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(args: &[Value]) -> CallResult {
    let mut item = args[0].clone().indirect();
    if matches!(item, Value::Missing) {
        return Err("index of untyped nil".into());
    }
    for index in &args[1..] {
        let index = index.clone().indirect();
        if matches!(item, Value::Nil) {
            return Err("index of nil pointer".into());
        }
        item = match &item {
            Value::List(items, _) => {
                let x = index_arg(&index, items.len())?;
                items
                    .get(x)
                    .cloned()
                    .ok_or("reflect: slice index out of range")?
            }
            Value::Str(s) => {
                let x = index_arg(&index, s.len())?;
                Value::Byte(
                    *s.as_bytes()
                        .get(x)
                        .ok_or("reflect: string index out of range")?,
                )
            }
            Value::Map(m, elem) => {
                let key = match &index {
                    Value::Str(k) => k,
                    Value::Missing => {
                        return Err("value is nil; should be of type string".into());
                    }
                    v => {
                        return Err(format!(
                            "value has type {}; should be string",
                            v.type_name()
                        ));
                    }
                };
                match m.get(&**key) {
                    Some(v) => v.clone(),
                    None if *elem == crate::template::value::Elem::String => Value::str(""),
                    None => Value::Nil,
                }
            }
            v => return Err(format!("can't index item of type {}", v.type_name())),
        };
    }
    Ok(item)
}

fn length(args: &[Value]) -> CallResult {
    Ok(Value::Int(match &args[0] {
        Value::Nil => return Err("len of nil pointer".into()),
        Value::Missing => return Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::Str(s) => s.len() as i64,
        Value::List(l, _) => l.len() as i64,
        Value::Map(m, _) => m.len() as i64,
        v => return Err(format!("len of type {}", v.type_name())),
    }))
}

/// Go's `basicKind`: the comparison class of a value (`None` when it has none).
fn basic_kind(v: &Value) -> Option<Kind> {
    match v.kind() {
        k @ (Kind::Bool | Kind::Int | Kind::Uint | Kind::Float | Kind::Complex | Kind::String) => {
            Some(k)
        }
        _ => None,
    }
}

fn incompatible(a: &Value, b: &Value) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        a.type_name(),
        b.type_name()
    )
}

/// Go's `eq`: `a == b || a == c || …`.
fn eq(arg1: &Value, rest: &[Value]) -> Result<bool, String> {
    let a = arg1.clone().indirect();
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(&a);
    for b in rest {
        let b = b.clone().indirect();
        let k2 = basic_kind(&b);
        let truth = if k1 != k2 {
            match (k1, k2, a.as_int(), b.as_int()) {
                (Some(Kind::Int), Some(Kind::Uint), Some(x), Some(y))
                | (Some(Kind::Uint), Some(Kind::Int), Some(x), Some(y)) => x == y,
                _ if !matches!(a, Value::Missing) && !matches!(b, Value::Missing) => {
                    return Err(incompatible(&a, &b));
                }
                _ => false,
            }
        } else {
            match (&a, &b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Complex(a, b), Value::Complex(c, d)) => a == c && b == d,
                (Value::Str(x), Value::Str(y)) => x == y,
                (x, y) if k1.is_some() => x.as_int() == y.as_int(),
                // neither has a basic kind: nil, lists, maps
                (Value::Missing, Value::Missing) => true,
                (Value::Missing, _) | (_, Value::Missing) => false,
                (x, y) if x.kind() != y.kind() => {
                    return Err(format!(
                        "non-comparable types {}: {}, {}: {}",
                        sprint(std::slice::from_ref(x)),
                        x.type_name(),
                        y.type_name(),
                        sprint(std::slice::from_ref(y))
                    ));
                }
                (_, y) => {
                    return Err(format!(
                        "non-comparable type {}: {}",
                        sprint(std::slice::from_ref(y)),
                        y.type_name()
                    ));
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `lt`.
fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    const BAD: &str = "invalid type for comparison";
    let a = a.clone().indirect();
    let b = b.clone().indirect();
    let k1 = basic_kind(&a).ok_or(BAD)?;
    let k2 = basic_kind(&b).ok_or(BAD)?;
    if k1 != k2 {
        return match (k1, k2, a.as_int(), b.as_int()) {
            (Kind::Int, Kind::Uint, Some(x), Some(y))
            | (Kind::Uint, Kind::Int, Some(x), Some(y)) => Ok(x < y),
            _ => Err(incompatible(&a, &b)),
        };
    }
    Ok(match (&a, &b) {
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Str(x), Value::Str(y)) => x < y,
        (Value::Bool(_), _) | (Value::Complex(..), _) => return Err(BAD.into()),
        (x, y) => x.as_int() < y.as_int(),
    })
}

/// Go's `le`: `lt` or `eq`.
fn le(a: &Value, b: &Value) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(a, std::slice::from_ref(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_as_go() {
        let i = Value::Int;
        assert_eq!(eq(&i(1), &[i(2), i(1)]), Ok(true));
        assert_eq!(
            eq(&Value::Float(1.0), &[i(1)]),
            Err("incompatible types for comparison: float64 and int".into())
        );
        assert_eq!(eq(&Value::Missing, &[Value::Missing]), Ok(true));
        assert_eq!(eq(&Value::Nil, &[Value::str("a")]), Ok(false));
        assert_eq!(
            eq(&Value::str("a"), &[]),
            Err("missing argument for comparison".into())
        );
        assert_eq!(lt(&Value::str("a"), &Value::str("b")), Ok(true));
        assert_eq!(
            lt(&Value::Bool(true), &Value::Bool(false)),
            Err("invalid type for comparison".into())
        );
        assert_eq!(
            lt(&Value::Missing, &i(1)),
            Err("invalid type for comparison".into())
        );
        assert_eq!(le(&i(2), &i(2)), Ok(true));
        assert!(eq(&Value::list(vec![]), &[Value::list(vec![])]).is_err());
    }

    #[test]
    fn escapers_as_go() {
        assert_eq!(
            html("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;"
        );
        assert_eq!(js("a'b\"<=>\n"), "a\\'b\\\"\\u003C\\u003D\\u003E\\u000A");
        assert_eq!(url_query("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
        assert_eq!(eval_args(&[Value::Missing, Value::Int(1)]), "<no value>1");
        assert_eq!(eval_args(&[Value::Int(2), Value::Int(1)]), "2 1");
    }
}
