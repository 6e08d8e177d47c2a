//! Picking an attached artifact: a referrer of the manifest a reference names, taken in
//! place of that manifest (`pull` and `manifest fetch` of "the SBOM of this image").
//!
//! The referrers are the subject's direct ones, listed as everywhere else
//! ([`crate::referrers::referrers`]: the Referrers API, the `sha256-<hex>` tag-schema index, or
//! a layout's manifests), filtered by artifact type. One is taken; several are an
//! [`ErrorKind::Ambiguous`] error unless [`ReferrerSelector::latest`] orders them.

use std::cmp::Ordering;

use oras_spec::{Descriptor, Platform, annotations};

use super::resolve::resolve;
use crate::content::ReadOnlyGraphTarget;
use crate::error::{Error, ErrorKind, Result};
use crate::events::{Event, Observer};
use crate::referrers::referrers;

/// Which referrer of a subject to take instead of the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReferrerSelector {
    /// The artifact type the referrer has (its `artifactType`, else its config media type),
    /// compared exactly; empty: any type.
    pub artifact_type: String,
    /// With several referrers of the type, take the newest by
    /// `org.opencontainers.image.created` (RFC 3339, compared as instants, so offsets and
    /// fractions count). Referrers without the annotation, or with a value that is not
    /// RFC 3339, are older than any dated one; among equal times (or none) the greatest
    /// digest, in string order, wins. Off, several referrers are an
    /// [`ErrorKind::Ambiguous`] error that lists them.
    pub latest: bool,
}

impl ReferrerSelector {
    /// Selects the referrer of `artifact_type`; one must match (see
    /// [`ReferrerSelector::latest`]).
    pub fn new(artifact_type: impl Into<String>) -> ReferrerSelector {
        ReferrerSelector {
            artifact_type: artifact_type.into(),
            latest: false,
        }
    }
}

setters!(ReferrerSelector {
    /// Sets [`ReferrerSelector::latest`].
    latest: bool,
});

/// The referrer of `subject` that `selector` picks: its descriptor as listed (media type,
/// digest, size, artifact type, annotations). None of the type is an [`ErrorKind::NoMatch`]
/// error; several without [`ReferrerSelector::latest`] an [`ErrorKind::Ambiguous`] one whose
/// message lists them, newest first, with their creation times.
pub async fn select_referrer(
    target: &dyn ReadOnlyGraphTarget,
    subject: &Descriptor,
    selector: &ReferrerSelector,
) -> Result<Descriptor> {
    let want = selector.artifact_type.as_str();
    let mut found: Vec<Descriptor> = Vec::new();
    for r in referrers(target, subject, want).await? {
        let wanted = want.is_empty() || r.artifact_type == want;
        if wanted && !found.iter().any(|f| f.digest == r.digest) {
            found.push(r);
        }
    }
    found.sort_by(newest_first);
    match found.len() {
        0 => Err(Error::new(
            ErrorKind::NoMatch,
            format!(
                "{}: no referrer with artifact type {want:?} was found",
                subject.digest
            ),
        )),
        1 => Ok(found.remove(0)),
        _ if selector.latest => Ok(found.remove(0)),
        n => Err(Error::new(
            ErrorKind::Ambiguous,
            format!(
                "{}: {n} referrers with artifact type {want:?} were found (newest first):{}",
                subject.digest,
                found.iter().map(listing_line).collect::<String>()
            ),
        )),
    }
}

/// Resolves `reference` (with `platform`) and reports it ([`Event::Resolved`]); with a
/// `selector`, then takes the referrer it picks and reports that
/// ([`Event::ReferrerSelected`]). Returns the manifest to work on.
pub(super) async fn resolve_selected(
    target: &dyn ReadOnlyGraphTarget,
    reference: &str,
    platform: Option<&Platform>,
    selector: Option<&ReferrerSelector>,
    observer: &dyn Observer,
) -> Result<Descriptor> {
    let subject = resolve(target, reference, platform).await?;
    observer.on_event(&Event::Resolved(&subject));
    let Some(selector) = selector else {
        return Ok(subject);
    };
    let referrer = select_referrer(target, &subject, selector).await?;
    observer.on_event(&Event::ReferrerSelected {
        subject: &subject,
        referrer: &referrer,
    });
    Ok(referrer)
}

/// When a referrer says it was created, if it says so in RFC 3339.
fn created_at(referrer: &Descriptor) -> Option<jiff::Timestamp> {
    referrer.annotations.get(annotations::CREATED)?.parse().ok()
}

/// Newest first: a later creation time, then (equal times, or none) the greater digest.
fn newest_first(a: &Descriptor, b: &Descriptor) -> Ordering {
    let by_time = created_at(b).cmp(&created_at(a));
    by_time.then_with(|| b.digest.to_string().cmp(&a.digest.to_string()))
}

/// `\n  <digest>  created <time>` for the list of an ambiguous selection.
fn listing_line(r: &Descriptor) -> String {
    let created = match r.annotations.get(annotations::CREATED) {
        None => "no created annotation".to_string(),
        Some(v) if created_at(r).is_some() => format!("created {v}"),
        Some(v) => format!("created {v:?} (not RFC 3339)"),
    };
    format!("\n  {}  {created}", r.digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use crate::content::Storage;
    use bytes::Bytes;
    use oras_spec::{gojson, media_type};

    const SBOM: &str = "application/vnd.example.sbom";

    /// A store with a subject and referrers `(artifact type, created)`; their descriptors.
    async fn graph(referrers: &[(&str, Option<&str>)]) -> (MemoryStore, Descriptor) {
        let store = MemoryStore::new();
        let subject = push(&store, serde_json::json!({"schemaVersion": 2, "x": 0})).await;
        for (i, (artifact_type, created)) in referrers.iter().enumerate() {
            let mut m = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": media_type::IMAGE_MANIFEST,
                "artifactType": artifact_type,
                "config": Descriptor::empty_json(),
                "layers": [],
                "subject": subject.plain(),
                "annotations": {"n": i.to_string()},
            });
            if let Some(c) = created {
                m["annotations"][annotations::CREATED] = serde_json::json!(c);
            }
            push(&store, m).await;
        }
        (store, subject)
    }

    async fn push(store: &MemoryStore, manifest: serde_json::Value) -> Descriptor {
        let bytes = Bytes::from(gojson::to_vec(&manifest));
        let desc = Descriptor::from_bytes(media_type::IMAGE_MANIFEST, &bytes);
        store
            .push(&desc, crate::content::BlobSource::Bytes(bytes))
            .await
            .unwrap();
        desc
    }

    fn number(d: &Descriptor) -> &str {
        d.annotations.get("n").map(String::as_str).unwrap_or("?")
    }

    #[tokio::test]
    async fn one_referrer_of_the_type_is_taken_and_others_are_ignored() {
        let (store, subject) = graph(&[("other/type", None), (SBOM, None)]).await;
        let got = select_referrer(&store, &subject, &ReferrerSelector::new(SBOM))
            .await
            .unwrap();
        assert_eq!(number(&got), "1");
        assert_eq!(got.artifact_type, SBOM);
    }

    #[tokio::test]
    async fn none_of_the_type_is_no_match() {
        let (store, subject) = graph(&[("other/type", None)]).await;
        let e = select_referrer(&store, &subject, &ReferrerSelector::new(SBOM))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NoMatch);
        assert!(e.to_string().contains(SBOM), "{e}");
    }

    #[tokio::test]
    async fn several_are_ambiguous_and_listed_newest_first() {
        let old = "2024-01-01T00:00:00Z";
        let new = "2024-06-01T00:00:00+02:00";
        let (store, subject) = graph(&[(SBOM, Some(old)), (SBOM, Some(new)), (SBOM, None)]).await;
        let e = select_referrer(&store, &subject, &ReferrerSelector::new(SBOM))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Ambiguous);
        let msg = e.to_string();
        let at = |s: &str| msg.find(s).unwrap_or_else(|| panic!("{s} in {msg}"));
        assert!(
            at(new) < at(old) && at(old) < at("no created annotation"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn latest_compares_instants_and_undated_ones_are_oldest() {
        // 23:30 at -02:00 is 01:30 UTC the next day: later than 01:00Z
        let (store, subject) = graph(&[
            (SBOM, None),
            (SBOM, Some("2024-03-02T01:00:00Z")),
            (SBOM, Some("2024-03-01T23:30:00-02:00")),
            (SBOM, Some("not a date")),
        ])
        .await;
        let latest = ReferrerSelector::new(SBOM).latest(true);
        let got = select_referrer(&store, &subject, &latest).await.unwrap();
        assert_eq!(number(&got), "2");
    }

    #[tokio::test]
    async fn equal_times_go_to_the_greatest_digest() {
        let t = Some("2024-03-02T01:00:00Z");
        let (store, subject) = graph(&[(SBOM, t), (SBOM, t), (SBOM, None)]).await;
        let all = referrers(&store, &subject, SBOM).await.unwrap();
        let greatest_dated = all
            .iter()
            .filter(|d| created_at(d).is_some())
            .map(|d| d.digest.to_string())
            .max()
            .unwrap();
        let latest = ReferrerSelector::new(SBOM).latest(true);
        let got = select_referrer(&store, &subject, &latest).await.unwrap();
        assert_eq!(got.digest.to_string(), greatest_dated);
    }
}
