//! Pipelines and their parts (Go's `pipeline`, `command`, `operand`, `term`): declarations,
//! commands, field chains, constants and parenthesized pipelines.

use super::{FuncStatus, MAX_PIPELINE_CMDS, Parser, R};
use crate::template::ast::{Arg, Command, Pipe};
use crate::template::lex::Kind;
use crate::template::literal;
use crate::template::quote::quote;

impl Parser<'_> {
    pub(super) fn pipeline(&mut self, ctx: &str, end: Kind) -> R<Pipe> {
        let pos = self.peek_non_space().pos;
        let mut pipe = Pipe {
            pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        self.declarations(&mut pipe, ctx)?;
        loop {
            let t = self.next_non_space();
            if t.kind == end {
                if pipe.cmds.is_empty() {
                    return self.error_at(t.line, format!("missing value for {ctx}"));
                }
                for (n, c) in pipe.cmds.iter().enumerate().skip(1) {
                    if matches!(
                        c.args.first(),
                        Some(
                            Arg::Bool { .. }
                                | Arg::Dot { .. }
                                | Arg::Nil { .. }
                                | Arg::Number { .. }
                                | Arg::String { .. }
                        )
                    ) {
                        return self.error_at(
                            t.line,
                            format!("non executable command in pipeline stage {}", n + 1),
                        );
                    }
                }
                return Ok(pipe);
            }
            match t.kind {
                Kind::Bool
                | Kind::CharConstant
                | Kind::Complex
                | Kind::Dot
                | Kind::Field
                | Kind::Identifier
                | Kind::Number
                | Kind::Nil
                | Kind::RawString
                | Kind::String
                | Kind::Variable
                | Kind::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                    if pipe.cmds.len() > MAX_PIPELINE_CMDS {
                        return self.error_at(t.line, "pipeline too long");
                    }
                }
                _ => return self.unexpected(&t, ctx),
            }
        }
    }

    /// `$x :=`, `$x =`, `$i, $e :=` at the start of a pipeline (Go's `decls` loop).
    fn declarations(&mut self, pipe: &mut Pipe, ctx: &str) -> R<()> {
        loop {
            if self.peek_non_space().kind != Kind::Variable {
                return Ok(());
            }
            let save = self.i;
            let v = self.next();
            let next = self.peek_non_space().clone();
            match next.kind {
                Kind::Assign | Kind::Declare => {
                    pipe.is_assign = next.kind == Kind::Assign;
                    self.next();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    return Ok(());
                }
                Kind::Char if next.val == "," => {
                    self.next();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    if ctx == "range" && pipe.decl.len() < 2 {
                        let after = self.peek_non_space().clone();
                        match after.kind {
                            Kind::Variable | Kind::RightDelim | Kind::RightParen => continue,
                            _ => {
                                return self
                                    .error_at(after.line, "range can only initialize variables");
                            }
                        }
                    }
                    return self.error_at(next.line, format!("too many declarations in {ctx}"));
                }
                _ => {
                    self.i = save;
                    return Ok(());
                }
            }
        }
    }

    fn command(&mut self) -> R<Command> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.skip_space();
            if let Some(a) = self.operand()? {
                args.push(a);
            }
            let t = self.next();
            match t.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.backup(),
                Kind::Pipe => {}
                _ => return self.unexpected(&t, "operand"),
            }
            break;
        }
        if args.is_empty() {
            let line = self.peek().line;
            return self.error_at(line, "empty command");
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> R<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != Kind::Field {
            return Ok(Some(node));
        }
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().kind == Kind::Field {
            let f = self.next();
            fields.push(f.val[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field { pos, idents }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable { pos, idents }
            }
            Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                let line = self.items[self.i - 1].line;
                return self.error_at(
                    line,
                    format!("unexpected . after term {}", quote(&node.to_string())),
                );
            }
            node => Arg::Chain {
                pos,
                node: Box::new(node),
                fields,
            },
        }))
    }

    fn term(&mut self) -> R<Option<Arg>> {
        let t = self.next_non_space();
        let pos = t.pos;
        Ok(Some(match t.kind {
            Kind::Identifier => match (self.funcs)(&t.val) {
                FuncStatus::Defined => Arg::Identifier { pos, name: t.val },
                FuncStatus::Unsupported => {
                    return self.error_at(
                        t.line,
                        format!("function {} is not supported here", quote(&t.val)),
                    );
                }
                FuncStatus::Undefined => {
                    return self
                        .error_at(t.line, format!("function {} not defined", quote(&t.val)));
                }
            },
            Kind::Variable => {
                if !self.vars.contains(&t.val) {
                    return self.error_at(t.line, format!("undefined variable {}", quote(&t.val)));
                }
                Arg::Variable {
                    pos,
                    idents: vec![t.val],
                }
            }
            Kind::Field => Arg::Field {
                pos,
                idents: vec![t.val[1..].to_string()],
            },
            Kind::Dot => Arg::Dot { pos },
            Kind::Nil => Arg::Nil { pos },
            Kind::Bool => Arg::Bool {
                pos,
                value: t.val == "true",
            },
            Kind::CharConstant | Kind::Complex | Kind::Number => {
                let n = literal::number(
                    &t.val,
                    t.kind == Kind::CharConstant,
                    t.kind == Kind::Complex,
                );
                let number = n.or_else(|e| self.error_at(t.line, e))?;
                Arg::Number {
                    pos,
                    number: Box::new(number),
                }
            }
            Kind::LeftParen => {
                self.enter()?;
                let p = self.pipeline("parenthesized pipeline", Kind::RightParen);
                self.depth -= 1;
                Arg::Pipe(Box::new(p?))
            }
            Kind::String | Kind::RawString => {
                let text = self.unquote(&t)?;
                Arg::String {
                    pos,
                    quoted: t.val,
                    text,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}
