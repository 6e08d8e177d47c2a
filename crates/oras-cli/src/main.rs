//! `oras`: a drop-in replacement for the oras 1.3 command-line tool.

mod commands;
mod error;
mod help;
mod options;
mod output;
mod progress;
mod template;

use std::ffi::OsString;

fn main() {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Err(e) = error::check_utf8_args(&args) {
        output::err_out(&e.render());
        std::process::exit(1);
    }
    let debug = args
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "-d" || a == "--debug");
    output::log::install(debug);
    let code = match commands::parse(&args) {
        Ok((cli, matches)) => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => match rt.block_on(commands::run(cli)) {
                Ok(()) => 0,
                Err(e) => {
                    let e =
                        e.name_credentials_file(|side| options::credentials_file(&matches, side));
                    output::err_out(&e.render());
                    1
                }
            },
            Err(e) => {
                output::err_out(&format!("Error: failed to start the async runtime: {e}\n"));
                1
            }
        },
        Err(e) => commands::render_clap_error(e),
    };
    std::process::exit(code);
}
