//! Certificate-store listing parser: real captures (tests/fixtures/parse/certs, each naming its
//! source), one named case per odd shape, and a property test of the line accounting.
//!
//! PowerShell does not translate property names, so "localized" here means culture-formatted
//! dates and translated surrounding pages; no capture with translated cert labels exists.

use crate::parse_common;

use parse_common::{assert_accounted, fixture, lines_text};
use proptest::prelude::*;
use sacdoc_parse::certs;

#[test]
fn en_table_row_with_empty_subject_and_padded_header() {
    let input = fixture("certs", "en_table_empty_subject.txt");
    let out = certs::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.stores, vec![r"currentuser\my"]);
    let c = out.by_thumbprint("1c7115a30632e82a04a734179759756427247965").expect("cert");
    assert_eq!(c.subject, None);
    assert_eq!(c.store.as_deref(), Some(r"currentuser\my"));
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn en_table_truncated_subjects_are_flagged() {
    let out = certs::parse(&fixture("certs", "en_table_truncated_subjects.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.certificates.len(), 3);
    assert!(!out.certificates[0].subject_truncated);
    assert_eq!(out.certificates[0].subject.as_deref(), Some("CN=Root Agency"));
    assert!(out.certificates[1].subject_truncated);
    assert!(out.certificates[2].subject_truncated);
}

#[test]
fn en_table_after_import_pfx() {
    let out = certs::parse(&fixture("certs", "en_table_import_pfx.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.certificates[0].thumbprint, "3B138D84C077C292579BA35E4410634E164075CD");
    assert_eq!(
        out.certificates[0].subject.as_deref(),
        Some("CN=zwin7fh14scd.westus.cloudapp.azure.com")
    );
    assert_eq!(out.certificates[0].store.as_deref(), Some(r"CurrentUser\My"));
}

#[test]
fn day_first_culture_date_is_normalised() {
    let input = fixture("certs", "engb_list_day_first_date.txt");
    let out = certs::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    let c = &out.certificates[0];
    assert_eq!(c.thumbprint, "2A63BF5D4A3E91DE1A634DA64A5E89505D06E26A");
    assert_eq!(c.has_private_key, Some(true));
    assert_eq!(c.not_after_text.as_deref(), Some("10/04/2027 14:18:29"));
    assert_eq!(c.not_after.as_deref(), Some("2027-04-10T14:18:29"));
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

// Named shapes with no public capture; constructed from the grammar in
// shared/reference/command-outputs.md §7 (not captures).

#[test]
fn shape_list_of_two_certs_us_date_and_wrapped_subject() {
    let input = "\r\n\r\nThumbprint    : 0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43\r\nSubject       : CN=WIN-SERVER01.contoso.example, OU=Servers, O=Contoso, L=Redmond,\r\n                S=Washington, C=US\r\nNotAfter      : 3/1/2025 10:20:30 PM\r\nHasPrivateKey : False\r\n\r\nThumbprint    : 1111111111111111111111111111111111111111\r\nNotAfter      : 2026/1/2 3:04:05\r\nHasPrivateKey : True\r\n";
    let out = certs::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.certificates.len(), 2);
    let a = &out.certificates[0];
    assert_eq!(
        a.subject.as_deref(),
        Some(
            "CN=WIN-SERVER01.contoso.example, OU=Servers, O=Contoso, L=Redmond, S=Washington, C=US"
        )
    );
    assert_eq!(a.not_after.as_deref(), Some("2025-03-01T22:20:30"));
    assert_eq!(a.has_private_key, Some(false));
    assert_eq!(out.certificates[1].not_after.as_deref(), Some("2026-01-02T03:04:05"));
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_table_row_without_thumbprint_goes_to_unparsed() {
    let input = "Thumbprint                                Subject\n----------                                -------\nnot-a-thumbprint                          CN=x\n";
    let out = certs::parse(input);
    assert!(out.certificates.is_empty());
    assert_eq!(out.unparsed.len(), 1);
    assert_eq!(out.unparsed[0].line, 3);
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_empty_store_prints_nothing() {
    let out = certs::parse("\r\n\r\n");
    assert!(out.certificates.is_empty() && out.unparsed.is_empty());
}

fn line_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,90}",
        Just(r"   PSParentPath: Microsoft.PowerShell.Security\Certificate::LocalMachine\Remote Desktop".to_string()),
        Just("Thumbprint                                Subject".to_string()),
        Just("----------                                -------".to_string()),
        Just("0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43  CN=WIN-SERVER01".to_string()),
        Just("Thumbprint    : 0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43".to_string()),
        Just("NotAfter      : 3/1/2025 10:20:30 PM".to_string()),
        Just("                S=Washington".to_string()),
        Just(String::new()),
    ]
}

proptest! {
    #[test]
    fn any_text_is_accounted_for(input in lines_text(line_strategy())) {
        let out = certs::parse(&input);
        assert_accounted(&input, &out.consumed_lines, &out.unparsed);
        serde_json::to_string(&out).expect("serializes");
    }
}

/// The doctor's listing (clock line, then `ConvertTo-Json`), as the simulator answers it.
const RDP_CERTS_JSON: &str = "powershell -NoProfile -NonInteractive -Command \"Get-Date -Format o; Get-ChildItem 'Cert:\\LocalMachine\\Remote Desktop' | Select-Object Thumbprint,NotAfter,HasPrivateKey | ConvertTo-Json\"";

#[test]
fn json_listing_with_the_vm_clock_reads_on_the_simulator() {
    let healthy = parse_common::sim_output("healthy", RDP_CERTS_JSON);
    let (clock, rest) = certs::json::split_clock(&healthy);
    let clock = clock.expect("the first line is Get-Date -Format o");
    let list = certs::json::parse(rest).expect("JSON");
    assert_eq!(list.len(), 1, "{healthy}");
    let c = &list[0];
    assert!(certs::is_thumbprint(&c.thumbprint), "{c:?}");
    assert!(c.not_after_ms.expect("a \\/Date(ms)\\/ expiry") > clock, "healthy: not expired");
    assert_eq!(c.has_private_key, Some(true));
    let expired = parse_common::sim_output("cert-expired", RDP_CERTS_JSON);
    let (clock, rest) = certs::json::split_clock(&expired);
    let c = &certs::json::parse(rest).expect("JSON")[0];
    assert!(c.not_after_ms.expect("expiry") <= clock.expect("clock"), "{expired}");
}

#[test]
fn json_listing_damaged_or_empty() {
    assert_eq!(certs::json::parse("  \r\n").expect("an empty store"), vec![]);
    let e = certs::json::parse("{\"Thumbprint\": \"AB").expect_err("cut JSON");
    assert!(e.to_string().contains("not JSON"), "{e}");
    let without = certs::json::parse(r#"[{"NotAfter": "2030-01-01T00:00:00"}]"#).expect("JSON");
    assert!(without.is_empty(), "an object without a thumbprint is no certificate");
}

#[test]
fn the_vm_clock_in_every_shape_get_date_prints() {
    use certs::json::parse_clock;
    let utc = parse_clock("2026-01-15T08:00:00.0000000+00:00").expect("ISO");
    assert_eq!(parse_clock("2026-01-15T09:30:00.0000000+01:30"), Some(utc), "offset applied");
    assert_eq!(parse_clock("Thursday, January 15, 2026 8:00:00 AM"), Some(utc), "en-US long");
    assert_eq!(parse_clock("15.01.2026 08:00:00"), Some(utc), "de-DE");
    assert_eq!(parse_clock("2026/1/15 8:00:00"), Some(utc), "zh-CN, ja-JP");
    assert_eq!(parse_clock("1/15/2026 8:00:00 AM"), Some(utc), "en-US short");
    assert_eq!(parse_clock("Donnerstag, 15. Januar 2026 08:00:00"), None, "not a shape read");
    assert_eq!(parse_clock("9999999999-99-99T99:99:99"), None, "garbled: no panic");
}
