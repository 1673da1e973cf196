//! The simulated machine's security side through its cmd.exe: icacls, takeown and netsh, with the
//! exact output formats of the real tools.
//!
//! Formats followed (see src/sim/machine/fs/icacls.rs and firewall/netsh.rs):
//! - icacls display: moonpoint.com's capture of `icacls C:\WINDOWS\system32\mmc.exe` (path and first
//!   ACE on one line, following ACEs indented by len(path)+1, blank line, trailer), and
//!   command-outputs.md §2 (`processed file:` lines in modify modes, error lines).
//! - netsh: the captures quoted in command-outputs.md §8 and the dcos-diagnostics capture of
//!   `netsh advfirewall firewall show rule name="Open Port 61001 for admin router"`
//!   (`Rule Name:` padded to column 38, 70-dash ruler, `Ok.`).

use sacdoc_sim::machine::{load_scenario, Machine, ShellState};

fn machine(name: &str) -> (Machine, ShellState) {
    let sc = load_scenario(name).expect("scenario loads");
    let mut m = Machine::new(&sc);
    m.boot();
    let sh = ShellState { user: "azureuser".into(), ..ShellState::default() };
    (m, sh)
}

fn run(m: &mut Machine, sh: &mut ShellState, line: &str) -> (String, i32) {
    let r = m.exec(sh, line);
    (r.output, r.exit_code)
}

const MK: &str = r"C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys";

fn key_file(m: &Machine) -> String {
    format!("{MK}\\f686aace6942fb7f7ceb231212eef4a4_{}", m.state.fs.machine_guid)
}

#[test]
fn icacls_shows_the_default_machinekeys_acl_exactly() {
    let (mut m, mut sh) = machine("healthy");
    let (out, code) = run(&mut m, &mut sh, &format!("icacls {MK}"));
    let indent = " ".repeat(MK.len() + 1);
    let expected = format!(
        "{MK} Everyone:(R,W)\r\n{indent}BUILTIN\\Administrators:(F)\r\n\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n"
    );
    assert_eq!(out, expected);
    assert_eq!(code, 0);
}

#[test]
fn icacls_t_lists_every_key_container_with_its_own_indent() {
    let (mut m, mut sh) = machine("healthy");
    let (out, _) = run(&mut m, &mut sh, &format!("icacls {MK} /t /c"));
    let key = key_file(&m);
    let indent = " ".repeat(key.len() + 1);
    let block = format!(
        "{key} NT AUTHORITY\\SYSTEM:(F)\r\n{indent}BUILTIN\\Administrators:(F)\r\n{indent}NT AUTHORITY\\NETWORK SERVICE:(R)\r\n\r\n"
    );
    assert!(out.contains(&block), "{out}");
    assert!(
        out.ends_with("Successfully processed 5 files; Failed processing 0 files\r\n"),
        "{out}"
    );
}

#[test]
fn icacls_missing_path_reports_the_error_and_counts_it() {
    let (mut m, mut sh) = machine("healthy");
    let (out, _) = run(&mut m, &mut sh, r"icacls C:\nothere");
    assert_eq!(
        out,
        "C:\\nothere: The system cannot find the file specified.\r\nSuccessfully processed 0 files; Failed processing 1 files\r\n"
    );
}

#[test]
fn icacls_save_writes_utf16le_name_and_sddl_pairs() {
    let (mut m, mut sh) = machine("healthy");
    m.state.fs.mkdir(r"C:\temp").unwrap();
    let (out, code) = run(&mut m, &mut sh, &format!(r"icacls {MK} /save C:\temp\mk.acl /t /c"));
    assert_eq!(code, 0);
    assert!(out.starts_with(&format!("processed file: {MK}\r\n")), "{out}");
    assert!(
        out.ends_with("Successfully processed 5 files; Failed processing 0 files\r\n"),
        "{out}"
    );
    let bytes = m.state.fs.read_file(r"C:\temp\mk.acl").expect("saved file");
    assert_eq!(&bytes[..6], &[b'M', 0, b'a', 0, b'c', 0], "UTF-16LE without a byte order mark");
    let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let text = String::from_utf16(&units).unwrap();
    let guid = m.state.fs.machine_guid.clone();
    assert!(text.starts_with("MachineKeys\r\nD:PAI(A;;0x12019f;;;WD)(A;;FA;;;BA)\r\n"), "{text}");
    assert!(text.contains(&format!(
        "MachineKeys\\f686aace6942fb7f7ceb231212eef4a4_{guid}\r\nD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;NS)\r\n"
    )));
}

#[test]
fn icacls_restore_round_trips_a_changed_acl() {
    let (mut m, mut sh) = machine("healthy");
    m.state.fs.mkdir(r"C:\temp").unwrap();
    let (before, _) = run(&mut m, &mut sh, &format!("icacls {MK} /t"));
    run(&mut m, &mut sh, &format!(r"icacls {MK} /save C:\temp\mk.acl /t"));
    let (g, _) = run(&mut m, &mut sh, &format!(r#"icacls {MK} /grant "Everyone:(OI)(CI)(F)""#));
    assert_eq!(
        g,
        format!(
            "processed file: {MK}\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n"
        )
    );
    let (changed, _) = run(&mut m, &mut sh, &format!("icacls {MK} /t"));
    assert_ne!(changed, before);
    assert!(changed.contains("Everyone:(OI)(CI)(F)"), "{changed}");
    assert!(!changed.contains("Everyone:(I)"), "key files have protected DACLs: {changed}");
    let (r, _) =
        run(&mut m, &mut sh, r"icacls C:\ProgramData\Microsoft\Crypto\RSA /restore C:\temp\mk.acl");
    assert!(
        r.starts_with("processed file: C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys\r\n"),
        "{r}"
    );
    let (after, _) = run(&mut m, &mut sh, &format!("icacls {MK} /t"));
    assert_eq!(after, before);
}

#[test]
fn broken_machinekeys_denies_until_takeown_then_grants_repair() {
    let (mut m, mut sh) = machine("machinekeys-acl");
    let key = key_file(&m);
    let (denied, _) = run(&mut m, &mut sh, &format!("icacls {key}"));
    assert_eq!(denied, format!("{key}: Access is denied.\r\nSuccessfully processed 0 files; Failed processing 1 files\r\n"));
    let (g, _) =
        run(&mut m, &mut sh, &format!(r#"icacls {MK} /grant "BUILTIN\Administrators:(F)""#));
    assert!(g.starts_with(&format!("{MK}: Access is denied.\r\n")), "{g}");

    let (t, code) = run(&mut m, &mut sh, &format!("takeown /f {MK} /a /r"));
    assert_eq!(code, 0);
    assert!(t.starts_with(&format!(
        "\r\nSUCCESS: The file (or folder): \"{MK}\" now owned by the administrators group.\r\n"
    )));
    assert!(t.contains(&format!(
        "\r\nSUCCESS: The file (or folder): \"{key}\" now owned by the administrators group.\r\n"
    )));
    assert_eq!(t.matches("SUCCESS").count(), 5);

    for grant in [
        r"NT AUTHORITY\System:(F)",
        r"NT AUTHORITY\NETWORK SERVICE:(R)",
        r"BUILTIN\Administrators:(F)",
    ] {
        let (o, _) = run(&mut m, &mut sh, &format!(r#"icacls {MK} /t /c /grant "{grant}""#));
        assert!(
            o.ends_with("Successfully processed 5 files; Failed processing 0 files\r\n"),
            "{o}"
        );
        assert!(o.contains(&format!("processed file: {key}\r\n")), "{o}");
    }
    let (shown, _) = run(&mut m, &mut sh, &format!("icacls {key}"));
    assert!(shown.contains("NT AUTHORITY\\NETWORK SERVICE:(R)"), "{shown}");
    assert!(
        shown.contains("S-1-5-21-3623811015-3361044348-30300820-1107:(F)"),
        "deleted account shows as a SID: {shown}"
    );
}

#[test]
fn takeown_of_a_missing_file_fails_with_the_windows_message() {
    let (mut m, mut sh) = machine("healthy");
    let (out, code) = run(&mut m, &mut sh, r"takeown /f C:\missing /a");
    assert_eq!(out, "ERROR: The system cannot find the file specified.\r\n");
    assert_eq!(code, 1);
}

const RULE: &str = "Remote Desktop - User Mode (TCP-In)";

#[test]
fn netsh_show_rule_prints_the_block_exactly() {
    let (mut m, mut sh) = machine("healthy");
    let (out, code) =
        run(&mut m, &mut sh, &format!(r#"netsh advfirewall firewall show rule name="{RULE}""#));
    let expected = format!(
        "\r\nRule Name:                            {RULE}\r\n{}\r\n\
Enabled:                              Yes\r\n\
Direction:                            In\r\n\
Profiles:                             Domain,Private,Public\r\n\
Grouping:                             Remote Desktop\r\n\
LocalIP:                              Any\r\n\
RemoteIP:                             Any\r\n\
Protocol:                             TCP\r\n\
LocalPort:                            3389\r\n\
RemotePort:                           Any\r\n\
Edge traversal:                       No\r\n\
Action:                               Allow\r\n\
Ok.\r\n\r\n",
        "-".repeat(70)
    );
    assert_eq!(out, expected);
    assert_eq!(code, 0);
    let (v, _) = run(
        &mut m,
        &mut sh,
        &format!(r#"netsh advfirewall firewall show rule name="{RULE}" verbose"#),
    );
    assert!(v.contains("\r\nDescription:                          Inbound rule for the Remote Desktop service to allow RDP traffic. [TCP 3389]\r\n"));
    assert!(v.contains("\r\nService:                              termservice\r\nInterfaceTypes:                       Any\r\nSecurity:                             NotRequired\r\nRule source:                          Local Setting\r\nAction:"));
}

#[test]
fn netsh_set_rule_changes_the_port_and_unknown_rules_do_not_match() {
    let (mut m, mut sh) = machine("healthy");
    let (out, code) = run(
        &mut m,
        &mut sh,
        &format!(r#"netsh advfirewall firewall set rule name="{RULE}" new localport=3390"#),
    );
    assert_eq!(out, "\r\nUpdated 1 rule(s).\r\nOk.\r\n\r\n");
    assert_eq!(code, 0);
    let (show, _) =
        run(&mut m, &mut sh, &format!(r#"netsh advfirewall firewall show rule name="{RULE}""#));
    assert!(show.contains("\r\nLocalPort:                            3390\r\n"), "{show}");
    let (none, _) =
        run(&mut m, &mut sh, r#"netsh advfirewall firewall show rule name="No Such Rule""#);
    assert_eq!(none, "\r\nNo rules match the specified criteria.\r\n\r\n");
}

#[test]
fn inheritance_and_reset_modes_change_what_icacls_shows() {
    let (mut m, mut sh) = machine("healthy");
    run(&mut m, &mut sh, r"md C:\temp\sub");
    let (before, _) = run(&mut m, &mut sh, r"icacls C:\temp\sub");
    assert!(before.contains("NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)"), "{before}");
    let (d, _) = run(&mut m, &mut sh, r"icacls C:\temp\sub /inheritance:d");
    assert_eq!(d, "processed file: C:\\temp\\sub\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n");
    let (copied, _) = run(&mut m, &mut sh, r"icacls C:\temp\sub");
    assert!(
        copied.contains("NT AUTHORITY\\SYSTEM:(OI)(CI)(F)") && !copied.contains("(I)"),
        "{copied}"
    );
    run(&mut m, &mut sh, r"icacls C:\temp\sub /reset");
    let (reset, _) = run(&mut m, &mut sh, r"icacls C:\temp\sub");
    assert_eq!(reset, before);
    let (t, _) = run(&mut m, &mut sh, r"takeown /f C:\temp\sub");
    let computer = m.info().computer_name;
    assert_eq!(t, format!("\r\nSUCCESS: The file (or folder): \"C:\\temp\\sub\" now owned by user \"{computer}\\azureuser\".\r\n"));
}
