//! A lexer for Go's `text/template` syntax that reports what Go's reports, on the lines Go
//! reports them: `unclosed action`, `unclosed comment`, `unterminated quoted string`, `bad
//! character U+0021 '!'`, ….
//! Comments are dropped and trim markers applied here, so the parser sees neither. Every token
//! carries its byte offset, for the `line:column` of execution errors.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    LeftDelim,
    RightDelim,
    Space,
    Identifier,
    /// `block`, `break`, `continue`, `define`, `else`, `end`, `if`, `range`, `template`, `with`.
    Keyword,
    Field,
    Variable,
    Dot,
    Nil,
    Bool,
    Number,
    /// `1+2i`: a complex constant.
    Complex,
    String,
    RawString,
    CharConstant,
    /// Any other printable ASCII character inside an action (`,`, `}`, …).
    Char,
    Pipe,
    LeftParen,
    RightParen,
    Declare,
    Assign,
    Eof,
    /// A lexing error; always the last token.
    Error,
}

/// One token with the line it starts on (1-based) and its byte offset in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    pub val: String,
    pub line: usize,
    pub pos: usize,
}

impl std::fmt::Display for Item {
    /// As Go's parser quotes a token in `unexpected … in …`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            Kind::Eof => f.write_str("EOF"),
            Kind::Error => f.write_str(&self.val),
            Kind::Keyword => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let head: String = self.val.chars().take(10).collect();
                write!(f, "{}...", go_quote(&head))
            }
            _ => f.write_str(&go_quote(&self.val)),
        }
    }
}

/// Go's `%q`.
pub fn go_quote(s: &str) -> String {
    super::quote::quote(s)
}

/// Go's `%#U`: `U+0021 '!'`.
fn go_rune(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{c}'", c as u32)
    }
}

const KEYWORDS: [&str; 10] = [
    "block", "break", "continue", "define", "else", "end", "if", "range", "template", "with",
];

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    line: usize,
    start_line: usize,
    paren_depth: i32,
    items: Vec<Item>,
}

/// Splits a template into tokens; a lexing error ends the list with a [`Kind::Error`] token,
/// otherwise it ends with [`Kind::Eof`].
pub fn lex(input: &str) -> Vec<Item> {
    let mut l = Lexer {
        input,
        pos: 0,
        start: 0,
        line: 1,
        start_line: 1,
        paren_depth: 0,
        items: Vec::new(),
    };
    l.run();
    l.items
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn backup(&mut self, c: char) {
        self.pos -= c.len_utf8();
        if c == '\n' {
            self.line -= 1;
        }
    }

    fn emit(&mut self, kind: Kind) {
        self.items.push(Item {
            kind,
            val: self.input[self.start..self.pos].to_string(),
            line: self.start_line,
            pos: self.start,
        });
        self.ignore();
    }

    /// Drops the pending text, counting its lines.
    fn ignore(&mut self) {
        self.start = self.pos;
        self.start_line = self.line;
    }

    /// Moves over `n` bytes that are known not to start a multi-byte character sequence
    /// boundary problem (delimiters, markers, whitespace).
    fn skip(&mut self, n: usize) {
        let end = self.pos + n;
        while self.pos < end && self.next().is_some() {}
    }

    fn error(&mut self, msg: String) {
        self.items.push(Item {
            kind: Kind::Error,
            val: msg,
            line: self.start_line,
            pos: self.start,
        });
    }

    /// `" -}}"` or `"}}"` at the current position: (is a right delimiter, with trim marker).
    fn at_right_delim(&self) -> (bool, bool) {
        let r = self.rest();
        if r.starts_with(" -}}")
            || r.starts_with("\t-}}")
            || r.starts_with("\r-}}")
            || r.starts_with("\n-}}")
        {
            return (true, true);
        }
        (r.starts_with("}}"), false)
    }

    fn run(&mut self) {
        loop {
            // text up to the next "{{"
            let Some(i) = self.rest().find("{{") else {
                self.pos = self.input.len();
                self.line += self.input[self.start..].matches('\n').count();
                if self.pos > self.start {
                    self.items.push(Item {
                        kind: Kind::Text,
                        val: self.input[self.start..].to_string(),
                        line: self.start_line,
                        pos: self.start,
                    });
                }
                self.start = self.pos;
                self.start_line = self.line;
                self.emit(Kind::Eof);
                return;
            };
            let delim = self.pos + i;
            let after = &self.input[delim + 2..];
            let left_trim = after.starts_with('-') && after[1..].starts_with(is_space);
            let text = &self.input[self.start..delim];
            let kept = if left_trim {
                text.trim_end_matches(is_space)
            } else {
                text
            };
            if !kept.is_empty() {
                self.items.push(Item {
                    kind: Kind::Text,
                    val: kept.to_string(),
                    line: self.start_line,
                    pos: self.start,
                });
            }
            self.line += text.matches('\n').count();
            self.pos = delim;
            self.ignore();
            if !self.left_delim(left_trim) {
                return;
            }
        }
    }

    /// After text: the action or comment at `{{`; false once lexing has ended.
    fn left_delim(&mut self, trim: bool) -> bool {
        self.skip(2);
        let marker = if trim { 2 } else { 0 };
        if self.input[self.pos + marker..].starts_with("/*") {
            self.skip(marker);
            self.ignore();
            return self.comment();
        }
        self.emit(Kind::LeftDelim);
        self.skip(marker);
        self.ignore();
        self.paren_depth = 0;
        self.inside_action()
    }

    fn comment(&mut self) -> bool {
        self.skip(2);
        let Some(i) = self.rest().find("*/") else {
            self.error("unclosed comment".into());
            return false;
        };
        self.skip(i + 2);
        let (delim, trim) = self.at_right_delim();
        if !delim {
            self.error("comment ends before closing delimiter".into());
            return false;
        }
        self.skip(if trim { 4 } else { 2 });
        if trim {
            self.trim_following_space();
        }
        self.ignore();
        true
    }

    fn trim_following_space(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.next();
        }
    }

    fn right_delim(&mut self, trim: bool) -> bool {
        if trim {
            self.skip(2); // space and '-'
            self.ignore();
        }
        self.skip(2);
        self.emit(Kind::RightDelim);
        if trim {
            self.trim_following_space();
            self.ignore();
        }
        true
    }

    /// Tokens of one action, up to and including its right delimiter.
    fn inside_action(&mut self) -> bool {
        loop {
            let (delim, trim) = self.at_right_delim();
            if delim {
                if self.paren_depth == 0 {
                    return self.right_delim(trim);
                }
                self.error("unclosed left paren".into());
                return false;
            }
            let Some(c) = self.next() else {
                self.error("unclosed action".into());
                return false;
            };
            let ok = match c {
                c if is_space(c) => {
                    self.backup(c);
                    self.space()
                }
                '=' => {
                    self.emit(Kind::Assign);
                    true
                }
                ':' => {
                    if self.next() != Some('=') {
                        self.error("expected :=".into());
                        return false;
                    }
                    self.emit(Kind::Declare);
                    true
                }
                '|' => {
                    self.emit(Kind::Pipe);
                    true
                }
                '"' => self.quote(),
                '`' => self.raw_quote(),
                '$' => self.field_or_variable(Kind::Variable),
                '\'' => self.char_constant(),
                '.' => {
                    if self.peek().is_some_and(|d| d.is_ascii_digit()) {
                        self.backup('.');
                        self.number()
                    } else {
                        self.field_or_variable(Kind::Field)
                    }
                }
                '+' | '-' | '0'..='9' => {
                    self.backup(c);
                    self.number()
                }
                c if is_alnum(c) => {
                    self.backup(c);
                    self.identifier()
                }
                '(' => {
                    self.emit(Kind::LeftParen);
                    self.paren_depth += 1;
                    true
                }
                ')' => {
                    self.emit(Kind::RightParen);
                    self.paren_depth -= 1;
                    if self.paren_depth < 0 {
                        self.error("unexpected right paren".into());
                        return false;
                    }
                    true
                }
                c if c.is_ascii() && !c.is_ascii_control() => {
                    self.emit(Kind::Char);
                    true
                }
                c => {
                    self.error(format!("unrecognized character in action: {}", go_rune(c)));
                    false
                }
            };
            if !ok {
                return false;
            }
        }
    }

    fn space(&mut self) -> bool {
        let mut n = 0;
        while self.peek().is_some_and(is_space) {
            // a trim-marked right delimiter starts with its space
            if self.at_right_delim() == (true, true) {
                break;
            }
            self.next();
            n += 1;
        }
        if n > 0 {
            self.emit(Kind::Space);
        }
        true
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with("}}"),
        }
    }

    fn scan_alnum(&mut self) {
        while self.peek().is_some_and(is_alnum) {
            self.next();
        }
    }

    fn bad_character(&mut self) -> bool {
        let c = self.peek().unwrap_or('\0');
        self.error(format!("bad character {}", go_rune(c)));
        false
    }

    fn identifier(&mut self) -> bool {
        self.scan_alnum();
        if !self.at_terminator() {
            return self.bad_character();
        }
        let word = &self.input[self.start..self.pos];
        let kind = match word {
            "true" | "false" => Kind::Bool,
            "nil" => Kind::Nil,
            w if KEYWORDS.contains(&w) => Kind::Keyword,
            _ => Kind::Identifier,
        };
        self.emit(kind);
        true
    }

    /// `.field`, `.` (dot), `$name` or `$`.
    fn field_or_variable(&mut self, kind: Kind) -> bool {
        if self.at_terminator() {
            self.emit(if kind == Kind::Variable {
                Kind::Variable
            } else {
                Kind::Dot
            });
            return true;
        }
        self.scan_alnum();
        if !self.at_terminator() {
            return self.bad_character();
        }
        self.emit(kind);
        true
    }

    fn quote(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    None | Some('\n') => break,
                    Some(_) => {}
                },
                None | Some('\n') => break,
                Some('"') => {
                    self.emit(Kind::String);
                    return true;
                }
                Some(_) => {}
            }
        }
        self.error("unterminated quoted string".into());
        false
    }

    fn raw_quote(&mut self) -> bool {
        loop {
            match self.next() {
                None => {
                    self.error("unterminated raw quoted string".into());
                    return false;
                }
                Some('`') => {
                    self.emit(Kind::RawString);
                    return true;
                }
                Some(_) => {}
            }
        }
    }

    fn char_constant(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    None | Some('\n') => break,
                    Some(_) => {}
                },
                None | Some('\n') => break,
                Some('\'') => {
                    self.emit(Kind::CharConstant);
                    return true;
                }
                Some(_) => {}
            }
        }
        self.error("unterminated character constant".into());
        false
    }

    /// A number, or a complex constant `1+2i`; Go's lexer is as lax (`089`, `0x0.2`) and
    /// leaves the rest to the parser.
    fn number(&mut self) -> bool {
        if !self.scan_number() {
            let text = self.input[self.start..self.pos].to_string();
            self.error(format!("bad number syntax: {}", go_quote(&text)));
            return false;
        }
        if self.peek().is_some_and(|c| c == '+' || c == '-') {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let text = self.input[self.start..self.pos].to_string();
                self.error(format!("bad number syntax: {}", go_quote(&text)));
                return false;
            }
            self.emit(Kind::Complex);
            return true;
        }
        self.emit(Kind::Number);
        true
    }

    fn accept(&mut self, set: &str) -> bool {
        if self.peek().is_some_and(|c| set.contains(c)) {
            self.next();
            return true;
        }
        false
    }

    fn accept_run(&mut self, set: &str) {
        while self.accept(set) {}
    }

    /// Go's `scanNumber`: false when an alphanumeric follows (it is consumed for the message).
    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alnum) {
            self.next();
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last(t: &str) -> (Kind, String, usize) {
        let items = lex(t);
        let i = items.last().unwrap().clone();
        (i.kind, i.val, i.line)
    }

    #[test]
    fn errors_as_go_reports_them() {
        assert_eq!(last("{{.Foo"), (Kind::Error, "unclosed action".into(), 1));
        assert_eq!(
            last("a\nb\n{{.Foo"),
            (Kind::Error, "unclosed action".into(), 3)
        );
        assert_eq!(last("{{/* x"), (Kind::Error, "unclosed comment".into(), 1));
        assert_eq!(
            last("{{\"abc}}"),
            (Kind::Error, "unterminated quoted string".into(), 1)
        );
        assert_eq!(
            last("{{a!}}"),
            (Kind::Error, "bad character U+0021 '!'".into(), 1)
        );
        assert_eq!(
            last("{{(.a}}"),
            (Kind::Error, "unclosed left paren".into(), 1)
        );
        assert_eq!(last("{{.a\n}}"), (Kind::Eof, "".into(), 2));
    }

    #[test]
    fn trim_markers_and_comments() {
        let items = lex("a  {{- .x -}}\n b{{/* c */}}d");
        let texts: Vec<&str> = items
            .iter()
            .filter(|i| i.kind == Kind::Text)
            .map(|i| i.val.as_str())
            .collect();
        assert_eq!(texts, ["a", "b", "d"]);
        assert_eq!(items.last().unwrap().line, 2);
    }
}
