//! `--apply`: each fix is confirmed, backed up on the VM (and locally), run, and checked again.
//! A failing fix is undone from its backup, or the report says exactly where the VM stands.

use std::path::PathBuf;

use super::backup;
use super::commands::{q, BACKUP_DIR};
use super::engine::{Ctx, DoctorError, Event};
use super::model::{Applied, CheckId, Finding, Fix, FixOutcome, FixState, Status, Step};
use super::pending::TargetState;

/// Asks the user about each fix.
pub trait Confirm {
    /// Shown the fix (its commands, why, backups); true to run it.
    fn confirm(&mut self, fix: &Fix) -> bool;
}

/// Confirms everything (`--yes`).
pub struct Yes;
impl Confirm for Yes {
    fn confirm(&mut self, _fix: &Fix) -> bool {
        true
    }
}

/// Where a run keeps its local copies and follow-ups.
pub struct Local<'a> {
    pub state: &'a mut TargetState,
    pub state_path: PathBuf,
    /// Folder of this run's local backup copies.
    pub backup_dir: PathBuf,
}

/// The fixes of the problems found, each once (two checks may propose the same fix).
pub fn plan(findings: &[Finding]) -> Vec<Fix> {
    let mut out: Vec<Fix> = Vec::new();
    for f in findings.iter().filter(|f| f.status == Status::Problem) {
        if let Some(fix) = &f.fix {
            if !out.iter().any(|x| x.id == fix.id) {
                out.push(fix.clone());
            }
        }
    }
    out
}

/// Applies `fixes` in order; the checks in `findings` that proposed a fix are run again after it.
pub fn apply(
    cx: &mut Ctx<'_, '_>,
    fixes: &[Fix],
    findings: &[Finding],
    confirm: &mut dyn Confirm,
    local: &mut Local<'_>,
) -> Result<Vec<FixOutcome>, DoctorError> {
    let mut outcomes = Vec::new();
    let mut dir_made = false;
    for fix in fixes {
        cx.emit(&Event::FixStarted { fix: &fix.id });
        cx.begin_fix(&fix.id);
        let mut outcome = if !confirm.confirm(fix) {
            FixOutcome {
                fix: fix.id.clone(),
                state: FixState::Skipped,
                detail: "not confirmed: nothing ran".into(),
                verified: None,
                local_backups: Vec::new(),
                bytes: 0,
            }
        } else {
            if !dir_made && !fix.backups.is_empty() {
                cx.run_uncached(&format!("md {} 2>nul", q(BACKUP_DIR)))?.ok();
                dir_made = true;
            }
            apply_one(cx, fix, findings, local)?
        };
        outcome.bytes = cx.spent();
        cx.emit(&Event::FixFinished { outcome: &outcome });
        local.state.save(&local.state_path)?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

fn apply_one(
    cx: &mut Ctx<'_, '_>,
    fix: &Fix,
    findings: &[Finding],
    local: &mut Local<'_>,
) -> Result<FixOutcome, DoctorError> {
    let mut outcome = FixOutcome {
        fix: fix.id.clone(),
        state: FixState::Applied,
        detail: String::new(),
        verified: None,
        local_backups: Vec::new(),
        bytes: 0,
    };
    for b in &fix.backups {
        let out = cx.run_uncached(&b.command)?;
        let failed = match &out {
            Ok(o) if o.exit_code == Some(0) => None,
            Ok(o) => Some(format!("exit code {:?}: {}", o.exit_code, o.output.trim())),
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = failed {
            outcome.state = FixState::RolledBack;
            outcome.detail =
                format!("the backup of {} failed ({why}); nothing was changed", b.what);
            return Ok(outcome);
        }
        match backup::fetch(cx, &b.remote_file, &local.backup_dir)? {
            Ok(p) => outcome.local_backups.push(p.display().to_string()),
            Err(why) => {
                outcome.state = FixState::RolledBack;
                outcome.detail = format!(
                    "the backup {} was written on the VM but could not be read back ({why}); \
                     nothing was changed",
                    b.remote_file
                );
                return Ok(outcome);
            }
        }
    }
    for (i, step) in fix.commands.iter().enumerate() {
        let out = cx.run_uncached(&step.command)?;
        let failed = match &out {
            Ok(o) if step.succeeded(o.exit_code) => None,
            Ok(o) => Some(format!("exit code {:?}: {}", o.exit_code, o.output.trim())),
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = failed {
            let ran = &fix.commands[..i];
            return roll_back(cx, fix, &step.command, &why, ran, outcome);
        }
    }
    let now = super::time::now_iso();
    for item in &fix.later {
        let mut item = item.clone();
        item.created = now.clone();
        cx.settings.pending.retain(|p| !(p.kind == item.kind && p.description == item.description));
        cx.settings.pending.push(item.clone());
        local.state.add_pending(item);
    }
    cx.invalidate();
    let mut all_ok = true;
    let mut checks: Vec<CheckId> = findings
        .iter()
        .filter(|f| f.fix.as_ref().is_some_and(|x| x.id == fix.id))
        .map(|f| f.id)
        .collect();
    if let Some(v) = fix.verify.filter(|v| !checks.contains(v)) {
        checks.push(v);
    }
    let mut notes = Vec::new();
    for &id in &checks {
        let Some(check) = super::checks::by_id(id) else { continue };
        let f = super::run_check(cx, check.as_ref())?;
        if f.status != Status::Ok {
            all_ok = false;
            notes.push(format!("{id}: {}", f.summary));
        }
        local.state.applied.push(Applied {
            fix: fix.id.clone(),
            check: id,
            at: now.clone(),
            verified: f.status == Status::Ok,
        });
    }
    outcome.verified = Some(all_ok);
    outcome.detail = if all_ok {
        format!(
            "applied; {} passes again{}",
            checks.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
            if fix.reboot { " (takes effect after the restart)" } else { "" }
        )
    } else {
        format!("applied, but the check still fails: {}", notes.join("; "))
    };
    Ok(outcome)
}

/// A command failed: restore every backup that can be restored and say where the VM stands.
fn roll_back(
    cx: &mut Ctx<'_, '_>,
    fix: &Fix,
    failed_cmd: &str,
    why: &str,
    ran: &[Step],
    mut outcome: FixOutcome,
) -> Result<FixOutcome, DoctorError> {
    cx.invalidate();
    if ran.is_empty() {
        outcome.state = FixState::RolledBack;
        outcome.detail =
            format!("{failed_cmd:?} failed ({why}); it was the first command, nothing changed");
        return Ok(outcome);
    }
    let mut unrestored = Vec::new();
    for b in fix.backups.iter().rev() {
        if b.restore.is_empty() {
            unrestored.push(format!("{} (restore by hand from {})", b.what, b.remote_file));
            continue;
        }
        match cx.run_uncached(&b.restore)? {
            Ok(o) if o.exit_code == Some(0) => {}
            Ok(o) => {
                unrestored.push(format!("{} ({:?} exit code {:?})", b.what, b.restore, o.exit_code))
            }
            Err(e) => unrestored.push(format!("{} ({:?}: {e})", b.what, b.restore)),
        }
    }
    if unrestored.is_empty() && !fix.backups.is_empty() {
        outcome.state = FixState::RolledBack;
        outcome.detail =
            format!("{failed_cmd:?} failed ({why}); the backup was restored, the VM is as it was");
    } else {
        outcome.state = FixState::Failed;
        outcome.detail = format!(
            "{failed_cmd:?} failed ({why}) after these ran: {}; not restored: {}",
            ran.iter().map(|s| s.command.as_str()).collect::<Vec<_>>().join(" ; "),
            if unrestored.is_empty() {
                "no backup covers these commands".to_string()
            } else {
                unrestored.join(", ")
            }
        );
    }
    Ok(outcome)
}
