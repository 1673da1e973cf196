//! No secret is handed on or left readable: an `exec:` relay does not inherit sacdoc's password
//! or token variables, and what sacdoc writes in its state folder is owner-only and free of them.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

const PASSWORD: &str = "Pw-never-anywhere-7781";
const TOKEN: &str = "tok-never-anywhere-5523";

/// Every file below `dir`, with its mode.
fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u32)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let mode = e.metadata().unwrap().permissions().mode() & 0o777;
        if p.is_dir() {
            out.push((p.clone(), mode));
            out.extend(files(&p));
        } else {
            out.push((p, mode));
        }
    }
    out
}

#[test]
fn an_exec_relay_gets_no_secret_and_the_state_folder_is_private() {
    let d = tempfile::tempdir().unwrap();
    let state = d.path().join("state");
    // The relay prints its environment, then a SAC prompt; the session then times out, which is
    // fine: the transcript holds what the relay printed.
    let out = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(["sac", "exec:env; echo END-OF-ENV; printf 'SAC>'; sleep 4", "--timeout", "3", "-v"])
        .args(["--", "i"])
        .env("SACDOC_STATE_DIR", &state)
        .env("SACDOC_CONFIG", d.path().join("none.toml"))
        .env("SACDOC_PASSWORD", PASSWORD)
        .env("SACDOC_AZURE_TOKEN", TOKEN)
        .env("SACDOC_USER", "admin")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let all = files(&state);
    let casts: Vec<_> =
        all.iter().filter(|(p, _)| p.extension().is_some_and(|e| e == "cast")).collect();
    assert_eq!(casts.len(), 1, "one transcript: {all:?} {stderr}");
    let cast = std::fs::read_to_string(&casts[0].0).unwrap();
    assert!(
        cast.contains("END-OF-ENV") && cast.contains("PATH="),
        "the relay's env was recorded: {cast}"
    );
    assert!(!cast.contains("SACDOC_PASSWORD") && !cast.contains("SACDOC_AZURE_TOKEN"), "{cast}");
    for (p, mode) in &all {
        if p.is_dir() {
            assert_eq!(*mode, 0o700, "{}", p.display());
        } else {
            assert_eq!(*mode, 0o600, "{}", p.display());
            let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
            assert!(
                !text.contains(PASSWORD) && !text.contains(TOKEN),
                "{} holds a secret",
                p.display()
            );
        }
    }
    assert!(all.iter().any(|(p, _)| p.ends_with("logs/sacdoc.log")), "-v wrote a log: {all:?}");
    assert!(!stderr.contains(PASSWORD) && !stderr.contains(TOKEN), "{stderr}");
}

/// A far end that echoes the password in clear (no real SAC does; a broken or hostile relay
/// might): the transcript keeps stars where the echo was, never the password.
#[test]
fn a_password_echoed_in_clear_never_reaches_the_transcript() {
    let d = tempfile::tempdir().unwrap();
    let state = d.path().join("state");
    let sc = sacdoc::sim::machine::load_scenario("healthy").unwrap();
    let account = sc.credentials.first().unwrap().clone();
    let out = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(["run", "sim:healthy?clear_password_echo=1", "--timeout", "10", "--", "ver"])
        .env("SACDOC_STATE_DIR", &state)
        .env("SACDOC_CONFIG", d.path().join("none.toml"))
        .env("SACDOC_USER", &account.user)
        .env("SACDOC_PASSWORD", &account.password)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let all = files(&state);
    let cast = all
        .iter()
        .find(|(p, _)| p.extension().is_some_and(|e| e == "cast"))
        .unwrap_or_else(|| panic!("a transcript: {all:?} {stderr}"));
    let text = std::fs::read_to_string(&cast.0).unwrap();
    assert!(text.contains("Password:"), "the login was recorded: {text}");
    assert!(text.contains(&"*".repeat(account.password.len())), "stars where the echo was");
    for (p, _) in all.iter().filter(|(p, _)| p.is_file()) {
        let t = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
        assert!(!t.contains(&account.password), "{} holds the password", p.display());
    }
    assert!(!stderr.contains(&account.password), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&account.password));
    // Seen once, the clear echo ends the login: the password is not typed again on a console
    // that displays it, and nothing was submitted.
    assert!(stderr.contains("echoed the password in clear"), "{stderr}");
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(text.matches("echoed it in clear").count(), 1, "{text}");
    assert!(!text.contains("password submitted"), "{text}");
}
