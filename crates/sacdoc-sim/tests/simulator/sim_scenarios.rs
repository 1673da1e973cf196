//! Each built-in scenario: its broken state as the simulated commands show it, the documented fix
//! applied through the same commands, and the commands showing it fixed (also after a reboot
//! where the fix must survive one).

use sacdoc_sim::machine::state::RegValue;
use sacdoc_sim::machine::{load_scenario, scenario_names, Machine, ShellState};

const SCHANNEL: &str =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols";

fn vm(name: &str) -> (Machine, ShellState) {
    let sc = load_scenario(name).expect("built-in scenario");
    let mut m = Machine::new(&sc);
    m.boot();
    (m, ShellState::default())
}

fn out(m: &mut Machine, sh: &mut ShellState, line: &str) -> String {
    let r = m.exec(sh, line);
    r.output
}

fn ok(m: &mut Machine, sh: &mut ShellState, line: &str) -> String {
    let r = m.exec(sh, line);
    assert_eq!(r.exit_code, 0, "{line}\n{}", r.output);
    r.output
}

/// The `netstat -anob` record (row and owner lines) of the IPv4 TCP listener on `port`.
fn listener_record(netstat: &str, port: u16) -> Option<String> {
    let lines: Vec<&str> = netstat.split("\r\n").collect();
    let i = lines.iter().position(|l| l.starts_with(&format!("  TCP    0.0.0.0:{port} ")))?;
    let mut rec = vec![lines[i]];
    for l in &lines[i + 1..] {
        if l.starts_with("  TCP") || l.starts_with("  UDP") || l.is_empty() {
            break;
        }
        rec.push(l);
    }
    Some(rec.join("\n"))
}

#[test]
fn every_scenario_loads_and_states_its_expected_problems() {
    let names = scenario_names();
    for want in [
        "healthy",
        "port-conflict",
        "cert-expired",
        "machinekeys-acl",
        "tls-disabled",
        "gpo-reverts-tls",
        "busy-server",
        "recovery-vm",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let known = [
        "rdp-port",
        "termservice",
        "rdp-certificate",
        "machinekeys-acl",
        "tls-server",
        "nla",
        "group-policy",
        "firewall",
        "ems",
    ];
    for n in &names {
        let sc = load_scenario(n).expect(n);
        assert_eq!(sc.credentials[0].user, "azureuser", "{n}");
        assert!(!sc.description.is_empty(), "{n}");
        for p in sc.expected_problems() {
            assert!(known.contains(&p.as_str()), "{n}: unknown check id {p}");
        }
        assert!(!sc.documented_fix().is_empty(), "{n}");
        let m = Machine::new(&sc);
        assert!(m.check_login("AzureUser", "", "Sim-Passw0rd!"), "{n}");
        assert!(!m.check_login("azureuser", "", "wrong"), "{n}");
    }
    assert_eq!(
        load_scenario("port-conflict").map(|s| s.expected_problems()).ok(),
        Some(vec!["rdp-port".to_string()])
    );
    let err = load_scenario("nope").err().map(|e| sacdoc_link::chain(&e)).unwrap_or_default();
    assert!(err.contains("nope") && err.contains("healthy"), "{err}");
}

#[test]
fn a_broken_scenario_file_is_reported_with_its_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "name = \"bad\"\n[services.X]\nstart = \"sometimes\"\n").expect("write");
    let err = load_scenario(&path.to_string_lossy())
        .err()
        .map(|e| sacdoc_link::chain(&e))
        .unwrap_or_default();
    assert!(err.contains("services.X") && err.contains("sometimes"), "{err}");
    std::fs::write(&path, "name = \"ok\"\n[expect]\nproblems = [\"rdp-port\"]\n").expect("write");
    let sc = load_scenario(&path.to_string_lossy()).expect("a file scenario");
    assert_eq!(sc.expected_problems(), vec!["rdp-port".to_string()]);
}

#[test]
fn healthy_termservice_listens_on_3389() {
    let (mut m, mut sh) = vm("healthy");
    let n = ok(&mut m, &mut sh, "netstat -anob");
    let rec = listener_record(&n, 3389).expect("a listener on 3389");
    assert!(rec.ends_with("\n  TermService\n [svchost.exe]"), "{rec}");
    assert!(load_scenario("healthy").map(|s| s.expected_problems().is_empty()).unwrap_or(false));
}

#[test]
fn port_conflict_shows_another_image_and_the_fix_moves_3389_back() {
    let (mut m, mut sh) = vm("port-conflict");
    let n = ok(&mut m, &mut sh, "netstat -anob");
    let rec = listener_record(&n, 3389).expect("someone listens on 3389");
    assert!(rec.ends_with("\n [rsagent.exe]"), "{rec}");
    // TermService runs, but holds no TCP listener.
    assert!(ok(&mut m, &mut sh, "sc query TermService").contains("4  RUNNING"));
    let ts = m.state.services.get("TermService").map(|s| s.pid).unwrap_or(0);
    assert!(!out(&mut m, &mut sh, &format!("netstat -ano -p tcp | findstr \" {ts}\""))
        .contains(":3389"));
    let pid =
        ok(&mut m, &mut sh, "tasklist /svc /fo csv /nh /fi \"SERVICES eq RemoteSupportAgent\"");
    assert!(pid.starts_with("\"rsagent.exe\""), "{pid}");
    // The fix: stop the other program, keep it from starting, restart TermService.
    ok(&mut m, &mut sh, "sc stop RemoteSupportAgent");
    ok(&mut m, &mut sh, "sc config RemoteSupportAgent start= disabled");
    ok(&mut m, &mut sh, "net stop TermService /y");
    ok(&mut m, &mut sh, "net start TermService");
    ok(&mut m, &mut sh, "net start UmRdpService");
    let rec = listener_record(&ok(&mut m, &mut sh, "netstat -anob"), 3389).expect("listener");
    assert!(rec.ends_with("\n  TermService\n [svchost.exe]"), "{rec}");
    // It stays fixed after a reboot.
    m.boot();
    let rec = listener_record(&ok(&mut m, &mut sh, "netstat -anob"), 3389).expect("listener");
    assert!(rec.ends_with("\n  TermService\n [svchost.exe]"), "{rec}");
}

#[test]
fn port_conflict_alternative_fix_moves_rdp_to_another_port() {
    let (mut m, mut sh) = vm("port-conflict");
    ok(&mut m, &mut sh, "reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v PortNumber /t REG_DWORD /d 3390 /f");
    m.boot();
    let n = ok(&mut m, &mut sh, "netstat -anob");
    assert!(listener_record(&n, 3389).is_some_and(|r| r.ends_with("[rsagent.exe]")));
    assert!(
        listener_record(&n, 3390).is_some_and(|r| r.ends_with("\n  TermService\n [svchost.exe]")),
        "{n}"
    );
}

#[test]
fn tls_disabled_shows_in_the_registry_and_reg_add_fixes_it() {
    let (mut m, mut sh) = vm("tls-disabled");
    let q = ok(&mut m, &mut sh, &format!("reg query \"{SCHANNEL}\\TLS 1.2\\Server\""));
    assert!(q.contains("    Enabled    REG_DWORD    0x0\r\n"), "{q}");
    let q = ok(
        &mut m,
        &mut sh,
        &format!("reg query \"{SCHANNEL}\\TLS 1.1\\Server\" /v DisabledByDefault"),
    );
    assert!(q.contains("    DisabledByDefault    REG_DWORD    0x1\r\n"), "{q}");
    for v in ["1.0", "1.1", "1.2"] {
        ok(
            &mut m,
            &mut sh,
            &format!("reg add \"{SCHANNEL}\\TLS {v}\\Server\" /v Enabled /t REG_DWORD /d 1 /f"),
        );
        ok(
            &mut m,
            &mut sh,
            &format!(
                "reg add \"{SCHANNEL}\\TLS {v}\\Server\" /v DisabledByDefault /t REG_DWORD /d 0 /f"
            ),
        );
    }
    m.boot();
    for v in ["1.0", "1.1", "1.2"] {
        let q = ok(&mut m, &mut sh, &format!("reg query \"{SCHANNEL}\\TLS {v}\\Server\""));
        assert!(
            q.contains("    Enabled    REG_DWORD    0x1\r\n")
                && q.contains("    DisabledByDefault    REG_DWORD    0x0\r\n"),
            "{v}: {q}"
        );
    }
}

#[test]
fn gpo_reverts_tls_at_boot_until_group_policy_is_stopped() {
    let (mut m, mut sh) = vm("gpo-reverts-tls");
    let key = format!("{SCHANNEL}\\TLS 1.2\\Server");
    let enabled = |m: &Machine| m.state.registry.get(&key, "Enabled").cloned();
    assert_eq!(enabled(&m), Some(RegValue::Dword(0)));
    assert!(ok(&mut m, &mut sh, "gpresult /r").contains("Contoso TLS Hardening"));
    // A fix by hand lasts until the next boot.
    ok(&mut m, &mut sh, &format!("reg add \"{key}\" /v Enabled /t REG_DWORD /d 1 /f"));
    m.boot();
    assert_eq!(enabled(&m), Some(RegValue::Dword(0)), "the domain policy re-applied it");
    // ... and until the next gpupdate.
    ok(&mut m, &mut sh, &format!("reg add \"{key}\" /v Enabled /t REG_DWORD /d 1 /f"));
    ok(&mut m, &mut sh, "gpupdate /force");
    assert_eq!(enabled(&m), Some(RegValue::Dword(0)));
    // The procedure: enable TLS, stop Group Policy from starting, restart.
    ok(&mut m, &mut sh, &format!("reg add \"{key}\" /v Enabled /t REG_DWORD /d 1 /f"));
    ok(&mut m, &mut sh, "reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\gpsvc\" /v Start /t REG_DWORD /d 4 /f");
    m.boot();
    assert_eq!(enabled(&m), Some(RegValue::Dword(1)), "gpsvc disabled: the fix survives a boot");
    assert!(ok(&mut m, &mut sh, "sc query gpsvc").contains("1  STOPPED"));
    assert_eq!(m.exec(&mut sh, "gpupdate /force").exit_code, 1);
    // Turning Group Policy back on re-applies the domain policy (the policy must change in AD).
    ok(&mut m, &mut sh, "sc config gpsvc start= auto");
    ok(&mut m, &mut sh, "sc start gpsvc");
    ok(&mut m, &mut sh, "gpupdate /force");
    assert_eq!(enabled(&m), Some(RegValue::Dword(0)));
}

#[test]
fn busy_server_prints_thousands_of_deterministic_connections() {
    let (mut m, mut sh) = vm("busy-server");
    let n = ok(&mut m, &mut sh, "netstat -ano");
    let established = n.matches(" ESTABLISHED ").count();
    let time_wait = n.matches(" TIME_WAIT ").count();
    assert_eq!(established + time_wait, 5000, "{established} + {time_wait}");
    assert!(time_wait > 1000 && established > 2500);
    // TIME_WAIT rows belong to PID 0 and have no owner lines under -b.
    let b = ok(&mut m, &mut sh, "netstat -anob");
    let lines: Vec<&str> = b.split("\r\n").collect();
    for (i, l) in lines.iter().enumerate().filter(|(_, l)| l.contains(" TIME_WAIT ")) {
        assert!(l.ends_with("TIME_WAIT       0"), "{l}");
        assert!(
            lines[i + 1].starts_with("  TCP") || lines[i + 1].starts_with("  UDP"),
            "{}",
            lines[i + 1]
        );
    }
    // Generated from a seed: another VM of the same scenario prints the same rows.
    let (mut m2, mut sh2) = vm("busy-server");
    assert_eq!(ok(&mut m2, &mut sh2, "netstat -ano"), n);
    // RDP itself is healthy.
    assert!(listener_record(&b, 3389).is_some_and(|r| r.ends_with("TermService\n [svchost.exe]")));
    assert!(n.len() > 300_000, "a large output: {} bytes", n.len());
}

#[test]
fn recovery_vm_loads_the_broken_hive_and_edits_the_offline_boot_store() {
    let (mut m, mut sh) = vm("recovery-vm");
    assert_eq!(ok(&mut m, &mut sh, "hostname"), "RESCUE-VM\r\n");
    ok(&mut m, &mut sh, "reg load HKLM\\BROKENSYSTEM F:\\windows\\system32\\config\\SYSTEM");
    let broken = "HKLM\\BROKENSYSTEM";
    let subkeys = ok(&mut m, &mut sh, &format!("reg query {broken}"));
    assert!(
        subkeys.contains("HKEY_LOCAL_MACHINE\\BROKENSYSTEM\\ControlSet001\r\n")
            && subkeys.contains("HKEY_LOCAL_MACHINE\\BROKENSYSTEM\\ControlSet002\r\n"),
        "{subkeys}"
    );
    // An offline hive has no CurrentControlSet link.
    assert_eq!(m.exec(&mut sh, &format!("reg query {broken}\\CurrentControlSet")).exit_code, 1);
    for cs in ["ControlSet001", "ControlSet002"] {
        let tls = format!(
            "{broken}\\{cs}\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server"
        );
        assert!(ok(&mut m, &mut sh, &format!("reg query \"{tls}\" /v Enabled"))
            .contains("REG_DWORD    0x0"));
        let rdp = format!("{broken}\\{cs}\\Control\\Terminal Server\\WinStations\\RDP-Tcp");
        assert!(ok(&mut m, &mut sh, &format!("reg query \"{rdp}\" /v SecurityLayer"))
            .contains("REG_DWORD    0x0"));
        // The offline fix.
        for v in ["1.0", "1.1", "1.2"] {
            let k = format!(
                "{broken}\\{cs}\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS {v}\\Server"
            );
            ok(&mut m, &mut sh, &format!("reg add \"{k}\" /v Enabled /t REG_DWORD /d 1 /f"));
        }
        for (name, value) in
            [("SecurityLayer", 1), ("UserAuthentication", 1), ("fAllowSecProtocolNegotiation", 1)]
        {
            ok(&mut m, &mut sh, &format!("reg add \"{rdp}\" /v {name} /t REG_DWORD /d {value} /f"));
        }
        let crash = format!("{broken}\\{cs}\\Control\\CrashControl");
        ok(&mut m, &mut sh, &format!("reg add \"{crash}\" /v NMICrashDump /t REG_DWORD /d 1 /f"));
    }
    // The recovery VM's own registry is untouched.
    assert_eq!(
        m.state.registry.get(&format!("{SCHANNEL}\\TLS 1.2\\Server"), "Enabled"),
        Some(&RegValue::Dword(1))
    );
    ok(&mut m, &mut sh, "reg unload HKLM\\BROKENSYSTEM");
    assert_eq!(m.exec(&mut sh, &format!("reg query {broken}")).exit_code, 1);
    assert_eq!(m.exec(&mut sh, "reg unload HKLM\\BROKENSYSTEM").exit_code, 1);
    // The changes were written to the hive file: loading it again shows them.
    ok(&mut m, &mut sh, "reg load HKLM\\BROKENSYSTEM F:\\windows\\system32\\config\\SYSTEM");
    let q = ok(&mut m, &mut sh, &format!("reg query \"{broken}\\ControlSet002\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v UserAuthentication"));
    assert!(q.contains("REG_DWORD    0x1"), "{q}");
    ok(&mut m, &mut sh, "reg unload HKLM\\BROKENSYSTEM");

    // The broken disk's boot store (Generation 1: F:\boot\bcd).
    let e = ok(&mut m, &mut sh, "bcdedit /store F:\\boot\\bcd /enum");
    assert!(
        e.contains("identifier              {default}\r\n")
            && e.contains("ems                     No\r\n"),
        "{e}"
    );
    ok(&mut m, &mut sh, "bcdedit /store F:\\boot\\bcd /set {bootmgr} displaybootmenu yes");
    ok(&mut m, &mut sh, "bcdedit /store F:\\boot\\bcd /set {bootmgr} timeout 5");
    ok(&mut m, &mut sh, "bcdedit /store F:\\boot\\bcd /set {bootmgr} bootems yes");
    ok(&mut m, &mut sh, "bcdedit /store F:\\boot\\bcd /ems {default} ON");
    ok(&mut m, &mut sh, "bcdedit /store F:\\boot\\bcd /emssettings EMSPORT:1 EMSBAUDRATE:115200");
    let e = ok(&mut m, &mut sh, "bcdedit /store F:\\boot\\bcd /enum all");
    assert!(
        e.contains("ems                     Yes\r\n")
            && e.contains("timeout                 5\r\n"),
        "{e}"
    );
    assert!(e.contains("emsport                 1\r\nemsbaudrate             115200\r\n"), "{e}");
    // The recovery VM's own store is another store.
    assert!(!ok(&mut m, &mut sh, "bcdedit /enum {bootmgr}").contains("displaybootmenu"));
}

#[test]
fn cert_expired_shows_the_expired_certificate_and_renewal_replaces_it() {
    let (mut m, mut sh) = vm("cert-expired");
    let hash = "8E3B2F10C4A95D7716E0B2A3C94F5D1E07A6B3C2";
    let q = ok(&mut m, &mut sh, "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v SSLCertificateSHA1Hash");
    assert!(q.contains(hash), "{q}");
    let list = "powershell -NoProfile -NonInteractive -Command \"Get-ChildItem 'Cert:\\LocalMachine\\Remote Desktop' | Format-List Thumbprint,NotAfter\"";
    assert!(ok(&mut m, &mut sh, list).contains(hash));
    ok(&mut m, &mut sh, &format!("powershell -NoProfile -NonInteractive -Command \"Remove-Item 'Cert:\\LocalMachine\\Remote Desktop\\{hash}'\""));
    ok(
        &mut m,
        &mut sh,
        "powershell -NoProfile -NonInteractive -Command \"Restart-Service SessionEnv -Force\"",
    );
    let after = ok(&mut m, &mut sh, list);
    assert!(!after.contains(hash) && after.contains("Thumbprint : "), "{after}");
}

#[test]
fn machinekeys_acl_is_broken_and_the_documented_grants_repair_it() {
    let (mut h, mut hsh) = vm("healthy");
    let (mut m, mut sh) = vm("machinekeys-acl");
    let dir = "C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys";
    let good = out(&mut h, &mut hsh, &format!("icacls {dir}"));
    let bad = out(&mut m, &mut sh, &format!("icacls {dir}"));
    assert_ne!(good, bad, "the scenario's MachineKeys ACL differs from a healthy VM's");
    m.exec(&mut sh, "md c:\\temp");
    m.exec(&mut sh, &format!("icacls {dir} /save c:\\temp\\machinekeys.acl /t /c"));
    ok(&mut m, &mut sh, &format!("takeown /f \"{dir}\" /a /r /d y"));
    let g = out(&mut m, &mut sh, &format!("icacls {dir} /t /c /grant \"NT AUTHORITY\\System:(F)\" \"NT AUTHORITY\\NETWORK SERVICE:(R)\" \"BUILTIN\\Administrators:(F)\""));
    assert!(g.contains("Failed processing 0 files"), "{g}");
    let after = ok(&mut m, &mut sh, &format!("icacls {dir}"));
    for ace in
        ["NT AUTHORITY\\SYSTEM:", "NT AUTHORITY\\NETWORK SERVICE:", "BUILTIN\\Administrators:(F)"]
    {
        assert!(after.contains(ace), "{ace} in {after}");
    }
}

#[test]
fn the_recovery_disk_drive_comes_from_the_recovery_section_alone() {
    // The built-in recovery VM: [recovery] disk = "F:" gives the drive, its hive and its store.
    let (mut m, mut sh) = vm("recovery-vm");
    assert_eq!(m.state.recovery_disk.as_deref(), Some("F:"));
    assert!(m.state.fs.is_dir("F:\\Windows\\System32\\config"));
    assert!(m.state.fs.exists("F:\\boot\\bcd"));
    // Without [recovery] there is no attached disk at all.
    let (mut h, mut hs) = vm("healthy");
    assert_eq!(h.state.recovery_disk, None);
    assert!(!h.state.fs.exists("F:\\"));
    assert!(out(&mut h, &mut hs, "F:").contains("cannot find the drive"));
    assert_eq!(ok(&mut m, &mut sh, "F:"), "");

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rescue-g.toml");
    // Another letter: the file system follows, no [filesystem] line needed.
    std::fs::write(&path, "name = \"rescue-g\"\n[recovery]\ndisk = \"g:\"\n").expect("write");
    let sc = load_scenario(&path.to_string_lossy()).expect("a recovery scenario on G:");
    let mut g = Machine::new(&sc);
    g.boot();
    let mut gs = ShellState::default();
    assert_eq!(g.state.recovery_disk.as_deref(), Some("G:"));
    assert!(g.state.fs.exists("G:\\boot\\bcd") && !g.state.fs.exists("F:\\"));
    ok(&mut g, &mut gs, "reg load HKLM\\B G:\\Windows\\System32\\config\\SYSTEM");
    ok(&mut g, &mut gs, "bcdedit /store G:\\boot\\bcd /enum");
    // The old duplicate flag is refused with what to do instead.
    std::fs::write(&path, "name = \"x\"\n[filesystem]\nrecovery_disk = true\n").expect("write");
    let err = load_scenario(&path.to_string_lossy())
        .err()
        .map(|e| sacdoc_link::chain(&e))
        .unwrap_or_default();
    assert!(err.contains("recovery_disk") && err.contains("[recovery] disk"), "{err}");
    // A drive that cannot be one is named.
    std::fs::write(&path, "name = \"x\"\n[recovery]\ndisk = \"C:\"\n").expect("write");
    let err = load_scenario(&path.to_string_lossy())
        .err()
        .map(|e| sacdoc_link::chain(&e))
        .unwrap_or_default();
    assert!(err.contains("[recovery] disk") && err.contains("\"C:\""), "{err}");
}
