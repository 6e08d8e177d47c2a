//! Property tests of what registries and config files say, through the public API: Docker
//! `config.json`, and, through a scripted server on loopback, `Link` pagination headers and
//! token responses (the client's own parsers are tested in `src/registry/proptests.rs`). No input panics or hangs; parsed values are the ones sent.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oras::ErrorKind;
use oras::registry::auth::Credential;
use oras::registry::credentials::ConfigFile;
use oras::registry::{Client, Repository};
use oras_test_registry::budget;
use oras_test_registry::strategies::json_value;
use proptest::prelude::*;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Docker config.json

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Config files without `credsStore` / `credHelpers` (those run programs), but with every
/// other shape an `auths` entry can take.
fn config_json() -> impl Strategy<Value = Value> {
    let entry = prop_oneof![
        json_value(any::<String>()),
        (
            prop::option::of(prop_oneof![
                any::<String>(),
                prop::collection::vec(any::<u8>(), 0..24).prop_map(|b| {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.encode(b)
                }),
            ]),
            prop::option::of(json_value(any::<String>())),
            prop::option::of(any::<String>()),
            prop::option::of(any::<String>()),
        )
            .prop_map(|(auth, username, identity, registry)| {
                let mut m = serde_json::Map::new();
                if let Some(a) = auth {
                    m.insert("auth".into(), a.into());
                }
                if let Some(u) = username {
                    m.insert("username".into(), u);
                }
                if let Some(i) = identity {
                    m.insert("identitytoken".into(), i.into());
                }
                if let Some(r) = registry {
                    m.insert("registrytoken".into(), r.into());
                }
                Value::Object(m)
            }),
    ];
    let key = prop_oneof![
        Just("localhost:5000".to_string()),
        Just("https://localhost:5000/v1/".to_string()),
        Just("https://index.docker.io/v1/".to_string()),
        any::<String>(),
    ];
    (
        prop::collection::vec((key, entry), 0..4),
        prop::option::of(json_value(any::<String>())),
    )
        .prop_map(|(auths, other)| {
            let mut top = serde_json::Map::new();
            top.insert("auths".into(), Value::Object(auths.into_iter().collect()));
            if let Some(o) = other {
                top.insert("proxies".into(), o);
            }
            Value::Object(top)
        })
}

fn server() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("localhost:5000".to_string()),
        Just("https://index.docker.io/v1/".to_string()),
        "[a-z0-9.:/]{0,16}",
    ]
}

proptest! {
    #![proptest_config(budget::config("credentials: config.json", 128))]

    /// Any file content: loads as a config or fails to, and looking a server up never panics.
    #[test]
    fn any_config_file(
        content in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            config_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            json_value(any::<String>()).prop_map(|v| serde_json::to_vec(&v).unwrap()),
        ],
        server in server(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, &content).unwrap();
        let Ok(cfg) = ConfigFile::load(&path) else { return Ok(()) };
        if let Err(e) = rt().block_on(cfg.get(&server)) {
            prop_assert_eq!(e.kind(), ErrorKind::InvalidInput, "{}", e);
        }
    }

    /// What `login` stores is what is read back, and the rest of the file survives.
    #[test]
    fn stored_credentials_read_back(
        base in config_json(),
        server in server(),
        user in "[^:]{0,12}",
        password in any::<String>(),
        token in prop_oneof![Just(String::new()), any::<String>()],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, serde_json::to_vec(&base).unwrap()).unwrap();
        let cred = Credential {
            username: user.clone(),
            password: password.clone(),
            refresh_token: token.clone(),
            ..Default::default()
        };
        let rt = rt();
        let mut cfg = ConfigFile::load(&path).unwrap();
        rt.block_on(cfg.put(&server, &cred)).unwrap();
        let got = rt.block_on(ConfigFile::load(&path).unwrap().get(&server)).unwrap();
        if token.is_empty() {
            prop_assert_eq!(got, Credential::basic(user, password));
        } else {
            prop_assert_eq!(got.refresh_token, token);
        }
        let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        prop_assert_eq!(saved.get("proxies"), base.get("proxies"));
    }
}

// ---------------------------------------------------------------------------------------------
// a scripted server on loopback: Link headers and token responses

/// Answers each request (`method path`, `Authorization` header) with the bytes the handler
/// returns, one request per connection. Counts requests.
struct Scripted {
    addr: String,
    hits: Arc<AtomicUsize>,
    handler: Arc<Mutex<Handler>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

type Handler = Box<dyn FnMut(&str, Option<&str>, usize) -> Vec<u8> + Send>;

impl Scripted {
    fn start() -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let hits = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Mutex<Handler>> =
            Arc::new(Mutex::new(Box::new(|_, _, _| response(404, &[], b""))));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, hd, st) = (hits.clone(), handler.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let Some((line, auth)) = read_head(&mut conn) else {
                    continue;
                };
                let n = h.fetch_add(1, Ordering::SeqCst);
                let out = (hd.lock().unwrap())(&line, auth.as_deref(), n);
                let _ = conn.write_all(&out);
                let _ = conn.shutdown(std::net::Shutdown::Both);
            }
        });
        Scripted {
            addr,
            hits,
            handler,
            stop,
            thread: Some(thread),
        }
    }

    fn script(&self, f: impl FnMut(&str, Option<&str>, usize) -> Vec<u8> + Send + 'static) {
        *self.handler.lock().unwrap() = Box::new(f);
        self.hits.store(0, Ordering::SeqCst);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The request line and the `Authorization` header of one request.
fn read_head(conn: &mut TcpStream) -> Option<(String, Option<String>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 1 << 16 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let line = lines.next()?.to_string();
    let auth = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("authorization")
            .then(|| v.trim().to_string())
    });
    Some((line, auth))
}

fn response(status: u16, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// A fresh client (its auth cache empty); building one takes tens of milliseconds.
fn client() -> Arc<Client> {
    Arc::new(
        Client::builder()
            .credential(Credential::basic("u", "p"))
            .build()
            .unwrap(),
    )
}

/// One client per test thread, for properties that do not depend on its auth cache.
/// The repository `fuzz/repo` of the registry at `addr` (plain HTTP) through `client`.
fn repo_on(addr: &str, client: Arc<Client>) -> Repository {
    Repository::builder(&format!("{addr}/fuzz/repo"))
        .unwrap()
        .client(client)
        .plain_http(true)
        .build()
        .unwrap()
}

fn shared_client() -> Arc<Client> {
    thread_local! {
        static CLIENT: Arc<Client> = client();
    }
    CLIENT.with(Arc::clone)
}

/// Whether every host a header value could name (after `//`) is a loopback one (or none, as
/// in `file:///`): even if the client followed a link it should not, no request would leave
/// the machine.
fn only_loopback_hosts(value: &[u8]) -> bool {
    let text = String::from_utf8_lossy(value);
    text.match_indices("//").all(|(i, _)| {
        let host = &text[i + 2..];
        host.starts_with('/') || host.starts_with("127.0.0.1:") || host.starts_with("localhost:")
    })
}

/// Bytes an HTTP/1.1 header value may hold (others fail the response before any parser of
/// ours sees it, and the client retries it as a network error, with backoff).
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            8 => 0x20u8..0x7f,
            1 => 0x80u8..=0xff,
            1 => prop::sample::select(b"\t<>;,\"=".to_vec()),
        ],
        0..60,
    )
}

/// `Link` values: URLs to the same origin, another origin or nowhere, with `rel` forms.
fn link_value() -> impl Strategy<Value = String> {
    let target = prop_oneof![
        Just("/v2/fuzz/repo/tags/list?n=1&last=a".to_string()),
        Just("?last=a".to_string()),
        Just("http://@SAME@/v2/fuzz/repo/tags/list?last=a".to_string()),
        Just("http://@OTHER@/v2/fuzz/repo/tags/list?last=a".to_string()),
        Just("//@OTHER@/steal".to_string()),
        Just("https://@SAME@/v2/x".to_string()),
        Just("http://localhost:@PORT@/v2/x".to_string()),
        Just("http://[::1".to_string()),
        Just("javascript:alert(1)".to_string()),
        Just("file:///etc/passwd".to_string()),
        "[a-zA-Z0-9/?&=:%._@\\[\\]-]{0,30}",
    ];
    let rel = prop::sample::select(vec![
        "; rel=\"next\"",
        "; rel=next",
        ";rel=\"next\"",
        "; rel=\"prev\"",
        "; REL=NEXT",
        "",
        "; rel=\"next\"; title=\"x\"",
    ]);
    prop_oneof![
        (target.clone(), rel.clone()).prop_map(|(t, r)| format!("<{t}>{r}")),
        (target.clone(), rel.clone(), target, rel)
            .prop_map(|(a, r1, b, r2)| format!("<{a}>{r1}, <{b}>{r2}")),
    ]
}

proptest! {
    #![proptest_config(budget::config("pagination: Link headers", 64))]

    /// Whatever `Link` a page carries, listing tags ends (a list or a typed error), follows
    /// only same-origin links, and never sends a request to another origin.
    #[test]
    fn link_headers(link in prop_oneof![
        link_value().prop_map(String::into_bytes),
        header_bytes(),
    ]) {
        let (main, other) = fixtures();
        let link = String::from_utf8_lossy(&link)
            .replace("@SAME@", &main.addr)
            .replace("@OTHER@", &other.addr)
            .replace("@PORT@", main.addr.rsplit(':').next().unwrap())
            .into_bytes();
        prop_assume!(only_loopback_hosts(&link));
        main.script(move |_, _, n| {
            if n == 0 {
                response(200, &[("Link", &link)], br#"{"name":"fuzz/repo","tags":["a"]}"#)
            } else {
                response(200, &[], br#"{"name":"fuzz/repo","tags":["b"]}"#)
            }
        });
        other.script(|_, _, _| response(200, &[], br#"{"tags":["stolen"]}"#));
        let repo = repo_on(&main.addr, shared_client());
        let got = rt().block_on(async {
            tokio::time::timeout(Duration::from_secs(60), repo.list_tags(None)).await
        });
        let Ok(got) = got else {
            return Err(TestCaseError::fail("listing tags hung"));
        };
        prop_assert_eq!(other.hits(), 0, "a request went to another origin");
        prop_assert!(main.hits() <= 2, "{} requests", main.hits());
        // a response the client cannot read is retried: the listing may start at "b"
        match got {
            Ok(tags) => prop_assert!(
                tags == ["a"] || tags == ["a", "b"] || tags == ["b"],
                "{:?}", tags
            ),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// Shared servers for the properties above (one pair per test thread would do as well; the
/// handler and counters are reset by each case's `script`).
fn fixtures() -> (Arc<Scripted>, Arc<Scripted>) {
    thread_local! {
        static SERVERS: (Arc<Scripted>, Arc<Scripted>) =
            (Arc::new(Scripted::start()), Arc::new(Scripted::start()));
    }
    SERVERS.with(|s| s.clone())
}

/// Token endpoint answers: JSON of every shape, with `expires_in` of every kind.
fn token_body() -> impl Strategy<Value = Vec<u8>> {
    let expires = prop_oneof![
        Just(Value::Null),
        (0u64..1_000_000).prop_map(Value::from),
        (i64::MIN..0).prop_map(Value::from),
        // lifetimes past what `Instant` holds (see `regression_token_lifetime_beyond_instant`)
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(Value::from("60")),
    ];
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => json_value(any::<String>()).prop_map(|v| serde_json::to_vec(&v).unwrap()),
        4 => (
            prop::option::weighted(
                0.9,
                prop_oneof![
                    4 => "[a-zA-Z0-9._-]{1,16}".prop_map(Value::from),
                    1 => any::<String>().prop_map(Value::from),
                    1 => json_value(any::<String>()),
                ]
            ),
            prop::option::weighted(0.2, any::<String>()),
            prop::option::weighted(0.8, expires),
        )
            .prop_map(|(token, access, expires)| {
                let mut m = serde_json::Map::new();
                if let Some(t) = token {
                    m.insert("token".into(), t);
                }
                if let Some(a) = access {
                    m.insert("access_token".into(), a.into());
                }
                if let Some(e) = expires {
                    m.insert("expires_in".into(), e);
                }
                serde_json::to_vec(&Value::Object(m)).unwrap()
            }),
    ]
}

fn challenge() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => Just(
            "Bearer realm=\"http://@SAME@/token\",service=\"fuzz\",scope=\"repository:fuzz/repo:pull\""
                .as_bytes()
                .to_vec()
        ),
        3 => (
            prop::sample::select(vec!["Bearer", "bearer", "Basic", "Negotiate", ""]),
            prop::sample::select(vec![
                "realm=\"http://@SAME@/token\",service=\"fuzz\",scope=\"repository:fuzz/repo:pull\"",
                "realm=\"http://@SAME@/token\"",
                "realm=@SAME@/token",
                "realm=\"ftp://@SAME@/token\"",
                "realm=\"\"",
                "realm=\"http://@SAME@/token",
                "service=\"fuzz\"",
                "",
            ]),
        )
            .prop_map(|(s, p)| format!("{s} {p}").into_bytes()),
        1 => header_bytes(),
    ]
}

proptest! {
    #![proptest_config(budget::config("auth: challenges and token responses", 40))]

    /// A registry that demands auth with any challenge, and a token endpoint that answers
    /// anything: the request ends with the listing or a typed error, never a panic or a hang.
    #[test]
    fn challenges_and_tokens(challenge in challenge(), token in token_body(), status in prop_oneof![8 => Just(200u16), 1 => Just(401), 1 => Just(404)]) {
        let (main, _) = fixtures();
        let challenge = String::from_utf8_lossy(&challenge)
            .replace("@SAME@", &main.addr)
            .into_bytes();
        prop_assume!(only_loopback_hosts(&challenge));
        main.script(move |line, auth, _| {
            if line.starts_with("GET /token") {
                return response(status, &[], &token);
            }
            match auth {
                Some(a) if a.starts_with("Bearer ") || a.starts_with("Basic ") => {
                    response(200, &[], br#"{"name":"fuzz/repo","tags":["a"]}"#)
                }
                _ => response(401, &[("WWW-Authenticate", &challenge)], br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#),
            }
        });
        let repo = repo_on(&main.addr, client());
        let got = rt().block_on(async {
            tokio::time::timeout(Duration::from_secs(60), repo.list_tags(None)).await
        });
        let Ok(got) = got else {
            return Err(TestCaseError::fail("listing tags hung"));
        };
        prop_assert!(main.hits() <= 8, "{} requests", main.hits());
        match got {
            Ok(tags) => prop_assert_eq!(tags, vec!["a".to_string()]),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// Found by `challenges_and_tokens`: a token endpoint answering
/// `{"token":"-","expires_in":10248191152060857344}` panics the client with "overflow when
/// adding duration to instant" (`Bearer::new` in registry/client.rs added the lifetime to
/// `Instant::now()` unchecked).
#[test]
fn regression_token_lifetime_beyond_instant() {
    let (main, _) = fixtures();
    let challenge = format!(
        "Bearer realm=\"http://{}/token\",service=\"fuzz\"",
        main.addr
    );
    main.script(move |line, auth, _| {
        if line.starts_with("GET /token") {
            return response(
                200,
                &[],
                br#"{"token":"-","expires_in":10248191152060857344}"#,
            );
        }
        match auth {
            Some(a) if a.starts_with("Bearer ") => response(200, &[], br#"{"tags":["a"]}"#),
            _ => response(401, &[("WWW-Authenticate", challenge.as_bytes())], b""),
        }
    });
    let repo = repo_on(&main.addr, client());
    let got = rt().block_on(repo.list_tags(None));
    assert_eq!(got.unwrap(), ["a"]);
}
