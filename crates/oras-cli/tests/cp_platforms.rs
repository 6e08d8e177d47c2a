//! `cp --platform a,b` (beyond oras 1.3, oras#2163): the manifests of those platforms are
//! copied with a new index listing only them, in the source's order; one platform still
//! copies that platform's manifest alone, as oras does.

mod common;

use common::*;
use oras_test_registry::{Distribution, Mode};
use serde_json::Value;

/// A layout `lay` with `multi`: an index of linux/amd64, linux/arm64 and linux/s390x
/// artifacts (each a file layer and a platform config), and an SBOM attached to amd64.
fn multi_platform_layout(dir: &std::path::Path) {
    for (tag, platform) in [
        ("amd", "linux/amd64"),
        ("arm", "linux/arm64"),
        ("s390", "linux/s390x"),
    ] {
        std::fs::write(dir.join(format!("{tag}.bin")), tag.as_bytes()).unwrap();
        let reference = format!("lay:{tag}");
        let file = format!("{tag}.bin");
        let args = [
            "push",
            "--oci-layout",
            &reference,
            &file,
            "--artifact-platform",
            platform,
        ];
        oras(dir, &args).ok();
    }
    let index = [
        "manifest",
        "index",
        "create",
        "--oci-layout",
        "lay:multi",
        "amd",
        "arm",
        "s390",
    ];
    oras(dir, &index).ok();
    std::fs::write(dir.join("sbom.json"), b"{}").unwrap();
    let attach = [
        "attach",
        "--oci-layout",
        "lay:amd",
        "--artifact-type",
        "application/spdx+json",
        "sbom.json",
    ];
    oras(dir, &attach).ok();
}

fn fetch_json(dir: &std::path::Path, reference: &str) -> Value {
    let out = oras(dir, &["manifest", "fetch", "--plain-http", reference]).ok();
    serde_json::from_str(&out.stdout).unwrap()
}

fn platforms(index: &Value) -> Vec<String> {
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"]["os"].as_str().unwrap(),
                m["platform"]["architecture"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn several_platforms_make_a_new_index_of_only_those() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    multi_platform_layout(d.path());
    let dst = format!("{}/mp/repo:two", reg.addr);

    let out = oras(
        d.path(),
        &[
            "cp",
            "-r",
            "--from-oci-layout",
            "lay:multi",
            "--to-plain-http",
            &dst,
            "--platform",
            "linux/arm64,linux/amd64",
        ],
    )
    .ok();
    let index = fetch_json(d.path(), &dst);
    // the source's order, not the flag's
    assert_eq!(platforms(&index), ["linux/amd64", "linux/arm64"]);
    let digest = out
        .stdout
        .lines()
        .last()
        .unwrap()
        .trim_start_matches("Digest: ")
        .to_string();
    let resolved = oras(d.path(), &["resolve", "--plain-http", &dst]).ok();
    assert_eq!(resolved.stdout.trim(), digest);
    // each listed manifest is there, and amd64's referrer came along (-r)
    for m in index["manifests"].as_array().unwrap() {
        let child = format!("{}/mp/repo@{}", reg.addr, m["digest"].as_str().unwrap());
        oras(d.path(), &["manifest", "fetch", "--plain-http", &child]).ok();
    }
    let amd = index["manifests"][0]["digest"].as_str().unwrap();
    let tree = oras(
        d.path(),
        &[
            "discover",
            "--plain-http",
            "--format",
            "json",
            &format!("{}/mp/repo@{amd}", reg.addr),
        ],
    )
    .ok();
    assert!(
        tree.stdout.contains("application/spdx+json"),
        "{}",
        tree.stdout
    );

    // a platform the index does not have: nothing is pushed under the tag
    let e = oras(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "lay:multi",
            "--to-plain-http",
            &format!("{}/mp/repo:none", reg.addr),
            "--platform",
            "linux/amd64,linux/ppc64le",
        ],
    )
    .fails();
    assert!(
        e.stderr.contains("no manifest for platform linux/ppc64le"),
        "{}",
        e.stderr
    );
    oras(
        d.path(),
        &[
            "resolve",
            "--plain-http",
            &format!("{}/mp/repo:none", reg.addr),
        ],
    )
    .fails();

    // one platform: that manifest alone, as oras copies it
    let one = format!("{}/mp/repo:one", reg.addr);
    oras(
        d.path(),
        &[
            "cp",
            "--from-oci-layout",
            "lay:multi",
            "--to-plain-http",
            &one,
            "--platform",
            "linux/s390x",
        ],
    )
    .ok();
    let manifest = fetch_json(d.path(), &one);
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
}
