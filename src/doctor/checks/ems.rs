//! `ems`: the running boot entry keeps EMS on, with the port and speed the console line uses, so
//! the serial console survives the restarts the fixes ask for.
//!
//! Element names (`ems`, `bootems`, `emsport`, `emsbaudrate`) and `Yes`/`No` are never translated
//! by bcdedit; section titles are, so they are skipped.

use super::super::commands;
use super::super::engine::{Ctx, DoctorError};
use super::super::extract::bcd_elements;
use super::super::model::{Backup, Finding, Fix};
use super::{Check, Found};
use crate::need;

pub struct Ems;

fn get<'a>(els: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    els.iter()
        .find(|(n, _)| names.iter().any(|w| n.eq_ignore_ascii_case(w)))
        .map(|(_, v)| v.as_str())
}

impl Check for Ems {
    fn id(&self) -> &'static str {
        "ems"
    }
    fn step(&self) -> &'static str {
        "offline 2: boot log and serial console"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::bcd_current(), commands::bcd_emssettings()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>) -> Result<Finding, DoctorError> {
        let mut found = Found::new(self);
        let c1 = commands::bcd_current();
        let cur = need!(cx, found, c1.clone());
        let loader = bcd_elements(&cur.output);
        if loader.is_empty() {
            found.evidence(&c1, super::show(&cur, 4));
            return Ok(found.unknown("bcdedit printed no boot entry"));
        }
        let ems = get(&loader, &["ems"]).unwrap_or("(absent)").to_string();
        found.evidence(&c1, format!("ems {ems}"));
        let c2 = commands::bcd_emssettings();
        let es = need!(cx, found, c2.clone());
        let settings = bcd_elements(&es.output);
        let port = get(&settings, &["emsport", "debugport"]).map(str::to_string);
        let baud = get(&settings, &["emsbaudrate", "baudrate"]).map(str::to_string);
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
        if !ems.eq_ignore_ascii_case("yes") {
            wrong.push(format!("EMS is off for the current boot entry (ems {ems})"));
            cmds.push("bcdedit /ems {current} on".to_string());
        }
        let port_bad = port.as_deref().is_some_and(|p| p.trim() != want_port.to_string());
        let baud_bad = baud.as_deref().is_some_and(|b| b.trim() != want_baud.to_string());
        if port_bad || baud_bad {
            wrong.push(format!(
                "EMS uses port {} at {} but the line is COM{want_port} at {want_baud}",
                port.as_deref().unwrap_or("?"),
                baud.as_deref().unwrap_or("?")
            ));
            cmds.push(format!("bcdedit /emssettings EMSPORT:{want_port} EMSBAUDRATE:{want_baud}"));
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
            verify: "ems".into(),
            reboot: false,
            later: Vec::new(),
            warning: None,
        };
        Ok(found.problem(wrong.join("; "), Some(fix)))
    }
}
