//! Property tests of the registry client's parsers of what registries send:
//! `WWW-Authenticate` challenges and scopes, registry error bodies and `Content-Range`. No input
//! panics; parsed values are the ones sent. (Config files, `Link` pages and token responses are
//! tested through the public API in `tests/proptests.rs`.)

use oras_test_registry::budget;
use oras_test_registry::strategies::json_value;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::ErrorKind;
use crate::registry::auth::{Challenge, clean_scopes, parse_challenge};
use crate::registry::errcode::{has_code, response_error};
use crate::registry::resume::content_range_start;

// ---------------------------------------------------------------------------------------------
// WWW-Authenticate and scopes

/// A quoted-string for `v`: backslashes and quotes escaped, sometimes other characters too.
fn quoted(v: &str, escape_more: bool) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        if c == '"' || c == '\\' || (escape_more && c.is_ascii_alphabetic()) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn param_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9:/._ ,=\"\\\\-]{0,24}",
        Just("http://127.0.0.1:5000/token".to_string()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(budget::config("auth: parse_challenge", 512))]

    /// Any header value.
    #[test]
    fn any_challenge(header in prop_oneof![
        any::<String>(),
        "(Basic|Bearer|bearer|BEARER|Digest|) ?[a-z]{0,6}=?\"?[a-z ,=\"\\\\]{0,20}",
    ]) {
        let _ = parse_challenge(&header);
    }

    /// A Bearer challenge built from any realm, service, scopes and error gives them back,
    /// whatever the scheme's case, spacing, parameter order and extra parameters.
    #[test]
    fn bearer_parameters(
        scheme in prop::sample::select(vec!["Bearer", "bearer", "BEARER", "bEaReR"]),
        realm in param_value(),
        service in param_value(),
        scopes in prop::collection::vec("[a-z0-9:/,*._-]{1,20}", 0..4),
        error in param_value(),
        order in Just(vec![0usize, 1, 2, 3]).prop_shuffle(),
        key_case in any::<bool>(),
        escape_more in any::<bool>(),
        gap in prop::sample::select(vec![",", ", ", " , ", ",,"]),
        extra in prop::option::of(("[a-z]{1,6}", param_value())),
    ) {
        let key = |k: &str| if key_case { k.to_ascii_uppercase() } else { k.to_string() };
        let scope = scopes.join(" ");
        let all = [
            ("realm", &realm),
            ("service", &service),
            ("scope", &scope),
            ("error", &error),
        ];
        let mut params: Vec<String> = order
            .iter()
            .map(|&i| format!("{}={}", key(all[i].0), quoted(all[i].1, escape_more)))
            .collect();
        if let Some((k, v)) = &extra
            && !["realm", "service", "scope", "error"].contains(&k.as_str())
        {
            params.insert(1, format!("{k}={}", quoted(v, false)));
        }
        let header = format!("{scheme} {}", params.join(gap));
        match parse_challenge(&header) {
            Challenge::Bearer { realm: r, service: s, scopes: sc, error: e } => {
                prop_assert_eq!(r, realm);
                prop_assert_eq!(s, service);
                prop_assert_eq!(e, error);
                let want: Vec<String> = scope
                    .split(' ')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect();
                prop_assert_eq!(sc, want);
            }
            other => prop_assert!(false, "{:?} from {}", other, header),
        }
    }

    /// Scope merging is idempotent and sorted, whatever the scopes (some come from servers).
    #[test]
    fn scopes(scopes in prop::collection::vec(prop_oneof![
        any::<String>(),
        "(repository|registry):[a-z/:]{0,8}:[a-z,*]{0,12}",
    ], 0..6)) {
        let once = clean_scopes(&scopes);
        prop_assert!(once.windows(2).all(|w| w[0] <= w[1]));
        prop_assert_eq!(clean_scopes(&once), once);
    }
}

// ---------------------------------------------------------------------------------------------
// registry error bodies

fn error_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..128),
        json_value(any::<String>()).prop_map(|v| serde_json::to_vec(&v).unwrap()),
        prop::collection::vec(
            (
                prop_oneof![
                    json_value(any::<String>()),
                    "[A-Z_]{0,16}".prop_map(Value::from)
                ],
                json_value(any::<String>()),
                prop::option::of(json_value(any::<String>())),
            ),
            0..3
        )
        .prop_map(|entries| {
            let errors: Vec<Value> = entries
                .into_iter()
                .map(|(code, message, detail)| {
                    let mut e = json!({"code": code, "message": message});
                    if let Some(d) = detail {
                        e["detail"] = d;
                    }
                    e
                })
                .collect();
            serde_json::to_vec(&json!({ "errors": errors })).unwrap()
        }),
    ]
}

proptest! {
    #![proptest_config(budget::config("errcode: registry error bodies", 384))]

    /// Any body and status: an error of the status's kind that names the request.
    #[test]
    fn error_bodies(
        body in error_body(),
        status in prop_oneof![Just(401u16), Just(403), Just(404), Just(405), Just(429), 100u16..600],
        code in "[A-Z_]{0,12}",
    ) {
        let url = url::Url::parse("http://127.0.0.1:5000/v2/a/manifests/x").unwrap();
        let e = response_error("GET", &url, status, &body);
        let want = match status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Denied,
            404 => ErrorKind::NotFound,
            405 => ErrorKind::Unsupported,
            _ => ErrorKind::Network,
        };
        prop_assert_eq!(e.kind(), want);
        let prefix = format!(
            "GET \"http://127.0.0.1:5000/v2/a/manifests/x\": response status code {status}: "
        );
        prop_assert!(e.to_string().starts_with(&prefix), "{}", e);
        let r = e.registry_response().expect("registry response");
        prop_assert_eq!(r.status, status);
        prop_assert_eq!(r.host.as_str(), "127.0.0.1:5000");
        let _ = has_code(&body, &code);
    }
}

// ---------------------------------------------------------------------------------------------
// Content-Range

fn response_with(name: &str, value: &[u8]) -> Option<reqwest::Response> {
    let v = http::HeaderValue::from_bytes(value).ok()?;
    let r = http::Response::builder()
        .status(206)
        .header(name, v)
        .body(Vec::<u8>::new())
        .ok()?;
    Some(reqwest::Response::from(r))
}

proptest! {
    #![proptest_config(budget::config("resume: Content-Range", 384))]

    /// Any header value: the first byte of `bytes <start>-…` or nothing.
    #[test]
    fn any_content_range(value in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..40),
        "(bytes |bytes=|)[0-9 -]{0,24}(/[0-9*]{0,6})?".prop_map(String::into_bytes),
        "bytes [0-9]{18,24}-[0-9]{0,4}/[0-9]{0,4}".prop_map(String::into_bytes),
    ]) {
        if let Some(resp) = response_with("Content-Range", &value)
            && let Some(start) = content_range_start(&resp)
        {
            let text = String::from_utf8_lossy(&value).into_owned();
            let first = text
                .strip_prefix("bytes ")
                .and_then(|r| r.split('-').next())
                .and_then(|n| n.parse::<u64>().ok());
            prop_assert_eq!(first, Some(start), "{}", text);
        }
    }

    /// A well-formed range gives its start back.
    #[test]
    fn well_formed_content_range(start in any::<u64>(), len in any::<u64>(), total in prop::option::of(any::<u64>())) {
        let end = start.saturating_add(len);
        let total = total.map_or("*".to_string(), |t| t.to_string());
        let value = format!("bytes {start}-{end}/{total}");
        let resp = response_with("Content-Range", value.as_bytes()).unwrap();
        prop_assert_eq!(content_range_start(&resp), Some(start));
    }
}
