//! Many painted and streaming sessions at once on few cores: each command's output must be its
//! own, never a screen left over from the command before it (the painted profile reads screens
//! while the simulated painter lags behind under load).

use crate::session_common;

use sacdoc::runner::Shell;
use session_common::*;

const COMMANDS: &[&str] = &[
    "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\"",
    "netsh advfirewall firewall show rule name=\"Remote Desktop - User Mode (TCP-In)\"",
    "sc query TermService",
    "ver",
    "sc qc TermService",
    "foo",
];

fn worker(profile: &str, offset: usize) {
    let q = format!("profile={profile}&start=sac");
    let mut s = sim_session("gpo-reverts-tls", &q);
    for i in 0..2 * COMMANDS.len() {
        let cmd = COMMANDS[(i + offset) % COMMANDS.len()];
        if i % 3 == 1 {
            // Leave the channel for SAC> and come back: the channel's full redraw brings the
            // previous capture's rows back onto the screen.
            s.sac("id").unwrap_or_else(|e| panic!("{profile} id: {e}"));
        }
        let out = s.run(cmd).unwrap_or_else(|e| panic!("{profile} {cmd}: {e}"));
        let (want, code) = expected_in("gpo-reverts-tls", &q, cmd);
        assert_eq!(out.output, want, "{profile}: output of {cmd:?}");
        assert_eq!(out.exit_code, Some(code), "{profile}: exit code of {cmd:?}");
    }
    s.close().expect("close");
}

/// Sixteen sessions in parallel threads, most of them painted, each running the commands in a
/// different order.
#[test]
fn parallel_sessions_get_their_own_output() {
    let handles: Vec<_> = (0..16)
        .map(|n| {
            let profile = if n % 4 == 3 { "ws2022" } else { "ws2019" };
            std::thread::spawn(move || worker(profile, n))
        })
        .collect();
    let mut failures = Vec::new();
    for h in handles {
        if let Err(e) = h.join() {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(msg);
        }
    }
    assert!(failures.is_empty(), "{} sessions failed:\n{}", failures.len(), failures.join("\n\n"));
}
