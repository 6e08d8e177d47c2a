//! Output: stdout and stderr, status lines drawn from events, `--format` and JSON models.

mod format;
pub mod log;
mod models;
mod status;
mod stdout;

pub use format::{Format, descriptor_model, print_descriptor, print_raw_json};
pub use models::{deletion_model, tagged_model};
pub use status::{COPY_PROMPTS, PULL_PROMPTS, PUSH_PROMPTS, Prompts, StatusPrinter};
pub use stdout::{StdoutWriter, err_out, line, out, out_bytes, warn};
