//! replay:FILE plays a recorded transcript as the VM: output follows the client's input, a
//! divergence is a clear error, secrets match redaction markers, and any cut of the output works.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use sacdoc::target::Target;
use sacdoc::transcript::replay::{Pace, ReplayLink, ReplayOptions};
use sacdoc::transcript::{self, Header, Recorder, RecordingLink};
use sacdoc::transport::{is_no_data, Link};

/// Writes a small SAC session the way the recorder would during a real run.
fn record_session(path: &Path) {
    let mut rec = Recorder::create(path, &Header::new("COM1")).unwrap();
    rec.output(b"\x1b[2J\x1b[H\r\nSAC>").unwrap();
    rec.marker("open cmd channel").unwrap();
    rec.input(b"cmd\r").unwrap();
    rec.output(b"cmd\r\nThe Command Prompt session was successfully launched.\r\nSAC>").unwrap();
    rec.output("\r\nEVENT:   A new channel has been created.  Use \"ch -?\" for channel help.\r\nChannel: Cmd0001\r\nSAC>".as_bytes()).unwrap();
    rec.input(b"ch -si 1\r").unwrap();
    rec.output(b"\x1b[2J\x1b[HPassword: ").unwrap();
    rec.secret().unwrap();
    rec.output(b"\r\nC:\\Windows\\system32>").unwrap();
    rec.marker("cmd: ver").unwrap();
    rec.input(b"ver\r").unwrap();
    rec.output(
        "ver\r\n\r\nMicrosoft Windows [Version 10.0.17763.737]\r\n\r\nC:\\Windows\\system32>"
            .as_bytes(),
    )
    .unwrap();
    rec.finish().unwrap();
}

/// Reads until the bytes seen so far end with `needle`; returns everything read.
fn expect(link: &mut dyn Link, seen: &mut Vec<u8>, needle: &[u8]) -> std::io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 64];
    while !seen.ends_with(needle) {
        assert!(
            Instant::now() < deadline,
            "waited for {:?}, have {:?}",
            needle.escape_ascii().to_string(),
            seen.escape_ascii().to_string()
        );
        match link.read(&mut buf) {
            Ok(0) => panic!("end of replay while waiting for {needle:?}"),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if is_no_data(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The client side of that session, as the SAC layer would drive it.
fn drive(link: &mut dyn Link, password: &str, split_writes: bool) -> std::io::Result<Vec<u8>> {
    let mut seen = Vec::new();
    let send = |link: &mut dyn Link, bytes: &[u8]| -> std::io::Result<()> {
        if split_writes {
            for b in bytes {
                link.write_all(std::slice::from_ref(b))?;
            }
            Ok(())
        } else {
            link.write_all(bytes)
        }
    };
    expect(link, &mut seen, b"SAC>")?;
    link.mark("open cmd channel");
    send(link, b"cmd\r")?;
    expect(link, &mut seen, b"Channel: Cmd0001\r\nSAC>")?;
    send(link, b"ch -si 1\r")?;
    expect(link, &mut seen, b"Password: ")?;
    link.set_secret(true);
    send(link, password.as_bytes())?;
    send(link, b"\r")?;
    link.set_secret(false);
    expect(link, &mut seen, b"system32>")?;
    link.mark("cmd: ver");
    send(link, b"ver\r")?;
    expect(link, &mut seen, b"737]\r\n\r\nC:\\Windows\\system32>")?;
    Ok(seen)
}

#[test]
fn the_recorded_client_replays_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.cast");
    record_session(&path);
    let target: Target = format!("replay:{}", path.display()).parse().unwrap();
    let mut link = target.open().unwrap();
    assert_eq!(link.describe(), format!("replay:{}", path.display()));
    // Any password matches the redaction marker.
    let seen = drive(&mut link, "whatever-it-was", false).unwrap();
    assert_eq!(seen, transcript::read(&path).unwrap().output());
    assert_eq!(link.read(&mut [0u8; 8]).unwrap(), 0, "end of the recording is end of file");
}

#[test]
fn output_cut_at_every_offset_and_writes_split_per_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.cast");
    record_session(&path);
    let t = transcript::read(&path).unwrap();
    let total = t.output().len();
    for k in 1..=total {
        // A first read of k bytes, then the rest in reads of up to 7: every cut point is hit.
        for sizes in [vec![k], vec![k, 7]] {
            let opts = ReplayOptions { chunk_sizes: sizes.clone(), ..ReplayOptions::default() };
            let mut link = ReplayLink::from_transcript(&t, "replay:test".into(), opts);
            let seen = drive(&mut link, "pw", k % 2 == 0)
                .unwrap_or_else(|e| panic!("sizes {sizes:?}: {e}"));
            assert_eq!(seen.len(), total);
            assert!(link.is_finished(), "sizes {sizes:?}");
            assert_eq!(link.remaining_input(), 0);
        }
    }
}

#[test]
fn a_different_command_stops_the_replay_with_the_difference() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.cast");
    record_session(&path);
    let mut link = ReplayLink::open(&path, ReplayOptions::default()).unwrap();
    let mut seen = Vec::new();
    expect(&mut link, &mut seen, b"SAC>").unwrap();
    link.write_all(b"cmd\r").unwrap();
    expect(&mut link, &mut seen, b"Cmd0001\r\nSAC>").unwrap();
    link.write_all(b"ch").unwrap();
    let err = link.write_all(b" -sn Cmd0001\r").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    let msg = err.to_string();
    let want = format!(
        "replay of replay:{} diverged at input byte 9 (after marker \"open cmd channel\"): the \
         recording expects \"i 1\\r\" but the client sent \"n Cmd0001\\r\"; recorded input \
         just before: \"cmd\\rch -s\"; last output the client saw: ",
        path.display()
    );
    assert!(msg.starts_with(&want), "{msg}\n---\n{want}");
    assert!(msg.ends_with("Channel: Cmd0001\\r\\nSAC>\""), "{msg}");
    // The replay stays stopped: reads give the same error.
    let again = link.read(&mut [0u8; 8]).unwrap_err();
    assert_eq!(again.to_string(), msg);
    assert_eq!(link.mismatch().unwrap().offset, 9);
}

#[test]
fn secrets_and_plain_bytes_do_not_stand_in_for_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.cast");
    record_session(&path);
    let t = transcript::read(&path).unwrap();
    let to_password = |link: &mut ReplayLink| {
        let mut seen = Vec::new();
        expect(link, &mut seen, b"SAC>").unwrap();
        link.write_all(b"cmd\r").unwrap();
        expect(link, &mut seen, b"Cmd0001\r\nSAC>").unwrap();
        link.write_all(b"ch -si 1\r").unwrap();
        expect(link, &mut seen, b"Password: ").unwrap();
    };
    // The password typed without set_secret: refused, and the error does not echo it back
    // beyond what the client itself sent.
    let mut link = ReplayLink::from_transcript(&t, "replay:t".into(), ReplayOptions::default());
    to_password(&mut link);
    let msg = link.write_all(b"hunter2\r").unwrap_err().to_string();
    assert!(
        msg.contains(
            "the recording expects a secret (password) but the client sent \"hunter2\\r\""
        ),
        "{msg}"
    );
    // A secret where a command was recorded: refused too.
    let mut link = ReplayLink::from_transcript(&t, "replay:t".into(), ReplayOptions::default());
    let mut seen = Vec::new();
    expect(&mut link, &mut seen, b"SAC>").unwrap();
    link.set_secret(true);
    let msg = link.write_all(b"x").unwrap_err().to_string();
    assert!(
        msg.contains(
            "the recording expects \"cmd\\rch -si 1\\r\" but the client sent a secret (password)"
        ),
        "{msg}"
    );
}

#[test]
fn sending_more_than_was_recorded_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.cast");
    record_session(&path);
    let mut link = ReplayLink::open(&path, ReplayOptions::default()).unwrap();
    drive(&mut link, "pw", false).unwrap();
    let msg = link.write_all(b"exit\r").unwrap_err().to_string();
    assert!(
        msg.contains(
            "expects nothing more (the recording ends here) but the client sent \"exit\\r\""
        ),
        "{msg}"
    );
}

#[test]
fn recorded_pace_still_delivers_everything_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.cast");
    record_session(&path);
    let opts = ReplayOptions { pace: Pace::Recorded { speed: 1000.0 }, ..ReplayOptions::default() };
    let mut link = ReplayLink::open(&path, opts).unwrap();
    let seen = drive(&mut link, "pw", false).unwrap();
    assert_eq!(seen, transcript::read(&path).unwrap().output());
}

/// Record a live session over loopback TCP through the recorder, then replay that file with the
/// same client: the two halves of the feature agree.
#[test]
fn a_live_recording_replays() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let want = |s: &mut std::net::TcpStream, n: usize| {
            let mut b = vec![0u8; n];
            s.read_exact(&mut b).unwrap();
            b
        };
        s.write_all(b"\x1b[2J\x1b[H\r\nSAC>").unwrap();
        assert_eq!(want(&mut s, 4), b"cmd\r");
        s.write_all(b"cmd\r\nThe Command Prompt session was successfully launched.\r\nSAC>")
            .unwrap();
        s.write_all(b"\r\nEVENT:   A new channel has been created.  Use \"ch -?\" for channel help.\r\nChannel: Cmd0001\r\nSAC>").unwrap();
        assert_eq!(want(&mut s, 9), b"ch -si 1\r");
        s.write_all(b"\x1b[2J\x1b[HPassword: ").unwrap();
        assert_eq!(want(&mut s, 7), b"s3cret\r");
        s.write_all(b"\r\nC:\\Windows\\system32>").unwrap();
        assert_eq!(want(&mut s, 4), b"ver\r");
        s.write_all(
            b"ver\r\n\r\nMicrosoft Windows [Version 10.0.17763.737]\r\n\r\nC:\\Windows\\system32>",
        )
        .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.cast");
    let target: Target = format!("tcp://127.0.0.1:{port}").parse().unwrap();
    let rec = Recorder::create(&path, &Header::new(&target.to_string())).unwrap();
    let mut link = RecordingLink::new(target.open().unwrap(), rec);
    drive(&mut link, "s3cret", false).unwrap();
    server.join().unwrap();
    let (_, outcome) = link.finish();
    outcome.unwrap();
    assert!(!std::fs::read_to_string(&path).unwrap().contains("s3cret"));

    let mut replay = ReplayLink::open(&path, ReplayOptions::default()).unwrap();
    drive(&mut replay, "a different password", true).unwrap();
    assert!(replay.is_finished());
}
