//! `--format go-template=…`: Go text/template (via gtmpl) with the sprig helpers oras users
//! reach for most (`toJson`, `toRawJson`, `toPrettyJson`, `first`, `last`). Templates are
//! checked (and rewritten for gtmpl) by [`check`] first, so errors read as Go's and values
//! print as Go prints them.

mod check;
mod lex;

use std::collections::HashMap;

use gtmpl::{Context, Template};
use gtmpl_value::{FuncError, Number, Value};

use crate::error::{CliError, CliResult};

fn to_gtmpl(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Value::Number(Number::from(u)),
            (_, Some(i), _) => Value::Number(Number::from(i)),
            (_, _, Some(f)) => Value::Number(Number::from(f)),
            _ => Value::Nil,
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(to_gtmpl).collect()),
        serde_json::Value::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| (k.clone(), to_gtmpl(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::NoValue | Value::Nil | Value::Function(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into()
            } else if let Some(i) = n.as_i64() {
                i.into()
            } else {
                n.as_f64()
                    .map(serde_json::Value::from)
                    .unwrap_or(serde_json::Value::Null)
            }
        }
        Value::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        Value::Object(o) | Value::Map(o) => {
            // Go marshals maps with sorted keys.
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            serde_json::Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), to_json(&o[k])))
                    .collect(),
            )
        }
    }
}

fn one_arg<'a>(name: &str, args: &'a [Value]) -> Result<&'a Value, FuncError> {
    match args {
        [v] => Ok(v),
        _ => Err(FuncError::ExactlyXArgs(name.to_string(), 1)),
    }
}

fn to_json_fn(args: &[Value]) -> Result<Value, FuncError> {
    let v = one_arg("toJson", args)?;
    Ok(Value::String(
        String::from_utf8_lossy(&oras_spec::gojson::to_vec(&to_json(v))).into_owned(),
    ))
}

fn to_raw_json_fn(args: &[Value]) -> Result<Value, FuncError> {
    let v = one_arg("toRawJson", args)?;
    Ok(Value::String(
        serde_json::to_string(&to_json(v)).unwrap_or_default(),
    ))
}

fn to_pretty_json_fn(args: &[Value]) -> Result<Value, FuncError> {
    let v = one_arg("toPrettyJson", args)?;
    Ok(Value::String(
        String::from_utf8_lossy(&oras_spec::gojson::to_vec_pretty(&to_json(v))).into_owned(),
    ))
}

fn first_fn(args: &[Value]) -> Result<Value, FuncError> {
    match one_arg("first", args)? {
        Value::Array(a) => Ok(a.first().cloned().unwrap_or(Value::Nil)),
        _ => Ok(Value::Nil),
    }
}

fn last_fn(args: &[Value]) -> Result<Value, FuncError> {
    match one_arg("last", args)? {
        Value::Array(a) => Ok(a.last().cloned().unwrap_or(Value::Nil)),
        _ => Ok(Value::Nil),
    }
}

/// Go's `fmt.Print` form of a value: `<no value>`, `<nil>`, `[a b]`, `map[k:v]`.
fn go_print(v: &Value) -> String {
    match v {
        Value::NoValue => "<no value>".into(),
        Value::Nil => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => u.to_string(),
            (_, Some(i), _) => i.to_string(),
            (_, _, Some(f)) => f.to_string(),
            _ => String::new(),
        },
        Value::Array(a) => format!("[{}]", a.iter().map(go_print).collect::<Vec<_>>().join(" ")),
        Value::Object(o) | Value::Map(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", go_print(&o[k])))
                .collect();
            format!("map[{}]", items.join(" "))
        }
        Value::Function(_) => "<func>".into(),
    }
}

fn print_fn(args: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::String(go_print(one_arg(check::PRINT_FN, args)?)))
}

/// A missing key or null ranges over nothing, as in Go.
fn range_fn(args: &[Value]) -> Result<Value, FuncError> {
    Ok(match one_arg(check::RANGE_FN, args)? {
        Value::NoValue | Value::Nil => Value::Array(Vec::new()),
        v => v.clone(),
    })
}

/// A template with our functions, ready to parse.
fn template() -> Template {
    let mut t = Template::with_name(check::NAME);
    t.add_func("toJson", to_json_fn);
    t.add_func("toRawJson", to_raw_json_fn);
    t.add_func("toPrettyJson", to_pretty_json_fn);
    t.add_func("first", first_fn);
    t.add_func("last", last_fn);
    t
}

/// Parses `text` as Go would (Go's error texts) and hands the rewritten template to gtmpl.
fn parse(text: &str) -> CliResult<Template> {
    let mut t = template();
    let user_funcs: Vec<String> = t.funcs.keys().cloned().collect();
    let canonical = check::check(text, &user_funcs).map_err(CliError::new)?;
    t.add_func(check::PRINT_FN, print_fn);
    t.add_func(check::RANGE_FN, range_fn);
    t.parse(canonical).map_err(|e| {
        let msg = match e {
            gtmpl::error::ParseError::WithContext(_, m) => m,
            other => other.to_string(),
        };
        CliError::new(format!("template: {}: {msg}", check::NAME))
    })?;
    Ok(t)
}

/// Checks a template before any work is done (`--format go-template=…` parse errors).
pub fn validate(text: &str) -> CliResult {
    parse(text).map(|_| ())
}

/// Renders `text` with `model` as dot.
pub fn render(text: &str, model: &serde_json::Value) -> CliResult<String> {
    let t = parse(text)?;
    t.render(&Context::from(to_gtmpl(model))).map_err(|e| {
        CliError::new(format!(
            "template: {}: executing {:?}: {e}",
            check::NAME,
            check::NAME
        ))
    })
}
