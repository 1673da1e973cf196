//! netstat parser: real captures (en, de, zh, fr, XP), named odd shapes, and properties.
//!
//! Fixtures live in tests/fixtures/parse/netstat/; their first lines (`#| ...`) name the source
//! and are stripped here, the rest is the capture as published.

use crate::parse_common;

use parse_common::{assert_accounted, fixture_raw, mutated, sim_output};
use proptest::prelude::*;
use sacdoc_parse::netstat::{self, Connection, Netstat};

/// The accounting invariant: every non-blank physical line is either consumed by the grammar or
/// quoted verbatim (with its number) in `unparsed`, never both, never neither; blank lines are in
/// neither list.
fn assert_accounts(input: &str, n: &Netstat) {
    assert_accounted(input, &n.consumed_lines, &n.unparsed);
}

fn row<'a>(n: &'a Netstat, proto: &str, local: &str, port: u16) -> &'a Connection {
    n.connections
        .iter()
        .find(|c| c.proto == proto && c.local_address == local && c.local_port == Some(port))
        .unwrap_or_else(|| panic!("no {proto} {local}:{port}"))
}

#[test]
fn en_win10_anob_capture() {
    let input = fixture_raw("netstat", "en-win10-anob.txt");
    let n = netstat::parse(&input);
    assert_accounts(&input, &n);
    assert!(n.unparsed.is_empty(), "{:?}", n.unparsed);
    // Counted in the fixture with grep: 318 rows, 114 TCP, 280 image lines, 35 failure lines.
    assert_eq!(n.connections.len(), 318);
    assert_eq!(n.connections.iter().filter(|c| c.proto == "TCP").count(), 114);
    assert_eq!(n.connections.iter().filter(|c| c.image.is_some()).count(), 280);
    assert_eq!(n.connections.iter().filter(|c| c.owner_error.is_some()).count(), 35);
    assert_eq!(n.connections.iter().filter(|c| c.is_listening()).count(), 51);
    assert_eq!(n.title.as_deref(), Some("Active Connections"));

    let rpc = n.listeners_on(135);
    assert_eq!(rpc.len(), 2);
    for c in rpc {
        assert_eq!(
            (c.pid, c.component.as_deref(), c.image.as_deref()),
            (Some(1712), Some("RpcSs"), Some("svchost.exe"))
        );
    }
    let smb = row(&n, "TCP", "0.0.0.0", 445);
    assert_eq!(smb.owner_error.as_deref(), Some("Can not obtain ownership information"));
    assert_eq!((smb.image.as_ref(), smb.component.as_ref()), (None, None));
    let cdp = row(&n, "TCP", "192.168.31.221", 4699);
    assert_eq!(cdp.component.as_deref(), Some("CDPUserSvc_46a8de2e"));
}

#[test]
fn en_capture_json_has_the_documented_fields() {
    let input = fixture_raw("netstat", "en-win10-anob.txt");
    let n = netstat::parse(&input);
    let v = serde_json::to_value(&n).expect("json");
    let first = &v["connections"][0];
    for key in [
        "proto",
        "local_address",
        "local_port",
        "foreign_address",
        "foreign_port",
        "state",
        "state_raw",
        "pid",
        "component",
        "image",
        "owner_error",
        "local_port_raw",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["local_port"], 135);
    assert_eq!(first["foreign_port"], 0);
    assert_eq!(first["state"], "LISTENING");
    assert_eq!(first["image"], "svchost.exe");
    assert!(v["unparsed"].as_array().is_some_and(|a| a.is_empty()));
    let udp = v["connections"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["proto"] == "UDP"))
        .expect("a udp row");
    assert!(udp["state"].is_null() && udp["foreign_port"].is_null());
}

#[test]
fn ipv6_zone_row_with_overflowing_columns() {
    let input = fixture_raw("netstat", "en-win10-anob.txt");
    let n = netstat::parse(&input);
    let z = row(&n, "UDP", "fe80::244e:2f1e:2096:62b2%9", 52285);
    assert_eq!(
        (z.foreign_address.as_str(), z.foreign_port, z.foreign_port_raw.as_str()),
        ("*", None, "*")
    );
    assert_eq!((z.pid, z.state.as_ref()), (Some(8844), None));
    assert_eq!(
        (z.component.as_deref(), z.image.as_deref()),
        (Some("SSDPSRV"), Some("svchost.exe"))
    );
    let v6 = row(&n, "TCP", "::1", 1025);
    assert_eq!((v6.foreign_address.as_str(), v6.foreign_port), ("::", Some(0)));
}

#[test]
fn missing_owner_line_on_time_wait() {
    let input = fixture_raw("netstat", "en-win10-anob.txt");
    let n = netstat::parse(&input);
    let tw = row(&n, "TCP", "192.168.31.221", 4713);
    assert_eq!((tw.state.as_deref(), tw.pid), (Some("TIME_WAIT"), Some(0)));
    assert_eq!(
        (tw.component.as_ref(), tw.image.as_ref(), tw.owner_error.as_ref()),
        (None, None, None)
    );
    // The next row still gets its own image.
    let next = row(&n, "TCP", "192.168.31.221", 4714);
    assert_eq!(next.image.as_deref(), Some("WhatsApp.exe"));
}

#[test]
fn de_capture_translated_and_misdecoded_states() {
    let input = fixture_raw("netstat", "de-an-cp850-misdecoded.txt");
    let n = netstat::parse(&input);
    assert_accounts(&input, &n);
    assert_eq!(n.connections.len(), 98);
    assert_eq!(n.title.as_deref(), Some("Aktive Verbindungen"));
    let rdp = n.listeners_on(3389);
    assert_eq!(rdp.len(), 2);
    assert_eq!(rdp[0].state_raw.as_deref(), Some("ABH™REN"));
    let by_raw = |raw: &str| n.connections.iter().find(|c| c.state_raw.as_deref() == Some(raw));
    assert_eq!(by_raw("HERGESTELLT").and_then(|c| c.state.clone()).as_deref(), Some("ESTABLISHED"));
    assert_eq!(
        by_raw("SCHLIESSEN_WARTEN").and_then(|c| c.state.clone()).as_deref(),
        Some("CLOSE_WAIT")
    );
    assert_eq!(by_raw("FIN_WARTEN_2").and_then(|c| c.state.clone()).as_deref(), Some("FIN_WAIT_2"));
    assert_eq!(by_raw("WARTEND").and_then(|c| c.state.clone()).as_deref(), Some("TIME_WAIT"));
    let udp = row(&n, "UDP", "0.0.0.0", 123);
    assert_eq!((udp.state.as_ref(), udp.pid), (None, None));
    // The author's four "    ..." elision lines are kept, with their numbers.
    assert_eq!(n.unparsed.len(), 4);
    assert!(n.unparsed.iter().all(|u| u.text.trim() == "..."));
}

#[test]
fn zh_capture_padded_lines_and_localized_failure() {
    let input = fixture_raw("netstat", "zh-anbo-padded.txt");
    let n = netstat::parse(&input);
    assert_accounts(&input, &n);
    assert_eq!(n.connections.len(), 10);
    assert_eq!(n.title.as_deref(), Some("活动连接"));
    let smb = row(&n, "TCP", "0.0.0.0", 445);
    assert_eq!(smb.owner_error.as_deref(), Some("无法获取所有权信息"));
    let z = row(&n, "UDP", "fe80::e908:14c9:dc52:d1d5%5", 52240);
    assert_eq!((z.pid, z.component.as_deref()), (Some(7608), Some("SSDPSRV")));
    let texts: Vec<&str> = n.unparsed.iter().map(|u| u.text.trim()).collect();
    assert_eq!(texts, vec!["...", "123456789101112131415161718192021222324252627282930"]);
}

#[test]
fn fr_capture_names_instead_of_numbers() {
    let input = fixture_raw("netstat", "fr-abo-names.txt");
    let n = netstat::parse(&input);
    assert_accounts(&input, &n);
    assert_eq!(n.connections.len(), 39);
    assert_eq!(n.title.as_deref(), Some("Connexions actives"));
    let rpc = row(&n, "TCP", "0.0.0.0", 135);
    assert_eq!((rpc.foreign_address.as_str(), rpc.foreign_port), ("LAPTOP-6LNI85PH", Some(0)));
    assert_eq!((rpc.pid, rpc.component.as_deref()), (Some(1244), Some("RpcSs")));
    let ff = row(&n, "TCP", "10.33.0.220", 57096);
    assert_eq!(ff.foreign_address, "ec2-34-208-151-126");
    assert_eq!((ff.foreign_port, ff.foreign_port_raw.as_str()), (None, "https"));
    let err = row(&n, "TCP", "0.0.0.0", 445);
    assert_eq!(
        err.owner_error.as_deref(),
        Some("Impossible d\u{2019}obtenir les informations de propriétaire")
    );
    assert!(n.unparsed.is_empty(), "{:?}", n.unparsed);
    let cmds: Vec<&str> = n.commands.iter().map(|c| c.command.as_str()).collect();
    assert_eq!(cmds, vec!["netstat -a -b -o", ""]);
    assert_eq!(n.commands[0].prompt, "PS C:\\windows\\system32>");
}

#[test]
fn fr_capture_udp_only_without_pid() {
    let input = fixture_raw("netstat", "fr-p-udp-anb.txt");
    let n = netstat::parse(&input);
    assert_accounts(&input, &n);
    assert_eq!(n.connections.len(), 26);
    assert!(n.connections.iter().all(|c| c.proto == "UDP" && c.pid.is_none() && c.state.is_none()));
    let ike = row(&n, "UDP", "0.0.0.0", 500);
    assert_eq!(
        (ike.component.as_deref(), ike.image.as_deref()),
        (Some("IKEEXT"), Some("svchost.exe"))
    );
    assert!(n.unparsed.is_empty());
    assert_eq!(n.commands.len(), 1);
}

#[test]
fn xp_capture_module_chains() {
    let input = fixture_raw("netstat", "en-xp-anvb-chains.txt");
    let n = netstat::parse(&input);
    assert_accounts(&input, &n);
    assert!(n.unparsed.is_empty(), "{:?}", n.unparsed);
    assert_eq!(n.connections.len(), 6);
    let rpc = row(&n, "TCP", "0.0.0.0", 135);
    assert_eq!(rpc.modules.len(), 5);
    assert_eq!(rpc.modules[4], "-- unknown component(s) --");
    assert_eq!((rpc.component.as_ref(), rpc.image.as_deref()), (None, Some("svchost.exe")));
    let dns = row(&n, "UDP", "0.0.0.0", 1025);
    assert_eq!(dns.modules.first().map(String::as_str), Some("C:\\WINDOWS\\system32\\mswsock.dll"));
    assert_eq!(row(&n, "TCP", "0.0.0.0", 445).image.as_deref(), Some("System"));
}

/// Named odd shapes, each built from lines of the captures above.
#[test]
fn odd_shapes_table() {
    // (name, input, rows, unparsed, check)
    type Check = fn(&Netstat);
    let wrapped = {
        // The zh capture's 89-column zone row, cut at 80 columns as SAC's screen wraps it.
        let long = "  UDP    [fe80::e908:14c9:dc52:d1d5%5]:52240  *:*                                    7608";
        let (a, b) = long.split_at(80);
        format!("{a}\r\n{b}\r\n  SSDPSRV\r\n [svchost.exe]\r\n")
    };
    let cases: Vec<(&str, String, usize, usize, Check)> = vec![
        (
            "german_state_proper_umlaut",
            "  TCP    0.0.0.0:135            0.0.0.0:0              ABHÖREN          1128\r\n".into(),
            1,
            0,
            |n| assert_eq!(n.connections[0].state.as_deref(), Some("LISTENING")),
        ),
        (
            "wrapped_zone_row_rejoined",
            wrapped,
            1,
            0,
            |n| {
                let c = &n.connections[0];
                assert_eq!((c.pid, c.image.as_deref()), (Some(7608), Some("svchost.exe")));
            },
        ),
        (
            "crlf_lf_and_stray_cr",
            "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712\r  RpcSs\n [svchost.exe]\r\n".into(),
            1,
            0,
            |n| assert_eq!(n.connections[0].component.as_deref(), Some("RpcSs")),
        ),
        (
            "doubled_cr_before_lf",
            "  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING       4\r\r\n Can not obtain ownership information\r\r\n".into(),
            1,
            0,
            |n| assert!(n.connections[0].owner_error.is_some()),
        ),
        (
            "owner_line_without_row_is_unparsed",
            " [svchost.exe]\r\n".into(),
            0,
            1,
            |n| assert_eq!(n.unparsed[0].line, 1),
        ),
        (
            "second_image_line_is_unparsed",
            "  TCP    0.0.0.0:7070           0.0.0.0:0              LISTENING       6608\n [AnyDesk.exe]\n [AnyDesk.exe]\n".into(),
            1,
            1,
            |n| assert_eq!(n.unparsed[0].line, 3),
        ),
        (
            "title_and_header_without_rows",
            "\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n".into(),
            0,
            0,
            |n| assert_eq!(n.title.as_deref(), Some("Active Connections")),
        ),
        (
            "elevation_error_instead_of_a_table",
            "The requested operation requires elevation.\r\n".into(),
            0,
            1,
            |n| assert!(n.header.is_none()),
        ),
        (
            "service_name_port_kept_raw",
            "  TCP    10.33.0.220:57223      a173-222-96-26:https   CLOSE_WAIT      22108\n".into(),
            1,
            0,
            |n| assert_eq!(n.connections[0].foreign_port_raw, "https"),
        ),
        (
            "trailing_spaces_and_tabs",
            "  TCP\t0.0.0.0:3389\t0.0.0.0:0\tLISTENING\t416   \t\n".into(),
            1,
            0,
            |n| assert_eq!(n.listeners_on(3389).len(), 1),
        ),
    ];
    for (name, input, rows, unparsed, check) in cases {
        let n = netstat::parse(&input);
        assert_accounts(&input, &n);
        assert_eq!(n.connections.len(), rows, "{name}: rows");
        assert_eq!(n.unparsed.len(), unparsed, "{name}: unparsed {:?}", n.unparsed);
        check(&n);
    }
}

/// Text made of netstat-like pieces and arbitrary unicode, control characters included.
fn netstatish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("  TCP    ".to_string()),
        Just("  UDP    ".to_string()),
        Just("0.0.0.0:135".to_string()),
        Just("[fe80::1%9]:1900".to_string()),
        Just("*:*".to_string()),
        Just(" [svchost.exe]".to_string()),
        Just("  RpcSs".to_string()),
        Just("LISTENING".to_string()),
        Just("ABHÖREN".to_string()),
        Just("   ".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("\r".to_string()),
        "[0-9]{1,6}",
        any::<String>(),
        "\\PC{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

const FIXTURES: &[&str] = &[
    "en-win10-anob.txt",
    "de-an-cp850-misdecoded.txt",
    "zh-anbo-padded.txt",
    "fr-abo-names.txt",
    "fr-p-udp-anb.txt",
    "en-xp-anvb-chains.txt",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_and_is_accounted(input in netstatish()) {
        let n = netstat::parse(&input);
        assert_accounts(&input, &n);
    }

    #[test]
    fn mutated_captures_never_panic_and_are_accounted(input in mutated(FIXTURES.iter().map(|f| fixture_raw("netstat", f)).collect())) {
        let n = netstat::parse(&input);
        assert_accounts(&input, &n);
        prop_assert!(serde_json::to_string(&n).is_ok());
    }
}

/// The simulator's netstat output (what the doctor reads in tests and demos) fits the grammar
/// with nothing left over, in every scenario.
#[test]
fn simulator_output_parses_completely() {
    for name in sacdoc_sim::machine::scenario_names() {
        for cmd in ["netstat -anob", "netstat -ano", "netstat -ano -p tcp"] {
            let out = sim_output(name, cmd);
            let n = netstat::parse(&out);
            assert_accounts(&out, &n);
            assert!(n.unparsed.is_empty(), "{name} `{cmd}`: {:?}", n.unparsed);
            assert!(!n.connections.is_empty(), "{name} `{cmd}`: no rows");
        }
    }
    let healthy = netstat::parse(&sim_output("healthy", "netstat -anob"));
    let rdp = healthy.listeners_on(3389);
    assert!(!rdp.is_empty());
    assert!(rdp.iter().all(|c| c.component.as_deref() == Some("TermService")
        && c.image.as_deref() == Some("svchost.exe")));
    let conflict = netstat::parse(&sim_output("port-conflict", "netstat -anob"));
    assert!(conflict.listeners_on(3389).iter().all(|c| c.image.as_deref() != Some("svchost.exe")));
}
