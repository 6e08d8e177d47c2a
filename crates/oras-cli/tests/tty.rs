//! Progress on a real terminal (tmux): oras's two-line layout per blob, our total line, and the
//! result lines after it.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

/// Runs `script` in a detached 100x30 tmux session and returns the screen once `done` appears.
fn screen(session: &str, script: &str, done: &str) -> String {
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", session])
        .output();
    let st = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "100",
            "-y",
            "30",
            &format!("{script}; sleep 30"),
        ])
        .status()
        .unwrap();
    assert!(st.success(), "tmux could not start");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    while Instant::now() < deadline {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", session])
            .output()
            .unwrap();
        last = String::from_utf8_lossy(&out.stdout).into_owned();
        if last.contains(done) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", session])
        .output();
    last
}

#[test]
fn push_and_pull_show_progress_on_a_terminal() {
    if !peer_available("tmux") {
        return;
    }
    let d = tempdir();
    let data: Vec<u8> = (0..(8 << 20)).map(|i| (i % 251) as u8).collect();
    std::fs::write(d.path().join("big.bin"), &data).unwrap();
    let digest = sha256_file(&d.path().join("big.bin"));
    let oras = oras_bin().display().to_string();
    let dir = d.path().display().to_string();
    let session = format!("oras-tty-{}", std::process::id());

    let push = screen(
        &session,
        &format!("cd {dir} && {oras} push --oci-layout L:v1 big.bin"),
        "Digest: ",
    );
    let lines: Vec<&str> = push.lines().collect();
    let blob = lines
        .iter()
        .position(|l| l.starts_with("✓ Uploaded  big.bin"))
        .unwrap_or_else(|| panic!("no done line:\n{push}"));
    assert!(lines[blob].trim_end().ends_with('s'), "{push}");
    assert!(lines[blob].contains("8/8 MB 100.00%"), "{push}");
    assert_eq!(lines[blob + 1], format!("  └─ {digest}"));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("✓ Uploaded  application/vnd.oci.image.manifest.v1+json")),
        "{push}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("  Total 8 MB/8 MB ")),
        "{push}"
    );
    assert!(
        !push.contains("Uploading "),
        "no plain status lines on a terminal:\n{push}"
    );
    assert!(push.contains("Pushed [oci-layout] L:v1\nArtifactType: application/vnd.unknown.artifact.v1\nDigest: sha256:"), "{push}");
    assert!(
        lines.iter().all(|l| l.chars().count() < 100),
        "no line wraps:\n{push}"
    );

    let pull = screen(
        &session,
        &format!("cd {dir} && {oras} pull --oci-layout L:v1 -o out"),
        "Digest: ",
    );
    assert!(
        pull.lines()
            .any(|l| l.starts_with("✓ Pulled      big.bin") && l.contains("8/8 MB 100.00%")),
        "{pull}"
    );
    assert!(
        pull.contains("Pulled [oci-layout] L:v1\nDigest: "),
        "{pull}"
    );
    assert_eq!(std::fs::read(d.path().join("out/big.bin")).unwrap(), data);

    // --no-tty keeps oras's plain lines even on a terminal
    let plain = screen(
        &session,
        &format!("cd {dir} && {oras} pull --oci-layout L:v1 -o out2 --no-tty"),
        "Digest: ",
    );
    assert!(plain.contains("Downloaded  "), "{plain}");
    assert!(!plain.contains("✓"), "{plain}");
}

#[test]
fn a_second_name_of_the_same_content_on_a_terminal() {
    // push shows it Skipped (its text lines say Exists), pull Restored
    if !peer_available("tmux") {
        return;
    }
    let d = tempdir();
    std::fs::write(d.path().join("foo1"), b"foo").unwrap();
    std::fs::write(d.path().join("foo2"), b"foo").unwrap();
    let oras = oras_bin().display().to_string();
    let dir = d.path().display().to_string();
    let session = format!("oras-tty-dedup-{}", std::process::id());
    let push = screen(
        &session,
        &format!("cd {dir} && {oras} push --oci-layout L:v1 foo1 foo2"),
        "Digest: ",
    );
    for want in ["✓ Uploaded  foo1", "✓ Skipped   foo2"] {
        assert!(push.lines().any(|l| l.starts_with(want)), "{want}:\n{push}");
    }
    assert!(!push.contains("Exists"), "{push}");
    let pull = screen(
        &session,
        &format!("cd {dir} && {oras} pull --oci-layout L:v1 -o out"),
        "Digest: ",
    );
    for want in ["✓ Pulled      foo1", "✓ Restored    foo2"] {
        assert!(pull.lines().any(|l| l.starts_with(want)), "{want}:\n{pull}");
    }
    assert_eq!(std::fs::read(d.path().join("out/foo2")).unwrap(), b"foo");
}

#[test]
fn a_selected_referrer_is_noted_above_the_progress() {
    if !peer_available("tmux") {
        return;
    }
    let d = tempdir();
    std::fs::write(d.path().join("a.txt"), b"subject").unwrap();
    std::fs::write(d.path().join("sbom.json"), b"the sbom").unwrap();
    oras(d.path(), &["push", "--oci-layout", "L:v1", "a.txt"]).ok();
    let attached = oras(
        d.path(),
        &[
            "attach",
            "--oci-layout",
            "L:v1",
            "--artifact-type",
            "application/vnd.example.sbom",
            "sbom.json",
            "--format",
            "go-template={{.digest}}",
        ],
    )
    .ok();
    let referrer = attached.stdout.trim();
    let oras = oras_bin().display().to_string();
    let dir = d.path().display().to_string();
    let session = format!("oras-tty-sel-{}", std::process::id());
    let pull = screen(
        &session,
        &format!(
            "cd {dir} && {oras} pull --oci-layout L:v1 --artifact-type application/vnd.example.sbom -o out"
        ),
        "Digest: ",
    );
    // the note is the first thing on the screen (it wraps at 100 columns), the bars below it
    let flat = pull.replace('\n', "");
    assert!(
        flat.starts_with(&format!("Selected referrer {referrer} of sha256:")),
        "{pull}"
    );
    let note = pull.find("Selected referrer").unwrap();
    let bar = pull
        .find("✓ Pulled      sbom.json")
        .unwrap_or_else(|| panic!("no bar:\n{pull}"));
    assert!(note < bar, "{pull}");
    assert_eq!(pull.matches("  Total ").count(), 1, "{pull}");
    assert!(
        pull.contains(&format!("Pulled [oci-layout] L:v1\nDigest: {referrer}")),
        "{pull}"
    );
}
