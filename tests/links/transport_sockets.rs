//! Raw TCP and Unix-socket links against real loopback servers.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use sacdoc::target::Target;
use sacdoc::transport::{is_no_data, Link};

/// Reads until `want` bytes or end of file (10 s at most); returns the bytes and whether the link
/// reported end of file.
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

/// Reads until end of file, failing after 10 s.
fn wait_eof(link: &mut dyn Link) {
    let (rest, eof) = read_n(link, usize::MAX);
    assert!(eof && rest.is_empty(), "expected end of file, got {rest:?}");
}

/// The server side of a console: echoes what it gets, uppercased, then closes when it sees `q`.
fn serve_upper<S: Read + Write>(mut s: S) {
    s.write_all(b"SAC>").unwrap();
    let mut buf = [0u8; 256];
    loop {
        let n = s.read(&mut buf).unwrap();
        if n == 0 || buf[..n].contains(&b'q') {
            return;
        }
        s.write_all(&buf[..n].to_ascii_uppercase()).unwrap();
    }
}

fn exercise(link: &mut dyn Link) {
    assert_eq!(read_n(link, 4).0, b"SAC>");
    // Idle: "no data yet" comes back within the short read timeout, not an error.
    let t = Instant::now();
    let e = link.read(&mut [0u8; 8]).unwrap_err();
    assert!(is_no_data(&e), "{e}");
    assert!(t.elapsed() < Duration::from_secs(5));
    link.write_all(b"id\r\n\xff\x00").unwrap();
    assert_eq!(read_n(link, 6).0, b"ID\r\n\xff\x00");
    link.write_all(b"q").unwrap();
    wait_eof(link);
}

#[test]
fn tcp_link_is_a_raw_byte_stream() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || serve_upper(listener.accept().unwrap().0));
    let target: Target = format!("tcp://127.0.0.1:{port}").parse().unwrap();
    let mut link = target.open().unwrap();
    assert_eq!(link.describe(), format!("tcp://127.0.0.1:{port}"));
    exercise(&mut link);
    server.join().unwrap();
}

#[test]
fn tcp_link_resolves_names() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || serve_upper(listener.accept().unwrap().0));
    let mut link = format!("tcp://localhost:{port}").parse::<Target>().unwrap().open().unwrap();
    exercise(&mut link);
    server.join().unwrap();
}

#[cfg(unix)]
#[test]
fn unix_socket_link_is_a_raw_byte_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("com1.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let server = std::thread::spawn(move || serve_upper(listener.accept().unwrap().0));
    let target: Target = format!("unix:{}", path.display()).parse().unwrap();
    let mut link = target.open().unwrap();
    assert_eq!(link.describe(), format!("unix:{}", path.display()));
    exercise(&mut link);
    server.join().unwrap();
}
