//! Every command against a real registry: Debian's docker-registry (distribution 2.8), which has
//! no Referrers API, so referrers go through the `sha256-<hex>` tag schema.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use oras_test_registry::{Distribution, Mode, PASS, USER};
use serde_json::Value;

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

#[test]
fn push_pull_attach_discover_tag_on_plain_registry() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let r = format!("{}/test/repo", reg.localhost());
    std::fs::write(d.path().join("hello.txt"), b"hello world\n").unwrap();
    std::fs::create_dir_all(d.path().join("dir/sub")).unwrap();
    std::fs::write(d.path().join("dir/sub/x.txt"), b"x").unwrap();
    let push = oras(
        d.path(),
        &[
            "push",
            &format!("{r}:v1,extra"),
            "hello.txt",
            "dir",
            "--format",
            "json",
        ],
    )
    .ok();
    let model = json(&push.stdout);
    let digest = model["digest"].as_str().unwrap().to_string();
    assert_eq!(
        model["referenceAsTags"],
        serde_json::json!([format!("{r}:extra"), format!("{r}:v1")])
    );
    // what the registry serves is byte-identical to what we packed
    oras(
        d.path(),
        &[
            "push",
            &format!("{r}:exported"),
            "hello.txt",
            "--export-manifest",
            "m.json",
            "-a",
            "org.opencontainers.image.created=2025-01-01T00:00:00Z",
        ],
    )
    .ok();
    let served = oras(d.path(), &["manifest", "fetch", &format!("{r}:exported")])
        .ok()
        .raw_stdout;
    assert_eq!(served, std::fs::read(d.path().join("m.json")).unwrap());

    let pull = oras(d.path(), &["pull", &format!("{r}:v1"), "-o", "out"]).ok();
    assert!(
        pull.stdout
            .ends_with(&format!("Pulled [registry] {r}:v1\nDigest: {digest}\n")),
        "{}",
        pull.stdout
    );
    assert_eq!(
        std::fs::read(d.path().join("out/hello.txt")).unwrap(),
        b"hello world\n"
    );
    assert_eq!(
        std::fs::read(d.path().join("out/dir/sub/x.txt")).unwrap(),
        b"x"
    );

    let att = oras(
        d.path(),
        &[
            "attach",
            &format!("{r}:v1"),
            "--artifact-type",
            "sbom/example",
            "hello.txt",
            "-a",
            "k=v",
        ],
    )
    .ok();
    assert!(
        att.stdout
            .contains(&format!("Attached to [registry] {r}@{digest}\n")),
        "{}",
        att.stdout
    );
    let sig = oras(
        d.path(),
        &[
            "attach",
            &format!("{r}:v1"),
            "--artifact-type",
            "sig/example",
            "-a",
            "s=1",
            "--format",
            "json",
        ],
    )
    .ok();
    let sig_digest = json(&sig.stdout)["digest"].as_str().unwrap().to_string();
    // tag schema fallback: the referrers index lives under sha256-<hex>
    let tags = oras(d.path(), &["repo", "tags", &r]).ok().stdout;
    let schema_tag = digest.replacen(':', "-", 1);
    assert!(tags.lines().any(|t| t == schema_tag), "{tags}");
    let excluded = oras(d.path(), &["repo", "tags", &r, "--exclude-digest-tags"])
        .ok()
        .stdout;
    assert!(!excluded.contains(&schema_tag));
    let disc = json(
        &oras(
            d.path(),
            &["discover", &format!("{r}:v1"), "--format", "json"],
        )
        .ok()
        .stdout,
    );
    let types: Vec<&str> = disc["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["artifactType"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 2, "{disc}");
    assert!(types.contains(&"sbom/example") && types.contains(&"sig/example"));
    let filtered = json(
        &oras(
            d.path(),
            &[
                "discover",
                &format!("{r}:v1"),
                "--artifact-type",
                "sig/example",
                "--format",
                "json",
            ],
        )
        .ok()
        .stdout,
    );
    assert_eq!(filtered["referrers"].as_array().unwrap().len(), 1);
    let tree = oras(d.path(), &["discover", &format!("{r}:v1")])
        .ok()
        .stdout;
    assert!(tree.starts_with(&format!("{r}@{digest}\n")), "{tree}");

    // deleting a referrer removes it from the tag-schema index
    oras(
        d.path(),
        &["manifest", "delete", &format!("{r}@{sig_digest}"), "-f"],
    )
    .ok();
    let disc = json(
        &oras(
            d.path(),
            &["discover", &format!("{r}:v1"), "--format", "json"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(disc["referrers"].as_array().unwrap().len(), 1, "{disc}");

    let t = oras(d.path(), &["tag", &format!("{r}:v1"), "t1", "t2"]).ok();
    assert_eq!(
        t.stdout,
        format!("Tagging [registry] {r}@{digest}\nTagged t1\nTagged t2\n")
    );
    assert_eq!(
        oras(d.path(), &["resolve", &format!("{r}:t2")]).ok().stdout,
        format!("{digest}\n")
    );
    assert_eq!(
        oras(d.path(), &["resolve", &format!("{r}:t2"), "-l"])
            .ok()
            .stdout,
        format!("{r}@{digest}\n")
    );
    let e = oras(d.path(), &["resolve", &format!("{r}:nope")]).fails();
    assert_eq!(
        e.stderr,
        format!("Error response from registry: failed to resolve digest: {r}:nope: not found\n")
    );
    let e = oras(
        d.path(),
        &["pull", &format!("{}/no/such:v1", reg.localhost())],
    )
    .fails();
    assert!(e.stderr.contains("not found"), "{}", e.stderr);

    let ls = oras(d.path(), &["repo", "ls", &reg.localhost()]).ok();
    assert_eq!(ls.stdout, "test/repo\n");
    let ls = oras(
        d.path(),
        &[
            "repo",
            "ls",
            &format!("{}/test", reg.localhost()),
            "--format",
            "json",
        ],
    )
    .ok();
    assert_eq!(
        json(&ls.stdout),
        serde_json::json!({"registry": reg.localhost(), "repositories": ["test/repo"]})
    );
}

#[test]
fn copy_between_registries_and_layouts() {
    let a = Distribution::start(Mode::Plain);
    let b = Distribution::start(Mode::Plain);
    let d = tempdir();
    let src = format!("{}/src/app", a.localhost());
    std::fs::write(d.path().join("f.txt"), b"payload").unwrap();
    oras(d.path(), &["push", &format!("{src}:v1"), "f.txt"]).ok();
    oras(
        d.path(),
        &[
            "attach",
            &format!("{src}:v1"),
            "--artifact-type",
            "sig/x",
            "-a",
            "k=v",
        ],
    )
    .ok();
    let digest = oras(d.path(), &["resolve", &format!("{src}:v1")])
        .ok()
        .stdout
        .trim()
        .to_string();

    // registry -> registry, with referrers
    let dst = format!("{}/dst/app", b.localhost());
    let cp = oras(
        d.path(),
        &[
            "cp",
            "-r",
            &format!("{src}:v1"),
            &format!("{dst}:copied,also"),
        ],
    )
    .ok();
    assert!(
        cp.stdout.contains(&format!(
            "Copied [registry] {src}:v1 => [registry] {dst}:copied\nTagged also\nDigest: {digest}\n"
        )),
        "{}",
        cp.stdout
    );
    let disc = json(
        &oras(
            d.path(),
            &["discover", &format!("{dst}:copied"), "--format", "json"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(disc["referrers"][0]["artifactType"], "sig/x");
    assert_eq!(
        oras(d.path(), &["resolve", &format!("{dst}:also")])
            .ok()
            .stdout
            .trim(),
        digest
    );

    // registry -> layout -> registry
    oras(
        d.path(),
        &[
            "cp",
            "-r",
            &format!("{src}:v1"),
            "--to-oci-layout",
            "lay:v1",
        ],
    )
    .ok();
    assert!(
        oras(d.path(), &["discover", "--oci-layout", "lay:v1"])
            .ok()
            .stdout
            .contains("sig/x")
    );
    let back = format!("{}/back/app", b.localhost());
    oras(
        d.path(),
        &[
            "cp",
            "-r",
            "--from-oci-layout",
            "lay:v1",
            &format!("{back}:v1"),
        ],
    )
    .ok();
    assert_eq!(
        oras(d.path(), &["resolve", &format!("{back}:v1")])
            .ok()
            .stdout
            .trim(),
        digest
    );
    let disc = json(
        &oras(
            d.path(),
            &["discover", &format!("{back}:v1"), "--format", "json"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(disc["referrers"].as_array().unwrap().len(), 1);
    oras(d.path(), &["pull", &format!("{back}:v1"), "-o", "out"]).ok();
    assert_eq!(
        std::fs::read(d.path().join("out/f.txt")).unwrap(),
        b"payload"
    );
}

#[test]
fn manifest_and_blob_commands_on_registry() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let r = format!("{}/mb/repo", reg.localhost());
    std::fs::write(d.path().join("blob.bin"), b"blob-content").unwrap();
    let digest = sha256_file(&d.path().join("blob.bin"));
    let p = oras(d.path(), &["blob", "push", &r, "blob.bin"]).ok();
    assert!(
        p.stdout
            .ends_with(&format!("Pushed: [registry] {r}\nDigest: {digest}\n")),
        "{}",
        p.stdout
    );
    let p = oras(d.path(), &["blob", "push", &r, "blob.bin"]).ok();
    assert!(p.stdout.starts_with("Exists "), "{}", p.stdout);
    let f = oras(
        d.path(),
        &["blob", "fetch", &format!("{r}@{digest}"), "-o", "-"],
    )
    .ok();
    assert_eq!(f.raw_stdout, b"blob-content");
    let f = oras(
        d.path(),
        &["blob", "fetch", &format!("{r}@{digest}"), "--descriptor"],
    )
    .ok();
    assert_eq!(
        f.stdout,
        format!(
            "{{\"mediaType\":\"application/octet-stream\",\"digest\":\"{digest}\",\"size\":12}}"
        )
    );
    oras(
        d.path(),
        &["blob", "delete", &format!("{r}@{digest}"), "-f"],
    )
    .ok();
    let e = oras(
        d.path(),
        &["blob", "fetch", &format!("{r}@{digest}"), "-o", "x"],
    )
    .fails();
    // as oras: missing content is the registry's answer
    assert_eq!(
        e.stderr,
        format!("Error response from registry: {r}@{digest}: not found\n")
    );

    // manifest push needs its blobs: push an empty artifact first and re-push its manifest
    oras(
        d.path(),
        &["push", &format!("{r}:base"), "--export-manifest", "m.json"],
    )
    .ok();
    let m_digest = sha256_file(&d.path().join("m.json"));
    let p = oras(
        d.path(),
        &["manifest", "push", &format!("{r}:again,again2"), "m.json"],
    )
    .ok();
    assert!(
        p.stdout.contains(&format!(
            "Pushed: [registry] {r}:again\nTagged again2\nDigest: {m_digest}\n"
        )),
        "{}",
        p.stdout
    );
    let desc = json(
        &oras(
            d.path(),
            &["manifest", "fetch", &format!("{r}:again"), "--descriptor"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(desc["digest"], m_digest.as_str());
    let cfg = oras(
        d.path(),
        &["manifest", "fetch-config", &format!("{r}:again")],
    )
    .ok();
    assert_eq!(cfg.stdout, "{}");
    let del = oras(
        d.path(),
        &["manifest", "delete", &format!("{r}@{m_digest}"), "--force"],
    )
    .ok();
    assert_eq!(del.stdout, format!("Deleted [registry] {r}@{m_digest}\n"));
    let e = oras(d.path(), &["manifest", "fetch", &format!("{r}:again")]).fails();
    assert!(e.stderr.contains("not found"), "{}", e.stderr);
    let missing = oras(
        d.path(),
        &["manifest", "delete", &format!("{r}@{m_digest}"), "--force"],
    )
    .ok();
    assert_eq!(missing.stdout, format!("Missing {r}@{m_digest}\n"));
}

#[test]
fn basic_auth_login_logout_and_credentials() {
    let reg = Distribution::start(Mode::Basic);
    let d = tempdir();
    let host = reg.localhost();
    let r = format!("{host}/secure/repo");
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    let cfg = d.path().join("auth.json");
    let cfg_s = cfg.display().to_string();
    std::fs::write(&cfg, br#"{"auths":{},"currentContext":"keep-me"}"#).unwrap();

    let e = oras(
        d.path(),
        &[
            "push",
            &format!("{r}:v1"),
            "a.txt",
            "--registry-config",
            &cfg_s,
        ],
    )
    .fails();
    assert_eq!(
        e.stderr,
        format!(
            "Error: basic credential not found\nPlease check whether the registry credential stored in the authentication file at {cfg_s:?} is correct\n"
        )
    );
    let e = oras(
        d.path(),
        &[
            "login",
            &host,
            "-u",
            USER,
            "-p",
            "wrong",
            "--registry-config",
            &cfg_s,
        ],
    )
    .fails();
    assert!(
        e.stderr
            .contains("Error response from registry: unauthorized"),
        "{}",
        e.stderr
    );
    let ok = oras_stdin(
        d.path(),
        &[
            "login",
            &host,
            "-u",
            USER,
            "--password-stdin",
            "--registry-config",
            &cfg_s,
        ],
        format!("{PASS}\n").as_bytes(),
    )
    .ok();
    assert_eq!(ok.stdout, "Login Succeeded\n");
    let saved: Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    assert_eq!(
        saved["currentContext"], "keep-me",
        "unknown fields are kept"
    );
    assert!(saved["auths"][&host]["auth"].is_string());
    assert_eq!(
        std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777,
        0o600
    );

    oras(
        d.path(),
        &[
            "push",
            &format!("{r}:v1"),
            "a.txt",
            "--registry-config",
            &cfg_s,
        ],
    )
    .ok();
    oras(
        d.path(),
        &[
            "pull",
            &format!("{r}:v1"),
            "-o",
            "out",
            "--registry-config",
            &cfg_s,
        ],
    )
    .ok();
    // --debug never shows the password or the Authorization value
    let dbg = oras(
        d.path(),
        &[
            "resolve",
            &format!("{r}:v1"),
            "--registry-config",
            &cfg_s,
            "-d",
        ],
    )
    .ok();
    assert!(
        dbg.stderr.contains("\"Authorization\": \"*****\""),
        "{}",
        dbg.stderr
    );
    assert!(
        !dbg.stderr.contains(PASS) && !dbg.stderr.contains("dGVzdHVzZXI6dGVzdHBhc3M="),
        "{}",
        dbg.stderr
    );

    oras(d.path(), &["logout", &host, "--registry-config", &cfg_s]).ok();
    let saved: Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    assert!(saved["auths"].get(&host).is_none(), "{saved}");
    oras(
        d.path(),
        &[
            "pull",
            &format!("{r}:v1"),
            "-o",
            "out",
            "--registry-config",
            &cfg_s,
        ],
    )
    .fails();
    // flags work without any stored credential
    oras(
        d.path(),
        &[
            "pull",
            &format!("{r}:v1"),
            "-o",
            "out2",
            "-u",
            USER,
            "-p",
            PASS,
            "--registry-config",
            &cfg_s,
        ],
    )
    .ok();
}

#[test]
fn credential_helper_on_path_is_used() {
    let reg = Distribution::start(Mode::Basic);
    let d = tempdir();
    let bin = d.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let store = d.path().join("helper-store");
    // A docker-credential helper keeping one credential in a file.
    let script = format!(
        "#!/bin/sh\nset -e\ncase \"$1\" in\n  store) cat > {s} ;;\n  get) read server || true; if [ -f {s} ]; then sed 's/\"ServerURL\":\"[^\"]*\",//' {s}; else echo 'credentials not found in native keychain'; exit 1; fi ;;\n  erase) rm -f {s} ;;\nesac\n",
        s = store.display()
    );
    let helper = bin.join("docker-credential-test");
    std::fs::write(&helper, script).unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cfg = d.path().join("config.json");
    std::fs::write(&cfg, br#"{"credsStore":"test"}"#).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        let out = std::process::Command::new(oras_bin())
            .args(args)
            .args(["--registry-config", cfg.to_str().unwrap()])
            .current_dir(d.path())
            .env("PATH", &path)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    std::fs::write(d.path().join("a.txt"), b"a").unwrap();
    let r = format!("{}/helper/repo:v1", reg.localhost());
    let (code, _, err) = run(&["push", &r, "a.txt"]);
    assert_eq!(code, Some(1), "{err}");
    let (code, out, err) = run(&["login", &reg.localhost(), "-u", USER, "-p", PASS]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Login Succeeded\n");
    assert!(
        std::fs::read_to_string(&store).unwrap().contains(USER),
        "the helper stored the credential"
    );
    assert!(
        !std::fs::read_to_string(&cfg).unwrap().contains("auths"),
        "nothing written in plain text"
    );
    let (code, _, err) = run(&["push", &r, "a.txt"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = run(&["logout", &reg.localhost()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!store.exists(), "the helper erased the credential");
}

#[test]
fn tls_registry_needs_the_ca() {
    let reg = Distribution::start(Mode::Tls);
    let d = tempdir();
    let ca = reg.ca_file().unwrap();
    let r = format!("{}/tls/repo:v1", reg.addr);
    std::fs::write(d.path().join("a.txt"), b"secure").unwrap();
    let e = oras(d.path(), &["push", &r, "a.txt"]).fails();
    assert!(
        e.stderr.to_lowercase().contains("certificate"),
        "{}",
        e.stderr
    );
    oras(
        d.path(),
        &["push", &r, "a.txt", "--ca-file", ca.to_str().unwrap()],
    )
    .ok();
    oras(d.path(), &["pull", &r, "-o", "out", "--insecure"]).ok();
    assert_eq!(
        std::fs::read(d.path().join("out/a.txt")).unwrap(),
        b"secure"
    );
    // localhost defaults to plain HTTP; --plain-http=false forces TLS
    let lr = format!("{}/tls/repo:v1", reg.localhost());
    oras(
        d.path(),
        &[
            "resolve",
            &lr,
            "--plain-http=false",
            "--ca-file",
            ca.to_str().unwrap(),
        ],
    )
    .ok();
}

#[test]
fn skopeo_reads_what_we_push_and_we_pull_what_it_pushes() {
    if !peer_available("skopeo") {
        return;
    }
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"interop").unwrap();
    let r = format!("{}/interop/repo", reg.addr);
    oras(
        d.path(),
        &[
            "push",
            &format!("{r}:ours"),
            "a.txt",
            "--plain-http",
            "--export-manifest",
            "m.json",
        ],
    )
    .ok();
    let out = std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{r}:ours"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, std::fs::read(d.path().join("m.json")).unwrap());
    // skopeo pushes a layout we wrote; we pull it back
    oras(d.path(), &["push", "--oci-layout", "lay:v1", "a.txt"]).ok();
    let st = std::process::Command::new("skopeo")
        .args([
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "oci:lay:v1",
            &format!("docker://{r}:theirs"),
        ])
        .current_dir(d.path())
        .status()
        .unwrap();
    assert!(st.success());
    oras(
        d.path(),
        &["pull", &format!("{r}:theirs"), "--plain-http", "-o", "out"],
    )
    .ok();
    assert_eq!(
        std::fs::read(d.path().join("out/a.txt")).unwrap(),
        b"interop"
    );
}

#[test]
fn backup_and_restore_with_referrers() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let src = format!("{}/bk/src", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"backed up").unwrap();
    oras(d.path(), &["push", &format!("{src}:v1,v2"), "a.txt"]).ok();
    oras(
        d.path(),
        &[
            "attach",
            &format!("{src}:v1"),
            "--artifact-type",
            "sig/x",
            "-a",
            "k=v",
        ],
    )
    .ok();
    let digest = oras(d.path(), &["resolve", &format!("{src}:v1")])
        .ok()
        .stdout
        .trim()
        .to_string();

    let b = oras(
        d.path(),
        &["backup", &src, "--output", "bk.tar", "--include-referrers"],
    )
    .ok();
    assert!(
        b.stdout
            .starts_with(&format!("Found 2 tag(s) in {src}: v1, v2\n")),
        "{}",
        b.stdout
    );
    assert!(
        b.stdout.contains("Pulled tag v1 with 1 referrer(s)\n"),
        "{}",
        b.stdout
    );
    assert!(
        b.stdout
            .contains("Exporting to bk.tar\nExported to bk.tar ("),
        "{}",
        b.stdout
    );
    assert!(
        b.stdout.contains(&format!(
            "Successfully backed up 2 tag(s) from {src:?} to \"bk.tar\" in "
        )),
        "{}",
        b.stdout
    );
    assert_eq!(
        oras(d.path(), &["repo", "tags", "--oci-layout", "bk.tar"])
            .ok()
            .stdout,
        "v1\nv2\n"
    );

    let dir = oras(d.path(), &["backup", &format!("{src}:v2"), "-o", "bkdir"]).ok();
    assert!(
        dir.stdout.contains("Pulled tag v2 with 0 referrer(s)\n"),
        "{}",
        dir.stdout
    );
    assert!(!d.path().join("bkdir/ingest").exists());

    let dst = format!("{}/bk/restored", reg.localhost());
    let dry = oras(
        d.path(),
        &["restore", &dst, "--input", "bk.tar", "--dry-run"],
    )
    .ok();
    assert!(
        dry.stdout
            .contains("Dry run: would push tag v1 with 1 referrer(s)\n"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.ends_with(&format!(
            "Dry run complete: 2 tag(s) would be restored to {dst:?} (no data pushed)\n"
        )),
        "{}",
        dry.stdout
    );
    oras(d.path(), &["resolve", &format!("{dst}:v1")]).fails();
    let r = oras(d.path(), &["restore", &dst, "--input", "bk.tar"]).ok();
    assert!(
        r.stdout.starts_with("Loaded backup archive: bk.tar ("),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("Successfully restored 2 tag(s) to {dst:?} in ")),
        "{}",
        r.stdout
    );
    assert_eq!(
        oras(d.path(), &["resolve", &format!("{dst}:v2")])
            .ok()
            .stdout
            .trim(),
        digest
    );
    let disc = json(
        &oras(
            d.path(),
            &["discover", &format!("{dst}:v1"), "--format", "json"],
        )
        .ok()
        .stdout,
    );
    assert_eq!(disc["referrers"][0]["artifactType"], "sig/x");

    let e = oras(d.path(), &["backup", &format!("{src}@{digest}"), "-o", "x"]).fails();
    assert!(
        e.stderr
            .starts_with("Error: digest references are not supported"),
        "{}",
        e.stderr
    );
    let e = oras(
        d.path(),
        &[
            "backup",
            &format!("{}/bk/empty", reg.localhost()),
            "-o",
            "x",
        ],
    )
    .fails();
    assert!(
        e.stderr.contains("name unknown") || e.stderr.contains("no tags found"),
        "{}",
        e.stderr
    );
}

#[test]
fn token_auth_anonymous_pull_password_and_identity_token() {
    let reg = Distribution::start(Mode::Token);
    let d = tempdir();
    let r = format!("{}/tok/repo", reg.localhost());
    std::fs::write(d.path().join("a.txt"), b"token").unwrap();
    let cfg = d.path().join("cfg.json");
    let cfg_s = cfg.display().to_string();
    // anonymous tokens only allow pull
    let e = oras(
        d.path(),
        &[
            "push",
            &format!("{r}:v1"),
            "a.txt",
            "--registry-config",
            &cfg_s,
        ],
    )
    .fails();
    assert!(
        e.stderr
            .contains("Error response from registry: unauthorized"),
        "{}",
        e.stderr
    );
    oras(
        d.path(),
        &[
            "push",
            &format!("{r}:v1"),
            "a.txt",
            "-u",
            USER,
            "-p",
            PASS,
            "--registry-config",
            &cfg_s,
        ],
    )
    .ok();
    oras(
        d.path(),
        &[
            "pull",
            &format!("{r}:v1"),
            "-o",
            "anon",
            "--registry-config",
            &cfg_s,
        ],
    )
    .ok();
    assert_eq!(
        std::fs::read(d.path().join("anon/a.txt")).unwrap(),
        b"token"
    );
    // an identity token goes through the OAuth2 refresh-token grant, and login stores it
    let token = oras_test_registry::token::REFRESH_TOKEN;
    oras(
        d.path(),
        &[
            "attach",
            &format!("{r}:v1"),
            "--artifact-type",
            "t/x",
            "-a",
            "k=v",
            "--identity-token",
            token,
            "--registry-config",
            &cfg_s,
        ],
    )
    .ok();
    let ok = oras_stdin(
        d.path(),
        &[
            "login",
            &reg.localhost(),
            "--identity-token-stdin",
            "--registry-config",
            &cfg_s,
        ],
        token.as_bytes(),
    )
    .ok();
    assert_eq!(ok.stdout, "Login Succeeded\n");
    let saved: Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    assert_eq!(saved["auths"][&reg.localhost()]["identitytoken"], token);
    oras(
        d.path(),
        &["tag", &format!("{r}:v1"), "v2", "--registry-config", &cfg_s],
    )
    .ok();
    let disc = json(
        &oras(
            d.path(),
            &[
                "discover",
                &format!("{r}:v2"),
                "--format",
                "json",
                "--registry-config",
                &cfg_s,
            ],
        )
        .ok()
        .stdout,
    );
    assert_eq!(disc["referrers"][0]["artifactType"], "t/x");
    let e = oras(
        d.path(),
        &[
            "login",
            &reg.localhost(),
            "--identity-token",
            "wrong",
            "--registry-config",
            &cfg_s,
        ],
    )
    .fails();
    assert!(e.stderr.contains("401"), "{}", e.stderr);
}

#[test]
fn copy_within_a_registry_mounts_blobs() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"mount me").unwrap();
    let src = format!("{}/m/src:v1", reg.localhost());
    oras(d.path(), &["push", &src, "a.txt"]).ok();
    let cp = oras(
        d.path(),
        &["cp", &src, &format!("{}/m/dst:v1", reg.localhost())],
    )
    .ok();
    assert!(
        cp.stdout
            .lines()
            .any(|l| l.starts_with("Mounted ") && l.ends_with(" a.txt")),
        "{}",
        cp.stdout
    );
    assert!(
        !cp.stdout
            .lines()
            .any(|l| l.starts_with("Copied ") && l.ends_with(" a.txt")),
        "{}",
        cp.stdout
    );
    oras(
        d.path(),
        &[
            "pull",
            &format!("{}/m/dst:v1", reg.localhost()),
            "-o",
            "out",
        ],
    )
    .ok();
    assert_eq!(
        std::fs::read(d.path().join("out/a.txt")).unwrap(),
        b"mount me"
    );
    // other credentials for the destination: a mount is still asked for (as oras does); a
    // registry that refuses it gets the blob copied instead
    let cp = oras(
        d.path(),
        &[
            "cp",
            &src,
            &format!("{}/m/dst2:v1", reg.localhost()),
            "--to-username",
            "x",
            "--to-password",
            "y",
        ],
    )
    .ok();
    assert!(cp.stdout.contains("Mounted"), "{}", cp.stdout);
}

/// The Python with the oras-py SDK (PyPI `oras`): `$ORAS_PY`, or `target/pyenv` made by scripts/test.
fn oras_py() -> Option<std::path::PathBuf> {
    let p = std::env::var_os("ORAS_PY")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/python")
        });
    let ok = std::process::Command::new(&p)
        .args(["-c", "import oras.client"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return Some(p);
    }
    let required =
        std::env::var_os("CI").is_some() || std::env::var_os("ORAS_TEST_REQUIRE_PEERS").is_some();
    assert!(
        !required,
        "oras-py is required for this test (scripts/test installs it into target/pyenv)"
    );
    eprintln!("SKIPPED: oras-py is not installed");
    None
}

#[test]
fn oras_py_interop_both_ways() {
    let Some(py) = oras_py() else { return };
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    std::fs::write(d.path().join("hello.txt"), b"hello from python\n").unwrap();
    std::fs::write(d.path().join("ours.txt"), b"hello from rust\n").unwrap();
    let host = reg.addr.clone();
    oras(
        d.path(),
        &[
            "push",
            &format!("{host}/py/repo:ours"),
            "ours.txt",
            "--plain-http",
        ],
    )
    .ok();
    let script = format!(
        r#"
import os, oras.client
c = oras.client.OrasClient(hostname="{host}", insecure=True)
c.push(target="{host}/py/repo:theirs", files=["hello.txt:text/plain"])
files = c.pull(target="{host}/py/repo:ours", outdir="pyout")
print(open(os.path.join("pyout", "ours.txt"), "rb").read().decode(), end="")
"#
    );
    let out = std::process::Command::new(&py)
        .args(["-c", &script])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "oras-py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from rust\n");
    oras(
        d.path(),
        &[
            "pull",
            &format!("{host}/py/repo:theirs"),
            "--plain-http",
            "-o",
            "out",
        ],
    )
    .ok();
    assert_eq!(
        std::fs::read(d.path().join("out/hello.txt")).unwrap(),
        b"hello from python\n"
    );
}

#[test]
fn chunked_uploads_to_distribution() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let data: Vec<u8> = (0..(5 << 20) + 123).map(|i| (i % 253) as u8).collect();
    std::fs::write(d.path().join("big.bin"), &data).unwrap();
    let r = format!("{}/chunked/repo:v1", reg.localhost());
    // per-registry values: this registry chunks above 1 MiB, in 2 MiB chunks (the default)
    let above = format!("other.example:1=1,{}=1048576", reg.localhost());
    let out = oras_env(
        d.path(),
        &["push", &r, "big.bin", "--debug"],
        &[
            ("ORAS_CHUNKED_ABOVE", &above),
            ("ORAS_CHUNK_SIZE", "other.example:1=1,2097152"),
        ],
    )
    .ok();
    let trace = &out.stderr;
    assert_eq!(
        trace.matches("> Request method: \"PATCH\"").count(),
        3,
        "5 MiB in 2 MiB chunks"
    );
    oras(d.path(), &["pull", &r, "-o", "out"]).ok();
    assert_eq!(std::fs::read(d.path().join("out/big.bin")).unwrap(), data);
}

/// The same command sequence in every mode of distribution 2.8.
fn command_matrix(mode: Mode) {
    let reg = Distribution::start(mode);
    let d = tempdir();
    let (host, mut flags): (String, Vec<String>) = match mode {
        Mode::Tls => (
            reg.addr.clone(),
            vec![
                "--ca-file".into(),
                reg.ca_file().unwrap().display().to_string(),
            ],
        ),
        Mode::MutualTls => {
            let (cert, key) = reg.client_cert().unwrap();
            (
                reg.addr.clone(),
                vec![
                    "--ca-file".into(),
                    reg.ca_file().unwrap().display().to_string(),
                    "--cert-file".into(),
                    cert.display().to_string(),
                    "--key-file".into(),
                    key.display().to_string(),
                ],
            )
        }
        _ => (reg.localhost(), vec![]),
    };
    if matches!(mode, Mode::Basic | Mode::Token) {
        flags.extend([
            "-u".to_string(),
            USER.to_string(),
            "-p".to_string(),
            PASS.to_string(),
        ]);
    }
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(flags.iter().map(String::as_str));
        oras(d.path(), &all).ok()
    };
    std::fs::write(d.path().join("m.txt"), format!("matrix {mode:?}")).unwrap();
    let r = format!("{host}/matrix/app");
    let digest =
        json(&run(&["push", &format!("{r}:v1"), "m.txt", "--format", "json"]).stdout)["digest"]
            .as_str()
            .unwrap()
            .to_string();
    run(&["tag", &format!("{r}:v1"), "v2"]);
    assert_eq!(run(&["resolve", &format!("{r}:v2")]).stdout.trim(), digest);
    let m = json(&run(&["manifest", "fetch", &format!("{r}@{digest}")]).stdout);
    let layer = m["layers"][0]["digest"].as_str().unwrap().to_string();
    assert_eq!(
        run(&["blob", "fetch", &format!("{r}@{layer}"), "-o", "-"]).stdout,
        format!("matrix {mode:?}")
    );
    run(&[
        "attach",
        &format!("{r}:v1"),
        "--artifact-type",
        "sig/m",
        "-a",
        "k=v",
    ]);
    let disc = json(&run(&["discover", &format!("{r}:v1"), "--format", "json"]).stdout);
    assert_eq!(disc["referrers"][0]["artifactType"], "sig/m");
    assert!(run(&["repo", "tags", &r]).stdout.contains("v2\n"));
    assert!(run(&["repo", "ls", &host]).stdout.contains("matrix/app\n"));
    // cp has only --from-*/--to-* connection flags
    let mut cp: Vec<String> = vec![
        "cp".into(),
        "-r".into(),
        format!("{r}:v1"),
        format!("{host}/matrix/copy:v1"),
    ];
    for pair in flags.chunks(2) {
        let name = match pair[0].as_str() {
            "-u" => "username",
            "-p" => "password",
            other => other.trim_start_matches("--"),
        };
        for side in ["from", "to"] {
            cp.extend([format!("--{side}-{name}"), pair[1].clone()]);
        }
    }
    oras(d.path(), &cp.iter().map(String::as_str).collect::<Vec<_>>()).ok();
    run(&[
        "backup",
        &format!("{r}:v1"),
        "-o",
        "b.tar",
        "--include-referrers",
    ]);
    run(&[
        "restore",
        &format!("{host}/matrix/restored"),
        "--input",
        "b.tar",
    ]);
    assert_eq!(
        run(&["resolve", &format!("{host}/matrix/restored:v1")])
            .stdout
            .trim(),
        digest
    );
    run(&["pull", &format!("{host}/matrix/copy:v1"), "-o", "out"]);
    assert_eq!(
        std::fs::read_to_string(d.path().join("out/m.txt")).unwrap(),
        format!("matrix {mode:?}")
    );
    run(&[
        "manifest",
        "delete",
        &format!("{host}/matrix/copy@{digest}"),
        "-f",
    ]);
}

#[test]
fn command_matrix_plain() {
    command_matrix(Mode::Plain);
}

#[test]
fn command_matrix_basic_auth() {
    command_matrix(Mode::Basic);
}

#[test]
fn command_matrix_token_auth() {
    command_matrix(Mode::Token);
}

#[test]
fn command_matrix_tls() {
    command_matrix(Mode::Tls);
}

#[test]
fn command_matrix_client_certificate() {
    command_matrix(Mode::MutualTls);
}

#[test]
fn a_registry_requiring_a_client_certificate_refuses_a_client_without_one() {
    let reg = Distribution::start(Mode::MutualTls);
    let d = tempdir();
    let ca = reg.ca_file().unwrap();
    let (cert, key) = reg.client_cert().unwrap();
    let r = format!("{}/mtls/repo:v1", reg.addr);
    std::fs::write(d.path().join("a.txt"), b"mutual").unwrap();
    let ca = ca.to_str().unwrap();
    oras(d.path(), &["push", &r, "a.txt", "--ca-file", ca]).fails();
    // a key file without a key
    let other = tempdir();
    std::fs::write(
        other.path().join("k.pem"),
        std::fs::read(d.path().join("a.txt")).unwrap(),
    )
    .unwrap();
    let e = oras(
        d.path(),
        &[
            "push",
            &r,
            "a.txt",
            "--ca-file",
            ca,
            "--cert-file",
            cert.to_str().unwrap(),
            "--key-file",
            other.path().join("k.pem").to_str().unwrap(),
        ],
    )
    .fails();
    assert!(
        e.stderr.contains("invalid client certificate"),
        "{}",
        e.stderr
    );
    oras(
        d.path(),
        &[
            "push",
            &r,
            "a.txt",
            "--ca-file",
            ca,
            "--cert-file",
            cert.to_str().unwrap(),
            "--key-file",
            key.to_str().unwrap(),
        ],
    )
    .ok();
}

#[test]
fn segmented_download_from_distribution() {
    let reg = Distribution::start(Mode::Plain);
    let d = tempdir();
    let r = format!("{}/seg/repo:v1", reg.localhost());
    let data: Vec<u8> = (0..(700u32 << 10) + 77).map(|i| (i % 253) as u8).collect();
    std::fs::write(d.path().join("big.bin"), &data).unwrap();
    oras(d.path(), &["push", &r, "big.bin"]).ok();
    for (name, cmd) in [
        ("pull", vec!["pull", r.as_str(), "-o", "out", "-d"]),
        (
            "cp",
            vec!["cp", r.as_str(), "--to-oci-layout", "lay:v1", "-d"],
        ),
    ] {
        let out = oras_env(
            d.path(),
            &cmd,
            &[
                ("ORAS_DOWNLOAD_CONNECTIONS", "4"),
                ("ORAS_PARALLEL_ABOVE", "1"),
                ("ORAS_SEGMENT_SIZE", "65536"),
            ],
        );
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        // distribution served every 64 KiB segment as asked (11 segments for 700 KiB)
        let segments = out
            .stderr
            .matches("< Response Status: \"206 Partial Content\"")
            .count();
        assert_eq!(segments, 11, "{name}: {}", out.stderr);
        assert!(
            out.stderr.contains("\"Range\": \"bytes=655360-716876\""),
            "{name}: {}",
            out.stderr
        );
    }
    assert_eq!(std::fs::read(d.path().join("out/big.bin")).unwrap(), data);
    oras(d.path(), &["pull", "--oci-layout", "lay:v1", "-o", "again"]).ok();
    assert_eq!(std::fs::read(d.path().join("again/big.bin")).unwrap(), data);
}
