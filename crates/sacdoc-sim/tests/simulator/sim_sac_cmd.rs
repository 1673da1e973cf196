//! The simulated SAC driver's Cmd channels, through the in-process link: login prompts, the cmd
//! banner per profile, line editing, wrapping, Ctrl+C, paging, `exit`, `cls`, reboot and shutdown
//! from cmd.

use crate::sim_common;

use std::io::Read;
use std::time::{Duration, Instant};

use sacdoc_sim::machine::ShellState;
use sacdoc_sim::sac::{text, Profile};
use sim_common::*;

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

#[test]
fn login_success_shows_banner_and_prompt_ws2022() {
    let (_, rest) = logged_in("profile=ws2022");
    let (_, _, password) = creds();
    // The banner's version is the machine's own `ver`, which follows the profile: 20348 is
    // Server 2022, whose copyright line has no year.
    let mut m = sacdoc_sim::prepared_machine("healthy", "profile=ws2022").expect("machine");
    m.boot();
    let ver = m.exec(&mut ShellState::default(), "ver").output;
    let version = ver.trim();
    assert!(version.starts_with("Microsoft Windows [Version 10.0.20348."), "{ver:?}");
    let expected = format!(
        "{}\r\n\x1b[2J\x1b[1;1H{version}\r\n(c) Microsoft Corporation. All rights reserved.\r\n\r\nC:\\Windows\\system32>",
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

#[test]
fn ctrl_c_at_more_drops_the_open_block() {
    let (mut vm, _) = logged_in("profile=ws2022");
    vm.send(b"(echo first\r");
    assert_eq!(vm.until("More? "), "(echo first\r\nMore? ");
    vm.send(b"echo inside\r");
    assert_eq!(vm.until("More? "), "echo inside\r\nMore? ");
    vm.send(b"echo hal");
    vm.send(b"\x03");
    assert_eq!(vm.until("system32>"), "echo hal^C\r\nC:\\Windows\\system32>");
    // The block is gone: the next line runs on its own, and nothing of the block runs.
    vm.send(b"echo after\r");
    assert_eq!(vm.until("system32>"), "echo after\r\nafter\r\n\r\nC:\\Windows\\system32>");
    vm.send(b"echo again)\r");
    let got = vm.until("system32>");
    assert_eq!(got, "echo again)\r\nagain)\r\n\r\nC:\\Windows\\system32>");
}

/// The cmd banner, `ver`, the registry and SAC's `id` all name the profile's Windows release.
fn release_agrees(profile: &str, copyright: &str) {
    let p = Profile::parse(profile).expect("profile");
    let (build, _, product) = p.os();
    let q = format!("profile={profile}&paint_ms=10");
    // The machine a client must compare with names the profile's build. (Its UBR is left to the
    // machine: Server 2016's cmd prints `10.0.14393` without one, sac-protocol.md §5.4.)
    let mut m = sacdoc_sim::prepared_machine("healthy", &q).expect("machine");
    m.boot();
    let ver = m.exec(&mut ShellState::default(), "ver").output;
    let version = ver.trim().to_string();
    assert!(
        version.starts_with(&format!("Microsoft Windows [Version 10.0.{build}")),
        "{profile}: {ver:?}"
    );
    let reg = m.exec(
        &mut ShellState::default(),
        "reg query \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\" /v CurrentBuild",
    );
    assert!(reg.output.contains(&format!("REG_SZ    {build}\r\n")), "{profile}: {reg:?}");

    let (mut vm, _) = logged_in(&q);
    vm.send(b"ver\r");
    let _ = vm.drain(400);
    let screen = vm.link.console().driver().screen(1).map(|s| s.text()).unwrap_or_default();
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    assert_eq!(lines.first().copied(), Some(version.as_str()), "{profile}: {screen}");
    assert_eq!(lines.get(1).copied(), Some(copyright), "{profile}: {screen}");
    assert!(
        lines.iter().skip(2).any(|l| *l == version),
        "{profile}: `ver` disagrees with the banner:\n{screen}"
    );

    let mut vm = Vm::new(&format!("start=sac&seed=1&{q}"));
    vm.send(b"id\r");
    let id = vm.until("SAC>");
    assert!(id.contains(&format!("{:>25} {build}\r\n", "Build Number:")), "{profile}: {id:?}");
    assert!(id.contains(&format!("{:>25} {product}\r\n", "Product:")), "{profile}: {id:?}");
}

#[test]
fn banner_ver_and_id_agree_with_the_ws2022_profile() {
    release_agrees("ws2022", "(c) Microsoft Corporation. All rights reserved.");
}

#[test]
fn banner_ver_and_id_agree_with_the_ws2019_profile() {
    release_agrees("ws2019", "(c) 2018 Microsoft Corporation. All rights reserved.");
}

#[test]
fn banner_ver_and_id_agree_with_the_ws2016_profile() {
    release_agrees("ws2016", "(c) 2016 Microsoft Corporation. All rights reserved.");
}
