//! Firewall rule parser: real captures (tests/fixtures/parse/firewall, each naming its source),
//! one named case per odd shape, and a property test of the line accounting.
//!
//! No public capture of translated `netsh ... show rule` output was found (the German and
//! Chinese samples in other projects are test constants their authors wrote); the translated
//! cases below are constructed from the labels quoted in shared/reference/command-outputs.md §8.

use crate::parse_common;

use parse_common::{assert_accounted, fixture, lines_text};
use proptest::prelude::*;
use sacdoc_parse::firewall::{self, Action, Direction};

#[test]
fn en_verbose_rule_with_any_protocol_and_ok_trailer() {
    let input = fixture("firewall", "en_netsh_verbose_protocol_any.txt");
    let out = firewall::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.rules.len(), 1);
    let r = &out.rules[0];
    assert_eq!(r.name, "Virtual Desktop Streamer");
    assert_eq!(
        (r.enabled, r.direction, r.action),
        (Some(true), Some(Direction::In), Some(Action::Allow))
    );
    assert_eq!(r.protocol.as_deref(), Some("Any"));
    assert_eq!(r.local_port, None);
    assert_eq!(
        r.program.as_deref(),
        Some(r"C:\Program Files\Virtual Desktop Streamer\VirtualDesktop.Streamer.exe")
    );
    assert_eq!(out.messages.len(), 1);
    assert_eq!(out.messages[0].text, "Ok.");
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn en_get_netfirewallrule_list() {
    let input = fixture("firewall", "en_get_netfirewallrule_list.txt");
    let out = firewall::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let r = &out.rules[0];
    assert_eq!(r.id.as_deref(), Some("RemoteDesktop-UserMode-In-TCP"));
    assert_eq!(r.name, "Remote Desktop - User Mode (TCP-In)");
    assert_eq!(
        (r.enabled, r.direction, r.action),
        (Some(true), Some(Direction::In), Some(Action::Allow))
    );
    assert_eq!(r.grouping.as_deref(), Some("Remote Desktop"));
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_german_labels_and_values() {
    let input = "\r\nRegelname:                               Remotedesktop - Benutzermodus (TCP eingehend)\r\n----------------------------------------------------------------------\r\nAktiviert:                               Ja\r\nRichtung:                                Eingehend\r\nProfile:                                 Domäne,Privat,Öffentlich\r\nGruppierung:                             Remotedesktop\r\nLokale IP:                               Beliebig\r\nRemote-IP:                               Beliebig\r\nProtokoll:                               TCP\r\nLokaler Port:                            3389\r\nRemoteport:                              Beliebig\r\nEdgeausnahme:                            Nein\r\nAktion:                                  Zulassen\r\n\r\nOK.\r\n\r\n";
    let out = firewall::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let r = &out.rules[0];
    assert_eq!(
        (r.enabled, r.direction, r.action),
        (Some(true), Some(Direction::In), Some(Action::Allow))
    );
    assert_eq!(r.local_ports, vec![firewall::PortRange { from: 3389, to: 3389 }]);
    assert_eq!(out.inbound_allowing(3389).count(), 1);
    assert_eq!(
        r.fields.iter().find(|f| f.key == "action").map(|f| f.value.as_str()),
        Some("Zulassen")
    );
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_unknown_labels_read_by_position() {
    // GUESS labels (a language absent from the table): netsh's fixed order gives their meaning.
    let input = "Nom X:        RDP\n----------------------------------------------------------------------\nA1:           Oui\nA2:           Entrant\nA3:           Tout\nA4:           Bureau\nA5:           Tout\nA6:           Tout\nA7:           TCP\nA8:           3389-3390\nA9:           Tout\nA10:          Non\nA11:          Autoriser\n";
    let out = firewall::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let r = &out.rules[0];
    assert_eq!(
        (r.enabled, r.direction, r.action),
        (Some(true), Some(Direction::In), Some(Action::Allow))
    );
    assert!(r.covers_local_port(3390) && !r.covers_local_port(3391));
}

#[test]
fn shape_no_match_message_and_block_rule() {
    let out = firewall::parse("\r\nNo rules match the specified criteria.\r\n\r\n");
    assert!(out.rules.is_empty());
    assert_eq!(out.messages.len(), 1);
    let input = "Rule Name:                            Block RDP\n----------------------------------------------------------------------\nEnabled:                              Yes\nDirection:                            In\nProtocol:                             TCP\nLocalPort:                            Any\nAction:                               Block\n";
    let out = firewall::parse(input);
    assert_eq!(out.rules[0].action, Some(Action::Block));
    assert!(out.rules[0].local_port_any);
    assert_eq!(out.inbound_allowing(3389).count(), 0);
}

#[test]
fn shape_icmp_type_code_lines() {
    let input = "Rule Name:                            ping\n----------------------------------------------------------------------\nEnabled:                              Yes\nProtocol:                             ICMPv4\n                                      Type    Code\n                                      8       Any\nAction:                               Allow\n";
    let out = firewall::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.rules[0].protocol.as_deref(), Some("ICMPv4 Type    Code 8       Any"));
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_description_wrapped_at_80_columns() {
    let desc = format!("Description:                          {}", "d".repeat(80 - 38));
    assert_eq!(desc.chars().count(), 80);
    let input = format!("Rule Name:                            x\n----------------------------------------------------------------------\n{desc}\nmore words [TCP 3389]\nEnabled:                              No\n");
    let out = firewall::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let d = out.rules[0].fields.iter().find(|f| f.key == "description").expect("description");
    assert!(d.value.ends_with("dmore words [TCP 3389]"), "{}", d.value);
    assert_eq!(out.rules[0].enabled, Some(false));
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

fn line_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,90}",
        Just(
            "Rule Name:                            Remote Desktop - User Mode (TCP-In)".to_string()
        ),
        Just("----------------------------------------------------------------------".to_string()),
        Just("Enabled:                              Yes".to_string()),
        Just("LocalPort:                            3389".to_string()),
        Just("                                      8       Any".to_string()),
        Just("Ok.".to_string()),
        Just("Name                  : RemoteDesktop-UserMode-In-TCP".to_string()),
        Just(format!("Description:                          {}", "w".repeat(42))),
        Just(String::new()),
    ]
}

proptest! {
    #[test]
    fn any_text_is_accounted_for(input in lines_text(line_strategy())) {
        let out = firewall::parse(&input);
        assert_accounted(&input, &out.consumed_lines, &out.unparsed);
        serde_json::to_string(&out).expect("serializes");
    }
}

/// The doctor's two firewall questions, `Get-NetFirewallRule -Name RemoteDesktop-UserMode-In-TCP
/// | Format-List Enabled,Direction,Action` and its port filter's `LocalPort`.
const FW_RULE: &str = "powershell -NoProfile -NonInteractive -Command \"Get-NetFirewallRule -Name RemoteDesktop-UserMode-In-TCP | Format-List Enabled,Direction,Action\"";
const FW_PORT: &str = "powershell -NoProfile -NonInteractive -Command \"Get-NetFirewallRule -Name RemoteDesktop-UserMode-In-TCP | Get-NetFirewallPortFilter | Format-List LocalPort\"";

#[test]
fn first_record_reads_rule_properties_from_a_real_listing_and_the_simulator() {
    use sacdoc_parse::services::psformat::first_record;
    let en = fixture("firewall", "en_get_netfirewallrule_list.txt");
    let r = first_record(&en, "Enabled").expect("a record");
    assert_eq!((r.get("Enabled"), r.get("Action")), (Some("True"), Some("Allow")));
    let sim = parse_common::sim_output("healthy", FW_RULE);
    let r = first_record(&sim, "Enabled").expect("a record");
    assert_eq!(firewall::labels::enabled(r.get("Enabled").unwrap_or("")), Some(true));
    let pf = parse_common::sim_output("healthy", FW_PORT);
    let local = first_record(&pf, "LocalPort").and_then(|r| r.get("LocalPort").map(String::from));
    assert_eq!(local.as_deref(), Some("3389"));
    let missing = parse_common::sim_output(
        "healthy",
        "powershell -NoProfile -NonInteractive -Command \"Get-NetFirewallRule -Name NoSuchRule | Format-List Enabled,Direction,Action\"",
    );
    assert_eq!(first_record(&missing, "Enabled"), None, "an error record is not a rule: {missing}");
}

#[test]
fn local_port_forms() {
    use firewall::port_allowed;
    assert!(port_allowed("3389", 3389));
    assert!(port_allowed("{80, 3389}", 3389));
    assert!(port_allowed("3000-4000", 3389));
    assert!(port_allowed("Any", 3390));
    assert!(!port_allowed("3390", 3389));
    assert!(!port_allowed("", 3389));
}
