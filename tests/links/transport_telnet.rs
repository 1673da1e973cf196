//! telnet:// against small loopback telnet servers that negotiate like QEMU (binary both ways)
//! and like a plain NVT server (no binary: CR NUL), and send IAC-escaped 0xFF.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use sacdoc::target::Target;
use sacdoc::transport::{is_no_data, Link};

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const NOP: u8 = 241;
const BINARY: u8 = 0;
const ECHO: u8 = 1;
const SGA: u8 = 3;
const TTYPE: u8 = 24;
const LINEMODE: u8 = 34;

/// Server side: reads exactly `n` bytes (10 s at most).
fn server_read(s: &mut TcpStream, n: usize) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = vec![0u8; n];
    s.read_exact(&mut got).unwrap();
    got
}

/// Client side: reads until `want` bytes of serial data arrived.
fn client_read(link: &mut dyn Link, want: usize) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut buf = [0u8; 3];
    while got.len() < want && Instant::now() < deadline {
        match link.read(&mut buf) {
            Ok(0) => panic!("closed early after {got:?}"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if is_no_data(&e) => {}
            Err(e) => panic!("{e}"),
        }
    }
    got
}

fn open(port: u16) -> Box<dyn Link> {
    format!("telnet://127.0.0.1:{port}").parse::<Target>().unwrap().open().unwrap()
}

#[test]
fn qemu_style_negotiation_ends_binary_and_unescapes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_nodelay(true).unwrap();
        // What QEMU sends on connect, plus a request we must refuse.
        s.write_all(&[IAC, WILL, ECHO, IAC, WILL, SGA, IAC, WILL, BINARY, IAC, DO, BINARY])
            .unwrap();
        s.write_all(&[IAC, DO, TTYPE]).unwrap();
        let replies = server_read(&mut s, 15);
        // Serial data with an escaped 0xFF, a NOP and a subnegotiation, in small pieces.
        let data: Vec<u8> = [
            b"\r\nSAC>caf".as_slice(),
            &[IAC, IAC],
            &[IAC, NOP],
            b"!",
            &[IAC, SB, TTYPE, 1, IAC, SE],
            b"\r\n",
        ]
        .concat();
        for piece in data.chunks(2) {
            s.write_all(piece).unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        // In binary mode the client sends CR bare and doubles 0xFF.
        let typed = server_read(&mut s, 5);
        (replies, typed)
    });
    let mut link = open(port);
    let got = client_read(&mut link, 13);
    assert_eq!(got, b"\r\nSAC>caf\xff!\r\n");
    link.write_all(b"\xffid\r").unwrap();
    let (replies, typed) = server.join().unwrap();
    assert_eq!(
        replies,
        [IAC, DO, ECHO, IAC, DO, SGA, IAC, DO, BINARY, IAC, WILL, BINARY, IAC, WONT, TTYPE]
    );
    assert_eq!(typed, [IAC, IAC, b'i', b'd', b'\r']);
}

#[test]
fn plain_nvt_server_gets_cr_nul_and_refusals() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&[IAC, WILL, ECHO, IAC, WILL, SGA, IAC, WILL, LINEMODE]).unwrap();
        let replies = server_read(&mut s, 9);
        // An NVT sends a bare CR as CR NUL.
        s.write_all(b"a\r\0b\r\nSAC>").unwrap();
        let typed = server_read(&mut s, 6);
        // Closing the connection is end of file for the client.
        drop(s);
        (replies, typed)
    });
    let mut link = open(port);
    assert_eq!(client_read(&mut link, 9), b"a\rb\r\nSAC>");
    link.write_all(b"x\ry\r\n").unwrap();
    let (replies, typed) = server.join().unwrap();
    assert_eq!(replies, [IAC, DO, ECHO, IAC, DO, SGA, IAC, DONT, LINEMODE]);
    assert_eq!(typed, b"x\r\0y\r\n");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match link.read(&mut [0u8; 8]) {
            Ok(0) => break,
            Ok(n) => panic!("{n} unexpected bytes"),
            Err(e) if is_no_data(&e) && Instant::now() < deadline => {}
            Err(e) => panic!("expected end of file, got {e}"),
        }
    }
}
