//! `--finish-pending`: the follow-ups earlier runs left for this target, run in order. A restart
//! comes first and ends the run (the line drops while the VM restarts); follow-ups that wait for
//! the restart run on the next call. Follow-ups only a person can do stay listed as reminders.

use super::apply::{Confirm, Local};
use super::engine::{Ctx, DoctorError, Event};
use super::model::{Fix, FixOutcome, FixState, PendingItem, PendingKind};

fn as_fix(item: &PendingItem) -> Fix {
    Fix {
        id: format!("pending-{}", kind_name(item.kind)),
        title: item.description.clone(),
        why: format!("follow-up of {} recorded {}", item.from_fix, item.created),
        backups: Vec::new(),
        commands: item.commands.clone(),
        verify: None,
        reboot: item.kind == PendingKind::Reboot,
        later: Vec::new(),
        warning: None,
    }
}

/// After `shutdown /r`, waits until the line shows the VM going down (the cmd channel stops
/// answering), so the next run meets the restarted VM and not the one about to restart.
fn wait_for_restart(cx: &mut Ctx<'_, '_>) -> Result<bool, DoctorError> {
    for _ in 0..RESTART_POLLS {
        std::thread::sleep(std::time::Duration::from_secs(1));
        match cx.run_uncached("echo sacdoc is waiting for the restart") {
            Ok(Ok(_)) => {}
            Ok(Err(_)) | Err(_) => return Ok(true),
        }
    }
    Ok(false)
}

/// How many seconds to wait for the VM to go down after `shutdown /r /t 0`.
const RESTART_POLLS: u32 = 60;

/// The kebab-case name of a kind, as `--dismiss` takes it.
pub fn kind_name(k: PendingKind) -> &'static str {
    match k {
        PendingKind::Reboot => "reboot",
        PendingKind::ReenableGroupPolicy => "reenable-group-policy",
        PendingKind::AzureNsgPort => "azure-nsg-port",
        PendingKind::DomainPolicy => "domain-policy",
    }
}

/// Parses a `--dismiss` value.
pub fn kind_from_name(s: &str) -> Option<PendingKind> {
    [
        PendingKind::Reboot,
        PendingKind::ReenableGroupPolicy,
        PendingKind::AzureNsgPort,
        PendingKind::DomainPolicy,
    ]
    .into_iter()
    .find(|k| kind_name(*k) == s)
}

/// Runs the follow-ups that can run now. Returns their outcomes and whether the VM is restarting.
pub fn finish_pending(
    cx: &mut Ctx<'_, '_>,
    confirm: &mut dyn Confirm,
    local: &mut Local<'_>,
) -> Result<(Vec<FixOutcome>, bool), DoctorError> {
    let mut outcomes = Vec::new();
    let mut items = local.state.pending.clone();
    // The restart first: everything after_reboot waits for it.
    items.sort_by_key(|p| p.kind != PendingKind::Reboot);
    let mut done_reboot_kind = false;
    for item in items {
        if item.commands.is_empty() || (done_reboot_kind && item.kind == PendingKind::Reboot) {
            continue;
        }
        if item.after_reboot && local.state.reboot_pending() {
            continue;
        }
        let fix = as_fix(&item);
        cx.emit(&Event::FixStarted { fix: &fix.id });
        cx.begin_fix(&fix.id);
        if !confirm.confirm(&fix) {
            let o = FixOutcome {
                fix: fix.id.clone(),
                state: FixState::Skipped,
                detail: "not confirmed: still pending".into(),
                verified: None,
                local_backups: Vec::new(),
                bytes: 0,
            };
            cx.emit(&Event::FixFinished { outcome: &o });
            outcomes.push(o);
            continue;
        }
        let mut failed = None;
        let mut went_down = false;
        for step in &item.commands {
            let cmd = &step.command;
            let answer = match cx.run_uncached(cmd) {
                // The line dropping while `shutdown /r` runs is the restart itself.
                Err(DoctorError::LineLost { .. }) if item.kind == PendingKind::Reboot => {
                    went_down = true;
                    break;
                }
                other => other?,
            };
            match answer {
                Ok(o) if step.succeeded(o.exit_code) => {}
                Ok(o) => {
                    failed =
                        Some(format!("{cmd:?} exit code {:?}: {}", o.exit_code, o.output.trim()));
                    break;
                }
                Err(e) => {
                    failed = Some(format!("{cmd:?}: {e}"));
                    break;
                }
            }
        }
        let o = FixOutcome {
            fix: fix.id.clone(),
            state: if failed.is_some() { FixState::Failed } else { FixState::Applied },
            detail: failed.clone().unwrap_or_else(|| "done".into()),
            verified: Some(failed.is_none()),
            local_backups: Vec::new(),
            bytes: cx.spent(),
        };
        cx.emit(&Event::FixFinished { outcome: &o });
        outcomes.push(o);
        if failed.is_none() {
            if item.kind == PendingKind::Reboot {
                // One restart satisfies every restart follow-up.
                local.state.pending.retain(|p| p.kind != PendingKind::Reboot);
                done_reboot_kind = true;
            } else {
                local.state.pending.retain(|p| p != &item);
            }
            local.state.save(&local.state_path)?;
            if item.kind == PendingKind::Reboot {
                if !went_down {
                    wait_for_restart(cx)?;
                }
                return Ok((outcomes, true));
            }
        }
    }
    cx.invalidate();
    Ok((outcomes, false))
}
