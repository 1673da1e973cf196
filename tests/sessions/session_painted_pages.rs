//! Paging on a painted console (Server 2016/2019 style): a page damaged on the line is read again
//! and the output still comes byte for byte; the line that pages the spool clears the screen
//! itself (`cls & findstr ... | more`), so rows of an earlier capture never mix in.

use sacdoc::runner::phases::{self, Phase};
use sacdoc::runner::Shell;
use sacdoc::sac::Session;

use crate::session_common::*;

/// Lines of text that compress badly: the spool crosses the line as many pages.
fn text() -> String {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..400)
        .map(|i| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            format!("{i:04} {:016x} {:016x}\r\n", seed, seed.rotate_left(17))
        })
        .collect()
}

/// A painted session on `healthy` with `C:\pp\t.txt` holding `text`.
fn session(query: &str, text: &str) -> Session {
    let (_, opts) = sacdoc::sim::prepare("healthy", query).expect("options");
    let mut m = sacdoc::sim::prepared_machine("healthy", query).expect("machine");
    m.state.fs.mkdir("C:\\pp").expect("mkdir");
    m.state.fs.write_file("C:\\pp\\t.txt", text.as_bytes(), false).expect("write");
    let link = sacdoc::sim::SimLink::from_machine(m, "healthy", &opts);
    let mut s = Session::attach(Box::new(link), options("healthy", 60)).expect("attach");
    s.ensure_cmd().expect("cmd channel");
    s
}

const BASE: &str = "profile=ws2019&start=sac&paint_ms=2&seed=7";

#[test]
fn a_damaged_page_is_read_again_and_the_output_is_exact() {
    let text = text();
    // A clean run says where the capture's bytes lie on the line.
    let mut s = session(BASE, &text);
    let login = s.bytes_received();
    let clean = s.run("type C:\\pp\\t.txt").expect("clean run");
    assert!(clean.output == text, "clean: {} bytes back", clean.output.len());
    let _ = s.close();
    // Damage bytes all through the pages (the login before them is the same as above).
    let span = clean.bytes_received;
    let at: Vec<String> = (1..6u64).map(|k| (login + span * k / 7).to_string()).collect();
    let q = format!("{BASE}&corrupt_at={}", at.join(","));
    let mut s = session(&q, &text);
    let before = phases::snapshot();
    let out = s.run("type C:\\pp\\t.txt").expect("damaged run");
    let spent = phases::snapshot().since(&before);
    assert!(out.output == text, "damaged: {} bytes back", out.output.len());
    assert_eq!(out.exit_code, Some(0));
    // The damage was noticed and put right: rows fetched again, or the spool paged again.
    let (_, fetched) = spent.get(Phase::Fetch);
    let (_, pagings) = spent.get(Phase::FirstScreen);
    assert!(fetched > 0 || pagings > 1, "no re-read: {spent:?}");
    assert!(out.bytes_received > clean.bytes_received, "{} <= {}", out.bytes_received, span);
    let _ = s.close();
}

/// Captures in a row, short and long, each on a screen the previous one filled with numbered
/// rows: every output is its own, exact.
#[test]
fn captures_in_a_row_never_mix_rows() {
    let text = text();
    let mut s = session(BASE, &text);
    for _ in 0..2 {
        let long = s.run("type C:\\pp\\t.txt").expect("long");
        assert!(long.output == text, "long: {} bytes back", long.output.len());
        let short = s.run("echo one& echo two").expect("short");
        assert_eq!(short.output, "one\r\ntwo\r\n");
    }
    let _ = s.close();
}
