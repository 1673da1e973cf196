//! The simulator's `telnet://` listener, byte for byte over a loopback socket: ser2net's greeting
//! (`WILL ECHO, WILL SGA, DO SGA`), BINARY agreed when asked and other options refused, 0xFF in
//! the output doubled, IAC sequences and CR NUL padding stripped from the input, and
//! `sacdoc sim --listen telnet://...` from the real binary.

#[cfg(unix)]
use std::io::{BufRead, BufReader};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
#[cfg(unix)]
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sacdoc::sim::server::{Listen, ServeSpec, Server, ServerHandle};
use sacdoc::transport::is_no_data;

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

const GREETING: [u8; 9] = [IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, SGA];

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(50))).expect("timeout");
    s
}

fn serve(listen: &str, query: &str) -> (ServerHandle, SocketAddr) {
    let server = Server::start(&ServeSpec::new(listen, "healthy", query)).expect("server");
    let addr = server.addr().expect("address");
    (server, addr)
}

/// One read of at most 4 KiB: `None` when the server closed, an empty chunk when nothing arrived
/// within the read timeout.
fn read_chunk(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = [0u8; 4096];
    match s.read(&mut buf) {
        Ok(0) => None,
        Ok(k) => Some(buf[..k].to_vec()),
        Err(e) if is_no_data(&e) => Some(Vec::new()),
        Err(e) => panic!("read: {e}"),
    }
}

/// Reads until `n` bytes have arrived (10 s at most).
fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    while got.len() < n {
        assert!(Instant::now() < deadline, "wanted {n} bytes, got {got:?}");
        let chunk = read_chunk(s).unwrap_or_else(|| panic!("closed after {got:?}"));
        got.extend_from_slice(&chunk);
    }
    got
}

/// Reads until `want` ends what arrived (10 s at most).
fn read_until(s: &mut TcpStream, want: &[u8]) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    while !got.ends_with(want) {
        assert!(
            Instant::now() < deadline,
            "{:?} did not arrive; got {:?}",
            String::from_utf8_lossy(want),
            String::from_utf8_lossy(&got)
        );
        let chunk = read_chunk(s)
            .unwrap_or_else(|| panic!("closed after {:?}", String::from_utf8_lossy(&got)));
        got.extend_from_slice(&chunk);
    }
    got
}

/// Reads until nothing more arrives for 300 ms (10 s at most).
fn read_quiet(s: &mut TcpStream) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut last = Instant::now();
    while last.elapsed() < Duration::from_millis(300) && Instant::now() < deadline {
        match read_chunk(s) {
            None => break,
            Some(chunk) if !chunk.is_empty() => {
                got.extend_from_slice(&chunk);
                last = Instant::now();
            }
            Some(_) => {}
        }
    }
    got
}

#[test]
fn listen_parses_telnet_on_loopback_only() {
    let addr: SocketAddr = "127.0.0.1:2323".parse().expect("addr");
    assert_eq!("telnet://127.0.0.1:2323".parse::<Listen>().expect("parse"), Listen::Telnet(addr));
    let e = "telnet://10.0.0.5:2323".parse::<Listen>().unwrap_err().to_string();
    assert!(e.contains("loopback"), "{e}");
    let e = "telnet://nowhere".parse::<Listen>().unwrap_err().to_string();
    assert!(e.contains("telnet://127.0.0.1:PORT"), "{e}");
}

#[test]
fn greeting_then_binary_accepted_and_other_options_refused() {
    let (server, addr) = serve("telnet://127.0.0.1:0", "start=sac&profile=ws2022");
    assert_eq!(server.describe(), format!("telnet://{addr}"));
    let mut c = connect(addr);
    assert_eq!(read_n(&mut c, GREETING.len()), GREETING);
    // Acknowledgements of the offers are not answered; BINARY is agreed both ways; TTYPE refused.
    c.write_all(&[IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, SGA]).expect("write");
    c.write_all(&[IAC, WILL, BINARY, IAC, DO, BINARY, IAC, WILL, TTYPE, IAC, DO, TTYPE])
        .expect("write");
    assert_eq!(
        read_n(&mut c, 12),
        [IAC, DO, BINARY, IAC, WILL, BINARY, IAC, DONT, TTYPE, IAC, WONT, TTYPE]
    );
    // The console is untouched by all that: Enter gives a fresh prompt and nothing else.
    c.write_all(b"\r").expect("write");
    assert_eq!(read_until(&mut c, b"SAC>"), b"\r\nSAC>");
    server.stop();
}

#[test]
fn iac_sequences_and_cr_nul_are_stripped_from_the_input() {
    let (server, addr) = serve("telnet://127.0.0.1:0", "start=sac&profile=ws2022");
    let mut c = connect(addr);
    assert_eq!(read_n(&mut c, GREETING.len()), GREETING);
    // "cmd" with a NOP and a terminal-type subnegotiation in the middle, then Enter as CR NUL.
    let mut typed = vec![b'c', IAC, NOP, b'm'];
    typed.extend_from_slice(&[IAC, SB, TTYPE, 0, b'x', b't', IAC, SE, b'd', b'\r', 0]);
    c.write_all(&typed).expect("write");
    let got = read_until(&mut c, b"Channel: Cmd0001\r\nSAC>");
    let text = String::from_utf8(got).expect("utf-8");
    assert!(
        text.starts_with("cmd\r\nThe Command Prompt session was successfully launched.\r\nSAC>"),
        "{text:?}"
    );
    // CR NUL LF is one Enter: the NUL is padding, so the LF still follows the CR as in CRLF. Had
    // the NUL reached SAC, the LF would be an Enter of its own and a second prompt would come.
    c.write_all(b"\r\0\n").expect("write");
    assert_eq!(read_quiet(&mut c), b"\r\nSAC>");
    // IAC IAC is one 0xFF data byte, which SAC echoes as U+FFFD.
    c.write_all(&[b'x', IAC, IAC, b'y']).expect("write");
    assert_eq!(read_n(&mut c, 5), "x\u{FFFD}y".as_bytes());
    c.write_all(b"\x08\x08\x08ch\r\0").expect("write");
    let got = String::from_utf8(read_until(&mut c, b"Cmd0001\r\nSAC>")).expect("utf-8");
    assert!(got.contains("ch\r\n"), "{got:?}");
    assert!(!got.contains('\u{FFFD}'), "{got:?}");
    server.stop();
}

/// Escapes 0xFF as telnet does.
fn escaped(raw: &[u8]) -> Vec<u8> {
    raw.iter().flat_map(|&b| if b == IAC { vec![IAC, IAC] } else { vec![b] }).collect()
}

#[test]
fn an_0xff_in_the_output_is_doubled() {
    // Output of the VM is UTF-8 and never holds 0xFF, except through the corrupt fault: every
    // byte gets one bit flipped, and 0xBF (the tail of the echoed "ÿ") becomes 0xFF when bit 6
    // flips. The faults are seeded, so a raw TCP server shows what the telnet one must escape.
    let query = "start=sac&profile=ws2022&corrupt=1&seed=11";
    let typed = "ÿ".repeat(40);
    let (raw_server, raw_addr) = serve("tcp://127.0.0.1:0", query);
    let mut raw = connect(raw_addr);
    raw.write_all(typed.as_bytes()).expect("write");
    let want = read_quiet(&mut raw);
    raw_server.stop();
    assert_eq!(want.len(), typed.len(), "every echoed byte arrives once");
    assert!(want.contains(&IAC), "seed 11 must put an 0xFF in the output: {want:?}");

    let (server, addr) = serve("telnet://127.0.0.1:0", query);
    let mut c = connect(addr);
    assert_eq!(read_n(&mut c, GREETING.len()), GREETING);
    c.write_all(typed.as_bytes()).expect("write");
    let got = read_n(&mut c, escaped(&want).len());
    assert_eq!(got, escaped(&want));
    server.stop();
}

#[cfg(unix)]
#[test]
fn the_binary_listens_on_telnet() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(["sim", "healthy", "--listen", "telnet://127.0.0.1:0", "--start", "sac"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sacdoc sim");
    let stdout = child.stdout.take().expect("stdout");
    // The reader stays alive until the end: a closed pipe would fail the server's next print.
    let mut out = BufReader::new(stdout);
    let mut line = String::new();
    out.read_line(&mut line).expect("first line");
    let addr = line.trim().rsplit("telnet://").next().unwrap_or("").to_string();
    let addr: Result<SocketAddr, _> = addr.parse();
    let result = addr.map(|addr| {
        let mut c = connect(addr);
        let greeting = read_n(&mut c, GREETING.len());
        c.write_all(b"\r\0").expect("write");
        (greeting, read_until(&mut c, b"SAC>"))
    });
    // SIGTERM stops it cleanly.
    // SAFETY: kill(2) on the id of the child this test started.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = child.wait().expect("wait");
    drop(out);
    let (greeting, prompt) = result.unwrap_or_else(|e| panic!("{line:?}: {e}"));
    assert_eq!(greeting, GREETING);
    assert_eq!(prompt, b"\r\nSAC>");
    assert!(status.success(), "{status:?}");
}
