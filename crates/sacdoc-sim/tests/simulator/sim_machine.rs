//! The simulated cmd.exe: exact output of each command against the layout of real captures
//! (the source of each expected format is named at its test), exit codes, `%errorlevel%` and
//! `call` expansion, redirection and `type`, pipes into the filters, reg round trips, services
//! with dependents, and reboot semantics.

use sacdoc_sim::machine::state::{RegValue, SvcState};
use sacdoc_sim::machine::{load_scenario, Effect, ExecResult, Machine, ShellMode, ShellState};

const RDP_TCP: &str =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp";

fn vm(name: &str) -> (Machine, ShellState) {
    let sc = load_scenario(name).expect("built-in scenario");
    let mut m = Machine::new(&sc);
    m.boot();
    (m, ShellState::default())
}

fn run(m: &mut Machine, sh: &mut ShellState, line: &str) -> ExecResult {
    m.exec(sh, line)
}

fn out(m: &mut Machine, sh: &mut ShellState, line: &str) -> String {
    m.exec(sh, line).output
}

fn pid_of(m: &Machine, service: &str) -> u32 {
    m.state.services.get(service).map(|s| s.pid).expect("service exists")
}

// ---------------------------------------------------------------------------------------------
// cmd.exe line handling

#[test]
fn unknown_command_prints_cmds_text_and_sets_9009() {
    let (mut m, mut sh) = vm("healthy");
    let r = run(&mut m, &mut sh, "foo bar");
    assert_eq!(
        r.output,
        "'foo' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
    );
    assert_eq!(r.exit_code, 9009);
    assert_eq!(out(&mut m, &mut sh, "echo %errorlevel%"), "9009\r\n");
}

#[test]
fn percent_variables_expand_once_when_the_line_is_read() {
    let (mut m, mut sh) = vm("healthy");
    // Same line: %errorlevel% was expanded before foo ran.
    let r = run(&mut m, &mut sh, "foo & echo %errorlevel%");
    assert!(r.output.ends_with("\r\n0\r\n"), "{:?}", r.output);
    // call expands again, after the caret is removed: it sees foo's code.
    let r = run(&mut m, &mut sh, "foo & call echo END%^errorlevel%");
    assert!(r.output.ends_with("END9009\r\n"), "{:?}", r.output);
    // Undefined variables stay as typed on the interactive command line.
    assert_eq!(out(&mut m, &mut sh, "echo %NOPE%x"), "%NOPE%x\r\n");
    assert_eq!(out(&mut m, &mut sh, "echo a^&b"), "a&b\r\n");
}

#[test]
fn environment_of_the_logged_in_user() {
    let (mut m, mut sh) = vm("healthy");
    assert_eq!(
        out(&mut m, &mut sh, "echo %TEMP%"),
        "C:\\Users\\azureuser\\AppData\\Local\\Temp\r\n"
    );
    assert_eq!(out(&mut m, &mut sh, "echo %SystemRoot% %windir%"), "C:\\Windows C:\\Windows\r\n");
    assert_eq!(out(&mut m, &mut sh, "echo %COMPUTERNAME%"), "WINSRV2019\r\n");
    run(&mut m, &mut sh, "set MARK=x y");
    assert_eq!(out(&mut m, &mut sh, "echo [%MARK%]"), "[x y]\r\n");
    assert_eq!(out(&mut m, &mut sh, "set MAR"), "MARK=x y\r\n");
    run(&mut m, &mut sh, "set MARK=");
    let r = run(&mut m, &mut sh, "set MARK");
    assert_eq!((r.output.as_str(), r.exit_code), ("Environment variable MARK not defined\r\n", 1));
    assert_eq!(out(&mut m, &mut sh, "whoami"), "winsrv2019\\azureuser\r\n");
    assert_eq!(out(&mut m, &mut sh, "hostname"), "WINSRV2019\r\n");
}

#[test]
fn chaining_operators_follow_exit_codes() {
    let (mut m, mut sh) = vm("healthy");
    // cmd keeps the blank before the operator in echo's text.
    assert_eq!(out(&mut m, &mut sh, "ver >nul && echo ok || echo bad"), "ok \r\n");
    let o = out(&mut m, &mut sh, "foo 2>nul && echo ok || echo bad");
    assert_eq!(o, "bad\r\n");
    assert_eq!(out(&mut m, &mut sh, "echo one& echo two"), "one\r\ntwo\r\n");
}

#[test]
fn echo_forms() {
    let (mut m, mut sh) = vm("healthy");
    assert_eq!(out(&mut m, &mut sh, "echo"), "ECHO is on.\r\n");
    assert_eq!(out(&mut m, &mut sh, "echo."), "\r\n");
    assert_eq!(out(&mut m, &mut sh, "echo \"quoted text\""), "\"quoted text\"\r\n");
    // ver: a blank line, then the version (build and UBR from the registry).
    assert_eq!(out(&mut m, &mut sh, "ver"), "\r\nMicrosoft Windows [Version 10.0.17763.6893]\r\n");
    m.set_os_build("20348", 2849, "Windows Server 2022 Datacenter");
    assert_eq!(out(&mut m, &mut sh, "ver"), "\r\nMicrosoft Windows [Version 10.0.20348.2849]\r\n");
    assert_eq!(m.info().build, "20348");
}

#[test]
fn redirection_into_files_and_type_back() {
    let (mut m, mut sh) = vm("healthy");
    let r = run(&mut m, &mut sh, "md c:\\temp");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 0));
    let r = run(&mut m, &mut sh, "md c:\\temp");
    assert_eq!(
        (r.output.as_str(), r.exit_code),
        ("A subdirectory or file c:\\temp already exists.\r\n", 1)
    );
    // cmd keeps the blank before `>` in echo's text.
    assert_eq!(out(&mut m, &mut sh, "echo first > c:\\temp\\a.txt"), "");
    assert_eq!(out(&mut m, &mut sh, "echo second>>c:\\temp\\a.txt"), "");
    assert_eq!(out(&mut m, &mut sh, "type c:\\temp\\a.txt"), "first \r\nsecond\r\n");
    // stderr: to the file with 2>&1, dropped with 2>nul, to the console otherwise.
    assert_eq!(out(&mut m, &mut sh, "foo > c:\\temp\\e.txt 2>&1"), "");
    assert!(out(&mut m, &mut sh, "type c:\\temp\\e.txt").starts_with("'foo' is not recognized"));
    assert!(out(&mut m, &mut sh, "foo > c:\\temp\\e2.txt").starts_with("'foo' is not recognized"));
    assert_eq!(out(&mut m, &mut sh, "type c:\\temp\\e2.txt"), "");
    // Input redirection feeds a filter.
    assert_eq!(out(&mut m, &mut sh, "findstr second < c:\\temp\\a.txt"), "second\r\n");
    // A missing folder fails the redirection, and the command does not run.
    let r = run(&mut m, &mut sh, "echo x > c:\\nope\\f.txt");
    assert_eq!(
        (r.output.as_str(), r.exit_code),
        ("The system cannot find the path specified.\r\n", 1)
    );
    let r = run(&mut m, &mut sh, "type c:\\temp\\missing.txt");
    assert_eq!(
        (r.output.as_str(), r.exit_code),
        ("The system cannot find the file specified.\r\n", 1)
    );
    // cd into it; relative names resolve there.
    run(&mut m, &mut sh, "cd c:\\temp");
    assert_eq!(sh.prompt(), "C:\\temp>");
    assert_eq!(out(&mut m, &mut sh, "type a.txt"), "first \r\nsecond\r\n");
    assert_eq!(out(&mut m, &mut sh, "copy a.txt b.txt"), "        1 file(s) copied.\r\n");
    assert_eq!(out(&mut m, &mut sh, "del b.txt"), "");
    assert_eq!(out(&mut m, &mut sh, "del b.txt"), "Could Not Find C:\\temp\\b.txt\r\n");
}

#[test]
fn pipes_into_findstr_find_more_and_sort() {
    let (mut m, mut sh) = vm("healthy");
    run(&mut m, &mut sh, "md c:\\t");
    run(&mut m, &mut sh, "echo Alpha one> c:\\t\\f.txt");
    run(&mut m, &mut sh, "echo beta two>> c:\\t\\f.txt");
    run(&mut m, &mut sh, "echo gamma alpha>> c:\\t\\f.txt");
    let p = |m: &mut Machine, sh: &mut ShellState, filter: &str| {
        out(m, sh, &format!("type c:\\t\\f.txt | {filter}"))
    };
    assert_eq!(p(&mut m, &mut sh, "findstr alpha"), "gamma alpha\r\n");
    assert_eq!(p(&mut m, &mut sh, "findstr /i alpha"), "Alpha one\r\ngamma alpha\r\n");
    assert_eq!(p(&mut m, &mut sh, "findstr \"one two\""), "Alpha one\r\nbeta two\r\n");
    assert_eq!(p(&mut m, &mut sh, "findstr /c:\"beta two\""), "beta two\r\n");
    assert_eq!(p(&mut m, &mut sh, "findstr /v /i alpha"), "beta two\r\n");
    assert_eq!(p(&mut m, &mut sh, "findstr /n beta"), "2:beta two\r\n");
    // A plain string is a regular expression; a /c: string is literal.
    assert_eq!(p(&mut m, &mut sh, "findstr b.ta"), "beta two\r\n");
    assert_eq!(p(&mut m, &mut sh, "findstr /c:\"b.ta\""), "");
    assert_eq!(p(&mut m, &mut sh, "findstr /b /i alpha"), "Alpha one\r\n");
    assert_eq!(p(&mut m, &mut sh, "findstr /e /i alpha"), "gamma alpha\r\n");
    assert_eq!(p(&mut m, &mut sh, "findstr /r \"^b.*o$\""), "beta two\r\n");
    assert_eq!(p(&mut m, &mut sh, "find /c \"a\""), "3\r\n");
    assert_eq!(p(&mut m, &mut sh, "find /i \"ALPHA\""), "Alpha one\r\ngamma alpha\r\n");
    assert_eq!(p(&mut m, &mut sh, "sort"), "Alpha one\r\nbeta two\r\ngamma alpha\r\n");
    let r = run(&mut m, &mut sh, "type c:\\t\\f.txt | findstr nothing");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 1));
    let r = run(&mut m, &mut sh, "type c:\\t\\f.txt | more +1");
    assert_eq!(r.output, "beta two\r\ngamma alpha\r\n");
    assert!(r.paged);
    assert!(!run(&mut m, &mut sh, "type c:\\t\\f.txt").paged);
}

#[test]
fn console_commands() {
    let (mut m, mut sh) = vm("healthy");
    assert_eq!(out(&mut m, &mut sh, "mode con cols=200 lines=50"), "");
    assert_eq!((sh.cols, sh.lines), (200, 50));
    assert!(out(&mut m, &mut sh, "mode con").contains("    Columns:        200\r\n"));
    assert_eq!(out(&mut m, &mut sh, "chcp 65001"), "Active code page: 65001\r\n");
    assert_eq!(run(&mut m, &mut sh, "cls").effect, Effect::ClearScreen);
    assert_eq!(run(&mut m, &mut sh, "exit").effect, Effect::ExitShell);
    assert_eq!(run(&mut m, &mut sh, "timeout /t 5").delay_ms, 5_000);
    let r = run(&mut m, &mut sh, "ping -t 10.0.0.1");
    assert_eq!(r.delay_ms, u64::MAX);
    assert!(r.output.starts_with("\r\nPinging 10.0.0.1 with 32 bytes of data:\r\nReply from 10.0.0.1: bytes=32 time<1ms TTL=128\r\n"));
    let r = run(&mut m, &mut sh, "ping -n 1 10.9.9.9");
    assert_eq!(r.exit_code, 1);
    assert!(r.output.contains("Request timed out.\r\n"));
    assert_eq!(run(&mut m, &mut sh, "shutdown /r /t 0").effect, Effect::Reboot { delay_ms: 0 });
    assert_eq!(run(&mut m, &mut sh, "shutdown /s /t 0").effect, Effect::Shutdown);
}

#[test]
fn interactive_powershell_switches_the_channel_mode() {
    let (mut m, mut sh) = vm("healthy");
    let r = run(&mut m, &mut sh, "powershell");
    assert_eq!(sh.mode, ShellMode::PowerShell);
    assert!(r.output.starts_with("Windows PowerShell\r\n"));
    assert_eq!(sh.prompt(), "PS C:\\Windows\\system32> ");
    run(&mut m, &mut sh, "exit");
    assert_eq!(sh.mode, ShellMode::Cmd);
}

#[test]
fn ipconfig_layout() {
    // kellyjonbrazil/jc tests/fixtures/windows/windows-2016/ipconfig.out: labels dotted to ": ".
    let (mut m, mut sh) = vm("healthy");
    let o = out(&mut m, &mut sh, "ipconfig");
    assert!(
        o.starts_with("\r\nWindows IP Configuration\r\n\r\n\r\nEthernet adapter Ethernet:\r\n\r\n"),
        "{o}"
    );
    assert!(o.contains("   IPv4 Address. . . . . . . . . . . : 10.0.0.4\r\n"), "{o}");
    assert!(o.contains("   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n"), "{o}");
    assert!(o.contains("   Default Gateway . . . . . . . . . : 10.0.0.1\r\n"), "{o}");
    assert!(o.contains("   Connection-specific DNS Suffix  . : "), "{o}");
    let all = out(&mut m, &mut sh, "ipconfig /all");
    assert!(all.contains("   Host Name . . . . . . . . . . . . : WINSRV2019\r\n"), "{all}");
    assert!(
        all.contains("   IPv4 Address. . . . . . . . . . . : 10.0.0.4(Preferred)\r\n"),
        "{all}"
    );
}

#[test]
fn certutil_encode_writes_pem_lines() {
    let (mut m, mut sh) = vm("healthy");
    run(&mut m, &mut sh, "md c:\\temp");
    run(&mut m, &mut sh, "echo hello> c:\\temp\\in.bin");
    let r = run(&mut m, &mut sh, "certutil -encode c:\\temp\\in.bin c:\\temp\\out.cer");
    assert_eq!(r.exit_code, 0);
    assert!(r.output.ends_with("CertUtil: -encode command completed successfully.\r\n"));
    assert_eq!(
        out(&mut m, &mut sh, "type c:\\temp\\out.cer"),
        "-----BEGIN CERTIFICATE-----\r\naGVsbG8NCg==\r\n-----END CERTIFICATE-----\r\n"
    );
    let r = run(&mut m, &mut sh, "certutil -encode c:\\temp\\in.bin c:\\temp\\out.cer");
    assert!(r.output.contains("ERROR_FILE_EXISTS"));
}

// ---------------------------------------------------------------------------------------------
// netstat: layout of kellyjonbrazil/jc tests/fixtures/windows/windows-10/netstat-aonb.out

#[test]
fn netstat_anob_rows_and_owner_lines() {
    let (mut m, mut sh) = vm("healthy");
    let o = out(&mut m, &mut sh, "netstat -anob");
    assert!(o.starts_with(
        "\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n"
    ));
    let ts = pid_of(&m, "TermService");
    let row = format!(
        "  TCP    0.0.0.0:3389           0.0.0.0:0              LISTENING       {ts}\r\n  TermService\r\n [svchost.exe]\r\n"
    );
    assert!(o.contains(&row), "{o}");
    assert!(o.contains("  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING       4\r\n Can not obtain ownership information\r\n"));
    assert!(o.contains(&format!("  UDP    0.0.0.0:3389           *:*                                    {ts}\r\n  TermService\r\n")));
    assert!(o.contains(&format!(
        "  TCP    [::]:3389              [::]:0                 LISTENING       {ts}\r\n"
    )));
    // Column for column as in the jc fixture (its row for RpcSs on 135, PID 1712, and a UDP row).
    let fixture_tcp = "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712";
    let rpc = pid_of(&m, "RpcSs");
    assert!(
        o.contains(&format!("{}{rpc}\r\n  RpcSs\r\n [svchost.exe]\r\n", &fixture_tcp[..71])),
        "{o}"
    );
    let fixture_udp = "  UDP    0.0.0.0:500            *:*                                    6856";
    let udp_row = o.lines().find(|l| l.starts_with("  UDP    0.0.0.0:3389 ")).unwrap_or_default();
    assert_eq!(udp_row.find(&ts.to_string()), fixture_udp.find("6856"), "{udp_row}");
    // Every order of the flags is the same command.
    for flags in ["-abno", "-a -n -o -b", "-onab"] {
        assert_eq!(out(&mut m, &mut sh, &format!("netstat {flags}")), o, "{flags}");
    }
}

#[test]
fn netstat_an_without_pid_column_and_protocol_filter() {
    let (mut m, mut sh) = vm("healthy");
    let o = out(&mut m, &mut sh, "netstat -an");
    assert!(o.contains("  Proto  Local Address          Foreign Address        State\r\n"));
    assert!(o.contains("  TCP    0.0.0.0:3389           0.0.0.0:0              LISTENING\r\n"));
    // netstat-an.out pads UDP rows to the state column.
    assert!(o.contains("  UDP    0.0.0.0:3389           *:*                    \r\n"));
    let tcp = out(&mut m, &mut sh, "netstat -ano -p tcp");
    assert!(!tcp.contains("UDP") && !tcp.contains("[::]"));
    // Without -a there are no listeners.
    assert!(!out(&mut m, &mut sh, "netstat -no").contains("LISTENING"));
}

// ---------------------------------------------------------------------------------------------
// tasklist: header and ruler of command-outputs.md section 5; /svc wrapping as in the
// windowsitpro.com "JSI Tip 4660" listing (44 columns, continuation indented 35).

#[test]
fn tasklist_table_csv_list_and_filters() {
    let (mut m, mut sh) = vm("healthy");
    let o = out(&mut m, &mut sh, "tasklist");
    assert!(o.starts_with(
        "\r\nImage Name                     PID Session Name        Session#    Mem Usage\r\n========================= ======== ================ =========== ============\r\nSystem Idle Process              0 Services                   0          8 K\r\nSystem                           4 Services                   0        140 K\r\n"
    ));
    let ts = pid_of(&m, "TermService");
    let svc = out(&mut m, &mut sh, &format!("tasklist /svc /fi \"PID eq {ts}\""));
    assert_eq!(
        svc,
        format!(
            "\r\nImage Name                     PID Services\r\n========================= ======== ============================================\r\n{:<25} {ts:>8} {:<44}\r\n",
            "svchost.exe", "TermService"
        )
    );
    let wrapped = out(&mut m, &mut sh, "tasklist /svc /fi \"SERVICES eq Power\"");
    assert!(
        wrapped.contains(&format!(
            "{:<44}\r\n{}SystemEventsBroker",
            "DcomLaunch, PlugPlay, Power,",
            " ".repeat(35).as_str().to_owned() + ""
        )),
        "{wrapped}"
    );
    let csv = out(&mut m, &mut sh, "tasklist /svc /fo csv /nh /fi \"IMAGENAME eq lsass.exe\"");
    assert_eq!(csv, "\"lsass.exe\",\"648\",\"SamSs,KeyIso\"\r\n");
    let list = out(&mut m, &mut sh, "tasklist /fo list /fi \"PID eq 4\"");
    assert_eq!(list, "\r\nImage Name:   System\r\nPID:          4\r\nSession Name: Services\r\nSession#:     0\r\nMem Usage:    140 K\r\n");
    let none = run(&mut m, &mut sh, "tasklist /fi \"IMAGENAME eq nothing.exe\"");
    assert_eq!(
        (none.output.as_str(), none.exit_code),
        ("INFO: No tasks are running which match the specified criteria.\r\n", 0)
    );
    let bad = run(&mut m, &mut sh, "tasklist /fi \"FOO eq 1\"");
    assert_eq!(
        (bad.output.as_str(), bad.exit_code),
        ("ERROR: The search filter cannot be recognized.\r\n", 1)
    );
}

// ---------------------------------------------------------------------------------------------
// sc: command-outputs.md section 4 (labels padded to 19, flag line at column 32, codes after FAILED)

#[test]
fn sc_query_and_qc_blocks() {
    let (mut m, mut sh) = vm("healthy");
    let q = out(&mut m, &mut sh, "sc query termservice");
    assert_eq!(
        q,
        "\r\nSERVICE_NAME: termservice\r\n        TYPE               : 30  WIN32  \r\n        STATE              : 4  RUNNING \r\n                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\r\n        WIN32_EXIT_CODE    : 0  (0x0)\r\n        SERVICE_EXIT_CODE  : 0  (0x0)\r\n        CHECKPOINT         : 0x0\r\n        WAIT_HINT          : 0x0\r\n\r\n"
    );
    let qc = out(&mut m, &mut sh, "sc qc SessionEnv");
    assert_eq!(
        qc,
        "[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: SessionEnv\r\n        TYPE               : 20  WIN32_SHARE_PROCESS \r\n        START_TYPE         : 3   DEMAND_START\r\n        ERROR_CONTROL      : 1   NORMAL\r\n        BINARY_PATH_NAME   : C:\\Windows\\System32\\svchost.exe -k netsvcs -p\r\n        LOAD_ORDER_GROUP   : \r\n        TAG                : 0\r\n        DISPLAY_NAME       : Remote Desktop Configuration\r\n        DEPENDENCIES       : RPCSS\r\n                           : LanmanWorkstation\r\n        SERVICE_START_NAME : LocalSystem\r\n"
    );
    let ex = out(&mut m, &mut sh, "sc queryex TermService");
    assert!(ex.contains(&format!(
        "        PID                : {}\r\n        FLAGS              : \r\n",
        pid_of(&m, "TermService")
    )));
    let all = out(&mut m, &mut sh, "sc query type= service state= all");
    assert!(all.contains("SERVICE_NAME: wuauserv\r\nDISPLAY_NAME: Windows Update\r\n"));
    assert!(!out(&mut m, &mut sh, "sc query").contains("SERVICE_NAME: wuauserv\r\n"));
    let r = run(&mut m, &mut sh, "sc query nosuch");
    assert_eq!(
        (r.output.as_str(), r.exit_code),
        ("[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n\r\n", 1060)
    );
}

#[test]
fn sc_start_stop_config_and_errors() {
    let (mut m, mut sh) = vm("healthy");
    let r = run(&mut m, &mut sh, "sc start TermService");
    assert_eq!(r.exit_code, 1056);
    assert!(r.output.starts_with(
        "[SC] StartService FAILED 1056:\r\n\r\nAn instance of the service is already running.\r\n"
    ));
    // TermService has a running dependent (UmRdpService): sc refuses.
    let r = run(&mut m, &mut sh, "sc stop TermService");
    assert_eq!(r.exit_code, 1051);
    assert!(r.output.starts_with("[SC] ControlService FAILED 1051:"));
    let r = run(&mut m, &mut sh, "sc stop UmRdpService");
    assert_eq!(r.exit_code, 0);
    assert!(r.output.contains("        STATE              : 3  STOP_PENDING \r\n"));
    let r = run(&mut m, &mut sh, "sc stop UmRdpService");
    assert_eq!(r.exit_code, 1062);
    assert!(r.output.contains("The service has not been started."));
    assert_eq!(run(&mut m, &mut sh, "sc stop TermService").exit_code, 0);
    assert!(!out(&mut m, &mut sh, "netstat -ano").contains(":3389 "));
    let r = run(&mut m, &mut sh, "sc start TermService");
    assert_eq!(r.exit_code, 0);
    assert!(r.output.contains("        STATE              : 2  START_PENDING \r\n"));
    assert!(out(&mut m, &mut sh, "netstat -ano").contains("  TCP    0.0.0.0:3389 "));
    // Not stoppable (gpsvc), and disabled services.
    assert_eq!(run(&mut m, &mut sh, "sc stop gpsvc").exit_code, 1052);
    assert_eq!(
        out(&mut m, &mut sh, "sc config wuauserv start= disabled"),
        "[SC] ChangeServiceConfig SUCCESS\r\n"
    );
    let r = run(&mut m, &mut sh, "sc start wuauserv");
    assert_eq!(r.exit_code, 1058);
    assert_eq!(
        m.state.registry.get("HKLM\\SYSTEM\\CurrentControlSet\\Services\\wuauserv", "Start"),
        Some(&RegValue::Dword(4))
    );
    assert_eq!(run(&mut m, &mut sh, "sc config wuauserv start=auto").exit_code, 1639);
    run(&mut m, &mut sh, "sc config wuauserv start= delayed-auto");
    assert!(out(&mut m, &mut sh, "sc qc wuauserv")
        .contains("        START_TYPE         : 2   AUTO_START  (DELAYED)\r\n"));
}

#[test]
fn net_stop_takes_dependents_with_it() {
    let (mut m, mut sh) = vm("healthy");
    let o = out(&mut m, &mut sh, "net stop TermService /y");
    assert!(o.contains(
        "The Remote Desktop Services UserMode Port Redirector service was stopped successfully."
    ));
    assert!(o.contains("The Remote Desktop Services service was stopped successfully."));
    assert_eq!(m.state.services.get("UmRdpService").map(|s| s.state), Some(SvcState::Stopped));
    assert!(out(&mut m, &mut sh, "net start TermService").contains("was started successfully"));
}

#[test]
fn taskkill_ends_a_process_and_its_services() {
    let (mut m, mut sh) = vm("healthy");
    let pid = pid_of(&m, "Spooler");
    let r = run(&mut m, &mut sh, &format!("taskkill /pid {pid}"));
    assert!(r.output.contains("can only be terminated forcefully"));
    let r = run(&mut m, &mut sh, &format!("taskkill /f /pid {pid}"));
    assert_eq!(r.output, format!("SUCCESS: The process with PID {pid} has been terminated.\r\n"));
    assert!(out(&mut m, &mut sh, "sc query spooler").contains("WIN32_EXIT_CODE    : 1067  (0x42b)"));
    assert_eq!(run(&mut m, &mut sh, "taskkill /f /pid 4").exit_code, 1);
}

// ---------------------------------------------------------------------------------------------
// reg: byte layout of wine-mirror/wine programs/reg/tests/query.c (conformant with Windows)

#[test]
fn reg_query_layout_values_subkeys_and_recursion() {
    let (mut m, mut sh) = vm("healthy");
    let k = "HKCU\\Software\\SacdocTest";
    for l in [
        format!("reg add {k} /v Test1 /t REG_SZ /d \"Hello, World\" /f"),
        format!("reg add {k} /v Test2 /t REG_DWORD /d 0x123 /f"),
        format!("reg add {k}\\subkey /v Test3 /t REG_SZ /d \"Some string data\" /f"),
    ] {
        let r = run(&mut m, &mut sh, &l);
        assert_eq!(
            (r.output.as_str(), r.exit_code),
            ("The operation completed successfully.\r\n", 0),
            "{l}"
        );
    }
    assert_eq!(
        out(&mut m, &mut sh, &format!("reg query {k}")),
        "\r\nHKEY_CURRENT_USER\\Software\\SacdocTest\r\n    Test1    REG_SZ    Hello, World\r\n    Test2    REG_DWORD    0x123\r\n\r\nHKEY_CURRENT_USER\\Software\\SacdocTest\\subkey\r\n"
    );
    assert_eq!(
        out(&mut m, &mut sh, &format!("reg query {k} /v Test1")),
        "\r\nHKEY_CURRENT_USER\\Software\\SacdocTest\r\n    Test1    REG_SZ    Hello, World\r\n\r\n"
    );
    assert_eq!(
        out(&mut m, &mut sh, &format!("reg query {k} /s")),
        "\r\nHKEY_CURRENT_USER\\Software\\SacdocTest\r\n    Test1    REG_SZ    Hello, World\r\n    Test2    REG_DWORD    0x123\r\n\r\nHKEY_CURRENT_USER\\Software\\SacdocTest\\subkey\r\n    Test3    REG_SZ    Some string data\r\n\r\n"
    );
    assert_eq!(
        out(&mut m, &mut sh, &format!("reg query {k} /ve")),
        "\r\nHKEY_CURRENT_USER\\Software\\SacdocTest\r\n    (Default)    REG_SZ    (value not set)\r\n\r\n"
    );
    let r = run(&mut m, &mut sh, &format!("reg query {k} /v Missing"));
    assert_eq!(
        (r.output.as_str(), r.exit_code),
        ("ERROR: The system was unable to find the specified registry key or value.\r\n", 1)
    );
    // The header echoes the path as typed; CurrentControlSet is ControlSet001.
    let o = out(&mut m, &mut sh, &format!("reg query \"{RDP_TCP}\" /v PortNumber"));
    assert_eq!(
        o,
        format!(
            "\r\nHKEY_LOCAL_MACHINE{}\r\n    PortNumber    REG_DWORD    0xd3d\r\n\r\n",
            &RDP_TCP[4..]
        )
    );
    let o = out(&mut m, &mut sh, "reg query \"hklm\\system\\controlset001\\control\\terminal server\\winstations\\rdp-tcp\" /v portnumber");
    assert!(o.contains("HKEY_LOCAL_MACHINE\\system\\controlset001\\control\\terminal server\\winstations\\rdp-tcp\r\n    portnumber    REG_DWORD    0xd3d"));
    let o = out(&mut m, &mut sh, &format!("reg query {k} /f Hello /s"));
    assert!(o.ends_with("End of search: 1 match(es) found.\r\n"), "{o}");
    let r = run(&mut m, &mut sh, "reg query HKXX\\Software");
    assert_eq!(r.exit_code, 1);
    assert!(r.output.starts_with("ERROR: Invalid key name."));
}

#[test]
fn reg_delete_and_prompts() {
    let (mut m, mut sh) = vm("healthy");
    let k = "HKLM\\SOFTWARE\\SacdocDel";
    run(&mut m, &mut sh, &format!("reg add {k} /v A /t REG_DWORD /d 1 /f"));
    // An existing value without /f: the question gets no answer over the line.
    let r = run(&mut m, &mut sh, &format!("reg add {k} /v A /t REG_DWORD /d 2"));
    assert_eq!(r.exit_code, 1);
    assert_eq!(m.state.registry.get(k, "A"), Some(&RegValue::Dword(1)));
    assert_eq!(run(&mut m, &mut sh, &format!("reg delete {k} /v A /f")).exit_code, 0);
    assert_eq!(run(&mut m, &mut sh, &format!("reg delete {k} /v A /f")).exit_code, 1);
    assert_eq!(run(&mut m, &mut sh, &format!("reg delete {k} /f")).exit_code, 0);
    assert_eq!(run(&mut m, &mut sh, &format!("reg query {k}")).exit_code, 1);
    assert_eq!(
        run(&mut m, &mut sh, "reg add HKLM\\SOFTWARE\\X /v D /t REG_DWORD /d nope /f").exit_code,
        1
    );
}

#[test]
fn reg_export_then_import_restores_values() {
    let (mut m, mut sh) = vm("healthy");
    run(&mut m, &mut sh, "md c:\\temp");
    let r = run(&mut m, &mut sh, &format!("reg export \"{RDP_TCP}\" c:\\temp\\rdp.reg /y"));
    assert_eq!((r.output.as_str(), r.exit_code), ("The operation completed successfully.\r\n", 0));
    let bytes = m.state.fs.read_file("C:\\temp\\rdp.reg").expect("exported");
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "UTF-16LE with BOM");
    let text = out(&mut m, &mut sh, "type c:\\temp\\rdp.reg");
    assert!(text.starts_with("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\Terminal Server\\WinStations\\RDP-Tcp]\r\n\"PortNumber\"=dword:00000d3d\r\n"), "{text}");
    // Without /y an existing file is not overwritten.
    assert_eq!(
        run(&mut m, &mut sh, &format!("reg export \"{RDP_TCP}\" c:\\temp\\rdp.reg")).exit_code,
        1
    );
    run(&mut m, &mut sh, &format!("reg add \"{RDP_TCP}\" /v PortNumber /t REG_DWORD /d 3390 /f"));
    run(&mut m, &mut sh, &format!("reg delete \"{RDP_TCP}\" /v SecurityLayer /f"));
    let r = run(&mut m, &mut sh, "reg import c:\\temp\\rdp.reg");
    assert_eq!((r.output.as_str(), r.exit_code), ("The operation completed successfully.\r\n", 0));
    assert_eq!(m.state.registry.get(RDP_TCP, "PortNumber"), Some(&RegValue::Dword(3389)));
    assert_eq!(m.state.registry.get(RDP_TCP, "SecurityLayer"), Some(&RegValue::Dword(2)));
    let r = run(&mut m, &mut sh, "reg import c:\\temp\\none.reg");
    assert_eq!(r.exit_code, 1);
}

// ---------------------------------------------------------------------------------------------
// bcdedit: layout of the Windows 10 `bcdedit` listing (element names padded to 24)

#[test]
fn bcdedit_enum_set_and_ems() {
    let (mut m, mut sh) = vm("healthy");
    let o = out(&mut m, &mut sh, "bcdedit /enum");
    assert!(o.starts_with(
        "\r\nWindows Boot Manager\r\n--------------------\r\nidentifier              {bootmgr}\r\n"
    ));
    assert!(o.contains(
        "\r\nWindows Boot Loader\r\n-------------------\r\nidentifier              {current}\r\n"
    ));
    assert!(o.contains("ems                     Yes\r\n"));
    assert!(!o.contains("EMS Settings"));
    let all = out(&mut m, &mut sh, "bcdedit /enum all");
    assert!(all.contains("EMS Settings\r\n------------\r\nidentifier              {emssettings}\r\nbootems                 Yes\r\n"));
    let v = out(&mut m, &mut sh, "bcdedit /enum {bootmgr} /v");
    assert!(v.contains("identifier              {9dea862c-5cdd-4e70-acc1-f32b344d4795}\r\n"));
    assert_eq!(
        out(&mut m, &mut sh, "bcdedit /set {bootmgr} displaybootmenu yes"),
        "The operation completed successfully.\r\n"
    );
    assert!(
        out(&mut m, &mut sh, "bcdedit /enum {bootmgr}").contains("displaybootmenu         Yes\r\n")
    );
    run(&mut m, &mut sh, "bcdedit /ems {current} off");
    assert!(out(&mut m, &mut sh, "bcdedit").contains("ems                     No\r\n"));
    run(&mut m, &mut sh, "bcdedit /emssettings EMSPORT:1 EMSBAUDRATE:115200");
    let e = out(&mut m, &mut sh, "bcdedit /enum {emssettings}");
    assert!(e.contains("emsport                 1\r\nemsbaudrate             115200\r\n"), "{e}");
    assert_eq!(run(&mut m, &mut sh, "bcdedit /set {nosuch} ems yes").exit_code, 1);
    assert_eq!(run(&mut m, &mut sh, "bcdedit /set {bootmgr} bogus 1").exit_code, 1);
    // Export, change, import: the change is undone.
    run(&mut m, &mut sh, "md c:\\temp");
    let before = out(&mut m, &mut sh, "bcdedit /enum all");
    assert_eq!(
        out(&mut m, &mut sh, "bcdedit /export c:\\temp\\bcd-backup"),
        "The operation completed successfully.\r\n"
    );
    run(&mut m, &mut sh, "bcdedit /set {bootmgr} timeout 5");
    assert_ne!(out(&mut m, &mut sh, "bcdedit /enum all"), before);
    assert_eq!(
        out(&mut m, &mut sh, "bcdedit /import c:\\temp\\bcd-backup"),
        "The operation completed successfully.\r\n"
    );
    assert_eq!(out(&mut m, &mut sh, "bcdedit /enum all"), before);
    let r = run(&mut m, &mut sh, "bcdedit /store F:\\boot\\bcd /enum");
    assert_eq!(r.exit_code, 1);
    assert!(r.output.contains("could not be opened"));
}

// ---------------------------------------------------------------------------------------------
// Reboot semantics and group policy

#[test]
fn reboot_starts_services_by_start_type_and_reloads_scm_config() {
    let (mut m, mut sh) = vm("healthy");
    // reg add changes the registry; SCM keeps its copy until the next boot.
    run(
        &mut m,
        &mut sh,
        "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\Spooler /v Start /t REG_DWORD /d 4 /f",
    );
    assert!(out(&mut m, &mut sh, "sc qc Spooler").contains("2   AUTO_START"));
    let before = m.state.now();
    m.boot();
    assert!(m.state.now() > before, "a restart takes time");
    assert!(out(&mut m, &mut sh, "sc qc Spooler").contains("4   DISABLED"));
    assert!(out(&mut m, &mut sh, "sc query Spooler").contains("STATE              : 1  STOPPED"));
    assert!(out(&mut m, &mut sh, "sc query Spooler").contains("WIN32_EXIT_CODE    : 1077  (0x435)"));
    // A demand service is not started at boot unless triggered; TermService is.
    assert_eq!(m.state.services.get("wuauserv").map(|s| s.state), Some(SvcState::Stopped));
    assert_eq!(m.state.services.get("TermService").map(|s| s.state), Some(SvcState::Running));
    // A changed RDP port is used by TermService after a restart of the service.
    run(&mut m, &mut sh, &format!("reg add \"{RDP_TCP}\" /v PortNumber /t REG_DWORD /d 3390 /f"));
    run(&mut m, &mut sh, "net stop TermService /y");
    run(&mut m, &mut sh, "net start TermService");
    assert!(out(&mut m, &mut sh, "netstat -ano").contains("  TCP    0.0.0.0:3390 "));
}

#[test]
fn gpupdate_needs_the_group_policy_client() {
    let (mut m, mut sh) = vm("healthy");
    let r = run(&mut m, &mut sh, "gpupdate /force");
    assert_eq!(
        (r.output.as_str(), r.exit_code),
        ("Updating policy...\r\n\r\nComputer Policy update has completed successfully.\r\nUser Policy update has completed successfully.\r\n\r\n", 0)
    );
    run(
        &mut m,
        &mut sh,
        "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\gpsvc /v Start /t REG_DWORD /d 4 /f",
    );
    m.boot();
    assert_eq!(run(&mut m, &mut sh, "gpupdate /force").exit_code, 1);
    assert!(out(&mut m, &mut sh, "gpresult /r").contains("Applied Group Policy Objects"));
}

// ---------------------------------------------------------------------------------------------
// Robustness: any line, however mangled, gets an answer and never a panic.

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(100))]
    #[test]
    fn any_line_is_answered_without_panicking(
        cmd in proptest::sample::select(vec![
            "echo", "set", "cd", "md", "type", "del", "copy", "dir", "reg", "reg query", "reg add",
            "reg delete", "reg export", "reg import", "reg load", "sc", "sc query", "sc config",
            "netstat", "tasklist", "taskkill", "bcdedit", "bcdedit /set", "findstr", "find", "more",
            "sort", "mode", "chcp", "ping", "timeout", "certutil", "gpupdate", "gpresult", "call",
            "shutdown", "net", "F:", "foo",
        ]),
        rest in "[a-zA-Z0-9 %^&|<>\"/\\:.=,{}é*+-]{0,40}",
    ) {
        let (mut m, mut sh) = vm("healthy");
        let r = m.exec(&mut sh, &format!("{cmd} {rest}"));
        proptest::prop_assert!(r.output.len() < 1_000_000);
    }
}

// ---------------------------------------------------------------------------------------------
// Parenthesised blocks, as cmd.exe parses them

/// The rows of `netstat -ano` whose text contains `needle`, as the machine prints them.
fn netstat_rows(m: &mut Machine, sh: &mut ShellState, needle: &str) -> String {
    let all = out(m, sh, "netstat -ano");
    all.split_inclusive("\r\n").filter(|l| l.contains(needle)).collect()
}

#[test]
fn block_redirection_applies_to_every_command_inside() {
    let (mut m, mut sh) = vm("healthy");
    let rows = netstat_rows(&mut m, &mut sh, ":3389 ");
    assert!(rows.contains("LISTENING"), "{rows:?}");
    // The form the client runner sends: redirections before the block.
    let r = run(&mut m, &mut sh, ">\"%TEMP%\\x.txt\" 2>&1 (netstat -ano | findstr /c:\":3389 \")");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 0));
    assert_eq!(out(&mut m, &mut sh, "type \"%TEMP%\\x.txt\""), rows);
    // Redirections after the block, stderr included.
    let r = run(&mut m, &mut sh, "(echo one & nosuch & echo two) > c:\\b.txt 2>&1");
    assert_eq!(r.output, "");
    assert_eq!(
        out(&mut m, &mut sh, "type c:\\b.txt"),
        "one \r\n'nosuch' is not recognized as an internal or external command,\r\n\
         operable program or batch file.\r\ntwo\r\n"
    );
    // Without 2>&1 the error still reaches the console.
    let r = run(&mut m, &mut sh, "(echo one& nosuch) >c:\\c.txt");
    assert!(r.output.starts_with("'nosuch' is not recognized"), "{:?}", r.output);
    assert_eq!(out(&mut m, &mut sh, "type c:\\c.txt"), "one\r\n");
    // 2>nul on the block silences every command inside.
    assert_eq!(out(&mut m, &mut sh, "(nosuch & echo ok) 2>nul"), "ok\r\n");
}

#[test]
fn redirection_before_a_pipe_without_parentheses_belongs_to_the_first_command() {
    let (mut m, mut sh) = vm("healthy");
    let all = out(&mut m, &mut sh, "netstat -ano");
    // cmd.exe: netstat's output goes to the file, findstr reads nothing and fails.
    let r = run(&mut m, &mut sh, ">c:\\n.txt 2>&1 netstat -ano | findstr /c:\":3389 \"");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 1));
    assert_eq!(out(&mut m, &mut sh, "type c:\\n.txt"), all);
    // In parentheses the same line writes only the matching rows.
    let rows = netstat_rows(&mut m, &mut sh, ":3389 ");
    let r = run(&mut m, &mut sh, ">c:\\n.txt 2>&1 (netstat -ano | findstr /c:\":3389 \")");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 0));
    assert_eq!(out(&mut m, &mut sh, "type c:\\n.txt"), rows);
}

#[test]
fn blocks_chain_nest_pipe_and_quote() {
    let (mut m, mut sh) = vm("healthy");
    assert_eq!(out(&mut m, &mut sh, "(echo a) & (echo b)"), "a\r\nb\r\n");
    assert_eq!(out(&mut m, &mut sh, "((echo a) & (echo b & (echo c)))"), "a\r\nb \r\nc\r\n");
    // A `)` in double quotes is text; outside a block `(` after a word and `)` are text.
    assert_eq!(out(&mut m, &mut sh, "(echo \"x)y\")"), "\"x)y\"\r\n");
    assert_eq!(out(&mut m, &mut sh, "echo (x)"), "(x)\r\n");
    assert_eq!(out(&mut m, &mut sh, "(echo ^)x)"), ")x\r\n");
    // A block's output can be piped, and a block can read a pipe.
    assert_eq!(out(&mut m, &mut sh, "(echo alpha & echo beta) | findstr beta"), "beta\r\n");
    assert_eq!(out(&mut m, &mut sh, "echo gamma | (findstr gam)"), "gamma \r\n");
    // Exit codes: && and || look at the block's last command; %errorlevel% is set inside.
    assert_eq!(out(&mut m, &mut sh, "(echo x | findstr y) || echo none"), "none\r\n");
    assert_eq!(out(&mut m, &mut sh, "(nosuch 2>nul) && echo yes || echo no"), "no\r\n");
    assert_eq!(out(&mut m, &mut sh, "echo %errorlevel%"), "9009\r\n");
    // A redirection's file name inside a block ends at the `)`.
    assert_eq!(out(&mut m, &mut sh, "(echo in>c:\\p.txt)"), "");
    assert_eq!(out(&mut m, &mut sh, "type c:\\p.txt"), "in\r\n");
}

#[test]
fn an_open_block_asks_for_more_and_bad_text_after_a_block_is_a_syntax_error() {
    let (mut m, mut sh) = vm("healthy");
    let r = run(&mut m, &mut sh, "(echo first");
    assert_eq!(r.output, "");
    assert_eq!(sh.prompt(), "More? ");
    assert_eq!(out(&mut m, &mut sh, "echo second"), "");
    assert_eq!(out(&mut m, &mut sh, ") > c:\\m.txt"), "");
    assert_eq!(sh.prompt(), "C:\\Windows\\system32>");
    assert_eq!(out(&mut m, &mut sh, "type c:\\m.txt"), "first\r\nsecond\r\n");
    // Nothing on a line with a syntax error runs.
    let r = run(&mut m, &mut sh, "echo ran > c:\\s.txt & (echo a) b");
    assert_eq!(r.output, "b was unexpected at this time.\r\n");
    assert!(out(&mut m, &mut sh, "type c:\\s.txt").contains("cannot find"));
}

#[test]
fn nul_is_the_null_device_for_type_copy_and_redirection() {
    let (mut m, mut sh) = vm("healthy");
    let r = run(&mut m, &mut sh, "type nul");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 0));
    // `type nul > file` makes an empty file (the usual way to create or truncate one).
    run(&mut m, &mut sh, "echo old> c:\\e.txt");
    let r = run(&mut m, &mut sh, "type nul > c:\\e.txt");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 0));
    assert_eq!(m.state.fs.read_file("C:\\e.txt"), Some(Vec::new()));
    assert_eq!(run(&mut m, &mut sh, "type NUL: >> c:\\e.txt").exit_code, 0);
    assert_eq!(m.state.fs.read_file("C:\\e.txt"), Some(Vec::new()));
    assert_eq!(out(&mut m, &mut sh, "copy nul c:\\f.txt"), "        1 file(s) copied.\r\n");
    assert_eq!(m.state.fs.read_file("C:\\f.txt"), Some(Vec::new()));
    assert_eq!(out(&mut m, &mut sh, "copy c:\\e.txt nul"), "        1 file(s) copied.\r\n");
    assert!(!m.state.fs.exists("C:\\Windows\\system32\\nul"));
    // Reading nul as input gives a filter nothing to match.
    let r = run(&mut m, &mut sh, "findstr x < nul");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 1));
    assert_eq!(out(&mut m, &mut sh, "echo gone > c:\\temp\\nul"), "");
}
/// The lines of `text` that `keep` accepts, with their line ends.
fn rows_where(text: &str, keep: impl Fn(&str) -> bool) -> String {
    text.split_inclusive("\r\n").filter(|l| keep(l.trim_end_matches("\r\n"))).collect()
}

#[test]
fn findstr_on_netstat_prints_exactly_the_matching_rows_and_sets_its_exit_code() {
    // A second service listens on 33890: ":3389" matches its rows, ":3389 " does not.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("two-ports.toml");
    std::fs::write(
        &path,
        "name = \"two-ports\"\n[services.Helper]\ndisplay = \"Helper\"\n\
         image = 'C:\\Windows\\helper.exe'\ntype = \"own\"\nstart = \"auto\"\n\
         listen = [\"tcp 0.0.0.0:33890\"]\n",
    )
    .expect("write");
    let sc = load_scenario(&path.to_string_lossy()).expect("scenario file");
    let mut m = Machine::new(&sc);
    m.boot();
    let mut sh = ShellState::default();
    let all = out(&mut m, &mut sh, "netstat -ano");
    let exact = rows_where(&all, |l| l.contains(":3389 "));
    let loose = rows_where(&all, |l| l.contains(":3389"));
    assert!(exact.contains("LISTENING") && loose.contains(":33890 "), "{all}");
    assert_ne!(exact, loose);

    let r = run(&mut m, &mut sh, "netstat -ano | findstr /c:\":3389 \"");
    assert_eq!((r.output.as_str(), r.exit_code), (exact.as_str(), 0));
    let r = run(&mut m, &mut sh, "netstat -ano | findstr \":3389\"");
    assert_eq!((r.output.as_str(), r.exit_code), (loose.as_str(), 0));
    // "a b" without /c: is two strings, either matches: ":3389 " is just ":3389".
    assert_eq!(out(&mut m, &mut sh, "netstat -ano | findstr \":3389 \""), loose);
    let listening =
        rows_where(&all, |l| l.find(":3389 ").is_some_and(|i| l[i..].contains("LISTENING")));
    let r = run(&mut m, &mut sh, "netstat -ano | findstr /r /c:\":3389 .*LISTENING\"");
    assert_eq!((r.output.as_str(), r.exit_code), (listening.as_str(), 0));
    assert!(!listening.contains("UDP") && listening.contains("[::]:3389"), "{listening}");
    // /i: case-insensitive; without it the case must match.
    let r = run(&mut m, &mut sh, "netstat -ano | findstr /i /c:\":3389 .*listening\" /r");
    assert_eq!(r.output, listening);
    let r = run(&mut m, &mut sh, "netstat -ano | findstr /r /c:\":3389 .*listening\"");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 1));
    // Nothing matched: no output, exit code 1 (also in %errorlevel% and for ||).
    let r = run(&mut m, &mut sh, "netstat -ano | findstr /c:\":3390 \"");
    assert_eq!((r.output.as_str(), r.exit_code), ("", 1));
    assert_eq!(out(&mut m, &mut sh, "echo %errorlevel%"), "1\r\n");
    assert_eq!(
        out(&mut m, &mut sh, "netstat -ano | findstr /c:\":3390 \" >nul || echo free"),
        "free\r\n"
    );
    assert_eq!(
        out(&mut m, &mut sh, "netstat -ano | findstr /c:\":3389 \" >nul && echo taken"),
        "taken\r\n"
    );
}

// ---------------------------------------------------------------------------------------------
// if and for at the interactive prompt

#[test]
fn if_tests_errorlevel_existence_strings_and_runs_else_blocks() {
    let (mut m, mut sh) = vm("healthy");
    run(&mut m, &mut sh, "nosuch 2>nul");
    assert_eq!(out(&mut m, &mut sh, "if errorlevel 1 echo failed"), "failed\r\n");
    assert_eq!(out(&mut m, &mut sh, "if not errorlevel 1 echo fine"), "");
    assert_eq!(
        out(&mut m, &mut sh, "if errorlevel 9010 (echo big) else (echo small)"),
        "small\r\n"
    );
    assert_eq!(out(&mut m, &mut sh, "if exist C:\\Windows\\System32 echo yes"), "yes\r\n");
    assert_eq!(out(&mut m, &mut sh, "if not exist \"C:\\no such\" echo missing"), "missing\r\n");
    assert_eq!(out(&mut m, &mut sh, "if defined TEMP echo t"), "t\r\n");
    assert_eq!(out(&mut m, &mut sh, "if \"%OS%\"==\"Windows_NT\" echo nt"), "nt\r\n");
    assert_eq!(out(&mut m, &mut sh, "if /i abc==ABC echo same"), "same\r\n");
    assert_eq!(out(&mut m, &mut sh, "if abc==ABC echo same"), "");
    assert_eq!(out(&mut m, &mut sh, "if 10 GTR 9 echo num"), "num\r\n");
    assert_eq!(out(&mut m, &mut sh, "if 10 LSS 9 (echo a) else echo b"), "b\r\n");
    // The command takes the rest of the line; after a block, `&` starts the next command.
    assert_eq!(out(&mut m, &mut sh, "if 1==2 echo a & echo b"), "");
    assert_eq!(out(&mut m, &mut sh, "if 1==2 (echo a) & echo b"), "b\r\n");
    assert_eq!(out(&mut m, &mut sh, "if 1==1 (echo a & echo b) || echo c"), "a \r\nb\r\n");
    // Inside a block, with the block's redirection.
    run(&mut m, &mut sh, "(if exist C:\\Windows (echo w) else (echo none)) > c:\\if.txt");
    assert_eq!(out(&mut m, &mut sh, "type c:\\if.txt"), "w\r\n");
    // The client runner's spool form: the redirection before `if` takes the whole command.
    run(&mut m, &mut sh, ">c:\\sp.txt 2>&1 if exist C:\\Windows (echo one& nosuch) else echo two");
    assert_eq!(
        out(&mut m, &mut sh, "type c:\\sp.txt"),
        "one\r\n'nosuch' is not recognized as an internal or external command,\r\n\
         operable program or batch file.\r\n"
    );
    let r = run(&mut m, &mut sh, "if 1 XYZ 2 echo a");
    assert_eq!(r.output, "XYZ was unexpected at this time.\r\n");
}

#[test]
fn for_f_picks_tokens_from_a_commands_output() {
    let (mut m, mut sh) = vm("healthy");
    let pid = pid_of(&m, "TermService");
    // The PID of the 3389 listener, as a runner would ask for it.
    let line = "for /f \"tokens=5\" %p in ('netstat -ano ^| findstr /c:\"0.0.0.0:3389 \" ^| findstr TCP') do @echo %p";
    assert_eq!(out(&mut m, &mut sh, line), format!("{pid}\r\n"));
    // Without @ the interactive cmd echoes each iteration's command after the prompt.
    assert_eq!(
        out(&mut m, &mut sh, "for %i in (a b) do echo %i"),
        "\r\nC:\\Windows\\system32>echo a\r\na\r\n\r\nC:\\Windows\\system32>echo b\r\nb\r\n"
    );
    // delims, skip, eol, several tokens and the rest of the line.
    run(&mut m, &mut sh, "md c:\\t");
    run(&mut m, &mut sh, "echo # header> c:\\t\\kv.txt");
    run(&mut m, &mut sh, "echo name: Remote Desktop>> c:\\t\\kv.txt");
    run(&mut m, &mut sh, "echo ; comment>> c:\\t\\kv.txt");
    run(&mut m, &mut sh, "echo port: 3389>> c:\\t\\kv.txt");
    assert_eq!(
        out(
            &mut m,
            &mut sh,
            "for /f \"skip=1 tokens=1,2* delims=: \" %a in (c:\\t\\kv.txt) do @echo [%a][%b][%c]"
        ),
        "[name][Remote][Desktop]\r\n[port][3389][]\r\n"
    );
    assert_eq!(
        out(
            &mut m,
            &mut sh,
            "for /f \"usebackq tokens=2 delims=:\" %a in (`type c:\\t\\kv.txt`) do @echo%a"
        ),
        // "# header" has no second token: the line is skipped. `echo%a` with " 3389" is
        // `echo 3389`.
        "Remote Desktop\r\n3389\r\n"
    );
    assert_eq!(
        out(&mut m, &mut sh, "for /f \"tokens=2\" %a in (\"one two three\") do @echo %a"),
        "two\r\n"
    );
    assert_eq!(out(&mut m, &mut sh, "for /l %n in (1,2,5) do @echo %n"), "1\r\n3\r\n5\r\n");
    assert_eq!(out(&mut m, &mut sh, "for %f in (c:\\t\\*.txt) do @echo %~f"), "c:\\t\\kv.txt\r\n");
    // A block body runs every command for each line.
    assert_eq!(
        out(&mut m, &mut sh, "for %i in (x y) do @(echo %i& echo -)"),
        "x\r\n-\r\ny\r\n-\r\n"
    );
}

#[test]
fn cmd_c_runs_a_child_that_cannot_close_the_channel() {
    let (mut m, mut sh) = vm("healthy");
    let r = run(&mut m, &mut sh, "cmd /c exit 3");
    assert_eq!((r.output.as_str(), r.exit_code, r.effect), ("", 3, Effect::None));
    assert_eq!(out(&mut m, &mut sh, "echo %errorlevel%"), "3\r\n");
    // The child's cd and set stay in the child; quotes around the line are removed.
    let r = run(&mut m, &mut sh, "cmd /c \"cd /d C:\\ & set X=1 & cd\"");
    assert_eq!(r.output, "C:\\\r\n");
    assert_eq!(sh.prompt(), "C:\\Windows\\system32>");
    assert_eq!(out(&mut m, &mut sh, "echo %X%"), "%X%\r\n");
    // Output can be piped and redirected like any command's.
    assert_eq!(out(&mut m, &mut sh, "cmd /c \"echo a& echo b\"| findstr b"), "b\r\n");
}

#[test]
fn set_keeps_trailing_blanks_and_set_p_prints_without_a_line_end() {
    let (mut m, mut sh) = vm("healthy");
    run(&mut m, &mut sh, "set X=1 & set \"Y=2\" & set Z=3");
    assert_eq!(out(&mut m, &mut sh, "echo [%X%][%Y%][%Z%]"), "[1 ][2][3]\r\n");
    // A marker without a line end, the usual `<nul set /p` idiom; no input: exit code 1.
    let r = run(&mut m, &mut sh, "<nul set /p =MARK& echo after");
    assert_eq!(r.output, "MARKafter\r\n");
    let r = run(&mut m, &mut sh, "<nul set /p \"=quoted \"");
    assert_eq!((r.output.as_str(), r.exit_code), ("quoted ", 1));
    // With input, the variable takes its first line.
    run(&mut m, &mut sh, "echo first line> c:\\in.txt");
    let r = run(&mut m, &mut sh, "set /p V=Value? < c:\\in.txt");
    assert_eq!((r.output.as_str(), r.exit_code), ("Value? ", 0));
    assert_eq!(out(&mut m, &mut sh, "echo %V%"), "first line\r\n");
    // set /a prints its value without a line end at the interactive prompt.
    assert_eq!(out(&mut m, &mut sh, "set /a n=(2+3)*4"), "20");
    // %n% on the same line was expanded before set ran.
    assert_eq!(out(&mut m, &mut sh, "set /a n+=1 >nul & echo %n%"), "20\r\n");
    assert_eq!(out(&mut m, &mut sh, "echo %n%"), "21\r\n");
}
