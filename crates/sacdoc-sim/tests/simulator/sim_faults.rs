//! Fault injection of the simulator, through the in-process link: dropped, duplicated and
//! corrupted bytes, a cut link, a stall, and a reboot in the middle of a command.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use sacdoc_sim::sac::text;

/// Everything the link delivers within `ms` (or until it closes); the flag says it closed.
fn collect(link: &mut sacdoc_sim::SimLink, ms: u64) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + Duration::from_millis(ms);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match link.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::TimedOut),
        }
    }
    (got, false)
}

fn open(query: &str) -> sacdoc_sim::SimLink {
    sacdoc_sim::open("healthy", query).unwrap_or_else(|e| panic!("{e}"))
}

const QUIET: &str = "cmd_delay_ms=100000";

#[test]
fn no_faults_gives_the_exact_banner() {
    let mut link = open(QUIET);
    let (got, closed) = collect(&mut link, 200);
    assert!(!closed);
    assert_eq!(got, text::BANNER.as_bytes());
}

#[test]
fn drop_loses_bytes_at_the_rate() {
    let mut link = open(&format!("{QUIET}&drop=0.5&seed=11"));
    let (got, _) = collect(&mut link, 200);
    let n = text::BANNER.len();
    assert!(got.len() < n * 3 / 4 && got.len() > n / 4, "{} of {n}", got.len());
}

#[test]
fn dup_repeats_bytes() {
    let mut link = open(&format!("{QUIET}&dup=0.5&seed=12"));
    let (got, _) = collect(&mut link, 200);
    let n = text::BANNER.len();
    assert!(got.len() > n * 5 / 4, "{} of {n}", got.len());
    // Removing the doubled bytes gives back the banner's characters in order.
    let mut dedup = got.clone();
    dedup.dedup();
    let mut want = text::BANNER.as_bytes().to_vec();
    want.dedup();
    assert_eq!(dedup, want);
}

#[test]
fn corrupt_flips_bits_but_keeps_the_length() {
    let mut link = open(&format!("{QUIET}&corrupt=0.2&seed=13"));
    let (got, _) = collect(&mut link, 200);
    assert_eq!(got.len(), text::BANNER.len());
    let changed = got.iter().zip(text::BANNER.as_bytes()).filter(|(a, b)| a != b).count();
    assert!(changed > 10 && changed < 100, "{changed}");
    for (a, b) in got.iter().zip(text::BANNER.as_bytes()) {
        assert!((a ^ b).count_ones() <= 1);
    }
}

#[test]
fn same_seed_same_faults() {
    let mut a = open(&format!("{QUIET}&drop=0.3&seed=99"));
    let mut b = open(&format!("{QUIET}&drop=0.3&seed=99"));
    assert_eq!(collect(&mut a, 150).0, collect(&mut b, 150).0);
}

#[test]
fn cut_after_closes_the_link_at_the_byte_count() {
    let mut link = open(&format!("{QUIET}&cut_after=20"));
    let (got, closed) = collect(&mut link, 2000);
    assert!(closed, "the link should close");
    assert_eq!(got, &text::BANNER.as_bytes()[..20]);
    assert!(link.write(b"\r").is_err());
}

#[test]
fn stall_after_stops_output_then_resumes() {
    let mut link = open(&format!("{QUIET}&stall_after=30&stall_ms=300"));
    let (got, closed) = collect(&mut link, 150);
    assert!(!closed);
    assert_eq!(got, &text::BANNER.as_bytes()[..30]);
    let (rest, _) = collect(&mut link, 600);
    assert_eq!(rest, &text::BANNER.as_bytes()[30..]);
}

#[test]
fn stall_for_ever_sends_nothing_more() {
    let mut link = open(&format!("{QUIET}&stall_after=10"));
    let (got, closed) = collect(&mut link, 300);
    assert!(!closed);
    assert_eq!(got, &text::BANNER.as_bytes()[..10]);
    link.write_all(b"\r").unwrap();
    assert!(collect(&mut link, 200).0.is_empty());
}

#[test]
fn reboot_mid_command_brings_the_banner_back() {
    let mut link = open(
        "start=cmd&profile=ws2022&reboot_mid_command=1&restart_delay_ms=50&cmd_delay_ms=100000",
    );
    link.write_all(b"tasklist\r").unwrap();
    let (got, closed) = collect(&mut link, 1000);
    assert!(!closed);
    let s = String::from_utf8_lossy(&got);
    assert!(s.ends_with(text::BANNER), "{s:?}");
    // Part of the command's output made it before the machine went down, not all of it.
    let before = &s[..s.len() - text::BANNER.len()];
    assert!(before.starts_with("tasklist\r\n"), "{before:?}");
    assert!(!before.ends_with("system32>"));
}

#[test]
fn bad_fault_values_are_clear_errors() {
    let e = sacdoc_sim::open("healthy", "cut_after=lots").unwrap_err().to_string();
    assert!(e.contains("cut_after") && e.contains("whole number"), "{e}");
    let e = sacdoc_sim::open("no-such-scenario", "").unwrap_err().to_string();
    assert!(e.contains("no-such-scenario") && e.contains("healthy"), "{e}");
}
