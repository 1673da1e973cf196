//! The Results view's tables over real published outputs (the fixtures of the parsers, each
//! naming its source in its header): netstat sorted and filtered with the RDP port marked, and
//! icacls with deny entries marked.

use sacdoc::runner::CommandOutput;
use sacdoc::tui::results::{self, Kind, NetSort};

fn fixture(kind: &str, name: &str) -> String {
    let path = format!(
        "{}/crates/sacdoc-parse/tests/fixtures/parse/{kind}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut rest = raw.as_str();
    while rest.starts_with("#|") {
        rest = rest.split_once('\n').map(|(_, r)| r).unwrap_or("");
    }
    rest.to_string()
}

fn output(command: &str, text: String) -> CommandOutput {
    CommandOutput {
        command: command.into(),
        exit_code: Some(0),
        output: text,
        bytes_sent: 0,
        bytes_received: 0,
        duration_ms: 0,
    }
}

#[test]
fn commands_are_classified_by_program() {
    assert_eq!(Kind::of("netstat -anob"), Kind::Netstat);
    assert_eq!(Kind::of("icacls C:\\x"), Kind::Acl);
    assert_eq!(Kind::of("reg query HKLM\\x /v Start"), Kind::Registry);
    assert_eq!(Kind::of("sc query TermService"), Kind::Services);
    assert_eq!(Kind::of("bcdedit /enum"), Kind::Other);
}

#[test]
fn netstat_sorts_filters_and_marks_the_rdp_port() {
    let out = output("netstat -anob", fixture("netstat", "en-win10-anob.txt"));
    let by_port = results::netstat(&out, 445, NetSort::Port, "");
    assert!(by_port.rows.len() > 10);
    let ports: Vec<u32> = by_port.rows.iter().filter_map(|r| r.cells[2].parse().ok()).collect();
    assert!(ports.windows(2).all(|w| w[0] <= w[1]), "sorted by port: {ports:?}");
    // Port 445 as "the RDP port": its listeners are marked, nothing else is.
    let marked: Vec<_> = by_port.rows.iter().filter(|r| r.mark.is_some()).collect();
    assert!(!marked.is_empty());
    assert!(marked.iter().all(|r| r.cells[2] == "445" && r.cells[4] == "LISTENING"));
    // Filter by port.
    let f = results::netstat(&out, 3389, NetSort::Port, "445");
    assert!(
        !f.rows.is_empty() && f.rows.iter().all(|r| r.cells[2] == "445" || r.cells[5] == "445")
    );
    // Filter by image, sorted by PID.
    let f = results::netstat(&out, 3389, NetSort::Pid, "svchost");
    assert!(!f.rows.is_empty());
    assert!(f.rows.iter().all(|r| r.cells[6].to_ascii_lowercase().contains("svchost")));
    let pids: Vec<u32> = f.rows.iter().filter_map(|r| r.cells[5].parse().ok()).collect();
    assert!(pids.windows(2).all(|w| w[0] <= w[1]), "sorted by PID: {pids:?}");
}

#[test]
fn icacls_marks_deny_entries_and_errors() {
    let out = output("icacls ReportManagement.exe", fixture("icacls", "en-deny-and-ps-error.txt"));
    let t = results::acl(&out);
    let deny: Vec<_> = t.rows.iter().filter(|r| r.mark.as_deref() == Some("deny entry")).collect();
    assert!(!deny.is_empty(), "{t:?}");
    assert!(
        t.rows.iter().any(|r| r.mark.as_deref().is_some_and(|m| m.contains("denied"))),
        "{t:?}"
    );
}

#[test]
fn registry_and_services_tables_read_real_outputs() {
    let reg = results::registry(&output(
        "reg query RDP-Tcp /v PortNumber",
        fixture("reg", "en-rdp-tcp-portnumber.txt"),
    ));
    assert!(
        reg.rows.iter().any(|r| r.cells[1] == "PortNumber" && r.cells[2] == "REG_DWORD"),
        "{reg:?}"
    );
    let sc = results::services(&output(
        "sc query UsoSvc",
        fixture("sc", "en_query_usosvc_trailing_spaces.txt"),
    ));
    assert_eq!(sc.header[0], "Service");
    assert!(sc.rows.iter().any(|r| r.cells[0].eq_ignore_ascii_case("UsoSvc")), "{sc:?}");
}

/// `icacls` of MachineKeys as the simulator prints it for a scenario.
fn sim_icacls(scenario: &str) -> CommandOutput {
    let sc = sacdoc::sim::machine::load_scenario(scenario).expect("scenario");
    let mut m = sacdoc::sim::machine::Machine::new(&sc);
    let mut shell = sacdoc::sim::machine::ShellState::default();
    let line = r"icacls C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys";
    output(line, m.exec(&mut shell, line).output)
}

#[test]
fn machinekeys_acl_marks_what_the_procedure_wants_only_when_broken() {
    let healthy = results::acl(&sim_icacls("healthy"));
    assert!(!healthy.rows.is_empty());
    assert!(healthy.rows.iter().all(|r| r.mark.is_none()), "{healthy:?}");
    let broken = results::acl(&sim_icacls("machinekeys-acl"));
    let marks: Vec<&str> = broken.rows.iter().filter_map(|r| r.mark.as_deref()).collect();
    assert!(!marks.is_empty(), "{broken:?}");
    assert!(marks.iter().all(|m| m.contains("needs (") || m == &"deny entry"), "{marks:?}");
}
