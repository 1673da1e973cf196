//! `Get-Service` parser: real captures (tests/fixtures/parse/services, each naming its source),
//! one named case per odd shape, and a property test of the line accounting.
//!
//! PowerShell does not translate column names or Status/StartType values; only display names
//! are translated. The captures found come from translated documentation pages (ja-JP, pl-PL);
//! no capture from a non-English Windows was found.

use crate::parse_common;

use parse_common::{assert_accounted, fixture, lines_text};
use proptest::prelude::*;
use sacdoc_parse::sc::{ServiceState, StartType};
use sacdoc_parse::services;

#[test]
fn en_table_with_widened_name_column() {
    let input = fixture("services", "en_table_wide_name_column.txt");
    let out = services::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.services.len(), 2);
    let s = out.service("ironfoundry.dea.directory").expect("row");
    assert_eq!(s.display_name.as_deref(), Some("Iron Foundry DEA Directory Service"));
    assert_eq!(s.status, Some(ServiceState::Running));
    assert_eq!(s.state_code(), Some(4));
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn en_name_filling_its_column() {
    let out = services::parse(&fixture("services", "en_table_name_fills_column.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let s = &out.services[0];
    assert_eq!(s.name, "IronFoundry.Warden");
    assert_eq!(s.display_name.as_deref(), Some("Iron Foundry Warden Service"));
}

#[test]
fn en_format_list_record() {
    let input = fixture("services", "en_list_w32time.txt");
    let out = services::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let s = out.service("W32Time").expect("record");
    assert_eq!(s.status, Some(ServiceState::Running));
    assert_eq!(s.service_type.as_deref(), Some("Win32ShareProcess"));
    assert!(s.depends_on.is_empty() && s.dependents.is_empty());
    assert_eq!(s.properties.len(), 9);
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn truncated_display_name_is_flagged() {
    let out = services::parse(&fixture("services", "en_table_truncated_display_name.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let s = out.service("WinRM").expect("row");
    assert!(s.display_name_truncated);
    assert!(!s.name_truncated);
}

// Named shapes with no public capture; constructed from the grammar in
// shared/reference/command-outputs.md §7 (not captures).

#[test]
fn shape_truncated_name_never_matches() {
    let input = "\r\nStatus   Name               DisplayName\r\n------   ----               -----------\r\nStopped  TieringEngineSe... Storage Tiers Management\r\nRunning  TermService        Remote Desktop Services\r\n";
    let out = services::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert!(out.services[0].name_truncated);
    assert!(out.service("TieringEngineSe...").is_none());
    assert_eq!(out.service("termservice").and_then(|s| s.state_code()), Some(4));
}

#[test]
fn shape_list_with_start_type_and_dependencies() {
    let input = "Name                : TermService\nDisplayName         : Remotedesktopdienste\nStatus              : Stopped\nDependentServices   : {UmRdpService}\nServicesDependedOn  : {RPCSS, TermDD}\nStartType           : Manual\n\nName                : UmRdpService\nStatus              : StopPending\nStartType           : Disabled\n";
    let out = services::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let t = out.service("TermService").expect("record");
    assert_eq!((t.state_code(), t.start_type), (Some(1), Some(StartType::Demand)));
    assert_eq!(t.start_type_code(), Some(3));
    assert_eq!(t.depends_on, vec!["RPCSS", "TermDD"]);
    assert_eq!(t.dependents, vec!["UmRdpService"]);
    let u = out.service("UmRdpService").expect("record");
    assert_eq!((u.status, u.start_type_code()), (Some(ServiceState::StopPending), Some(4)));
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_error_record_lines_are_kept() {
    let input =
        "Get-Service : Cannot find any service with service name 'nope'.\r\nAt line:1 char:1\r\n";
    let out = services::parse(input);
    assert!(out.services.is_empty());
    assert_eq!(out.unparsed.len(), 2);
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

fn line_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,90}",
        Just("Status   Name               DisplayName".to_string()),
        Just("------   ----               -----------".to_string()),
        Just("Running  TermService        Remote Desktop Services".to_string()),
        Just("Name                : TermService".to_string()),
        Just("Status              : Running".to_string()),
        Just("                      continued".to_string()),
        Just(String::new()),
    ]
}

proptest! {
    #[test]
    fn any_text_is_accounted_for(input in lines_text(line_strategy())) {
        let out = services::parse(&input);
        assert_accounted(&input, &out.consumed_lines, &out.unparsed);
        serde_json::to_string(&out).expect("serializes");
    }
}
