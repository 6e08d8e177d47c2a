//! `pull` and `manifest fetch` with `--artifact-type` and `--latest` (beyond oras 1.3): a
//! referrer of the named manifest is taken in its place, on distribution 2.8 (tag-schema
//! fallback), on the in-process registry (Referrers API) and on an OCI image layout.

mod common;

use std::path::Path;

use common::*;
use oras_test_registry::inproc::{Options, TestRegistry};
use oras_test_registry::{Distribution, Mode};

const SBOM: &str = "application/vnd.example.sbom";
const SIGNATURE: &str = "application/vnd.example.signature";
const OLD: &str = "2024-01-01T00:00:00Z";
/// 10:00 UTC: later than OLD, earlier than the signature's time
const NEW: &str = "2024-06-01T12:00:00+02:00";

/// Where a scenario runs: a repository (or layout path) and the flags that reach it.
struct Target<'a> {
    dir: &'a Path,
    repo: String,
    flags: Vec<&'static str>,
}

impl Target<'_> {
    /// `oras <args…> <flags…>`.
    fn run(&self, args: &[&str]) -> Run {
        let mut all = args.to_vec();
        all.extend(self.flags.iter().copied());
        oras(self.dir, &all)
    }

    fn at(&self, reference: &str) -> String {
        format!("{}{reference}", self.repo)
    }

    /// Attaches `file` (with `content`) to `subject` as `artifact_type`, created at
    /// `created`; the referrer's digest.
    fn attach(&self, subject: &str, artifact_type: &str, content: &str, created: &str) -> String {
        std::fs::write(self.dir.join("sbom.json"), content).unwrap();
        let annotation = format!("org.opencontainers.image.created={created}");
        let out = self
            .run(&[
                "attach",
                &self.at(subject),
                "sbom.json",
                "--artifact-type",
                artifact_type,
                "-a",
                &annotation,
                "--format",
                "go-template={{.digest}}",
            ])
            .ok();
        out.stdout.trim().to_string()
    }

    /// Pushes `a.txt` as `:v1`; the manifest's digest.
    fn push_subject(&self) -> String {
        std::fs::write(self.dir.join("a.txt"), b"the subject").unwrap();
        let out = self
            .run(&[
                "push",
                &self.at(":v1"),
                "a.txt",
                "--format",
                "go-template={{.digest}}",
            ])
            .ok();
        out.stdout.trim().to_string()
    }

    /// Pushes a crafted SBOM referrer of `subject` (`:v1`) with these manifest annotations
    /// under `tag`; its digest.
    fn push_crafted_referrer(&self, tag: &str, annotations: serde_json::Value) -> String {
        let desc = self
            .run(&["manifest", "fetch", "--descriptor", &self.at(":v1")])
            .ok();
        let subject: serde_json::Value = serde_json::from_str(&desc.stdout).unwrap();
        let empty = serde_json::json!({
            "mediaType": "application/vnd.oci.empty.v1+json",
            "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "size": 2,
        });
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": SBOM,
            "config": empty,
            "layers": [empty],
            "subject": {
                "mediaType": subject["mediaType"],
                "digest": subject["digest"],
                "size": subject["size"],
            },
            "annotations": annotations,
        });
        let bytes = serde_json::to_vec(&manifest).unwrap();
        std::fs::write(self.dir.join("crafted.json"), &bytes).unwrap();
        self.run(&["manifest", "push", &self.at(tag), "crafted.json"])
            .ok();
        digest_of(&bytes)
    }
}

fn digest_of(bytes: &[u8]) -> String {
    common::craft::digest_of(bytes)
}

/// Two SBOMs (old, new) and a newer signature on `:v1`: `--latest` takes the newer SBOM's
/// files and manifest, without it the two are listed, a type nothing has fails; the plain
/// pull still gets the subject.
fn newest_sbom_is_taken(t: &Target<'_>) {
    let subject = t.push_subject();
    let old = t.attach(":v1", SBOM, "old sbom", OLD);
    let new = t.attach(":v1", SBOM, "new sbom", NEW);
    let signature = t.attach(":v1", SIGNATURE, "signature", "2025-01-01T00:00:00Z");
    let v1 = t.at(":v1");

    let out = t
        .run(&[
            "pull",
            &v1,
            "--artifact-type",
            SBOM,
            "--latest",
            "-o",
            "out",
        ])
        .ok();
    assert_eq!(
        std::fs::read_to_string(t.dir.join("out/sbom.json")).unwrap(),
        "new sbom"
    );
    assert!(!t.dir.join("out/a.txt").exists(), "the subject was pulled");
    assert!(
        out.stdout.starts_with(&format!(
            "Selected referrer {new} of {subject} (created {NEW})\n"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with(&format!("Digest: {new}\n")),
        "{}",
        out.stdout
    );

    // -o -: the selected referrer's layer, and nothing else, on stdout
    let out = t
        .run(&["pull", &v1, "--artifact-type", SBOM, "--latest", "-o", "-"])
        .ok();
    assert_eq!(out.stdout, "new sbom");

    // --format: the model names the referrer, no status line; --include-subject adds it
    let out = t
        .run(&[
            "pull",
            &v1,
            "--artifact-type",
            SBOM,
            "--latest",
            "-o",
            "json",
            "--format",
            "json",
            "--include-subject",
        ])
        .ok();
    let model: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(model["reference"], format!("{}@{new}", t.repo));
    assert!(t.dir.join("json/sbom.json").exists() && t.dir.join("json/a.txt").exists());

    // several without --latest: listed, newest first, and nothing is written
    let e = t
        .run(&["pull", &v1, "--artifact-type", SBOM, "-o", "out2"])
        .fails();
    let listed_new = e.stderr.find(&format!("  {new}  created {NEW}\n"));
    let listed_old = e.stderr.find(&format!("  {old}  created {OLD}\n"));
    assert!(
        listed_new.is_some() && listed_new < listed_old,
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains(&format!(
            "{subject}: 2 referrers with artifact type \"{SBOM}\" were found"
        )),
        "{}",
        e.stderr
    );
    assert!(e.stderr.contains("Add --latest"), "{}", e.stderr);
    assert!(!t.dir.join("out2").exists());

    let e = t
        .run(&[
            "pull",
            &v1,
            "--artifact-type",
            "application/x-none",
            "--latest",
        ])
        .fails();
    assert!(
        e.stderr.contains(&format!(
            "{subject}: no referrer with artifact type \"application/x-none\" was found"
        )),
        "{}",
        e.stderr
    );

    // manifest fetch: stdout is the referrer's manifest and nothing else
    let fetched = t
        .run(&[
            "manifest",
            "fetch",
            &v1,
            "--artifact-type",
            SBOM,
            "--latest",
        ])
        .ok();
    assert_eq!(digest_of(&fetched.raw_stdout), new);
    let fetched = t
        .run(&["manifest", "fetch", &v1, "--artifact-type", SIGNATURE])
        .ok();
    assert_eq!(digest_of(&fetched.raw_stdout), signature);
    let desc = t
        .run(&[
            "manifest",
            "fetch",
            "--descriptor",
            &v1,
            "--artifact-type",
            SBOM,
            "--latest",
        ])
        .ok();
    let desc: serde_json::Value = serde_json::from_str(&desc.stdout).unwrap();
    assert_eq!(desc["digest"], new.as_str());
    let e = t
        .run(&["manifest", "fetch", &v1, "--artifact-type", SBOM])
        .fails();
    assert!(
        e.stderr.contains(&old) && e.stderr.contains(&new),
        "{}",
        e.stderr
    );

    // without the flags: the subject, as before
    let out = t.run(&["pull", &v1, "-o", "plain"]).ok();
    assert!(t.dir.join("plain/a.txt").exists());
    assert!(!out.stdout.contains("Selected"), "{}", out.stdout);
    let fetched = t.run(&["manifest", "fetch", &v1]).ok();
    assert_eq!(digest_of(&fetched.raw_stdout), subject);
}

#[test]
fn distribution_tag_schema_fallback() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let t = Target {
        dir: d.path(),
        repo: format!("{}/select/app", reg.localhost()),
        flags: vec![],
    };
    newest_sbom_is_taken(&t);
    // the referrers were found through the tag schema (2.8 has no Referrers API)
    let tags = t.run(&["repo", "tags", &t.repo]).ok();
    assert!(tags.stdout.contains("sha256-"), "{}", tags.stdout);
}

#[test]
fn in_process_registry_referrers_api() {
    let reg = TestRegistry::start(Options {
        referrers_api: true,
        ..Default::default()
    });
    let d = tempdir();
    let t = Target {
        dir: d.path(),
        repo: format!("{}/select/app", reg.localhost()),
        flags: vec![],
    };
    newest_sbom_is_taken(&t);
    let asked_api = reg
        .requests()
        .iter()
        .any(|r| r.path.starts_with("/v2/select/app/referrers/sha256:"));
    assert!(asked_api, "the Referrers API was not used");
    let tags = t.run(&["repo", "tags", &t.repo]).ok();
    assert!(!tags.stdout.contains("sha256-"), "{}", tags.stdout);
}

#[test]
fn oci_layout() {
    let d = tempdir();
    let t = Target {
        dir: d.path(),
        repo: "lay".into(),
        flags: vec!["--oci-layout"],
    };
    newest_sbom_is_taken(&t);
}

/// Referrers without a (valid) created annotation sort below dated ones; equal times go to
/// the greatest digest.
fn undated_are_oldest_and_ties_go_to_the_greatest_digest(t: &Target<'_>) {
    t.push_subject();
    let same = "2000-01-01T00:00:00Z";
    let a = t.attach(":v1", SBOM, "a", same);
    let b = t.attach(":v1", SBOM, "b", same);
    let undated = t.push_crafted_referrer(":undated", serde_json::json!({"n": "1"}));
    let garbage = t.push_crafted_referrer(
        ":garbage",
        serde_json::json!({"org.opencontainers.image.created": "yesterday"}),
    );
    let out = t
        .run(&[
            "manifest",
            "fetch",
            "--descriptor",
            &t.at(":v1"),
            "--artifact-type",
            SBOM,
            "--latest",
        ])
        .ok();
    let desc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(desc["digest"], a.clone().max(b.clone()).as_str());

    let e = t
        .run(&["pull", &t.at(":v1"), "--artifact-type", SBOM])
        .fails();
    assert!(e.stderr.contains("4 referrers"), "{}", e.stderr);
    assert!(
        e.stderr
            .contains(&format!("  {undated}  no created annotation\n")),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains(&format!(
            "  {garbage}  created \"yesterday\" (not RFC 3339)\n"
        )),
        "{}",
        e.stderr
    );
    // the dated ones first, the greater digest before the smaller
    let pos = |d: &str| e.stderr.find(d).unwrap();
    let (first, second) = if a > b { (&a, &b) } else { (&b, &a) };
    assert!(pos(first) < pos(second), "{}", e.stderr);
    assert!(
        pos(second) < pos(&undated).min(pos(&garbage)),
        "{}",
        e.stderr
    );
}

#[test]
fn undated_and_tied_referrers_in_a_layout() {
    let d = tempdir();
    undated_are_oldest_and_ties_go_to_the_greatest_digest(&Target {
        dir: d.path(),
        repo: "lay".into(),
        flags: vec!["--oci-layout"],
    });
}

#[test]
fn undated_and_tied_referrers_on_distribution() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    undated_are_oldest_and_ties_go_to_the_greatest_digest(&Target {
        dir: d.path(),
        repo: format!("{}/select/ties", reg.localhost()),
        flags: vec![],
    });
}

#[test]
fn platform_picks_the_subject_before_the_referrer_is_taken() {
    let d = tempdir();
    let t = Target {
        dir: d.path(),
        repo: "lay".into(),
        flags: vec!["--oci-layout"],
    };
    for (tag, platform) in [("amd", "linux/amd64"), ("arm", "linux/arm64")] {
        std::fs::write(d.path().join(format!("{tag}.txt")), tag).unwrap();
        t.run(&[
            "push",
            &t.at(&format!(":{tag}")),
            &format!("{tag}.txt"),
            "--artifact-platform",
            platform,
        ])
        .ok();
    }
    t.run(&["manifest", "index", "create", &t.at(":multi"), "amd", "arm"])
        .ok();
    std::fs::write(d.path().join("sbom.json"), "arm sbom").unwrap();
    t.run(&[
        "attach",
        &t.at(":multi"),
        "--platform",
        "linux/arm64",
        "--artifact-type",
        SBOM,
        "sbom.json",
    ])
    .ok();
    let multi = t.at(":multi");
    t.run(&[
        "pull",
        &multi,
        "--platform",
        "linux/arm64",
        "--artifact-type",
        SBOM,
        "-o",
        "out",
    ])
    .ok();
    assert_eq!(
        std::fs::read_to_string(d.path().join("out/sbom.json")).unwrap(),
        "arm sbom"
    );
    // the index itself and the other platform have no SBOM
    for extra in [&[][..], &["--platform", "linux/amd64"][..]] {
        let mut args = vec!["pull", multi.as_str(), "--artifact-type", SBOM];
        args.extend_from_slice(extra);
        let e = t.run(&args).fails();
        assert!(e.stderr.contains("no referrer"), "{}", e.stderr);
    }
}

#[test]
fn latest_needs_an_artifact_type_and_the_type_a_value() {
    let d = tempdir();
    for cmd in [&["pull"][..], &["manifest", "fetch"][..]] {
        let mut args = cmd.to_vec();
        args.extend(["--oci-layout", "lay:v1", "--latest"]);
        let e = oras(d.path(), &args).fails();
        assert_eq!(e.stderr, "Error: `--latest` needs `--artifact-type`\n");
        let mut args = cmd.to_vec();
        args.extend(["--oci-layout", "lay:v1", "--artifact-type", ""]);
        let e = oras(d.path(), &args).fails();
        assert_eq!(
            e.stderr,
            "Error: `--artifact-type` needs an artifact type\n"
        );
    }
}
