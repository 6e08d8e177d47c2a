//! Evaluation of pipelines, commands, operands and function calls (Go's `eval*` functions):
//! fields of maps, variables, constants, and arguments checked and converted for the
//! function's parameter types as Go's `evalArg` and `validateType` do.

use super::{At, Dot, R, State, Var};
use crate::template::ast::{Arg, Command, Number, Pipe};
use crate::template::funcs::{self, Func, Ty};
use crate::template::quote::quote;
use crate::template::value::{Elem, Value, static_type};

impl<'t> State<'t> {
    pub(super) fn eval_pipeline(&mut self, dot: &Dot, pipe: &'t Pipe) -> R<Value> {
        self.guard()?;
        self.at = At::Pipe(pipe);
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            // a nil interface{} result is dug out to the invalid value, as Go does
            value = Some(self.eval_command(dot, cmd, value.take())?.indirect());
        }
        let value = value.unwrap_or(Value::Missing);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone(), false)?;
            } else {
                self.vars.push(Var {
                    name,
                    v: value.clone(),
                    boxed: false,
                });
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<Value>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            return self.errorf(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Dot, cmd: &'t Command, fin: Option<Value>) -> R<Value> {
        self.step()?;
        let first = &cmd.args[0];
        let n = cmd.args.len();
        match first {
            Arg::Field { .. } => return Ok(self.eval_field_node(dot, first, n, fin)?.0),
            Arg::Chain { .. } => return Ok(self.eval_chain_node(dot, first, n, fin)?.0),
            Arg::Variable { .. } => return Ok(self.eval_variable_node(first, n, fin)?.0),
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), &cmd.args[1..], fin);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, p);
            }
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool { value, .. } => Ok(Value::Bool(*value)),
            Arg::Dot { .. } => Ok(dot.v.clone()),
            Arg::Nil { .. } => self.errorf("nil is not a command"),
            Arg::Number { number, .. } => self.ideal_constant(first, number),
            Arg::String { text, .. } => Ok(Value::str(text.as_str())),
            _ => self.errorf(format!(
                "can't evaluate command {}",
                quote(&first.to_string())
            )),
        }
    }

    /// A number in a context without a type: Go's `idealConstant`.
    fn ideal_constant(&mut self, node: &'t Arg, n: &Number) -> R<Value> {
        self.at = At::Arg(node);
        if let Some((re, im)) = n.complex {
            return Ok(Value::Complex(re, im));
        }
        let t = n.text.as_bytes();
        let hex_int =
            t.len() > 2 && t[0] == b'0' && t[1] | 0x20 == b'x' && !n.text.contains(['p', 'P']);
        let rune = t.first() == Some(&b'\'');
        if n.is_float && !hex_int && !rune && n.text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(n.float));
        }
        if n.is_int {
            return Ok(Value::Int(n.int));
        }
        if n.is_uint {
            return self.errorf(format!("{} overflows int", n.text));
        }
        Ok(Value::Missing)
    }

    fn eval_field_node(
        &mut self,
        dot: &Dot,
        field: &'t Arg,
        nargs: usize,
        fin: Option<Value>,
    ) -> R<(Value, bool)> {
        self.at = At::Arg(field);
        let Arg::Field { idents, .. } = field else {
            return self.errorf("internal error: not a field");
        };
        self.eval_field_chain(dot.v.clone(), dot.boxed, idents, nargs, fin)
    }

    fn eval_chain_node(
        &mut self,
        dot: &Dot,
        chain: &'t Arg,
        nargs: usize,
        fin: Option<Value>,
    ) -> R<(Value, bool)> {
        self.at = At::Arg(chain);
        let Arg::Chain { node, fields, .. } = chain else {
            return self.errorf("internal error: not a chain");
        };
        if let Arg::Nil { .. } = **node {
            return self.errorf(format!("indirection through explicit nil in {chain}"));
        }
        let receiver = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(receiver, false, fields, nargs, fin)
    }

    fn eval_variable_node(
        &mut self,
        var: &'t Arg,
        nargs: usize,
        fin: Option<Value>,
    ) -> R<(Value, bool)> {
        self.at = At::Arg(var);
        let Arg::Variable { idents, .. } = var else {
            return self.errorf("internal error: not a variable");
        };
        let (v, boxed) = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            if nargs > 1 || fin.is_some() {
                return self.errorf(format!("can't give argument to non-function {var}"));
            }
            return Ok((v, boxed));
        }
        self.eval_field_chain(v, boxed, &idents[1..], nargs, fin)
    }

    fn eval_field_chain(
        &mut self,
        mut receiver: Value,
        mut boxed: bool,
        idents: &[String],
        nargs: usize,
        fin: Option<Value>,
    ) -> R<(Value, bool)> {
        let n = idents.len();
        for id in &idents[..n - 1] {
            (receiver, boxed) = self.eval_field(id, 0, None, receiver, boxed)?;
        }
        self.eval_field(&idents[n - 1], nargs, fin, receiver, boxed)
    }

    fn eval_field(
        &mut self,
        name: &str,
        nargs: usize,
        fin: Option<Value>,
        receiver: Value,
        boxed: bool,
    ) -> R<(Value, bool)> {
        match &receiver {
            Value::Missing => Ok((Value::Missing, false)),
            Value::Nil => self.errorf(format!("nil pointer evaluating interface {{}}.{name}")),
            Value::Map(m, elem) => {
                if nargs > 1 || fin.is_some() {
                    return self.errorf(format!("{name} is not a method but has arguments"));
                }
                Ok(match m.get(name) {
                    Some(v) => (v.clone(), *elem == Elem::Any),
                    None => (Value::Missing, false),
                })
            }
            v => self.errorf(format!(
                "can't evaluate field {name} in type {}",
                static_type(v, boxed)
            )),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Dot,
        ident: &'t Arg,
        name: &str,
        node: At<'t>,
        args: &'t [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        self.at = At::Arg(ident);
        let Some((func, builtin)) = funcs::lookup(name) else {
            return self.errorf(format!("{} is not a defined function", quote(name)));
        };
        self.eval_call(dot, &func, builtin, node, name, args, fin)
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        dot: &Dot,
        func: &Func,
        builtin: bool,
        node: At<'t>,
        name: &str,
        args: &'t [Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        let num_in = args.len() + usize::from(fin.is_some());
        let fixed = func.params.len();
        if func.variadic.is_some() {
            if num_in < fixed {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {fixed} got {}",
                    args.len()
                ));
            }
        } else if num_in != fixed {
            return self.errorf(format!(
                "wrong number of args for {name}: want {fixed} got {num_in}"
            ));
        }
        if builtin && (name == "and" || name == "or") {
            let mut v = Value::Missing;
            for a in args {
                v = self.eval_arg(dot, Some(Ty::Value), a)?;
                if v.truth() == (name == "or") {
                    return Ok(v);
                }
            }
            return Ok(fin.unwrap_or(v));
        }
        let mut argv = Vec::with_capacity(num_in);
        for (i, a) in args.iter().enumerate() {
            let ty = func
                .params
                .get(i)
                .copied()
                .or(func.variadic)
                .unwrap_or(Ty::Any);
            argv.push(self.eval_arg(dot, Some(ty), a)?);
        }
        // `call` names its callee as written, or as Go's reflect.Value prints it
        let callee = || match (args.first(), &fin) {
            (Some(a), _) => a.to_string(),
            (None, Some(Value::Str(s))) => s.to_string(),
            (None, Some(Value::Missing)) => "<invalid Value>".to_string(),
            (None, Some(v)) => format!("<{} Value>", v.type_name()),
            (None, None) => String::new(),
        };
        let callee = if builtin && name == "call" {
            callee()
        } else {
            String::new()
        };
        if let Some(f) = fin {
            let ty = match func.variadic {
                Some(v) if num_in > fixed => v,
                _ => func.params[num_in - 1],
            };
            argv.push(self.validate(f, Some(ty))?);
        }
        let result = if builtin && name == "call" {
            Err(match argv[0].clone().indirect() {
                Value::Missing => "call of nil".to_string(),
                v => format!("non-function {callee} of type {}", v.type_name()),
            })
        } else {
            (func.imp)(&argv)
        };
        match result {
            Ok(v) => {
                self.charge(&v)?;
                Ok(v)
            }
            Err(e) => {
                self.at = node;
                self.errorf(format!("error calling {name}: {e}"))
            }
        }
    }

    /// Counts what a function built towards the work bound (big lists and strings cost more
    /// than one step).
    fn charge(&mut self, v: &Value) -> R<()> {
        let cost = match v {
            Value::List(l, _) => l.len() / 8,
            Value::Map(m, _) => m.len() / 8,
            Value::Str(s) => s.len() / 1024,
            _ => 0,
        };
        self.steps += cost as u64;
        self.step()
    }

    /// Go's `validateType`: the value as the parameter type takes it.
    fn validate(&self, value: Value, ty: Option<Ty>) -> R<Value> {
        let Some(ty) = ty else {
            return Ok(value);
        };
        match (ty, value) {
            (Ty::Value, v) => Ok(v),
            (Ty::Any, Value::Missing) => Ok(Value::Nil),
            (Ty::MapAny, Value::Missing) => Ok(Value::map(Default::default())),
            (ty, Value::Missing) => self.errorf(format!("invalid value; expected {}", ty.name())),
            (ty, v) if ty.accepts(&v) => Ok(v),
            (ty, v) => {
                let got = match v {
                    Value::Nil => "interface {}".to_string(),
                    v => v.type_name(),
                };
                self.errorf(format!(
                    "wrong type for value; expected {}; got {got}",
                    ty.name()
                ))
            }
        }
    }

    /// Go's `evalArg`: an argument evaluated for a parameter of type `ty` (`None`: untyped).
    fn eval_arg(&mut self, dot: &Dot, ty: Option<Ty>, n: &'t Arg) -> R<Value> {
        self.at = At::Arg(n);
        let v = match n {
            Arg::Dot { .. } => dot.v.clone(),
            Arg::Nil { .. } => {
                return match ty {
                    Some(Ty::Any) => Ok(Value::Nil),
                    Some(Ty::Value) => Ok(Value::Missing),
                    Some(Ty::MapAny) => Ok(Value::map(Default::default())),
                    Some(t) => self.errorf(format!("cannot assign nil to {}", t.name())),
                    None => self.errorf("cannot assign nil to <nil>"),
                };
            }
            Arg::Field { .. } => self.eval_field_node(dot, n, 1, None)?.0,
            Arg::Variable { .. } => self.eval_variable_node(n, 0, None)?.0,
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?,
            Arg::Identifier { name, .. } => {
                self.eval_function(dot, n, name, At::Arg(n), &[], None)?
            }
            Arg::Chain { .. } => self.eval_chain_node(dot, n, 0, None)?.0,
            Arg::Bool { .. } | Arg::Number { .. } | Arg::String { .. } => {
                return self.eval_literal(ty, n);
            }
        };
        self.validate(v, ty)
    }

    fn eval_literal(&mut self, ty: Option<Ty>, n: &'t Arg) -> R<Value> {
        match (ty, n) {
            (Some(Ty::Bool), Arg::Bool { value, .. }) => Ok(Value::Bool(*value)),
            (Some(Ty::Bool), _) => self.errorf(format!("expected bool; found {n}")),
            (Some(Ty::Float), Arg::Number { number, .. }) if number.is_float => {
                Ok(Value::Float(number.float))
            }
            (Some(Ty::Float), _) => self.errorf(format!("expected float; found {n}")),
            (Some(Ty::Int), Arg::Number { number, .. }) if number.is_int => {
                Ok(Value::Int(number.int))
            }
            (Some(Ty::Int), _) => self.errorf(format!("expected integer; found {n}")),
            (Some(Ty::Str), Arg::String { text, .. }) => Ok(Value::str(text.as_str())),
            (Some(Ty::Str), _) => self.errorf(format!("expected string; found {n}")),
            (Some(Ty::MapAny) | None, _) => self.errorf(format!(
                "can't handle {n} for arg of type {}",
                ty.map_or("<nil>", Ty::name)
            )),
            (Some(Ty::Any | Ty::Value), Arg::Bool { value, .. }) => Ok(Value::Bool(*value)),
            (Some(Ty::Any | Ty::Value), Arg::Number { number, .. }) => {
                self.ideal_constant(n, number)
            }
            (Some(Ty::Any | Ty::Value), Arg::String { text, .. }) => Ok(Value::str(text.as_str())),
            (Some(Ty::Any | Ty::Value), _) => self.errorf(format!(
                "can't handle assignment of {n} to empty interface argument"
            )),
        }
    }
}
