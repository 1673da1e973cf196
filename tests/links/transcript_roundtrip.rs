//! Transcripts: recorder and reader round trip, lossless for bytes that are not UTF-8 and for
//! characters split across reads, written event by event, secrets never in the file.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use sacdoc::target::Target;
use sacdoc::transcript::{self, EventKind, Header, Recorder, RecordingLink, TranscriptError};
use sacdoc::transport::{is_no_data, Link};

fn header() -> Header {
    Header::new("sim:healthy?profile=ws2019").with_profile("ws2019")
}

#[test]
fn exact_bytes_come_back_and_players_see_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.cast");
    let mut rec = Recorder::create(&path, &header()).unwrap();
    let euro = "€".as_bytes(); // E2 82 AC
    let smile = "😀".as_bytes(); // F0 9F 98 80
    let chunks: Vec<Vec<u8>> = vec![
        b"\x1b[2J\x1b[H\r\nSAC>".to_vec(),
        [b"caf".as_slice(), &euro[..1]].concat(),
        euro[1..].to_vec(),
        smile[..1].to_vec(),
        smile[1..2].to_vec(),
        smile[2..].to_vec(),
        b"bad \xff and \x80 lone".to_vec(),
        b"tail \xe2\x82".to_vec(), // ends inside a character that never completes
    ];
    for c in &chunks {
        rec.output(c).unwrap();
    }
    rec.marker("cmd: netstat -ano").unwrap();
    rec.input(b"netstat -ano\r").unwrap();
    rec.input(&[0xC3]).unwrap();
    rec.input(&[0xA9, 0xFF]).unwrap();
    rec.finish().unwrap();

    let t = transcript::read(&path).unwrap();
    assert!(!t.truncated);
    assert_eq!(t.output(), chunks.concat());
    assert_eq!(t.input(), b"netstat -ano\r\xc3\xa9\xff");
    assert_eq!(t.markers(), ["cmd: netstat -ano"]);
    assert_eq!(t.header.width, 80);
    assert_eq!(t.header.height, 24);
    assert_eq!(t.header.target.as_deref(), Some("sim:healthy?profile=ws2019"));
    assert_eq!(t.header.profile.as_deref(), Some("ws2019"));
    assert_eq!(t.header.sacdoc_version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    assert!(t.header.started.as_deref().unwrap().ends_with('Z'));
    assert!(t.header.timestamp.unwrap() > 1_600_000_000);
    let times: Vec<f64> = t.events.iter().map(|e| e.time).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "times never go back: {times:?}");

    // What a player sees: valid asciicast v2, text events, the split characters whole.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let head: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(head["version"], 2);
    let mut shown = String::new();
    for line in lines {
        let ev: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(ev[0].is_f64());
        if ev[1] == "o" {
            shown.push_str(ev[2].as_str().unwrap());
        }
    }
    assert!(shown.contains("caf€😀bad \u{fffd} and \u{fffd} lone"), "{shown:?}");
    assert!(text.contains("\"b\","), "the invalid bytes are kept in a \"b\" event");
}

#[test]
fn each_event_is_in_the_file_while_recording() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.cast");
    let mut rec = Recorder::create(&path, &header()).unwrap();
    assert_eq!(transcript::read(&path).unwrap().events.len(), 0);
    rec.output(b"SAC>").unwrap();
    assert_eq!(transcript::read(&path).unwrap().output(), b"SAC>");
    rec.input(b"cmd\r").unwrap();
    rec.marker("open channel").unwrap();
    let t = transcript::read(&path).unwrap();
    assert_eq!(t.input(), b"cmd\r");
    assert_eq!(t.markers(), ["open channel"]);
    // The recorder is still open here.
    drop(rec);
}

/// A console server that sends a prompt and keeps everything it receives.
fn sink_server() -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"Password: ").unwrap();
        let mut all = Vec::new();
        s.read_to_end(&mut all).unwrap();
        all
    });
    (port, h)
}

#[test]
fn secrets_reach_the_console_but_never_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.cast");
    let (port, server) = sink_server();
    let inner = format!("tcp://127.0.0.1:{port}").parse::<Target>().unwrap().open().unwrap();
    let mut link = RecordingLink::new(inner, Recorder::create(&path, &header()).unwrap());
    assert_eq!(link.transcript_path(), Some(path.as_path()));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    while got.len() < 10 && Instant::now() < deadline {
        match link.read(&mut [0u8; 32]) {
            Ok(0) => break,
            Ok(_) => got = transcript::read(&path).unwrap().output(),
            Err(e) if is_no_data(&e) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let password = "Pa55w\u{f6}rd-\u{20ac}!";
    link.write_all(b"administrator\r").unwrap();
    link.set_secret(true);
    for piece in password.as_bytes().chunks(3) {
        link.write_all(piece).unwrap();
    }
    link.write_all(b"\r").unwrap();
    link.set_secret(false);
    link.mark("cmd: ver");
    link.write_all(b"ver\r").unwrap();
    let (inner, outcome) = link.finish();
    outcome.unwrap();
    drop(inner);
    let received = server.join().unwrap();
    let want = [b"administrator\r".as_slice(), password.as_bytes(), b"\r", b"ver\r"].concat();
    assert_eq!(received, want, "the console got the password");

    let file = std::fs::read(&path).unwrap();
    let file_text = String::from_utf8_lossy(&file);
    let pw = password.as_bytes();
    for w in pw.windows(3) {
        assert!(!file.windows(3).any(|f| f == w), "password bytes {w:?} leaked: {file_text}");
    }
    let b64 = base64_of(pw);
    assert!(!file_text.contains(&b64[..8]));
    let t = transcript::read(&path).unwrap();
    let kinds: Vec<&EventKind> = t.events.iter().map(|e| &e.kind).collect();
    assert_eq!(
        kinds,
        [
            &EventKind::Output(b"Password: ".to_vec()),
            &EventKind::Input(b"administrator\r".to_vec()),
            &EventKind::Secret,
            &EventKind::Marker("cmd: ver".into()),
            &EventKind::Input(b"ver\r".to_vec()),
        ]
    );
    // One marker for the whole secret stretch: nothing about its length.
    assert_eq!(file_text.matches("\"s\"").count(), 1);
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn an_existing_transcript_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keep.cast");
    std::fs::write(&path, "precious\n").unwrap();
    let err = Recorder::create(&path, &header()).err().unwrap();
    assert!(matches!(err, TranscriptError::Exists { .. }));
    assert!(err.to_string().contains("--record"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious\n");
    // An empty file (made by a temp-file helper) is fine.
    let empty = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
    Recorder::create(empty.path(), &header()).unwrap();
    // A missing folder is created.
    Recorder::create(&dir.path().join("a/b/c.cast"), &header()).unwrap();
}

#[test]
fn default_location_is_under_the_state_dir_and_unique() {
    let dir = tempfile::tempdir().unwrap();
    let h = Header::new("tcp://10.0.0.5:2323");
    let a = Recorder::create_default(&dir.path().join("transcripts"), &h).unwrap();
    let b = Recorder::create_default(&dir.path().join("transcripts"), &h).unwrap();
    let folder = dir.path().join("transcripts");
    assert!(a.path().starts_with(&folder), "{}", a.path().display());
    assert_ne!(a.path(), b.path());
    let name = a.path().file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.ends_with("_tcp___10.0.0.5_2323.cast"), "{name}");
    assert!(name.starts_with("20"), "date first: {name}");
}

#[test]
fn bad_files_are_reported_with_their_line() {
    let header_line = header().to_json();
    let e = transcript::parse("").map_err(|e| sacdoc::transport::chain(&e)).unwrap_err();
    assert!(e.contains("empty"), "{e}");
    let e = transcript::parse("{\"version\":1}\n")
        .map_err(|e| sacdoc::transport::chain(&e))
        .unwrap_err();
    assert!(e.contains("only version 2"), "{e}");
    let text = format!("{header_line}\n[0.1,\"o\",\"a\"]\n[0.2,\"o\"]\n[0.3,\"o\",\"b\"]\n");
    let e = transcript::parse(&text).map_err(|e| sacdoc::transport::chain(&e)).unwrap_err();
    assert!(e.contains("line 3") && e.contains("3 elements"), "{e}");
    let text = format!("{header_line}\n[0.1,\"b\",\"AAAA\"]\n");
    let e = transcript::parse(&text).map_err(|e| sacdoc::transport::chain(&e)).unwrap_err();
    assert!(e.contains("must follow"), "{e}");
    // A last line cut short by a crash is left out, not fatal.
    let text = format!("{header_line}\n[0.1,\"o\",\"SAC>\"]\n[0.2,\"o\",\"par");
    let t = transcript::parse(&text).unwrap();
    assert!(t.truncated);
    assert_eq!(t.output(), b"SAC>");
    // Events of other recorders are kept, not refused.
    let text = format!("{header_line}\n[0.1,\"r\",\"100x40\"]\n");
    let t = transcript::parse(&text).unwrap();
    assert!(matches!(&t.events[0].kind, EventKind::Other { code, .. } if code == "r"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_bytes_cut_anywhere_come_back_exactly(
        chunks in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..12),
                "[a-zé€😀\r\n]{0,6}".prop_map(|s| s.into_bytes()),
            ],
            0..12,
        ),
        cut in 0usize..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.cast");
        let mut rec = Recorder::create(&path, &header()).unwrap();
        let all = chunks.concat();
        // Re-cut the stream: also split the pieces of valid text at arbitrary places.
        for c in all.chunks(cut + 1) {
            rec.output(c).unwrap();
            rec.input(c).unwrap();
        }
        rec.finish().unwrap();
        let t = transcript::read(&path).unwrap();
        prop_assert_eq!(t.output(), all.clone());
        prop_assert_eq!(t.input(), all);
    }
}

/// The tee passes `set_secret` and `mark` down: two recorders stacked on a replayed VM that only
/// accepts the password as a secret both record the marker and the redaction, never the password.
#[test]
fn the_tee_forwards_secret_and_marks_to_the_inner_link() {
    use sacdoc::transcript::replay::{ReplayLink, ReplayOptions};
    let dir = tempfile::tempdir().unwrap();
    let vm = dir.path().join("vm.cast");
    let mut rec = Recorder::create(&vm, &header()).unwrap();
    rec.output(b"Password: ").unwrap();
    rec.secret().unwrap();
    rec.output(b"\r\nC:\\>").unwrap();
    rec.finish().unwrap();

    let replay = ReplayLink::open(&vm, ReplayOptions::default()).unwrap();
    let (a, b) = (dir.path().join("a.cast"), dir.path().join("b.cast"));
    let inner = RecordingLink::new(replay, Recorder::create(&a, &header()).unwrap());
    let mut outer = RecordingLink::new(inner, Recorder::create(&b, &header()).unwrap());
    // Read until the prompt has passed through both tees into the outer file.
    let deadline = Instant::now() + Duration::from_secs(10);
    while transcript::read(&b).unwrap().output() != b"Password: " {
        assert!(Instant::now() < deadline, "the prompt never arrived");
        match outer.read(&mut [0u8; 4]) {
            Ok(_) => {}
            Err(e) if is_no_data(&e) => {}
            Err(e) => panic!("{e}"),
        }
    }
    outer.mark("login");
    outer.set_secret(true);
    outer.write_all(b"correct horse\r").expect("the replay saw secret mode");
    outer.set_secret(false);
    let (inner, r) = outer.finish();
    r.unwrap();
    let (replay, r) = inner.finish();
    r.unwrap();
    assert_eq!(replay.remaining_input(), 0);
    for f in [&a, &b] {
        let t = transcript::read(f).unwrap();
        assert_eq!(t.markers(), ["login"]);
        assert!(t.events.iter().any(|e| e.kind == EventKind::Secret));
        assert!(!std::fs::read_to_string(f).unwrap().contains("horse"));
    }
}

/// A far end that floods the line: the transcript stops at its cap with one marker saying so,
/// the link goes on reading, and the file reads back.
#[test]
fn a_flood_stops_at_the_transcript_cap_with_a_marker() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let flood = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let chunk =
            b"SAC> flood flood flood flood flood flood flood flood flood flood\r\n".repeat(64);
        // 8 MB, far past the 1 MB cap below.
        for _ in 0..(8 * 1024 * 1024 / chunk.len()) {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.cast");
    let mut rec = Recorder::create(&path, &header()).unwrap();
    rec.set_cap(1024 * 1024);
    let inner = format!("tcp://127.0.0.1:{port}").parse::<Target>().unwrap().open().unwrap();
    let mut link = RecordingLink::new(inner, rec);
    let mut got = 0usize;
    let mut buf = vec![0u8; 65536];
    let deadline = Instant::now() + Duration::from_secs(60);
    while got < 8 * 1024 * 1024 - 65536 {
        assert!(Instant::now() < deadline, "the flood did not arrive");
        match link.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if is_no_data(&e) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let (_, outcome) = link.finish();
    outcome.unwrap();
    flood.join().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size <= 1024 * 1024 + 512, "the file grew past its cap: {size}");
    assert!(got > 4 * 1024 * 1024, "the link kept reading: {got}");
    let t = transcript::read(&path).unwrap();
    let markers: Vec<String> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Marker(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(markers.len(), 1, "{markers:?}");
    assert!(markers[0].starts_with(transcript::CAPPED_MARKER), "{markers:?}");
}

/// A far end that floods the line while sacdoc waits for SAC>: the wait ends with a flood error
/// once the line's buffer holds its bound, whatever the far end would go on sending, and the
/// error does not quote the flood.
#[test]
fn a_flood_while_waiting_ends_at_the_line_buffer_bound() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let flood = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let chunk =
            b"SAC flood flood flood flood flood flood flood flood flood flood\r\n".repeat(64);
        // Up to 64 MB; the reader stops long before.
        for _ in 0..(64 * 1024 * 1024 / chunk.len()) {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let link = format!("tcp://127.0.0.1:{port}").parse::<Target>().unwrap().open().unwrap();
    let mut line = sacdoc::line::Line::new(link);
    line.set_max_buffer(1 << 20);
    let e = line
        .wait(Duration::from_secs(120), "waiting for SAC>", |l| {
            l.buf().ends_with(b"SAC>").then_some(())
        })
        .unwrap_err();
    assert!(matches!(e, sacdoc::line::LineError::Flood { limit } if limit == 1 << 20), "{e}");
    assert!(line.buf().len() <= 1 << 20, "the buffer stayed within its bound");
    assert!(line.received() < 2 << 20, "reading stopped at the bound: {}", line.received());
    assert!(!e.to_string().contains("flood flood"), "{e}");
    drop(line);
    flood.join().unwrap();
}
