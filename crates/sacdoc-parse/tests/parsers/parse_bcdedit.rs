//! `bcdedit` parser: real captures (tests/fixtures/parse/bcdedit, each naming its source), one
//! named case per odd shape, and a property test of the line accounting.

use crate::parse_common;

use parse_common::{assert_accounted, fixture, lines_text};
use proptest::prelude::*;
use sacdoc_parse::bcdedit;

#[test]
fn zh_all_verbose_titles_and_identifier_label_translated() {
    let input = fixture("bcdedit", "zh_enum_all_v.txt");
    let out = bcdedit::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.entries.len(), 13);
    assert_eq!(out.entries[0].title, "Windows 启动管理器");
    assert_eq!(
        out.entries[0].identifier.as_deref(),
        Some("{9dea862c-5cdd-4e70-acc1-f32b344d4795}")
    );
    // `EMS 设置` has a GUID with /v; found by its element, not its title.
    let ems = out.entries.iter().find(|e| e.title == "EMS 设置").expect("ems section");
    assert_eq!(ems.ems.bootems, Some(true));
    assert_eq!(out.loaders().count(), 2);
    let global = out.entry("{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}").expect("global settings");
    assert_eq!(global.elements[1].values.len(), 3);
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn zh_value_wrapped_at_console_width_is_joined() {
    let out = bcdedit::parse(&fixture("bcdedit", "zh_enum_all_v.txt"));
    let winre = out.entry("{3a83f40c-85ca-11e9-82a5-ee8f458de4b5}").expect("recovery loader");
    // The capture lost one character at the break ("...8de" / "b5\"); the join keeps what is there.
    assert_eq!(
        winre.get("device"),
        Some(
            r"ramdisk=[C:]\Recovery\3a83f40c-85ca-11e9-82a5-ee8f458deb5\Winre.wim,{3a83f40d-85ca-11e9-82a5-ee8f458de4b5}"
        )
    );
    assert!(winre.get("osdevice").is_some_and(|v| v.ends_with("}")));
}

#[test]
fn de_translated_titles() {
    let input = fixture("bcdedit", "de_enum.txt");
    let out = bcdedit::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.entries.len(), 3);
    assert_eq!(out.entries[1].title, "Windows-Startladeprogramm");
    assert_eq!(out.entry("{current}").and_then(|e| e.get("description")), Some("Windows 10"));
    assert_eq!(
        out.entry("{bootmgr}")
            .expect("bootmgr")
            .elements
            .iter()
            .find(|e| e.name == "displayorder")
            .map(|e| e.values.len()),
        Some(2)
    );
    assert_eq!(out.entry("{current}").expect("current").ems.ems, None);
}

#[test]
fn fr_ems_settings_off_and_short_underline() {
    let input = fixture("bcdedit", "fr_enum_all.txt");
    let out = bcdedit::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.entries.len(), 12);
    let ems = out.entry("{emssettings}").expect("ems settings");
    assert_eq!(ems.title, "Paramètres EMS");
    assert_eq!(ems.ems.bootems, Some(false));
    assert!(out.entry("{hypervisorsettings}").is_some());
    assert_accounted(&input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn pl_every_line_ends_with_a_space() {
    let input = fixture("bcdedit", "pl_enum_all_trailing_spaces.txt");
    let out = bcdedit::parse(&input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.entries.len(), 8);
    assert_eq!(out.entry("{emssettings}").expect("ems").ems.bootems, Some(true));
    assert_eq!(out.entries[1].get("description"), Some("Diagnostyka pamieci systemu Windows"));
    assert_eq!(out.entry("{dbgsettings}").and_then(|e| e.get("baudrate")), Some("115200"));
}

#[test]
fn en_enum_all_debugger_and_ems() {
    let out = bcdedit::parse(&fixture("bcdedit", "en_enum_all.txt"));
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.entry("{emssettings}").expect("ems").ems.bootems, Some(true));
    assert_eq!(out.entry("{badmemory}").expect("bad memory").elements.len(), 1);
}

// Named shapes with no public capture; constructed from the grammar in
// shared/reference/command-outputs.md §6 (not captures).

#[test]
fn shape_loader_with_ems_and_emssettings_port_and_baud() {
    let input = "\r\nWindows Boot Loader\r\n-------------------\r\nidentifier              {current}\r\nosdevice                partition=C:\r\nsystemroot              \\Windows\r\nems                     Yes\r\n\r\nEMS Settings\r\n------------\r\nidentifier              {emssettings}\r\nbootems                 Yes\r\nemsport                 1\r\nemsbaudrate             115200\r\n";
    let out = bcdedit::parse(input);
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.entry("{current}").expect("loader").ems.ems, Some(true));
    let s = &out.entry("{emssettings}").expect("ems").ems;
    assert_eq!((s.bootems, s.emsport, s.emsbaudrate), (Some(true), Some(1), Some(115200)));
}

#[test]
fn shape_error_text_without_sections_is_kept() {
    let input = "The boot configuration data store could not be opened.\r\nAccess is denied.\r\n";
    let out = bcdedit::parse(input);
    assert!(out.entries.is_empty());
    assert_eq!(out.unparsed.len(), 2);
    assert_accounted(input, &out.consumed_lines, &out.unparsed);
}

#[test]
fn shape_stray_cr_line_breaks() {
    let out = bcdedit::parse("EMS Settings\r------------\ridentifier              {emssettings}\rbootems                 No\r");
    assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
    assert_eq!(out.entries[0].ems.bootems, Some(false));
}

fn line_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,90}",
        Just("Windows Boot Loader".to_string()),
        Just("-------------------".to_string()),
        Just("identifier              {current}".to_string()),
        Just("ems                     Yes".to_string()),
        Just("                        {emssettings}".to_string()),
        Just(format!("device                  ramdisk=[C:]\\{}", "z".repeat(42))),
        Just("b5\\Winre.wim,{3a83f40d}".to_string()),
        Just(String::new()),
    ]
}

proptest! {
    #[test]
    fn any_text_is_accounted_for(input in lines_text(line_strategy())) {
        let out = bcdedit::parse(&input);
        assert_accounted(&input, &out.consumed_lines, &out.unparsed);
        serde_json::to_string(&out).expect("serializes");
    }
}
