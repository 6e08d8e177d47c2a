//! The values a template works on, modelled on what Go's reflection sees when oras executes a
//! template over its output model converted to `map[string]interface{}`: JSON numbers are
//! `float64`, objects `map[string]interface {}`, arrays `[]interface {}`; constants are `int`,
//! sprig's arithmetic gives `int64`, a few sprig functions give `[]string` and friends.

use std::collections::BTreeMap;
use std::rc::Rc;

/// The element type of a list or map value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    /// `interface {}`: elements are boxed, and may be nil.
    Any,
    String,
    Int,
}

impl Elem {
    fn name(self) -> &'static str {
        match self {
            Elem::Any => "interface {}",
            Elem::String => "string",
            Elem::Int => "int",
        }
    }
}

/// A value during execution.
#[derive(Debug, Clone)]
pub enum Value {
    /// Go's invalid `reflect.Value`: a missing map key, a template called without data.
    /// Printed as `<no value>`.
    Missing,
    /// A nil `interface {}` (a JSON null inside a map or list). Printed as `<nil>`.
    Nil,
    Bool(bool),
    /// Go `int` (constants, `len`).
    Int(i64),
    /// Go `int64` (sprig arithmetic).
    Int64(i64),
    /// Go `uint8` (`index` of a string).
    Byte(u8),
    Float(f64),
    Complex(f64, f64),
    Str(Rc<str>),
    List(Rc<Vec<Value>>, Elem),
    Map(Rc<BTreeMap<String, Value>>, Elem),
}

/// Go's reflection kinds, as far as they matter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invalid,
    Interface,
    Bool,
    Int,
    Uint,
    Float,
    Complex,
    String,
    Slice,
    Map,
}

impl Value {
    /// A string value.
    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::Str(s.into())
    }

    /// A `[]interface {}`.
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(v), Elem::Any)
    }

    /// A `[]string`.
    pub fn str_list(v: Vec<String>) -> Value {
        Value::List(
            Rc::new(v.into_iter().map(Value::str).collect()),
            Elem::String,
        )
    }

    /// A `map[string]interface {}`.
    pub fn map(m: BTreeMap<String, Value>) -> Value {
        Value::Map(Rc::new(m), Elem::Any)
    }

    /// The model as oras hands it to Go's template: JSON through `map[string]interface{}`,
    /// so every number is a `float64`.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::str(s.as_str()),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Go's `reflect.Kind` of the value.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Missing => Kind::Invalid,
            Value::Nil => Kind::Interface,
            Value::Bool(_) => Kind::Bool,
            Value::Int(_) | Value::Int64(_) => Kind::Int,
            Value::Byte(_) => Kind::Uint,
            Value::Float(_) => Kind::Float,
            Value::Complex(..) => Kind::Complex,
            Value::Str(_) => Kind::String,
            Value::List(..) => Kind::Slice,
            Value::Map(..) => Kind::Map,
        }
    }

    /// Go's name for the value's type (`%T`); a nil is `<nil>`.
    pub fn type_name(&self) -> String {
        match self {
            Value::Missing | Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Int64(_) => "int64".into(),
            Value::Byte(_) => "uint8".into(),
            Value::Float(_) => "float64".into(),
            Value::Complex(..) => "complex128".into(),
            Value::Str(_) => "string".into(),
            Value::List(_, e) => format!("[]{}", e.name()),
            Value::Map(_, e) => format!("map[string]{}", e.name()),
        }
    }

    /// Go's `reflect.Kind.String()` of the value, for sprig's messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Missing => "invalid",
            Value::Nil => "interface",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Byte(_) => "uint8",
            Value::Float(_) => "float64",
            Value::Complex(..) => "complex128",
            Value::Str(_) => "string",
            Value::List(..) => "slice",
            Value::Map(..) => "map",
        }
    }

    /// Whether the value is a nil (invalid or nil interface).
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Missing | Value::Nil)
    }

    /// Go's `indirectInterface`: a nil interface becomes the invalid value.
    pub fn indirect(self) -> Value {
        match self {
            Value::Nil => Value::Missing,
            v => v,
        }
    }

    /// Go's `isTrue` (every value here has a truth).
    pub fn truth(&self) -> bool {
        match self {
            Value::Missing | Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Byte(b) => *b != 0,
            Value::Float(f) => *f != 0.0,
            Value::Complex(r, i) => *r != 0.0 || *i != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l, _) => !l.is_empty(),
            Value::Map(m, _) => !m.is_empty(),
        }
    }

    /// The elements' type when the value is a container: boxed elements are `interface {}`.
    pub fn elem(&self) -> Option<Elem> {
        match self {
            Value::List(_, e) | Value::Map(_, e) => Some(*e),
            _ => None,
        }
    }

    /// The value as a Go integer (signed or unsigned kinds).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) | Value::Int64(i) => Some(*i),
            Value::Byte(b) => Some(i64::from(*b)),
            _ => None,
        }
    }
}

/// Go's name for the static type of a value that was read out of a container of `elem`s (or,
/// with `None`, of a value whose type is its own).
pub fn static_type(v: &Value, boxed: bool) -> String {
    if boxed {
        "interface {}".into()
    } else {
        v.type_name()
    }
}

/// Structural equality, as Go's `reflect.DeepEqual` on the same values.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Missing | Value::Nil, Value::Missing | Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) | (Value::Int64(x), Value::Int64(y)) => x == y,
        (Value::Byte(x), Value::Byte(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Complex(a, b), Value::Complex(c, d)) => a == c && b == d,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x, e), Value::List(y, f)) => {
            e == f && x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| deep_equal(a, b))
        }
        (Value::Map(x, e), Value::Map(y, f)) => {
            e == f
                && x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && deep_equal(v1, v2))
        }
        _ => false,
    }
}
