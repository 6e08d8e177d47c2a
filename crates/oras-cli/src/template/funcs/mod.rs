//! The functions a template may call: Go's builtins and the sprig functions oras registers
//! (`sprig.FuncMap()`), each with its Go signature so arguments are checked and converted as
//! Go's `text/template` does (`wrong type for value; expected string; got float64`).

mod builtin;
mod lists;
mod misc;
mod strings;

use super::gofmt;
use super::parse::FuncStatus;
use super::value::Value;

/// A parameter type of a Go function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `interface {}`: anything; a missing value arrives as nil.
    Any,
    /// `reflect.Value`: the value as evaluated (the builtins).
    Value,
    Str,
    Int,
    Float,
    Bool,
    /// `map[string]interface {}`.
    MapAny,
}

impl Ty {
    /// Go's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Ty::Any => "interface {}",
            Ty::Value => "reflect.Value",
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Float => "float64",
            Ty::Bool => "bool",
            Ty::MapAny => "map[string]interface {}",
        }
    }

    /// Whether a value of this Go type may hold `v` as it is.
    pub fn accepts(self, v: &Value) -> bool {
        match self {
            Ty::Any | Ty::Value => true,
            Ty::Str => matches!(v, Value::Str(_)),
            Ty::Int => matches!(v, Value::Int(_)),
            Ty::Float => matches!(v, Value::Float(_)),
            Ty::Bool => matches!(v, Value::Bool(_)),
            Ty::MapAny => matches!(v, Value::Map(_, super::value::Elem::Any)),
        }
    }
}

/// What a function call failed with: the text after `error calling NAME: `.
pub type CallResult = Result<Value, String>;

/// A function: its Go signature and its implementation (over arguments already converted to
/// the parameter types).
pub struct Func {
    pub params: &'static [Ty],
    pub variadic: Option<Ty>,
    pub imp: fn(&[Value]) -> CallResult,
}

const fn f(params: &'static [Ty], imp: fn(&[Value]) -> CallResult) -> Func {
    Func {
        params,
        variadic: None,
        imp,
    }
}

const fn fv(params: &'static [Ty], variadic: Ty, imp: fn(&[Value]) -> CallResult) -> Func {
    Func {
        params,
        variadic: Some(variadic),
        imp,
    }
}

/// The function `name` (sprig's shadowing Go's builtin of the same name, as in oras), and
/// whether it is one of Go's builtins.
pub fn lookup(name: &str) -> Option<(Func, bool)> {
    if let Some(f) = sprig(name) {
        return Some((f, false));
    }
    builtin::lookup(name).map(|f| (f, true))
}

fn sprig(name: &str) -> Option<Func> {
    strings::lookup(name)
        .or_else(|| lists::lookup(name))
        .or_else(|| misc::lookup(name))
}

/// Whether a template may call `name`.
pub fn status(name: &str) -> FuncStatus {
    if lookup(name).is_some() {
        FuncStatus::Defined
    } else if SPRIG_UNSUPPORTED.contains(&name) {
        FuncStatus::Unsupported
    } else {
        FuncStatus::Undefined
    }
}

/// The sprig v3 functions oras registers that are not implemented here (dates, crypto,
/// regular expressions, semver, randomness, network, decimal arithmetic, merging).
const SPRIG_UNSUPPORTED: &[&str] = &[
    "ago",
    "date",
    "date_in_zone",
    "date_modify",
    "dateInZone",
    "dateModify",
    "duration",
    "durationRound",
    "htmlDate",
    "htmlDateInZone",
    "must_date_modify",
    "mustDateModify",
    "mustToDate",
    "now",
    "toDate",
    "unixEpoch",
    "abbrev",
    "abbrevboth",
    "initials",
    "randAlphaNum",
    "randAlpha",
    "randAscii",
    "randNumeric",
    "randBytes",
    "swapcase",
    "shuffle",
    "snakecase",
    "camelcase",
    "kebabcase",
    "wrap",
    "wrapWith",
    "adler32sum",
    "sha1sum",
    "seq",
    "randInt",
    "add1f",
    "addf",
    "subf",
    "divf",
    "mulf",
    "maxf",
    "minf",
    "b32enc",
    "b32dec",
    "getHostByName",
    "merge",
    "mergeOverwrite",
    "mustMerge",
    "mustMergeOverwrite",
    "bcrypt",
    "htpasswd",
    "genPrivateKey",
    "derivePassword",
    "buildCustomCert",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "encryptAES",
    "decryptAES",
    "uuidv4",
    "semver",
    "semverCompare",
    "regexMatch",
    "mustRegexMatch",
    "regexFindAll",
    "mustRegexFindAll",
    "regexFind",
    "mustRegexFind",
    "regexReplaceAll",
    "mustRegexReplaceAll",
    "regexReplaceAllLiteral",
    "mustRegexReplaceAllLiteral",
    "regexSplit",
    "mustRegexSplit",
    "regexQuoteMeta",
    "urlParse",
    "urlJoin",
];

/// The most a function may build (bytes of a string, elements of a list): beyond it the call
/// fails instead of exhausting memory.
pub const MAX_BUILD: usize = 64 << 20;

// ------------------------------------------------------------------ conversions sprig uses

/// sprig's `strval`: a string as is, anything else as `%v`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        v => gofmt::print_value(v),
    }
}

/// spf13/cast's `trimZeroDecimal`: `12.00` → `12`.
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, c) in s.char_indices().rev() {
        match c {
            '.' if found_zero => return &s[..i],
            '.' => return s,
            '0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// spf13/cast's `ToInt64` (failures are 0).
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Byte(b) => i64::from(*b),
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => super::literal::parse_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// spf13/cast's `ToFloat64` (failures are 0).
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Byte(b) => f64::from(*b),
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => super::literal::parse_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// sprig's `strslice`: the non-nil elements of a list as strings, or the value as a
/// one-element list.
pub fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(items, _) => items.iter().filter(|v| !v.is_nil()).map(strval).collect(),
        v if v.is_nil() => Vec::new(),
        v => vec![strval(v)],
    }
}

/// A string argument (converted already by the executor).
pub fn arg_str(args: &[Value], i: usize) -> &str {
    match args.get(i) {
        Some(Value::Str(s)) => s,
        _ => "",
    }
}

/// An `int` argument.
pub fn arg_int(args: &[Value], i: usize) -> i64 {
    args.get(i).and_then(Value::as_int).unwrap_or(0)
}

/// Checks that a string to be built stays within [`MAX_BUILD`].
pub fn check_size(len: usize) -> Result<(), String> {
    if len > MAX_BUILD {
        return Err(format!(
            "result of {len} bytes exceeds the limit of {MAX_BUILD}"
        ));
    }
    Ok(())
}

/// The error Go reports when reflection is used on nil (sprig's list functions on nil).
pub const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::value::Elem;

    /// Every function a template may call here.
    const NAMES: &[&str] = &[
        "and",
        "or",
        "call",
        "html",
        "js",
        "urlquery",
        "index",
        "len",
        "not",
        "print",
        "printf",
        "println",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "hello",
        "trim",
        "upper",
        "lower",
        "title",
        "untitle",
        "substr",
        "trunc",
        "repeat",
        "trimAll",
        "trimall",
        "trimSuffix",
        "trimPrefix",
        "nospace",
        "contains",
        "hasPrefix",
        "hasSuffix",
        "quote",
        "squote",
        "cat",
        "indent",
        "nindent",
        "replace",
        "plural",
        "toString",
        "sha256sum",
        "sha512sum",
        "b64enc",
        "b64dec",
        "split",
        "splitn",
        "splitList",
        "join",
        "toStrings",
        "list",
        "tuple",
        "dict",
        "get",
        "set",
        "unset",
        "hasKey",
        "pluck",
        "keys",
        "pick",
        "omit",
        "values",
        "dig",
        "append",
        "push",
        "mustAppend",
        "mustPush",
        "prepend",
        "mustPrepend",
        "first",
        "mustFirst",
        "last",
        "mustLast",
        "rest",
        "mustRest",
        "initial",
        "mustInitial",
        "reverse",
        "mustReverse",
        "compact",
        "mustCompact",
        "uniq",
        "mustUniq",
        "without",
        "mustWithout",
        "has",
        "mustHas",
        "slice",
        "mustSlice",
        "concat",
        "chunk",
        "mustChunk",
        "sortAlpha",
        "until",
        "untilStep",
        "atoi",
        "int",
        "toInt",
        "int64",
        "toInt64",
        "float64",
        "toFloat64",
        "toDecimal",
        "add1",
        "add",
        "sub",
        "mul",
        "div",
        "mod",
        "max",
        "biggest",
        "min",
        "floor",
        "ceil",
        "round",
        "default",
        "empty",
        "coalesce",
        "all",
        "any",
        "ternary",
        "toJson",
        "toPrettyJson",
        "toRawJson",
        "mustToRawJson",
        "mustToJson",
        "mustToPrettyJson",
        "fromJson",
        "mustFromJson",
        "deepCopy",
        "mustDeepCopy",
        "typeOf",
        "typeIs",
        "typeIsLike",
        "kindOf",
        "kindIs",
        "deepEqual",
        "env",
        "expandenv",
        "base",
        "osBase",
        "dir",
        "osDir",
        "clean",
        "osClean",
        "ext",
        "osExt",
        "isAbs",
        "osIsAbs",
        "fail",
    ];

    fn pool(ty: Ty) -> Vec<Value> {
        let strs = [
            "",
            "a",
            "aé",
            "0x1p3",
            "-",
            " 12.00 ",
            "99999999999999999999",
            "$",
            "${",
            "a/b/../c",
            "{\"a\":[1,null]}",
            "%!",
            "a\nb",
        ];
        let ints = [0, 1, -1, 3, i64::MAX, i64::MIN, 1 << 40];
        let strs: Vec<Value> = strs.iter().map(|s| Value::str(*s)).collect();
        let ints: Vec<Value> = ints.iter().map(|&i| Value::Int(i)).collect();
        let m = Value::map(
            [
                ("a".to_string(), Value::Nil),
                ("b".to_string(), Value::list(vec![Value::Float(1.0)])),
            ]
            .into_iter()
            .collect(),
        );
        match ty {
            Ty::Str => strs,
            Ty::Int => ints,
            Ty::Float => [0.0, -0.0, 0.5, f64::NAN, f64::INFINITY, 1e300]
                .map(Value::Float)
                .to_vec(),
            Ty::Bool => vec![Value::Bool(true), Value::Bool(false)],
            Ty::MapAny => vec![m, Value::map(Default::default())],
            Ty::Any | Ty::Value => {
                let mut all = vec![
                    Value::Missing,
                    Value::Nil,
                    Value::Bool(true),
                    Value::Int64(-5),
                    Value::Byte(200),
                    Value::Float(f64::NAN),
                    Value::Float(1e21),
                    Value::Complex(1.0, -1.0),
                    Value::list(vec![Value::Nil, Value::Float(f64::NAN), Value::str("x")]),
                    Value::list(vec![]),
                    Value::str_list(vec!["b".into(), "a".into()]),
                    Value::List(std::rc::Rc::new(vec![Value::Int(1)]), Elem::Int),
                    m,
                ];
                all.extend(strs);
                all.extend(ints);
                all
            }
        }
    }

    /// Calls `f` with every combination of pool values for `types`.
    fn each(types: &[Ty], args: &mut Vec<Value>, f: &dyn Fn(&[Value])) {
        let Some((first, rest)) = types.split_first() else {
            f(args);
            return;
        };
        for v in pool(*first) {
            args.push(v);
            each(rest, args, f);
            args.pop();
        }
    }

    #[test]
    fn every_function_takes_hostile_arguments() {
        for name in NAMES {
            assert!(matches!(status(name), FuncStatus::Defined), "{name}");
            let (func, _) = lookup(name).unwrap();
            let mut arities = vec![func.params.len()];
            if func.variadic.is_some() {
                arities.extend([func.params.len() + 1, func.params.len() + 2]);
            }
            for n in arities {
                let types: Vec<Ty> = (0..n)
                    .map(|i| func.params.get(i).copied().or(func.variadic).unwrap())
                    .collect();
                // the combinations of three Any arguments are many: sample the pool
                if types.len() > 2
                    && types
                        .iter()
                        .filter(|t| matches!(t, Ty::Any | Ty::Value))
                        .count()
                        > 2
                {
                    continue;
                }
                each(&types, &mut Vec::new(), &|args| {
                    let _ = (func.imp)(args);
                });
            }
        }
        for name in ["regexMatch", "now", "semver", "merge"] {
            assert!(matches!(status(name), FuncStatus::Unsupported), "{name}");
        }
        assert!(matches!(status("nosuch"), FuncStatus::Undefined));
    }
}
