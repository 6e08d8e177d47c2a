//! Go's `text/template` parse checks over the tokens of [`super::lex`], with Go's error texts
//! (`template: format output:1: unclosed action`, `unexpected EOF`, `function "x" not
//! defined`, …), and the template rewritten for gtmpl so that it runs as Go runs it:
//! printed values go through `__oras_print` (Go's `fmt.Print` forms: `<nil>`, `[a b]`,
//! `map[k:v]`), `range` over a missing key or null iterates zero times (`__oras_range`), and a
//! `range … else` runs its else branch only when there was nothing to iterate.

use super::lex::{Item, Kind, lex};

/// The template name in error messages, as oras names it.
pub const NAME: &str = "format output";

/// The function that prints an action's value (see the module doc).
pub const PRINT_FN: &str = "__oras_print";
/// The function that makes a range pipeline's value iterable (see the module doc).
pub const RANGE_FN: &str = "__oras_range";

/// Nesting of parentheses and blocks allowed (Go allows 10000; gtmpl recurses on the main
/// thread's stack, so a hostile template is stopped far earlier).
const MAX_DEPTH: usize = 100;

/// Checks `src` as Go's parser does; returns the text for gtmpl, or Go's error message.
pub fn check(src: &str, funcs: &[String]) -> Result<String, String> {
    let mut p = Parser {
        items: lex(src),
        i: 0,
        funcs,
        vars: vec!["$".to_string()],
        range_depth: 0,
        action_line: 0,
        depth: 0,
    };
    p.top()
}

/// How a list of items ended.
enum End {
    End,
    /// `{{else}}`, with `if`/`with` following for `{{else if …}}` / `{{else with …}}`.
    Else,
}

struct Parser<'a> {
    items: Vec<Item>,
    i: usize,
    funcs: &'a [String],
    vars: Vec<String>,
    range_depth: usize,
    /// Line of the `{{` of the action being parsed (0 outside actions).
    action_line: usize,
    /// Pipelines and blocks open.
    depth: usize,
}

/// A parsed pipeline: its declaration (`$x := ` or `$i, $e := `, possibly empty) and its
/// commands, as canonical text.
struct Pipe {
    decl: String,
    body: String,
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

    fn top(&mut self) -> R<String> {
        let mut out = String::new();
        while self.peek().kind != Kind::Eof {
            if self.peek().kind == Kind::LeftDelim {
                let save = self.i;
                let delim = self.next();
                if self.peek_non_space().kind == Kind::Keyword && self.peek().val == "define" {
                    self.next();
                    self.action_line = delim.line;
                    out.push_str(&self.define()?);
                    continue;
                }
                self.i = save;
            }
            if let Some((end, line)) = self.text_or_action(&mut out)? {
                let what = match end {
                    End::End => "{{end}}",
                    End::Else => "{{else}}",
                };
                return self.error_at(line, format!("unexpected {what}"));
            }
        }
        Ok(out)
    }

    fn define(&mut self) -> R<String> {
        const CONTEXT: &str = "define clause";
        let name = self.next_non_space();
        if !matches!(name.kind, Kind::String | Kind::RawString) {
            return self.unexpected(&name, CONTEXT);
        }
        self.expect(Kind::RightDelim, CONTEXT)?;
        self.action_line = 0;
        let saved = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let mut body = String::new();
        let end = self.item_list(&mut body);
        self.vars = saved;
        let (end, line) = end?;
        if let End::Else = end {
            return self.error_at(line, format!("unexpected {{{{else}}}} in {CONTEXT}"));
        }
        Ok(format!("{{{{define {}}}}}{body}{{{{end}}}}", name.val))
    }

    /// Items up to `{{end}}` or `{{else}}` (returned with its line); EOF is an error.
    fn item_list(&mut self, out: &mut String) -> R<(End, usize)> {
        while self.peek_non_space().kind != Kind::Eof {
            if let Some(end) = self.text_or_action(out)? {
                return Ok(end);
            }
        }
        let line = self.peek().line;
        self.error_at(line, "unexpected EOF")
    }

    /// One text or action, appended to `out`; `{{end}}`/`{{else}}` are returned instead.
    fn text_or_action(&mut self, out: &mut String) -> R<Option<(End, usize)>> {
        let t = self.next_non_space();
        match t.kind {
            Kind::Text => {
                out.push_str(&t.val);
                Ok(None)
            }
            Kind::LeftDelim => {
                let saved = self.action_line;
                self.action_line = t.line;
                let r = self.action(out);
                self.action_line = saved;
                r
            }
            _ => self.unexpected(&t, "input"),
        }
    }

    fn action(&mut self, out: &mut String) -> R<Option<(End, usize)>> {
        let t = self.next_non_space();
        if t.kind == Kind::Keyword {
            match t.val.as_str() {
                "end" => {
                    self.expect(Kind::RightDelim, "end")?;
                    return Ok(Some((End::End, t.line)));
                }
                "else" => {
                    let p = self.peek_non_space().clone();
                    if !(p.kind == Kind::Keyword && (p.val == "if" || p.val == "with")) {
                        self.expect(Kind::RightDelim, "else")?;
                    }
                    return Ok(Some((End::Else, t.line)));
                }
                "if" | "with" | "range" => {
                    let ctx = t.val.clone();
                    self.control(&ctx, out)?;
                    return Ok(None);
                }
                "break" | "continue" => {
                    let next = self.next_non_space();
                    if next.kind != Kind::RightDelim {
                        return self.unexpected(&next, &format!("{{{{{}}}}}", t.val));
                    }
                    if self.range_depth == 0 {
                        return self
                            .error_at(t.line, format!("{{{{{}}}}} outside {{{{range}}}}", t.val));
                    }
                    out.push_str(&format!("{{{{{}}}}}", t.val));
                    return Ok(None);
                }
                "template" | "block" => {
                    let ctx = format!("{} clause", t.val);
                    let name = self.next_non_space();
                    if !matches!(name.kind, Kind::String | Kind::RawString) {
                        return self.unexpected(&name, &ctx);
                    }
                    let pipe = if t.val == "block" || self.peek_non_space().kind != Kind::RightDelim
                    {
                        let p = self.pipeline(&ctx, Kind::RightDelim)?;
                        format!(" {}{}", p.decl, p.body)
                    } else {
                        self.next();
                        String::new()
                    };
                    if t.val == "block" {
                        let mut body = String::new();
                        let (end, line) = self.item_list(&mut body)?;
                        if let End::Else = end {
                            return self
                                .error_at(line, format!("unexpected {{{{else}}}} in {ctx}"));
                        }
                        out.push_str(&format!(
                            "{{{{define {}}}}}{body}{{{{end}}}}{{{{template {}{pipe}}}}}",
                            name.val, name.val
                        ));
                    } else {
                        out.push_str(&format!("{{{{template {}{pipe}}}}}", name.val));
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
        self.backup();
        let p = self.pipeline("command", Kind::RightDelim)?;
        if p.decl.is_empty() {
            out.push_str(&format!("{{{{{PRINT_FN} ({})}}}}", p.body));
        } else {
            out.push_str(&format!("{{{{{}{}}}}}", p.decl, p.body));
        }
        Ok(None)
    }

    /// `if`, `with` or `range` after its keyword, through its `{{end}}`.
    fn control(&mut self, ctx: &str, out: &mut String) -> R<()> {
        self.enter()?;
        let r = self.control_inner(ctx, out);
        self.depth -= 1;
        r
    }

    fn control_inner(&mut self, ctx: &str, out: &mut String) -> R<()> {
        let vars = self.vars.len();
        let pipe = self.pipeline(ctx, Kind::RightDelim)?;
        if ctx == "range" {
            self.range_depth += 1;
        }
        let mut body = String::new();
        let ended = self.item_list(&mut body);
        if ctx == "range" {
            self.range_depth -= 1;
        }
        let (end, _) = ended?;
        let mut else_body = None;
        if let End::Else = end {
            let mut e = String::new();
            let p = self.peek_non_space().clone();
            if (ctx == "if" || ctx == "with") && p.kind == Kind::Keyword && p.val == ctx {
                // `{{else if …}}`: an `if` inside the else branch, sharing the `{{end}}`
                self.next();
                self.control(ctx, &mut e)?;
            } else {
                let (end, line) = self.item_list(&mut e)?;
                if let End::Else = end {
                    return self.error_at(line, "expected end; found {{else}}");
                }
            }
            else_body = Some(e);
        }
        self.vars.truncate(vars);
        if ctx == "range" {
            let iter = format!("{RANGE_FN} ({})", pipe.body);
            let range = format!("{{{{range {}{iter}}}}}{body}{{{{end}}}}", pipe.decl);
            match else_body {
                // gtmpl runs a range's else branch even after iterations
                Some(e) => out.push_str(&format!(
                    "{{{{if {iter}}}}}{range}{{{{else}}}}{e}{{{{end}}}}"
                )),
                None => out.push_str(&range),
            }
        } else {
            out.push_str(&format!("{{{{{ctx} {}{}}}}}{body}", pipe.decl, pipe.body));
            if let Some(e) = else_body {
                out.push_str(&format!("{{{{else}}}}{e}"));
            }
            out.push_str("{{end}}");
        }
        Ok(())
    }

    /// Canonical text of tokens `from..to`: spaces (newlines included) become one space.
    fn text(&self, from: usize, to: usize) -> String {
        self.items[from..to.min(self.items.len())]
            .iter()
            .map(|t| {
                if t.kind == Kind::Space {
                    " "
                } else {
                    t.val.as_str()
                }
            })
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// Enters a nested pipeline or block (`max expression depth exceeded` past [`MAX_DEPTH`]).
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let line = self.peek().line;
            return self.error_at(line, "max expression depth exceeded");
        }
        Ok(())
    }

    fn pipeline(&mut self, ctx: &str, end: Kind) -> R<Pipe> {
        self.enter()?;
        let p = self.pipeline_inner(ctx, end);
        self.depth -= 1;
        p
    }

    fn pipeline_inner(&mut self, ctx: &str, end: Kind) -> R<Pipe> {
        let mut decl = String::new();
        self.skip_space();
        if self.peek().kind == Kind::Variable {
            let save = self.i;
            let v = self.next();
            let next = self.peek_non_space().clone();
            if matches!(next.kind, Kind::Declare | Kind::Assign) {
                self.next();
                self.vars.push(v.val.clone());
                decl = format!("{} {} ", v.val, next.val);
            } else if next.kind == Kind::Char && next.val == "," {
                self.next();
                if ctx != "range" {
                    return self.error_at(next.line, format!("too many declarations in {ctx}"));
                }
                let v2 = self.next_non_space();
                if v2.kind != Kind::Variable {
                    return self.error_at(v2.line, "range can only initialize variables");
                }
                let op = self.next_non_space();
                if !matches!(op.kind, Kind::Declare | Kind::Assign) {
                    return self.error_at(op.line, format!("too many declarations in {ctx}"));
                }
                self.vars.push(v.val.clone());
                self.vars.push(v2.val.clone());
                decl = format!("{}, {} {} ", v.val, v2.val, op.val);
            } else {
                self.i = save;
            }
        }
        let body_start = {
            self.skip_space();
            self.i
        };
        let mut cmds: Vec<Kind> = Vec::new();
        loop {
            let t = self.next_non_space();
            if t.kind == end {
                if cmds.is_empty() {
                    return self.error_at(t.line, format!("missing value for {ctx}"));
                }
                for (n, first) in cmds.iter().enumerate().skip(1) {
                    if matches!(
                        first,
                        Kind::Bool
                            | Kind::Dot
                            | Kind::Nil
                            | Kind::Number
                            | Kind::String
                            | Kind::RawString
                    ) {
                        return self.error_at(
                            t.line,
                            format!("non executable command in pipeline stage {}", n + 1),
                        );
                    }
                }
                let body = self.text(body_start, self.i - 1);
                return Ok(Pipe { decl, body });
            }
            match t.kind {
                Kind::Bool
                | Kind::CharConstant
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
                    cmds.push(self.command()?);
                }
                _ => return self.unexpected(&t, ctx),
            }
        }
    }

    /// One command; returns the kind of its first operand.
    fn command(&mut self) -> R<Kind> {
        let mut first = None;
        loop {
            self.skip_space();
            if let Some(k) = self.operand()? {
                first.get_or_insert(k);
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
        match first {
            Some(k) => Ok(k),
            None => {
                let line = self.peek().line;
                self.error_at(line, "empty command")
            }
        }
    }

    fn operand(&mut self) -> R<Option<Kind>> {
        let Some(k) = self.term()? else {
            return Ok(None);
        };
        while self.peek().kind == Kind::Field {
            let f = self.next();
            if matches!(
                k,
                Kind::Bool | Kind::String | Kind::RawString | Kind::Number | Kind::Nil | Kind::Dot
            ) {
                return self.error_at(f.line, format!("unexpected . after term {:?}", f.val));
            }
        }
        Ok(Some(k))
    }

    fn term(&mut self) -> R<Option<Kind>> {
        let t = self.next_non_space();
        match t.kind {
            Kind::Identifier => {
                if !self.funcs.contains(&t.val) {
                    return self.error_at(t.line, format!("function {:?} not defined", t.val));
                }
            }
            Kind::Variable => {
                if !self.vars.contains(&t.val) {
                    return self.error_at(t.line, format!("undefined variable {:?}", t.val));
                }
            }
            Kind::LeftParen => {
                self.pipeline("parenthesized pipeline", Kind::RightParen)?;
            }
            Kind::Dot
            | Kind::Nil
            | Kind::Field
            | Kind::Bool
            | Kind::CharConstant
            | Kind::Number
            | Kind::String
            | Kind::RawString => {}
            _ => {
                self.backup();
                return Ok(None);
            }
        }
        Ok(Some(t.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funcs() -> Vec<String> {
        ["len", "printf", "toJson"].map(String::from).to_vec()
    }

    fn err(t: &str) -> String {
        check(t, &funcs()).unwrap_err()
    }

    #[test]
    fn go_parse_errors() {
        let e = |m: &str| format!("template: format output:{m}");
        assert_eq!(err("{{.Foo"), e("1: unclosed action"));
        assert_eq!(err("a\nb\n{{.Foo"), e("3: unclosed action"));
        assert_eq!(
            err("{{.a\n\"x"),
            e("2: unterminated quoted string in action started at format output:1")
        );
        assert_eq!(err("{{if .a}}x"), e("1: unexpected EOF"));
        assert_eq!(err("{{range .a}}\n\nx"), e("3: unexpected EOF"));
        assert_eq!(err("{{foo .a}}"), e("1: function \"foo\" not defined"));
        assert_eq!(err("x\n{{end}}"), e("2: unexpected {{end}}"));
        assert_eq!(err("{{else}}"), e("1: unexpected {{else}}"));
        assert_eq!(err("{{.a}"), e("1: bad character U+007D '}'"));
        assert_eq!(err("{{.a }"), e("1: unexpected \"}\" in operand"));
        assert_eq!(err("{{}}"), e("1: missing value for command"));
        assert_eq!(err("{{$x}}"), e("1: undefined variable \"$x\""));
        assert_eq!(err("{{/* x"), e("1: unclosed comment"));
        assert_eq!(
            err("{{.a | 1}}"),
            e("1: non executable command in pipeline stage 2")
        );
        assert_eq!(err("{{break}}"), e("1: {{break}} outside {{range}}"));
        let deep = format!("{{{{{}1{}}}}}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(err(&deep), e("1: max expression depth exceeded"));
        let deep = "{{if 1}}".repeat(100_000);
        assert_eq!(err(&deep), e("1: max expression depth exceeded"));
    }

    #[test]
    fn rewrites_for_gtmpl() {
        let ok = |t: &str| check(t, &funcs()).unwrap();
        assert_eq!(ok("a{{.x}}b"), "a{{__oras_print (.x)}}b");
        assert_eq!(ok("{{- .x -}}\n {{/* c */}}"), "{{__oras_print (.x)}}");
        assert_eq!(
            ok("{{$v := .x}}{{$v}}"),
            "{{$v := .x}}{{__oras_print ($v)}}"
        );
        assert_eq!(
            ok("{{range $i, $e := .l}}{{$e}}{{end}}"),
            "{{range $i, $e := __oras_range (.l)}}{{__oras_print ($e)}}{{end}}"
        );
        assert_eq!(
            ok("{{range .l}}x{{else}}y{{end}}"),
            "{{if __oras_range (.l)}}{{range __oras_range (.l)}}x{{end}}{{else}}y{{end}}"
        );
        assert_eq!(
            ok("{{if .a}}1{{else if .b}}2{{else}}3{{end}}"),
            "{{if .a}}1{{else}}{{if .b}}2{{else}}3{{end}}{{end}}"
        );
        assert_eq!(
            ok("{{.a\n | printf \"%s\"}}"),
            "{{__oras_print (.a | printf \"%s\")}}"
        );
    }
}
