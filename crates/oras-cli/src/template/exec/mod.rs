//! Go's `text/template` execution (`exec.go`) over the parse tree: pipelines, variables,
//! fields of maps, `if`/`with`/`range` (with `break`/`continue`), template calls, function
//! calls with Go's argument checks, and Go's error shape
//! (`template: format output:1:2: executing "format output" at <.x.y>: …`).
//!
//! Beyond Go: a bound on the stack used (reported as Go's `exceeded maximum template depth`),
//! on the work done and on the output size, so no template can exhaust the process.

mod eval;

use super::ast::{Action, Arg, Branch, BranchKind, Command, List, Node, Pipe, TemplateCall};
use super::gofmt;
use super::parse::{NAME, Templates};
use super::quote::quote;
use super::value::{Elem, Value};

/// Go's `maxExecDepth` is 100000; a Rust stack holds fewer levels, so ours is smaller.
pub const MAX_TEMPLATE_DEPTH: usize = 10_000;
/// Commands and nodes evaluated before execution is stopped.
const MAX_STEPS: u64 = 5_000_000;
/// Output written before execution is stopped.
const MAX_OUTPUT: usize = 256 << 20;

/// Dot, with whether it was read out of an `interface {}` container (for Go's type names).
#[derive(Clone)]
struct Dot {
    v: Value,
    boxed: bool,
}

struct Var<'t> {
    name: &'t str,
    v: Value,
    boxed: bool,
}

/// The node execution is at, for error messages (Go's `state.at`).
#[derive(Clone, Copy)]
enum At<'t> {
    None,
    Pipe(&'t Pipe),
    Cmd(&'t Command),
    Arg(&'t Arg),
    Action(&'t Action),
    Branch(&'t Branch),
    Template(&'t TemplateCall),
}

/// How a list of nodes ended.
enum Flow {
    Normal,
    Break,
    Continue,
}

type R<T> = Result<T, String>;

struct State<'t> {
    tmpls: &'t Templates,
    src: &'t str,
    /// The template being executed.
    name: &'t str,
    out: String,
    vars: Vec<Var<'t>>,
    depth: usize,
    at: At<'t>,
    steps: u64,
    stack_base: usize,
    stack_budget: usize,
}

/// Executes the main template of `tmpls` (parsed from `src`) with `data` as dot, using at most
/// `stack_budget` bytes of stack below the caller's frame.
pub fn execute(tmpls: &Templates, src: &str, data: Value, stack_budget: usize) -> R<String> {
    let marker = 0u8;
    let mut s = State {
        tmpls,
        src,
        name: NAME,
        out: String::new(),
        vars: vec![Var {
            name: "$",
            v: data.clone(),
            boxed: false,
        }],
        depth: 0,
        at: At::None,
        steps: 0,
        stack_base: std::ptr::addr_of!(marker).addr(),
        stack_budget,
    };
    let Some(root) = tmpls.get(NAME) else {
        return Err(format!(
            "template: {NAME}: {} is an incomplete or empty template",
            quote(NAME)
        ));
    };
    s.walk_list(
        &Dot {
            v: data,
            boxed: false,
        },
        root,
    )?;
    Ok(s.out)
}

impl<'t> State<'t> {
    fn errorf<T>(&self, msg: impl std::fmt::Display) -> R<T> {
        let (pos, context) = match self.at {
            At::None => return Err(format!("template: {}: {msg}", self.name)),
            At::Pipe(p) => (p.pos, p.to_string()),
            At::Cmd(c) => (c.pos, c.to_string()),
            At::Arg(a) => (a.pos(), a.to_string()),
            At::Action(a) => (a.pos, format!("{{{{{}}}}}", a.pipe)),
            At::Branch(b) => (b.pipe.pos, b.to_string()),
            At::Template(t) => (t.pos, t.to_string()),
        };
        let before = self.src.get(..pos).unwrap_or(self.src);
        let line = 1 + before.matches('\n').count();
        let col = before
            .rfind('\n')
            .map_or(before.len(), |i| before.len() - i - 1);
        Err(format!(
            "template: {NAME}:{line}:{col}: executing {} at <{context}>: {msg}",
            quote(self.name)
        ))
    }

    /// Stops a template that would use more stack than it may (deep recursion).
    fn guard(&self) -> R<()> {
        let here = 0u8;
        let used = self.stack_base.abs_diff(std::ptr::addr_of!(here).addr());
        if used > self.stack_budget {
            return self.errorf(format!(
                "exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"
            ));
        }
        Ok(())
    }

    fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return self.errorf(format!("template execution exceeded {MAX_STEPS} steps"));
        }
        Ok(())
    }

    fn write(&mut self, s: &str) -> R<()> {
        self.out.push_str(s);
        if self.out.len() > MAX_OUTPUT {
            return self.errorf(format!("template output exceeded {MAX_OUTPUT} bytes"));
        }
        Ok(())
    }

    fn var_value(&self, name: &str) -> R<(Value, bool)> {
        match self.vars.iter().rev().find(|v| v.name == name) {
            Some(v) => Ok((v.v.clone(), v.boxed)),
            None => self.errorf(format!("undefined variable: {name}")),
        }
    }

    fn set_var(&mut self, name: &str, v: Value, boxed: bool) -> R<()> {
        match self.vars.iter_mut().rev().find(|x| x.name == name) {
            Some(x) => {
                x.v = v;
                x.boxed = boxed;
                Ok(())
            }
            None => self.errorf(format!("undefined variable: {name}")),
        }
    }

    /// Sets the `n`-th variable from the top (range iterations).
    fn set_top_var(&mut self, n: usize, v: Value, boxed: bool) {
        let len = self.vars.len();
        if let Some(x) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            x.v = v;
            x.boxed = boxed;
        }
    }

    // ------------------------------------------------------------------------------ walk

    fn walk_list(&mut self, dot: &Dot, list: &'t List) -> R<Flow> {
        for node in list {
            match self.walk(dot, node)? {
                Flow::Normal => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Dot, node: &'t Node) -> R<Flow> {
        self.step()?;
        self.guard()?;
        match node {
            Node::Text(t) => self.write(t)?,
            Node::Action(a) => {
                self.at = At::Action(a);
                let v = self.eval_pipeline(dot, &a.pipe)?;
                if a.pipe.decl.is_empty() {
                    let text = match v {
                        Value::Missing => "<no value>".to_string(),
                        v => gofmt::print_value(&v),
                    };
                    self.write(&text)?;
                }
            }
            Node::Branch(b) if b.kind == BranchKind::Range => return self.walk_range(dot, b),
            Node::Branch(b) => return self.walk_if_or_with(dot, b),
            Node::Template(t) => self.walk_template(dot, t)?,
            Node::Break => return Ok(Flow::Break),
            Node::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_if_or_with(&mut self, dot: &Dot, b: &'t Branch) -> R<Flow> {
        let mark = self.vars.len();
        let r = self.if_or_with(dot, b);
        self.vars.truncate(mark);
        r
    }

    fn if_or_with(&mut self, dot: &Dot, b: &'t Branch) -> R<Flow> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        if val.truth() {
            if b.kind == BranchKind::With {
                return self.walk_list(
                    &Dot {
                        v: val,
                        boxed: false,
                    },
                    &b.list,
                );
            }
            return self.walk_list(dot, &b.list);
        }
        match &b.else_list {
            Some(e) => self.walk_list(dot, e),
            None => Ok(Flow::Normal),
        }
    }

    fn walk_range(&mut self, dot: &Dot, b: &'t Branch) -> R<Flow> {
        self.at = At::Branch(b);
        let mark = self.vars.len();
        let r = self.range(dot, b);
        self.vars.truncate(mark);
        r
    }

    fn range(&mut self, dot: &Dot, b: &'t Branch) -> R<Flow> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.vars.len();
        let iterated = match &val {
            Value::Int(_) | Value::Int64(_) | Value::Byte(_) => {
                if b.pipe.decl.len() > 1 {
                    return self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        gofmt::print_value(&val)
                    ));
                }
                let n = val.as_int().unwrap_or(0);
                for i in 0..n.max(0) {
                    let elem = match val {
                        Value::Int64(_) => Value::Int64(i),
                        Value::Byte(_) => Value::Byte(i as u8),
                        _ => Value::Int(i),
                    };
                    if let Flow::Break = self.iteration(b, mark, Value::Missing, elem, false)? {
                        return Ok(Flow::Normal);
                    }
                }
                n > 0
            }
            Value::List(items, elem) => {
                for (i, item) in items.iter().enumerate() {
                    let index = Value::Int(i as i64);
                    let boxed = *elem == Elem::Any;
                    if let Flow::Break = self.iteration(b, mark, index, item.clone(), boxed)? {
                        return Ok(Flow::Normal);
                    }
                }
                !items.is_empty()
            }
            Value::Map(m, elem) => {
                for (k, item) in m.iter() {
                    let key = Value::str(k.as_str());
                    let boxed = *elem == Elem::Any;
                    if let Flow::Break = self.iteration(b, mark, key, item.clone(), boxed)? {
                        return Ok(Flow::Normal);
                    }
                }
                !m.is_empty()
            }
            Value::Missing | Value::Nil => false,
            v => {
                return self.errorf(format!(
                    "range can't iterate over {}",
                    gofmt::print_value(v)
                ));
            }
        };
        match (&b.else_list, iterated) {
            (Some(e), false) => self.walk_list(dot, e),
            _ => Ok(Flow::Normal),
        }
    }

    /// One iteration of a range: the variables set, the body walked, its variables dropped.
    fn iteration(
        &mut self,
        b: &'t Branch,
        mark: usize,
        index: Value,
        elem: Value,
        boxed: bool,
    ) -> R<Flow> {
        let decl = &b.pipe.decl;
        if let Some(first) = decl.first() {
            if !b.pipe.is_assign {
                self.set_top_var(1, elem.clone(), boxed);
            } else if decl.len() > 1 {
                self.set_var(first, index.clone(), false)?;
            } else {
                self.set_var(first, elem.clone(), boxed)?;
            }
        }
        if let Some(second) = decl.get(1) {
            if b.pipe.is_assign {
                self.set_var(second, elem.clone(), boxed)?;
            } else {
                self.set_top_var(2, index, false);
            }
        }
        self.step()?;
        let r = self.walk_list(&Dot { v: elem, boxed }, &b.list);
        self.vars.truncate(mark);
        Ok(match r? {
            Flow::Break => Flow::Break,
            _ => Flow::Normal,
        })
    }

    fn walk_template(&mut self, dot: &Dot, t: &'t TemplateCall) -> R<()> {
        self.at = At::Template(t);
        let Some(body) = self.tmpls.get(&t.name) else {
            return self.errorf(format!("template {} not defined", quote(&t.name)));
        };
        if self.depth >= MAX_TEMPLATE_DEPTH {
            return self.errorf(format!(
                "exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"
            ));
        }
        let v = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Missing,
        };
        // no dynamic scoping: the called template sees only `$`
        let vars = std::mem::replace(
            &mut self.vars,
            vec![Var {
                name: "$",
                v: v.clone(),
                boxed: false,
            }],
        );
        let name = std::mem::replace(&mut self.name, &t.name);
        self.depth += 1;
        let r = self.walk_list(&Dot { v, boxed: false }, body);
        self.depth -= 1;
        self.name = name;
        self.vars = vars;
        r.map(|_| ())
    }
}
