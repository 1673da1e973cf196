//! Break and line settings through every layer that carries them: a real pty opened through
//! `serialport`, RFC 2217 and telnet against loopback servers that record the exact bytes, the
//! reconnecting and recording wrappers, and the plain links that must say they cannot.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support;
use sacdoc::target::Target;
use sacdoc::transcript::{self, EventKind, Header, Recorder, RecordingLink};
use sacdoc::transport::reconnect::{ReconnectPolicy, ReconnectingLink};
use sacdoc::transport::serial::{Flow, Parity, SerialSettings};
use sacdoc::transport::{is_no_data, Control, ControlError, Link};
use support::rfc2217_server::{ConsoleServer, ServerConfig};

const SHORT: Duration = Duration::from_millis(20);

fn settings(baud: u32, data_bits: u8, parity: Parity, stop_bits: u8, flow: Flow) -> SerialSettings {
    SerialSettings { baud, data_bits, parity, stop_bits, flow }
}

/// A loopback listener that accepts one connection and hands back everything it received
/// until the client closes (or 10 s pass).
fn capture_server() -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while Instant::now() < deadline {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if is_no_data(&e) => {}
                Err(_) => break,
            }
        }
        got
    });
    (port, h)
}

#[test]
fn rfc2217_break_and_settings_are_the_exact_com_port_requests() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let server = ConsoleServer::start(ServerConfig::rfc2217(sim.addr().unwrap()));
    let t: Target = format!("rfc2217://127.0.0.1:{}", server.port()).parse().unwrap();
    let mut link = t.open().unwrap();
    assert_eq!(link.line_settings(), Some(SerialSettings::default()));
    let opened = server.log().requests.len();
    assert_eq!(opened, 5, "the five settings on connect");

    link.send_break(SHORT).unwrap();
    let want = settings(9600, 7, Parity::Even, 2, Flow::Hardware);
    link.set_line_settings(&want).unwrap();
    assert_eq!(link.line_settings(), Some(want));
    let after: Vec<(u8, Vec<u8>)> = server.log().requests[opened..].to_vec();
    assert_eq!(
        after,
        vec![
            (5, vec![5]), // SET-CONTROL BREAK-ON
            (5, vec![6]), // SET-CONTROL BREAK-OFF
            (1, 9600u32.to_be_bytes().to_vec()),
            (2, vec![7]),
            (3, vec![3]),
            (4, vec![2]),
            (5, vec![3]),
        ]
    );
    // The console still answers after both.
    link.write_all(b"\r").unwrap();
    support::read_until(&mut link, "SAC>").unwrap();
}

#[test]
fn rfc2217_a_locked_speed_is_an_error_that_says_what_the_line_is_at() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let mut cfg = ServerConfig::rfc2217(sim.addr().unwrap());
    cfg.locked_baud = Some(115_200);
    let server = ConsoleServer::start(cfg);
    let t: Target = format!("rfc2217://127.0.0.1:{}", server.port()).parse().unwrap();
    let mut link = t.open().unwrap();
    let e = link.set_line_settings(&settings(9600, 8, Parity::None, 1, Flow::None)).unwrap_err();
    assert!(matches!(e, ControlError::Failed { what: Control::LineSettings, .. }), "{e:?}");
    let text = sacdoc::transport::chain(&e);
    assert!(text.contains("asked for 9600 baud, the line is at 115200 baud"), "{text}");
}

#[test]
fn telnet_break_is_iac_brk_and_settings_are_refused_by_name() {
    let (port, server) = capture_server();
    let t: Target = format!("telnet://127.0.0.1:{port}").parse().unwrap();
    let mut link = t.open().unwrap();
    link.send_break(SHORT).unwrap();
    link.write_all(b"x").unwrap();
    let e = link.set_line_settings(&SerialSettings::default()).unwrap_err();
    assert!(e.is_unsupported(), "{e:?}");
    assert!(e.to_string().contains("rfc2217://"), "{e}");
    assert_eq!(link.line_settings(), None);
    drop(link);
    assert_eq!(server.join().unwrap(), vec![255, 243, b'x'], "IAC BRK, then the data");
}

#[test]
fn a_plain_tcp_link_says_it_cannot_rather_than_doing_nothing() {
    let (port, server) = capture_server();
    let t: Target = format!("tcp://127.0.0.1:{port}").parse().unwrap();
    let mut link = t.open().unwrap();
    let e = link.send_break(SHORT).unwrap_err();
    assert!(matches!(e, ControlError::Unsupported { what: Control::Break, .. }), "{e:?}");
    assert!(e.to_string().contains("cannot send a break"), "{e}");
    let e = link.set_line_settings(&SerialSettings::default()).unwrap_err();
    assert!(e.is_unsupported(), "{e:?}");
    drop(link);
    assert!(server.join().unwrap().is_empty(), "nothing was sent in their place");
}

#[test]
fn the_reconnecting_wrapper_passes_both_on() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let server = ConsoleServer::start(ServerConfig::rfc2217(sim.addr().unwrap()));
    let t: Target = format!("rfc2217://127.0.0.1:{}", server.port()).parse().unwrap();
    let mut link = ReconnectingLink::open(&t, ReconnectPolicy::default()).unwrap();
    link.send_break(SHORT).unwrap();
    let want = settings(57_600, 8, Parity::None, 1, Flow::None);
    link.set_line_settings(&want).unwrap();
    let log = server.log();
    assert!(log.requests.contains(&(5, vec![5])) && log.requests.contains(&(5, vec![6])));
    assert_eq!(log.requests.last(), Some(&(5, vec![1])));
    assert!(log.requests.contains(&(1, 57_600u32.to_be_bytes().to_vec())));
    assert_eq!(link.line_settings(), Some(want));
}

#[test]
fn the_recorder_marks_a_break_and_a_settings_change() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let server = ConsoleServer::start(ServerConfig::rfc2217(sim.addr().unwrap()));
    let t: Target = format!("rfc2217://127.0.0.1:{}", server.port()).parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.cast");
    let rec = Recorder::create(&path, &Header::new("rfc2217")).unwrap();
    let mut link = RecordingLink::new(t.open().unwrap(), rec);
    link.send_break(Duration::from_millis(250)).unwrap();
    link.set_line_settings(&settings(9600, 8, Parity::None, 1, Flow::None)).unwrap();
    // A refused change is not marked as made.
    let bad = settings(9600, 9, Parity::None, 1, Flow::None);
    assert!(link.set_line_settings(&bad).is_err());
    let (_, done) = link.finish();
    done.unwrap();
    let t = transcript::read(&path).unwrap();
    let marks = t.markers();
    assert_eq!(marks, ["break 250 ms", "line settings 9600 8N1 flow none"]);
}

#[test]
fn a_paused_recording_keeps_its_file_and_writes_nothing_meanwhile() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let t: Target = format!("tcp://{}", sim.addr().unwrap()).parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.cast");
    let rec = Recorder::create(&path, &Header::new("tcp")).unwrap();
    let mut link = RecordingLink::new(t.open().unwrap(), rec);
    link.write_all(b"\r").unwrap();
    support::read_until(&mut link, "SAC>").unwrap();
    assert!(link.pause_recording(true));
    link.write_all(b"id-while-paused\r").unwrap();
    support::read_until(&mut link, "SAC>").unwrap();
    link.mark("cmd: id-while-paused");
    assert!(link.pause_recording(false));
    link.write_all(b"\r").unwrap();
    support::read_until(&mut link, "SAC>").unwrap();
    assert_eq!(link.transcript_path(), Some(path.as_path()), "the same file throughout");
    let (_, done) = link.finish();
    done.unwrap();
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(!raw.contains("while-paused"), "nothing of the paused stretch:\n{raw}");
    let t = transcript::read(&path).unwrap();
    let marks = t.markers();
    assert_eq!(marks, ["recording paused", "recording resumed"]);
    let inputs: Vec<Vec<u8>> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Input(b) => Some(b.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(inputs, [b"\r".to_vec(), b"\r".to_vec()], "before and after the pause only");
}

/// A pty is what a hypervisor gives as a VM's serial port. Its termios is shared by both ends,
/// so settings made through `serialport` on the slave can be read back on the master side. The
/// Linux pty driver forces 8 data bits and no parity whatever is asked: the link reads the port
/// back and says so, rather than claiming 7E2.
/// A pty has no line to hold in break: Linux accepts TIOCSBRK on it and does nothing, which is
/// all this test can and does show (the call succeeds and the link still carries data).
#[cfg(target_os = "linux")]
#[test]
fn a_pty_opened_as_a_serial_port_takes_settings_and_accepts_a_break() {
    use serialport::{SerialPort, TTYPort};
    use std::os::fd::AsRawFd;
    let (mut master, slave) = TTYPort::pair().unwrap();
    master.set_timeout(Duration::from_millis(50)).unwrap();
    let path = slave.name().unwrap();
    let t: Target = format!("serial://{path}").parse().unwrap();
    let mut link = t.open().unwrap();
    assert_eq!(link.line_settings(), Some(SerialSettings::default()));

    let e =
        link.set_line_settings(&settings(9600, 7, Parity::Even, 2, Flow::Hardware)).unwrap_err();
    let text = sacdoc::transport::chain(&e);
    assert!(text.contains("asked for 7 data bits, the port is at 8"), "{text}");
    assert!(text.contains("asked for even parity, the port is at none"), "{text}");
    let want = settings(9600, 8, Parity::None, 2, Flow::Hardware);
    assert_eq!(link.line_settings(), Some(want), "what the port is at");
    link.set_line_settings(&want).unwrap();
    // serialport sets the speed through termios2 (BOTHER), so it is read back the same way.
    // SAFETY: TCGETS2 fills the termios2 struct for a valid open tty descriptor.
    let mut tio: libc::termios2 = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::ioctl(master.as_raw_fd(), libc::TCGETS2, &mut tio) }, 0);
    assert_eq!(tio.c_ospeed, 9600);
    assert_eq!(tio.c_cflag & libc::CSIZE, libc::CS8);
    assert_ne!(tio.c_cflag & libc::CSTOPB, 0, "two stop bits");
    assert_ne!(tio.c_cflag & libc::CRTSCTS, 0, "RTS/CTS");

    let bad = settings(9600, 9, Parity::None, 1, Flow::None);
    let e = link.set_line_settings(&bad).unwrap_err();
    assert!(e.to_string().contains("could not change the line settings"), "{e}");
    assert_eq!(link.line_settings(), Some(want), "a refused change keeps the old settings");

    link.set_line_settings(&SerialSettings::default()).unwrap();
    link.send_break(SHORT).unwrap();
    link.write_all(b"after").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 32];
    let deadline = Instant::now() + Duration::from_secs(5);
    while got.len() < 5 && Instant::now() < deadline {
        match master.read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if is_no_data(&e) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(got, b"after");
    drop(slave);
}

#[test]
fn a_secret_typed_while_paused_is_not_written_even_when_echoed_after_the_resume() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let t: Target = format!("tcp://127.0.0.1:{port}").parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.cast");
    let rec = Recorder::create(&path, &Header::new("tcp")).unwrap();
    let mut link = RecordingLink::new(t.open().unwrap(), rec);
    let (mut vm, _) = listener.accept().unwrap();
    assert!(link.pause_recording(true));
    link.set_secret(true);
    link.write_all(b"Swordfish").unwrap();
    assert!(link.pause_recording(false));
    link.set_secret(false);
    vm.write_all(b"Password: Swordfish\r\nC:\\>").unwrap();
    support::read_until(&mut link, "C:\\>").unwrap();
    link.write_all(b"dir\r").unwrap();
    let (_, done) = link.finish();
    done.unwrap();
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(!raw.contains("Swordfish") && !raw.contains("Sword"), "{raw}");
    let t = transcript::read(&path).unwrap();
    assert!(String::from_utf8_lossy(&t.output()).contains("Password: "), "the rest is recorded");
    assert_eq!(t.markers(), ["recording paused", "recording resumed"]);
}

/// A link that takes line settings and then fails on the first read: the loss that makes
/// [`ReconnectingLink`] open the real one.
struct DropsAtOnce;

impl Read for DropsAtOnce {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "cable pulled"))
    }
}

impl Write for DropsAtOnce {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Link for DropsAtOnce {
    fn describe(&self) -> String {
        "drops-at-once".into()
    }
    fn set_line_settings(&mut self, _: &SerialSettings) -> Result<(), ControlError> {
        Ok(())
    }
}

#[test]
fn after_a_loss_the_reconnecting_wrapper_sets_the_chosen_line_settings_again() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let server = ConsoleServer::start(ServerConfig::rfc2217(sim.addr().unwrap()));
    let t: Target = format!("rfc2217://127.0.0.1:{}", server.port()).parse().unwrap();
    let mut opened = 0;
    let opener = Box::new(move || {
        opened += 1;
        if opened == 1 {
            Ok(Box::new(DropsAtOnce) as Box<dyn Link>)
        } else {
            t.open()
        }
    });
    let mut link =
        ReconnectingLink::with_opener("flaky".into(), opener, ReconnectPolicy::default()).unwrap();
    let want = settings(57_600, 8, Parity::None, 1, Flow::None);
    link.set_line_settings(&want).unwrap();
    assert!(server.log().requests.is_empty(), "the first link took them itself");
    let mut buf = [0u8; 64];
    let deadline = Instant::now() + Duration::from_secs(10);
    while link.reconnects() == Some(0) && Instant::now() < deadline {
        let _ = link.read(&mut buf);
    }
    let requests = server.log().requests;
    assert_eq!(requests.len(), 10, "the five on connect, then the five chosen: {requests:?}");
    assert_eq!(requests[0], (1, 115_200u32.to_be_bytes().to_vec()), "connect: the target's");
    assert_eq!(requests[5], (1, 57_600u32.to_be_bytes().to_vec()), "then the user's again");
    assert_eq!(link.line_settings(), Some(want));
}
