//! Tests of the typing and probing rules against scripted consoles on real loopback sockets.
use super::*;
use std::io::{Read, Write};

/// A painted console over a real loopback socket: it first paints `screen`, then answers
/// `cls` with a prompt on a cleared screen, and other keys with their echo when `echo`, or
/// else with nothing (a bottom row whose text does not change is not painted again).
/// Returns the keys it got.
fn painted_console(screen: String, echo: bool) -> (Line, std::sync::mpsc::Receiver<Vec<u8>>) {
    console(screen, echo, false, false)
}

/// [`painted_console`] that debounces, when `debounce`: a key equal to the one before it
/// that comes within 300 ms is lost (neither taken nor echoed); with `answer_enter`, Enter
/// brings a prompt on the next row.
fn console(
    screen: String,
    echo: bool,
    debounce: bool,
    answer_enter: bool,
) -> (Line, std::sync::mpsc::Receiver<Vec<u8>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let near = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut far, _) = listener.accept().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        let _ = far.write_all(screen.as_bytes());
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        let mut last: Option<(u8, std::time::Instant)> = None;
        while let Ok(n @ 1..) = far.read(&mut buf) {
            let mut taken = Vec::new();
            for &b in &buf[..n] {
                let lost = debounce
                    && last
                        .is_some_and(|(k, t)| k == b && t.elapsed() < Duration::from_millis(300));
                last = Some((b, std::time::Instant::now()));
                if !lost {
                    taken.push(b);
                }
            }
            got.extend_from_slice(&taken);
            let _ = tx.send(taken.clone());
            if echo && !got.ends_with(b"cls\r") {
                let _ = far.write_all(&taken);
            }
            if answer_enter && got.ends_with(b"\r") && !got.ends_with(b"cls\r") {
                // A command that ended: its prompt on the next row.
                let _ = far.write_all(b"\r\nC:\\Windows\\system32>");
            }
            if got.ends_with(b"cls\r") {
                let _ = far.write_all(
                    b"\x1b[1;1HC:\\Windows\\system32>\x1b[0K\x1b[24;1H\x1b[0K\x1b[1;21H",
                );
            }
        }
    });
    let link = sacdoc_link::tcp::TcpLink::from_stream(near, "test".into()).unwrap();
    let mut line = Line::new(Box::new(link));
    line.painted = true;
    (line, rx)
}

#[test]
fn a_garbled_prompt_on_a_painted_bottom_row_is_cleared_at_once() {
    let (mut line, keys) = painted_console("\x1b[24;1HCz\\Windows\\system32>".into(), false);
    let limits = Limits { timeout: Duration::from_secs(20), max_time: None, output_limit: 1 << 20 };
    wait_probing(&mut line, limits, "the prompt", true, at_prompt).unwrap();
    let first: Vec<u8> = keys.try_iter().flatten().collect();
    // Enter would scroll a fresh prompt onto the bottom row, the same text there, which the
    // console does not paint again: three Enters were lost before `cls` came.
    assert_eq!(first, b"cls\r", "{:?}", String::from_utf8_lossy(&first));
    assert_eq!(line.term().cursor(), (0, 20));
}

#[test]
fn a_noisy_painted_line_that_would_scroll_is_typed_on_a_cleared_screen() {
    let set = format!("set SDQa={}", "x".repeat(56));
    // (cursor row, painted, noise met lately, cleared first)
    let cases = [
        (21, true, true, true),
        (20, true, true, false),
        (21, true, false, false),
        (21, false, true, false),
    ];
    for (row, painted, noisy, clears) in cases {
        let screen = format!("\x1b[{};1HC:\\Windows\\system32>", row + 1);
        let (mut line, keys) = painted_console(screen, true);
        line.painted = painted;
        line.short_runs_left = u32::from(noisy);
        line.wait(Duration::from_secs(5), "the prompt", |l| at_prompt(l).then_some(())).unwrap();
        type_command(&mut line, &set, Duration::from_secs(10), 1, Pad::Never).unwrap();
        let sent: Vec<u8> = keys.try_iter().flatten().collect();
        let case = format!(
            "row {row}, painted {painted}, noisy {noisy}: {:?}",
            String::from_utf8_lossy(&sent)
        );
        assert_eq!(sent.starts_with(b"cls\r"), clears, "{case}");
        assert!(sent.ends_with(set.as_bytes()), "{case}");
    }
}

#[test]
fn a_suspected_debounce_is_tested_again_and_cleared_or_confirmed() {
    let text = "set SDQa=^^x";
    for debounces in [false, true] {
        let (mut line, _keys) =
            console("\x1b[3;1HC:\\Windows\\system32>".into(), true, debounces, false);
        line.painted = true;
        line.wait(Duration::from_secs(5), "the prompt", |l| at_prompt(l).then_some(())).unwrap();
        // One lost echo of a repeated key made the typist suspect a debounce.
        line.debounce = Some(crate::typing::DEFAULT_REPEAT_PAUSE);
        line.debounce_suspected = true;
        let typed = type_command(&mut line, text, Duration::from_secs(10), 1, Pad::Never);
        assert_eq!(typed.is_ok(), !debounces, "debounces {debounces}: {typed:?}");
        assert_eq!(line.debounce.is_some(), debounces, "debounces {debounces}");
        assert!(!line.debounce_suspected, "debounces {debounces}: settled either way");
        assert_eq!(line.debounce_retests, 1);
    }
}

#[test]
fn a_painted_command_still_running_on_the_bottom_row_gets_enter_not_cls() {
    // The cursor at the start of the bottom row: the command's output has not come yet.
    let (mut line, keys) = console("\x1b[24;1H".into(), false, false, true);
    let limits = Limits { timeout: Duration::from_secs(10), max_time: None, output_limit: 1 << 20 };
    wait_probing(&mut line, limits, "the prompt", true, at_prompt).unwrap();
    let sent: Vec<u8> = keys.try_iter().flatten().collect();
    assert!(
        sent.starts_with(b"\r") && !sent.starts_with(b"cls"),
        "{:?}",
        String::from_utf8_lossy(&sent)
    );
}
