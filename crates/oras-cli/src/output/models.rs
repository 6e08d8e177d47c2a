//! The JSON models shared by the commands whose `--format` is our addition: push's
//! descriptor model with the tags a command set, and what a deletion removed.

use oras_spec::Descriptor;
use serde_json::{Map, Value, json};

use super::descriptor_model;

/// Push's model: [`descriptor_model`] plus `referenceAsTags`, `<path>:<tag>` for each of
/// `tags`, sorted (`null` when there are none).
pub fn tagged_model(
    reference: &str,
    d: &Descriptor,
    path: &str,
    tags: &[String],
) -> Map<String, Value> {
    let mut model = descriptor_model(reference, d);
    let mut refs: Vec<String> = tags.iter().map(|t| format!("{path}:{t}")).collect();
    refs.sort();
    let refs = if refs.is_empty() {
        Value::Null
    } else {
        json!(refs)
    };
    model.insert("referenceAsTags".into(), refs);
    model
}

/// What `blob delete` and `manifest delete` removed: the descriptor model of `deleted` (media
/// type, digest, size) with `deleted: true`; for nothing found (`--force`), `reference` as
/// given with `deleted: false`.
pub fn deletion_model(reference: &str, deleted: Option<&Descriptor>) -> Value {
    let mut model = match deleted {
        Some(d) => descriptor_model(reference, &d.plain()),
        None => {
            let mut m = Map::new();
            m.insert("reference".into(), json!(reference));
            m
        }
    };
    model.insert("deleted".into(), json!(deleted.is_some()));
    Value::Object(model)
}
