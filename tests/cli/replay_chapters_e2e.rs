//! `sacdoc replay` in a real terminal (tmux): the transcript's markers are chapters; the list
//! (c) jumps to one, n to the next, p to the previous, and going back starts the console over.

use super::tmux::Tmux;
use sacdoc::transcript::{Event, EventKind, Header, Transcript};

fn out(time: f64, s: &str) -> Event {
    Event { time, kind: EventKind::Output(s.as_bytes().to_vec()) }
}

fn marker(time: f64, s: &str) -> Event {
    Event { time, kind: EventKind::Marker(s.into()) }
}

#[test]
fn markers_are_chapters_to_jump_between() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cast = dir.path().join("c.cast");
    let t = Transcript {
        header: Header::new("sim:healthy"),
        events: vec![
            out(0.1, "part-one\r\n"),
            marker(0.2, "chapter one"),
            out(0.3, "part-two\r\n"),
            marker(0.4, "chapter two"),
            out(0.5, "part-three\r\n"),
        ],
        truncated: false,
    };
    sacdoc::transcript::redact::write(&cast, &t).expect("write the transcript");
    let line = format!(
        "env SACDOC_STATE_DIR='{d}/state' SACDOC_CONFIG=/nonexistent TERM=xterm-256color \
         '{bin}' replay '{cast}' --speed max; echo \"EXIT=$?\"; sleep 30",
        d = dir.path().display(),
        cast = cast.display(),
        bin = env!("CARGO_BIN_EXE_sacdoc"),
    );
    let t = Tmux::start("chapters", (120, 40), &line);
    t.wait_secs("the whole replay", 20, |s| s.contains("part-three") && s.contains("ended"));

    // The list: both chapters; the last one passed is selected; Up, Enter jumps to the first.
    t.keys(&["c"]);
    let s = t.wait_secs("the chapter list", 10, |s| s.contains("chapters (2)"));
    assert!(s.contains("chapter one") && s.contains("chapter two"), "{s}");
    t.keys(&["Up"]);
    t.keys(&["Enter"]);
    let s =
        t.wait_secs("the first chapter", 10, |s| !s.contains("part-two") && s.contains("part-one"));
    assert!(!s.contains("part-three"), "{s}");

    // Next: up to the second chapter.
    t.keys(&["n"]);
    let s = t.wait_secs("the second chapter", 10, |s| s.contains("part-two"));
    assert!(!s.contains("part-three"), "{s}");

    // Previous: back to the first, the console started over.
    t.keys(&["p"]);
    t.wait_secs("back at the first chapter", 10, |s| {
        s.contains("part-one") && !s.contains("part-two")
    });
    t.keys(&["q"]);
    let s = t.wait_secs("the exit", 10, |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");
}
