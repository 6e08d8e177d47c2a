//! The registry client against the in-process registry (no docker-registry needed).

use std::time::Duration;

use oras::ErrorKind;
use oras::content::{ReadOnlyStorage, Resolver};
use oras::registry::{ClientOptions, Registry, Repository};
use oras_spec::Descriptor;
use oras_test_registry::inproc::{Auth, Options, TestRegistry};

/// A token is renewed before it expires, so no request goes out with a stale one (a request
/// with a one-shot body could not be sent again after the 401).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_are_renewed_before_they_expire() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Bearer,
        token_lifetime: Some(1),
        ..Default::default()
    });
    let repo = plain_repository(&format!("{}/renew/repo", reg.addr), None);
    let absent = Descriptor::from_bytes("application/octet-stream", b"absent");
    assert!(!repo.exists(&absent).await.unwrap());
    assert_eq!(reg.tokens_issued(), 1);
    assert!(!repo.exists(&absent).await.unwrap());
    assert_eq!(reg.tokens_issued(), 1, "a fresh token is reused");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(!repo.exists(&absent).await.unwrap());
    assert_eq!(reg.tokens_issued(), 2);
    assert_eq!(reg.expired_token_requests(), 0);
}

/// A registry asking for basic auth from a client without a credential fails with
/// MissingCredential: the kind the CLI branches on to point at the credentials file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basic_challenge_without_a_credential_is_missing_credential() {
    let reg = TestRegistry::start(Options {
        auth: Auth::Basic("user".into(), "secret".into()),
        ..Default::default()
    });
    let repo = plain_repository(&format!("{}/locked/repo", reg.addr), None);
    let e = repo.resolve("v1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingCredential);
    assert_eq!(e.message(), "basic credential not found");
}

/// A plain-HTTP repository, anonymous, with the default or this read timeout.
fn plain_repository(name: &str, read_timeout: Option<Duration>) -> Repository {
    let builder = Repository::builder(name).unwrap().plain_http(true);
    match read_timeout {
        Some(t) => builder.read_timeout(Some(t)),
        None => builder,
    }
    .build()
    .unwrap()
}

/// A reader that gives `first`, then waits `pause`, then gives `rest`.
struct PausingReader {
    parts: Vec<Vec<u8>>,
    pause: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl tokio::io::AsyncRead for PausingReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.parts.len() == 1
            && let Some(p) = this.pause.as_mut()
        {
            std::task::ready!(p.as_mut().poll(cx));
            this.pause = None;
        }
        if let Some(part) = this.parts.first_mut() {
            let n = part.len().min(buf.remaining());
            buf.put_slice(&part[..n]);
            part.drain(..n);
            if part.is_empty() {
                this.parts.remove(0);
            }
        }
        std::task::Poll::Ready(Ok(()))
    }
}

/// The read timeout is the library's option; only time spent waiting for the registry counts:
/// a slow request body source and a response body left unread for a while are not timeouts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_timeout_counts_only_waiting_for_the_registry() {
    use oras::content::{BlobSource, Storage};
    use tokio::io::AsyncReadExt;
    let reg = TestRegistry::start(Options::default());
    // generous: the in-process registry (a debug build on a loaded machine) must answer each
    // request within it, while the pauses below are longer still
    let timeout = Duration::from_secs(2);
    let repo = plain_repository(&format!("{}/idle/repo", reg.addr), Some(timeout));

    // an upload whose source pauses longer than the timeout
    let data: Vec<u8> = (0..(3 << 20)).map(|i| (i % 253) as u8).collect();
    let desc = Descriptor::from_bytes("application/octet-stream", &data);
    let source = PausingReader {
        parts: vec![data[..1 << 20].to_vec(), data[1 << 20..].to_vec()],
        pause: Some(Box::pin(tokio::time::sleep(timeout * 2))),
    };
    repo.push(&desc, BlobSource::Reader(Box::pin(source)))
        .await
        .unwrap();

    // a download read halfway, left alone longer than the timeout, then read to the end
    let mut reader = repo.fetch(&desc).await.unwrap();
    let mut head = vec![0u8; 1 << 20];
    reader.read_exact(&mut head).await.unwrap();
    tokio::time::sleep(timeout * 2).await;
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).await.unwrap();
    head.extend(rest);
    assert!(head == data, "the whole blob");
    assert!(
        !reg.requests()
            .iter()
            .any(|q| q.headers.contains_key("range")),
        "no resume was needed"
    );

    // a registry that stops answering is a network error naming the request
    reg.faults(|f| {
        f.stall_requests = Some(oras_test_registry::inproc::Stall {
            method: "HEAD".into(),
            target: String::new(),
            times: usize::MAX,
        })
    });
    let e = repo.exists(&desc).await.unwrap_err();
    assert_eq!(e.kind(), oras::ErrorKind::Network);
    assert!(
        e.message().contains("HEAD") && e.message().contains("read timeout"),
        "{e}"
    );
}

#[test]
fn the_default_read_timeout_is_a_few_minutes() {
    assert_eq!(
        ClientOptions::default().read_timeout,
        Some(oras::registry::DEFAULT_READ_TIMEOUT)
    );
    assert_eq!(
        oras::registry::DEFAULT_READ_TIMEOUT,
        Duration::from_secs(300)
    );
}

/// A registry that answers a mount with an upload session (it will not mount, e.g. the
/// credentials cannot read the source): the session is cancelled, the mount reported as not
/// done (the copy engine then copies the blob), and later blobs are not asked for again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_mount_is_remembered() {
    use oras::content::{BlobSource, Storage};
    let reg = TestRegistry::start(Options::default());
    reg.faults(|f| f.refuse_mounts = true);
    let registry = Registry::builder(&reg.addr)
        .unwrap()
        .plain_http(true)
        .build()
        .unwrap();
    let src = registry.repository("m/src").unwrap().build().unwrap();
    let dst = registry.repository("m/dst").unwrap().build().unwrap();
    let a = Descriptor::from_bytes("application/octet-stream", b"a");
    let b = Descriptor::from_bytes("application/octet-stream", b"b");
    for (d, data) in [(&a, b"a"), (&b, b"b")] {
        src.push(d, BlobSource::Bytes(bytes::Bytes::from_static(data)))
            .await
            .unwrap();
    }
    reg.clear_requests();
    assert!(!dst.mount(&a, "m/src").await.unwrap());
    assert!(!dst.mount(&b, "m/src").await.unwrap());
    let mounts = reg
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.query.contains("mount="))
        .count();
    assert_eq!(mounts, 1, "the refusal is remembered");
    assert!(
        reg.requests().iter().any(|r| r.method == "DELETE"),
        "the upload session the refusal opened is cancelled"
    );
}

/// Bytes streamed ahead that are not the file's (a producer that broke its word): the
/// registry refuses the digest at the closing PUT, that session is cancelled, and the blob
/// goes up from the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_streamed_ahead_that_are_not_the_files_are_replaced_by_the_file() {
    use oras::content::{BlobSource, Storage};
    use std::sync::Arc;
    use tokio::io::AsyncReadExt;
    let reg = TestRegistry::start(Options::default());
    let repo = Arc::new(plain_repository(&format!("{}/ahead/repo", reg.addr), None));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layer.tar.gz");
    let data = vec![7u8; 3 << 20];
    std::fs::write(&path, &data).unwrap();
    let stream = repo
        .clone()
        .stage_stream(&path)
        .expect("a registry streams ahead");
    tokio::task::spawn_blocking(move || assert!(stream.send(&vec![8u8; 3 << 20])))
        .await
        .unwrap();
    let desc = Descriptor::from_bytes("application/vnd.oci.image.layer.v1.tar+gzip", &data);
    repo.push(&desc, BlobSource::File(path)).await.unwrap();

    let mut back = Vec::new();
    let mut reader = repo.fetch(&desc).await.unwrap();
    reader.read_to_end(&mut back).await.unwrap();
    assert!(back == data, "the file's bytes are in the registry");
    let requests = reg.requests();
    let closing: Vec<_> = requests
        .iter()
        .filter(|r| r.method == "PUT" && r.query.contains("digest="))
        .collect();
    assert_eq!(
        closing.len(),
        2,
        "the refused close, then the file's: {requests:#?}"
    );
    assert!(
        requests.iter().any(|r| r.method == "DELETE"),
        "the refused session is cancelled: {requests:#?}"
    );
}

/// A registry that answers in plain HTTP where TLS is expected fails the handshake the same
/// way on every try: one connection, no retries (a refused connection is still retried).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_tls_handshake_is_not_retried() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let answer = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
            let _ = conn.write_all(answer).await;
        }
    });
    // 127.0.0.1 goes over HTTPS unless told otherwise
    let repo = Repository::builder(&format!("{addr}/plain/repo"))
        .unwrap()
        .build()
        .unwrap();
    assert!(repo.resolve("v1").await.is_err());
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// A registry that answered once and then refuses connections (it is restarting) is retried
/// until it listens again; one that never answered is not retried at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_are_retried_only_where_a_registry_answered() {
    use oras::registry::RetryPolicy;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    /// Answers one request on `listener` with a 404 and closes the connection.
    async fn answer_once(listener: &tokio::net::TcpListener) {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = conn.read(&mut buf).await;
        let answer = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        conn.write_all(answer).await.unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let retry = RetryPolicy::default()
        .max_retries(50_u32)
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(20));
    let repo = Repository::builder(&format!("{addr}/restarting/repo"))
        .unwrap()
        .plain_http(true)
        .retry(retry.clone())
        .build()
        .unwrap();
    let absent = Descriptor::from_bytes("application/octet-stream", b"absent");
    let (exists, ()) = tokio::join!(repo.exists(&absent), answer_once(&listener));
    assert!(!exists.unwrap());
    // the registry goes away, and comes back on the same address a little later
    drop(listener);
    let back = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        answer_once(&listener).await;
    });
    assert!(
        !repo.exists(&absent).await.unwrap(),
        "retried until it was back"
    );
    back.await.unwrap();

    // nothing ever listened at this address: the refusal is the answer
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = free.local_addr().unwrap();
    drop(free);
    let repo = Repository::builder(&format!("{nowhere}/nothing/repo"))
        .unwrap()
        .plain_http(true)
        .retry(retry)
        .build()
        .unwrap();
    let e = repo.exists(&absent).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
}
