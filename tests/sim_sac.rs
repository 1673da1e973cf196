//! The simulated SAC driver through its in-process link: exact bytes where the reference quotes
//! real Windows (banner, help, `cmd` event, switch screen, login prompts), the prompt's line
//! discipline, the channel table, lock and idle re-login, both output profiles and each quirk.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use sacdoc::sim::machine::{load_scenario, scenario_names, Scenario};
use sacdoc::sim::sac::{text, SimOptions};
use sacdoc::sim::SimLink;

/// The built-in scenario the tests run (a healthy Windows Server).
fn scenario() -> Scenario {
    assert!(scenario_names().contains(&"healthy"), "{:?}", scenario_names());
    load_scenario("healthy").unwrap_or_else(|e| panic!("scenario healthy: {e}"))
}

struct Vm {
    link: SimLink,
    seen: Vec<u8>,
}

impl Vm {
    fn new(query: &str) -> Vm {
        let sc = scenario();
        let mut opts = SimOptions::from_settings(sc.sac.clone());
        opts.apply_query(query).unwrap();
        Vm { link: SimLink::new(&sc, &opts), seen: Vec::new() }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.link.write_all(bytes).unwrap();
    }

    /// Reads until `pat` appears in what arrived after the last call; returns that part.
    fn until(&mut self, pat: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        loop {
            if let Some(pos) = find(&self.seen, pat.as_bytes()) {
                let end = pos + pat.len();
                let got: Vec<u8> = self.seen.drain(..end).collect();
                return String::from_utf8_lossy(&got).into_owned();
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {pat:?}; got {:?}",
                String::from_utf8_lossy(&self.seen)
            );
            match self.link.read(&mut buf) {
                Ok(0) => panic!(
                    "link closed waiting for {pat:?}; got {:?}",
                    String::from_utf8_lossy(&self.seen)
                ),
                Ok(n) => self.seen.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    /// Everything that arrives within `ms` milliseconds.
    fn drain(&mut self, ms: u64) -> String {
        let deadline = Instant::now() + Duration::from_millis(ms);
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            match self.link.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.seen.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
        }
        String::from_utf8_lossy(&std::mem::take(&mut self.seen)).into_owned()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn boot_banner_then_cmd_event_exact_bytes() {
    let mut vm = Vm::new("cmd_delay_ms=100");
    let got = vm.until("SAC>");
    assert_eq!(got, text::BANNER);
    let ev = vm.until("SAC>");
    assert_eq!(ev, "\r\nEVENT: The CMD command is now available.\r\nSAC>");
}

/// A VM already at `SAC>` with the CMD command available.
fn at_sac(extra: &str) -> Vm {
    let q = if extra.is_empty() {
        "start=sac&seed=1".to_string()
    } else {
        format!("start=sac&seed=1&{extra}")
    };
    Vm::new(&q)
}

#[test]
fn help_is_exact() {
    let mut vm = at_sac("");
    vm.send(b"?\r");
    let got = vm.until("SAC>");
    assert_eq!(got, format!("?\r\n{}SAC>", text::HELP));
    // `help` and upper case give the same, and the 21-column layout holds.
    vm.send(b"HELP\n");
    let got = vm.until("SAC>");
    assert_eq!(got, format!("HELP\r\n{}SAC>", text::HELP));
    assert!(got.contains(
        "\r\nch                   Channel management commands.  Use ch -? for more help.\r\n"
    ));
    assert!(
        got.contains("\r\ni <#> <ip> <subnet> <gateway> Set IPv4 addr., subnet and gateway.\r\n")
    );
    assert_eq!(text::HELP.lines().count(), 20);
}

#[test]
fn enter_forms_each_give_one_prompt() {
    let mut vm = at_sac("");
    vm.send(b"\n");
    assert_eq!(vm.until("SAC>"), "\r\nSAC>");
    vm.send(b"\r");
    assert_eq!(vm.until("SAC>"), "\r\nSAC>");
    // An LF straight after a CR is the second half of CRLF, even in a later write.
    vm.send(b"\n");
    assert_eq!(vm.drain(100), "");
    vm.send(b"\r\n");
    assert_eq!(vm.until("SAC>"), "\r\nSAC>");
    // Nothing more: CRLF was one Enter.
    vm.send(b"   \r");
    assert_eq!(vm.drain(150), "   \r\nSAC>");
}

#[test]
fn backspace_esc_tab_and_ctrl_c() {
    let mut vm = at_sac("");
    // Backspace with nothing to delete does nothing; DEL and BS both erase.
    vm.send(b"\x7fidx\x08\r");
    let id = vm.until("SAC>");
    assert!(id.starts_with("idx\x08 \x08\r\n           Computer Name: "), "{id:?}");
    assert!(id.contains("           Computer Name: "), "{id:?}");
    let uptime =
        regex::Regex::new(r"\r\n  Time since last reboot: \d+:\d\d:\d\d\r\nSAC>$").unwrap();
    assert!(uptime.is_match(&id), "{id:?}");
    // An arrow key at SAC>: ESC swallowed, `[A` echoed and kept.
    vm.send(b"\x1b[A\r");
    assert_eq!(vm.until("SAC>"), format!("[A\r\n{}SAC>", text::UNRECOGNIZED));
    // TAB alone rings the bell.
    vm.send(b"\t");
    assert_eq!(vm.drain(100), "\x07");
    // Ctrl-C runs the line without echoing CRLF.
    vm.send(b"xyz\x03");
    assert_eq!(vm.until("SAC>"), format!("xyz{}SAC>", text::UNRECOGNIZED));
}

#[test]
fn lowercase_and_prefix_matching() {
    let mut vm = at_sac("");
    vm.send(b"  PING  \r");
    assert_eq!(vm.until("SAC>"), "  PING  \r\nPaging is now OFF.\r\nSAC>");
    vm.send(b"ipconfig\r");
    assert_eq!(vm.until("SAC>"), format!("ipconfig\r\n{}SAC>", text::UNRECOGNIZED));
    vm.send(b"ch -z\r");
    assert_eq!(vm.until("SAC>"), format!("ch -z\r\n{}SAC>", text::BAD_PARAMETER));
}

#[test]
fn line_is_capped_at_78_characters() {
    let mut vm = at_sac("");
    let long = "a".repeat(80);
    vm.send(long.as_bytes());
    let echoed = vm.drain(150);
    assert_eq!(echoed, format!("{}\x08a\x08a", "a".repeat(78)));
}

#[test]
fn cmd_creates_channel_with_exact_event_and_list() {
    let mut vm = at_sac("");
    vm.send(b"cmd\r");
    let got = vm.until("Channel: Cmd0001\r\nSAC>");
    assert_eq!(
        got,
        "cmd\r\nThe Command Prompt session was successfully launched.\r\nSAC>\r\nEVENT:   A new channel has been created.  Use \"ch -?\" for channel help.\r\nChannel: Cmd0001\r\nSAC>"
    );
    vm.send(b"ch\r");
    let got = vm.until("SAC>");
    assert_eq!(
        got,
        "ch\r\nChannel List\r\n\r\n(Use \"ch -?\" for information on using channels)\r\n\r\n# Status  Channel Name\r\n0 (AV)    SAC\r\n1 (AV)    Cmd0001\r\nSAC>"
    );
    vm.send(b"ch -?\r");
    assert_eq!(vm.until("SAC>"), format!("ch -?\r\n{}SAC>", text::CH_HELP));
}

#[test]
fn channel_errors_and_close() {
    let mut vm = at_sac("");
    vm.send(b"ch -si 5\r");
    assert_eq!(
        vm.until("SAC>"),
        "ch -si 5\r\nError: There is no channel present at the specified index.\r\nSAC>"
    );
    vm.send(b"ch -sn nosuch\r");
    assert_eq!(
        vm.until("SAC>"),
        "ch -sn nosuch\r\nError: Could not find a channel with that name.\r\nSAC>"
    );
    vm.send(b"ch -ci 0\r");
    assert_eq!(vm.until("SAC>"), "ch -ci 0\r\nError: The SAC channel cannot be closed.\r\nSAC>");
    vm.send(b"ch -cn SAC\r");
    assert_eq!(vm.until("SAC>"), "ch -cn SAC\r\nError: The SAC channel cannot be closed.\r\nSAC>");
    vm.send(b"ch -si x\r");
    assert_eq!(vm.until("SAC>"), format!("ch -si x\r\n{}SAC>", text::BAD_PARAMETER));
    vm.send(b"cmd\r");
    vm.until("Channel: Cmd0001\r\nSAC>");
    vm.send(b"ch -cn cmd0001\r");
    assert_eq!(
        vm.until("Channel: Cmd0001\r\nSAC>"),
        "ch -cn cmd0001\r\nSAC>\r\nEVENT:   A channel has been closed.\r\nChannel: Cmd0001\r\nSAC>"
    );
    vm.send(b"ch -ci 1\r");
    assert_eq!(
        vm.until("SAC>"),
        "ch -ci 1\r\nError: There is no channel present at the specified index.\r\nSAC>"
    );
}

#[test]
fn eleventh_channel_is_refused() {
    let mut vm = at_sac("channel_event_delay_ms=0");
    for i in 1..=9 {
        vm.send(b"cmd\r");
        vm.until(&format!("Channel: Cmd{i:04}\r\nSAC>"));
    }
    vm.send(b"cmd\r");
    assert_eq!(vm.until("SAC>"), "cmd\r\nThe maximum number of channels has been reached.\r\nSAC>");
}

#[test]
fn cmd_before_service_registers_and_configured_failures() {
    let mut vm = Vm::new("cmd_delay_ms=60000");
    vm.until("SAC>");
    vm.send(b"cmd\r");
    assert_eq!(vm.until("SAC>"), format!("cmd\r\n{}SAC>", text::CMD_NOT_REGISTERED));
    let mut vm = at_sac("cmd_failure=disabled");
    vm.send(b"cmd\r");
    assert_eq!(
        vm.until("SAC>"),
        "cmd\r\nLaunching of Command Prompt channels is disabled.\r\nSAC>"
    );
    let mut vm = at_sac("cmd_failure=timeout");
    vm.send(b"cmd\r");
    assert_eq!(vm.until("SAC>"), format!("cmd\r\n{}SAC>", text::CMD_TIMEOUT));
}

fn switch_screen(name: &str, desc: &str, app: &str) -> String {
    format!(
        "\x1b[2J\x1b[HName:                  {name}\r\nDescription:           {desc}\r\nType:                  VT-UTF8\r\nChannel GUID:          "
    ) + "{GUID}" + &format!(
        "\r\nApplication Type GUID: {app}\r\n\r\nPress <esc><tab> for next channel.\r\nPress <esc><tab>0 to return to the SAC channel.\r\nUse any other key to view this channel.\r\n\r\n"
    )
}

/// Replaces the one GUID after "Channel GUID:" by `{GUID}` after checking its shape.
fn mask_guid(s: &str) -> String {
    let key = "Channel GUID:          ";
    let Some(pos) = s.find(key) else { return s.to_string() };
    let start = pos + key.len();
    let guid = &s[start..start + 36];
    assert!(
        guid.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase() || c == '-'),
        "{guid}"
    );
    assert_eq!(guid.matches('-').count(), 4);
    format!("{}{{GUID}}{}", &s[..start], &s[start + 36..])
}

#[test]
fn switch_screens_and_esc_tab_cycle() {
    let mut vm = at_sac("");
    vm.send(b"cmd\r");
    vm.until("Channel: Cmd0001\r\nSAC>");
    vm.send(b"ch -sn CMD0001\r");
    vm.until("ch -sn CMD0001\r\n");
    let got = vm.until("view this channel.\r\n\r\n");
    assert_eq!(mask_guid(&got), switch_screen("Cmd0001", "Command", text::CMD_APP_GUID));
    // Esc-Tab goes on to SAC (wrapping round), Esc-Tab again back to Cmd0001.
    vm.send(b"\x1b\t");
    let got = vm.until("view this channel.\r\n\r\n");
    assert_eq!(
        mask_guid(&got),
        switch_screen("SAC", "Special Administration Console", text::SAC_APP_GUID)
    );
    vm.send(b"\x1b\t");
    let got = vm.until("view this channel.\r\n\r\n");
    assert!(got.contains("Name:                  Cmd0001\r\n"));
    // Esc-Tab-0 from a Cmd switch screen: SAC's switch screen.
    vm.send(b"\x1b\t0");
    let got = vm.drain(200);
    assert_eq!(got.matches("Name:                  ").count(), 2, "{got:?}");
    assert!(got
        .rsplit("\x1b[2J")
        .next()
        .unwrap_or_default()
        .contains("Name:                  SAC\r\n"));
    // Any other key views SAC: a full redraw starting with the reset of §6.3.
    vm.send(b"\r");
    let got = vm.drain(200);
    assert!(
        got.starts_with("\x1b[2J\x1b[1;1H\x1b[0m\x1b[22m\x1b[25m\x1b[27m\x1b[40m\x1b[37m"),
        "{got:?}"
    );
    assert!(got.contains("\x1b[24;1H"));
}

#[test]
fn login_prompts_exact_and_failed_login() {
    let mut vm = at_sac("");
    vm.send(b"cmd\r");
    vm.until("Channel: Cmd0001\r\nSAC>");
    vm.send(b"ch -si 1\r");
    vm.until("view this channel.\r\n\r\n");
    vm.send(b" ");
    let redraw = vm.drain(200);
    assert!(
        redraw.contains("Please enter login credentials.") && redraw.contains("Username: "),
        "{redraw:?}"
    );
    vm.send(b"nobody\rCORP\rsecret\r");
    let got = vm.until("Username: ");
    assert_eq!(
        got,
        "nobody\r\nDomain  : CORP\r\nPassword: ******\r\nThe user name or password is incorrect.\r\n\r\nPlease enter login credentials.\r\nUsername: "
    );
    // The password never comes back on the wire.
    assert!(!got.contains("secret"));
}

// ---- Cmd channels ---------------------------------------------------------------------------

/// The first credential of the scenario.
fn creds() -> (String, String, String) {
    let sc = scenario();
    let c = sc.credentials.first().cloned();
    c.map_or_else(
        || ("azureuser".into(), String::new(), "Sim-Passw0rd!".into()),
        |c| (c.user, c.domain, c.password),
    )
}

/// A VM viewing Cmd0001, logged in, with everything up to the first prompt read.
fn logged_in(extra: &str) -> (Vm, String) {
    let mut vm = Vm::new(&format!("start=login&seed=2&{extra}"));
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\r").as_bytes());
    let shown = vm.until("Password: ");
    assert!(shown.ends_with("Password: "), "{shown:?}");
    let rest = vm.drain(400);
    (vm, rest)
}

#[test]
fn login_success_shows_banner_and_prompt_ws2022() {
    let (_, rest) = logged_in("profile=ws2022");
    let (_, _, password) = creds();
    // The banner's version is the machine's own `ver`; 17763 is Server 2019, copyright 2018.
    let ver = expected_output("ver");
    let version = ver.trim();
    assert!(version.starts_with("Microsoft Windows [Version 10.0.17763."), "{ver:?}");
    let expected = format!(
        "{}\r\n\x1b[2J\x1b[1;1H{version}\r\n(c) 2018 Microsoft Corporation. All rights reserved.\r\n\r\nC:\\Windows\\system32>",
        "*".repeat(password.chars().count()),
    );
    assert_eq!(rest, expected);
}

#[test]
fn cmd_line_editing_echo_and_prompt() {
    let (mut vm, _) = logged_in("profile=ws2022");
    vm.send(b"echo hellx\x7fo\r");
    let got = vm.until("system32>");
    assert_eq!(got, "echo hellx\x08 \x08o\r\nhello\r\n\r\nC:\\Windows\\system32>");
    // An empty line gives the prompt again, without the blank line.
    vm.send(b"\r");
    assert_eq!(vm.until("system32>"), "\r\nC:\\Windows\\system32>");
    // Arrow keys reach cmd (ESC + non-TAB is forwarded) and are not typed as text.
    vm.send(b"\x1b[Aecho z\r");
    assert_eq!(vm.until("system32>"), "echo z\r\nz\r\n\r\nC:\\Windows\\system32>");
}

#[test]
fn long_lines_wrap_at_the_console_width_ws2022() {
    let (mut vm, _) = logged_in("profile=ws2022");
    let word = "x".repeat(100);
    vm.send(format!("echo {word}\r").as_bytes());
    let got = vm.until("system32>");
    let out = got.split("\r\n").skip(2).collect::<Vec<_>>().join("\r\n");
    assert!(out.starts_with(&format!("{}\r\n{}\r\n", "x".repeat(80), "x".repeat(20))), "{got:?}");
    let mut vm2 = logged_in("profile=ws2022&cols=0").0;
    vm2.send(format!("echo {word}\r").as_bytes());
    let got = vm2.until("system32>");
    assert!(got.contains(&format!("\r\n{word}\r\n")), "{got:?}");
}

#[test]
fn ctrl_c_cancels_a_command_that_never_ends() {
    let (mut vm, _) = logged_in("profile=ws2022");
    vm.send(b"ping -t 10.0.0.1\r");
    let _ = vm.drain(300);
    vm.send(b"\x03");
    let got = vm.until("system32>");
    assert!(got.ends_with("^C\r\nC:\\Windows\\system32>"), "{got:?}");
}

#[test]
fn paged_output_shows_more_pages() {
    let (mut vm, _) = logged_in("profile=ws2022");
    vm.send(b"tasklist | more\r");
    let first = vm.until("-- More --");
    // The first page is the screen height minus the prompt line.
    let page_lines = first.matches("\r\n").count() - 1;
    assert_eq!(page_lines, 23, "{first:?}");
    vm.send(b"\r");
    let one = vm.until("-- More --");
    assert_eq!(one.matches("\r\n").count(), 1, "{one:?}");
    vm.send(b"q");
    let end = vm.until("system32>");
    assert!(end.ends_with("\r\nC:\\Windows\\system32>"), "{end:?}");
}

#[test]
fn exit_closes_the_channel_and_falls_back_to_sac() {
    let (mut vm, _) = logged_in("profile=ws2022");
    vm.send(b"exit\r");
    let got = vm.until("view this channel.\r\n\r\n");
    assert!(got.contains("Name:                  SAC\r\n"), "{got:?}");
    vm.send(b"\r");
    let redraw = vm.drain(200);
    assert!(redraw.contains("EVENT:   A channel has been closed."), "{redraw:?}");
    vm.send(b"ch\r");
    let list = vm.until("SAC>");
    assert!(list.ends_with("0 (AV)    SAC\r\nSAC>") && !list.contains("Cmd0001"), "{list:?}");
}

#[test]
fn cls_clears_and_shows_the_prompt() {
    let (mut vm, _) = logged_in("profile=ws2022");
    vm.send(b"cls\r");
    assert_eq!(vm.until("system32>"), "cls\r\n\x1b[2J\x1b[1;1HC:\\Windows\\system32>");
}

#[test]
fn reboot_from_cmd_gives_a_new_banner_and_no_channels() {
    let (mut vm, _) = logged_in("profile=ws2022&restart_delay_ms=50&cmd_delay_ms=50");
    vm.send(b"shutdown /r /t 0\r");
    vm.until(text::BANNER);
    vm.until("EVENT: The CMD command is now available.\r\nSAC>");
    vm.send(b"ch\r");
    let list = vm.until("SAC>");
    assert!(list.ends_with("0 (AV)    SAC\r\nSAC>"), "{list:?}");
}

#[test]
fn shutdown_closes_the_link() {
    let mut vm = at_sac("");
    vm.send(b"shutdown\r");
    assert_eq!(vm.until("SAC>"), "shutdown\r\nSAC>");
    let mut buf = [0u8; 64];
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match vm.link.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => panic!("unexpected bytes after shutdown: {:?}", &buf[..n]),
            Err(_) => assert!(Instant::now() < deadline, "link never closed"),
        }
    }
    assert!(vm.link.write(b"x").is_err());
}

#[test]
fn lock_asks_for_credentials_again() {
    let (mut vm, _) = logged_in("profile=ws2022");
    vm.send(b"\x1b\t0\r");
    let _ = vm.drain(200);
    vm.send(b"lock\r");
    assert_eq!(vm.until("SAC>"), "lock\r\nLocked access to all Command Prompt channels.\r\nSAC>");
    vm.send(b"ch -si 1\r");
    vm.until("view this channel.\r\n\r\n");
    vm.send(b" ");
    let redraw = vm.drain(200);
    assert!(redraw.contains("Please enter login credentials."), "{redraw:?}");
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\r").as_bytes());
    let got = vm.until("system32>");
    assert!(got.contains("Password: "), "{got:?}");
}

#[test]
fn idle_timeout_locks_the_viewed_channel() {
    let (mut vm, _) = logged_in("profile=ws2022&idle_timeout_s=1");
    let got = vm.until("Username: ");
    assert!(
        got.ends_with("\x1b[2J\x1b[1;1HPlease enter login credentials.\r\nUsername: "),
        "{got:?}"
    );
}

#[test]
fn crashdump_gives_bluescreen_xml_and_crash_prompt() {
    let mut vm = at_sac("restart_delay_ms=50");
    vm.send(b"crashdump\r");
    let got = vm.until("0% complete\r\n");
    assert!(got.starts_with("crashdump\r\n<INSTANCE CLASSNAME=\"BLUESCREEN\">\r\n<PROPERTY NAME=\"STOPCODE\" TYPE=\"string\"><VALUE>\"0xE2\"</VALUE></PROPERTY><machine-info>\r\n<name>"), "{got:?}");
    assert!(got.contains(
        "</INSTANCE>\r\n\r\n!SAC>\r\nYour PC ran into a problem and needs to restart.\r\n"
    ));
    assert!(got.contains("MANUALLY_INITIATED_CRASH"));
    vm.send(b"?\r");
    assert_eq!(vm.until("!SAC>"), format!("?\r\n{}!SAC>", text::CRASH_HELP));
    vm.send(b"cmd\r");
    assert_eq!(vm.until("!SAC>"), format!("cmd\r\n{}!SAC>", text::UNRECOGNIZED));
    vm.send(b"restart\r");
    vm.until(text::BANNER);
}

#[test]
fn start_states_put_the_console_where_asked() {
    let mut vm = Vm::new("start=switch&seed=3");
    assert_eq!(vm.drain(100), "");
    vm.send(b"\r");
    let got = vm.drain(200);
    assert!(got.contains("Please enter login credentials."), "{got:?}");
    let mut vm = Vm::new("start=cmd&profile=ws2022");
    vm.send(b"echo ok\r");
    assert_eq!(vm.until("system32>"), "echo ok\r\nok\r\n\r\nC:\\Windows\\system32>");
    let mut vm = Vm::new("start=crashed");
    vm.send(b"\r");
    assert_eq!(vm.until("!SAC>"), "\r\n!SAC>");
}

#[test]
fn unknown_query_key_is_a_clear_error() {
    let mut opts = SimOptions::default();
    let err = opts.apply_query("profile=ws2019&bogus=1").unwrap_err().to_string();
    assert!(
        err.contains("\"bogus\"") && err.contains("profile") && err.contains("cut_after"),
        "{err}"
    );
    let err = opts.apply_query("profile=ws2000").unwrap_err().to_string();
    assert!(err.contains("ws2022, ws2019 or ws2016"), "{err}");
    let err = opts.apply_query("drop=2").unwrap_err().to_string();
    assert!(err.contains("between 0 and 1"), "{err}");
}

// ---- The ws2019 painter and the quirks --------------------------------------------------------

/// What the scenario's machine prints for a line, run on a fresh copy of it.
fn expected_output(line: &str) -> String {
    let sc = scenario();
    let mut m = sacdoc::sim::machine::Machine::new(&sc);
    m.boot();
    m.exec(&mut sacdoc::sim::machine::ShellState::default(), line).output
}

fn vt_text(p: &vt100::Parser) -> String {
    let rows: Vec<String> = p.screen().rows(0, 80).map(|r| r.trim_end().to_string()).collect();
    rows.join("\n")
}

/// Asserts that every escape sequence in `bytes` is one the painter may use (§6.3).
fn only_painter_sequences(bytes: &str) {
    let re = regex::Regex::new(r"\x1b\[[0-9;]*[A-Za-z]").unwrap();
    for m in re.find_iter(bytes) {
        let s = m.as_str();
        let ok = s == "\x1b[0K" || (s.ends_with('H') && s[2..s.len() - 1].split(';').count() == 2);
        assert!(ok, "unexpected sequence {s:?}");
    }
    assert_eq!(bytes.matches('\x1b').count(), re.find_iter(bytes).count());
}

#[test]
fn ws2019_paints_the_screen_and_skips_fast_output() {
    let mut vm = Vm::new("start=switch&profile=ws2019&paint_ms=20&seed=4");
    let mut term = vt100::Parser::new(24, 80, 0);
    vm.send(b" ");
    let redraw = vm.drain(150);
    term.process(redraw.as_bytes());
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\r").as_bytes());
    let login = vm.drain(500);
    term.process(login.as_bytes());
    assert!(vt_text(&term).contains("C:\\Windows\\system32>"), "{}", vt_text(&term));
    // From the prompt on, the channel is painted: typed keys and output arrive as screen diffs.
    vm.send(b"tasklist\r");
    let painted = vm.drain(1500);
    term.process(painted.as_bytes());
    only_painter_sequences(&painted);
    let buffer = vm.link.console().driver().screen(1).map(|s| s.text()).unwrap_or_default();
    assert_eq!(vt_text(&term), buffer);
    let cursor = vm.link.console().driver().screen(1).map(|s| s.cursor()).unwrap_or_default();
    let (r, c) = term.screen().cursor_position();
    assert_eq!((r as usize, c as usize), cursor);
    // Lines that scrolled through the buffer between two paints were never sent.
    let output = expected_output("tasklist");
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 30, "tasklist should print more than a screen: {}", lines.len());
    let skipped = lines.iter().take(3).filter(|l| !buffer.contains(*l)).collect::<Vec<_>>();
    assert!(!skipped.is_empty());
    for l in skipped {
        assert!(!painted.contains(l), "{l:?} was painted although it scrolled away at once");
    }
    // Streaming sends every line; the painter sent less than the output itself.
    assert!(painted.len() < output.len(), "{} >= {}", painted.len(), output.len());
}

#[test]
fn ws2019_painter_result_matches_after_each_command() {
    let mut vm = Vm::new("start=switch&profile=ws2016&paint_ms=10&seed=5");
    let mut term = vt100::Parser::new(24, 80, 0);
    vm.send(b"x");
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\r").as_bytes());
    for cmd in ["echo one", "echo two", "cls", "echo three", "ver"] {
        vm.send(format!("{cmd}\r").as_bytes());
        let got = vm.drain(300);
        term.process(got.as_bytes());
        let buffer = vm.link.console().driver().screen(1).map(|s| s.text()).unwrap_or_default();
        assert_eq!(vt_text(&term), buffer, "after {cmd}");
    }
    assert!(
        vt_text(&term).starts_with("C:\\Windows\\system32>echo three\nthree\n"),
        "{}",
        vt_text(&term)
    );
}

#[test]
fn quirk_dropkeys_loses_repeated_keys() {
    let mut vm = Vm::new("start=cmd&profile=ws2022&dropkeys=1&dropkeys_ms=400");
    vm.send(b"echo aab\r");
    assert_eq!(vm.until("system32>"), "echo ab\r\nab\r\n\r\nC:\\Windows\\system32>");
    // The same key after the window is kept.
    vm.send(b"echo c");
    let _ = vm.drain(450);
    vm.send(b"c\r");
    assert_eq!(vm.until("system32>"), "c\r\ncc\r\n\r\nC:\\Windows\\system32>");
    // Without the quirk nothing is lost.
    let mut vm = Vm::new("start=cmd&profile=ws2022");
    vm.send(b"echo aab\r");
    assert_eq!(vm.until("system32>"), "echo aab\r\naab\r\n\r\nC:\\Windows\\system32>");
}

#[test]
fn quirk_eatchars_loses_keys_right_after_the_prompt_appears() {
    let mut vm = Vm::new("start=login&profile=ws2022&eatchars=1&eatchars_ms=300");
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\recho early\r").as_bytes());
    let first = vm.drain(400);
    assert!(first.ends_with("C:\\Windows\\system32>"), "{first:?}");
    assert!(!first.contains("early"));
    vm.send(b"echo late\r");
    assert_eq!(vm.until("system32>"), "echo late\r\nlate\r\n\r\nC:\\Windows\\system32>");
}

#[test]
fn quirk_cronly_ignores_lf_at_the_cmd_prompt() {
    let mut vm = Vm::new("start=cmd&profile=ws2022&cronly=1");
    vm.send(b"echo hi\n");
    assert_eq!(vm.drain(200), "echo hi");
    vm.send(b"\r");
    assert_eq!(vm.until("system32>"), "\r\nhi\r\n\r\nC:\\Windows\\system32>");
    // At SAC> LF still works.
    vm.send(b"\x1b\t0\r");
    let _ = vm.drain(200);
    vm.send(b"\n");
    assert_eq!(vm.until("SAC>"), "\r\nSAC>");
}

#[test]
fn baud_paces_the_output() {
    let mut vm = Vm::new("baud=1200&cmd_delay_ms=100000");
    let mut buf = [0u8; 4096];
    let n = loop {
        match vm.link.read(&mut buf) {
            Ok(n) => break n,
            Err(_) => continue,
        }
    };
    // 120 bytes per second: the 220-byte banner cannot arrive in one piece.
    assert!(n < text::BANNER.len(), "{n}");
    vm.seen.extend_from_slice(&buf[..n]);
    assert_eq!(vm.until("SAC>"), text::BANNER);
}

#[test]
fn health_report_replaces_sac() {
    let mut vm = Vm::new("health_report=1");
    let got = vm.until("========\r\n");
    assert!(got.starts_with("======== Microsoft Azure VM Health Report - Start "), "{got:?}");
    let json_line = vm.until("\r\n");
    let v: serde_json::Value = serde_json::from_str(json_line.trim_end()).unwrap();
    assert!(v.get("reportTime").is_some() && v.get("networkAdapters").is_some());
    vm.send(b"\r");
    let rest = vm.drain(150);
    assert!(!rest.contains("SAC>"), "{rest:?}");
}

#[test]
fn tlist_pages_when_paging_is_on() {
    let mut vm = at_sac("");
    vm.send(b"t\r");
    let first = vm.until("----Press <Enter> for more----");
    assert!(
        first.starts_with(
            "t\r\n    User Time   Kernel Time    Ws   Faults  Commit Pri Hnd Thd  Pid Name\r\n"
        ),
        "{first:?}"
    );
    assert_eq!(first.matches("\r\n").count(), 1 + 23, "{first:?}");
    // CRLF is one Enter: one more page (or the end), not two.
    vm.send(b"\r\n");
    let mut rest = vm.drain(200);
    while rest.ends_with("----Press <Enter> for more----") {
        vm.send(b"\r");
        rest = vm.drain(200);
    }
    assert!(rest.ends_with("SAC>"), "{rest:?}");
    // With paging off the whole list comes at once.
    vm.send(b"p\r");
    assert_eq!(vm.until("SAC>"), "p\r\nPaging is now OFF.\r\nSAC>");
    vm.send(b"t\r");
    let all = vm.until("SAC>");
    assert!(!all.contains("----Press"), "{all:?}");
    assert!(all.contains(" System\r\n") && all.contains("svchost.exe"), "{all:?}");
}

#[test]
fn kill_and_priority_commands_use_the_machine() {
    let mut vm = at_sac("");
    vm.send(b"k 4\r");
    assert_eq!(vm.until("SAC>"), "k 4\r\nSAC failed to terminate the process.\r\nSAC>");
    vm.send(b"k\r");
    assert_eq!(vm.until("SAC>"), format!("k\r\n{}SAC>", text::BAD_PARAMETER));
    vm.send(b"r 999999\r");
    assert_eq!(vm.until("SAC>"), "r 999999\r\nSAC failed to raise the process priority.\r\nSAC>");
    vm.send(b"i\r");
    let ip = vm.until("SAC>");
    let re =
        regex::Regex::new(r"^i\r\n(Net: \d+, Ip=[\d.]+  Subnet=[\d.]+  Gateway=[\d.]+\r\n)+SAC>$")
            .unwrap();
    assert!(re.is_match(&ip), "{ip:?}");
    vm.send(b"i 10 10.0.0.9 255.255.255.0 10.0.0.1\r");
    assert_eq!(vm.until("SAC>"), "i 10 10.0.0.9 255.255.255.0 10.0.0.1\r\nSAC successfully set the IP Address, subnet mask, and gateway.\r\nSAC>");
    vm.send(b"i 10 10.0.0.300 255.255.255.0 10.0.0.1\r");
    assert_eq!(
        vm.until("SAC>"),
        "i 10 10.0.0.300 255.255.255.0 10.0.0.1\r\nThe specified IP address is invalid.\r\nSAC>"
    );
    vm.send(b"s\r");
    let s = vm.until("SAC>");
    let re = regex::Regex::new(
        r"^s\r\nDate: \d\d/\d\d/\d{4}  Time \(GMT\): \d\d:\d\d:\d\d:\d{4}\r\nSAC>$",
    )
    .unwrap();
    assert!(re.is_match(&s), "{s:?}");
    vm.send(b"s 01/02/1975 10:00\r");
    assert_eq!(
        vm.until("SAC>"),
        "s 01/02/1975 10:00\r\nThe year is restricted from 1980 to 2099.\r\nSAC>"
    );
    vm.send(b"s 03/04/2030 05:06\r");
    assert_eq!(
        vm.until("SAC>"),
        "s 03/04/2030 05:06\r\nDate: 03/04/2030  Time (GMT): 05:06\r\nSAC>"
    );
    vm.send(b"s\r");
    assert!(vm.until("SAC>").contains("Date: 03/04/2030  Time (GMT): 05:06:"));
}

#[test]
fn output_of_a_channel_not_in_view_is_buffered_until_viewed() {
    let mut vm = Vm::new("start=cmd&profile=ws2022&seed=6");
    vm.send(b"timeout /t 1\r");
    vm.until("timeout /t 1\r\n");
    // Back to SAC before the command ends: nothing of Cmd0001 reaches the wire meanwhile.
    vm.send(b"\x1b\t0\r");
    let away = vm.drain(1500);
    assert!(!away.contains("Waiting for"), "{away:?}");
    assert!(away.ends_with("SAC>") || away.contains("\x1b[40m\x1b[37m"), "{away:?}");
    // Esc-Tab to the channel and any key: the redraw holds what it printed.
    vm.send(b"\x1b\t");
    let sw = vm.until("view this channel.\r\n\r\n");
    assert!(sw.contains("Name:                  Cmd0001\r\n"), "{sw:?}");
    vm.send(b"x");
    let redraw = vm.drain(200);
    assert!(redraw.contains("Waiting for  1 seconds, press a key to continue ..."), "{redraw:?}");
    assert!(redraw.contains("C:\\Windows\\system32>"));
}

#[test]
fn two_cmd_channels_cycle_with_esc_tab() {
    let mut vm = at_sac("channel_event_delay_ms=0");
    vm.send(b"cmd\r");
    vm.until("Channel: Cmd0001\r\nSAC>");
    vm.send(b"cmd\r");
    vm.until("Channel: Cmd0002\r\nSAC>");
    let mut names = Vec::new();
    for _ in 0..4 {
        vm.send(b"\x1b\t");
        let sw = vm.until("view this channel.\r\n\r\n");
        let name = sw.split("Name:                  ").nth(1).and_then(|s| s.split("\r\n").next());
        names.push(name.unwrap_or_default().to_string());
    }
    assert_eq!(names, ["Cmd0001", "Cmd0002", "SAC", "Cmd0001"]);
    vm.send(b"ch -ci 2\r");
    // The key after Esc-Tab views Cmd0001; the `ch` text goes to its login prompt, not to SAC.
    let got = vm.drain(300);
    assert!(got.contains("Please enter login credentials."), "{got:?}");
}

#[test]
fn mode_con_cols_changes_where_the_stream_wraps() {
    let mut vm = Vm::new("start=cmd&profile=ws2022");
    vm.send(b"mode con cols=200\r");
    vm.until("system32>");
    let word = "y".repeat(150);
    vm.send(format!("echo {word}\r").as_bytes());
    let got = vm.until("system32>");
    assert!(got.contains(&format!("\r\n{word}\r\n")), "{got:?}");
}

#[test]
fn sac_restart_prints_the_prompt_then_reboots() {
    let mut vm = at_sac("restart_delay_ms=50&cmd_delay_ms=50");
    vm.send(b"cmd\r");
    vm.until("Channel: Cmd0001\r\nSAC>");
    vm.send(b"restart\r");
    assert_eq!(vm.until("SAC>"), "restart\r\nSAC>");
    assert_eq!(vm.until("SAC>"), text::BANNER);
    vm.until("EVENT: The CMD command is now available.\r\nSAC>");
    vm.send(b"ch\r");
    assert!(!vm.until("SAC>").contains("Cmd0001"));
}

#[test]
fn shutdown_from_cmd_closes_the_link() {
    let mut vm = Vm::new("start=cmd&profile=ws2022");
    vm.send(b"shutdown /s /t 0\r");
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match vm.link.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(_) => assert!(Instant::now() < deadline, "link never closed"),
        }
    }
}
