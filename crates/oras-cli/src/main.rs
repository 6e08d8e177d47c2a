//! `oras`: a drop-in replacement for the oras 1.3 command-line tool.

mod commands;
mod error;
mod options;
mod output;
mod progress;
mod template;

use clap::Parser;

fn main() {
    let debug = std::env::args()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "-d" || a == "--debug");
    options::set_debug(debug);
    let code = match commands::Cli::try_parse() {
        Ok(cli) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            match rt.block_on(commands::run(cli)) {
                Ok(()) => 0,
                Err(e) => {
                    eprint!("{}", e.render());
                    1
                }
            }
        }
        Err(e) => commands::render_clap_error(e),
    };
    std::process::exit(code);
}
