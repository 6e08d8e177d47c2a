//! The parse tree of a template, as Go's `text/template/parse` builds it. Every node keeps the
//! byte offset Go gives it (for `line:column` in execution errors) and prints as Go's
//! `String()` does (for the `at <…>` of execution errors).

use std::fmt::{self, Display, Formatter};

use super::quote::quote;

/// A list of nodes: a template body, or the body of an `if`, `range`, `with`.
pub type List = Vec<Node>;

/// One element of a list.
#[derive(Debug)]
pub enum Node {
    /// Text outside actions (trim markers already applied).
    Text(String),
    /// `{{pipeline}}`: printed unless it declares variables.
    Action(Action),
    /// `{{if}}`, `{{with}}` or `{{range}}`.
    Branch(Branch),
    /// `{{template "name" pipeline}}` (also what `{{block}}` leaves in place).
    Template(TemplateCall),
    /// `{{break}}`.
    Break,
    /// `{{continue}}`.
    Continue,
}

/// `{{pipeline}}`.
#[derive(Debug)]
pub struct Action {
    pub pos: usize,
    pub pipe: Pipe,
}

/// Which control structure a [`Branch`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchKind {
    If,
    With,
    Range,
}

/// `{{if pipe}}list{{else}}else_list{{end}}` and its `with` and `range` siblings.
#[derive(Debug)]
pub struct Branch {
    pub kind: BranchKind,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

/// `{{template "name" pipe}}`.
#[derive(Debug)]
pub struct TemplateCall {
    pub pos: usize,
    pub name: String,
    pub pipe: Option<Pipe>,
}

/// A pipeline with its optional declaration: `$x := cmd | cmd`.
#[derive(Debug)]
pub struct Pipe {
    pub pos: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    /// The declared (or assigned) variables, `$` included in each name.
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

/// One command of a pipeline: an operand, or a function and its arguments.
#[derive(Debug)]
pub struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// An operand.
#[derive(Debug)]
pub enum Arg {
    /// `.a.b`: the names without their dots.
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    /// `$x.a.b`: the variable name (with `$`) first.
    Variable {
        pos: usize,
        idents: Vec<String>,
    },
    /// `(pipe).a.b`, or another term followed by fields.
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    /// A function name.
    Identifier {
        pos: usize,
        name: String,
    },
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Bool {
        pos: usize,
        value: bool,
    },
    Number {
        pos: usize,
        number: Box<Number>,
    },
    String {
        pos: usize,
        quoted: String,
        text: String,
    },
    /// A parenthesized pipeline.
    Pipe(Box<Pipe>),
}

/// A numeric constant under every type that can hold it, as Go's `NumberNode`.
#[derive(Debug, Clone, Default)]
pub struct Number {
    pub text: String,
    pub is_int: bool,
    pub int: i64,
    pub is_uint: bool,
    pub uint: u64,
    pub is_float: bool,
    pub float: f64,
    /// Real and imaginary parts of a complex constant.
    pub complex: Option<(f64, f64)>,
}

impl Arg {
    /// The byte offset Go reports for the operand.
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl Display for Pipe {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(" := ")?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl Display for Command {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match a {
                Arg::Pipe(p) => write!(f, "({p})")?,
                a => write!(f, "{a}")?,
            }
        }
        Ok(())
    }
}

impl Display for Arg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable { idents, .. } => f.write_str(&idents.join(".")),
            Arg::Chain { node, fields, .. } => {
                match node.as_ref() {
                    Arg::Pipe(p) => write!(f, "({p})")?,
                    n => write!(f, "{n}")?,
                }
                for i in fields {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { value, .. } => write!(f, "{value}"),
            Arg::Number { number, .. } => f.write_str(&number.text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl Display for Node {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(t) => f.write_str(t),
            Node::Action(a) => write!(f, "{{{{{}}}}}", a.pipe),
            Node::Branch(b) => write!(f, "{b}"),
            Node::Template(t) => write!(f, "{t}"),
            Node::Break => f.write_str("{{break}}"),
            Node::Continue => f.write_str("{{continue}}"),
        }
    }
}

impl Display for Branch {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let name = match self.kind {
            BranchKind::If => "if",
            BranchKind::With => "with",
            BranchKind::Range => "range",
        };
        write!(f, "{{{{{name} {}}}}}", self.pipe)?;
        for n in &self.list {
            write!(f, "{n}")?;
        }
        if let Some(e) = &self.else_list {
            f.write_str("{{else}}")?;
            for n in e {
                write!(f, "{n}")?;
            }
        }
        f.write_str("{{end}}")
    }
}

impl Display for TemplateCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{template {}", quote(&self.name))?;
        if let Some(p) = &self.pipe {
            write!(f, " {p}")?;
        }
        f.write_str("}}")
    }
}

/// Whether a template body holds nothing but space (Go's `IsEmptyTree`): such a definition
/// may be replaced by another of the same name.
pub fn is_empty(list: &List) -> bool {
    list.iter().all(|n| match n {
        Node::Text(t) => t.trim_matches(|c: char| c.is_whitespace()).is_empty(),
        _ => false,
    })
}
