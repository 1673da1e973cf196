//! exec:COMMAND runs a real command under a real pty (as `virsh console DOMAIN` would run).
#![cfg(unix)]

use std::io::Write;
use std::time::{Duration, Instant};

use sacdoc::target::Target;
use sacdoc::transport::exec::ExecLink;
use sacdoc::transport::{is_no_data, Link};

/// Reads until `want` bytes arrived or end of file (10 s at most); returns the bytes and whether
/// end of file was seen.
fn read_n(link: &mut dyn Link, want: usize) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut buf = [0u8; 300];
    while got.len() < want && Instant::now() < deadline {
        match link.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if is_no_data(&e) => {}
            Err(e) => panic!("read failed: {e}"),
        }
    }
    (got, false)
}

#[test]
fn cat_under_a_pty_echoes_every_byte_raw() {
    let mut link = "exec:cat".parse::<Target>().unwrap().open().unwrap();
    assert_eq!(link.describe(), "exec:cat");
    let all: Vec<u8> = (0..=255u8).collect();
    link.write_all(&all).unwrap();
    assert_eq!(read_n(&mut link, 256).0, all);
}

#[test]
fn the_command_gets_an_80x24_terminal_and_its_end_is_end_of_file() {
    let target: Target =
        "exec:test -t 0 && test -t 1 && echo TERMINAL; stty size; printf 'SAC>'".parse().unwrap();
    let mut link = target.open().unwrap();
    let (out, eof) = read_n(&mut link, usize::MAX);
    assert!(eof, "the command's exit must end the link");
    assert_eq!(String::from_utf8_lossy(&out), "TERMINAL\n24 80\nSAC>");
    // Stays at end of file.
    assert_eq!(link.read(&mut [0u8; 4]).unwrap(), 0);
}

#[test]
fn dropping_the_link_kills_the_command() {
    let link = ExecLink::open("sleep 60", "exec:sleep 60".into()).unwrap();
    let pid = libc::pid_t::try_from(link.pid()).unwrap();
    // SAFETY (test): signal 0 only checks that the process exists.
    assert_eq!(unsafe { libc::kill(pid, 0) }, 0, "the command runs");
    drop(link);
    let gone = unsafe { libc::kill(pid, 0) } == -1
        && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
    assert!(gone, "process {pid} must be killed and reaped when the link is dropped");
}

#[test]
fn a_command_that_cannot_start_reports_it() {
    let mut link = "exec:no-such-relay-command-xyz".parse::<Target>().unwrap().open().unwrap();
    let (out, eof) = read_n(&mut link, usize::MAX);
    assert!(eof);
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("no-such-relay-command-xyz") && text.contains("not found"), "{text}");
}
