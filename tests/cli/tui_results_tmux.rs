//! End to end, the real binary in tmux against the simulator: a command typed by hand at the cmd
//! prompt of the console view lands in Results, parsed, as a `!` command's would (issue 13's
//! "done means").

use super::tmux::Tmux;

/// On a streaming console (Server 2022), `netstat -anob` typed by hand appears in Results with
/// its rows: the RDP port's listener marked, with the program that holds it.
#[test]
fn a_hand_typed_netstat_on_a_streaming_console_appears_in_results_with_its_rows() {
    let state = tempfile::tempdir().expect("tempdir");
    let args = "--no-record 'sim:port-conflict?profile=ws2022&start=sac'";
    let t = Tmux::tui("results-typed", (120, 40), state.path(), "", args);
    t.wait("the link", |s| s.contains("[connected]"));
    // A cmd channel, opened, viewed and logged in by sacdoc.
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["o"]);
    t.wait("the cmd prompt", |s| s.contains("C:\\Windows\\system32>"));
    t.wait("the job's end", |s| s.lines().last().unwrap_or("").contains("logged in"));

    // Typed key by key, as an operator does, then Enter.
    t.text("netstat -anob");
    t.keys(&["Enter"]);
    let s = t.wait("the output read", |s| s.contains("in Results (4)"));
    assert!(s.contains("netstat -anob:"), "{s}");

    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["4"]);
    let s = t.wait("the Results view", |s| s.contains("sort by port"));
    assert!(s.contains("netstat by hand,"), "the title says where it came from:\n{s}");
    assert!(!s.contains("INCOMPLETE"), "a stream is read whole:\n{s}");
    let rdp: Vec<&str> = s.lines().filter(|l| l.contains("RDP port 3389")).collect();
    assert!(!rdp.is_empty(), "the RDP listener is a marked row:\n{s}");
    assert!(rdp.iter().all(|l| l.contains("LISTENING")), "{s}");
    assert!(s.contains("rsagent.exe"), "the program holding the port is in its row:\n{s}");
    // A second table row at least: the other listeners were parsed too.
    assert!(s.lines().filter(|l| l.contains("LISTENING")).count() >= 2, "{s}");
    t.quit();
}

/// A command the Results view does not parse (`ver`) stays the operator's business: nothing is
/// read into Results.
#[test]
fn an_unrecognised_command_typed_by_hand_is_not_read_into_results() {
    let state = tempfile::tempdir().expect("tempdir");
    let args = "--no-record 'sim:healthy?profile=ws2022&start=sac'";
    let t = Tmux::tui("results-ver", (120, 40), state.path(), "", args);
    t.wait("the link", |s| s.contains("[connected]"));
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["o"]);
    t.wait("the job's end", |s| s.lines().last().unwrap_or("").contains("logged in"));
    t.text("ver");
    t.keys(&["Enter"]);
    t.wait("ver's output", |s| s.matches("Microsoft Windows [Version").count() >= 2);
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["4"]);
    let s = t.wait("the Results view", |s| s.contains("┌ outputs "));
    assert!(s.contains("No outputs yet"), "{s}");
    t.quit();
}

/// On a painted console (Server 2019, 80x24 as PuTTY's), a short command typed by hand is read
/// from the screens as they were painted: `sc query TermService` lands in Results whole; a long
/// `netstat -anob` lands too, and when screens were skipped its title says it may be incomplete.
#[test]
fn a_hand_typed_command_on_a_painted_console_is_read_from_its_screens() {
    let state = tempfile::tempdir().expect("tempdir");
    let args = "--no-record 'sim:port-conflict?profile=ws2019&start=sac'";
    let t = Tmux::tui("results-painted", (80, 24), state.path(), "", args);
    t.wait("the link", |s| s.contains("[connected]"));
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["o"]);
    t.wait("the job's end", |s| s.lines().last().unwrap_or("").contains("logged in"));
    t.text("sc query TermService");
    t.keys(&["Enter"]);
    let s = t.wait("the output read", |s| s.contains("in Results (4)"));
    assert!(!s.contains("may lack rows"), "one screen is read whole:\n{s}");
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["4"]);
    let s = t.wait("the Results view", |s| s.contains("services by hand,"));
    assert!(s.contains("TermService"), "{s}");
    assert!(s.contains("RUNNING") || s.contains("STOPPED"), "the state was parsed:\n{s}");

    t.keys(&["Escape"]);
    t.text("netstat -anob");
    t.keys(&["Enter"]);
    let s = t.wait_secs("the output read", 60, |s| s.contains("netstat -anob: "));
    let incomplete = s.contains("may lack rows");
    t.keys(&["C-a"]);
    t.wait("the menu", |s| s.contains("sacdoc menu"));
    t.keys(&["4"]);
    let s = t.wait("the netstat table", |s| s.contains("netstat by hand"));
    assert!(s.contains("LISTENING") || s.contains("UDP"), "rows were parsed:\n{s}");
    // What the status line said is what the title says.
    assert_eq!(s.contains("MAY BE INCOMPLETE"), incomplete, "{s}");
    t.quit();
}
