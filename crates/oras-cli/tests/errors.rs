//! oras 1.3.3's error output, case by case: the exact stderr (prefix `Error:`, `Error response
//! from registry:` or `Error from source registry for "…":`, the optional `Usage:` and
//! recommendation lines) and exit status 1, against distribution 2.8 (plain and basic auth)
//! and OCI layouts. The cases follow oras's own e2e suite (test/e2e/suite/{command,auth}) and
//! what oras 1.3.3 printed side by side.
//!
//! In the expected texts `{R}` is the plain registry, `{B}` the basic-auth one, `{H}` the home
//! directory of the run, `{D}` the digest of `{R}/x/y:v1` (also `lay:v1`), `{PD}` the digest
//! of the manifest `push` packs in the credential cases and `{BD}` the digest of `blob.txt`.

mod common;

use std::path::Path;

use common::*;
use oras_test_registry::{Distribution, Mode, PASS, USER};

/// One command line and what oras prints for it.
struct Case {
    args: Vec<String>,
    stderr: String,
}

fn case(args: &[&str], stderr: &str) -> Case {
    Case {
        args: args.iter().map(|a| a.to_string()).collect(),
        stderr: stderr.to_string(),
    }
}

/// Placeholder values.
struct Vars(Vec<(&'static str, String)>);

impl Vars {
    fn expand(&self, s: &str) -> String {
        self.0
            .iter()
            .fold(s.to_string(), |s, (k, v)| s.replace(k, v))
    }
}

/// Runs every case in `dir` and fails with all the mismatches at once.
fn check(dir: &Path, vars: &Vars, cases: &[Case]) {
    let mut wrong = Vec::new();
    for c in cases {
        let args: Vec<String> = c.args.iter().map(|a| vars.expand(a)).collect();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = oras(dir, &argv);
        let want = vars.expand(&c.stderr);
        if run.code != 1 || run.stderr != want {
            wrong.push(format!(
                "oras {}\n  exit {} (want 1)\n  got:  {:?}\n  want: {:?}",
                args.join(" "),
                run.code,
                run.stderr,
                want
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// A plain registry with `x/y:v1` (one file, a fixed creation time) and the layout `lay` with
/// the same artifact as `lay:v1`.
fn plain_registry(dir: &Path) -> (Distribution, Vars) {
    let reg = Distribution::start(Mode::Plain);
    let r = reg.localhost();
    std::fs::write(dir.join("foo.txt"), b"foo\n").unwrap();
    oras(
        dir,
        &[
            "push",
            &format!("{r}/x/y:v1"),
            "foo.txt",
            "-a",
            "org.opencontainers.image.created=2025-01-01T00:00:00Z",
        ],
    )
    .ok();
    oras(
        dir,
        &["cp", &format!("{r}/x/y:v1"), "--to-oci-layout", "lay:v1"],
    )
    .ok();
    let d = oras(dir, &["resolve", &format!("{r}/x/y:v1")]).ok();
    let vars = Vars(vec![
        ("{R}", r),
        ("{D}", d.stdout.trim().to_string()),
        ("{H}", dir.display().to_string()),
    ]);
    (reg, vars)
}

#[test]
fn missing_content_is_the_registry_answer_and_a_layout_says_not_found() {
    let d = tempdir();
    let (_reg, vars) = plain_registry(d.path());
    let zero = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let blob = format!("{{R}}/x/y@{zero}");
    let blob_missing = format!("Error response from registry: {blob}: not found\n");
    check(
        d.path(),
        &vars,
        &[
            case(
                &["manifest", "fetch", "{R}/x/y:nope"],
                "Error response from registry: failed to fetch the content of \"{R}/x/y:nope\": {R}/x/y:nope: not found\n",
            ),
            case(
                &["manifest", "fetch", "--descriptor", "{R}/x/y:nope"],
                "Error response from registry: failed to find \"{R}/x/y:nope\": {R}/x/y:nope: not found\n",
            ),
            case(&["blob", "fetch", &blob, "-o", "-"], &blob_missing),
            case(&["blob", "fetch", &blob, "--descriptor"], &blob_missing),
            case(
                &["pull", "{R}/x/y:nope"],
                "Error response from registry: {R}/x/y:nope: not found\n",
            ),
            case(
                &["resolve", "{R}/x/y:nope"],
                "Error response from registry: failed to resolve digest: {R}/x/y:nope: not found\n",
            ),
            case(
                &["tag", "{R}/x/y:nope", "tagged"],
                "Error response from registry: {R}/x/y:nope: not found\n",
            ),
            case(
                &["repo", "tags", "{R}/x/y:nope"],
                "Error response from registry: {R}/x/y:nope: not found\n",
            ),
            case(
                &["repo", "tags", "{R}/nonexistent"],
                "Error response from registry: name unknown: repository name not known to registry: map[name:nonexistent]\n",
            ),
            case(
                &["discover", "{R}/x/y:nope"],
                "Error response from registry: {R}/x/y:nope: not found\n",
            ),
            case(
                &["manifest", "fetch-config", "{R}/x/y:nope"],
                "Error response from registry: {R}/x/y:nope: not found\n",
            ),
            // a registry without a target reference (backup): missing content is a plain error
            case(
                &["backup", "-o", "out", "{R}/x/y:nope"],
                "Error: failed to back up tag \"nope\" from \"{R}/x/y\" to \"out\": {R}/x/y:nope: not found\n",
            ),
            case(
                &["backup", "-o", "out2", "{R}/nonexistent"],
                "Error response from registry: name unknown: repository name not known to registry: map[name:nonexistent]\n",
            ),
            // a layout says just `not found`, without a registry prefix
            case(
                &["manifest", "fetch", "--oci-layout", "lay:nope"],
                "Error: failed to fetch the content of \"lay:nope\": not found\n",
            ),
            case(
                &["resolve", "--oci-layout", "lay:nope"],
                "Error: failed to resolve digest: not found\n",
            ),
            case(&["pull", "--oci-layout", "lay:nope"], "Error: not found\n"),
        ],
    );
}

#[test]
fn copy_errors_name_the_end_that_failed() {
    let d = tempdir();
    let (_plain, mut vars) = plain_registry(d.path());
    let basic = Distribution::start(Mode::Basic);
    vars.0.push(("{B}", basic.localhost()));
    check(
        d.path(),
        &vars,
        &[
            // with a destination tag the source is resolved by the copy: its end is named
            case(
                &["cp", "{R}/x/y:nope", "{R}/x/z:v1"],
                "Error from source registry for \"{R}/x/y:nope\": {R}/x/y:nope: not found\n",
            ),
            case(
                &["cp", "--from-oci-layout", "lay:nope", "{R}/x/z:v1"],
                "Error from source oci-layout for \"lay:nope\": not found\n",
            ),
            // without one (or with -r) it is resolved first, as the source target
            case(
                &["cp", "{R}/x/y:nope", "--to-oci-layout", "dst"],
                "Error response from registry: failed to resolve nope: {R}/x/y:nope: not found\n",
            ),
            case(
                &["cp", "-r", "{R}/x/y:nope", "{R}/x/z:v1"],
                "Error response from registry: failed to resolve nope: {R}/x/y:nope: not found\n",
            ),
            case(
                &[
                    "cp",
                    "{B}/x/y:v1",
                    "{R}/x/q",
                    "--from-username",
                    USER,
                    "--from-password",
                    "wrong",
                ],
                "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from registry: unauthorized: authentication required: [map[Action:pull Class: Name:x/y Type:repository]]\n",
            ),
            case(
                &[
                    "cp",
                    "{B}/x/y:v1",
                    "{R}/x/q:t",
                    "--from-username",
                    USER,
                    "--from-password",
                    "wrong",
                ],
                "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError from source registry for \"{B}/x/y:v1\": unauthorized: authentication required: [map[Action:pull Class: Name:x/y Type:repository]]\n",
            ),
            case(
                &[
                    "cp",
                    "--from-oci-layout",
                    "lay:v1",
                    "{B}/x/z",
                    "--to-username",
                    USER,
                    "--to-password",
                    "wrong",
                ],
                "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError from destination registry for \"{B}/x/z\": HEAD \"http://{B}/v2/x/z/manifests/{D}\": response status code 401: Unauthorized\n",
            ),
            case(
                &["cp", "{R}/x/y:v1", "{B}/x/q:t"],
                "Error from destination registry for \"{B}/x/q:t\": basic credential not found\nPlease check whether the registry credential stored in the authentication file at \"{H}/.docker/config.json\" is correct\n",
            ),
            case(
                &[
                    "cp",
                    "{R}/x/y:v1",
                    "{B}/x/q:t",
                    "--to-registry-config",
                    "to.json",
                ],
                "Error from destination registry for \"{B}/x/q:t\": basic credential not found\nPlease check whether the registry credential stored in the authentication file at \"to.json\" is correct\n",
            ),
            // flags of one end are named with its prefix
            case(
                &[
                    "cp",
                    "{R}/x/y:v1",
                    "{R}/x/q",
                    "--from-username",
                    "u",
                    "--from-identity-token",
                    "t",
                ],
                "Error: --from-username, --from-identity-token cannot be used at the same time\n",
            ),
            case(
                &[
                    "cp",
                    "v1",
                    "{R}/x/q",
                    "--from-oci-layout",
                    "--from-oci-layout-path",
                    "lay",
                ],
                "Error: --from-oci-layout-path, --from-oci-layout cannot be used at the same time\n",
            ),
            case(
                &["cp", "{R}/x/y:v1", "{R}/x/q", "--to-key-file", "k"],
                "Error: --to-key-file must be used in conjunction with --to-cert-file\n",
            ),
        ],
    );
}

#[test]
fn wrong_or_missing_credentials_on_every_data_command() {
    let d = tempdir();
    let reg = Distribution::start(Mode::Basic);
    std::fs::write(d.path().join("blob.txt"), b"blob\n").unwrap();
    std::fs::write(d.path().join("empty.json"), b"{}").unwrap();
    // the manifest `push -a … {B}/repo:tag` packs, made in a layout first
    let created = "org.opencontainers.image.created=2025-01-01T00:00:00Z";
    oras(
        d.path(),
        &["push", "--oci-layout", "packed:tag", "-a", created],
    )
    .ok();
    let pd = oras(d.path(), &["resolve", "--oci-layout", "packed:tag"]).ok();
    let vars = Vars(vec![
        ("{B}", reg.localhost()),
        ("{H}", d.path().display().to_string()),
        ("{PD}", pd.stdout.trim().to_string()),
        ("{BD}", sha256_file(&d.path().join("blob.txt"))),
    ]);
    let pull_denied = "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from registry: unauthorized: authentication required: [map[Action:pull Class: Name:repo Type:repository]]\n";
    let aaa = "{B}/repo@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let no_credential = "Error: basic credential not found\nPlease check whether the registry credential stored in the authentication file at \"empty.json\" is correct\n";
    check(
        d.path(),
        &vars,
        &[
            // a wrong password: the registry's answer, in its words
            case(
                &[
                    "attach",
                    "{B}/repo:tag",
                    "-a",
                    "test=true",
                    "--artifact-type",
                    "doc/example",
                    "-u",
                    USER,
                    "-p",
                    "wrong",
                ],
                pull_denied,
            ),
            case(
                &["discover", "{B}/repo:tag", "-u", USER, "-p", "wrong"],
                pull_denied,
            ),
            case(
                &[
                    "push",
                    "-a",
                    created,
                    "{B}/repo:tag",
                    "-u",
                    USER,
                    "-p",
                    "wrong",
                ],
                "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from registry: HEAD \"http://{B}/v2/repo/manifests/{PD}\": response status code 401: Unauthorized\n",
            ),
            case(
                &["pull", "{B}/repo:tag", "-u", USER, "-p", "wrong"],
                pull_denied,
            ),
            case(
                &[
                    "manifest",
                    "fetch",
                    "{B}/repo:tag",
                    "-u",
                    USER,
                    "-p",
                    "wrong",
                ],
                pull_denied,
            ),
            case(
                &["blob", "delete", aaa, "-u", USER, "-p", "wrong"],
                "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from registry: HEAD \"http://{B}/v2/repo/blobs/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": response status code 401: Unauthorized\n",
            ),
            case(
                &[
                    "blob", "push", "{B}/repo", "blob.txt", "-u", USER, "-p", "wrong",
                ],
                "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from registry: HEAD \"http://{B}/v2/repo/blobs/{BD}\": response status code 401: Unauthorized\n",
            ),
            case(
                &["tag", "{B}/repo:tag", "tag1", "-u", USER, "-p", "wrong"],
                pull_denied,
            ),
            case(
                &["resolve", "{B}/repo:tag", "-u", USER, "-p", "wrong"],
                pull_denied,
            ),
            case(
                &["repo", "ls", "{B}", "-u", USER, "-p", "wrong"],
                "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from registry: unauthorized: authentication required: [map[Action:* Class: Name:catalog Type:registry]]\n",
            ),
            case(
                &["repo", "tags", "{B}/repo", "-u", USER, "-p", "wrong"],
                pull_denied,
            ),
            case(
                &[
                    "manifest",
                    "fetch-config",
                    "{B}/repo:tag",
                    "-u",
                    USER,
                    "-p",
                    "wrong",
                ],
                pull_denied,
            ),
            // no credential stored: the hint names the credentials file as given
            case(
                &[
                    "attach",
                    "{B}/repo:tag",
                    "-a",
                    "test=true",
                    "--artifact-type",
                    "doc/example",
                    "--registry-config",
                    "empty.json",
                ],
                no_credential,
            ),
            case(
                &["pull", "{B}/repo:tag", "--registry-config", "empty.json"],
                no_credential,
            ),
            case(
                &[
                    "manifest",
                    "fetch",
                    "{B}/repo:tag",
                    "--registry-config",
                    "empty.json",
                ],
                "Error: failed to fetch the content of \"{B}/repo:tag\": basic credential not found\nPlease check whether the registry credential stored in the authentication file at \"empty.json\" is correct\n",
            ),
            case(
                &["resolve", "{B}/repo:tag", "--registry-config", "empty.json"],
                "Error: failed to resolve digest: basic credential not found\nPlease check whether the registry credential stored in the authentication file at \"empty.json\" is correct\n",
            ),
            case(
                &["repo", "ls", "{B}", "--registry-config", "empty.json"],
                "Error: could not list repositories for \"{B}\": basic credential not found\nPlease check whether the registry credential stored in the authentication file at \"empty.json\" is correct\n",
            ),
            case(
                &["blob", "push", "{B}/repo", "blob.txt"],
                "Error: basic credential not found\nPlease check whether the registry credential stored in the authentication file at \"{H}/.docker/config.json\" is correct\n",
            ),
        ],
    );
    // the right password still works
    oras(
        d.path(),
        &[
            "blob",
            "push",
            &vars.expand("{B}/repo"),
            "blob.txt",
            "-u",
            USER,
            "-p",
            PASS,
        ],
    )
    .ok();
}

#[test]
fn flag_and_argument_checks_come_in_oras_order_with_its_words() {
    let d = tempdir();
    let (_reg, vars) = plain_registry(d.path());
    std::fs::write(d.path().join("empty.tar"), b"").unwrap();
    check(
        d.path(),
        &vars,
        &[
            case(
                &[
                    "manifest",
                    "fetch",
                    "--oci-layout",
                    "--oci-layout-path",
                    "lay",
                    "v1",
                ],
                "Error: --oci-layout-path, --oci-layout cannot be used at the same time\n",
            ),
            case(
                &[
                    "manifest",
                    "index",
                    "update",
                    "{R}/x/y:v1",
                    "--add",
                    "{D}",
                    "--output",
                    "-",
                    "--tag",
                    "v2",
                ],
                "Error: --tag, --output cannot be used at the same time\n",
            ),
            // the argument count (with usage) before a required flag
            case(
                &["attach"],
                "Error: \"oras attach\" requires at least 1 argument but got 0\nUsage: oras attach [flags] --artifact-type=<type> <name>{:<tag>|@<digest>} {<file>[:<layer_media_type>]|--annotation <key>=<value>} [...]\nPlease specify at least 1 argument as the destination artifact for attaching.. Run \"oras attach -h\" for more options and examples\n",
            ),
            case(
                &["attach", "{R}/x/y:v1"],
                "Error: required flag(s) \"artifact-type\" not set\n",
            ),
            case(
                &["backup", "{R}/x/y:v1"],
                "Error: required flag(s) \"output\" not set\n",
            ),
            case(
                &["restore", "{R}/x/r"],
                "Error: required flag(s) \"input\" not set\n",
            ),
            // a subject without a tag, or no reference at all, and no file
            case(
                &["attach", "--artifact-type", "oras/test", "{R}/x/y"],
                "Error: \"{R}/x/y\": no tag or digest specified\nUsage: oras attach [flags] --artifact-type=<type> <name>{:<tag>|@<digest>} {<file>[:<layer_media_type>]|--annotation <key>=<value>} [...]\nAre you missing an artifact reference to attach to? Please specify a reference in the form of \"<name>:<tag>\" or \"<name>@<digest>\". Run \"oras attach -h\" for more options and examples\n",
            ),
            case(
                &["attach", "--artifact-type", "oras/test", "/oras"],
                "Error: \"/oras\": invalid reference: invalid registry \"\"\nAre you missing an artifact reference to attach to? Please make sure the provided reference is in the form of <registry>/<repo>[:tag|@digest]\n",
            ),
            case(
                &["attach", "--artifact-type", "oras/test", "/oras", "x.txt"],
                "Error: \"/oras\": invalid reference: invalid registry \"\"\nPlease make sure the provided reference is in the form of <registry>/<repo>[:tag|@digest]\n",
            ),
            // backup and restore
            case(
                &["backup", "--output", "out", "invalid/format@sha256:digest"],
                "Error: digest references are not supported: \"invalid/format@sha256:digest\"\n",
            ),
            case(
                &[
                    "backup",
                    "--output",
                    "out",
                    "invalid/format:v1,@sha256:123abc",
                ],
                "Error: digest references are not supported: \"invalid/format:v1,@sha256:123abc\"\n",
            ),
            case(
                &["restore", "--input", "lay", "invalid/format@sha256:digest"],
                "Error: digest references are not supported: \"invalid/format@sha256:digest\"\n",
            ),
            case(
                &["backup", "-o", "", "{R}/x/y:v1"],
                "Error: the output path cannot be empty\n",
            ),
            case(
                &["restore", "--input", "", "{R}/x/r"],
                "Error: the input path cannot be empty\n",
            ),
            case(
                &["restore", "--input", "empty.tar", "{R}/x/r"],
                "Error: failed to prepare OCI store from tar archive \"empty.tar\": invalid OCI Image Layout: failed to open OCI layout file: open oci-layout: file does not exist\n",
            ),
            // a file from stdin and a secret from stdin: refused before anything else
            case(
                &["blob", "push", "--password-stdin", "/bad", "-"],
                "Error: `-` read file from input and `--password-stdin` read password from input cannot be both used\n",
            ),
            case(
                &["blob", "push", "--identity-token-stdin", "{R}/x/y", "-"],
                "Error: `-` read file from input and `--identity-token-stdin` read identity token from input cannot be both used\n",
            ),
            case(
                &["blob", "push", "/bad", "-"],
                "Error: `--size` must be provided if the blob is read from stdin\n",
            ),
            case(
                &[
                    "manifest",
                    "push",
                    "--password-stdin",
                    "--distribution-spec",
                    "x",
                    "{R}/x/y:t",
                    "-",
                ],
                "Error: `-` read file from input and `--password-stdin` read password from input cannot be both used\n",
            ),
            case(
                &[
                    "manifest",
                    "push",
                    "--identity-token-stdin",
                    "{R}/x/y:t",
                    "-",
                ],
                "Error: `-` read file from input and `--identity-token-stdin` read identity token from input cannot be both used\n",
            ),
            // credential flags in oras's order
            case(
                &[
                    "resolve",
                    "-u",
                    "u",
                    "--identity-token",
                    "t",
                    "-p",
                    "p",
                    "{R}/x/y:v1",
                ],
                "Error: --username, --identity-token cannot be used at the same time\n",
            ),
            case(
                &["resolve", "-p", "p", "--password-stdin", "{R}/x/y:v1"],
                "Error: --password, --password-stdin cannot be used at the same time\n",
            ),
            case(
                &["resolve", "--key-file", "k", "{R}/x/y:v1"],
                "Error: --key-file must be used in conjunction with --cert-file\n",
            ),
            case(
                &["resolve", "--cert-file", "c", "{R}/x/y:v1"],
                "Error: --cert-file must be used in conjunction with --key-file\n",
            ),
        ],
    );
}
