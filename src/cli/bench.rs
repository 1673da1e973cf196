//! `sacdoc bench`: bytes over the line and time of the main jobs, printed as figures.
//!
//! Each benchmark lives beside the code it measures; this file only dispatches.
//! - `line`: `sacdoc run` of one command (default `netstat -anob` on `busy-server`) over the
//!   in-process simulator paced at 115200 baud, per profile, packed by makecab on the VM and
//!   not (a VM without makecab), next to the bytes and time of the same output sent raw.
//! - `doctor`: the doctor on `busy-server` against the article's commands ([`doctor_default`],
//!   measured by [`crate::doctor::bench::measure`]).
//! - `parse`: `sacdoc parse netstat` on a large input, MB/s and peak memory next to jc
//!   ([`super::bench_parse`]).

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::runner::phases::{self, Phases};
use crate::runner::{CommandOutput, RunError, Shell};
use crate::sac::{ConnectConfig, Credentials, Recording, Secret, Session};

/// Arguments of `sacdoc bench`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {
    #[command(subcommand)]
    pub which: Option<Which>,
}

/// The benchmarks.
#[derive(Debug, clap::Subcommand)]
pub enum Which {
    /// Bytes over the line and time of `sacdoc run` per profile, against the raw output.
    Line(LineArgs),
    /// The doctor on busy-server at 115200 baud, next to the article's commands as written.
    Doctor(DoctorArgs),
    /// Start states x line faults x console styles x jobs, each cell classified as correct, a
    /// clear error, wrong, over time or a panic.
    Resilience(super::bench_resilience::Args),
    /// Hostile far ends (floods, a line without end, huge escape counts, control characters in
    /// output, a password echoed in clear, noise at the password prompt): peak memory, CPU time,
    /// outcome and what reached standard output, checked against the goals.
    Hostile(super::bench_hostile::Args),
    /// `sacdoc parse netstat` on a large input (50 MB by default) in each output layout: MB/s
    /// and peak memory, next to jc on the same input when jc is installed.
    Parse(super::bench_parse::Args),
    /// A hostile console for `exec:` targets (used by `bench hostile`).
    #[command(hide = true)]
    FarEnd(super::bench_hostile::FarEndArgs),
}

/// Arguments of `sacdoc bench doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Profiles to measure.
    #[arg(long, value_delimiter = ',', default_value = "ws2022,ws2019")]
    pub profiles: Vec<String>,
}

/// Arguments of `sacdoc bench line`.
#[derive(Debug, clap::Args)]
pub struct LineArgs {
    /// Simulator scenario.
    #[arg(long, default_value = "busy-server")]
    pub scenario: String,
    /// Command line to run.
    #[arg(long, default_value = "netstat -anob")]
    pub command: String,
    /// Line rate of the simulated serial line.
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
    /// Profiles to measure.
    #[arg(long, value_delimiter = ',', default_value = "ws2022,ws2019")]
    pub profiles: Vec<String>,
    /// Measure only the packed form (skip the VM without makecab).
    #[arg(long)]
    pub packed_only: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    match args.which {
        None => {
            super::output::print(
                "benchmarks: `sacdoc bench line` (bytes and time of `sacdoc run` per profile)\n            `sacdoc bench doctor` (the doctor's run)\n            `sacdoc bench resilience` (start states x faults: correct, error, wrong, over time)\n            `sacdoc bench hostile` (hostile far ends: peak memory, CPU, outcome)\n            `sacdoc bench parse` (parse netstat: MB/s and peak memory, next to jc)\n",
            )?;
            Ok(0)
        }
        Some(Which::Line(a)) => line(&a),
        Some(Which::Resilience(a)) => super::bench_resilience::run(&a),
        Some(Which::Hostile(a)) => super::bench_hostile::run(&a),
        Some(Which::Parse(a)) => super::bench_parse::run(&a),
        Some(Which::FarEnd(a)) => super::bench_hostile::far_end(&a),
        Some(Which::Doctor(a)) => {
            let table = doctor_default(&a.profiles)?;
            super::output::print(&table)?;
            Ok(0)
        }
    }
}

/// One measurement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LineFigure {
    pub profile: String,
    /// How the output crossed the line: `packed` (makecab on the VM) or `unpacked`.
    pub form: String,
    pub output_bytes: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub seconds: f64,
    /// Time the raw output alone takes at the line rate (10 bits per byte).
    pub raw_seconds: f64,
    /// Where the runner's time went.
    #[serde(skip)]
    pub phases: Phases,
}

/// Measures one command over one profile.
/// `packed` false measures a VM without makecab.
pub fn measure_line(
    scenario: &str,
    profile: &str,
    baud: u32,
    command: &str,
    packed: bool,
) -> anyhow::Result<LineFigure> {
    let missing = if packed { "" } else { "&missing=makecab" };
    let target: crate::target::Target =
        format!("sim:{scenario}?baud={baud}&profile={profile}&start=sac{missing}").parse()?;
    let sc = crate::sim::machine::load_scenario(scenario)
        .with_context(|| format!("scenario {scenario:?}"))?;
    let c = sc.credentials.first().context("the scenario has no account")?;
    let creds = Credentials {
        user: c.user.clone(),
        domain: c.domain.clone(),
        password: Secret::new(c.password.clone()),
    };
    let mut cfg = ConnectConfig::new(target, creds);
    cfg.record = Recording::Off;
    cfg.timeout = Duration::from_secs(120);
    let mut s = Session::connect(&cfg).context("connecting to the simulator")?;
    let start = Instant::now();
    let before = phases::snapshot();
    let out = s.run(command).context("running the command")?;
    let seconds = start.elapsed().as_secs_f64();
    let phases = phases::snapshot().since(&before);
    let _ = s.close();
    let n = out.output.len() as u64;
    Ok(LineFigure {
        profile: profile.to_string(),
        form: if packed { "packed" } else { "unpacked" }.to_string(),
        output_bytes: n,
        bytes_sent: out.bytes_sent,
        bytes_received: out.bytes_received,
        seconds,
        raw_seconds: n as f64 * 10.0 / f64::from(baud),
        phases,
    })
}

fn line(a: &LineArgs) -> anyhow::Result<i32> {
    super::output::println(&format!(
        "`{}` on {} at {} baud (raw = the output alone at the line rate; packed = compressed by \
         makecab on the VM, unpacked = a VM without makecab)",
        a.command, a.scenario, a.baud
    ))?;
    super::output::println(&format!(
        "{:<8} {:<9} {:>10} {:>8} {:>11} {:>8} {:>8} {:>8} {:>8}",
        "profile", "form", "output B", "sent B", "received B", "time s", "raw s", "bytes", "time"
    ))?;
    for p in &a.profiles {
        for packed in [true, false] {
            if a.packed_only && !packed {
                continue;
            }
            let f = measure_line(&a.scenario, p, a.baud, &a.command, packed)?;
            let ratio = |x: f64, raw: f64| if raw > 0.0 { x / raw } else { 0.0 };
            super::output::println(&format!(
                "{:<8} {:<9} {:>10} {:>8} {:>11} {:>8.2} {:>8.2} {:>7.2}x {:>7.2}x",
                f.profile,
                f.form,
                f.output_bytes,
                f.bytes_sent,
                f.bytes_received,
                f.seconds,
                f.raw_seconds,
                ratio(f.bytes_received as f64, f.output_bytes as f64),
                ratio(f.seconds, f.raw_seconds),
            ))?;
            super::output::print(&breakdown(&f.phases, Duration::from_secs_f64(f.seconds)))?;
        }
    }
    Ok(0)
}

/// Where the runner's time went, one indented row per phase, and what is left of `total` (the
/// session's own work: SAC set-up, login, channel switches).
fn breakdown(p: &Phases, total: Duration) -> String {
    let mut s = String::new();
    for (phase, t, n) in p.rows() {
        s.push_str(&format!("    {:<28} {:>8.2} s {:>6}x\n", phase.name(), t.as_secs_f64(), n));
    }
    let rest = total.saturating_sub(p.total());
    s.push_str(&format!("    {:<28} {:>8.2} s\n", "other (session)", rest.as_secs_f64()));
    s
}

/// A shell that notes the runner's counters after each command, so the doctor's share of a
/// benchmark that runs the doctor and then the article's commands can be told apart.
struct Noting<'a> {
    inner: &'a mut dyn Shell,
    start: Instant,
    notes: Vec<(Duration, Phases)>,
}

impl Shell for Noting<'_> {
    fn run(&mut self, command: &str) -> Result<CommandOutput, RunError> {
        let out = self.inner.run(command);
        self.notes.push((self.start.elapsed(), phases::snapshot()));
        out
    }

    fn mark(&mut self, label: &str) {
        self.inner.mark(label);
    }
}

/// The doctor benchmark over one connection: connects, measures, and returns the table.
fn doctor_once(cfg: &ConnectConfig) -> anyhow::Result<String> {
    let mut session =
        Session::connect(cfg).map_err(|e| super::output::connecting(e, &cfg.target))?;
    let before = phases::snapshot();
    let mut noting = Noting { inner: &mut session, start: Instant::now(), notes: Vec::new() };
    let r = crate::doctor::bench::measure(&mut noting);
    let notes = std::mem::take(&mut noting.notes);
    let _ = session.close();
    let (ours, article) = r?;
    // The doctor's commands are those that ended within its time (the article's come after).
    let doctor_end = Duration::from_millis(ours.millis + 1);
    let at_end = notes.iter().rev().find(|(t, _)| *t <= doctor_end).map(|(_, p)| p.clone());
    let mut out = crate::doctor::bench::table(&ours, &article);
    if let Some(p) = at_end {
        out.push_str("  the doctor's time by phase:\n");
        out.push_str(&breakdown(&p.since(&before), Duration::from_millis(ours.millis)));
    }
    Ok(out)
}

/// `sacdoc bench doctor`: both profiles of `busy-server`, paced at 115200 baud, not recorded.
fn doctor_default(profiles: &[String]) -> anyhow::Result<String> {
    let sc = crate::sim::machine::load_scenario("busy-server")?;
    let c = sc.credentials.first().context("busy-server has no documented account")?;
    let mut out = String::new();
    for profile in profiles {
        let target = format!("sim:busy-server?profile={profile}&baud=115200");
        let creds = Credentials {
            user: c.user.clone(),
            domain: c.domain.clone(),
            password: Secret::new(c.password.clone()),
        };
        let parsed: crate::target::Target = target.parse()?;
        let mut cfg = ConnectConfig::new(parsed, creds);
        cfg.record = Recording::Off;
        cfg.timeout = Duration::from_secs(600);
        out.push_str(&format!("{target}\n{}\n", doctor_once(&cfg)?));
    }
    Ok(out)
}
