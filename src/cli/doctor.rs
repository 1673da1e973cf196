//! `sacdoc doctor [TARGET]`: the RDP internal-error procedure over SAC, a report (text or JSON)
//! and an exit code: 0 all ok, 1 a problem found (or left after `--apply`), 2 no diagnosis.
//!
//! Also `--offline-script`, which prints the recovery-VM script and connects to nothing.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use anyhow::bail;
use indicatif::ProgressBar;

use super::connect::ConnectArgs;
use crate::doctor::{self, apply::Confirm, engine::Event, offline, report, Fix, RunOptions};
use crate::sac::Session;

/// Arguments of `sacdoc doctor`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Print the report as JSON (a failure as `{error, exit_code, transcript}`).
    #[arg(short, long)]
    pub json: bool,
    /// Carry out the fixes (each shown and confirmed first).
    #[arg(long)]
    pub apply: bool,
    /// Confirm every fix without asking (with --apply / --finish-pending).
    #[arg(short, long)]
    pub yes: bool,
    /// Run the follow-ups earlier runs left for this target (restart, Group Policy back on).
    #[arg(long)]
    pub finish_pending: bool,
    /// Forget follow-ups done by hand: reboot, reenable-group-policy, azure-nsg-port,
    /// domain-policy.
    #[arg(long, value_name = "KIND")]
    pub dismiss: Vec<String>,
    /// Enable only TLS 1.2 when TLS is disabled. The default follows the procedure (TLS 1.0, 1.1
    /// and 1.2), because RDP clients older than Windows 8 speak only TLS 1.0; the fix is flagged as
    /// a security downgrade whenever it enables 1.0 or 1.1.
    #[arg(long)]
    pub tls12_only: bool,
    /// Move RDP to this port when the RDP port's owner cannot be stopped.
    #[arg(long, value_name = "PORT")]
    pub rdp_port: Option<u16>,
    /// Only these checks (rdp-port, termservice, rdp-certificate, machinekeys-acl, tls-server, nla,
    /// group-policy, firewall, ems).
    #[arg(long = "check", value_name = "ID")]
    pub checks: Vec<String>,
    /// Also run the article's commands as written (full netstat -anob and so on), for the record.
    #[arg(long)]
    pub full: bool,
    /// The COM port number the console line uses, for the EMS check.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub ems_port: u32,
    /// The line speed, for the EMS check.
    #[arg(long, value_name = "BAUD", default_value_t = 115_200)]
    pub ems_baud: u32,
    /// Plain text even on a terminal (the same as --color never).
    #[arg(long, hide = true)]
    pub no_color: bool,
    /// Print the offline procedure as one script for the recovery VM (connects to nothing).
    #[arg(long)]
    pub offline_script: bool,
    /// The attached OS disk's drive letter (with --offline-script).
    #[arg(long, value_name = "LETTER", default_value = "F")]
    pub drive: String,
    /// Online on a recovery VM: the drive letter of the broken VM's attached OS disk. The ems,
    /// tls-server and nla findings then say that disk is not diagnosed online and point to
    /// --offline-script.
    #[arg(long, value_name = "LETTER", conflicts_with = "offline_script")]
    pub offline_disk: Option<String>,
    /// The VM generation: 1 (BIOS) or 2 (UEFI) (with --offline-script).
    #[arg(long, value_name = "1|2", default_value_t = 1)]
    pub generation: u8,
    /// The letter given to the EFI system partition on Generation 2 (with --offline-script).
    #[arg(long, value_name = "LETTER", default_value = "S")]
    pub efi_drive: String,
    /// Diagnose every target listed in FILE (one per line, `#` comments), one JSON line per target.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["apply", "finish_pending", "offline_script"]
    )]
    pub targets: Option<std::path::PathBuf>,
    /// With --targets: how many consoles at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub parallel: usize,
}

/// `--targets FILE`: the doctor on many consoles at once, diagnosis only.
fn fleet(args: &Args, file: &std::path::Path) -> anyhow::Result<i32> {
    if args.connect.target.is_some() {
        bail!("give either a TARGET or --targets FILE, not both");
    }
    check_ids(&args.checks)?;
    let template = run_options(args, "fleet")?;
    super::fleet::run_fleet(file, args.parallel, &args.connect, &template)
}

/// `--offline-disk LETTER`: a drive letter other than the running system's C:.
fn offline_disk(s: &str) -> anyhow::Result<char> {
    let d = offline::parse_drive(s).map_err(|e| anyhow::anyhow!("--offline-disk: {e}"))?;
    if d == 'C' {
        bail!(
            "--offline-disk C: names the running system's own drive; give the letter the \
             attached disk of the broken VM has on this machine (often F)"
        );
    }
    Ok(d)
}

/// The doctor's options the flags give for `target` (what to check and the fixes' settings).
fn run_options(args: &Args, target: &str) -> anyhow::Result<RunOptions> {
    let mut opts = RunOptions::new(target, crate::paths::target_dir(target));
    opts.only = check_ids(&args.checks)?;
    opts.full = args.full;
    opts.settings.tls12_only = args.tls12_only;
    opts.settings.new_rdp_port = args.rdp_port;
    opts.settings.ems_port = args.ems_port;
    opts.settings.ems_baud = args.ems_baud;
    opts.settings.offline_disk = args.offline_disk.as_deref().map(offline_disk).transpose()?;
    Ok(opts)
}

/// Refuses a `--check` value that names no check.
fn check_ids(checks: &[String]) -> anyhow::Result<Vec<doctor::CheckId>> {
    checks
        .iter()
        .map(|c| {
            c.parse().map_err(|_| {
                anyhow::anyhow!(
                    "--check {c:?} is not a check id: use one of {}",
                    doctor::CheckId::ALL.map(doctor::CheckId::as_str).join(", ")
                )
            })
        })
        .collect()
}

/// Asks on the terminal, one fix at a time (the progress line steps aside meanwhile).
struct Ask {
    colour: bool,
    bar: ProgressBar,
}

impl Confirm for Ask {
    fn confirm(&mut self, fix: &Fix) -> bool {
        self.bar.suspend(|| {
            let mut err = std::io::stderr();
            let _ = write!(err, "{}", report::confirm_text(fix, self.colour));
            let _ = write!(err, "Apply [{}]? [y/N] ", fix.id);
            let _ = err.flush();
            let mut s = String::new();
            if std::io::stdin().lock().read_line(&mut s).is_err() {
                return false;
            }
            matches!(s.trim().to_ascii_lowercase().as_str(), "y" | "yes")
        })
    }
}

/// Progress on stderr while the doctor runs: a line per check, command and fix above a live
/// count of the bytes received (hidden off a terminal, with --json or -q).
fn progress(bar: ProgressBar) -> impl FnMut(&Event<'_>) {
    move |e: &Event<'_>| match e {
        Event::CheckStarted { id } => {
            bar.set_message(format!("checking {id}"));
            bar.println(format!("checking {id}"));
        }
        Event::CommandFinished { output, cached: false, .. } => {
            bar.println(format!(
                "  {} ({} B sent, {} B received)",
                output.command, output.bytes_sent, output.bytes_received
            ));
        }
        Event::FixStarted { fix } => {
            bar.set_message(format!("fix {fix}"));
            bar.println(format!("fix {fix}"));
        }
        _ => {}
    }
}

fn offline_script(args: &Args) -> anyhow::Result<i32> {
    let o = offline::OfflineOptions {
        drive: offline::parse_drive(&args.drive)?,
        generation: args.generation,
        efi_drive: offline::parse_drive(&args.efi_drive)?,
        tls12_only: args.tls12_only,
        ems_port: args.ems_port,
        ems_baud: args.ems_baud,
    };
    super::output::print(&offline::script(&o)?)?;
    Ok(0)
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.offline_script {
        return offline_script(&args);
    }
    if let Some(file) = &args.targets {
        return fleet(&args, file);
    }
    let mut notes = Vec::new();
    let mut dismiss = Vec::new();
    for d in &args.dismiss {
        match doctor::finish::kind_from_name(d) {
            Some(k) => dismiss.push(k),
            None => bail!(
                "--dismiss {d:?} is not a follow-up kind: use reboot, reenable-group-policy, \
                 azure-nsg-port or domain-policy"
            ),
        }
    }
    check_ids(&args.checks)?;
    let mut cfg = match args.connect.resolve() {
        Ok(c) => c,
        Err(e) => return Ok(no_diagnosis(e, None, args.json)),
    };
    super::run::settle_recording(&mut cfg);
    super::run::remember_transcript(&cfg);
    cfg.cancel = Some(super::interrupt::flag());
    super::interrupt::graceful(true);
    let target = cfg.target.to_string();
    let tty_in = std::io::stdin().is_terminal();
    let colour = !args.no_color && !args.json && super::output::stdout_colour();
    let wants_change = args.apply || args.finish_pending;
    let mut apply = args.apply;
    let mut finish = args.finish_pending;
    if wants_change && !args.yes && !tty_in {
        notes.push(
            "--apply/--finish-pending without a terminal to confirm on and without --yes: \
             nothing was changed (add --yes to confirm every fix)"
                .into(),
        );
        apply = false;
        finish = false;
    }
    let mut opts = run_options(&args, &target)?;
    opts.apply = apply;
    opts.finish_pending = finish;
    opts.dismiss = dismiss;
    let show_progress = std::io::stderr().is_terminal() && !args.json && !super::output::quiet();
    let bar = super::progress::bytes_received(show_progress, "doctor");
    cfg.target = Arc::new(super::progress::Counting::new(cfg.target.clone(), bar.clone()));
    let mut observer = progress(bar.clone());
    let mut session =
        match Session::connect(&cfg).map_err(|e| super::output::connecting(e, &target)) {
            Ok(s) => s,
            Err(e) => {
                bar.finish_and_clear();
                return Ok(no_diagnosis(e, Some(&cfg), args.json));
            }
        };
    let result = if args.yes {
        doctor::run(&mut session, &opts, &mut observer, &mut doctor::Yes)
    } else {
        doctor::run(&mut session, &opts, &mut observer, &mut Ask { colour, bar: bar.clone() })
    };
    bar.finish_and_clear();
    let transcript = session.transcript_path().map(|p| p.display().to_string());
    if let Err(e) = session.close() {
        super::output::warn(&format!("closing the session: {e}"));
    }
    super::interrupt::graceful(false);
    let mut rep = match result {
        Ok(r) => r,
        Err(e) => {
            let e = anyhow::Error::new(e);
            if super::run::interrupted(&e) {
                super::run::fail_interrupted(e, &cfg, args.json);
                return Ok(super::run::INTERRUPTED);
            }
            return Ok(no_diagnosis(e, Some(&cfg), args.json));
        }
    };
    let mut all_notes = notes;
    all_notes.append(&mut rep.notes);
    if let Some(t) = &transcript {
        if args.json {
            all_notes.push(format!("transcript: {t}"));
        } else {
            // Where the transcript went is for the person, not part of the report on stdout.
            super::output::note(&format!("transcript: {t}"));
        }
    }
    rep.notes = all_notes;
    let mut out = super::output::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rep)?)?;
    } else {
        // The report quotes the VM's output as evidence: its control characters stay inert.
        let text = report::text(&rep, colour, apply);
        let shown = if std::io::stdout().is_terminal() {
            super::output::visible_keeping_sgr(&text)
        } else {
            text.into()
        };
        write!(out, "{shown}")?;
    }
    out.flush()?;
    Ok(rep.exit_code())
}

/// The diagnosis could not be made: say why (and where the transcript is; with `json` also as a
/// JSON object on stdout), exit 2.
fn no_diagnosis(e: anyhow::Error, cfg: Option<&crate::sac::ConnectConfig>, json: bool) -> i32 {
    eprintln!("sacdoc doctor: no diagnosis: {e:#}");
    let transcript = match cfg.map(|c| &c.record) {
        Some(crate::sac::Recording::Path(p)) if p.exists() => Some(p.as_path()),
        _ => None,
    };
    if let Some(p) = transcript {
        eprintln!("sacdoc doctor: the transcript so far is in {}", p.display());
    }
    if json {
        let _ = super::output::println(&super::output::json_failure(&e, 2, transcript));
    }
    2
}
