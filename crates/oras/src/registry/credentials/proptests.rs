//! Property tests of what a credential helper prints for `get` (the helper is another
//! program: its output is untrusted): any output is a credential or a typed error.

use oras_test_registry::budget;
use proptest::prelude::*;

use super::parse_helper_answer;
use crate::ErrorKind;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9<>:@._ -]{0,16}",
        Just("<token>".to_string()),
        any::<String>(),
    ]
}

/// A JSON string literal for `s`, sometimes with escapes where none are needed.
fn literal(s: &str, escape_all: bool) -> String {
    if escape_all {
        let mut out = String::from("\"");
        for u in s.encode_utf16() {
            out.push_str(&format!("\\u{u:04x}"));
        }
        out.push('"');
        out
    } else {
        serde_json::to_string(s).unwrap()
    }
}

proptest! {
    #![proptest_config(budget::config("credentials: helper answers", 256))]

    /// Any output, from a helper that succeeded or failed.
    #[test]
    fn any_output(ok in any::<bool>(), out in prop_oneof![
        any::<String>(),
        "[{}\\[\\]\":,a-zA-Z0-9 ]{0,40}",
        Just("{\"Username\":null,\"Secret\":[]}".to_string()),
    ]) {
        match parse_helper_answer("fuzz", ok, &out) {
            Ok(c) => prop_assert!(ok || c.is_empty()),
            Err(e) => prop_assert!(matches!(
                e.kind(),
                ErrorKind::Unauthorized | ErrorKind::InvalidInput
            ), "{:?}", e.kind()),
        }
    }

    /// A well-formed answer gives back exactly its user and secret, whatever the fields'
    /// order, escapes and extra fields.
    #[test]
    fn well_formed_answers(
        user in text(),
        secret in text(),
        server in text(),
        user_first in any::<bool>(),
        escape in any::<bool>(),
        extra in any::<bool>(),
    ) {
        let u = format!("\"Username\": {}", literal(&user, escape));
        let s = format!("\"Secret\":{}", literal(&secret, !escape));
        let mut fields = if user_first { vec![u, s] } else { vec![s, u] };
        if extra {
            fields.insert(1, format!("\"ServerURL\":{}", literal(&server, false)));
        }
        let out = format!("{{ {} }}", fields.join(" ,\n"));
        let c = parse_helper_answer("fuzz", true, &out)
            .map_err(|e| TestCaseError::fail(format!("{e}: {out}")))?;
        if user == "<token>" {
            prop_assert_eq!(c.refresh_token, secret);
            prop_assert!(c.username.is_empty() && c.password.is_empty());
        } else {
            prop_assert_eq!(c.username, user);
            prop_assert_eq!(c.password, secret);
        }
    }

    /// A helper that failed: "not found" is no credential, anything else an auth error.
    #[test]
    fn failed_helpers(before in text(), after in text(), not_found in any::<bool>()) {
        let out = if not_found {
            format!("{before}credentials not found in native keychain{after}")
        } else {
            before.clone()
        };
        match parse_helper_answer("fuzz", false, &out) {
            Ok(c) => prop_assert!(c.is_empty() && out.contains("credentials not found in native keychain")),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Unauthorized),
        }
    }
}
