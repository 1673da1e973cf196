//! reg parser: Wine's byte-exact conformance outputs, real captures (en, de, zh), named odd
//! shapes, and properties.
//!
//! Fixtures live in tests/fixtures/parse/reg/; their first lines (`#| ...`) name the source and
//! are stripped here, the rest is the capture as published.

use crate::parse_common;

use parse_common::{assert_accounted, fixture_raw, mutated, sim_output};
use proptest::prelude::*;
use sacdoc_parse::reg::{self, RegData, RegQuery};

/// Every non-blank physical line is consumed by the grammar or quoted verbatim in `unparsed`,
/// exactly one of the two; blank lines are in neither.
fn check(input: &str) -> RegQuery {
    let q = reg::parse(input);
    assert_accounted(input, &q.consumed_lines, &q.unparsed);
    q
}

/// wine-mirror/wine programs/reg/tests/query.c compares reg.exe's output byte for byte (and the
/// test passes on Windows); its `KEY_BASE` macro is `Software\Wine\reg_test`.
mod wine {
    pub const TEST1: &str = "\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\r\n    Test1    REG_SZ    Hello, World\r\n    Test2    REG_DWORD    0x123\r\n\r\n";
    pub const TEST3: &str = "\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\r\n    Test1    REG_SZ    Hello, World\r\n    Test2    REG_DWORD    0x123\r\n    Wine    REG_SZ    First instance\r\n\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey\r\n";
    pub const TEST6: &str = "\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\r\n    Test1    REG_SZ    Hello, World\r\n    Test2    REG_DWORD    0x123\r\n    Wine    REG_SZ    First instance\r\n\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey\r\n    Test3    REG_SZ    Some string data\r\n    Test4    REG_DWORD    0xabc\r\n    Wine    REG_SZ    Second instance\r\n\r\n";
    pub const TEST7: &str = "\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\r\n    Wine    REG_SZ    First instance\r\n\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey\r\n    Wine    REG_SZ    Second instance\r\n\r\n";
    pub const TEST8A: &str = "\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey1\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey2\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey3\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey4\r\n";
    pub const TEST8B: &str = "\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey1\r\n\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey2\r\n\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey3\r\n\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey4\r\n\r\n";
}

#[test]
fn wine_values_of_one_key() {
    let q = check(wine::TEST1);
    assert_eq!(q.keys.len(), 1);
    let k = &q.keys[0];
    assert_eq!(k.path, "HKEY_CURRENT_USER\\Software\\Wine\\reg_test");
    assert_eq!(k.value("Test1").and_then(|v| v.text()), Some("Hello, World"));
    assert_eq!(q.dword("HKCU\\Software\\Wine\\reg_test", "Test2"), Some(0x123));
    assert!(q.unparsed.is_empty() && q.error.is_none() && q.matches.is_none());
}

#[test]
fn wine_subkey_list_after_values() {
    let q = check(wine::TEST3);
    assert_eq!(q.keys.len(), 1);
    assert_eq!(q.keys[0].values.len(), 3);
    assert_eq!(q.keys[0].subkeys, vec!["HKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey"]);
}

#[test]
fn wine_recursive_s_and_v_with_s() {
    for (input, values) in [(wine::TEST6, [3, 3]), (wine::TEST7, [1, 1])] {
        let q = check(input);
        assert_eq!(q.keys.len(), 2);
        assert_eq!([q.keys[0].values.len(), q.keys[1].values.len()], values);
        assert!(q.keys.iter().all(|k| k.subkeys.is_empty()));
    }
    let q = check(wine::TEST6);
    assert_eq!(q.value("reg_test\\subkey", "wine").and_then(|v| v.text()), Some("Second instance"));
    assert_eq!(q.dword("subkey", "Test4"), Some(0xabc));
}

#[test]
fn wine_subkeys_without_header_and_empty_keys_under_s() {
    let q = check(wine::TEST8A);
    assert_eq!(q.keys.len(), 1);
    assert!(q.keys[0].inferred);
    assert_eq!(q.keys[0].path, "HKEY_CURRENT_USER\\Software\\Wine\\reg_test");
    assert_eq!(q.keys[0].subkeys.len(), 4);
    let q = check(wine::TEST8B);
    assert_eq!(q.keys.len(), 4);
    assert!(q.keys.iter().all(|k| !k.inferred && k.values.is_empty() && k.subkeys.is_empty()));
}

#[test]
fn en_rdp_port_capture() {
    let q = check(&fixture_raw("reg", "en-rdp-tcp-portnumber.txt"));
    assert_eq!(q.dword("Terminal Server\\WinStations\\RDP-Tcp", "PortNumber"), Some(3389));
    assert!(q.error.is_none());
    let texts: Vec<&str> = q.unparsed.iter().map(|u| u.text.as_str()).collect();
    // Three prompt lines are commands; the PowerShell result `3389` is kept.
    assert_eq!(texts, vec!["3389"]);
    assert_eq!(q.commands.len(), 3);
    let json = serde_json::to_value(&q).expect("json");
    let v = &json["keys"][0]["values"][0];
    assert_eq!(
        (v["name"].as_str(), v["type"].as_str(), v["data"].as_u64()),
        (Some("PortNumber"), Some("REG_DWORD"), Some(3389))
    );
    assert_eq!(v["default"], false);
    for key in ["keys", "matches", "error", "unparsed"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn en_two_queries_in_one_capture() {
    let q = check(&fixture_raw("reg", "en-evilwinrm-two-queries.txt"));
    assert_eq!(q.keys.len(), 2);
    assert_eq!(q.dword("Control\\Terminal Server", "fDenyTSConnections"), Some(0));
    assert_eq!(q.dword("RDP-Tcp", "PortNumber"), Some(3389));
    assert!(q.unparsed.is_empty());
    assert_eq!(q.commands.len(), 2);
    assert_eq!(q.commands[0].prompt, "*Evil-WinRM* PS C:\\Users\\eric.wallows\\Documents>");
    assert_eq!(q.runs.len(), 2);
}

#[test]
fn de_not_found_error_then_value() {
    let q = check(&fixture_raw("reg", "de-error-then-dword.txt"));
    assert_eq!(
        q.error.as_deref(),
        Some("FEHLER: Der angegebene Registrierungsschlüssel bzw. Wert wurde nicht gefunden.")
    );
    assert!(!q.not_found(), "a key was printed after the error");
    assert_eq!(q.dword("Control\\FileSystem", "LongPathsEnabled"), Some(1));
    assert!(q.unparsed.is_empty());
    assert_eq!(q.commands[0].command.get(..9), Some("REG QUERY"));
}

#[test]
fn zh_default_value_name() {
    let q = check(&fixture_raw("reg", "zh-default-value.txt"));
    let v = q.value("App Paths\\devenv.exe", "").expect("default value");
    assert!(v.default);
    assert_eq!(v.name_raw.as_deref(), Some("(默认)"));
    assert_eq!(
        v.text(),
        Some("\"C:\\Program Files (x86)\\Microsoft Visual Studio\\2019\\Enterprise\\common7\\ide\\devenv.exe\"")
    );
    assert!(q.value("App Paths\\devenv.exe", "(Default)").is_some());
    let json = serde_json::to_value(&q).expect("json");
    assert_eq!(json["keys"][0]["values"][0]["name"], "");
    assert_eq!(json["keys"][0]["values"][0]["default"], true);
    assert_eq!(q.unparsed.len(), 1);
}

#[test]
fn ja_default_value_and_condensed_keys() {
    let q = check(&fixture_raw("reg", "ja-default-value-condensed.txt"));
    assert!(q.unparsed.is_empty(), "{:?}", q.unparsed);
    assert_eq!(q.keys.len(), 3);
    let shell = q.key("HKCR\\Unknown\\shell").expect("shell key");
    assert_eq!(shell.value("").and_then(|v| v.name_raw.as_deref()), Some("(既定)"));
    assert_eq!(shell.value("(Default)").and_then(|v| v.text()), Some("openas"));
    assert_eq!(q.value("Open", "ProgrammaticAccessOnly").and_then(|v| v.text()), Some(""));
    let cmd = q.value("Unknown\\shell\\Open\\command", "").expect("default of command");
    assert_eq!(
        (cmd.kind.as_str(), cmd.text()),
        ("REG_EXPAND_SZ", Some("%SystemRoot%\\system32\\OpenWith.exe \"%1\""))
    );
}

#[test]
fn odd_shapes_table() {
    type Check = fn(&RegQuery);
    let cases: Vec<(&str, String, Check)> = vec![
        (
            "not_found_error_only",
            "\r\nERROR: The system was unable to find the specified registry key or value.\r\n".into(),
            |q| assert!(q.not_found() && q.unparsed.is_empty()),
        ),
        (
            "chinese_error",
            "\r\n错误: 系统找不到指定的注册表项或值。\r\n".into(),
            |q| assert!(q.not_found()),
        ),
        (
            "every_value_type",
            concat!(
                "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa\r\n",
                "    Security Packages    REG_MULTI_SZ    kerberos\\0msv1_0\\0schannel\\0wdigest\\0tspkg\\0pku2u\r\n",
                "    LimitBlankPasswordUse    REG_DWORD    0x1\r\n",
                "    Bounds    REG_BINARY    0030000000200000\r\n",
                "    TimeStamp    REG_QWORD    0x156458a35\r\n",
                "    ImagePath    REG_EXPAND_SZ    %SystemRoot%\\system32\\zipfldr.dll\r\n",
                "    Marker    REG_NONE    \r\n",
                "    LegalNoticeCaption    REG_SZ\r\n",
                "    (Default)    REG_SZ    x  y\r\n\r\n",
            )
            .into(),
            |q| {
                let k = &q.keys[0];
                assert_eq!(k.values.len(), 8);
                assert_eq!(k.values[0].data, RegData::List(["kerberos", "msv1_0", "schannel", "wdigest", "tspkg", "pku2u"].map(String::from).to_vec()));
                assert_eq!(k.values[2].data, RegData::Text("0030000000200000".into()));
                assert_eq!(k.values[3].number(), Some(0x156458a35));
                assert_eq!(k.values[4].text(), Some("%SystemRoot%\\system32\\zipfldr.dll"));
                assert_eq!(k.values[5].text(), Some(""));
                assert_eq!(k.values[6].text(), Some(""));
                assert!(k.values[7].default && k.values[7].text() == Some("x  y"));
            },
        ),
        (
            "french_default_name_and_error_spacing",
            "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\.386\r\n    (par défaut)    REG_SZ    vxdfile\r\n\r\nERREUR : Le système n’a pas trouvé la clé ou la valeur de Registre spécifiée.\r\n".into(),
            |q| {
                assert!(q.keys[0].values[0].default);
                assert!(q.error.as_deref().is_some_and(|e| e.starts_with("ERREUR :")));
            },
        ),
        (
            "end_of_search_count",
            "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\X\r\n    Wine    REG_SZ    a\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\X\\Wine\r\n\r\nEnd of search: 2 match(es) found.\r\n".into(),
            |q| {
                assert_eq!(q.matches, Some(2));
                assert_eq!(q.keys.len(), 2);
            },
        ),
        (
            "value_wrapped_at_80_columns",
            {
                let line = "    ImagePath    REG_EXPAND_SZ    %SystemRoot%\\System32\\svchost.exe -k NetworkService -p";
                let (a, b) = line.split_at(80);
                format!("\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\TermService\r\n{a}\r\n{b}\r\n\r\n")
            },
            |q| {
                assert_eq!(q.keys[0].values[0].text(), Some("%SystemRoot%\\System32\\svchost.exe -k NetworkService -p"));
                assert!(q.unparsed.is_empty());
            },
        ),
        (
            "key_header_wrapped_at_80_columns",
            {
                let key = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server";
                let (a, b) = key.split_at(80);
                format!("\r\n{a}\r\n{b}\r\n    Enabled    REG_DWORD    0x0\r\n\r\n")
            },
            |q| {
                assert_eq!(q.dword("SCHANNEL\\Protocols\\TLS 1.2\\Server", "Enabled"), Some(0));
                assert!(q.unparsed.is_empty());
            },
        ),
        (
            "xp_tab_separated_no_name",
            "! REG.EXE VERSION 3.0\r\n\r\nHKEY_CLASSES_ROOT\\HTTP\\shell\\open\\command\r\n\t<NO NAME>\tREG_SZ\t\"C:\\x.exe\" -url \"%1\"\r\n".into(),
            |q| {
                assert!(q.keys[0].values[0].default);
                assert_eq!(q.unparsed.len(), 1);
            },
        ),
        (
            "lf_and_stray_cr_line_ends",
            "\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\r    Test2    REG_DWORD    0x123\n".into(),
            |q| assert_eq!(q.dword("reg_test", "test2"), Some(0x123)),
        ),
    ];
    for (name, input, f) in cases {
        let q = check(&input);
        f(&q);
        let _ = name;
    }
}

fn reggish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("HKEY_LOCAL_MACHINE\\SYSTEM\\X".to_string()),
        Just("    ".to_string()),
        Just("PortNumber".to_string()),
        Just("REG_DWORD".to_string()),
        Just("REG_MULTI_SZ".to_string()),
        Just("0x".to_string()),
        Just("\\0".to_string()),
        Just("(Standard)".to_string()),
        Just("End of search: ".to_string()),
        Just("ERROR: ".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("\r".to_string()),
        Just("\t".to_string()),
        "[0-9a-f]{1,20}",
        any::<String>(),
        "\\PC{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

const FIXTURES: &[&str] = &[
    "ja-default-value-condensed.txt",
    "en-rdp-tcp-portnumber.txt",
    "en-evilwinrm-two-queries.txt",
    "de-error-then-dword.txt",
    "zh-default-value.txt",
];

fn mutated_output() -> impl Strategy<Value = String> {
    let mut bases: Vec<String> = FIXTURES.iter().map(|f| fixture_raw("reg", f)).collect();
    bases.extend([wine::TEST6, wine::TEST8A, wine::TEST3].map(str::to_string));
    mutated(bases)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_and_is_accounted(input in reggish()) {
        check(&input);
    }

    #[test]
    fn mutated_outputs_never_panic_and_are_accounted(input in mutated_output()) {
        let q = check(&input);
        prop_assert!(serde_json::to_string(&q).is_ok());
    }
}

const RDP_TCP: &str =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp";
const SCHANNEL: &str = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL";

/// The simulator's reg output fits the grammar with nothing left over, in every scenario, and
/// the DWORDs the doctor reads come out.
#[test]
fn simulator_output_parses_completely() {
    for name in sacdoc_sim::machine::scenario_names() {
        for cmd in [
            format!("reg query \"{RDP_TCP}\""),
            format!("reg query \"{RDP_TCP}\" /v PortNumber"),
            format!("reg query \"{SCHANNEL}\" /s"),
            "reg query HKLM\\SOFTWARE\\NoSuchKeyForSacdoc".to_string(),
        ] {
            let out = sim_output(name, &cmd);
            let q = check(&out);
            assert!(q.unparsed.is_empty(), "{name} `{cmd}`: {:?}", q.unparsed);
        }
        let port = check(&sim_output(name, &format!("reg query \"{RDP_TCP}\" /v PortNumber")));
        assert!(port.dword("RDP-Tcp", "PortNumber").is_some(), "{name}");
        let missing = check(&sim_output(name, "reg query HKLM\\SOFTWARE\\NoSuchKeyForSacdoc"));
        assert!(missing.not_found(), "{name}");
    }
    let healthy = check(&sim_output("healthy", &format!("reg query \"{RDP_TCP}\"")));
    assert_eq!(healthy.dword("WinStations\\RDP-Tcp", "PortNumber"), Some(3389));
}
