//! End to end: the real binary in a real terminal (tmux, 120x40) against the simulator
//! (`sim:port-conflict`). From the keyboard: reach `SAC>`, open a cmd channel with `cmd`, switch to
//! it with Esc-Tab as on SAC, log in, type a command, run the doctor (prefix key, then d), apply
//! the fix (prefix, a, then y in the confirmation dialog), and read the screen with
//! `tmux capture-pane -p` to see the problem found and then fixed.

use super::tmux::Tmux;

#[test]
fn keyboard_session_finds_and_fixes_the_port_conflict() {
    let state = tempfile::tempdir().expect("tempdir");
    // After sacdoc quits, the shell prints the terminal's modes: they must be back to normal.
    let cmdline = format!(
        "env SACDOC_STATE_DIR='{}' TERM=xterm-256color '{}' tui sim:port-conflict; \
         echo \"EXIT=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e '-*icanon' -e '-*echo'; sleep 30",
        state.path().display(),
        env!("CARGO_BIN_EXE_sacdoc")
    );
    let t = Tmux::start("keyboard", (120, 40), &cmdline);

    let s = t.wait("SAC>", |s| s.contains("SAC>") && s.contains("[connected]"));
    assert!(s.contains("Ctrl+A menu"), "the status bar names the prefix key:\n{s}");

    // A cmd channel, by hand, as on SAC (once the CMD service has registered, as after a boot).
    t.wait("the CMD service", |s| s.contains("The CMD command is now available"));
    t.text("cmd");
    t.keys(&["Enter"]);
    t.wait("the channel", |s| s.contains("Cmd0001"));
    t.keys(&["Escape", "Tab"]);
    t.wait("the switch screen", |s| s.contains("Use any other key to view this channel"));
    t.keys(&["Enter"]);
    t.wait("the login", |s| s.contains("Username:"));
    let sc = sacdoc::sim::machine::load_scenario("port-conflict").expect("scenario");
    let acct = sc.credentials.first().expect("account").clone();
    t.text(&acct.user);
    t.keys(&["Enter"]);
    t.wait("the domain prompt", |s| s.contains("Domain"));
    t.text(&acct.domain);
    t.keys(&["Enter"]);
    t.wait("the password prompt", |s| s.contains("Password:"));
    t.text(&acct.password);
    t.keys(&["Enter"]);
    let s = t.wait("the cmd prompt", |s| s.contains("C:\\Windows\\system32>"));
    assert!(!s.contains(&acct.password), "the password is never shown:\n{s}");
    t.text("echo hello-from-tmux");
    t.keys(&["Enter"]);
    t.wait("the echo", |s| s.matches("hello-from-tmux").count() >= 2);

    // The doctor, from the keyboard.
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["d"]);
    let s = t.wait("the diagnosis", |s| s.contains("problem(s) ──"));
    assert!(s.contains("PROBLEM rdp-port"), "{s}");
    assert!(s.contains("RemoteSupportAgent"), "the evidence names the port's owner:\n{s}");

    // Apply: every fix is confirmed in the dialog that shows its commands and its backup.
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["a"]);
    let s = t.wait("the confirmation", |s| s.contains("confirm fix"));
    assert!(s.contains("Backup first:") && s.contains("reg export"), "{s}");
    assert!(s.contains("Stop-Service -Name RemoteSupportAgent"), "{s}");
    loop {
        t.keys(&["y"]);
        let s = t.wait("the next step", |s| {
            s.contains("checks: problems fixed")
                || s.contains("checks: all ok")
                || (s.contains("confirm fix") && s.contains("[clear"))
        });
        if !s.contains("confirm fix") {
            break;
        }
    }
    let s = t.screen();
    assert!(s.contains("fix free-rdp-port: Applied, verified"), "{s}");
    assert!(s.contains("rdp-port fixed"), "{s}");

    // Diagnose again: nothing left.
    t.keys(&["d"]);
    t.wait("a clean run", |s| s.contains("checks: all ok"));
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["q"]);
    // Wait for the shell's report of the modes too (it follows the exit line).
    let s = t.wait("sacdoc to quit", |s| {
        s.contains("EXIT=")
            && s.lines().any(|l| l.trim().ends_with("echo"))
            && s.lines().any(|l| l.trim().ends_with("icanon"))
    });
    assert!(s.contains("EXIT=0"), "{s}");
    let modes: Vec<&str> = s.lines().map(str::trim).collect();
    assert!(modes.contains(&"icanon") && modes.contains(&"echo"), "terminal not restored:\n{s}");
    assert!(!s.contains("Ctrl+A menu"), "the alternate screen was left:\n{s}");

    // The session was recorded: replay it in the same console view, as fast as possible.
    let casts: Vec<_> = std::fs::read_dir(state.path().join("transcripts"))
        .expect("transcripts folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "cast"))
        .collect();
    assert_eq!(casts.len(), 1, "{casts:?}");
    // The password typed by hand is in the transcript as one secret event, never as keys.
    let cast = std::fs::read_to_string(&casts[0]).expect("transcript");
    // (The doctor's own logins come later, after its first marker.)
    let by_hand = cast.lines().take_while(|l| !l.contains(r#","m","#));
    let secrets = by_hand.filter(|l| l.contains(r#","s","#)).count();
    assert_eq!(secrets, 1, "one secret event for the hand-typed password:\n{cast}");
    let typed: String = cast
        .lines()
        .filter(|l| l.contains(r#","i","#))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v[2].as_str().map(str::to_string))
        .collect();
    assert!(typed.contains(&acct.user), "the user name typed by hand is recorded: {typed:?}");
    assert!(!typed.contains(&acct.password), "the password leaked into the transcript");
    assert!(!cast.contains(&acct.password), "the password leaked into the transcript");
    // Nor in any other file sacdoc wrote (logs, state, local backups).
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut written = Vec::new();
    files(state.path(), &mut written);
    assert!(written.len() > 1, "{written:?}");
    for f in &written {
        let bytes = std::fs::read(f).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&acct.password), "the password is in {}", f.display());
    }
    let replay = format!(
        "env SACDOC_STATE_DIR='{}' TERM=xterm-256color '{}' replay --speed max '{}'; sleep 30",
        state.path().display(),
        env!("CARGO_BIN_EXE_sacdoc"),
        casts[0].display()
    );
    t.tmux(&["new-window", "-t", "t", &replay]);
    let s = t.wait("the end of the replay", |s| s.contains("replay ended max"));
    assert!(s.contains("C:\\Windows\\system32>") || s.contains("SAC>"), "{s}");
    t.keys(&["3"]);
    let s = t.wait("the doctor's results", |s| s.contains("rdp-port"));
    assert!(s.contains("rdp-port fixed"), "the results appear as they did:\n{s}");
    t.keys(&["q"]);
}

/// With no account anywhere, `sacdoc tui tcp://...` opens the console to watch (as tio or PuTTY
/// would); the doctor asks for the account in a dialog, then runs.
#[test]
fn without_an_account_the_ui_watches_first_and_asks_when_the_doctor_logs_in() {
    let server = sacdoc::sim::server::Server::start(&sacdoc::sim::server::ServeSpec::new(
        "tcp://127.0.0.1:0",
        "healthy",
        "start=sac",
    ))
    .expect("simulator");
    let state = tempfile::tempdir().expect("tempdir");
    let target = format!("tcp://{}", server.addr().expect("address"));
    let env = "-u SACDOC_USER -u SACDOC_PASSWORD";
    let t = Tmux::tui("watch", (120, 40), state.path(), env, &target);
    t.wait("the console, connected", |s| s.contains("[connected]"));
    t.keys(&["Enter"]);
    let s = t.wait("SAC>", |s| s.contains("SAC>"));
    assert!(!s.contains("credentials"), "no dialog before a job needs it:\n{s}");

    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["d"]);
    t.wait("the account dialog", |s| s.contains("Esc keep watching"));
    let sc = sacdoc::sim::machine::load_scenario("healthy").expect("scenario");
    let acct = sc.credentials.first().expect("account").clone();
    t.text(&acct.user);
    t.keys(&["Enter"]);
    t.text(&acct.domain);
    t.keys(&["Enter"]);
    t.text(&acct.password);
    t.keys(&["Enter"]);
    let s = t.wait("the diagnosis", |s| s.contains("checks: all ok"));
    assert!(!s.contains(&acct.password), "{s}");
    t.quit();
}

/// On a painted console that drops a key repeated too quickly (Server 2016/2019), a pasted line
/// arrives whole: the UI types it as the CLI does, each echo checked and repaired.
#[test]
fn a_pasted_line_arrives_whole_on_a_console_that_drops_repeated_keys() {
    let state = tempfile::tempdir().expect("tempdir");
    let args = "--no-record 'sim:healthy?profile=ws2019&quirks=dropkeys&start=sac'";
    let t = Tmux::tui("paste", (200, 40), state.path(), "", args);
    t.wait("the console, connected", |s| s.contains("[connected]"));
    // A cmd channel, opened, viewed and logged in by sacdoc.
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["o"]);
    t.wait("the cmd prompt", |s| s.contains("C:\\Windows\\system32>"));
    t.wait("the job's end", |s| s.lines().last().unwrap_or("").contains("logged in"));
    // A bracketed paste, as a terminal sends one.
    let line = "echo bookkeeper committee 1000";
    t.tmux(&["set-buffer", "-b", "p", &format!("{line}\n")]);
    t.tmux(&["paste-buffer", "-p", "-b", "p", "-t", "t"]);
    // Each repeated key waits out the debounce, found by trying (as the CLI does): seconds.
    let s = t.wait_secs("the echo's output", 120, |s| {
        s.lines().any(|l| l.trim_start_matches(['│', ' ']).starts_with("bookkeeper committee 1000"))
    });
    assert!(s.contains(line), "the command line arrived whole:\n{s}");
    t.quit();
}

/// PuTTY's and tio's 80x24 in a real terminal: a painted Server 2019 cmd screen shows from its
/// first row to its last, and the help fits.
#[test]
fn at_80x24_the_painted_screen_is_fully_visible_in_a_real_terminal() {
    let state = tempfile::tempdir().expect("tempdir");
    let args = "--no-record 'sim:healthy?profile=ws2019&start=sac'";
    let t = Tmux::tui("80x24", (80, 24), state.path(), "", args);
    t.wait("the link", |s| s.contains("[connected]"));
    t.keys(&["Enter"]);
    t.wait("SAC", |s| s.contains("SAC>"));
    t.keys(&["C-a"]);
    t.keys(&["o"]);
    t.wait("the cmd prompt", |s| s.contains("C:\\Windows\\system32>"));
    t.wait("the job's end", |s| s.lines().last().unwrap_or("").contains("logged in"));
    // Typing clears the status line; then every row is the VM's.
    t.text("ver");
    t.keys(&["Enter"]);
    let s = t.wait("ver's output", |s| s.matches("Microsoft Windows [Version").count() >= 2);
    let rows: Vec<&str> = s.lines().collect();
    assert!(rows[0].starts_with("Microsoft Windows [Version"), "the first row is shown:\n{s}");
    assert!(!s.contains("1 Console |"), "no tab bar at 80x24:\n{s}");
    t.keys(&["C-a"]);
    t.keys(&["?"]);
    let s = t.wait("the help", |s| s.contains("any other key closes this help."));
    assert!(s.contains("Prefix key: Ctrl+A"), "{s}");
    t.keys(&["Escape"]);
    t.quit();
}
