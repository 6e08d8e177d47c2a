//! Writing to stdout and stderr: every byte the CLI prints goes through here, so a closed
//! stdout ends the run the same way everywhere.

use std::io::Write;

/// Exit status of a run whose stdout was closed by its reader (`oras … | head -1`): 128 +
/// SIGPIPE, what a shell reports for a program a broken pipe ended (oras 1.3 dies of the signal).
pub const CLOSED_STDOUT_EXIT: i32 = 141;

/// Ends the process after a failed write to stdout: quietly with [`CLOSED_STDOUT_EXIT`] when the
/// reader is gone, else with an `Error:` line and status 1 (a full disk must not look like
/// success). SIGPIPE stays ignored (credential helpers are spoken to through pipes too), so
/// every stdout write goes through here.
pub fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(CLOSED_STDOUT_EXIT);
    }
    err_out(&format!(
        "Error: failed to write to stdout: {}\n",
        crate::options::io_reason(e)
    ));
    std::process::exit(1);
}

/// Writes to stdout; a closed or failing stdout ends the process ([`stdout_failed`]).
pub fn out(s: &str) {
    out_bytes(s.as_bytes());
}

/// Writes bytes to stdout; a closed or failing stdout ends the process ([`stdout_failed`]).
pub fn out_bytes(b: &[u8]) {
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(b).and_then(|()| o.flush()) {
        stdout_failed(&e);
    }
}

/// Writes to stderr, ignoring failures (there is nowhere left to report them).
pub fn err_out(s: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(s.as_bytes());
    let _ = e.flush();
}

/// An async stdout writer whose failures end the process as [`out_bytes`] does.
pub struct StdoutWriter<W>(pub W);

impl<W: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for StdoutWriter<W> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match std::pin::Pin::new(&mut self.0).poll_write(cx, buf) {
            std::task::Poll::Ready(Err(e)) => stdout_failed(&e),
            other => other,
        }
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match std::pin::Pin::new(&mut self.0).poll_flush(cx) {
            std::task::Poll::Ready(Err(e)) => stdout_failed(&e),
            other => other,
        }
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Prints one line to stdout.
pub fn line(s: impl AsRef<str>) {
    out(&format!("{}\n", s.as_ref()));
}

/// Prints a warning line to stderr.
pub fn warn(s: impl AsRef<str>) {
    err_out(&format!("{}\n", s.as_ref()));
}
