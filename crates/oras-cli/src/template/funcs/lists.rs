//! sprig's list and dict functions (`list.go`, `dict.go`), with sprig's error texts
//! (`Cannot find first on type string`). Dicts are values here: `set` and `unset` return the
//! changed dict and leave the one passed in as it was (sprig changes it in place).

use std::collections::BTreeMap;
use std::rc::Rc;

use super::{
    CallResult, Func, MAX_BUILD, NIL_DEREF, Ty, arg_int, arg_str, f, fv, strslice, strval, to_int64,
};
use crate::template::value::{Elem, Value, deep_equal};

/// The most elements a list function builds.
const MAX_ELEMS: usize = MAX_BUILD / 64;

pub fn lookup(name: &str) -> Option<Func> {
    use Ty::{Any, Int, MapAny, Str};
    Some(match name {
        "list" | "tuple" => fv(&[], Any, |a| Ok(Value::list(a.to_vec()))),
        "dict" => fv(&[], Any, |a| {
            let mut m = BTreeMap::new();
            for pair in a.chunks(2) {
                let v = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
                m.insert(strval(&pair[0]), v);
            }
            Ok(Value::map(m))
        }),
        "get" => f(&[MapAny, Str], |a| {
            Ok(dict(&a[0])
                .get(arg_str(a, 1))
                .cloned()
                .unwrap_or_else(|| Value::str("")))
        }),
        "set" => f(&[MapAny, Str, Any], |a| {
            let mut m = (*dict(&a[0])).clone();
            m.insert(arg_str(a, 1).to_string(), a[2].clone());
            Ok(Value::map(m))
        }),
        "unset" => f(&[MapAny, Str], |a| {
            let mut m = (*dict(&a[0])).clone();
            m.remove(arg_str(a, 1));
            Ok(Value::map(m))
        }),
        "hasKey" => f(&[MapAny, Str], |a| {
            Ok(Value::Bool(dict(&a[0]).contains_key(arg_str(a, 1))))
        }),
        "pluck" => fv(&[Str], MapAny, |a| {
            let k = arg_str(a, 0);
            Ok(Value::list(
                a[1..]
                    .iter()
                    .filter_map(|d| dict(d).get(k).cloned())
                    .collect(),
            ))
        }),
        "keys" => fv(&[], MapAny, |a| {
            Ok(Value::str_list(
                a.iter()
                    .flat_map(|d| dict(d).keys().cloned().collect::<Vec<_>>())
                    .collect(),
            ))
        }),
        "pick" => fv(&[MapAny], Str, |a| {
            let d = dict(&a[0]);
            let keys: Vec<&str> = (1..a.len()).map(|i| arg_str(a, i)).collect();
            Ok(Value::map(
                d.iter()
                    .filter(|(k, _)| keys.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ))
        }),
        "omit" => fv(&[MapAny], Str, |a| {
            let d = dict(&a[0]);
            let keys: Vec<&str> = (1..a.len()).map(|i| arg_str(a, i)).collect();
            Ok(Value::map(
                d.iter()
                    .filter(|(k, _)| !keys.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ))
        }),
        "values" => f(&[MapAny], |a| {
            Ok(Value::list(dict(&a[0]).values().cloned().collect()))
        }),
        "dig" => fv(&[], Any, dig),
        "append" | "push" | "mustAppend" | "mustPush" => f(&[Any, Any], |a| {
            let mut l = items(&a[0], "Cannot push on type")?.to_vec();
            l.push(a[1].clone());
            Ok(Value::list(l))
        }),
        "prepend" | "mustPrepend" => f(&[Any, Any], |a| {
            let mut l = vec![a[1].clone()];
            l.extend(items(&a[0], "Cannot prepend on type")?.iter().cloned());
            Ok(Value::list(l))
        }),
        "first" | "mustFirst" => f(&[Any], |a| {
            Ok(items(&a[0], "Cannot find first on type")?
                .first()
                .cloned()
                .unwrap_or(Value::Nil))
        }),
        "last" | "mustLast" => f(&[Any], |a| {
            Ok(items(&a[0], "Cannot find last on type")?
                .last()
                .cloned()
                .unwrap_or(Value::Nil))
        }),
        "rest" | "mustRest" => f(&[Any], |a| {
            let l = items(&a[0], "Cannot find rest on type")?;
            Ok(Value::list(l.get(1..).unwrap_or_default().to_vec()))
        }),
        "initial" | "mustInitial" => f(&[Any], |a| {
            let l = items(&a[0], "Cannot find initial on type")?;
            Ok(Value::list(l[..l.len().saturating_sub(1)].to_vec()))
        }),
        "reverse" | "mustReverse" => f(&[Any], |a| {
            let mut l = items(&a[0], "Cannot find reverse on type")?.to_vec();
            l.reverse();
            Ok(Value::list(l))
        }),
        "compact" | "mustCompact" => f(&[Any], |a| {
            let l = items(&a[0], "Cannot compact on type")?;
            Ok(Value::list(
                l.iter().filter(|v| v.truth()).cloned().collect(),
            ))
        }),
        "uniq" | "mustUniq" => f(&[Any], |a| {
            let mut seen = std::collections::HashSet::new();
            let mut out: Vec<Value> = Vec::new();
            for v in items(&a[0], "Cannot find uniq on type")? {
                // a value holding NaN equals nothing, not even itself
                if equality_key(v).is_none_or(|k| seen.insert(k)) {
                    out.push(v.clone());
                }
            }
            Ok(Value::list(out))
        }),
        "without" | "mustWithout" => fv(&[Any], Any, |a| {
            let l = items(&a[0], "Cannot find without on type")?;
            let omit = &a[1..];
            Ok(Value::list(
                l.iter()
                    .filter(|v| !omit.iter().any(|o| deep_equal(o, v)))
                    .cloned()
                    .collect(),
            ))
        }),
        "has" | "mustHas" => f(&[Any, Any], |a| {
            if a[1].is_nil() {
                return Ok(Value::Bool(false));
            }
            let l = items(&a[1], "Cannot find has on type")?;
            Ok(Value::Bool(l.iter().any(|v| deep_equal(&a[0], v))))
        }),
        "slice" | "mustSlice" => fv(&[Any], Any, slice),
        "concat" => fv(&[], Any, |a| {
            let mut out = Vec::new();
            for l in a {
                let l = match l {
                    Value::List(l, _) => l,
                    v if v.is_nil() => return Err(NIL_DEREF.into()),
                    v => return Err(format!("Cannot concat type {} as list", v.kind_name())),
                };
                out.extend(l.iter().cloned());
            }
            Ok(Value::list(out))
        }),
        "chunk" | "mustChunk" => f(&[Int, Any], |a| {
            let size = arg_int(a, 0);
            let l = items(&a[1], "Cannot chunk type")?;
            if size <= 0 {
                return Err("runtime error: makeslice: len out of range".into());
            }
            Ok(Value::list(
                l.chunks(size as usize)
                    .map(|c| Value::list(c.to_vec()))
                    .collect(),
            ))
        }),
        "sortAlpha" => f(&[Any], |a| {
            let mut l = match &a[0] {
                Value::List(..) => strslice(&a[0]),
                v => vec![strval(v)],
            };
            l.sort();
            Ok(Value::str_list(l))
        }),
        "until" => f(&[Int], |a| {
            let n = arg_int(a, 0);
            until_step(0, n, if n < 0 { -1 } else { 1 })
        }),
        "untilStep" => f(&[Int, Int, Int], |a| {
            until_step(arg_int(a, 0), arg_int(a, 1), arg_int(a, 2))
        }),
        _ => return None,
    })
}

/// A text that two values share exactly when Go's `reflect.DeepEqual` holds for them (`None`
/// for values holding NaN, which equal nothing).
fn equality_key(v: &Value) -> Option<String> {
    fn float(out: &mut String, f: f64) -> Option<()> {
        if f.is_nan() {
            return None;
        }
        // -0 equals 0
        out.push_str(&(if f == 0.0 { 0 } else { f.to_bits() }).to_string());
        Some(())
    }
    fn go(out: &mut String, v: &Value) -> Option<()> {
        use std::fmt::Write as _;
        match v {
            Value::Missing | Value::Nil => out.push('n'),
            Value::Bool(b) => out.push(if *b { 'T' } else { 'F' }),
            Value::Int(i) => write!(out, "i{i};").ok()?,
            Value::Int64(i) => write!(out, "I{i};").ok()?,
            Value::Byte(b) => write!(out, "u{b};").ok()?,
            Value::Float(f) => {
                out.push('f');
                float(out, *f)?;
                out.push(';');
            }
            Value::Complex(re, im) => {
                out.push('c');
                float(out, *re)?;
                out.push(',');
                float(out, *im)?;
                out.push(';');
            }
            Value::Str(s) => write!(out, "s{}:{s}", s.len()).ok()?,
            Value::List(l, e) => {
                write!(out, "l{e:?}{}[", l.len()).ok()?;
                for item in l.iter() {
                    go(out, item)?;
                }
                out.push(']');
            }
            Value::Map(m, e) => {
                write!(out, "m{e:?}{}{{", m.len()).ok()?;
                for (k, item) in m.iter() {
                    write!(out, "{}:{k}", k.len()).ok()?;
                    go(out, item)?;
                }
                out.push('}');
            }
        }
        Some(())
    }
    let mut out = String::new();
    go(&mut out, v)?;
    Some(out)
}

/// The map of a `map[string]interface {}` argument (the executor turns a missing one into an
/// empty map).
fn dict(v: &Value) -> Rc<BTreeMap<String, Value>> {
    match v {
        Value::Map(m, _) => m.clone(),
        _ => Rc::default(),
    }
}

/// The elements of a list argument, or sprig's error for anything else (`what` names the
/// function, as sprig's messages do).
fn items<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], String> {
    match v {
        Value::List(l, _) => Ok(l),
        v if v.is_nil() => Err(NIL_DEREF.into()),
        v => Err(format!("{what} {}", v.kind_name())),
    }
}

fn dig(a: &[Value]) -> CallResult {
    if a.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let conversion = |v: &Value, want: &str| {
        format!(
            "interface conversion: interface {{}} is {}, not {want}",
            if v.is_nil() {
                "nil".to_string()
            } else {
                v.type_name()
            }
        )
    };
    let mut d = match &a[a.len() - 1] {
        Value::Map(m, Elem::Any) => m.clone(),
        v => return Err(conversion(v, "map[string]interface {}")),
    };
    let def = &a[a.len() - 2];
    let keys = &a[..a.len() - 2];
    for (i, k) in keys.iter().enumerate() {
        let Value::Str(k) = k else {
            return Err(conversion(k, "string"));
        };
        let Some(step) = d.get(&**k).cloned() else {
            return Ok(def.clone());
        };
        if i + 1 == keys.len() {
            return Ok(step);
        }
        d = match step {
            Value::Map(m, Elem::Any) => m,
            v => return Err(conversion(&v, "map[string]interface {}")),
        };
    }
    Ok(def.clone())
}

fn slice(a: &[Value]) -> CallResult {
    let l = match &a[0] {
        Value::List(l, _) => l,
        v if v.is_nil() => return Err(NIL_DEREF.into()),
        v => {
            return Err(format!(
                "list should be type of slice or array but {}",
                v.kind_name()
            ));
        }
    };
    if l.is_empty() {
        return Ok(Value::Nil);
    }
    let start = a.get(1).map_or(0, to_int64);
    let end = a.get(2).map_or(l.len() as i64, to_int64);
    if start < 0 || end < start || end as u64 > l.len() as u64 {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    Ok(Value::List(
        Rc::new(l[start as usize..end as usize].to_vec()),
        a[0].elem().unwrap_or(Elem::Any),
    ))
}

fn until_step(start: i64, stop: i64, step: i64) -> CallResult {
    let (start, stop, step) = (i128::from(start), i128::from(stop), i128::from(step));
    let count = if stop < start && step < 0 {
        (start - stop - 1) / -step + 1
    } else if stop > start && step > 0 {
        (stop - start - 1) / step + 1
    } else {
        0
    };
    if count > MAX_ELEMS as i128 {
        return Err(format!(
            "result of {count} elements exceeds the limit of {MAX_ELEMS}"
        ));
    }
    let v: Vec<Value> = (0..count)
        .map(|i| Value::Int((start + i * step) as i64))
        .collect();
    Ok(Value::List(Rc::new(v), Elem::Int))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::gofmt::print_value;

    fn call(name: &str, args: &[Value]) -> CallResult {
        (lookup(name).unwrap().imp)(args)
    }

    #[test]
    fn sprig_lists_and_dicts() {
        let st = Value::str;
        let l = Value::list(vec![st("b"), st("a"), st("b")]);
        assert_eq!(
            print_value(&call("uniq", std::slice::from_ref(&l)).unwrap()),
            "[b a]"
        );
        assert_eq!(
            print_value(&call("sortAlpha", std::slice::from_ref(&l)).unwrap()),
            "[a b b]"
        );
        assert_eq!(
            print_value(&call("first", std::slice::from_ref(&l)).unwrap()),
            "b"
        );
        assert!(call("first", &[Value::list(vec![])]).unwrap().is_nil());
        assert_eq!(
            call("first", &[st("x")]).unwrap_err(),
            "Cannot find first on type string"
        );
        assert_eq!(call("last", &[Value::Nil]).unwrap_err(), NIL_DEREF);
        assert_eq!(
            print_value(&call("has", &[st("a"), l.clone()]).unwrap()),
            "true"
        );
        assert_eq!(
            print_value(&call("slice", &[l.clone(), Value::Int(1)]).unwrap()),
            "[a b]"
        );
        let d = call("dict", &[st("k"), Value::Float(1.0), st("odd")]).unwrap();
        assert_eq!(print_value(&d), "map[k:1 odd:]");
        assert_eq!(
            print_value(&call("keys", std::slice::from_ref(&d)).unwrap()),
            "[k odd]"
        );
        assert_eq!(
            print_value(&call("get", &[d.clone(), st("nope")]).unwrap()),
            ""
        );
        assert_eq!(
            print_value(&call("set", &[d.clone(), st("z"), Value::Bool(true)]).unwrap()),
            "map[k:1 odd: z:true]"
        );
        let nested = call("dict", &[st("a"), d.clone()]).unwrap();
        assert_eq!(
            print_value(&call("dig", &[st("a"), st("k"), st("def"), nested.clone()]).unwrap()),
            "1"
        );
        assert_eq!(
            print_value(&call("dig", &[st("x"), st("def"), nested]).unwrap()),
            "def"
        );
        assert_eq!(
            print_value(&call("until", &[Value::Int(3)]).unwrap()),
            "[0 1 2]"
        );
        assert_eq!(
            print_value(
                &call("untilStep", &[Value::Int(5), Value::Int(0), Value::Int(-2)]).unwrap()
            ),
            "[5 3 1]"
        );
        assert!(call("until", &[Value::Int(i64::MAX)]).is_err());
        assert_eq!(
            print_value(&call("chunk", &[Value::Int(2), l]).unwrap()),
            "[[b a] [b]]"
        );
    }
}
