//! Test support: starts Debian's `docker-registry` (CNCF distribution 2.8) on `127.0.0.1:0`
//! with its own storage, in plain HTTP, htpasswd (basic auth) or TLS mode. Each instance is
//! stopped (by its PID) when dropped. Nothing depends on a fixed port.
//!
//! ```no_run
//! let reg = oras_test_registry::Distribution::start(oras_test_registry::Mode::Plain);
//! println!("registry at {}", reg.addr);
//! ```

pub mod budget;
pub mod inproc;
pub mod strategies;
pub mod token;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Username of the basic-auth modes.
pub const USER: &str = "testuser";
/// Password of the basic-auth modes.
pub const PASS: &str = "testpass";

/// How the registry is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Plain HTTP, no auth.
    Plain,
    /// Plain HTTP with htpasswd basic auth ([`USER`] / [`PASS`]).
    Basic,
    /// HTTPS with a throwaway CA (see [`Distribution::ca_file`]), no auth.
    Tls,
    /// [`Mode::Tls`] that also requires a client certificate signed by its CA (see
    /// [`Distribution::client_cert`]).
    MutualTls,
    /// Plain HTTP with token auth: a token server ([`token`]) on another port mints JWTs;
    /// anonymous clients may pull, [`USER`] / [`PASS`] or [`token::REFRESH_TOKEN`] may push.
    Token,
    /// [`Mode::Plain`] with deletion disabled (every `DELETE` is refused), as registries are
    /// by default.
    NoDelete,
}

/// A running registry.
pub struct Distribution {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    /// Its storage and configuration.
    pub dir: tempfile::TempDir,
    mode: Mode,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes a CA and a server certificate for localhost / 127.0.0.1 into `dir`.
fn make_tls(dir: &Path) {
    let p = |n: &str| dir.join(n).display().to_string();
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
        ])
        .args([
            "-keyout",
            &p("ca.key"),
            "-out",
            &p("ca.crt"),
            "-subj",
            "/CN=oras-test-ca",
        ]));
    run(Command::new("openssl")
        .args([
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args([
            "-keyout",
            &p("server.key"),
            "-out",
            &p("server.csr"),
            "-subj",
            "/CN=localhost",
        ]));
    std::fs::write(dir.join("ext.cnf"), "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n").unwrap();
    run(Command::new("openssl")
        .args([
            "x509",
            "-req",
            "-in",
            &p("server.csr"),
            "-CA",
            &p("ca.crt"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
        ])
        .args([
            "-days",
            "2",
            "-out",
            &p("server.crt"),
            "-extfile",
            &p("ext.cnf"),
        ]));
}

/// Writes a client certificate signed by the CA of [`make_tls`] into `dir`.
fn make_client_cert(dir: &Path) {
    let p = |n: &str| dir.join(n).display().to_string();
    run(Command::new("openssl")
        .args([
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args([
            "-nodes",
            "-keyout",
            &p("client.key"),
            "-out",
            &p("client.csr"),
        ])
        .args(["-subj", "/CN=oras-test-client"]));
    std::fs::write(
        dir.join("client.cnf"),
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    run(Command::new("openssl")
        .args(["x509", "-req", "-in", &p("client.csr"), "-CA", &p("ca.crt")])
        .args(["-CAkey", &p("ca.key"), "-CAcreateserial", "-days", "2"])
        .args(["-out", &p("client.crt"), "-extfile", &p("client.cnf")]));
}

impl Distribution {
    /// Starts a registry; panics with its log if it does not come up within 10 s.
    pub fn start(mode: Mode) -> Distribution {
        let dir = tempfile::Builder::new()
            .prefix("oras-registry-")
            .tempdir()
            .expect("tempdir");
        let root = dir.path();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: {}\n  maintenance:\n    uploadpurging:\n      enabled: false\nhttp:\n  addr: 127.0.0.1:0\n  secret: oras-test-secret\n",
            root.join("data").display(),
            mode != Mode::NoDelete
        );
        if matches!(mode, Mode::Tls | Mode::MutualTls) {
            make_tls(root);
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                root.join("server.crt").display(),
                root.join("server.key").display()
            ));
        }
        if mode == Mode::MutualTls {
            make_client_cert(root);
            config.push_str(&format!(
                "    clientcas:\n      - {}\n",
                root.join("ca.crt").display()
            ));
        }
        if mode == Mode::Token {
            let crt = token::make_signing_key(root);
            let addr = token::start(root, USER, PASS);
            config.push_str(&format!(
                "auth:\n  token:\n    realm: http://{addr}/token\n    service: {}\n    issuer: {}\n    rootcertbundle: {}\n",
                token::SERVICE,
                token::ISSUER,
                crt.display()
            ));
        }
        if mode == Mode::Basic {
            let out = Command::new("htpasswd")
                .args(["-Bbn", USER, PASS])
                .output()
                .expect("htpasswd (apt-get install apache2-utils)");
            assert!(out.status.success());
            std::fs::write(root.join("htpasswd"), out.stdout).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: test-realm\n    path: {}\n",
                root.join("htpasswd").display()
            ));
        }
        std::fs::write(root.join("config.yml"), config).unwrap();
        let mut child = Command::new("docker-registry")
            .arg("serve")
            .arg(root.join("config.yml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("docker-registry (apt-get install docker-registry)");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some(i) = line.find("listening on ") {
                    let addr: String = line[i + 13..]
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                        .collect();
                    let _ = tx.send(Ok(addr));
                    sent = true;
                } else if !sent {
                    let _ = tx.send(Err(line));
                }
            }
        });
        let mut log = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(Ok(addr)) => {
                    return Distribution {
                        child,
                        addr,
                        dir,
                        mode,
                    };
                }
                Ok(Err(line)) => log.push(line),
                Err(_) => {
                    let _ = child.kill();
                    panic!("docker-registry did not start:\n{}", log.join("\n"));
                }
            }
        }
    }

    /// `localhost:<port>`: oras speaks plain HTTP to `localhost` by default.
    pub fn localhost(&self) -> String {
        self.addr.replace("127.0.0.1", "localhost")
    }

    /// The CA certificate of a TLS registry.
    pub fn ca_file(&self) -> Option<PathBuf> {
        matches!(self.mode, Mode::Tls | Mode::MutualTls).then(|| self.dir.path().join("ca.crt"))
    }

    /// The client certificate and key (PEM files) a [`Mode::MutualTls`] registry accepts.
    pub fn client_cert(&self) -> Option<(PathBuf, PathBuf)> {
        (self.mode == Mode::MutualTls).then(|| {
            (
                self.dir.path().join("client.crt"),
                self.dir.path().join("client.key"),
            )
        })
    }

    /// Where the registry stores blobs and manifests.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for Distribution {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
