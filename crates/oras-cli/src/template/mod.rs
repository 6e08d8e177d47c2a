//! `--format go-template=…`: Go's `text/template` with the sprig functions oras registers,
//! implemented here: a Go-faithful lexer ([`lex`]) and parser ([`parse`]) with Go's error
//! texts and lines, and an executor ([`exec`]) over the JSON model as Go sees it after oras
//! converts it to `map[string]interface{}` (numbers are `float64`: `{{.size}}` of 1234567
//! prints `1.234567e+06`, as oras prints it).
//!
//! Parsing and execution run on a thread with a large stack of its own, and execution is
//! bounded in stack, work and output, so no template can crash or hang the process.

mod ast;
mod exec;
mod float;
mod funcs;
mod gofmt;
mod json;
mod lex;
mod literal;
mod parse;
mod quote;
mod value;

#[cfg(test)]
mod tests;

use crate::error::{CliError, CliResult};

/// The stack of the template thread.
const STACK_SIZE: usize = 64 << 20;
/// What execution may use of it (the rest is headroom for the deepest frames).
const STACK_BUDGET: usize = STACK_SIZE - (16 << 20);

/// Runs `f` on a thread with a [`STACK_SIZE`] stack.
fn on_template_thread<T: Send>(f: impl FnOnce() -> Result<T, String> + Send) -> Result<T, String> {
    std::thread::scope(|s| {
        let thread = std::thread::Builder::new()
            .name("go-template".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(s, f)
            .map_err(|e| format!("template: cannot start the template thread: {e}"))?;
        thread
            .join()
            .unwrap_or_else(|_| Err("template: execution failed".to_string()))
    })
}

fn parse(text: &str) -> Result<parse::Templates, String> {
    parse::parse(text, &funcs::status, STACK_BUDGET)
}

/// Checks a template before any work is done (`--format go-template=…` parse errors).
pub fn validate(text: &str) -> CliResult {
    on_template_thread(|| parse(text).map(|_| ())).map_err(CliError::new)
}

/// Renders `text` with `model` as dot.
pub fn render(text: &str, model: &serde_json::Value) -> CliResult<String> {
    on_template_thread(|| {
        let t = parse(text)?;
        exec::execute(&t, text, value::Value::from_json(model), STACK_BUDGET)
    })
    .map_err(CliError::new)
}
