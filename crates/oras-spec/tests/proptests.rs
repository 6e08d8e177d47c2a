//! Property tests of the parsers of untrusted input in `oras-spec` (references, digests,
//! platforms, descriptors, manifests, indexes, the successor view) and of the Go-compatible
//! JSON writer: no input panics, and whatever we write parses back equal.

use std::collections::BTreeMap;

use oras_spec::descriptor::{Extra, Platform};
use oras_spec::reference::{is_valid_repository, is_valid_tag};
use oras_spec::{
    Algorithm, Descriptor, Digest, ImageIndex, ImageManifest, LayoutReference, Reference,
    SuccessorView, gojson, media_type, split_file_ref,
};
use oras_test_registry::budget;
use proptest::prelude::*;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// strategies

/// Strings rich in what parsers and the JSON writer treat specially.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9./:@_+-]{0,16}",
        2 => "[<>&\"\\\\\u{2028}\u{2029}\u{0}-\u{1f}\u{7f}\u{e9}\u{1F600}a-z ]{0,12}",
        1 => any::<String>(),
    ]
}

fn digest() -> impl Strategy<Value = Digest> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 32).prop_map(|b| (Algorithm::Sha256, b)),
        prop::collection::vec(any::<u8>(), 48).prop_map(|b| (Algorithm::Sha384, b)),
        prop::collection::vec(any::<u8>(), 64).prop_map(|b| (Algorithm::Sha512, b)),
    ]
    .prop_map(|(alg, bytes)| {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Digest::parse(&format!("{}:{hex}", alg.name())).expect("generated digest")
    })
}

/// Any JSON value (finite numbers), a few levels deep.
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        (-1000i32..1000, 0u32..1000).prop_map(|(a, b)| Value::from(a as f64 + b as f64 / 1000.0)),
        tricky_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((tricky_string(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Unknown fields: keys that no modelled field uses (parsing never puts those in `extra`).
fn extra() -> BoxedStrategy<Extra> {
    prop::collection::vec(("x-[a-zA-Z<&]{0,6}", json_value()), 0..2)
        .prop_map(|kv| kv.into_iter().collect())
        .boxed()
}

fn annotations() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(tricky_string(), tricky_string(), 0..4)
}

fn platform() -> BoxedStrategy<Platform> {
    (
        tricky_string(),
        tricky_string(),
        tricky_string(),
        prop::collection::vec(tricky_string(), 0..3),
        tricky_string(),
        extra(),
    )
        .prop_map(
            |(architecture, os, os_version, os_features, variant, extra)| Platform {
                architecture,
                os,
                os_version,
                os_features,
                variant,
                extra,
            },
        )
        .boxed()
}

fn media_type_string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(media_type::MANIFEST_TYPES.to_vec()).prop_map(str::to_string),
        Just(media_type::EMPTY_JSON.to_string()),
        tricky_string(),
    ]
}

fn descriptor() -> BoxedStrategy<Descriptor> {
    (
        media_type_string(),
        digest(),
        any::<u64>(),
        prop::collection::vec(tricky_string(), 0..2),
        annotations(),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..24)),
        prop::option::of(platform()),
        prop_oneof![Just(String::new()), tricky_string()],
        extra(),
    )
        .prop_map(
            |(
                media_type,
                digest,
                size,
                urls,
                annotations,
                data,
                platform,
                artifact_type,
                extra,
            )| {
                Descriptor {
                    media_type,
                    digest,
                    size,
                    urls,
                    annotations,
                    data,
                    platform,
                    artifact_type,
                    extra,
                }
            },
        )
        .boxed()
}

fn manifest() -> BoxedStrategy<ImageManifest> {
    (
        prop_oneof![Just(2u32), any::<u32>()],
        media_type_string(),
        prop_oneof![Just(String::new()), tricky_string()],
        descriptor(),
        prop::collection::vec(descriptor(), 0..3),
        prop::option::of(descriptor()),
        annotations(),
        extra(),
    )
        .prop_map(
            |(
                schema_version,
                media_type,
                artifact_type,
                config,
                layers,
                subject,
                annotations,
                extra,
            )| {
                ImageManifest {
                    schema_version,
                    media_type,
                    artifact_type,
                    config,
                    layers,
                    subject,
                    annotations,
                    extra,
                }
            },
        )
        .boxed()
}

fn index() -> BoxedStrategy<ImageIndex> {
    (
        prop_oneof![Just(2u32), any::<u32>()],
        media_type_string(),
        prop_oneof![Just(String::new()), tricky_string()],
        prop::collection::vec(descriptor(), 0..3),
        prop::option::of(descriptor()),
        annotations(),
        extra(),
    )
        .prop_map(
            |(
                schema_version,
                media_type,
                artifact_type,
                manifests,
                subject,
                annotations,
                extra,
            )| {
                ImageIndex {
                    schema_version,
                    media_type,
                    artifact_type,
                    manifests,
                    subject,
                    annotations,
                    extra,
                }
            },
        )
        .boxed()
}

/// Byte-level damage to a valid document.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(p, x)| Edit::Flip(p, x)),
        any::<usize>().prop_map(Edit::Cut),
        (
            any::<usize>(),
            prop_oneof![
                prop::sample::select(vec![
                    &b"{"[..],
                    b"}",
                    b"[",
                    b"]",
                    b",",
                    b":",
                    b"\"",
                    b"\\u0000",
                    b"\\ud800",
                    b"null",
                    b"-1",
                    b"1e999",
                    b"18446744073709551616",
                    b"\"digest\":\"sha256:x\",",
                    b"\"mediaType\":{},",
                    b"\xff",
                ])
                .prop_map(<[u8]>::to_vec),
                prop::collection::vec(any::<u8>(), 1..8),
            ]
        )
            .prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), 1usize..16).prop_map(|(p, n)| Edit::Delete(p, n)),
    ]
}

fn apply(doc: &mut Vec<u8>, e: &Edit) {
    let len = doc.len();
    match e {
        Edit::Flip(p, x) if len > 0 => doc[p % len] ^= x,
        Edit::Cut(p) => doc.truncate(p % (len + 1)),
        Edit::Insert(p, b) => {
            let at = p % (len + 1);
            doc.splice(at..at, b.iter().copied());
        }
        Edit::Delete(p, n) if len > 0 => {
            let at = p % len;
            doc.drain(at..(at + n).min(len));
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// helpers

/// What the Go writer must never emit raw inside JSON (Go escapes them).
fn assert_go_escaped(bytes: &[u8]) -> Result<(), TestCaseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']),
        "unescaped character in {}",
        text
    );
    Ok(())
}

/// `value` written compactly and indented parses back equal; `indent` of the compact form is
/// the indented form (Go: `json.Indent(json.Marshal(v))` is `json.MarshalIndent(v)`).
fn check_writer<T>(value: &T) -> Result<(), TestCaseError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let compact = gojson::to_vec(value);
    assert_go_escaped(&compact)?;
    let back: T = serde_json::from_slice(&compact)
        .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&compact))))?;
    prop_assert_eq!(&back, value);
    let pretty = gojson::to_vec_pretty(value);
    assert_go_escaped(&pretty)?;
    let back: T =
        serde_json::from_slice(&pretty).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, value);
    let indented = gojson::indent(&compact).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(
        String::from_utf8_lossy(&indented),
        String::from_utf8_lossy(&pretty)
    );
    Ok(())
}

/// Parses `bytes` as every document type; what parses is written again and reads back equal,
/// and the successor view answers for every media type.
fn check_parsers(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(m) = serde_json::from_slice::<ImageManifest>(bytes) {
        check_writer(&m)?;
    }
    if let Ok(i) = serde_json::from_slice::<ImageIndex>(bytes) {
        check_writer(&i)?;
    }
    if let Ok(d) = serde_json::from_slice::<Descriptor>(bytes) {
        check_writer(&d)?;
        let _ = (d.title(), d.is_manifest(), d.key(), d.plain());
    }
    if let Ok(p) = serde_json::from_slice::<Platform>(bytes) {
        check_writer(&p)?;
    }
    if let Ok(v) = SuccessorView::parse(bytes) {
        for mt in media_type::MANIFEST_TYPES.iter().copied().chain([
            v.media_type.as_str(),
            "",
            "text/plain",
        ]) {
            let _ = v.successors(mt);
        }
        let _ = v.referrer_artifact_type();
    }
    // `indent` validates as Go's `json.Indent` does (lone surrogate escapes pass, as in Go);
    // its output is valid in the same way and holds the same value
    match gojson::indent(bytes) {
        Ok(out) => {
            prop_assert!(serde_json::from_slice::<serde::de::IgnoredAny>(&out).is_ok());
            if let Ok(a) = serde_json::from_slice::<Value>(bytes) {
                let b: Value = serde_json::from_slice(&out).map_err(|e| {
                    TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&out)))
                })?;
                prop_assert_eq!(a, b);
            }
        }
        Err(_) => prop_assert!(serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err()),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// references, digests, platforms, media types

fn reference_like() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        3 => "[a-zA-Z0-9:/@._\\-\\[\\]%]{0,40}",
        3 => (
            prop_oneof![
                "[a-z0-9.-]{1,10}(:[0-9]{1,5})?",
                Just("[::1]:5000".to_string()),
                Just("localhost".to_string()),
                "\\[[0-9a-f:]{0,8}\\]?(:[0-9]{0,3})?",
            ],
            "[a-z0-9]{1,4}(([._]|__|-+)[a-z0-9]{1,3}){0,2}(/[a-z0-9]{1,4}){0,2}",
            prop_oneof![
                Just(String::new()),
                "[\\w][\\w.-]{0,130}".prop_map(|t| format!(":{t}")),
                digest().prop_map(|d| format!("@{d}")),
                (any::<bool>(), digest()).prop_map(|(t, d)| format!("{}@{d}", if t { ":v1" } else { "" })),
                "[@:][a-z0-9:]{0,70}",
            ],
        )
            .prop_map(|(r, p, t)| format!("{r}/{p}{t}")),
    ]
}

proptest! {
    #![proptest_config(budget::config("references: registry, layout, file", 384))]

    /// Any string: a reference or an error; a parsed reference is printed as one that parses
    /// to the same parts.
    #[test]
    fn reference_parse(raw in reference_like()) {
        if let Ok(r) = Reference::parse(&raw) {
            prop_assert!(!r.registry.is_empty());
            prop_assert!(is_valid_repository(&r.repository));
            if !r.reference.is_empty() {
                prop_assert!(r.digest().is_some() || is_valid_tag(&r.reference));
            }
            let shown = r.to_string();
            let again = Reference::parse(&shown);
            prop_assert_eq!(again.as_ref(), Ok(&r), "{}", shown);
            let _ = (r.repository_path(), r.host());
        }
    }

    /// Layout references and file arguments split into parts that give back the input.
    #[test]
    fn layout_and_file_refs(raw in reference_like()) {
        if let Ok(l) = LayoutReference::parse(&raw) {
            prop_assert!(!l.path.is_empty());
            let whole = [
                l.path.clone(),
                format!("{}@{}", l.path, l.reference),
                format!("{}:{}", l.path, l.reference),
            ];
            prop_assert!(whole.contains(&raw), "{:?} from {:?}", l, raw);
        }
        if let Ok((path, mt)) = split_file_ref(&raw) {
            prop_assert!(!path.is_empty());
            let whole = format!("{path}:{mt}");
            prop_assert!(raw == path || raw == whole, "{:?} from {:?}", (path, mt), raw);
        }
        let _ = media_type::is_valid(&raw);
    }
}

fn digest_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9+._-]{0,8}:[a-zA-Z0-9=_-]{0,130}",
        "(sha256|sha384|sha512|SHA256|md5):[0-9a-fA-F]{60,130}",
        digest().prop_map(|d| d.to_string()),
    ]
}

proptest! {
    #![proptest_config(budget::config("digest: Digest::parse", 512))]

    /// Any string: a digest that prints as the input, or an error.
    #[test]
    fn digest_parse(raw in digest_like()) {
        if let Ok(d) = Digest::parse(&raw) {
            prop_assert_eq!(d.to_string(), raw.clone());
            let _ = d.short();
            let json = serde_json::to_string(&d).unwrap();
            prop_assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
        }
        let _ = serde_json::from_value::<Digest>(Value::String(raw));
    }

    /// Every well-formed digest parses, whatever the algorithm.
    #[test]
    fn digest_generated(d in digest()) {
        prop_assert_eq!(Digest::parse(&d.to_string()), Ok(d));
    }
}

proptest! {
    #![proptest_config(budget::config("platform: Platform::parse", 256))]

    /// Any `--platform` value: a platform with an OS and an architecture, or an error.
    #[test]
    fn platform_parse(raw in prop_oneof![any::<String>(), "[a-z0-9/:.]{0,20}"]) {
        if let Ok(p) = Platform::parse(&raw) {
            prop_assert!(!p.os.is_empty() && !p.architecture.is_empty());
            prop_assert!(p.matches(&p));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// descriptors, manifests, indexes, the successor view, the Go writer

proptest! {
    #![proptest_config(budget::config("gojson: writer round trip", 96))]

    /// Manifests we create are written the Go way and parse back equal.
    #[test]
    fn manifest_round_trip(m in manifest()) {
        check_writer(&m)?;
    }

    /// So are indexes (and `index.json`).
    #[test]
    fn index_round_trip(i in index()) {
        check_writer(&i)?;
    }

    /// Any JSON value (models printed with `--format json`, unknown fields carried along).
    #[test]
    fn value_round_trip(v in json_value()) {
        check_writer(&v)?;
    }
}

proptest! {
    #![proptest_config(budget::config("manifest: parsing hostile documents", 192))]

    /// Random bytes.
    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check_parsers(&bytes)?;
    }

    /// Valid manifests and indexes, damaged.
    #[test]
    fn damaged_documents(
        doc in prop_oneof![
            manifest().prop_map(|m| gojson::to_vec(&m)),
            index().prop_map(|i| gojson::to_vec_pretty(&i)),
            descriptor().prop_map(|d| gojson::to_vec(&d)),
        ],
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut doc = doc;
        for e in &edits {
            apply(&mut doc, e);
        }
        check_parsers(&doc)?;
    }

    /// Well-formed JSON of the wrong shape (fields of the wrong type, nesting, huge numbers).
    #[test]
    fn odd_json(v in json_value(), key in prop::sample::select(vec![
        "mediaType", "digest", "size", "config", "layers", "manifests", "subject",
        "annotations", "data", "platform", "blobs", "artifactType", "schemaVersion", "urls",
    ])) {
        let mut obj = serde_json::Map::new();
        obj.insert(key.to_string(), v.clone());
        check_parsers(&serde_json::to_vec(&Value::Object(obj)).unwrap())?;
        check_parsers(&serde_json::to_vec(&v).unwrap())?;
    }
}

/// Deep nesting is refused by the parsers' recursion limit instead of overflowing the stack.
#[test]
fn deep_nesting_is_an_error() {
    for open in ["[", "{\"a\":"] {
        let doc = open.repeat(100_000);
        assert!(check_parsers(doc.as_bytes()).is_ok());
        assert!(gojson::indent(doc.as_bytes()).is_err());
    }
}

/// Found by `index_round_trip` and `odd_json`: serde_json's default float parsing is not exact,
/// so an unknown field such as `{"x":-1.0006366474123685e+117}` in an `index.json` came back
/// as `-1.0006366474123683e+117` after a read-modify-write. The `float_roundtrip` feature
/// makes what we write parse back equal.
#[test]
fn regression_floats_round_trip() {
    for raw in [
        r#"{"schemaVersion":2,"manifests":[],"x-":{"":-1.0006366474123685e+117}}"#,
        r#"{"schemaVersion":2,"manifests":[],"x-a":{"":{"":7.644774551681796e-196}}}"#,
    ] {
        let index: ImageIndex = serde_json::from_str(raw).unwrap();
        assert_eq!(String::from_utf8(gojson::to_vec(&index)).unwrap(), raw);
        let back: ImageIndex = serde_json::from_slice(&gojson::to_vec(&index)).unwrap();
        assert_eq!(back, index);
    }
}
