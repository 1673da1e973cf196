//! End to end, the real binary in tmux at PuTTY's 80x24 against the simulator: the serial
//! terminal habits on the prefix menu (hex view, local echo) and the help that scrolls.

use super::tmux::Tmux;

#[test]
fn the_hex_view_local_echo_and_the_help_work_in_a_real_terminal() {
    let state = tempfile::tempdir().expect("tempdir");
    let args = "--no-record 'sim:healthy?profile=ws2022&start=sac'";
    let t = Tmux::tui("habits", (80, 24), state.path(), "", args);
    t.wait("the link", |s| s.contains("[connected]"));
    t.keys(&["Enter"]);
    t.wait("SAC>", |s| s.contains("SAC>"));

    // The hex view: what SAC sent, byte by byte (`SAC>` is 53 41 43 3e).
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["x"]);
    let s = t.wait("the hex view", |s| s.contains("received, in hex"));
    assert!(s.contains("53 41 43 3e"), "{s}");
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["x"]);
    t.wait("the screen again", |s| !s.contains("received, in hex") && s.contains("SAC>"));

    // Local echo: a key shows twice (the VM's echo and ours).
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["e"]);
    t.wait("local echo on", |s| s.contains("local echo on"));
    t.text("q");
    t.wait("the key, twice", |s| s.lines().any(|l| l.trim_end().ends_with("SAC>qq")));

    // The help at 80x16 scrolls: its last row is reachable.
    t.tmux(&["resize-window", "-t", "t", "-x", "80", "-y", "16"]);
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["?"]);
    // The help's own frame (the menu that opened it names "this help" too).
    let s = t.wait("the help", |s| s.contains("┌ help "));
    assert!(s.contains("rows 1-"), "the frame says there is more:\n{s}");
    t.keys(&["End"]);
    t.wait("the help's last row", |s| s.contains("any other key closes this help"));
    t.keys(&["Escape"]);
    t.quit();
}

/// The line habits in the real binary: a break and line settings on a link that has no serial
/// line (the simulator) say so; the recording pauses and resumes in the `--record` file itself,
/// with nothing typed meanwhile written; timestamps appear beside the lines.
#[test]
fn break_line_settings_recording_pause_and_timestamps_in_a_real_terminal() {
    let state = tempfile::tempdir().expect("tempdir");
    let cast = state.path().join("kept.cast");
    let args = format!("--record '{}' 'sim:healthy?profile=ws2022&start=sac'", cast.display());
    let t = Tmux::tui("linehabits", (80, 24), state.path(), "", &args);
    t.wait("the link", |s| s.contains("[connected]"));
    t.keys(&["Enter"]);
    t.wait("SAC>", |s| s.contains("SAC>"));

    let menu = |k: &str| {
        t.keys(&["C-a"]);
        t.wait("the menu", |s| s.contains("sacdoc menu"));
        t.keys(&[k]);
    };
    menu("b");
    t.wait("the refusal", |s| s.contains("cannot send a break"));
    menu("s");
    t.wait("the refusal", |s| s.contains("no line settings to change"));

    menu("l");
    t.wait("the indicator", |s| s.contains("REC PAUSED"));
    t.text("ch");
    t.keys(&["Enter"]);
    t.wait("the channel list", |s| s.contains("SAC") && s.matches("SAC>").count() >= 2);
    menu("l");
    t.wait("resumed", |s| s.contains("resumed") && !s.contains("REC PAUSED"));
    t.text("id");
    t.keys(&["Enter"]);
    t.wait("id's answer", |s| s.contains("Computer Name"));

    menu("t");
    t.wait("a timestamp", |s| {
        s.lines()
            .any(|l| l.trim_end().ends_with(|c: char| c.is_ascii_digit()) && l.contains(" +00:"))
    });
    t.quit();

    let raw = std::fs::read_to_string(&cast).expect("the --record file");
    assert!(raw.contains("recording paused") && raw.contains("recording resumed"), "{raw}");
    assert!(raw.contains("Computer Name"), "recorded after the resume:\n{raw}");
    let t = sacdoc::transcript::read(&cast).expect("a valid transcript");
    let typed: String = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            sacdoc::transcript::EventKind::Input(b) => {
                Some(String::from_utf8_lossy(b).into_owned())
            }
            _ => None,
        })
        .collect();
    assert!(!typed.contains("ch"), "nothing typed while paused: {typed:?}");
    assert!(typed.contains("id"), "{typed:?}");
    let parts: Vec<_> = std::fs::read_dir(state.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".part"))
        .collect();
    assert!(parts.is_empty(), "one file only");
}
