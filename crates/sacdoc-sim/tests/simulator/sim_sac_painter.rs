//! The simulated SAC driver's output profiles and quirks, through the in-process link: the
//! 2016/2019 painter (what a terminal shows equals the channel's screen), the quirks of real guests
//! (dropkeys, eatchars, cronly) and the line's pace.

use crate::sim_common;

use std::io::Read;

use sacdoc_sim::sac::text;
use sim_common::*;

/// Asserts that every escape sequence in `bytes` is one the painter may use (§6.3).
fn only_painter_sequences(bytes: &str) {
    let re = regex::Regex::new(r"\x1b\[[0-9;]*[A-Za-z]").unwrap();
    for m in re.find_iter(bytes) {
        let s = m.as_str();
        let ok = s == "\x1b[0K" || (s.ends_with('H') && s[2..s.len() - 1].split(';').count() == 2);
        assert!(ok, "unexpected sequence {s:?}");
    }
    assert_eq!(bytes.matches('\x1b').count(), re.find_iter(bytes).count());
}

#[test]
fn ws2019_paints_the_screen_and_skips_fast_output() {
    let mut vm = Vm::new("start=switch&profile=ws2019&paint_ms=20&seed=4");
    let mut term = vt100::Parser::new(24, 80, 0);
    vm.send(b" ");
    let redraw = vm.drain(150);
    term.process(redraw.as_bytes());
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\r").as_bytes());
    let login = vm.drain(500);
    term.process(login.as_bytes());
    assert!(vt_text(&term).contains("C:\\Windows\\system32>"), "{}", vt_text(&term));
    // From the prompt on, the channel is painted: typed keys and output arrive as screen diffs.
    vm.send(b"tasklist\r");
    let painted = vm.drain(1500);
    term.process(painted.as_bytes());
    only_painter_sequences(&painted);
    let buffer = vm.link.console().driver().screen(1).map(|s| s.text()).unwrap_or_default();
    assert_eq!(vt_text(&term), buffer);
    let cursor = vm.link.console().driver().screen(1).map(|s| s.cursor()).unwrap_or_default();
    let (r, c) = term.screen().cursor_position();
    assert_eq!((r as usize, c as usize), cursor);
    // Lines that scrolled through the buffer between two paints were never sent.
    let output = expected_output("tasklist");
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 30, "tasklist should print more than a screen: {}", lines.len());
    let skipped = lines.iter().take(3).filter(|l| !buffer.contains(*l)).collect::<Vec<_>>();
    assert!(!skipped.is_empty());
    for l in skipped {
        assert!(!painted.contains(l), "{l:?} was painted although it scrolled away at once");
    }
    // Streaming sends every line; the painter sent less than the output itself.
    assert!(painted.len() < output.len(), "{} >= {}", painted.len(), output.len());
}

#[test]
fn ws2019_painter_result_matches_after_each_command() {
    let mut vm = Vm::new("start=switch&profile=ws2016&paint_ms=10&seed=5");
    let mut term = vt100::Parser::new(24, 80, 0);
    vm.send(b"x");
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\r").as_bytes());
    for cmd in ["echo one", "echo two", "cls", "echo three", "ver"] {
        vm.send(format!("{cmd}\r").as_bytes());
        let got = vm.drain(300);
        term.process(got.as_bytes());
        let buffer = vm.link.console().driver().screen(1).map(|s| s.text()).unwrap_or_default();
        assert_eq!(vt_text(&term), buffer, "after {cmd}");
    }
    assert!(
        vt_text(&term).starts_with("C:\\Windows\\system32>echo three\nthree\n"),
        "{}",
        vt_text(&term)
    );
}

#[test]
fn quirk_dropkeys_loses_repeated_keys() {
    let mut vm = Vm::new("start=cmd&profile=ws2022&dropkeys=1&dropkeys_ms=400");
    vm.send(b"echo aab\r");
    assert_eq!(vm.until("system32>"), "echo ab\r\nab\r\n\r\nC:\\Windows\\system32>");
    // The same key after the window is kept.
    vm.send(b"echo c");
    let _ = vm.drain(450);
    vm.send(b"c\r");
    assert_eq!(vm.until("system32>"), "c\r\ncc\r\n\r\nC:\\Windows\\system32>");
    // Without the quirk nothing is lost.
    let mut vm = Vm::new("start=cmd&profile=ws2022");
    vm.send(b"echo aab\r");
    assert_eq!(vm.until("system32>"), "echo aab\r\naab\r\n\r\nC:\\Windows\\system32>");
}

#[test]
fn quirk_eatchars_loses_keys_right_after_the_prompt_appears() {
    let mut vm = Vm::new("start=login&profile=ws2022&eatchars=1&eatchars_ms=300");
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\recho early\r").as_bytes());
    let first = vm.drain(400);
    assert!(first.ends_with("C:\\Windows\\system32>"), "{first:?}");
    assert!(!first.contains("early"));
    vm.send(b"echo late\r");
    assert_eq!(vm.until("system32>"), "echo late\r\nlate\r\n\r\nC:\\Windows\\system32>");
}

#[test]
fn quirk_cronly_ignores_lf_at_the_cmd_prompt() {
    let mut vm = Vm::new("start=cmd&profile=ws2022&cronly=1");
    vm.send(b"echo hi\n");
    assert_eq!(vm.drain(200), "echo hi");
    vm.send(b"\r");
    assert_eq!(vm.until("system32>"), "\r\nhi\r\n\r\nC:\\Windows\\system32>");
    // At SAC> LF still works.
    vm.send(b"\x1b\t0\r");
    let _ = vm.drain(200);
    vm.send(b"\n");
    assert_eq!(vm.until("SAC>"), "\r\nSAC>");
}

#[test]
fn baud_paces_the_output() {
    let mut vm = Vm::new("baud=1200&cmd_delay_ms=100000");
    let mut buf = [0u8; 4096];
    let n = loop {
        match vm.link.read(&mut buf) {
            Ok(n) => break n,
            Err(_) => continue,
        }
    };
    // 120 bytes per second: the 220-byte banner cannot arrive in one piece.
    assert!(n < text::BANNER.len(), "{n}");
    vm.seen.extend_from_slice(&buf[..n]);
    assert_eq!(vm.until("SAC>"), text::BANNER);
}

/// `cls` before more commands on one line clears the screen when cmd.exe reaches it: what
/// follows (paged output included) is on the cleared screen, not wiped after it.
#[test]
fn cls_in_a_line_clears_before_what_follows() {
    let mut vm = Vm::new("start=switch&profile=ws2019&paint_ms=10&seed=5");
    let mut term = vt100::Parser::new(24, 80, 0);
    vm.send(b"x");
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\r").as_bytes());
    for cmd in ["echo one", "echo two", "cls & echo three", "cls & ver | more"] {
        vm.send(format!("{cmd}\r").as_bytes());
        let got = vm.drain(300);
        term.process(got.as_bytes());
        let buffer = vm.link.console().driver().screen(1).map(|s| s.text()).unwrap_or_default();
        assert_eq!(vt_text(&term), buffer, "after {cmd}");
        if cmd == "cls & echo three" {
            assert!(vt_text(&term).starts_with("three\n\nC:\\Windows\\system32>"), "{buffer}");
        }
    }
    let shown = vt_text(&term);
    assert!(shown.starts_with("\nMicrosoft Windows [Version"), "{shown}");
    assert!(!shown.contains("three"), "{shown}");
}
