//! `sacdoc transcripts list|prune` on the real binary: lists newest first with the target from
//! each header, prunes only when told --yes, and only `.cast` files.

use std::process::Command;
use std::time::{Duration, SystemTime};

fn sacdoc(state: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(args)
        .env("SACDOC_STATE_DIR", state)
        .env("SACDOC_CONFIG", state.join("none.toml"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sacdoc runs")
}

/// `sacdoc ARGS` with the simulator's account.
fn logged_in(state: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(args)
        .env("SACDOC_STATE_DIR", state)
        .env("SACDOC_CONFIG", state.join("none.toml"))
        .env("SACDOC_USER", "azureuser")
        .env("SACDOC_PASSWORD", "Sim-Passw0rd!")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sacdoc runs")
}

#[test]
fn list_and_prune_keep_the_newest_and_touch_only_transcripts() {
    let state = tempfile::tempdir().unwrap();
    // Three real recordings (the simulator, transcripts on by default), then ages set by hand.
    for _ in 0..3 {
        let o = sacdoc(state.path(), &["sac", "sim:healthy?start=sac", "--", "id"]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let dir = state.path().join("transcripts");
    let mut casts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cast"))
        .collect();
    casts.sort();
    assert_eq!(casts.len(), 3, "{casts:?}");
    let now = SystemTime::now();
    for (i, p) in casts.iter().enumerate() {
        let age = Duration::from_secs(86_400 * 10 * (3 - i as u64)); // 30, 20, 10 days
        std::fs::File::options().append(true).open(p).unwrap().set_modified(now - age).unwrap();
    }
    let other = dir.join("notes.txt");
    std::fs::write(&other, "mine").unwrap();

    let o = sacdoc(state.path(), &["transcripts", "list", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["path"].as_str(), casts[2].to_str(), "newest first");
    assert!(rows.iter().all(|r| r["target"] == "sim:healthy?start=sac"), "{rows:?}");

    // Without --yes nothing goes.
    let o = sacdoc(state.path(), &["transcripts", "prune", "--older-than", "15"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout).matches("would delete").count(), 2);
    assert!(casts.iter().all(|p| p.exists()));
    // With --yes the two older than 15 days go; the newest and the other file stay.
    let o = sacdoc(state.path(), &["transcripts", "prune", "--older-than", "15", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!casts[0].exists() && !casts[1].exists() && casts[2].exists());
    assert!(other.exists());
    let o = sacdoc(state.path(), &["transcripts", "prune", "--keep", "0", "--yes"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!casts[2].exists() && other.exists());
    // Nothing to say what to keep: a usage error.
    let o = sacdoc(state.path(), &["transcripts", "prune"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--keep"));
}

/// Each transcript counts the passwords its session submitted: a run that logged in once shows
/// 1, a SAC-only session 0.
#[test]
fn list_counts_the_passwords_each_session_submitted() {
    let state = tempfile::tempdir().unwrap();
    let o = sacdoc(state.path(), &["sac", "sim:healthy?start=sac", "--", "id"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = logged_in(state.path(), &["run", "sim:healthy?start=sac", "--", "ver"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = sacdoc(state.path(), &["transcripts", "list", "--json"]);
    let mut counts: Vec<u64> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|r| r["passwords_submitted"].as_u64().unwrap())
        .collect();
    counts.sort();
    assert_eq!(counts, [0, 1]);
    let o = sacdoc(state.path(), &["transcripts", "list"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.matches("1 login").count(), 1, "{text}");
}

/// `[transcripts]` in the configuration: each session that starts recording first deletes what
/// the retention does not keep (at most `keep`, counting its own; none older than
/// `older_than_days`), and says so.
#[test]
fn the_retention_setting_prunes_when_a_session_starts() {
    let state = tempfile::tempdir().unwrap();
    std::fs::write(state.path().join("none.toml"), "[transcripts]\nkeep = 2\n").unwrap();
    let dir = state.path().join("transcripts");
    let casts = || -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "cast"))
            .collect();
        v.sort();
        v
    };
    let mut notes = String::new();
    for _ in 0..3 {
        let o = sacdoc(state.path(), &["sac", "sim:healthy?start=sac", "--", "id"]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        notes.push_str(&String::from_utf8_lossy(&o.stderr));
        // Distinct modification times, so "newest" is well defined.
        std::thread::sleep(Duration::from_millis(20));
    }
    let left = casts();
    assert_eq!(left.len(), 2, "{left:?}");
    assert_eq!(notes.matches("deleted 1 old transcript(s)").count(), 1, "{notes}");
    // Older than 15 days: an aged transcript goes at the next session, the recent one stays.
    std::fs::write(state.path().join("none.toml"), "[transcripts]\nolder_than_days = 15\n")
        .unwrap();
    let old = &left[0];
    let age = Duration::from_secs(86_400 * 20);
    std::fs::File::options()
        .append(true)
        .open(old)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
    let o = sacdoc(state.path(), &["sac", "sim:healthy?start=sac", "--", "id"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let now = casts();
    // Names are reused within a second, so the aged one is told by its age, not its name.
    let young = |p: &std::path::PathBuf| {
        let m = std::fs::metadata(p).unwrap().modified().unwrap();
        SystemTime::now().duration_since(m).unwrap_or_default() < Duration::from_secs(86_400)
    };
    assert!(now.len() == 2 && now.iter().all(young) && left[1].exists(), "{now:?}");
    // A bad key is refused by name.
    std::fs::write(state.path().join("none.toml"), "[transcripts]\nkeep_days = 3\n").unwrap();
    let o = sacdoc(state.path(), &["sac", "sim:healthy?start=sac", "--", "id"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("keep_days"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `transcripts redact`: a text typed in clear (here as a command's argument) is taken out of the
/// transcript everywhere it stands (the typed keys, their echo, the output, the markers), read
/// from standard input, never from the command line; the file stays a readable transcript.
#[test]
fn redact_stars_a_text_everywhere_and_keeps_the_file_readable() {
    use std::io::Write as _;
    let state = tempfile::tempdir().unwrap();
    let o = logged_in(state.path(), &["run", "sim:healthy?start=sac", "--", "echo", "Hunter2X"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = state.path().join("transcripts");
    let cast = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).next().unwrap();
    let before = std::fs::read_to_string(&cast).unwrap();
    let has = |t: &sacdoc::transcript::Transcript| {
        let found = |b: Vec<u8>| String::from_utf8_lossy(&b).contains("Hunter2X");
        [found(t.input()), found(t.output()), t.markers().iter().any(|m| m.contains("Hunter2X"))]
    };
    // Typed (in runs of keys, so split across events), echoed and printed, and in a marker.
    let t = sacdoc::transcript::read(&cast).unwrap();
    assert_eq!(has(&t), [true, true, true]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(["transcripts", "redact"])
        .arg(&cast)
        .env("SACDOC_STATE_DIR", state.path())
        .env("SACDOC_CONFIG", state.path().join("none.toml"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"Hunter2X\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("occurrence(s) replaced") && !said.starts_with('0'), "{said}");
    let after = std::fs::read_to_string(&cast).unwrap();
    let t = sacdoc::transcript::read(&cast).unwrap();
    assert_eq!(has(&t), [false, false, false], "{after}");
    assert!(after.contains("********"));
    assert_eq!(after.lines().count(), before.lines().count());
    let o = sacdoc(state.path(), &["transcripts", "list", "--json"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("sim:healthy"), "still a transcript");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cast).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
