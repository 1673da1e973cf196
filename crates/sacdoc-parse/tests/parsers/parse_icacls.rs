//! icacls parser: real captures (en, de, zh, es, fr, ko), the /save format, named odd shapes, properties.
//!
//! Fixtures live in tests/fixtures/parse/icacls/; their first lines (`#| ...`) name the source
//! and are stripped here, the rest is the capture as published.

use crate::parse_common;

use parse_common::{assert_accounted, fixture_raw, mutated, sim_output};
use proptest::prelude::*;
use sacdoc_parse::icacls::{self, Icacls};

fn check(input: &str) -> Icacls {
    let r = icacls::parse(input);
    assert_accounted(input, &r.consumed_lines, &r.unparsed);
    r
}

#[test]
fn en_inherited_aces_and_specific_rights() {
    let r = check(&fixture_raw("icacls", "en-unifi-video.txt"));
    assert_eq!(r.objects.len(), 1);
    let o = &r.objects[0];
    assert_eq!(o.path, "unifi-video");
    assert_eq!(o.aces.len(), 5);
    let sys = &o.aces[0];
    assert_eq!(sys.principal, "NT AUTHORITY\\SYSTEM");
    assert!(sys.inherited && !sys.deny);
    assert_eq!(
        (sys.flags.clone(), sys.rights.clone()),
        (vec!["OI".to_string(), "CI".into()], vec!["F".to_string()])
    );
    assert_eq!(o.aces[2].flags, vec!["OI", "CI", "IO"]);
    assert_eq!(o.aces[4].rights, vec!["WD", "AD", "WEA", "WA"]);
    assert_eq!((r.succeeded, r.failed), (Some(1), Some(0)));
    // The prompt and the echoed command are commands, not data.
    assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
    let cmds: Vec<(&str, &str)> =
        r.commands.iter().map(|c| (c.prompt.as_str(), c.command.as_str())).collect();
    assert_eq!(cmds, vec![("PS C:\\ProgramData>", ""), ("", "icacls unifi-video")]);
    let users = o.aces_for("S-1-5-32-545");
    assert_eq!(users.len(), 2);
}

#[test]
fn en_generic_rights_and_long_principals() {
    let r = check(&fixture_raw("icacls", "en-windows-generic-rights.txt"));
    let o = &r.objects[0];
    assert_eq!(o.path, "c:\\windows");
    assert_eq!(o.aces.len(), 13);
    assert_eq!(o.aces[7].rights, vec!["GR", "GE"]);
    assert_eq!(
        o.aces[12].principal,
        "APPLICATION PACKAGE AUTHORITY\\ALL RESTRICTED APPLICATION PACKAGES"
    );
    assert_eq!(
        o.aces[0].sid.as_deref(),
        Some("S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464")
    );
    assert!(r.unparsed.is_empty(), "the prompt line is a command: {:?}", r.unparsed);
    assert_eq!(r.commands.len(), 1);
}

#[test]
fn en_deny_ace_and_powershell_wrapped_error() {
    let r = check(&fixture_raw("icacls", "en-deny-and-ps-error.txt"));
    assert_eq!(r.objects.len(), 1);
    let deny = &r.objects[0].aces[0];
    assert!(deny.deny);
    assert_eq!(
        (deny.principal.as_str(), deny.rights.clone()),
        ("APPSANITY\\devdoc", vec!["W".to_string(), "X".into()])
    );
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].path, "ReportManagementHelper.exe");
    assert_eq!(r.errors[0].message, "Access is denied.");
    // Two runs, two trailers: the counts add up.
    assert_eq!((r.succeeded, r.failed), (Some(1), Some(1)));
}

#[test]
fn en_failed_run_and_path_with_spaces() {
    let r = check(&fixture_raw("icacls", "en-sam-failed-and-spaces.txt"));
    let paths: Vec<&str> = r.objects.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(paths, vec!["C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe", "C:\\xampp"]);
    assert_eq!(r.objects[0].aces[1].principal, "Everyone");
    assert_eq!(r.objects[0].aces[1].sid.as_deref(), Some("S-1-1-0"));
    assert_eq!(r.objects[1].aces.len(), 5);
    assert_eq!((r.succeeded, r.failed), (Some(2), Some(1)));
    assert!(r.object("VMware Tools\\vmtoolsd.exe").is_some());
}

#[test]
fn de_localized_principals_resolve_to_sids() {
    let r = check(&fixture_raw("icacls", "de-onedrivesetup.txt"));
    let o = &r.objects[0];
    assert_eq!(o.path, "work\\mnt\\Windows\\System32\\OneDriveSetup.exe");
    assert_eq!(o.aces.len(), 6);
    assert_eq!(o.aces_for("BUILTIN\\Administrators").len(), 1);
    assert_eq!(o.aces_for("S-1-5-18")[0].principal, "NT-AUTORITÄT\\SYSTEM");
    assert_eq!(o.aces_for("Users")[0].rights, vec!["RX"]);
    assert_eq!(o.aces[5].sid.as_deref(), Some("S-1-15-2-2"));
    assert_eq!((r.succeeded, r.failed), (None, None));
}

#[test]
fn zh_relative_path_and_chinese_trailer() {
    let r = check(&fixture_raw("icacls", "zh-dot.txt"));
    assert_eq!(r.objects.len(), 1);
    assert_eq!(r.objects[0].path, ".");
    assert_eq!(r.objects[0].aces.len(), 8);
    assert_eq!((r.succeeded, r.failed), (Some(1), Some(0)));
    assert_eq!(r.trailer.as_deref(), Some("已成功处理 1 个文件; 处理 0 个文件时失败"));
}

/// French well-known principals from a real capture resolve to their SIDs (the doctor compares
/// SIDs), the application package groups with their typographic apostrophes included; the
/// short `> ` PowerShell prompt is a command.
#[test]
fn fr_principals_resolve_to_sids() {
    let r = check(&fixture_raw("icacls", "fr-ext2srv-prompted.txt"));
    assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
    assert_eq!(r.commands.len(), 1);
    assert_eq!(r.commands[0].prompt, ">");
    assert_eq!(r.objects.len(), 1);
    let o = &r.objects[0];
    assert_eq!(o.path, "C:\\Program Files\\Ext2Fsd\\Ext2Srv.exe");
    let sids: Vec<Option<&str>> = o.aces.iter().map(|a| a.sid.as_deref()).collect();
    assert_eq!(
        sids,
        vec![
            Some("S-1-5-18"),
            Some("S-1-5-32-544"),
            Some("S-1-5-32-545"),
            Some("S-1-15-2-1"),
            Some("S-1-15-2-2")
        ]
    );
    assert!(o.aces.iter().all(|a| a.inherited));
    assert_eq!(o.aces_for("BUILTIN\\Administrators").len(), 1);
}

#[test]
fn zh_modify_mode_processed_lines() {
    let r = check(&fixture_raw("icacls", "zh-modify-mode.txt"));
    assert!(r.objects.is_empty());
    assert_eq!(r.processed, vec!["A:\\ssh_pushKEY\\seeklaw\\1\\sshKey1"; 2]);
    assert_eq!((r.succeeded, r.failed), (Some(2), Some(0)));
    // The three prompt lines are commands; the invalid-parameter message (no path, no colon)
    // is kept.
    assert_eq!(r.commands.len(), 3);
    assert_eq!(r.unparsed.len(), 1);
    assert!(r.unparsed.iter().any(|u| u.text == "无效参数“%USERNAME%”"));
}

#[test]
fn es_grant_runs_with_localized_errors() {
    let r = check(&fixture_raw("icacls", "es-grant-errors.txt"));
    assert!(r.objects.is_empty(), "command echo lines are not objects: {:?}", r.objects);
    let who: Vec<&str> = r.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(who, vec!["vs", "JC"]);
    assert!(r.errors[0].message.starts_with("No se efectuó ninguna asignación"));
    assert_eq!(r.processed.len(), 5);
    assert_eq!(r.processed[3], "\\\\Mac\\Home\\Documents\\SQL Server Management Studio");
    // Seven trailers; the word "error" in the Spanish success text does not make a failure.
    assert_eq!((r.succeeded, r.failed), (Some(5), Some(2)));
    // Eight command echo lines are commands; the invalid-parameter message is kept.
    assert_eq!(r.commands.len(), 8, "{:?}", r.commands);
    assert_eq!(r.unparsed.len(), 1, "{:?}", r.unparsed);
}

/// Korean summaries of three modify-mode runs behind `> ` prompts: the sourced table names
/// the language and the three summaries add up. Each run's `처리된 파일: mspt3.pem` names a bare
/// relative file, read as the processed file (not as an error labelled `처리된 파일`).
#[test]
fn ko_summaries_of_three_prompted_runs() {
    let r = check(&fixture_raw("icacls", "ko-pem-three-runs-prompted.txt"));
    assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
    assert!(r.objects.is_empty());
    assert_eq!((r.succeeded, r.failed), (Some(3), Some(0)));
    assert_eq!(r.trailer.as_deref(), Some("1 파일을 처리했으며 0 파일은 처리하지 못했습니다."));
    assert_eq!(r.trailer_language.as_deref(), Some("ko"));
    let cmds: Vec<(usize, &str, &str)> =
        r.commands.iter().map(|c| (c.line, c.prompt.as_str(), c.command.as_str())).collect();
    assert_eq!(cmds[0], (1, ">", "icacls.exe mspt3.pem /reset"));
    assert_eq!(cmds.iter().map(|c| c.0).collect::<Vec<_>>(), vec![1, 4, 7]);
    assert_eq!(r.runs.len(), 3);
    // icacls ran in the key's folder: the processed file is a bare name, not an error.
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.processed, vec!["mspt3.pem"; 3]);
}

/// German: an English group name that does not resolve on de-DE Windows, then a summary with
/// one failure, read by the table.
#[test]
fn de_no_mapping_error_and_failed_summary() {
    let r = check(&fixture_raw("icacls", "de-no-mapping-failed.txt"));
    assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].path, "Administrators");
    assert!(r.errors[0].message.starts_with("Zuordnungen von Kontennamen"));
    assert_eq!((r.succeeded, r.failed), (Some(0), Some(1)));
    assert_eq!(r.trailer_language.as_deref(), Some("de"));
}

/// Every capture in the fixture folder parses with every line accounted for, and a summary in
/// it is named by the table entry of the language its file name starts with (`zh-tw-` is
/// zh-TW, `zh-` zh-CN); a language without an entry must read its summary by structure.
#[test]
fn every_fixture_in_the_folder_is_accounted_and_its_summary_named() {
    let dir = format!("{}/tests/fixtures/parse/icacls", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "{names:?}");
    for name in &names {
        let r = check(&fixture_raw("icacls", name));
        let Some(trailer) = r.trailer.as_deref() else { continue };
        let lang = match name.split('-').next().unwrap_or("") {
            "zh" if name.starts_with("zh-tw-") => "zh-TW",
            "zh" => "zh-CN",
            other => other,
        };
        let in_table = sacdoc_parse::messages::ICACLS_SUMMARY.iter().any(|(l, ..)| *l == lang);
        let expected = in_table.then_some(lang);
        assert_eq!(r.trailer_language.as_deref(), expected, "{name}: {trailer}");
    }
}

#[test]
fn odd_shapes_table() {
    type Check = fn(&Icacls);
    let cases: Vec<(&str, &str, Check)> = vec![
        (
            // icacls MachineKeys /t as the doctor runs it: two objects, blank line between.
            "two_objects_of_a_t_run",
            "C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys Everyone:(R,W)\r\n                                                  BUILTIN\\Administrators:(F)\r\n\r\nC:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys\\f686aace6942fb7f7ceb231212eef4a4_c5f2 NT AUTHORITY\\SYSTEM:(I)(F)\r\n\r\nSuccessfully processed 2 files; Failed processing 0 files\r\n",
            |r| {
                assert_eq!(r.objects.len(), 2);
                let mk = r.object("Crypto\\RSA\\MachineKeys").expect("MachineKeys");
                assert_eq!(mk.aces_for("Everyone")[0].rights, vec!["R", "W"]);
                assert!(r.objects[1].aces[0].inherited);
            },
        ),
        (
            "error_interleaved_in_t_run",
            "C:\\a NT AUTHORITY\\SYSTEM:(OI)(CI)(F)\nC:\\a\\secret: Access is denied.\n     BUILTIN\\Users:(OI)(CI)(RX)\n\nSuccessfully processed 1 files; Failed processing 1 files\n",
            |r| {
                assert_eq!(r.objects[0].aces.len(), 2);
                assert_eq!(r.errors[0].path, "C:\\a\\secret");
                assert_eq!(r.failed, Some(1));
            },
        ),
        (
            "no_mapping_error_kb2744558",
            "forest2.forest1.com\\admins: No mapping between account names and security IDs was done.\nSuccessfully processed 0 files; Failed processing 1 files\n",
            |r| {
                assert_eq!(r.errors[0].message, "No mapping between account names and security IDs was done.");
                assert_eq!(r.succeeded, Some(0));
            },
        ),
        (
            "german_trailer",
            "C:\\x VORDEFINIERT\\Administratoren:(F)\n\n3 Dateien erfolgreich verarbeitet, bei 0 Dateien ist ein Verarbeitungsfehler aufgetreten.\n",
            |r| assert_eq!((r.succeeded, r.failed), (Some(3), Some(0))),
        ),
        (
            // French trailer shapes as two projects' tests quote them (no real capture found).
            "french_trailers_with_and_without_colon",
            "C:\\x BUILTIN\\Administrateurs:(F)\n\n1 fichiers correctement traités ; échec du traitement de 0 fichiers\nFichiers correctement traités : 2 ; Échec du traitement de 1 fichiers\n",
            |r| {
                assert_eq!((r.succeeded, r.failed), (Some(3), Some(1)));
                assert!(r.errors.is_empty());
                assert_eq!(r.objects[0].aces[0].sid.as_deref(), Some("S-1-5-32-544"));
            },
        ),
        (
            "integrity_label_and_sid_principal",
            "asd.txt S-1-5-21-1-2-3-1001:(F)\n        Mandatory Label\\High Mandatory Level:(NW)\n",
            |r| {
                let o = &r.objects[0];
                assert_eq!(o.aces[0].sid.as_deref(), Some("S-1-5-21-1-2-3-1001"));
                assert_eq!(o.aces[1].rights, vec!["NW"]);
            },
        ),
        (
            "unindented_continuation_as_pasted",
            "asd.txt BUILTIN\\Administrators:(I)(F)\nDESKTOP-IDJHTKP\\user:(I)(F)\nNT AUTHORITY\\SYSTEM:(I)(F)\n",
            |r| {
                assert_eq!(r.objects.len(), 1);
                assert_eq!(r.objects[0].path, "asd.txt");
                assert_eq!(r.objects[0].aces.len(), 3);
            },
        ),
        (
            "np_flag_and_no_access_right",
            "C:\\t Everyone:(OI)(NP)(N)\n     CREATOR OWNER:(OI)(CI)(NP)(IO)(F)\n",
            |r| {
                let o = &r.objects[0];
                assert_eq!((o.aces[0].flags.clone(), o.aces[0].rights.clone()), (vec!["OI".to_string(), "NP".into()], vec!["N".to_string()]));
                assert_eq!(o.aces[1].flags, vec!["OI", "CI", "NP", "IO"]);
            },
        ),
        (
            "mixed_case_rc_and_d_in_list",
            "C:\\t BUILTIN\\Users:(W,Rc)\n     Everyone:(D,WDAC,WO,WA)\n",
            |r| assert_eq!(r.objects[0].aces[1].rights, vec!["D", "WDAC", "WO", "WA"]),
        ),
    ];
    for (name, input, f) in cases {
        let r = check(input);
        f(&r);
        let _ = name;
    }
}

#[test]
fn line_wrapped_at_80_columns_is_rejoined() {
    let long = "C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys\\f686aace6942fb7f7ceb231212eef4a4_c5f2 NT AUTHORITY\\SYSTEM:(I)(F)";
    for cut in [80, 95, 70] {
        // SAC's screen hard-wraps at 80 (a wider console wraps later); a line shorter than
        // the console width did not wrap and must stay two lines.
        let (a, b) = long.split_at(cut.min(long.len() - 1));
        let input = format!(
            "{a}\r\n{b}\r\n\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n"
        );
        let r = check(&input);
        if cut >= 80 {
            assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
            assert_eq!(r.objects[0].aces[0].rights, vec!["F"]);
            assert!(r.objects[0].path.ends_with("_c5f2"));
        } else {
            assert!(!r.unparsed.is_empty());
        }
    }
}

#[test]
fn save_format_text_and_utf16_bytes() {
    // Produced from the layout documented in command-outputs.md §2 (name line, SDDL line).
    let text =
        "MachineKeys\r\nD:PAI(A;OICIIO;FA;;;CO)(A;;0x12019f;;;WD)(A;;FA;;;BA)(A;OICI;FA;;;SY)\r\n";
    let s = icacls::parse_save(text);
    assert_accounted(text, &s.consumed_lines, &s.unparsed);
    assert_eq!(s.entries.len(), 1);
    assert_eq!(s.entries[0].aces.len(), 4);
    assert_eq!(s.entries[0].aces[1].sid, "S-1-1-0");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    assert_eq!(icacls::parse_save_bytes(&bytes).map(|s| s.entries.len()), Ok(1));
    let err = icacls::decode_utf16le(&bytes[..bytes.len() - 1]).expect_err("odd length");
    assert!(err.to_string().contains("odd length"));
}

fn icaclsish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("C:\\ProgramData\\x ".to_string()),
        Just("NT AUTHORITY\\SYSTEM".to_string()),
        Just(":(OI)(CI)(F)".to_string()),
        Just("(DENY)".to_string()),
        Just("(I)".to_string()),
        Just("(WD,AD)".to_string()),
        Just(": Access is denied.".to_string()),
        Just("Successfully processed 1 files; Failed processing 0 files".to_string()),
        Just("                 ".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("\r".to_string()),
        "[0-9]{1,4}",
        any::<String>(),
        "\\PC{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

const FIXTURES: &[&str] = &[
    "en-unifi-video.txt",
    "en-windows-generic-rights.txt",
    "en-deny-and-ps-error.txt",
    "en-sam-failed-and-spaces.txt",
    "de-onedrivesetup.txt",
    "zh-dot.txt",
    "zh-modify-mode.txt",
    "es-grant-errors.txt",
    "zh-tw-three-runs-prompted.txt",
    "fr-ext2srv-prompted.txt",
    "ko-pem-three-runs-prompted.txt",
    "de-no-mapping-failed.txt",
];

fn mutated_fixture() -> impl Strategy<Value = String> {
    mutated(FIXTURES.iter().map(|f| fixture_raw("icacls", f)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_and_is_accounted(input in icaclsish()) {
        check(&input);
    }

    #[test]
    fn mutated_captures_never_panic_and_are_accounted(input in mutated_fixture()) {
        let r = check(&input);
        prop_assert!(serde_json::to_string(&r).is_ok());
    }

    #[test]
    fn save_never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(s) = icacls::parse_save_bytes(&bytes) {
            let text = icacls::decode_utf16le(&bytes).unwrap_or_default();
            assert_accounted(&text, &s.consumed_lines, &s.unparsed);
        }
    }
}

const MACHINE_KEYS: &str = "C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys";

/// The simulator's icacls output fits the grammar with nothing left over, in every scenario,
/// and the MachineKeys facts the doctor needs come out.
#[test]
fn simulator_output_parses_completely() {
    for name in sacdoc_sim::machine::scenario_names() {
        for cmd in [format!("icacls {MACHINE_KEYS}"), format!("icacls {MACHINE_KEYS} /t /c")] {
            let out = sim_output(name, &cmd);
            let r = check(&out);
            assert!(r.unparsed.is_empty(), "{name} `{cmd}`: {:?}", r.unparsed);
            assert!(r.object("Crypto\\RSA\\MachineKeys").is_some(), "{name} `{cmd}`");
            let total = r.succeeded.unwrap_or(0) + r.failed.unwrap_or(0);
            assert_eq!(r.failed, Some(r.errors.len() as u64), "{name} `{cmd}`");
            assert!(total >= 1);
        }
    }
    let healthy = check(&sim_output("healthy", &format!("icacls {MACHINE_KEYS}")));
    let mk = healthy.object("MachineKeys").expect("MachineKeys");
    assert!(!mk.aces_for("S-1-5-32-544").is_empty(), "Administrators on MachineKeys: {mk:?}");
    let broken = check(&sim_output("machinekeys-acl", &format!("icacls {MACHINE_KEYS} /t /c")));
    assert!(broken.failed.unwrap_or(0) > 0);
    assert!(broken.errors.iter().all(|e| e.path.starts_with(MACHINE_KEYS)));
}
