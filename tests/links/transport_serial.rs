//! Serial ports through `serialport`, against a real pty pair: the test holds the master side (the
//! "VM") and sacdoc opens the slave device by name, as it would open /dev/ttyS0.
#![cfg(unix)]

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use sacdoc::target::Target;
use sacdoc::transport::{is_no_data, Link};
use serialport::{SerialPort, TTYPort};

/// Reads from `r` until `want` bytes arrived (or 10 s passed), treating timeouts as "no data yet".
fn read_exactly(r: &mut dyn Read, want: usize) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while got.len() < want && Instant::now() < deadline {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if is_no_data(&e) => {}
            Err(e) => panic!("read failed: {e}"),
        }
    }
    got
}

#[test]
fn every_byte_value_passes_both_ways_at_115200() {
    let (mut master, slave) = TTYPort::pair().unwrap();
    master.set_timeout(Duration::from_millis(50)).unwrap();
    let path = slave.name().unwrap();
    let target: Target =
        format!("serial://{path}?baud=115200&parity=none&data=8&stop=1&flow=none").parse().unwrap();
    assert_eq!(target.to_string(), path, "115200 8N1 is the default, so the plain path");
    let mut link = target.open().unwrap();
    assert_eq!(link.describe(), path);

    // Nothing sent yet: a read is "no data yet", not an error and not end of file.
    let mut buf = [0u8; 16];
    let e = link.read(&mut buf).unwrap_err();
    assert!(is_no_data(&e), "{e}");

    let all: Vec<u8> = (0..=255u8).collect();
    master.write_all(&all).unwrap();
    assert_eq!(read_exactly(&mut link, 256), all, "VM -> sacdoc is raw");

    link.write_all(&all).unwrap();
    link.flush().unwrap();
    assert_eq!(read_exactly(&mut master, 256), all, "sacdoc -> VM is raw");
    drop(slave);
}

#[test]
fn a_thread_playing_sac_answers_over_the_pty() {
    let (mut master, slave) = TTYPort::pair().unwrap();
    master.set_timeout(Duration::from_millis(50)).unwrap();
    let path = slave.name().unwrap();
    let vm = std::thread::spawn(move || {
        let mut line = Vec::new();
        let mut buf = [0u8; 64];
        let deadline = Instant::now() + Duration::from_secs(10);
        master.write_all(b"\r\nSAC>").unwrap();
        while Instant::now() < deadline {
            match master.read(&mut buf) {
                Ok(n) => {
                    line.extend_from_slice(&buf[..n]);
                    if line.ends_with(b"\r") {
                        // SAC echoes the command and answers on a new line.
                        master.write_all(b"id\r\nComputer Name: WIN-TEST\r\nSAC>").unwrap();
                        // Hand the master back: closing it hangs up the pty, and the kernel
                        // drops what the slave has not read yet.
                        return (line, master);
                    }
                }
                Err(e) if is_no_data(&e) => {}
                Err(e) => panic!("{e}"),
            }
        }
        (line, master)
    });
    let mut link = path.parse::<Target>().unwrap().open().unwrap();
    assert_eq!(read_exactly(&mut link, 6), b"\r\nSAC>");
    link.write_all(b"id\r").unwrap();
    let answer = read_exactly(&mut link, 33);
    assert_eq!(answer, b"id\r\nComputer Name: WIN-TEST\r\nSAC>");
    let (line, master) = vm.join().unwrap();
    assert_eq!(line, b"id\r");
    // The VM side goes away (a pty-backed virtual port whose VM stopped): end of file, not a
    // timeout and not a panic.
    drop(master);
    drop(slave);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match link.read(&mut [0u8; 16]) {
            Ok(0) => break,
            Ok(n) => panic!("unexpected {n} bytes"),
            Err(e) if is_no_data(&e) && Instant::now() < deadline => {}
            Err(e) => panic!("expected end of file, got {e}"),
        }
    }
}

#[test]
fn a_busy_port_is_refused_with_advice() {
    let (_master, slave) = TTYPort::pair().unwrap();
    let path = slave.name().unwrap();
    let target: Target = path.parse().unwrap();
    let _first = target.open().unwrap();
    // sacdoc opens ports exclusively, so a second opener (another sacdoc, screen) is refused.
    let e = sacdoc::transport::chain(&target.open().err().expect("second open must fail"));
    assert!(e.starts_with(&format!("cannot open {path}")), "{e}");
    assert!(e.contains("busy"), "{e}");
}
