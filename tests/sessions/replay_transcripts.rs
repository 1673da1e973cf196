//! Every transcript in `transcripts/` replays through the session (`replay:FILE`), also with the
//! recorded bytes delivered in pieces cut at many offsets (a capped sweep), and gives the exact
//! outputs the simulated machine prints.
//!
//! `transcripts/` is made by [`record_then_replay_round_trip`]: with
//! `SACDOC_REGEN_TRANSCRIPTS=1` it writes its recordings there (each scenario, both profiles).

use crate::session_common;

use std::path::{Path, PathBuf};

use sacdoc::runner::Shell;
use sacdoc::sac::Session;
use sacdoc::transcript::replay::{ReplayLink, ReplayOptions};
use sacdoc::transcript::{Header, Recorder, RecordingLink};
use session_common::*;

/// The commands recorded per scenario: the procedure's first reads.
fn commands(_scenario: &str) -> Vec<String> {
    let netstat = "netstat -anob | findstr :3389";
    vec![
        "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v PortNumber".to_string(),
        netstat.to_string(),
        "sc query TermService".to_string(),
    ]
}

fn transcripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts")
}

/// Records one session against the in-process simulator into `path`.
fn record(scenario: &str, profile: &str, path: &Path) {
    record_from(scenario, profile, "start=sac", path)
}

/// Records one session against the in-process simulator, in the state `start` gives, into `path`.
fn record_from(scenario: &str, profile: &str, start: &str, path: &Path) {
    let query = format!("profile={profile}&{start}");
    let target = format!("sim:{scenario}?{query}");
    let rec =
        Recorder::create(path, &Header::new(&target).with_profile(profile)).expect("recorder");
    let link = RecordingLink::new(sim_link(scenario, &query), rec);
    let mut s = Session::attach(Box::new(link), options(scenario, 30)).expect("attach");
    for cmd in commands(scenario) {
        let out = s.run(&cmd).unwrap_or_else(|e| panic!("{target} {cmd}: {e}"));
        assert_eq!(out.output, expected(scenario, &cmd).0, "{target} {cmd}");
    }
    s.close().expect("close");
}

/// The scenario named in a transcript's header (`sim:NAME?...`).
fn scenario_of(path: &Path) -> String {
    let t = sacdoc::transcript::read(path).expect("read transcript");
    let target = t.header.target.clone().expect("target in header");
    let rest = target.strip_prefix("sim:").expect("a sim: target");
    rest.split('?').next().unwrap_or(rest).to_string()
}

/// The commands a transcript ran, from its markers.
fn commands_of(path: &Path) -> Vec<String> {
    let t = sacdoc::transcript::read(path).expect("read transcript");
    t.markers().iter().filter_map(|m| m.strip_prefix("run: ").map(String::from)).collect()
}

/// Replays `path` with the given read sizes and checks every output.
fn replay(path: &Path, chunk_sizes: Vec<usize>) {
    let scenario = scenario_of(path);
    let opts = ReplayOptions { chunk_sizes: chunk_sizes.clone(), ..ReplayOptions::default() };
    let link = ReplayLink::open(path, opts).expect("replay link");
    let what = format!("{} split {:?}", path.display(), chunk_sizes);
    let mut s = Session::attach(Box::new(link), options(&scenario, 10))
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let cmds = commands_of(path);
    assert!(!cmds.is_empty(), "{what}: no commands recorded");
    for cmd in cmds {
        let out = s.run(&cmd).unwrap_or_else(|e| panic!("{what}: {cmd}: {e}"));
        let (want, code) = expected(&scenario, &cmd);
        assert_eq!(out.output, want, "{what}: {cmd}");
        assert_eq!(out.exit_code, Some(code), "{what}: {cmd}");
    }
    s.close().unwrap_or_else(|e| panic!("{what}: close: {e}"));
}

fn all_transcripts() -> Vec<PathBuf> {
    let dir = transcripts_dir();
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.retain(|p| p.extension().is_some_and(|e| e == "cast"));
    v.sort();
    // A missing or emptied folder fails instead of passing with nothing replayed.
    assert!(v.len() >= 10, "only {} transcripts in {}", v.len(), dir.display());
    v
}

/// A session recorded from the VM's boot (the banner, `cmd` refused until SAC's CMD event, which
/// comes two seconds later here) replays, as fast as it is read and (one style) in small pieces.
#[test]
fn a_session_recorded_while_the_vm_boots_replays() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for profile in ["ws2022", "ws2019"] {
        let path = tmp.path().join(format!("boot-{profile}.cast"));
        record_from("healthy", profile, "start=booting&cmd_delay_ms=2000", &path);
        let cast = std::fs::read_to_string(&path).expect("transcript");
        assert!(cast.contains("SAC started and initialized"), "{profile}: recorded from boot");
        assert!(cast.contains("The CMD command is now available"), "{profile}");
        replay(&path, Vec::new());
        if profile == "ws2022" {
            replay(&path, vec![1, 7, 64]);
        }
    }
}

#[test]
fn record_then_replay_round_trip() {
    let regen = std::env::var_os("SACDOC_REGEN_TRANSCRIPTS").is_some();
    let tmp = tempfile::tempdir().expect("tempdir");
    let scenarios: Vec<&str> = if regen {
        sacdoc::sim::machine::scenario_names().into_iter().filter(|n| *n != "base").collect()
    } else {
        vec!["healthy"]
    };
    for scenario in scenarios {
        for profile in ["ws2022", "ws2019"] {
            let dir = if regen { transcripts_dir() } else { tmp.path().to_path_buf() };
            let path = dir.join(format!("run-{scenario}-{profile}.cast"));
            if regen {
                let _ = std::fs::remove_file(&path);
            }
            record(scenario, profile, &path);
            replay(&path, Vec::new());
        }
    }
}

#[test]
fn every_transcript_replays() {
    let all = all_transcripts();
    assert!(all.len() >= 2, "transcripts/ holds the recorded sessions");
    for p in all {
        replay(&p, Vec::new());
    }
}

/// The recorded bytes cut into pieces: reads of a few bytes (escape sequences and UTF-8 cut in
/// the middle), and reads cut at shifting offsets. A capped sweep: each transcript gets its own
/// sizes, so together they cover sizes 1 to 19 and many offsets.
fn split_sweep(profile: &str) {
    let all: Vec<PathBuf> =
        all_transcripts().into_iter().filter(|p| p.to_string_lossy().contains(profile)).collect();
    assert!(!all.is_empty(), "no {profile} transcripts");
    for (i, p) in all.iter().enumerate() {
        let size = 1 + (i % 7) * 3;
        replay(p, vec![size]);
        replay(p, vec![37 + i * 101, 4096]);
    }
}

#[test]
fn stream_transcripts_replay_split() {
    split_sweep("ws2022");
}

#[test]
fn painted_transcripts_replay_split() {
    split_sweep("ws2019");
}
