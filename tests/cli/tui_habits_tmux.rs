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
