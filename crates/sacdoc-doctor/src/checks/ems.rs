//! `ems`: the running boot entry keeps EMS on, with the port and speed the console line uses, so
//! the serial console survives the restarts the fixes ask for.
//!
//! Element names (`ems`, `bootems`, `emsport`, `emsbaudrate`) and `Yes`/`No` are never translated
//! by bcdedit; section titles and the identifier label are, so `parse::bcdedit` reads sections by
//! shape.

use super::super::commands;
use super::super::engine::{CheckError, Ctx};
use super::super::model::{Backup, CheckId, Finding, Fix, Step};
use super::{Check, Found};
use sacdoc_parse::bcdedit::{self, BcdEntry};

pub struct Ems;

/// The section `id` of `bcdedit /enum ID` output, or its only section (the identifier element's
/// label is translated but the parser finds it by position).
fn section(output: &str, id: &str) -> Option<BcdEntry> {
    let parsed = bcdedit::parse(output);
    let pick = parsed.entry(id).or_else(|| parsed.entries.first()).cloned();
    pick.filter(|e| !e.elements.is_empty())
}

/// The first of `names` the entry prints (`emsport`, or `debugport` on older stores).
fn get(entry: Option<&BcdEntry>, names: &[&str]) -> Option<String> {
    let e = entry?;
    names.iter().find_map(|n| e.get(n)).map(|v| v.trim().to_string())
}

/// What the two bcdedit commands say about EMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmsRead {
    /// The `ems` value as printed, `(absent)` when the entry has none.
    pub ems: String,
    /// `ems` reads as yes (in any language `parse::bcdedit::yes_no` knows).
    pub on: bool,
    pub port: Option<String>,
    pub baud: Option<String>,
}

/// Reads `bcdedit /enum {current}` (`None` when it printed no boot entry) and
/// `bcdedit /enum {emssettings}`.
pub fn read(current: &str, emssettings: &str) -> Option<EmsRead> {
    let loader = section(current, "{current}")?;
    let ems = loader.get("ems").map(|v| v.trim().to_string());
    let settings = section(emssettings, "{emssettings}");
    Some(EmsRead {
        on: ems.as_deref().and_then(bcdedit::yes_no) == Some(true),
        ems: ems.unwrap_or_else(|| "(absent)".to_string()),
        port: get(settings.as_ref(), &["emsport", "debugport"]),
        baud: get(settings.as_ref(), &["emsbaudrate", "baudrate"]),
    })
}

impl Check for Ems {
    fn id(&self) -> CheckId {
        CheckId::Ems
    }
    fn step(&self) -> &'static str {
        "offline 2: boot log and serial console"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::bcd_current(), commands::bcd_emssettings()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError> {
        let c1 = commands::bcd_current();
        let cur = cx.need(&c1)?;
        let Some(EmsRead { ems, .. }) = read(&cur.output, "") else {
            found.evidence(&c1, super::show(&cur, 4));
            return Ok(found.unknown("bcdedit printed no boot entry"));
        };
        found.evidence(&c1, format!("ems {ems}"));
        let c2 = commands::bcd_emssettings();
        let es = cx.need(&c2)?;
        let Some(EmsRead { on, port, baud, .. }) = read(&cur.output, &es.output) else {
            return Ok(found.unknown("bcdedit printed no boot entry"));
        };
        found.evidence(
            &c2,
            format!(
                "port {}, speed {}",
                port.as_deref().unwrap_or("(not set: firmware default)"),
                baud.as_deref().unwrap_or("(not set: firmware default)")
            ),
        );
        let (want_port, want_baud) = (cx.settings.ems_port, cx.settings.ems_baud);
        let mut wrong = Vec::new();
        let mut cmds = Vec::new();
        if !on {
            wrong.push(format!("EMS is off for the current boot entry (ems {ems})"));
            cmds.push(Step::new("bcdedit /ems {current} on"));
        }
        let port_bad = port.as_deref().is_some_and(|p| p.trim() != want_port.to_string());
        let baud_bad = baud.as_deref().is_some_and(|b| b.trim() != want_baud.to_string());
        if port_bad || baud_bad {
            wrong.push(format!(
                "EMS uses port {} at {} but the line is COM{want_port} at {want_baud}",
                port.as_deref().unwrap_or("?"),
                baud.as_deref().unwrap_or("?")
            ));
            cmds.push(Step::new(format!(
                "bcdedit /emssettings EMSPORT:{want_port} EMSBAUDRATE:{want_baud}"
            )));
        }
        if wrong.is_empty() {
            return Ok(found.ok(format!(
                "EMS on for the current entry (port {}, speed {})",
                port.as_deref().unwrap_or("default"),
                baud.as_deref().unwrap_or("default")
            )));
        }
        let file = format!(r"{}\{}-bcd", commands::BACKUP_DIR, cx.settings.run_id);
        let fix = Fix {
            id: "enable-ems".into(),
            title: format!(
                "Turn EMS on for the current boot entry at COM{want_port}, {want_baud} baud"
            ),
            why:
                "The fixes ask for restarts; without EMS on the boot entry (at the line's port and \
                  speed) the serial console is gone after the restart."
                    .into(),
            backups: vec![Backup {
                what: "boot configuration store (bcdedit /export)".into(),
                command: format!("bcdedit /export \"{file}\""),
                remote_file: file.clone(),
                restore: format!("bcdedit /import \"{file}\""),
            }],
            commands: cmds,
            verify: Some(CheckId::Ems),
            reboot: false,
            later: Vec::new(),
            warning: None,
        };
        Ok(found.problem(wrong.join("; "), Some(fix)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, sim_output};
    use super::*;

    #[test]
    fn translated_identifier_labels_find_the_current_entry() {
        let de =
            fixture(include_str!("../../../sacdoc-parse/tests/fixtures/parse/bcdedit/de_enum.txt"));
        let fr = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/bcdedit/fr_enum_all.txt"
        ));
        // Neither store has EMS on the running entry, nor an EMS port: the same reading in
        // German (Bezeichner) and French (identificateur).
        let want = EmsRead { ems: "(absent)".into(), on: false, port: None, baud: None };
        assert_eq!(read(&de, &de), Some(want.clone()));
        assert_eq!(read(&fr, &fr), Some(want));
        assert_eq!(read("", ""), None);
    }

    #[test]
    fn the_simulated_store_has_ems_on() {
        let cur = sim_output("healthy", &commands::bcd_current());
        let es = sim_output("healthy", &commands::bcd_emssettings());
        let r = read(&cur, &es).expect("an entry");
        // `{emssettings}` prints `bootems` only until `/emssettings` sets a port: firmware default.
        assert_eq!(r, EmsRead { ems: "Yes".into(), on: true, port: None, baud: None });
    }
}
