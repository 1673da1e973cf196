//! No spool file stays on the VM: a capture's files are deleted by the next capture line (which
//! starts with their `del`), and the last capture's when the session closes. One served VM per
//! profile, so a second session sees what the first left in `%TEMP%`.

use crate::session_common;

use sacdoc::runner::Shell;
use sacdoc::sac::Session;
use sacdoc::sim::server::{ServeSpec, Server};
use sacdoc::target::Target;
use sacdoc::transcript::{Header, Recorder, RecordingLink};
use session_common::*;

const SCENARIO: &str = "busy-server";

/// Lists the spool files in `%TEMP%`; the listing's own spool is among them while it runs.
const LIST: &str = "dir /b \"%TEMP%\\sd*\"";

fn session(target: &str) -> Session {
    let t: Target = target.parse().unwrap_or_else(|e| panic!("{target}: {e}"));
    let link = t.open().unwrap_or_else(|e| panic!("{target}: {e}"));
    let mut s = Session::attach(link, options(SCENARIO, 60)).expect("attach");
    s.ensure_cmd().expect("cmd channel");
    s
}

/// The spool file names a listing shows.
fn spools(listing: &str) -> Vec<String> {
    listing
        .lines()
        .map(str::trim)
        .filter(|l| l.len() > 3 && l.to_ascii_lowercase().starts_with("sd"))
        .map(str::to_string)
        .collect()
}

fn no_spool_left(profile: &str) {
    let q = format!("profile={profile}&start=sac&paint_ms=2");
    let server = Server::start(&ServeSpec::new("tcp://127.0.0.1:0", SCENARIO, &q)).expect("server");
    let target = format!("tcp://{}", server.addr().expect("address"));
    let mut s = session(&target);
    for cmd in ["ver", "sc query TermService", "foo"] {
        let out = s.run(cmd).unwrap_or_else(|e| panic!("{profile}: {cmd}: {e}"));
        assert_eq!(out.output, expected_in(SCENARIO, &q, cmd).0, "{profile}: {cmd}");
    }
    // The listing's own line deleted the last capture's files before it ran: only its own
    // spool (being written) is there.
    let listed = s.run(LIST).unwrap_or_else(|e| panic!("{profile}: {LIST}: {e}"));
    let left = spools(&listed.output);
    assert_eq!(left.len(), 1, "{profile}: {}", listed.output);
    assert!(left[0].ends_with(".txt"), "{profile}: {left:?}");
    s.close().expect("close");
    // The close deleted the listing's own files: a new session finds none but its own.
    let mut s = session(&target);
    let listed = s.run(LIST).unwrap_or_else(|e| panic!("{profile}: {LIST}: {e}"));
    assert_eq!(spools(&listed.output).len(), 1, "{profile}: {}", listed.output);
    s.close().expect("close");
    server.stop();
}

#[test]
fn no_spool_left_painted_profile() {
    no_spool_left("ws2019");
}

#[test]
fn no_spool_left_stream_profile() {
    no_spool_left("ws2022");
}

/// A command's output and exit code.
type Answer = (String, Option<i32>);

/// Two captures on an in-process `healthy` VM, recorded: the second one's line starts with the
/// `del` of the first one's files. Returns the outputs and what was typed and received.
fn two_captures(query: &str) -> (Vec<Answer>, String, Vec<u8>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.cast");
    let rec = Recorder::create(&path, &Header::new("sim:healthy")).expect("recorder");
    let link = RecordingLink::new(sim_link("healthy", query), rec);
    let mut s = Session::attach(Box::new(link), options("healthy", 30)).expect("attach");
    s.ensure_cmd().unwrap_or_else(|e| panic!("{query}: cmd channel: {e}"));
    let outs = ["ver", "hostname"]
        .iter()
        .map(|c| {
            s.run(c)
                .map(|o| (o.output, o.exit_code))
                .unwrap_or_else(|e| panic!("{query}: {c}: {e}"))
        })
        .collect();
    drop(s);
    let t = sacdoc::transcript::read(&path).expect("transcript");
    (outs, String::from_utf8_lossy(&t.input()).into_owned(), t.output())
}

/// The echo of the second capture line comes back damaged where it deletes the first one's
/// files: the line is dropped and goes to the VM in stored pieces (see `runner::guard`), the
/// `del` included, and the spool that starts with the values read back still verifies.
#[test]
fn a_damaged_echo_of_the_deletion_goes_through_the_stored_line() {
    for profile in ["ws2022", "ws2019"] {
        let base = format!("start=sac&profile={profile}");
        let want: Vec<Answer> = ["ver", "hostname"]
            .iter()
            .map(|c| {
                let (out, code) = expected_in("healthy", &base, c);
                (out, Some(code))
            })
            .collect();
        let (calm, typed, received) = two_captures(&base);
        assert_eq!(calm, want, "{profile}: calm");
        // The second line starts with the first capture's files: typed, and echoed.
        let del = typed.find("del \"%TEMP%\\sd").unwrap_or_else(|| panic!("{profile}: {typed}"));
        assert!(typed[del..].contains(">nul 2>&1 & >\""), "{profile}: {}", &typed[del..]);
        let echo = received
            .windows(b"del \"%TEMP%".len())
            .position(|w| w == b"del \"%TEMP%")
            .unwrap_or_else(|| panic!("{profile}: the deletion's echo"));
        for fault in ["corrupt_at", "drop_at"] {
            let q = format!("{base}&{fault}={}", echo + 8);
            let (outs, typed, _) = two_captures(&q);
            assert_eq!(outs, want, "{q}");
            assert!(typed.contains("set SDQ"), "{q}: the damaged line was not stored: {typed}");
        }
    }
}
