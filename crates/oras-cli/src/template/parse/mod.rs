//! Go's `text/template/parse` over the tokens of [`super::lex`]: builds the parse tree of a
//! template and its `define`/`block` definitions, with Go's error texts on Go's lines
//! (`template: format output:1: unclosed action`, `unexpected EOF`, `function "x" not
//! defined`, …).

mod pipeline;

use std::collections::HashMap;

use super::ast::{Action, Branch, BranchKind, List, Node, TemplateCall, is_empty};
use super::lex::{Item, Kind, lex};
use super::quote::{quote, unquote};

/// The template name in error messages, as oras names it.
pub const NAME: &str = "format output";

/// Nesting of parentheses and blocks allowed (Go's limit for parentheses, 10000; Go sets
/// none for blocks).
const MAX_DEPTH: usize = 10_000;

/// Go's `maxPipelineCmds`.
const MAX_PIPELINE_CMDS: usize = 100_000;

/// Whether a function name may be used.
pub enum FuncStatus {
    Defined,
    /// A sprig function oras has that this implementation does not.
    Unsupported,
    Undefined,
}

/// The parsed templates: the main one ([`NAME`]) and every `define`/`block`.
#[derive(Debug, Default)]
pub struct Templates {
    trees: HashMap<String, List>,
}

impl Templates {
    /// The body of the template `name`.
    pub fn get(&self, name: &str) -> Option<&List> {
        self.trees.get(name)
    }

    /// Go's `Tree.add`: an empty definition never replaces another; two non-empty ones are an
    /// error.
    fn add(&mut self, name: String, list: List) -> Result<(), String> {
        match self.trees.get(&name) {
            Some(old) if !is_empty(old) => {
                if is_empty(&list) {
                    Ok(())
                } else {
                    Err(format!(
                        "template: multiple definition of template {}",
                        quote(&name)
                    ))
                }
            }
            _ => {
                self.trees.insert(name, list);
                Ok(())
            }
        }
    }
}

/// Parses `src` as Go's parser does, using at most `stack_budget` bytes of stack below the
/// caller's frame; returns the templates, or Go's error message.
pub fn parse(
    src: &str,
    funcs: &dyn Fn(&str) -> FuncStatus,
    stack_budget: usize,
) -> Result<Templates, String> {
    let marker = 0u8;
    let mut p = Parser {
        stack_base: std::ptr::addr_of!(marker).addr(),
        stack_budget,
        items: lex(src),
        i: 0,
        funcs,
        vars: vec!["$".to_string()],
        range_depth: 0,
        action_line: 0,
        depth: 0,
        templates: Templates::default(),
    };
    let root = p.top()?;
    let line = p.peek().line;
    p.templates
        .add(NAME.to_string(), root)
        .or_else(|e| p.error_at(line, e))?;
    Ok(p.templates)
}

/// What ended a list of items, with its line.
enum End {
    End(usize),
    /// `{{else}}`, with `if`/`with` following for `{{else if …}}` / `{{else with …}}`.
    Else(usize),
}

struct Parser<'a> {
    items: Vec<Item>,
    i: usize,
    funcs: &'a dyn Fn(&str) -> FuncStatus,
    vars: Vec<String>,
    range_depth: usize,
    /// Line of the `{{` of the action being parsed (0 outside actions).
    action_line: usize,
    /// Parentheses and blocks open.
    depth: usize,
    templates: Templates,
    stack_base: usize,
    stack_budget: usize,
}

type R<T> = Result<T, String>;

impl Parser<'_> {
    fn peek(&self) -> &Item {
        &self.items[self.i.min(self.items.len() - 1)]
    }

    /// The next token; past the end, the last one (EOF or an error) again.
    fn next(&mut self) -> Item {
        let it = self.peek().clone();
        self.i += 1;
        it
    }

    fn backup(&mut self) {
        self.i -= 1;
    }

    fn skip_space(&mut self) {
        while self.i < self.items.len() && self.items[self.i].kind == Kind::Space {
            self.i += 1;
        }
    }

    fn peek_non_space(&mut self) -> &Item {
        self.skip_space();
        self.peek()
    }

    fn next_non_space(&mut self) -> Item {
        self.skip_space();
        self.next()
    }

    fn error_at<T>(&self, line: usize, msg: impl std::fmt::Display) -> R<T> {
        Err(format!("template: {NAME}:{line}: {msg}"))
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> R<T> {
        if token.kind == Kind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {NAME}:{}", self.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.error_at(token.line, format!("{}{extra}", token.val));
        }
        self.error_at(token.line, format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, kind: Kind, context: &str) -> R<Item> {
        let t = self.next_non_space();
        if t.kind != kind {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    /// A string literal's value, or Go's `invalid syntax`.
    fn unquote(&self, t: &Item) -> R<String> {
        unquote(&t.val).or_else(|e| self.error_at(t.line, e))
    }

    /// Enters a nested pipeline or block (`max expression depth exceeded` past [`MAX_DEPTH`]).
    /// Nesting beyond the stack the parser may use (Go has no limit on blocks) is refused the
    /// same way.
    fn enter(&mut self) -> R<()> {
        let here = 0u8;
        let used = self.stack_base.abs_diff(std::ptr::addr_of!(here).addr());
        if self.depth >= MAX_DEPTH || used > self.stack_budget {
            let line = self.peek().line;
            return self.error_at(line, "max expression depth exceeded");
        }
        self.depth += 1;
        Ok(())
    }

    fn top(&mut self) -> R<List> {
        let mut root = List::new();
        while self.peek().kind != Kind::Eof {
            if self.peek().kind == Kind::LeftDelim {
                let save = self.i;
                let delim = self.next();
                if self.peek_non_space().kind == Kind::Keyword && self.peek().val == "define" {
                    self.next();
                    self.action_line = delim.line;
                    self.define()?;
                    continue;
                }
                self.i = save;
            }
            match self.text_or_action()? {
                Ok(node) => root.push(node),
                Err(End::End(line)) => return self.error_at(line, "unexpected {{end}}"),
                Err(End::Else(line)) => return self.error_at(line, "unexpected {{else}}"),
            }
        }
        Ok(root)
    }

    /// The body of a definition (`define` or `block`) through its `{{end}}`, parsed as a tree
    /// of its own (no variables but `$`, no enclosing `range`), and added to the set.
    fn definition(&mut self, name: String, context: &str) -> R<()> {
        let vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let range_depth = std::mem::replace(&mut self.range_depth, 0);
        let body = self.item_list();
        self.vars = vars;
        self.range_depth = range_depth;
        let (body, end) = body?;
        let line = match end {
            End::Else(line) => {
                return self.error_at(line, format!("unexpected {{{{else}}}} in {context}"));
            }
            End::End(line) => line,
        };
        self.templates
            .add(name, body)
            .or_else(|e| self.error_at(line, e))
    }

    fn define(&mut self) -> R<()> {
        const CONTEXT: &str = "define clause";
        let name = self.next_non_space();
        if !matches!(name.kind, Kind::String | Kind::RawString) {
            return self.unexpected(&name, CONTEXT);
        }
        let name = self.unquote(&name)?;
        self.expect(Kind::RightDelim, CONTEXT)?;
        self.action_line = 0;
        self.definition(name, CONTEXT)
    }

    /// Items up to `{{end}}` or `{{else}}`; EOF is an error.
    fn item_list(&mut self) -> R<(List, End)> {
        let mut list = List::new();
        while self.peek_non_space().kind != Kind::Eof {
            match self.text_or_action()? {
                Ok(node) => list.push(node),
                Err(end) => return Ok((list, end)),
            }
        }
        let line = self.peek().line;
        self.error_at(line, "unexpected EOF")
    }

    /// One text or action; `{{end}}`/`{{else}}` come back as `Err`.
    fn text_or_action(&mut self) -> R<Result<Node, End>> {
        let t = self.next_non_space();
        match t.kind {
            Kind::Text => Ok(Ok(Node::Text(t.val))),
            Kind::LeftDelim => {
                let saved = self.action_line;
                self.action_line = t.line;
                let r = self.action();
                self.action_line = saved;
                r
            }
            _ => self.unexpected(&t, "input"),
        }
    }

    fn action(&mut self) -> R<Result<Node, End>> {
        let t = self.next_non_space();
        if t.kind == Kind::Keyword {
            match t.val.as_str() {
                "end" => {
                    let d = self.expect(Kind::RightDelim, "end")?;
                    return Ok(Err(End::End(d.line)));
                }
                "else" => {
                    let p = self.peek_non_space().clone();
                    if !(p.kind == Kind::Keyword && (p.val == "if" || p.val == "with")) {
                        self.expect(Kind::RightDelim, "else")?;
                    }
                    return Ok(Err(End::Else(t.line)));
                }
                "if" => return Ok(Ok(Node::Branch(self.control(BranchKind::If)?))),
                "with" => return Ok(Ok(Node::Branch(self.control(BranchKind::With)?))),
                "range" => return Ok(Ok(Node::Branch(self.control(BranchKind::Range)?))),
                "break" | "continue" => {
                    let next = self.next_non_space();
                    if next.kind != Kind::RightDelim {
                        return self.unexpected(&next, &format!("{{{{{}}}}}", t.val));
                    }
                    if self.range_depth == 0 {
                        return self
                            .error_at(t.line, format!("{{{{{}}}}} outside {{{{range}}}}", t.val));
                    }
                    return Ok(Ok(if t.val == "break" {
                        Node::Break
                    } else {
                        Node::Continue
                    }));
                }
                "template" | "block" => return self.template_call(&t.val).map(Ok),
                _ => {}
            }
        }
        self.backup();
        let pos = self.peek().pos;
        let pipe = self.pipeline("command", Kind::RightDelim)?;
        Ok(Ok(Node::Action(Action { pos, pipe })))
    }

    fn template_call(&mut self, keyword: &str) -> R<Node> {
        let ctx = format!("{keyword} clause");
        let token = self.next_non_space();
        if !matches!(token.kind, Kind::String | Kind::RawString) {
            return self.unexpected(&token, &ctx);
        }
        let name = self.unquote(&token)?;
        let pipe = if keyword == "block" || self.peek_non_space().kind != Kind::RightDelim {
            Some(self.pipeline(&ctx, Kind::RightDelim)?)
        } else {
            self.next();
            None
        };
        if keyword == "block" {
            self.definition(name.clone(), &ctx)?;
        }
        Ok(Node::Template(TemplateCall {
            pos: token.pos,
            name,
            pipe,
        }))
    }

    /// `if`, `with` or `range` after its keyword, through its `{{end}}`.
    fn control(&mut self, kind: BranchKind) -> R<Branch> {
        self.enter()?;
        let r = self.control_inner(kind);
        self.depth -= 1;
        r
    }

    fn control_inner(&mut self, kind: BranchKind) -> R<Branch> {
        let ctx = match kind {
            BranchKind::If => "if",
            BranchKind::With => "with",
            BranchKind::Range => "range",
        };
        let vars = self.vars.len();
        let pipe = self.pipeline(ctx, Kind::RightDelim)?;
        if kind == BranchKind::Range {
            self.range_depth += 1;
        }
        let body = self.item_list();
        if kind == BranchKind::Range {
            self.range_depth -= 1;
        }
        let (list, end) = body?;
        let mut else_list = None;
        if let End::Else(_) = end {
            let p = self.peek_non_space().clone();
            if kind != BranchKind::Range && p.kind == Kind::Keyword && p.val == ctx {
                // `{{else if …}}`: an `if` inside the else branch, sharing the `{{end}}`
                self.next();
                else_list = Some(vec![Node::Branch(self.control(kind)?)]);
            } else {
                let (e, end) = self.item_list()?;
                if let End::Else(line) = end {
                    return self.error_at(line, "expected end; found {{else}}");
                }
                else_list = Some(e);
            }
        }
        self.vars.truncate(vars);
        Ok(Branch {
            kind,
            pipe,
            list,
            else_list,
        })
    }
}
