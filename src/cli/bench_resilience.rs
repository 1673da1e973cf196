//! `sacdoc bench resilience`: the matrix of console start states x line faults x console styles x
//! jobs, each cell run as the real binary against the in-process simulator, and classified
//! against the same job's fault-free answer.
//!
//! A cell is one child process (`sacdoc run` or `sacdoc doctor --json`), so a panic is seen as
//! one (exit 101), a hang is killed at the cell's deadline, and no cell's state leaks into
//! another. The outcomes:
//! - `correct`: exit as the fault-free run, and the same answer (output bytes for `run`; each
//!   check's id and status for the doctor);
//! - `error`: a clear error (sacdoc's own failure, exit 255 for `run`, 2 for the doctor), which
//!   is the right outcome when the answer could not be verified;
//! - `WRONG`: a success whose answer differs from the fault-free one;
//! - `OVERTIME`: still running at the deadline (killed);
//! - `PANIC`: exit 101 or a signal.
//!
//! The goals (README): 0 wrong, 0 over time, 0 panic anywhere; every cell correct from every
//! start state at 0.1% noise; at least 95% correct at 1%.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;

/// Arguments of `sacdoc bench resilience`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Console styles.
    #[arg(long, value_delimiter = ',', default_value = "ws2022,ws2019")]
    pub profiles: Vec<String>,
    /// Start states of the console (the simulator's `start=`).
    #[arg(long, value_delimiter = ',', default_value = "booting,sac,cmd,login,switch,crashed")]
    pub starts: Vec<String>,
    /// Faults, each a simulator query (`none`, `drop=0.001`, `corrupt=0.01&dup=0.01`, ...),
    /// separated by `;`.
    #[arg(
        long,
        value_delimiter = ';',
        default_value = "none;drop=0.001;drop=0.01;dup=0.01;corrupt=0.001;corrupt=0.01;cut_after=3000;stall_after=3000&stall_ms=5000;reboot_mid_command=1;history=1"
    )]
    pub faults: Vec<String>,
    /// Jobs: `ver`, `netstat` (`netstat -ano` on busy-server), `doctor`.
    #[arg(long, value_delimiter = ',', default_value = "ver,netstat,doctor")]
    pub jobs: Vec<String>,
    /// Seeds per cell (each seed is another draw of the faults).
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// `--timeout` given to each run (seconds without progress).
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// A cell still running after this many seconds is killed and counted as over time.
    #[arg(long, default_value_t = 300)]
    pub deadline: u64,
    /// Cells run at once.
    #[arg(long, default_value_t = 4)]
    pub parallel: usize,
    /// Print one JSON line per cell instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The outcome of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Correct,
    Error,
    Wrong,
    Overtime,
    Panic,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Correct => "correct",
            Outcome::Error => "error",
            Outcome::Wrong => "WRONG",
            Outcome::Overtime => "OVERTIME",
            Outcome::Panic => "PANIC",
        }
    }
}

/// One cell of the matrix.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cell {
    pub profile: String,
    pub start: String,
    pub fault: String,
    pub job: String,
    pub seed: u64,
    pub outcome: Outcome,
    pub exit_code: Option<i32>,
    pub seconds: f64,
    /// The first line of the error, for `error` cells.
    pub detail: String,
}

/// What a job's run answered: its exit code and the part of stdout that must match.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    code: Option<i32>,
    key: String,
    stderr: String,
}

const SCENARIO: &str = "busy-server";

pub fn run(a: &Args) -> anyhow::Result<i32> {
    for j in &a.jobs {
        anyhow::ensure!(
            matches!(j.as_str(), "ver" | "netstat" | "doctor"),
            "unknown job {j:?}: use ver, netstat or doctor"
        );
    }
    let exe = std::env::current_exe().context("finding sacdoc's own binary")?;
    let state = tempfile::tempdir().context("a state folder for the cells")?;
    // An empty configuration file: the user's own file must not change the cells.
    std::fs::write(state.path().join("none.toml"), "").context("writing an empty configuration")?;
    let sc = crate::sim::machine::load_scenario(SCENARIO)?;
    let account = sc.credentials.first().context("busy-server has no documented account")?;
    let env = Env {
        exe: exe.clone(),
        state: state.path().to_path_buf(),
        user: account.user.clone(),
        password: account.password.clone(),
        timeout: a.timeout,
        deadline: Duration::from_secs(a.deadline),
    };
    // The fault-free answer of each job and style, from the state the console is usually in.
    let mut reference = BTreeMap::new();
    for p in &a.profiles {
        for j in &a.jobs {
            let (answer, _) = env.cell(p, "sac", "none", j, 1);
            let answer =
                answer.with_context(|| format!("the fault-free {j} on {p} did not end"))?;
            anyhow::ensure!(
                answer.code == Some(0) || (j == "doctor" && answer.code == Some(1)),
                "the fault-free {j} on {p} failed (exit {:?}): {}",
                answer.code,
                answer.stderr
            );
            reference.insert((p.clone(), j.clone()), answer);
        }
    }
    let mut todo = Vec::new();
    for p in &a.profiles {
        for s in &a.starts {
            for f in &a.faults {
                for j in &a.jobs {
                    for seed in 1..=a.seeds.max(1) {
                        todo.push((p.clone(), s.clone(), f.clone(), j.clone(), seed));
                    }
                }
            }
        }
    }
    let todo = Arc::new(Mutex::new(todo));
    let cells = Arc::new(Mutex::new(Vec::new()));
    let json = a.json;
    std::thread::scope(|scope| {
        for _ in 0..a.parallel.max(1) {
            let (todo, cells, env, reference) = (&todo, &cells, &env, &reference);
            scope.spawn(move || loop {
                let Some((p, s, f, j, seed)) = todo.lock().ok().and_then(|mut t| t.pop()) else {
                    return;
                };
                let started = Instant::now();
                let (answer, panicked) = env.cell(&p, &s, &f, &j, seed);
                let want = reference.get(&(p.clone(), j.clone()));
                let (outcome, code, detail) = classify(answer, panicked, want, &j);
                let cell = Cell {
                    profile: p,
                    start: s,
                    fault: f,
                    job: j,
                    seed,
                    outcome,
                    exit_code: code,
                    seconds: started.elapsed().as_secs_f64(),
                    detail,
                };
                if json {
                    if let Ok(line) = serde_json::to_string(&cell) {
                        let _ = super::output::println(&line);
                    }
                }
                if let Ok(mut c) = cells.lock() {
                    c.push(cell);
                }
            });
        }
    });
    let cells = cells.lock().map(|c| c.clone()).unwrap_or_default();
    if !json {
        super::output::print(&table(&cells))?;
    }
    let bad = cells
        .iter()
        .any(|c| matches!(c.outcome, Outcome::Wrong | Outcome::Overtime | Outcome::Panic));
    Ok(i32::from(bad))
}

struct Env {
    exe: std::path::PathBuf,
    state: std::path::PathBuf,
    user: String,
    password: String,
    timeout: u64,
    deadline: Duration,
}

impl Env {
    /// Runs one cell; `None` when it was killed at the deadline; `true` when it died of a signal.
    fn cell(
        &self,
        profile: &str,
        start: &str,
        fault: &str,
        job: &str,
        seed: u64,
    ) -> (Option<Answer>, bool) {
        let mut query = format!("profile={profile}&start={start}&seed={seed}");
        if fault != "none" {
            query.push('&');
            query.push_str(fault);
        }
        let target = format!("sim:{SCENARIO}?{query}");
        let timeout = self.timeout.to_string();
        let mut cmd = Command::new(&self.exe);
        match job {
            "doctor" => {
                cmd.args(["doctor", "--json", "--no-record", "--timeout", &timeout, &target])
            }
            "netstat" => cmd.args([
                "run",
                "-q",
                "--no-record",
                "--timeout",
                &timeout,
                &target,
                "--",
                "netstat",
                "-ano",
            ]),
            _ => {
                cmd.args(["run", "-q", "--no-record", "--timeout", &timeout, &target, "--", "ver"])
            }
        };
        cmd.env("SACDOC_STATE_DIR", &self.state)
            .env("SACDOC_USER", &self.user)
            .env("SACDOC_PASSWORD", &self.password)
            .env("SACDOC_CONFIG", self.state.join("none.toml"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let Ok(child) = cmd.spawn() else { return (None, false) };
        wait_with_deadline(child, self.deadline, job)
    }
}

/// Waits for `child`, reading its output on threads so a full pipe cannot stall it; kills it at
/// the deadline.
fn wait_with_deadline(
    mut child: std::process::Child,
    deadline: Duration,
    job: &str,
) -> (Option<Answer>, bool) {
    use std::io::Read as _;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut v);
        }
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut v);
        }
        v
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => break None,
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    let Some(status) = status else { return (None, false) };
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let Some(code) = status.code() else {
        return (Some(Answer { code: None, key: String::new(), stderr }), true);
    };
    let key = if job == "doctor" {
        doctor_key(&stdout)
    } else {
        String::from_utf8_lossy(&stdout).into_owned()
    };
    (Some(Answer { code: Some(code), key, stderr }), false)
}

/// The doctor's answer: each check's id and status, one per line.
fn doctor_key(stdout: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(stdout) else {
        return String::new();
    };
    let Some(checks) = v.get("checks").and_then(|c| c.as_array()) else { return String::new() };
    checks
        .iter()
        .map(|c| {
            format!(
                "{} {}\n",
                c.get("id").and_then(|x| x.as_str()).unwrap_or("?"),
                c.get("status").and_then(|x| x.as_str()).unwrap_or("?")
            )
        })
        .collect()
}

fn classify(
    answer: Option<Answer>,
    panicked: bool,
    want: Option<&Answer>,
    job: &str,
) -> (Outcome, Option<i32>, String) {
    let Some(a) = answer else { return (Outcome::Overtime, None, String::new()) };
    let first_line = |s: &str| {
        s.lines().find(|l| !l.trim().is_empty()).unwrap_or("").chars().take(160).collect()
    };
    if panicked || a.code == Some(101) {
        return (Outcome::Panic, a.code, first_line(&a.stderr));
    }
    // A run's own failure is 255, the doctor's 2 (or a JSON failure on stdout).
    let failed = match job {
        "doctor" => !matches!(a.code, Some(0) | Some(1)),
        _ => a.code == Some(255) || a.code == Some(130),
    };
    if failed {
        return (Outcome::Error, a.code, first_line(&a.stderr));
    }
    match want {
        Some(w) if w.code == a.code && w.key == a.key => (Outcome::Correct, a.code, String::new()),
        _ => (Outcome::Wrong, a.code, format!("exit {:?}", a.code)),
    }
}

/// Counts per fault and style, then the errors seen, then every bad cell.
fn table(cells: &[Cell]) -> String {
    let mut out = String::from(
        "sacdoc bench resilience: busy-server, the real binary per cell, against the fault-free answer\n",
    );
    out.push_str(&format!(
        "{:<36} {:<7} {:>5} {:>8} {:>6} {:>6} {:>9} {:>6} {:>9}\n",
        "fault", "style", "cells", "correct", "error", "WRONG", "OVERTIME", "PANIC", "correct%"
    ));
    let mut groups: BTreeMap<(String, String), Vec<&Cell>> = BTreeMap::new();
    for c in cells {
        groups.entry((c.fault.clone(), c.profile.clone())).or_default().push(c);
    }
    for ((fault, profile), cs) in &groups {
        let n = |o: Outcome| cs.iter().filter(|c| c.outcome == o).count();
        let pct = 100.0 * n(Outcome::Correct) as f64 / cs.len().max(1) as f64;
        out.push_str(&format!(
            "{:<36} {:<7} {:>5} {:>8} {:>6} {:>6} {:>9} {:>6} {:>8.1}%\n",
            fault,
            profile,
            cs.len(),
            n(Outcome::Correct),
            n(Outcome::Error),
            n(Outcome::Wrong),
            n(Outcome::Overtime),
            n(Outcome::Panic),
            pct
        ));
    }
    let mut by_start: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in cells {
        let e = by_start.entry(c.start.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(c.outcome == Outcome::Correct);
    }
    out.push_str("\nper start state: ");
    let parts: Vec<String> = by_start.iter().map(|(s, (n, ok))| format!("{s} {ok}/{n}")).collect();
    out.push_str(&parts.join(", "));
    out.push('\n');
    let mut bad: Vec<&Cell> = cells.iter().filter(|c| c.outcome != Outcome::Correct).collect();
    bad.sort_by(|a, b| (&a.fault, &a.profile, &a.start).cmp(&(&b.fault, &b.profile, &b.start)));
    if !bad.is_empty() {
        out.push_str("\ncells not correct:\n");
        for c in bad {
            out.push_str(&format!(
                "  {:<8} {:<7} {:<8} {:<28} seed {:<3} {:>6.1}s  {}: {}\n",
                c.outcome.label(),
                c.profile,
                c.start,
                c.fault,
                c.seed,
                c.seconds,
                c.job,
                c.detail
            ));
        }
    }
    let total = cells.len();
    let bad = cells
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Wrong | Outcome::Overtime | Outcome::Panic))
        .count();
    out.push_str(&format!("\n{total} cells; {bad} wrong, over time or panicked (goal: 0)\n"));
    out
}
