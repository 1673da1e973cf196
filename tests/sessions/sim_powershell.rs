//! The simulated PowerShell through the machine's cmd.exe (`powershell -NoProfile -NonInteractive
//! -Command "..."`) and its interactive prompt.
//!
//! Formats followed (see src/sim/machine/powershell/format.rs): certificate tables as in the
//! PowerShell 5.1 captures in Microsoft's Service Fabric docs (`   PSParentPath: ...`,
//! `Thumbprint                                Subject`); Format-List of a certificate as in the
//! `Get-PfxCertificate ... | fl` capture (`Subject      : CN=...`, `FriendlyName : `, `Extensions`);
//! the Get-Service table of command-outputs.md §7; error records as in the `Get-Service -Name
//! IDontExist` capture (`At line:1 char:N`, `+ ~~~`, `+ CategoryInfo`, `+ FullyQualifiedErrorId`);
//! `Get-NetFirewallPortFilter` as in the IBM Cloud capture (`Protocol : TCP`, `LocalPort : 3389`).

use sacdoc::sim::machine::{load_scenario, Machine, ShellMode, ShellState};

fn machine(name: &str) -> (Machine, ShellState) {
    let sc = load_scenario(name).expect("scenario loads");
    let mut m = Machine::new(&sc);
    m.boot();
    let sh = ShellState { user: "azureuser".into(), ..ShellState::default() };
    (m, sh)
}

fn ps(m: &mut Machine, sh: &mut ShellState, script: &str) -> (String, i32) {
    let r = m.exec(sh, &sacdoc::runner::powershell(script));
    (r.output, r.exit_code)
}

fn rdp_thumbprints(m: &Machine) -> Vec<String> {
    m.state.certs.store("Remote Desktop").iter().map(|c| c.thumbprint.clone()).collect()
}

#[test]
fn certificate_listing_default_table() {
    let (mut m, mut sh) = machine("healthy");
    let thumbs = rdp_thumbprints(&m);
    assert_eq!(thumbs.len(), 1);
    let computer = m.info().computer_name;
    let (out, code) = ps(&mut m, &mut sh, r"Get-ChildItem 'Cert:\LocalMachine\Remote Desktop'");
    assert_eq!(code, 0);
    let expected = format!(
        "\r\n\r\n   PSParentPath: Microsoft.PowerShell.Security\\Certificate::LocalMachine\\Remote Desktop\r\n\r\n\
Thumbprint                                Subject\r\n\
----------                                -------\r\n\
{}  CN={computer}\r\n\r\n\r\n",
        thumbs[0]
    );
    assert_eq!(out, expected);
}

#[test]
fn certificate_format_list_shows_the_x509_list_view() {
    let (mut m, mut sh) = machine("cert-expired");
    let (out, code) =
        ps(&mut m, &mut sh, r"Get-ChildItem 'Cert:\LocalMachine\Remote Desktop' | Format-List");
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.split("\r\n").collect();
    assert_eq!(&lines[..2], &["", ""], "two blank lines first: {out}");
    assert!(lines[2].starts_with("Subject      : CN="), "{out}");
    assert!(lines[3].starts_with("Issuer       : CN="), "{out}");
    assert_eq!(lines[4], "Thumbprint   : 8E3B2F10C4A95D7716E0B2A3C94F5D1E07A6B3C2");
    assert_eq!(lines[5], "FriendlyName : ");
    assert!(lines[6].starts_with("NotBefore    : ") && lines[6].ends_with(" AM"), "{out}");
    assert!(lines[7].starts_with("NotAfter     : "), "{out}");
    assert!(lines[8].starts_with("Extensions   : {System.Security.Cryptography.Oid"), "{out}");
    assert!(out.ends_with("\r\n\r\n\r\n"), "{out:?}");
    let (sel, _) = ps(
        &mut m,
        &mut sh,
        r"Get-ChildItem 'Cert:\LocalMachine\Remote Desktop' | Format-List Thumbprint,NotAfter",
    );
    assert!(
        sel.starts_with(
            "\r\n\r\nThumbprint : 8E3B2F10C4A95D7716E0B2A3C94F5D1E07A6B3C2\r\nNotAfter   : "
        ),
        "{sel}"
    );
}

#[test]
fn removing_the_certificate_then_restarting_sessionenv_creates_a_new_one() {
    let (mut m, mut sh) = machine("cert-expired");
    let old = "8E3B2F10C4A95D7716E0B2A3C94F5D1E07A6B3C2";
    // At boot SessionEnv found no valid certificate and created one beside the expired one.
    let at_boot = rdp_thumbprints(&m);
    assert_eq!(at_boot.len(), 2, "{at_boot:?}");
    assert_eq!(at_boot[0], old);
    for t in &at_boot {
        let (out, code) = ps(
            &mut m,
            &mut sh,
            &format!(r"Remove-Item -Path 'Cert:\LocalMachine\Remote Desktop\{t}'"),
        );
        assert_eq!((out.as_str(), code), ("", 0));
    }
    assert!(rdp_thumbprints(&m).is_empty());
    let (out, code) = ps(&mut m, &mut sh, "Restart-Service -Name SessionEnv -Force");
    assert_eq!((out.as_str(), code), ("", 0));
    let now = rdp_thumbprints(&m);
    assert_eq!(now.len(), 1);
    assert!(!at_boot.contains(&now[0]));
    let cert = &m.state.certs.store("Remote Desktop")[0];
    assert_eq!(cert.not_after - cert.not_before, 182 * 86_400, "valid six months");
    assert_eq!(cert.subject, format!("CN={}", m.info().computer_name));
    let (again, code) =
        ps(&mut m, &mut sh, &format!(r"Remove-Item 'Cert:\LocalMachine\Remote Desktop\{old}'"));
    assert_eq!(code, 1);
    assert!(again.starts_with(&format!(
        "Remove-Item : Cannot find path 'Cert:\\LocalMachine\\Remote Desktop\\{old}' because it does not exist.\r\n"
    )));
}

#[test]
fn service_cmdlets_change_state_and_report_errors() {
    // The error record below is cut to the console width; a wide console shows it whole.
    let (mut m, mut sh) = machine("healthy");
    let (t, _) = ps(&mut m, &mut sh, "Get-Service TermService");
    assert_eq!(
        t,
        "\r\nStatus   Name               DisplayName\r\n------   ----               -----------\r\nRunning  TermService        Remote Desktop Services\r\n\r\n\r\n"
    );
    let (stop, code) = ps(&mut m, &mut sh, "Stop-Service -Name TermService -Force");
    assert_eq!((stop.as_str(), code), ("", 0));
    let (t, _) =
        ps(&mut m, &mut sh, "Get-Service TermService | Select-Object -ExpandProperty Status");
    assert_eq!(t, "Stopped\r\n");
    ps(&mut m, &mut sh, "Start-Service TermService");
    let (t, _) = ps(
        &mut m,
        &mut sh,
        "(Get-Service TermService).Status; Get-Service TermService | Format-List Name,Status",
    );
    assert!(t.ends_with("\r\n\r\nName   : TermService\r\nStatus : Running\r\n\r\n\r\n"), "{t:?}");

    let script = "Stop-Service -Name nosuch";
    let (e, code) = ps(&mut m, &mut sh, script);
    assert_eq!(code, 1);
    assert_eq!(
        e,
        concat!(
            "Stop-Service : Cannot find any service with service name 'nosuch'.\r\n",
            "At line:1 char:1\r\n",
            "+ Stop-Service -Name nosuch\r\n",
            "+ ~~~~~~~~~~~~~~~~~~~~~~~~~\r\n",
            // Cut at 79 columns on the 80-column console, continued after three spaces.
            "    + CategoryInfo          : ObjectNotFound: (nosuch:String) [Stop-Service], S\r\n",
            "   erviceCommandException\r\n",
            "    + FullyQualifiedErrorId : NoServiceFoundForGivenName,Microsoft.PowerShell.C\r\n",
            "   ommands.StopServiceCommand\r\n",
            " \r\n"
        )
    );
    ps(&mut m, &mut sh, "Start-Service UmRdpService");
    let (dep, code) = ps(&mut m, &mut sh, "Stop-Service TermService");
    assert_eq!(code, 1);
    assert!(dep.starts_with("Stop-Service : Cannot stop service 'Remote Desktop Services (TermService)' because it has dependent services."), "{dep}");
}

#[test]
fn set_itemproperty_changes_what_reg_query_shows() {
    let (mut m, mut sh) = machine("healthy");
    let key = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp";
    let (out, code) = ps(
        &mut m,
        &mut sh,
        &format!(r"Set-ItemProperty -Path 'HKLM:\{}' -Name PortNumber -Value 3390", &key[5..]),
    );
    assert_eq!((out.as_str(), code), ("", 0));
    let r = m.exec(&mut sh, &format!(r#"reg query "{key}" /v PortNumber"#));
    assert!(r.output.contains("PortNumber    REG_DWORD    0xd3e"), "{}", r.output);
    let (g, _) = ps(
        &mut m,
        &mut sh,
        &format!(r"Get-ItemProperty -Path 'HKLM:\{}' -Name PortNumber", &key[5..]),
    );
    assert!(g.starts_with("\r\n\r\nPortNumber   : 3390\r\n"), "{g}");
}

#[test]
fn set_netfirewallrule_changes_what_netsh_shows() {
    let (mut m, mut sh) = machine("healthy");
    let (out, code) = ps(
        &mut m,
        &mut sh,
        "Set-NetFirewallRule -Name 'RemoteDesktop-UserMode-In-TCP' -LocalPort 3390",
    );
    assert_eq!((out.as_str(), code), ("", 0));
    let r = m.exec(
        &mut sh,
        r#"netsh advfirewall firewall show rule name="Remote Desktop - User Mode (TCP-In)""#,
    );
    assert!(
        r.output.contains("\r\nLocalPort:                            3390\r\n"),
        "{}",
        r.output
    );
    let (pf, _) = ps(
        &mut m,
        &mut sh,
        "Get-NetFirewallRule -Name RemoteDesktop-UserMode-In-TCP | Get-NetFirewallPortFilter",
    );
    assert_eq!(
        pf,
        "\r\n\r\nProtocol      : TCP\r\nLocalPort     : 3390\r\nRemotePort    : Any\r\nIcmpType      : Any\r\nDynamicTarget : Any\r\n\r\n\r\n"
    );
    let (missing, code) = ps(&mut m, &mut sh, "Get-NetFirewallRule -Name Nope");
    assert_eq!(code, 1);
    assert!(missing.starts_with(
        "Get-NetFirewallRule : No MSFT_NetFirewallRule objects found with property 'Name' equal to 'Nope'."
    ));
}

#[test]
fn interactive_prompt_runs_lines_and_exit_returns_to_cmd() {
    let (mut m, mut sh) = machine("healthy");
    let r = m.exec(&mut sh, "powershell");
    assert_eq!(sh.mode, ShellMode::PowerShell, "{}", r.output);
    let r = m.exec(&mut sh, "Get-Service nosuch");
    assert!(r
        .output
        .starts_with("Get-Service : Cannot find any service with service name 'nosuch'.\r\n"));
    let r = m.exec(
        &mut sh,
        "Get-Service TermService | ConvertTo-Csv -NoTypeInformation | Select-Object -First 1",
    );
    assert!(r.output.starts_with("\"Name\",\"DisplayName\",\"Status\""), "{}", r.output);
    m.exec(&mut sh, "exit");
    assert_eq!(sh.mode, ShellMode::Cmd);
}

#[test]
fn the_articles_renewal_lines_work_with_variables_and_concatenation() {
    let (mut m, mut sh) = machine("healthy");
    let old = rdp_thumbprints(&m)[0].clone();
    let script = concat!(
        r"Import-Module PKI; $RdpCertThumbprint = 'Cert:\LocalMachine\Remote Desktop\'+",
        r"((Get-ChildItem -Path 'Cert:\LocalMachine\Remote Desktop\').thumbprint); ",
        r"$RdpCertThumbprint; Remove-Item -Path $RdpCertThumbprint; ",
        r#"Stop-Service -Name "SessionEnv"; Start-Service -Name "SessionEnv""#
    );
    let (out, code) = ps(&mut m, &mut sh, script);
    assert_eq!(out, format!("Cert:\\LocalMachine\\Remote Desktop\\{old}\r\n"));
    assert_eq!(code, 0);
    let now = rdp_thumbprints(&m);
    assert_eq!(now.len(), 1);
    assert_ne!(now[0], old);
}

#[test]
fn native_programs_run_through_cmd_and_set_lastexitcode() {
    let (mut m, mut sh) = machine("healthy");
    let (out, code) = ps(&mut m, &mut sh, r"icacls C:\nothere; $LASTEXITCODE");
    assert_eq!(
        out,
        "C:\\nothere: The system cannot find the file specified.\r\nSuccessfully processed 0 files; Failed processing 1 files\r\n2\r\n"
    );
    assert_eq!(code, 0, "the last statement succeeded");
    let (_, code) = ps(&mut m, &mut sh, r"icacls C:\nothere");
    assert_eq!(code, 1);
    let (q, _) = ps(&mut m, &mut sh, "sc.exe query TermService");
    assert!(q.contains("SERVICE_NAME: TermService"), "{q}");
    // `sc` alone is PowerShell's Set-Content alias: it writes a file named "query".
    let (s, code) = ps(&mut m, &mut sh, "sc query TermService");
    assert_eq!((s.as_str(), code), ("", 0));
    assert_eq!(
        m.state.fs.read_file(r"C:\Windows\system32\query").as_deref(),
        Some(&b"TermService\r\n"[..])
    );
}

#[test]
fn export_certificate_and_out_file_write_files_windows_reads_back() {
    let (mut m, mut sh) = machine("healthy");
    m.state.fs.mkdir(r"C:\temp").unwrap();
    let thumb = rdp_thumbprints(&m)[0].clone();
    let (out, code) = ps(
        &mut m,
        &mut sh,
        &format!(
            r"Export-Certificate -Cert 'Cert:\LocalMachine\Remote Desktop\{thumb}' -FilePath C:\temp\rdp.cer"
        ),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("\r\n\r\n    Directory: C:\\temp\r\n\r\n\r\nMode                LastWriteTime         Length Name\r\n"), "{out}");
    assert!(out.contains(" rdp.cer\r\n"), "{out}");
    let der = m.state.fs.read_file(r"C:\temp\rdp.cer").expect("exported");
    assert_eq!(&der[..2], &[0x30, 0x82], "a DER SEQUENCE");

    let (o, code) =
        ps(&mut m, &mut sh, r"Get-Service TermService | Out-File -FilePath C:\temp\svc.txt");
    assert_eq!((o.as_str(), code), ("", 0));
    let bytes = m.state.fs.read_file(r"C:\temp\svc.txt").expect("written");
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "Windows PowerShell 5.1 writes UTF-16LE with a BOM");
    let (back, _) =
        ps(&mut m, &mut sh, r"Get-Content C:\temp\svc.txt | Select-Object -Skip 3 -First 1");
    assert_eq!(back, "Running  TermService        Remote Desktop Services\r\n");
}

#[test]
fn error_records_are_not_cut_on_a_wide_console() {
    let (mut m, mut sh) = machine("healthy");
    sh.cols = 200;
    let (e, _) = ps(&mut m, &mut sh, "Get-Service -Name nosuch");
    assert!(e.contains(
        "\r\n    + FullyQualifiedErrorId : NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand\r\n \r\n"
    ));
}

#[test]
fn interactive_session_keeps_variables_location_and_lastexitcode_between_lines() {
    let (mut m, mut sh) = machine("healthy");
    m.exec(&mut sh, "md C:\\work");
    m.exec(&mut sh, "powershell");
    assert_eq!(sh.mode, ShellMode::PowerShell);
    let r = m.exec(&mut sh, "$svc = 'TermService'");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 0));
    let r = m.exec(&mut sh, "$svc");
    assert_eq!(r.output, "TermService\r\n");
    let r = m.exec(&mut sh, "(Get-Service $svc).Status");
    assert_eq!(r.output, "Running\r\n");
    // A native program's exit code is still $LASTEXITCODE on the next line.
    m.exec(&mut sh, "reg query HKLM\\SOFTWARE\\NoSuchKey");
    assert_eq!(m.exec(&mut sh, "$LASTEXITCODE").output, "1\r\n");
    // Set-Location moves the prompt and relative paths.
    let r = m.exec(&mut sh, "Set-Location C:\\work");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 0));
    assert_eq!(sh.prompt(), "PS C:\\work> ");
    m.exec(&mut sh, "'hello' | Out-File -FilePath note.txt");
    assert!(m.state.fs.exists("C:\\work\\note.txt"));
    let r = m.exec(&mut sh, "cd C:\\nowhere");
    assert_eq!(r.exit_code, 1);
    // The record as Windows PowerShell 5.1 prints it on an 80-column console (lines wrapped
    // and indented by three blanks).
    assert_eq!(
        r.output,
        "Set-Location : Cannot find path 'C:\\nowhere' because it does not exist.\r\n\
         At line:1 char:1\r\n\
         + cd C:\\nowhere\r\n\
         + ~~~~~~~~~~~~~\r\n\
         \x20   + CategoryInfo          : ObjectNotFound: (C:\\nowhere:String) [Set-Location\r\n\
         \x20  ], ItemNotFoundException\r\n\
         \x20   + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.SetLoc\r\n\
         \x20  ationCommand\r\n\
         \x20\r\n"
    );
    assert_eq!(sh.prompt(), "PS C:\\work> ");
    // exit: back in cmd, in the directory cmd had; the session is gone.
    m.exec(&mut sh, "exit");
    assert_eq!(sh.prompt(), "C:\\Windows\\system32>");
    m.exec(&mut sh, "powershell");
    assert_eq!(m.exec(&mut sh, "$svc").output, "");
    m.exec(&mut sh, "exit");
}

#[test]
fn one_liners_are_separate_processes() {
    let (mut m, mut sh) = machine("healthy");
    m.exec(&mut sh, "md C:\\work");
    let (out, _) = ps(&mut m, &mut sh, "$x = 'kept'; Set-Location C:\\work; $x");
    assert_eq!(out, "kept\r\n");
    let (out, _) = ps(&mut m, &mut sh, "$x");
    assert_eq!(out, "");
    assert_eq!(sh.prompt(), "C:\\Windows\\system32>");
}
