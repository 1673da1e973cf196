//! The simulated SAC driver's channels, through the in-process link: the `cmd` event and channel
//! table, `ch` errors, the channel limit, switch screens and Esc-Tab, buffering of channels not in
//! view, lock and idle re-login.

use crate::sim_common;

use sacdoc_sim::sac::text;
use sim_common::*;

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
