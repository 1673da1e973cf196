//! The RDP internal-error procedure: checks -> findings -> fixes -> verification, and the offline
//! recovery script.
//!
//! - [`checks`]: one file per check; each declares its commands and decides from their output.
//! - [`engine`]: runs each command once per pass and shares outputs; reports progress to an
//!   [`engine::Observer`].
//! - [`apply`]: `--apply` (confirm, back up on the VM and locally, run, check again, roll back).
//! - [`pending`]: follow-ups per target that outlive a run (restart, Group Policy, Azure NSG).
//! - [`offline`]: the recovery-VM batch script. [`report`]: text and JSON.
//!
//! Entry point: [`run`] over any [`Shell`].
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod apply;
pub mod backup;
pub mod bench;
pub mod checks;
pub mod commands;
pub mod engine;
pub mod extract;
pub mod full;
pub mod model;
pub mod offline;
pub mod pending;
pub mod recorded;
pub mod report;
pub mod time;

use std::path::PathBuf;
use std::time::Instant;

use sacdoc_console::runner::Shell;

pub use apply::{Confirm, Yes};
pub use engine::{CheckError, Ctx, DoctorError, Event, Observer, Quiet, Settings};
pub use model::{
    CheckId, Finding, Fix, FixOutcome, FixState, PendingItem, PendingKind, Report, Status, Step,
};

use checks::Check;
use pending::TargetState;

/// What one `sacdoc doctor` run does.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The target as the user wrote it: names the run in reports.
    pub target: String,
    /// This target's local folder: the state file (pending follow-ups, applied fixes) and the
    /// local copies of backups live here.
    pub local_dir: PathBuf,
    pub settings: Settings,
    /// Run the fixes (each confirmed through the [`Confirm`] given to [`run`]).
    pub apply: bool,
    /// Run the follow-ups left by earlier runs first.
    pub finish_pending: bool,
    /// Forget follow-ups of these kinds (done by hand: the Azure NSG, a manual restart).
    pub dismiss: Vec<PendingKind>,
    /// Only these checks (empty: all).
    pub only: Vec<CheckId>,
    /// Also run the article's commands as written.
    pub full: bool,
}

impl RunOptions {
    pub fn new(target: &str, local_dir: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            target: target.to_string(),
            local_dir: local_dir.into(),
            settings: Settings::default(),
            apply: false,
            finish_pending: false,
            dismiss: Vec::new(),
            only: Vec::new(),
            full: false,
        }
    }
}

/// Runs one check with byte accounting and progress events.
pub fn run_check(cx: &mut Ctx<'_, '_>, check: &dyn Check) -> Result<Finding, DoctorError> {
    cx.begin(check.id());
    let mut found = checks::Found::new(check);
    let mut f = match check.run(cx, &mut found) {
        Ok(f) => f,
        Err(CheckError::Doctor(e)) => return Err(e),
        Err(e) => found.undecided(&e),
    };
    checks::attached::note(cx, &mut f)?;
    cx.end(&mut f);
    Ok(f)
}

/// Runs the checks (all, or those in `only`) in report order.
pub fn diagnose(cx: &mut Ctx<'_, '_>, only: &[CheckId]) -> Result<Vec<Finding>, DoctorError> {
    cx.findings.clear();
    for check in checks::all() {
        if !only.is_empty() && !only.contains(&check.id()) {
            continue;
        }
        let f = run_check(cx, check.as_ref())?;
        cx.findings.push(f);
    }
    Ok(cx.findings.clone())
}

/// The whole run: follow-ups, diagnosis, fixes, report. The caller owns the session.
pub fn run(
    shell: &mut dyn Shell,
    opts: &RunOptions,
    observer: &mut dyn Observer,
    confirm: &mut dyn Confirm,
) -> Result<Report, DoctorError> {
    let started = Instant::now();
    let state_path = pending::state_path(&opts.local_dir);
    let mut state = TargetState::load(&state_path)?;
    let mut notes = Vec::new();
    if !opts.dismiss.is_empty() {
        let before = state.pending.len();
        state.pending.retain(|p| !opts.dismiss.contains(&p.kind));
        notes.push(format!("dismissed {} follow-up(s) done by hand", before - state.pending.len()));
        state.save(&state_path)?;
    }
    let mut settings = opts.settings.clone();
    settings.pending = state.pending.clone();
    settings.history = state.applied.clone();
    let run_id = settings.run_id.clone();
    let backup_dir = opts.local_dir.join("backups").join(&run_id);
    let mut cx = Ctx::new(shell, observer, settings);
    let mut fixes = Vec::new();
    let mut restarting = false;
    if opts.finish_pending {
        let mut local = apply::Local {
            state: &mut state,
            state_path: state_path.clone(),
            backup_dir: backup_dir.clone(),
        };
        let (outcomes, reboot) = finish::finish_pending(&mut cx, confirm, &mut local)?;
        fixes.extend(outcomes);
        restarting = reboot;
        cx.settings.pending = state.pending.clone();
    }
    let mut checks = Vec::new();
    let mut article = Vec::new();
    if restarting {
        notes.push("the VM is restarting: run `sacdoc doctor` again once SAC is back".into());
    } else {
        checks = diagnose(&mut cx, &opts.only)?;
        if opts.apply {
            let plan = apply::plan(&checks);
            let mut local =
                apply::Local { state: &mut state, state_path: state_path.clone(), backup_dir };
            fixes.extend(apply::apply(&mut cx, &plan, &checks, confirm, &mut local)?);
        }
        if opts.full {
            article = full::run_article(&mut cx)?;
        }
    }
    state.save(&state_path)?;
    Ok(Report {
        target: opts.target.clone(),
        checks,
        fixes,
        pending: state.pending.clone(),
        notes,
        restarting,
        article,
        bytes_sent: cx.bytes_sent,
        bytes_received: cx.bytes_received,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

pub mod finish;
