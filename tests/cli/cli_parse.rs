//! `sacdoc parse`: the real binary on fixtures, on stdin, on UTF-16 and legacy code-page bytes,
//! and its exit code 2 with a clear message for a missing file and an unknown kind.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn sacdoc(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sacdoc");
    {
        let mut input = child.stdin.take().expect("stdin");
        if let Some(bytes) = stdin {
            input.write_all(bytes).expect("write stdin");
        }
    }
    child.wait_with_output().expect("wait sacdoc")
}

fn json(out: &Output) -> serde_json::Value {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

#[test]
fn file_argument_sc_fixture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("qc.txt");
    std::fs::write(&path, fixture_with_eol("sc", "de_qc_dependencies.txt", "\r\n")).expect("write");
    let out = sacdoc(&["parse", "sc", path.to_str().expect("utf-8 path")], None);
    let v = json(&out);
    assert_eq!(v["services"][0]["name"], "WireGuardTunnel$wg-sf35022");
    assert_eq!(v["services"][0]["start_type"]["code"], 2);
    assert_eq!(v["services"][0]["dependencies"], serde_json::json!(["Nsi", "TcpIp"]));
    assert_eq!(v["unparsed"], serde_json::json!([]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\n  \"services\""), "pretty JSON");
}

#[test]
fn stdin_with_dash_and_without_file() {
    let input = fixture_with_eol("tasklist", "zh_svc_localized_na.txt", "\r\n");
    for args in [&["parse", "tasklist", "-"][..], &["parse", "tasklist"][..]] {
        let v = json(&sacdoc(args, Some(input.as_bytes())));
        let rows = v["processes"].as_array().expect("processes");
        assert_eq!(rows.len(), 17);
        assert!(rows
            .iter()
            .any(|p| p["pid"] == 376 && p["services"] == serde_json::json!(["TermService"])));
    }
}

#[test]
fn every_kind_exists_and_prints_json() {
    for kind in
        ["netstat", "icacls", "reg", "sc", "tasklist", "bcdedit", "certs", "services", "firewall"]
    {
        let v = json(&sacdoc(&["parse", kind, "-"], Some(b"\r\n")));
        assert!(v.is_object(), "{kind}: {v}");
    }
}

#[test]
fn utf16le_with_bom_is_decoded() {
    let text = fixture_with_eol("bcdedit", "fr_enum_all.txt", "\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let out = sacdoc(&["parse", "bcdedit", "-"], Some(&bytes));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    let ems = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["identifier"] == "{emssettings}")
        .cloned();
    assert_eq!(ems.expect("ems entry")["ems"]["bootems"], false);
    assert_eq!(v["entries"][0]["title"], "Gestionnaire de démarrage Windows");
}

#[test]
fn legacy_code_page_is_decoded_with_a_warning_naming_it() {
    // "Regelname:" block whose German umlauts are CP850 bytes (0x94 = ö, 0x84 = ä).
    let mut bytes = b"Regelname:                               RDP\r\n".to_vec();
    bytes.extend(b"----------------------------------------------------------------------\r\n");
    bytes.extend(b"Profile:                                 Dom\x84ne,Privat,\x99ffentlich\r\n");
    bytes.extend(b"Aktion:                                  Zulassen\r\n");
    let out = sacdoc(&["parse", "firewall", "-"], Some(&bytes));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("CP850") && stderr.contains("standard input"), "{stderr}");
    let v = json(&out);
    assert_eq!(v["rules"][0]["action"], "allow");
    assert_eq!(v["rules"][0]["profiles"], "Domäne,Privat,Öffentlich");
    // Named explicitly: no guess, no warning.
    let out = sacdoc(&["parse", "firewall", "-", "--encoding", "cp850"], Some(&bytes));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["rules"][0]["profiles"], "Domäne,Privat,Öffentlich");
}

#[test]
fn missing_file_is_exit_2_naming_the_file() {
    let out = sacdoc(&["parse", "sc", "/nonexistent/sacdoc-no-such-file.txt"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/sacdoc-no-such-file.txt"), "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn unknown_kind_is_exit_2_listing_the_kinds() {
    let out = sacdoc(&["parse", "ipconfig", "-"], Some(b""));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\"ipconfig\""), "{stderr}");
    assert!(
        stderr.contains("netstat, icacls, reg, sc, tasklist, bcdedit, certs, services, firewall"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// The simulated Windows Server's output (the same text the real binary would parse over SAC)
/// reads completely: nothing unparsed, and the facts agree across commands.
#[test]
fn simulator_output_parses_completely() {
    use sacdoc::parse::{bcdedit, certs, firewall, sc, services, tasklist};
    use sacdoc::sim::machine::{load_scenario, Machine, ShellState};

    let scenario = load_scenario("healthy").expect("healthy scenario");
    let mut m = Machine::new(&scenario);
    m.boot();
    let mut shell = ShellState::default();
    let mut run = |cmd: &str| m.exec(&mut shell, cmd).output;

    let q = sc::parse(&run("sc queryex TermService"));
    assert!(q.unparsed.is_empty(), "{:?}", q.unparsed);
    let pid = q.pid_of("TermService").expect("TermService pid");
    assert_eq!(q.service("TermService").and_then(|s| s.state_code()), Some(4));
    let qc = sc::parse(&run("sc qc TermService"));
    assert!(
        qc.unparsed.is_empty()
            && qc.service("TermService").and_then(|s| s.start_type_code()).is_some()
    );
    assert!(sc::parse(&run("sc query nosuchservice")).service_missing());

    let t = tasklist::parse(&run("tasklist /svc"));
    assert!(t.unparsed.is_empty(), "{:?}", t.unparsed);
    assert_eq!(t.pid_of_service("TermService"), Some(pid));
    let csv = tasklist::parse(&run("tasklist /svc /fo csv /nh"));
    assert!(csv.unparsed.is_empty() && csv.pid_of_service("TermService") == Some(pid));

    let b = bcdedit::parse(&run("bcdedit /enum all"));
    assert!(b.unparsed.is_empty(), "{:?}", b.unparsed);
    assert!(b.entry("{current}").is_some() && b.entry("{bootmgr}").is_some());

    let c = certs::parse(&run("powershell -NoProfile -Command \"Get-ChildItem 'Cert:\\LocalMachine\\Remote Desktop' | Format-List Thumbprint,Subject,NotAfter,HasPrivateKey\""));
    assert!(c.unparsed.is_empty(), "{:?}", c.unparsed);
    assert!(c.certificates.iter().all(|x| x.not_after.is_some() && x.has_private_key.is_some()));

    let s = services::parse(&run("powershell -NoProfile -Command \"Get-Service TermService\""));
    assert!(
        s.unparsed.is_empty() && s.service("TermService").and_then(|x| x.state_code()) == Some(4)
    );

    let f = firewall::parse(&run(
        "netsh advfirewall firewall show rule name=\"Remote Desktop - User Mode (TCP-In)\" verbose",
    ));
    assert!(f.unparsed.is_empty(), "{:?}", f.unparsed);
    assert!(f
        .rules
        .iter()
        .all(|r| r.enabled.is_some() && r.action.is_some() && r.direction.is_some()));
}

/// A fixture of the parsers' tests without its `#| source` header lines, every line ended by
/// `eol`.
fn fixture_with_eol(kind: &str, name: &str, eol: &str) -> String {
    let path = format!(
        "{}/crates/sacdoc-parse/tests/fixtures/parse/{kind}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    raw.lines().skip_while(|l| l.starts_with("#|")).map(|l| format!("{l}{eol}")).collect()
}
