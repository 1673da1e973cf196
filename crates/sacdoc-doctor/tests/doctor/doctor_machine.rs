//! The doctor's checks and fixes against every simulator scenario, run fast: the `Shell` here
//! types each line straight into the simulated machine's cmd.exe (`Machine::exec`), without SAC.
//! The end-to-end path (a `sim:` target over SAC, both profiles, the binary) is in
//! `doctor_sac.rs` and `doctor_cli.rs`.

use sacdoc_console::error::SessionFault;
use sacdoc_console::runner::{CommandOutput, RunError, Shell};
use sacdoc_doctor::{self as doctor, Quiet, RunOptions, Status};
use sacdoc_sim::machine::{load_scenario, Effect, Machine, ShellState};

/// cmd.exe of the simulated machine, one line at a time; a reboot effect boots the machine.
struct MachineShell {
    m: Machine,
    sh: ShellState,
    /// The VM restarted: the cmd channel is gone for the next command, as on a real VM.
    restarted: bool,
}

impl MachineShell {
    fn new(name: &str) -> MachineShell {
        let sc = load_scenario(name).unwrap();
        let mut m = Machine::new(&sc);
        m.boot();
        MachineShell { m, sh: ShellState::default(), restarted: false }
    }
}

impl Shell for MachineShell {
    fn run(&mut self, command: &str) -> Result<CommandOutput, RunError> {
        if std::mem::take(&mut self.restarted) {
            return Err(RunError::LinkLost("the VM restarted".into()));
        }
        let r = self.m.exec(&mut self.sh, command);
        if let Effect::Reboot { .. } = r.effect {
            self.m.boot();
            self.sh = ShellState::default();
            self.restarted = true;
        }
        Ok(CommandOutput {
            command: command.to_string(),
            exit_code: Some(r.exit_code),
            bytes_sent: command.len() as u64 + 1,
            bytes_received: r.output.len() as u64,
            output: r.output.trim_end_matches("\r\n").to_string(),
            duration_ms: 0,
        })
    }
}

fn problems(rep: &doctor::Report) -> Vec<String> {
    rep.checks.iter().filter(|c| c.status != Status::Ok).map(|c| c.id.to_string()).collect()
}

fn opts(target: &str) -> RunOptions {
    RunOptions::new(target, state_dir().join(target))
}

/// One state folder for the whole test process; every test uses its own target names (each
/// target's local folder is below it), so their state never mixes.
fn state_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// Every online scenario: the doctor finds exactly the expected problems, `--apply --yes` fixes
/// them, and a second run reports all ok.
#[test]
fn finds_and_fixes_every_scenario() {
    let _dir = state_dir();
    let mut failures = Vec::new();
    for name in [
        "healthy",
        "port-conflict",
        "cert-expired",
        "machinekeys-acl",
        "tls-disabled",
        "busy-server",
    ] {
        if let Err(e) = round_trip(name) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn round_trip(name: &str) -> Result<(), String> {
    let sc = load_scenario(name).unwrap();
    let mut shell = MachineShell::new(name);
    let target = format!("machine:{name}");
    let rep = doctor::run(&mut shell, &opts(&target), &mut Quiet, &mut doctor::Yes).unwrap();
    let mut want = sc.expected_problems();
    want.sort();
    let mut got = problems(&rep);
    got.sort();
    if got != want {
        let why: Vec<String> = rep
            .checks
            .iter()
            .filter(|c| c.status != Status::Ok)
            .map(|c| format!("{}: {}", c.id, c.summary))
            .collect();
        return Err(format!("{name}: found {got:?}, expected {want:?}: {why:#?}"));
    }
    let mut o = opts(&target);
    o.apply = true;
    let rep = doctor::run(&mut shell, &o, &mut Quiet, &mut doctor::Yes).unwrap();
    for f in &rep.fixes {
        if f.verified != Some(true) {
            return Err(format!("{name}: fix {} did not hold: {}", f.fix, f.detail));
        }
        if f.local_backups.is_empty() && f.fix != "start-termservice" {
            return Err(format!("{name}: fix {} kept no local backup", f.fix));
        }
        for b in &f.local_backups {
            if std::fs::metadata(b).map(|m| m.len()).unwrap_or(0) == 0 {
                return Err(format!("{name}: empty local backup {b}"));
            }
        }
    }
    if rep.exit_code() != 0 {
        return Err(format!(
            "{name}: exit code {} after --apply: {:#?}",
            rep.exit_code(),
            rep.fixes
        ));
    }
    let again = doctor::run(&mut shell, &opts(&target), &mut Quiet, &mut doctor::Yes).unwrap();
    if !problems(&again).is_empty() {
        return Err(format!("{name} after fixing: {:?}", problems(&again)));
    }
    Ok(())
}

/// The gpo-reverts-tls path: TLS and group-policy found; the fix pauses Group Policy and tracks
/// the restart and the re-enable; after the restart TLS holds; turning Group Policy back on
/// reverts TLS, which the doctor then names with the domain policy.
#[test]
fn group_policy_revert_is_tracked_and_shown() {
    let _dir = state_dir();
    let target = "machine:gpo-reverts-tls";
    let mut shell = MachineShell::new("gpo-reverts-tls");
    let mut o = opts(target);
    o.apply = true;
    let rep = doctor::run(&mut shell, &o, &mut Quiet, &mut doctor::Yes).unwrap();
    let mut got = problems(&rep);
    got.sort();
    assert_eq!(got, ["group-policy", "tls-server"]);
    assert!(rep.fixes.iter().all(|f| f.verified == Some(true)), "{:#?}", rep.fixes);
    let kinds: Vec<_> = rep.pending.iter().map(|p| p.kind).collect();
    assert!(kinds.contains(&doctor::PendingKind::Reboot), "{kinds:?}");
    assert!(kinds.contains(&doctor::PendingKind::ReenableGroupPolicy), "{kinds:?}");
    // Restart through --finish-pending: the re-enable waits for it.
    let mut f = opts(target);
    f.finish_pending = true;
    let rep = doctor::run(&mut shell, &f, &mut Quiet, &mut doctor::Yes).unwrap();
    assert!(rep.restarting);
    assert!(rep.pending.iter().all(|p| p.kind != doctor::PendingKind::Reboot));
    // After the restart TLS holds (Group Policy did not run).
    let rep = doctor::run(&mut shell, &opts(target), &mut Quiet, &mut doctor::Yes).unwrap();
    assert!(problems(&rep).is_empty(), "{:#?}", rep.checks);
    // Turning Group Policy back on re-applies the domain policy: the revert is named.
    let rep = doctor::run(&mut shell, &f, &mut Quiet, &mut doctor::Yes).unwrap();
    assert!(rep.pending.iter().all(|p| p.kind != doctor::PendingKind::ReenableGroupPolicy));
    let gp = rep.checks.iter().find(|c| c.id == "group-policy").unwrap();
    assert_eq!(gp.status, Status::Problem);
    assert!(gp.summary.contains("reverted"), "{}", gp.summary);
    assert!(gp.summary.contains("Contoso TLS Hardening"), "{}", gp.summary);
}

/// `--tls12-only`: only TLS 1.2 is enabled, and no downgrade warning is attached.
#[test]
fn tls12_only_enables_only_tls12() {
    let _dir = state_dir();
    let mut shell = MachineShell::new("tls-disabled");
    let mut o = opts("machine:tls12");
    o.settings.tls12_only = true;
    let rep = doctor::run(&mut shell, &o, &mut Quiet, &mut doctor::Yes).unwrap();
    let tls = rep.checks.iter().find(|c| c.id == "tls-server").unwrap();
    let fix = tls.fix.as_ref().unwrap();
    assert!(fix.warning.is_none());
    assert!(fix.commands.iter().all(|c| c.command.contains("TLS 1.2")), "{:?}", fix.commands);
    let mut all = opts("machine:tls-all");
    all.settings.tls12_only = false;
    let rep = doctor::run(&mut shell, &all, &mut Quiet, &mut doctor::Yes).unwrap();
    let fix = rep.checks.iter().find(|c| c.id == "tls-server").unwrap().fix.clone().unwrap();
    assert!(fix.warning.unwrap().contains("security downgrade"));
}

/// The offline script, run line by line on the recovery VM, leaves the attached disk's SYSTEM
/// hive with crash dump, TLS and NLA set (both control sets), EMS on in its BCD, and the hive
/// unloaded.
#[test]
fn offline_script_repairs_the_attached_disk() {
    let mut shell = MachineShell::new("recovery-vm");
    let script = doctor::offline::lines(&doctor::offline::OfflineOptions::default());
    for line in &script {
        let out = shell.run(line).unwrap();
        let rem = line.starts_with("rem ") || line.contains("2>nul") || line.starts_with("md ");
        assert!(rem || out.exit_code == Some(0), "{line}\n{}", out.output);
    }
    let loaded = shell.run(r"reg query HKLM\BROKENSYSTEM").unwrap();
    assert_ne!(loaded.exit_code, Some(0), "the hive is still loaded: {}", loaded.output);
    shell.run(r"reg load HKLM\CHECK F:\windows\system32\config\SYSTEM").unwrap();
    for cs in ["ControlSet001", "ControlSet002"] {
        for (key, name, want) in [
            ("Control\\CrashControl", "CrashDumpEnabled", "0x1"),
            ("Control\\CrashControl", "NMICrashDump", "0x1"),
            ("Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server", "Enabled", "0x1"),
            ("Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server", "Enabled", "0x1"),
            ("Control\\Terminal Server\\WinStations\\RDP-Tcp", "SecurityLayer", "0x1"),
            ("Control\\Terminal Server\\WinStations\\RDP-Tcp", "UserAuthentication", "0x1"),
            (
                "Control\\Terminal Server\\WinStations\\RDP-Tcp",
                "fAllowSecProtocolNegotiation",
                "0x1",
            ),
        ] {
            let q =
                shell.run(&format!("reg query \"HKLM\\CHECK\\{cs}\\{key}\" /v {name}")).unwrap();
            assert!(q.output.contains(want), "{cs}\\{key} {name}: {}", q.output);
        }
        let d = shell
            .run(&format!("reg query \"HKLM\\CHECK\\{cs}\\Control\\CrashControl\" /v DumpFile"))
            .unwrap();
        assert!(d.output.contains(r"%SystemRoot%\MEMORY.DMP"), "{}", d.output);
    }
    shell.run(r"reg unload HKLM\CHECK").unwrap();
    let bcd = shell.run(r"bcdedit /store F:\boot\bcd /enum {default}").unwrap();
    assert!(
        bcd.output.lines().any(|l| l.starts_with("ems") && l.contains("Yes")),
        "{}",
        bcd.output
    );
}

/// The recovery VM online: its own system is healthy, so every check is ok; with
/// `--offline-disk F` the checks the offline procedure repairs (ems, tls-server, nla) say that the
/// Windows disk attached as F: is not diagnosed online and name `--offline-script`. Without the
/// option, or with a drive that holds no Windows, nothing is added.
#[test]
fn recovery_vm_points_to_the_offline_script_for_the_attached_disk() {
    let _dir = state_dir();
    let mut shell = MachineShell::new("recovery-vm");
    let plain =
        doctor::run(&mut shell, &opts("machine:rescue-plain"), &mut Quiet, &mut doctor::Yes)
            .unwrap();
    assert!(problems(&plain).is_empty(), "{:?}", problems(&plain));
    assert!(plain.checks.iter().all(|c| !c.summary.contains("offline-script")));

    let mut o = opts("machine:rescue-f");
    o.settings.offline_disk = Some('F');
    let rep = doctor::run(&mut shell, &o, &mut Quiet, &mut doctor::Yes).unwrap();
    assert!(problems(&rep).is_empty(), "{:?}", problems(&rep));
    for c in &rep.checks {
        let noted = c.summary.contains("attached as F: is not diagnosed online")
            && c.summary.contains("--offline-script --drive F");
        let wanted = ["ems", "tls-server", "nla"].contains(&c.id.as_str());
        assert_eq!(noted, wanted, "{}: {}", c.id, c.summary);
    }
    // Each of the three findings shows the probe as its evidence.
    assert_eq!(shell_probe_count(&rep, 'F'), 3);

    let mut g = opts("machine:rescue-g");
    g.settings.offline_disk = Some('G');
    let rep = doctor::run(&mut shell, &g, &mut Quiet, &mut doctor::Yes).unwrap();
    assert!(rep.checks.iter().all(|c| !c.summary.contains("offline-script")));
}

fn shell_probe_count(rep: &doctor::Report, d: char) -> usize {
    let probe = format!(r"if exist {d}:\Windows\System32\config\SYSTEM echo yes");
    rep.checks.iter().flat_map(|c| &c.evidence).filter(|e| e.command == probe).count()
}

/// A line that garbles one base64 character of a backup's read-back into another valid one: the
/// bytes still decode, but their SHA-256 differs from the VM's hash of the file, so the backup
/// does not count and the fix does not run (the VM is left as it was).
#[test]
fn a_backup_garbled_on_the_line_is_caught_by_its_hash_and_nothing_changes() {
    struct Garbling(MachineShell);
    impl Shell for Garbling {
        fn run(&mut self, command: &str) -> Result<CommandOutput, RunError> {
            let mut out = self.0.run(command)?;
            if command.starts_with("certutil -encode") {
                // The first base64 line: one character becomes another of the alphabet.
                let lines: Vec<String> = out.output.lines().map(str::to_string).collect();
                let i = lines.iter().position(|l| l.starts_with("-----BEGIN")).unwrap() + 1;
                let mut chars: Vec<char> = lines[i].chars().collect();
                chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
                let mut lines = lines;
                lines[i] = chars.into_iter().collect();
                out.output = lines.join("\r\n");
            }
            Ok(out)
        }
    }
    let target = "machine:port-conflict-garbled";
    let mut shell = Garbling(MachineShell::new("port-conflict"));
    let mut o = opts(target);
    o.apply = true;
    let rep = doctor::run(&mut shell, &o, &mut Quiet, &mut doctor::Yes).unwrap();
    let outcome = rep.fixes.first().expect("a fix outcome");
    assert_eq!(outcome.state, doctor::FixState::RolledBack, "{outcome:?}");
    assert!(outcome.detail.contains("differs"), "{}", outcome.detail);
    // Nothing was changed: a fresh diagnosis of the same VM still finds the port conflict.
    let again = doctor::run(&mut shell.0, &opts(target), &mut Quiet, &mut doctor::Yes).unwrap();
    assert_eq!(problems(&again), ["rdp-port"]);
}

/// A machine whose answer to one command never completes (as a capture that timed out).
struct OneCommandTimesOut {
    inner: MachineShell,
    failing: String,
}

impl Shell for OneCommandTimesOut {
    fn run(&mut self, command: &str) -> Result<CommandOutput, RunError> {
        if command.starts_with(&self.failing) {
            return Err(RunError::NoProgress { secs: 60 });
        }
        self.inner.run(command)
    }
}

#[test]
fn a_command_that_fails_makes_only_its_checks_unknown_with_the_evidence_so_far() {
    let mut sh =
        OneCommandTimesOut { inner: MachineShell::new("healthy"), failing: "netstat -ano".into() };
    let rep = doctor::run(&mut sh, &opts("one-timeout"), &mut Quiet, &mut doctor::Yes).unwrap();
    let port = rep.checks.iter().find(|c| c.id == "rdp-port").unwrap();
    assert_eq!(port.status, Status::Unknown, "{port:?}");
    assert!(port.summary.starts_with("could not run netstat -ano"), "{}", port.summary);
    let first = &port.evidence[0];
    assert!(first.command.starts_with("reg query"), "earlier evidence kept: {:?}", port.evidence);
    let last = port.evidence.last().unwrap();
    assert!(last.command.starts_with("netstat -ano"), "{last:?}");
    assert!(last.excerpt.contains("60"), "the reason: {last:?}");
    let others: Vec<_> = rep.checks.iter().filter(|c| c.id != "rdp-port").collect();
    assert!(others.iter().all(|c| c.status == Status::Ok), "{:?}", problems(&rep));
    assert_eq!(rep.exit_code(), 2, "no diagnosis of the port: exit 2, not 0");
}

/// A line that garbles the first capture of every command (as noise does to one capture in a few
/// dozen at 1%): the session still answers, so each is run once more.
struct FirstCaptureUnverified {
    inner: MachineShell,
    seen: std::collections::HashSet<String>,
    runs: usize,
}

impl Shell for FirstCaptureUnverified {
    fn run(&mut self, command: &str) -> Result<CommandOutput, RunError> {
        self.runs += 1;
        if self.seen.insert(command.to_string()) {
            return Err(RunError::Session(SessionFault::Unverified { reads: 8 }));
        }
        self.inner.run(command)
    }
}

#[test]
fn a_capture_that_did_not_verify_is_run_again_and_the_diagnosis_is_the_same() {
    let clean = doctor::run(
        &mut MachineShell::new("port-conflict"),
        &opts("unverified-clean"),
        &mut Quiet,
        &mut doctor::Yes,
    )
    .unwrap();
    let mut sh = FirstCaptureUnverified {
        inner: MachineShell::new("port-conflict"),
        seen: Default::default(),
        runs: 0,
    };
    let rep = doctor::run(&mut sh, &opts("unverified-once"), &mut Quiet, &mut doctor::Yes).unwrap();
    let statuses = |r: &doctor::Report| -> Vec<(String, Status)> {
        r.checks.iter().map(|c| (c.id.to_string(), c.status)).collect()
    };
    assert_eq!(statuses(&rep), statuses(&clean));
    assert_eq!(problems(&rep), ["rdp-port"]);
    assert_eq!(sh.runs, 2 * sh.seen.len(), "each command ran twice");
}

/// A capture that never verifies makes its checks unknown (exit 2), with the reason as evidence;
/// the session still answers, so the rest of the diagnosis goes on.
#[test]
fn a_capture_that_never_verifies_makes_only_its_checks_unknown() {
    struct NeverVerified(MachineShell);
    impl Shell for NeverVerified {
        fn run(&mut self, command: &str) -> Result<CommandOutput, RunError> {
            if command.starts_with("netstat -ano") {
                return Err(RunError::Session(SessionFault::Unverified { reads: 8 }));
            }
            self.0.run(command)
        }
    }
    let mut sh = NeverVerified(MachineShell::new("healthy"));
    let rep = doctor::run(&mut sh, &opts("never-verified"), &mut Quiet, &mut doctor::Yes).unwrap();
    let port = rep.checks.iter().find(|c| c.id == "rdp-port").unwrap();
    assert_eq!(port.status, Status::Unknown, "{port:?}");
    assert!(port.summary.contains("SHA-256"), "the reason names the check: {}", port.summary);
    assert!(rep.checks.iter().filter(|c| c.id != "rdp-port").all(|c| c.status == Status::Ok));
    assert_eq!(rep.exit_code(), 2);
}
