//! Noise on the line never turns into a wrong answer reported as right: every capture is checked
//! against the VM's own SHA-256 of the spooled output, so a run under output noise either returns
//! the exact fault-free output or fails with a clear error, on both console styles, and every
//! run ends (each wait is bounded).

use sacdoc::runner::Shell;
use sacdoc::sac::Session;

use crate::session_common::*;

const COMMAND: &str =
    "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\"";

/// One run of `COMMAND` over `busy-server` with `fault` on the line from the capture on (the
/// login before it is measured on a clean line with the same seed, so the noise starts with the
/// command's typing); the output or the error's text.
fn run_once(profile: &str, fault: &str, seed: u64) -> Result<(String, Option<i32>), String> {
    let clean = format!("profile={profile}&start=sac&seed={seed}");
    let s = Session::attach(sim_link("busy-server", &clean), options("busy-server", 30))
        .and_then(|mut s| s.ensure_cmd().map(|()| s))
        .map_err(|e| format!("clean login: {e}"))?;
    let login_bytes = s.bytes_received();
    let _ = s.close();
    let query = format!("{clean}&{fault}&noise_after={login_bytes}");
    let mut s = Session::attach(sim_link("busy-server", &query), options("busy-server", 30))
        .map_err(|e| e.to_string())?;
    let out = s.run(COMMAND).map_err(|e| e.to_string());
    let _ = s.close();
    out.map(|o| (o.output, o.exit_code))
}

#[test]
fn noisy_captures_are_exact_or_a_clear_error() {
    let mut cases = Vec::new();
    for seed in 1u64..=5 {
        for profile in ["ws2022", "ws2019"] {
            cases.push((profile, "drop=0.001&corrupt=0.001", seed));
        }
    }
    // Noise ten times as dense, where most reads are damaged and repairs are the rule.
    cases.push(("ws2022", "corrupt=0.01", 1));
    cases.push(("ws2019", "corrupt=0.01", 1));
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|&(p, f, seed)| s.spawn(move || ((p, f, seed), run_once(p, f, seed))))
            .collect();
        handles.into_iter().map(|h| h.join().expect("run thread")).collect()
    });
    let mut correct = 0;
    for ((p, f, seed), got) in &results {
        let (want, code) = expected_in("busy-server", &format!("profile={p}"), COMMAND);
        match got {
            Ok((out, exit)) => {
                assert_eq!(out, &want, "{p} {f} seed {seed}: a wrong output reported as right");
                assert_eq!(*exit, Some(code), "{p} {f} seed {seed}: wrong exit code");
                correct += 1;
            }
            Err(e) => assert!(!e.is_empty(), "{p} {f} seed {seed}: an error without a message"),
        }
    }
    // Verification that refused everything would pass the loop above: most runs at 0.1% must
    // come through (measured: all of them but a rare unlucky login or channel step).
    assert!(
        correct * 10 >= results.len() * 7,
        "only {correct} of {} runs correct: {results:?}",
        results.len()
    );
}
