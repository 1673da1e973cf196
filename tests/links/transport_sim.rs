//! The simulator as a target: in-process (`sim:`), and served on a real pty and a Unix socket
//! and reached through the serial and unix transports. A session recorded against the simulator
//! replays.

use std::time::{Duration, Instant};

use sacdoc::sim::server::{ServeSpec, Server};
use sacdoc::target::Target;
use sacdoc::transcript::replay::{ReplayLink, ReplayOptions};
use sacdoc::transcript::{self, Header, Recorder, RecordingLink};
use sacdoc::transport::{is_no_data, Link};

/// Reads until what was read ends with `needle` (15 s at most).
fn expect(link: &mut dyn Link, needle: &[u8]) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !seen.ends_with(needle) {
        assert!(
            Instant::now() < deadline,
            "waited for {:?}; got {:?}",
            needle.escape_ascii().to_string(),
            seen.escape_ascii().to_string()
        );
        match link.read(&mut buf) {
            Ok(0) => panic!("link closed; got {:?}", seen.escape_ascii().to_string()),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if is_no_data(&e) => {}
            Err(e) => panic!("{e}"),
        }
    }
    seen
}

/// Press Enter at `SAC>` twice and see the prompt come back each time.
fn two_prompts(link: &mut dyn Link) -> Vec<u8> {
    let mut all = Vec::new();
    for _ in 0..2 {
        link.write_all(b"\r").unwrap();
        all.extend(expect(link, b"SAC>"));
    }
    all
}

#[test]
fn sim_target_in_process_records_and_replays() {
    let target: Target = "sim:healthy?profile=ws2019&start=sac".parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.cast");
    let rec = Recorder::create(&path, &Header::new(&target.to_string())).unwrap();
    let mut link = RecordingLink::new(target.open().unwrap(), rec);
    let live = two_prompts(&mut link);
    let (_, outcome) = link.finish();
    outcome.unwrap();

    let t = transcript::read(&path).unwrap();
    assert_eq!(t.header.profile.as_deref(), Some("ws2019"), "profile taken from the target");
    assert_eq!(t.output(), live);
    assert_eq!(t.input(), b"\r\r");
    let mut replay = ReplayLink::open(&path, ReplayOptions::default()).unwrap();
    assert_eq!(two_prompts(&mut replay), live);
    assert!(replay.is_finished());
}

#[test]
fn unknown_scenario_is_a_clear_open_error() {
    let e = "sim:no-such-scenario".parse::<Target>().unwrap().open().err().unwrap();
    let e = sacdoc::transport::chain(&e);
    assert!(e.starts_with("cannot open sim:no-such-scenario: "), "{e}");
    assert!(e.contains("no-such-scenario"), "{e}");
}

#[cfg(unix)]
#[test]
fn simulator_on_a_pty_through_the_serial_transport() {
    let server = Server::start(&ServeSpec::new("pty", "healthy", "start=sac")).unwrap();
    let dev = server.pty_path().unwrap().display().to_string();
    let target: Target = format!("serial://{dev}?baud=115200").parse().unwrap();
    let mut link = target.open().unwrap();
    two_prompts(&mut link);
    drop(link);
    server.stop();
}

#[cfg(unix)]
#[test]
fn simulator_on_a_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("com1.sock");
    let spec = ServeSpec::new(&format!("unix:{}", sock.display()), "healthy", "start=sac");
    let server = Server::start(&spec).unwrap();
    let mut link = format!("unix:{}", sock.display()).parse::<Target>().unwrap().open().unwrap();
    two_prompts(&mut link);
    drop(link);
    server.stop();
}

#[test]
fn simulator_on_loopback_tcp() {
    let server =
        Server::start(&ServeSpec::new("tcp://127.0.0.1:0", "healthy", "start=sac")).unwrap();
    let addr = server.addr().unwrap();
    let mut link = format!("tcp://{addr}").parse::<Target>().unwrap().open().unwrap();
    two_prompts(&mut link);
    drop(link);
    server.stop();
}
