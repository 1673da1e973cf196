//! The simulated SAC driver at its `SAC>` prompt, through the in-process link: exact bytes where the
//! reference quotes real Windows (banner, help, `cmd` event), the prompt's line discipline, the
//! SAC commands (`t`, `k`, `id`, `restart`, `shutdown`, `crashdump`), start states and options.

use crate::sim_common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use sacdoc_sim::sac::{text, SimOptions};
use sim_common::*;

#[test]
fn boot_banner_then_cmd_event_exact_bytes() {
    let mut vm = Vm::new("cmd_delay_ms=100");
    let got = vm.until("SAC>");
    assert_eq!(got, text::BANNER);
    let ev = vm.until("SAC>");
    assert_eq!(ev, "\r\nEVENT: The CMD command is now available.\r\nSAC>");
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
