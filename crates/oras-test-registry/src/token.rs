//! A small token server for distribution's token auth: it mints RS256 JWTs (signed with the
//! `openssl` command) that distribution 2.8 verifies. Anonymous requests get `pull` only;
//! Basic auth with the test user, or the OAuth2 refresh token [`REFRESH_TOKEN`], gets all
//! the actions asked for.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The identity (refresh) token the server accepts.
pub const REFRESH_TOKEN: &str = "test-refresh-token";
pub const ISSUER: &str = "oras-test-issuer";
pub const SERVICE: &str = "oras-test-registry";

/// Base64 (standard or URL-safe without padding).
pub(crate) fn b64(data: &[u8], url: bool) -> String {
    let table: &[u8] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(table[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else if !url {
                out.push('=');
            }
        }
    }
    out
}

fn b64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter_map(val) {
        acc = (acc << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Encodes a query value: everything but unreserved characters as `%XX`.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` in a query value.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len() + 1
            && let Ok(v) = u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Creates the signing key and certificate in `dir`; returns the certificate path.
pub fn make_signing_key(dir: &Path) -> PathBuf {
    let key = dir.join("signing.key");
    let crt = dir.join("signing.crt");
    let st = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-sha256",
            "-days",
            "2",
            "-subj",
            "/CN=oras-test-token-signer",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(
        st.success(),
        "openssl could not create the token signing key"
    );
    crt
}

/// Starts the token server on `127.0.0.1:0` (a thread); returns its address.
pub fn start(dir: &Path, user: &'static str, pass: &'static str) -> String {
    let key = dir.join("signing.key");
    let der = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(dir.join("signing.crt"))
        .output()
        .expect("openssl");
    let x5c = b64(&der.stdout, false);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let key = key.clone();
            let x5c = x5c.clone();
            std::thread::spawn(move || {
                let _ = serve(stream, &key, &x5c, user, pass);
            });
        }
    });
    addr
}

fn serve(
    mut stream: TcpStream,
    key: &Path,
    x5c: &str,
    user: &str,
    pass: &str,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut auth = String::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            match k.to_ascii_lowercase().as_str() {
                "authorization" => auth = v.trim().to_string(),
                "content-length" => length = v.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let target = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let query = target
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default();
    let form = String::from_utf8_lossy(&body).into_owned();
    let params: Vec<(String, String)> = query
        .split('&')
        .chain(form.split('&'))
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), percent_decode(v)))
        })
        .collect();
    let mut authenticated = params
        .iter()
        .any(|(k, v)| k == "refresh_token" && v == REFRESH_TOKEN);
    if let Some(basic) = auth.strip_prefix("Basic ") {
        let decoded = String::from_utf8_lossy(&b64_decode(basic)).into_owned();
        if decoded != format!("{user}:{pass}") {
            return stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
        authenticated = true;
    }
    if params.iter().any(|(k, _)| k == "refresh_token") && !authenticated {
        return stream.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
    let mut access = Vec::new();
    for (k, v) in &params {
        if k != "scope" {
            continue;
        }
        for one in v.split(' ').filter(|s| !s.is_empty()) {
            let (typ, rest) = one.split_once(':').unwrap_or((one, ""));
            let (name, actions) = rest.rsplit_once(':').unwrap_or((rest, ""));
            let granted: Vec<&str> = actions
                .split(',')
                .filter(|a| !a.is_empty() && (authenticated || *a == "pull"))
                .collect();
            access.push(format!(
                "{{\"type\":{typ:?},\"name\":{name:?},\"actions\":{granted:?}}}"
            ));
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = format!("{{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5c\":[\"{x5c}\"]}}");
    let claims = format!(
        "{{\"iss\":\"{ISSUER}\",\"sub\":\"{}\",\"aud\":\"{SERVICE}\",\"exp\":{},\"nbf\":{},\"iat\":{now},\"jti\":\"{now}-{}\",\"access\":[{}]}}",
        if authenticated { user } else { "" },
        now + 300,
        now - 10,
        std::process::id(),
        access.join(",")
    );
    let input = format!(
        "{}.{}",
        b64(header.as_bytes(), true),
        b64(claims.as_bytes(), true)
    );
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-binary", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())?;
    let sig = child.wait_with_output()?.stdout;
    let token = format!("{input}.{}", b64(&sig, true));
    let json = format!("{{\"token\":\"{token}\",\"access_token\":\"{token}\",\"expires_in\":300}}");
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    )
}
