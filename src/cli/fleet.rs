//! `sacdoc doctor --targets FILE [--parallel N]`: the diagnosis on many consoles at once, one line
//! of JSON per target on stdout as each finishes, at most N sessions at a time.
//!
//! The file lists one target per line (any form `sacdoc doctor TARGET` takes: COM ports,
//! `telnet://`, `rfc2217://`, `azure://`, ...); blank lines and `#` comments are skipped. Every
//! line is checked before anything connects, and a target listed twice is refused (two sessions
//! on one console would type into each other).
//!
//! Each line is `{"target", "exit_code", "report"}` or, when no diagnosis could be made,
//! `{"target", "exit_code": 2, "error"}`. The process exit code is the worst of them: 2 if any
//! target had no diagnosis, else 1 if any has a problem, else 0.
//!
//! The fleet only diagnoses: fixes change machines and are confirmed one by one, per target.
//! Credentials are resolved once (one prompt at most) and used for every target, except the
//! simulator's scenarios, which bring their own account.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context};
use serde_json::json;

use crate::cli::connect::ConnectArgs;
use crate::doctor::{self, RunOptions};
use crate::sac::{ConnectConfig, Session};
use crate::target::Target;

/// Upper bound of `--parallel`: each session is a thread and a console connection.
pub const MAX_PARALLEL: usize = 64;

/// One target of the file, with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetTarget {
    pub line: usize,
    pub text: String,
    pub target: Target,
}

/// What a fleet run did, beyond the lines it printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetSummary {
    pub exit_code: i32,
    pub targets: usize,
    /// The most sessions that were open at the same moment (never above `parallel`).
    pub max_concurrent: usize,
}

/// Reads and checks the targets file.
pub fn read_targets(file: &Path) -> anyhow::Result<Vec<FleetTarget>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the targets file {}", file.display()))?;
    parse_targets(&text).with_context(|| format!("in the targets file {}", file.display()))
}

/// Parses the file's text: one target per line, `#` comments, blank lines skipped.
pub fn parse_targets(text: &str) -> anyhow::Result<Vec<FleetTarget>> {
    let mut out: Vec<FleetTarget> = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.split_once(" #").map_or(raw, |(a, _)| a).trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        match t.parse::<Target>() {
            Ok(target) => {
                if let Some(first) = out.iter().find(|f| f.target == target) {
                    errors.push(format!(
                        "line {line}: {t} is already on line {} (two sessions on one console \
                         would type into each other)",
                        first.line
                    ));
                } else {
                    out.push(FleetTarget { line, text: t.to_string(), target });
                }
            }
            Err(e) => errors.push(format!(
                "line {line}: {}",
                e.to_string().lines().next().unwrap_or("bad target")
            )),
        }
    }
    if !errors.is_empty() {
        bail!("{}", errors.join("\n"));
    }
    if out.is_empty() {
        bail!("no targets: write one target per line (e.g. telnet://consoles:7001)");
    }
    Ok(out)
}

/// The connection settings of each target: credentials resolved once from `connect` (flags,
/// environment or one prompt), simulator scenarios with their own account.
pub fn configs(
    targets: &[FleetTarget],
    connect: &ConnectArgs,
) -> anyhow::Result<Vec<ConnectConfig>> {
    let mut shared: Option<ConnectConfig> = None;
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let mut args = connect.clone();
        args.target = Some(t.text.clone());
        let mut cfg = if matches!(t.target, Target::Sim { .. }) {
            args.resolve()?
        } else if let Some(base) = &shared {
            let mut c = base.clone();
            c.target = std::sync::Arc::new(t.target.clone());
            c
        } else {
            let c = args.resolve()?;
            shared = Some(c.clone());
            c
        };
        crate::cli::run::settle_recording(&mut cfg);
        out.push(cfg);
    }
    Ok(out)
}

/// One target's line: the report, or why there is none.
fn diagnose(cfg: &ConnectConfig, template: &RunOptions) -> serde_json::Value {
    let target = cfg.target.to_string();
    let mut opts = template.clone();
    opts.target = target.clone();
    opts.local_dir = crate::paths::target_dir(&target);
    opts.apply = false;
    opts.finish_pending = false;
    let failed = |e: String| json!({"target": target, "exit_code": 2, "error": e});
    let mut session = match Session::connect(cfg) {
        Ok(s) => s,
        Err(e) => return failed(crate::transport::chain(&e)),
    };
    let result = doctor::run(&mut session, &opts, &mut doctor::Quiet, &mut NoFixes);
    let transcript = session.transcript_path().map(|p| p.display().to_string());
    let _ = session.close();
    match result {
        Ok(mut rep) => {
            if let Some(t) = transcript {
                rep.notes.push(format!("transcript: {t}"));
            }
            json!({"target": target, "exit_code": rep.exit_code(), "report": rep})
        }
        Err(e) => failed(e.to_string()),
    }
}

/// Refuses every fix: the fleet diagnoses only.
struct NoFixes;

impl doctor::Confirm for NoFixes {
    fn confirm(&mut self, _fix: &doctor::Fix) -> bool {
        false
    }
}

/// Runs the doctor on every configuration, `parallel` at a time, writing one JSON line per target
/// to `out` as each finishes.
pub fn run_configs(
    configs: &[ConnectConfig],
    parallel: usize,
    template: &RunOptions,
    out: &Mutex<&mut (dyn Write + Send)>,
) -> anyhow::Result<FleetSummary> {
    if parallel == 0 || parallel > MAX_PARALLEL {
        bail!("--parallel {parallel}: use 1 to {MAX_PARALLEL}");
    }
    let (tx, rx) = crossbeam_channel::unbounded::<&ConnectConfig>();
    for c in configs {
        let _ = tx.send(c);
    }
    drop(tx);
    let open = AtomicUsize::new(0);
    let max_open = AtomicUsize::new(0);
    let worst = AtomicUsize::new(0);
    let write_error: Mutex<Option<std::io::Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..parallel.min(configs.len()) {
            let rx = rx.clone();
            let (open, max_open, worst, write_error) = (&open, &max_open, &worst, &write_error);
            scope.spawn(move || {
                while let Ok(cfg) = rx.recv() {
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    max_open.fetch_max(now, Ordering::SeqCst);
                    let line = diagnose(cfg, template);
                    open.fetch_sub(1, Ordering::SeqCst);
                    let code = line["exit_code"].as_i64().unwrap_or(2).clamp(0, 2) as usize;
                    worst.fetch_max(code, Ordering::SeqCst);
                    let written = match out.lock() {
                        Ok(mut w) => writeln!(w, "{line}").and_then(|()| w.flush()),
                        Err(_) => Ok(()),
                    };
                    if let Err(e) = written {
                        if let Ok(mut slot) = write_error.lock() {
                            slot.get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = write_error.lock().ok().and_then(|mut s| s.take()) {
        return Err(anyhow::Error::new(e).context("writing the results"));
    }
    Ok(FleetSummary {
        exit_code: worst.load(Ordering::SeqCst) as i32,
        targets: configs.len(),
        max_concurrent: max_open.load(Ordering::SeqCst),
    })
}

/// `sacdoc doctor --targets FILE --parallel N`: reads the file, resolves credentials once, runs
/// the diagnosis on every target and returns the process exit code.
pub fn run_fleet(
    file: &Path,
    parallel: usize,
    connect: &ConnectArgs,
    template: &RunOptions,
) -> anyhow::Result<i32> {
    let targets = read_targets(file)?;
    let configs = configs(&targets, connect)?;
    let mut stdout = super::output::stdout();
    let sink: &mut (dyn Write + Send) = &mut stdout;
    let out = Mutex::new(sink);
    let summary = run_configs(&configs, parallel, template, &out)?;
    Ok(summary.exit_code)
}
