//! End to end: `sacdoc train` in a real terminal (tmux, 140x40) on the simulator. The trainee
//! logs in and types the procedure by hand; the prefix key then g says done; the report card
//! (text on the terminal, JSON with `--card`) and the transcript's graded markers are read back.

use std::path::Path;

use super::tmux::Tmux;

/// `sacdoc train ARGS` with its own state folder, the card written to `card`, the transcript to
/// `cast`; the shell prints the exit code after it.
fn start(name: &str, dir: &Path, args: &str) -> Tmux {
    let line = format!(
        "env SACDOC_STATE_DIR='{d}/state' SACDOC_CONFIG=/nonexistent TERM=xterm-256color \
         '{bin}' train {args} --no-doctor --card '{d}/card.json' --record '{d}/s.cast'; \
         echo \"EXIT=$?\"; sleep 60",
        d = dir.display(),
        bin = env!("CARGO_BIN_EXE_sacdoc"),
    );
    Tmux::start(name, (140, 40), &line)
}

fn login(t: &Tmux, scenario: &str) {
    let sc = sacdoc::sim::machine::load_scenario(scenario).expect("scenario");
    let acct = sc.credentials.first().expect("an account").clone();
    t.login(&acct.user, &acct.domain, &acct.password);
}

/// The prefix key, then g: done. Waits for the shell's exit line.
fn done(t: &Tmux) -> String {
    t.keys(&["C-a"]);
    t.wait_secs("the menu", 10, |s| s.contains("sacdoc menu"));
    t.keys(&["g"]);
    t.wait_secs("the report card", 30, |s| s.contains("EXIT="))
}

fn card(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("card.json")).expect("the card file");
    serde_json::from_str(&text).expect("the card is JSON")
}

fn kinds(card: &serde_json::Value) -> Vec<(String, String)> {
    card["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap_or("").to_string(),
                i["what"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The by-the-book solution of port-conflict on `profile`, typed by hand; the card must give full
/// marks and the transcript the graded markers.
fn port_conflict_by_the_book(name: &str, profile: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = start(name, dir.path(), &format!("port-conflict --profile {profile}"));
    let s = t.wait_secs("the training pane", 20, |s| {
        s.contains("training: RDP fails: who has the port?")
    });
    assert!(s.contains("Procedure"), "the procedure is at hand:\n{s}");
    login(&t, "port-conflict");
    t.command("netstat -ano");
    t.command("md C:\\temp");
    t.command("reg export HKLM\\SYSTEM\\CurrentControlSet\\Services\\RemoteSupportAgent C:\\temp\\rsa.reg /y");
    t.command("sc stop RemoteSupportAgent");
    t.command("sc config RemoteSupportAgent start= disabled");
    t.command("sc qc RemoteSupportAgent");
    t.command("powershell -NoProfile -Command \"Restart-Service -Name TermService -Force\"");
    t.command("netstat -ano");
    let s = done(&t);
    assert!(s.contains("EXIT=0"), "full marks exit 0:\n{s}");
    assert!(s.contains("Score: 100/100 (full marks)"), "{s}");
    let c = card(dir.path());
    assert_eq!(c["score"], 100, "{c:#}");
    assert_eq!(c["rdp"]["connects"], true, "{c:#}");
    let k = kinds(&c);
    assert!(
        k.iter().any(|(kind, what)| kind == "backup" && what.contains("remotesupportagent")),
        "{k:?}"
    );
    assert!(
        !k.iter().any(|(kind, _)| kind == "missing-backup" || kind == "unchecked-change"),
        "{k:?}"
    );
    let cast = sacdoc::transcript::read(&dir.path().join("s.cast")).expect("the transcript");
    let markers = cast.markers();
    assert!(markers.iter().any(|m| m.starts_with("grade ok backup")), "{markers:?}");
    assert!(markers.iter().any(|m| m.starts_with("grade ok rdp-connects")), "{markers:?}");
    let text = std::fs::read_to_string(dir.path().join("s.cast")).expect("the transcript text");
    assert!(!text.contains("Sim-Passw0rd!"), "the password never reaches the transcript");
}

#[test]
fn port_conflict_solved_by_the_book_gets_full_marks() {
    port_conflict_by_the_book("full", "ws2022");
}

#[test]
fn port_conflict_solved_by_the_book_on_a_painted_console_gets_full_marks() {
    port_conflict_by_the_book("full-painted", "ws2019");
}

#[test]
fn missing_backup_and_group_policy_left_off_are_named_on_the_card() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = start("gpo", dir.path(), "gpo-reverts-tls");
    t.wait_secs("the training pane", 20, |s| s.contains("training: RDP fails, and a fix"));
    login(&t, "gpo-reverts-tls");
    let tls12 = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server";
    // The TLS fix without a backup, checked after.
    t.command(&format!("reg add \"{tls12}\" /v Enabled /t REG_DWORD /d 1 /f"));
    t.command(&format!("reg query \"{tls12}\""));
    // Group Policy stopped for the fix, backed up and checked, but never turned back on.
    t.command("md C:\\temp");
    t.command("reg export HKLM\\SYSTEM\\CurrentControlSet\\Services\\gpsvc C:\\temp\\gpsvc.reg /y");
    t.command(
        "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\gpsvc /v Start /t REG_DWORD /d 4 /f",
    );
    t.command("reg query HKLM\\SYSTEM\\CurrentControlSet\\Services\\gpsvc /v Start");
    // A hint, noted in the grade.
    t.keys(&["C-a"]);
    t.wait_secs("the menu", 10, |s| s.contains("sacdoc menu"));
    t.keys(&["h"]);
    t.wait_secs("the hint", 10, |s| s.contains("Hint 1:"));
    let s = done(&t);
    assert!(s.contains("EXIT=1"), "points lost exit 1:\n{s}");
    assert!(s.contains("Score:") && s.contains("(points lost)"), "{s}");
    assert!(s.contains("[LOST] changed registry key"), "the missing backup is on the card:\n{s}");
    assert!(s.contains("[LOST] Group Policy (gpsvc) was stopped"), "{s}");
    let c = card(dir.path());
    let k = kinds(&c);
    let missing: Vec<&(String, String)> =
        k.iter().filter(|(kind, _)| kind == "missing-backup").collect();
    assert_eq!(missing.len(), 1, "{k:?}");
    assert!(
        missing[0].1.contains("tls 1.2\\server") && missing[0].1.contains("without a backup first"),
        "{k:?}"
    );
    assert!(
        k.iter().any(|(kind, what)| kind == "temporary-left" && what.contains("gpsvc")),
        "{k:?}"
    );
    assert!(k.iter().any(|(kind, _)| kind == "hint"), "{k:?}");
    assert!(
        !k.iter().any(|(kind, what)| kind == "missing-backup" && what.contains("gpsvc")),
        "{k:?}"
    );
    let lost: u64 =
        c["items"].as_array().expect("items").iter().map(|i| i["lost"].as_u64().unwrap_or(0)).sum();
    assert_eq!(c["score"].as_u64(), Some(100 - lost), "{c:#}");
    assert_eq!(c["full_marks"], false);
    let cast = sacdoc::transcript::read(&dir.path().join("s.cast")).expect("the transcript");
    let markers = cast.markers();
    assert!(markers.iter().any(|m| m.contains("missing-backup")), "{markers:?}");
    assert!(markers.iter().any(|m| m.contains("temporary-left")), "{markers:?}");
}

#[test]
fn a_random_exercise_hides_its_cause_until_the_card() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = start("random", dir.path(), "--random --seed 3");
    let s = t.wait_secs("the training pane", 20, |s| s.contains("training: hidden exercise"));
    for e in sacdoc::train::exercise::all() {
        assert!(!s.contains(&e.title) && !s.contains(&e.name), "{} is not named:\n{s}", e.name);
    }
    // Quitting is not done: no card.
    t.keys(&["C-a"]);
    t.wait_secs("the menu", 10, |s| s.contains("sacdoc menu"));
    t.keys(&["q"]);
    let s = t.wait_secs("the exit", 20, |s| s.contains("EXIT="));
    assert!(s.contains("without grading") && s.contains("EXIT=0"), "{s}");
    assert!(!dir.path().join("card.json").exists());
}

/// `sacdoc train --follow FILE` with the report written to `card`.
fn start_follow(name: &str, dir: &Path, cast: &Path) -> Tmux {
    let line = format!(
        "env SACDOC_STATE_DIR='{d}/state' SACDOC_CONFIG=/nonexistent TERM=xterm-256color \
         '{bin}' train --follow '{cast}' --card '{d}/follow.json'; echo \"EXIT=$?\"; sleep 60",
        d = dir.display(),
        cast = cast.display(),
        bin = env!("CARGO_BIN_EXE_sacdoc"),
    );
    Tmux::start(name, (140, 40), &line)
}

#[test]
fn following_a_recorded_session_answers_as_recorded_and_finds_the_divergence() {
    // A session recorded by hand on the simulator.
    let dir = tempfile::tempdir().expect("tempdir");
    let rec = start("rec", dir.path(), "port-conflict");
    login(&rec, "port-conflict");
    rec.command("sc query TermService");
    rec.command("netstat -ano");
    done(&rec);
    drop(rec);

    let t = start_follow("follow", dir.path(), &dir.path().join("s.cast"));
    t.wait_secs("the follow pane", 20, |s| s.contains("reveal the next recorded command"));
    login(&t, "port-conflict");
    // Case and blank space are ignored as cmd.exe ignores them: the recorded answer comes.
    t.command("SC  QUERY termservice");
    t.wait_secs("the recorded answer", 10, |s| s.contains("STATE") && s.contains("RUNNING"));
    // Another command than the recorded one: no answer, the place where it differs.
    t.text("netstat -an");
    t.keys(&["Enter"]);
    let s = t.wait_secs("the divergence", 10, |s| s.contains("differs from the recording"));
    assert!(s.contains("from column 12"), "{s}");
    t.keys(&["C-a"]);
    t.wait_secs("the menu", 10, |s| s.contains("sacdoc menu"));
    t.keys(&["h"]);
    t.wait_secs("the revealed command", 10, |s| s.contains("next recorded command: netstat -ano"));
    t.command("netstat -ano");
    t.wait_secs("the recorded netstat", 10, |s| s.contains("LISTENING"));
    let s = done(&t);
    assert!(s.contains("Divergences: 1") && s.contains("EXIT=1"), "{s}");
    let text = std::fs::read_to_string(dir.path().join("follow.json")).expect("the report");
    let r: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(r["divergences"][0]["typed"], "netstat -an", "{r:#}");
    assert_eq!(r["divergences"][0]["recorded"], "netstat -ano", "{r:#}");
    assert_eq!(r["revealed"], 1, "{r:#}");
    assert_eq!(r["steps_followed"], r["steps"], "every recorded step was followed: {r:#}");
}

/// The connect screen of `sacdoc tui` lists the exercises; choosing one starts it as
/// `sacdoc train NAME` does: the training pane on its own simulated VM, graded when done.
#[test]
fn an_exercise_starts_from_the_connect_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = format!(
        "env SACDOC_STATE_DIR='{d}/state' SACDOC_CONFIG=/nonexistent TERM=xterm-256color \
         '{bin}' tui; echo \"EXIT=$?\"; sleep 60",
        d = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_sacdoc"),
    );
    let t = Tmux::start("sacdoc-train-connect", (140, 40), &line);
    t.wait_secs("the connect screen", 20, |s| s.contains("pick the VM's serial console"));
    // The list holds every exercise, after the simulator's scenarios (the first page shows
    // the ports and the first scenarios): End goes to the last entry.
    t.keys(&["End"]);
    let s = t.wait_secs("an exercise on the list", 10, |s| s.contains("train:"));
    assert!(s.contains("exercise"), "{s}");
    t.text("train:port-conflict");
    t.keys(&["Enter"]);
    let s = t.wait_secs("the training pane", 30, |s| {
        s.contains("training: RDP fails: who has the port?")
    });
    assert!(s.contains("Procedure"), "{s}");
    let s = done(&t);
    assert!(s.contains("EXIT="), "{s}");
    assert!(s.contains("Score:"), "the report card is printed:\n{s}");
}
