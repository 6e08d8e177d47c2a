//! Property tests of `--annotation-file` and `--annotation` parsing: any file content or flag
//! value gives the annotations it holds or oras's error, never a panic.

use std::collections::{BTreeMap, HashMap};

use oras_test_registry::budget;
use proptest::prelude::*;
use serde_json::Value;

use super::PackerOpts;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9.=:/$ _-]{0,12}",
        Just("$manifest".to_string()),
        Just("$config".to_string()),
        any::<String>(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

type Targets = BTreeMap<String, BTreeMap<String, String>>;

fn targets() -> impl Strategy<Value = Targets> {
    prop::collection::btree_map(
        text(),
        prop::collection::btree_map(text(), text(), 0..4),
        0..4,
    )
}

fn parse_file(content: &[u8]) -> (tempfile::TempDir, PackerOpts) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("annotations.json");
    std::fs::write(&path, content).unwrap();
    let opts = PackerOpts {
        annotation_file: Some(path.display().to_string()),
        ..Default::default()
    };
    (dir, opts)
}

proptest! {
    #![proptest_config(budget::config("annotations: --annotation-file", 256))]

    /// Any file content: its annotations, or oras's "invalid annotation json file" error.
    #[test]
    fn any_annotation_file(content in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        targets().prop_map(|t| serde_json::to_vec(&t).unwrap()),
    ]) {
        let (_dir, opts) = parse_file(&content);
        match opts.parse_annotations() {
            Ok(parsed) => {
                let v: HashMap<String, BTreeMap<String, String>> =
                    serde_json::from_slice(&content).unwrap();
                prop_assert_eq!(v.get("$manifest").cloned().unwrap_or_default(), parsed.manifest);
            }
            Err(e) => {
                prop_assert!(
                    e.message.starts_with("invalid annotation json file: failed to load annotations from "),
                    "{}", e.message
                );
                prop_assert!(serde_json::from_slice::<HashMap<String, BTreeMap<String, String>>>(&content).is_err());
            }
        }
    }

    /// A well-formed file: manifest, config and file annotations are what it says.
    #[test]
    fn well_formed_annotation_file(t in targets(), pretty in any::<bool>()) {
        let content = if pretty {
            serde_json::to_vec_pretty(&t).unwrap()
        } else {
            serde_json::to_vec(&t).unwrap()
        };
        let (_dir, opts) = parse_file(&content);
        let parsed = opts.parse_annotations().map_err(|e| TestCaseError::fail(e.message))?;
        prop_assert_eq!(&parsed.manifest, &t.get("$manifest").cloned().unwrap_or_default());
        prop_assert_eq!(&parsed.config, &t.get("$config").cloned().unwrap_or_default());
        let files: BTreeMap<String, BTreeMap<String, String>> = parsed.files.into_iter().collect();
        let mut want = t.clone();
        want.remove("$manifest");
        want.remove("$config");
        prop_assert_eq!(files, want);
    }

    /// Any `--annotation` values: `key=value` pairs (split at the first `=`), or an error for
    /// a value without `=` or a repeated key.
    #[test]
    fn annotation_flags(values in prop::collection::vec(text(), 0..5)) {
        let opts = PackerOpts { annotations: values.clone(), ..Default::default() };
        let mut want = BTreeMap::new();
        let mut ok = true;
        for v in &values {
            match v.split_once('=') {
                Some((k, val)) if !want.contains_key(k) => {
                    want.insert(k.to_string(), val.to_string());
                }
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        match opts.parse_annotations() {
            Ok(parsed) => {
                prop_assert!(ok);
                prop_assert_eq!(parsed.manifest, want);
            }
            Err(_) => prop_assert!(!ok),
        }
    }
}
