//! `sacdoc train [EXERCISE]`: practise the procedure by hand on a simulated VM, then a graded
//! report card (text, or JSON with `--json`), and the session's transcript with each graded
//! event as a marker.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};

use crate::sac::{ConnectConfig, Credentials, Recording, Secret};
use crate::train::{card, doctor_cost, exercise, grade, markers, procedure, vm};
use crate::tui::training::Training;

/// Arguments of `sacdoc train`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {
    /// The exercise (a scenario name, see --list).
    #[arg(conflicts_with_all = ["random", "list"])]
    pub exercise: Option<String>,
    /// List the exercises and exit.
    #[arg(long)]
    pub list: bool,
    /// A random exercise; its cause stays hidden until the report card.
    #[arg(long)]
    pub random: bool,
    /// Follow a recorded session (a transcript): the replay answers as the recorded VM did while
    /// what is typed matches the recording, and says where it differs.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["exercise", "random", "list"])]
    pub follow: Option<PathBuf>,
    /// Write the exercise as a lesson folder (scenario, expected findings, the example session
    /// given with --example) for another sacdoc to import.
    #[arg(long, value_name = "DIR", requires = "exercise")]
    pub export_lesson: Option<PathBuf>,
    /// The example session (a transcript) to put in the lesson (with --export-lesson).
    #[arg(long, value_name = "FILE", requires = "export_lesson")]
    pub example: Option<PathBuf>,
    /// Import a lesson folder; it becomes an exercise named after the folder.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["exercise", "random", "list", "follow"])]
    pub import_lesson: Option<PathBuf>,
    /// The seed of --random (the same seed picks the same exercise).
    #[arg(long, value_name = "N", requires = "random")]
    pub seed: Option<u64>,
    /// The console: ws2022 (streams) or ws2019 (paints an 80x24 screen).
    #[arg(long, value_name = "PROFILE", default_value = "ws2022")]
    pub profile: String,
    /// Quirks of real guests: dropkeys (a repeated key is lost), eatchars, cronly.
    #[arg(long, value_name = "QUIRK", value_delimiter = ',')]
    pub quirks: Vec<String>,
    /// Print the report card as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the report card as JSON to this file (the terminal shows the text card).
    #[arg(long, value_name = "PATH")]
    pub card: Option<PathBuf>,
    /// Record the session to this file (default: a new file in sacdoc's transcripts folder).
    #[arg(long, value_name = "PATH")]
    pub record: Option<PathBuf>,
    /// Do not measure what `sacdoc doctor --apply` needs for the same VM.
    #[arg(long)]
    pub no_doctor: bool,
    /// The key that opens sacdoc's menu: ctrl-a, ctrl-b, ... [env: SACDOC_PREFIX]
    #[arg(long, value_name = "KEY")]
    pub prefix: Option<String>,
}

const QUIRKS: &[&str] = &["dropkeys", "eatchars", "cronly"];

/// The simulator query of the options: `profile=ws2019&dropkeys=1`.
fn query(args: &Args) -> anyhow::Result<String> {
    let profile = args.profile.trim().to_ascii_lowercase();
    if !matches!(profile.as_str(), "ws2022" | "ws2019") {
        bail!("--profile {:?}: use ws2022 (streaming) or ws2019 (painted)", args.profile);
    }
    let mut q = format!("profile={profile}");
    for quirk in &args.quirks {
        let quirk = quirk.trim().to_ascii_lowercase();
        if !QUIRKS.contains(&quirk.as_str()) {
            bail!("--quirks {quirk:?}: use {}", QUIRKS.join(", "));
        }
        q.push_str(&format!("&{quirk}=1"));
    }
    Ok(q)
}

impl Args {
    /// `sacdoc train NAME` with every other option at its default, as clap gives them (the
    /// text UI's connect screen starts an exercise this way).
    pub fn for_exercise(name: &str, prefix: Option<String>) -> Args {
        #[derive(clap::Parser)]
        struct Train {
            #[command(flatten)]
            args: Args,
        }
        let mut args =
            <Train as clap::Parser>::try_parse_from(["train"]).map(|t| t.args).unwrap_or_default();
        args.exercise = Some(name.to_string());
        args.prefix = prefix;
        args
    }
}

fn catalogue() -> Vec<exercise::Exercise> {
    exercise::catalogue(&crate::paths::lessons_dir())
}

fn list(json: bool) -> anyhow::Result<i32> {
    let all = catalogue();
    let mut out = super::output::stdout();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
    } else {
        for e in &all {
            let kind = if e.lesson { " (lesson)" } else { "" };
            writeln!(out, "{:<18} {}{kind}", e.name, e.title)?;
        }
        writeln!(out, "\nStart one: sacdoc train NAME (or sacdoc train --random)")?;
    }
    Ok(0)
}

fn choose(args: &Args) -> anyhow::Result<exercise::Exercise> {
    if args.random {
        let seed = args.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() ^ u64::from(d.subsec_nanos()))
                .unwrap_or(0)
        });
        // Built-in exercises only: a lesson is picked by name.
        return exercise::pick(seed).context("no exercises are built in");
    }
    let Some(name) = &args.exercise else {
        bail!("name an exercise (sacdoc train --list shows them) or use --random");
    };
    exercise::find_in(catalogue(), name).with_context(|| {
        let names: Vec<String> = catalogue().into_iter().map(|e| e.name).collect();
        format!("no exercise named {name:?}; exercises: {}", names.join(", "))
    })
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.list {
        return list(args.json);
    }
    if let Some(file) = &args.follow {
        return follow(&args, file);
    }
    if let Some(dir) = &args.import_lesson {
        return import_lesson(dir);
    }
    let ex = choose(&args)?;
    if let Some(dir) = &args.export_lesson {
        crate::train::lesson::export(&ex, dir, args.example.as_deref())?;
        super::output::println(&format!("lesson {} written to {}", ex.name, dir.display()))?;
        return Ok(0);
    }
    let query = query(&args)?;
    let (end, vm) = session(&args, &ex, &query)?;
    if !end.done {
        super::output::note(
            "training ended without grading (press the prefix key, then g, to grade)",
        );
        return Ok(0);
    }
    let line = vm.cost();
    let after = vm.machine().context("the training VM was never opened")?;
    let mut before = crate::sim::prepared_machine(&ex.scenario, &query)?;
    before.boot();
    let graded = grade::grade(&before, &after, &grade::Session { hints_used: end.hints_used });
    let cost = card::Cost {
        commands: graded.commands,
        bytes_sent: line.bytes_out,
        bytes_received: line.bytes_in,
        seconds: line.elapsed.as_secs_f64(),
        doctor: (!args.no_doctor).then(|| doctor_needs(&ex, &query)).flatten(),
    };
    let mut rc = card::ReportCard::new(&ex, &format!("sim:{}?{query}", ex.name), graded, cost);
    if let Some(t) = &end.transcript {
        match markers::write(std::path::Path::new(t), &rc.grade.items, &vm.stamps()) {
            Ok(_) => rc.transcript = Some(t.clone()),
            Err(e) => super::output::warn(&format!("writing the graded markers into {t}: {e:#}")),
        }
    }
    print(&args, &rc, &card::text(&rc))?;
    Ok(rc.exit_code())
}

/// `--import-lesson DIR`: the lesson copied into sacdoc's lessons folder, and how to start it.
fn import_lesson(dir: &std::path::Path) -> anyhow::Result<i32> {
    let (to, lesson) = crate::train::lesson::import(dir, &crate::paths::lessons_dir())?;
    let name = to.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut out = super::output::stdout();
    writeln!(out, "imported lesson {name} ({}) into {}", lesson.title, to.display())?;
    writeln!(out, "start it: sacdoc train {name}")?;
    if let Some(e) = &lesson.example {
        writeln!(out, "follow its example: sacdoc train --follow {}", to.join(e).display())?;
    }
    Ok(0)
}

/// The exercise in the text UI on a new simulated VM; returns how the UI ended and the VM.
fn session(
    args: &Args,
    ex: &exercise::Exercise,
    query: &str,
) -> anyhow::Result<(crate::tui::TrainingEnd, vm::TrainVm)> {
    let prefix = super::tui::prefix(&args.prefix)?;
    let target = vm::TrainTarget {
        scenario: ex.scenario.clone(),
        query: query.to_string(),
        vm: Default::default(),
        hidden: args.random,
    };
    let vm = target.vm.clone();
    // The account is the scenario's; sacdoc logs in only for `o` (open a cmd channel).
    let acct = crate::sim::machine::load_scenario(&ex.scenario)?.credentials.first().cloned();
    let creds = Credentials {
        user: acct.as_ref().map(|a| a.user.clone()).unwrap_or_default(),
        domain: acct.as_ref().map(|a| a.domain.clone()).unwrap_or_default(),
        password: Secret::new(acct.map(|a| a.password).unwrap_or_default()),
    };
    let mut cfg = ConnectConfig::new(Arc::new(target), creds);
    cfg.record = match &args.record {
        Some(p) => Recording::Path(p.clone()),
        None => Recording::InFolder(crate::paths::transcripts_dir()),
    };
    let training = Training {
        title: (!args.random).then(|| ex.title.clone()),
        hints: ex.hints.clone(),
        procedure: procedure::STEPS.iter().map(|s| s.to_string()).collect(),
        ..Training::default()
    };
    let end = crate::tui::run_training(cfg, "simulated 115200 8N1", training, prefix)?;
    Ok((end, vm))
}

/// What `sacdoc doctor --apply` needs for the exercise (a warning and `None` when it fails).
fn doctor_needs(ex: &exercise::Exercise, query: &str) -> Option<card::DoctorCost> {
    super::output::note(
        "measuring what `sacdoc doctor --apply` needs on a fresh copy of this VM \
         (--no-doctor skips it)",
    );
    doctor_cost::measure(&ex.scenario, query)
        .map_err(|e| super::output::warn(&format!("measuring the doctor on the same VM: {e:#}")))
        .ok()
}

/// Writes a report: JSON to `--card FILE` if asked, then JSON (`--json`) or `text` on stdout.
fn print<T: serde::Serialize>(args: &Args, report: &T, text: &str) -> anyhow::Result<()> {
    if let Some(p) = &args.card {
        std::fs::write(p, serde_json::to_string_pretty(report)?)
            .with_context(|| format!("cannot write the report to {}", p.display()))?;
    }
    let mut out = super::output::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(report)?)?;
    } else {
        write!(out, "{text}")?;
    }
    out.flush()?;
    Ok(())
}

/// `--follow FILE`: the recorded session as an exercise; a follow-along report at the end.
fn follow(args: &Args, file: &std::path::Path) -> anyhow::Result<i32> {
    let t = crate::transcript::read(file)
        .with_context(|| format!("cannot read the transcript {}", file.display()))?;
    let rec = crate::train::follow::steps(&t);
    if rec.steps.is_empty() {
        bail!("{} has nothing typed in it to follow", file.display());
    }
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let target = crate::train::follow_link::FollowTarget::new(&name, rec);
    let handle = target.handle.clone();
    let mut cfg = ConnectConfig::new(Arc::new(target), Credentials::default());
    cfg.record = match &args.record {
        Some(p) => Recording::Path(p.clone()),
        None => Recording::Off,
    };
    let training = Training {
        title: Some(format!("follow {name}")),
        procedure: procedure::STEPS.iter().map(|s| s.to_string()).collect(),
        follow: Some(handle.clone()),
        ..Training::default()
    };
    let prefix = super::tui::prefix(&args.prefix)?;
    let end = crate::tui::run_training(cfg, "recorded session", training, prefix)?;
    let p = handle.progress();
    let report = FollowReport {
        transcript: file.display().to_string(),
        done: end.done,
        steps_followed: p.step,
        steps: p.total,
        divergences: p.divergences,
        revealed: p.revealed.len(),
    };
    print(args, &report, &report.text())?;
    let clean = report.divergences.is_empty() && report.steps_followed == report.steps;
    Ok(i32::from(!clean))
}

/// How a follow-along went.
#[derive(Debug, serde::Serialize)]
struct FollowReport {
    transcript: String,
    done: bool,
    steps_followed: usize,
    steps: usize,
    divergences: Vec<crate::train::follow_link::Divergence>,
    revealed: usize,
}

impl FollowReport {
    fn text(&self) -> String {
        let mut s = format!("Follow-along of {}\n", self.transcript);
        s.push_str(&format!("Steps followed: {} of {}\n", self.steps_followed, self.steps));
        s.push_str(&format!("Divergences: {}\n", self.divergences.len()));
        for d in &self.divergences {
            s.push_str(&format!(
                "  step {}: typed {:?}, the recording has {:?} (differs from column {})\n",
                d.step + 1,
                d.typed,
                d.recorded,
                d.column + 1
            ));
        }
        s.push_str(&format!("Commands revealed: {}\n", self.revealed));
        s
    }
}
