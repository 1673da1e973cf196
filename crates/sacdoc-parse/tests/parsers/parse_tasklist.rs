//! `tasklist` parser: real captures (tests/fixtures/parse/tasklist, each naming its source), one
//! named case per odd shape, and a property test of the line accounting.

use crate::parse_common;

use parse_common::{assert_accounted, fixture, lines_text};
use proptest::prelude::*;
use sacdoc_parse::tasklist;

#[test]
fn en_svc_list_wrapped_over_two_lines() {
    let input = fixture("tasklist", "en_svc_wrapped.txt");
    let out = tasklist::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.processes.len(), 13);
    assert_eq!(out.processes[0].image, "System Idle Process");
    assert_eq!(out.processes[0].pid, 0);
    assert!(out.processes[0].services.is_empty());
    assert_eq!(
        out.services_of(804).expect("row"),
        ["BrokerInfrastructure", "DcomLaunch", "Power", "SystemEventsBroker"]
    );
    assert_eq!(out.pid_of_service("vaultsvc"), Some(672));
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn en_rows_padded_to_console_width() {
    let input = fixture("tasklist", "en_svc_padded.txt");
    let out = tasklist::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.processes.len(), 9);
    assert_eq!(out.services_of(500).expect("lsass"), ["KeyIso", "SamSs"]);
    assert_eq!(out.processes[8].cells, vec!["lsass.exe", "500", "KeyIso, SamSs"]);
}

#[test]
fn zh_translated_header_and_na_word() {
    let input = fixture("tasklist", "zh_svc_localized_na.txt");
    let out = tasklist::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.processes.len(), 17);
    assert!(out.services_of(4).expect("System").is_empty());
    assert_eq!(out.pid_of_service("TermService"), Some(376));
    assert_eq!(out.services_of(732).expect("row").len(), 4);
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn zh_filtered_single_row() {
    let out = tasklist::parse(&fixture("tasklist", "zh_svc_filtered.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.pid_of_service("FxService"), Some(2476));
}

// Named shapes with no public capture; constructed from the grammar in
// shared/reference/command-outputs.md §5 (not captures).

#[test]
fn shape_csv_with_header_and_quoted_list() {
    let input = "\"Image Name\",\"PID\",\"Services\"\r\n\"svchost.exe\",\"1100\",\"TermService\"\r\n\"svchost.exe\",\"784\",\"RpcEptMapper,RpcSs\"\r\n\"System\",\"4\",\"N/A\"\r\n";
    let out = tasklist::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.processes.len(), 3);
    assert_eq!(out.services_of(784).expect("row"), ["RpcEptMapper", "RpcSs"]);
    assert!(out.services_of(4).expect("row").is_empty());
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_csv_without_header_wrapped_at_80() {
    let first = format!("\"svchost.exe\",\"964\",\"Appinfo,CertPropSvc,{}", "x".repeat(80 - 41));
    assert_eq!(first.chars().count(), 80);
    let input = format!("{first}\nSvc,gpsvc\"\n\"a.exe\",\"1\",\"N/A\"\n");
    let out = tasklist::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let svcs = out.services_of(964).expect("row");
    assert_eq!(svcs.len(), 4);
    assert_eq!(svcs[3], "gpsvc");
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_no_match_message_in_any_language() {
    for msg in [
        "INFO: No tasks are running which match the specified criteria.",
        "INFORMATION: Es werden keine Aufgaben mit den angegebenen Kriterien ausgeführt.",
        "信息: 没有运行的任务匹配指定标准。",
    ] {
        let out = tasklist::parse(&format!("{msg}\r\n"));
        assert!(out.processes.is_empty());
        assert_eq!(out.messages.len(), 1, "{msg}");
        assert!(out.unparsed.is_empty());
    }
}

#[test]
fn shape_default_table_session_and_memory() {
    let input = "\nImage Name                     PID Session Name        Session#    Mem Usage\n========================= ======== ================ =========== ============\nsvchost.exe                    784 Services                   0     12,344 K\n";
    let out = tasklist::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let p = &out.processes[0];
    assert_eq!((p.pid, p.session_name.as_deref(), p.session), (784, Some("Services"), Some(0)));
    assert_eq!(p.mem_usage.as_deref(), Some("12,344 K"));
    assert!(p.services.is_empty());
}

#[test]
fn shape_rows_without_header() {
    let out = tasklist::parse(
        "svchost.exe                   1100 TermService\nSystem Idle Process              0 N/A\n",
    );
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.pid_of_service("TermService"), Some(1100));
    assert_eq!(out.processes[1].image, "System Idle Process");
}

#[test]
fn shape_row_with_non_numeric_pid_is_kept() {
    let input = "Image Name                     PID Services\n========================= ======== ============\nbroken.exe                    abc TermService\n";
    let out = tasklist::parse(input);
    assert!(out.processes.is_empty());
    assert_eq!(out.unparsed.len(), 1);
    assert_eq!(out.unparsed[0].line, 3);
}

fn line_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,90}",
        Just("Image Name                     PID Services".to_string()),
        Just(
            "========================= ======== ============================================"
                .to_string()
        ),
        Just(
            "svchost.exe                    732 BrokerInfrastructure, DcomLaunch, Power,"
                .to_string()
        ),
        Just("                                   SystemEventsBroker".to_string()),
        Just("\"svchost.exe\",\"784\",\"RpcEptMapper,RpcSs\"".to_string()),
        Just(format!("\"a.exe\",\"1\",\"{}", "y".repeat(70))),
        Just("INFO: No tasks are running which match the specified criteria.".to_string()),
        Just(String::new()),
    ]
}

proptest! {
    #[test]
    fn any_text_is_accounted_for(input in lines_text(line_strategy())) {
        let out = tasklist::parse(&input);
        assert_accounted(&input, &out.consumed_lines, &out.unparsed);
        serde_json::to_string(&out).expect("serializes");
    }
}
