//! `sacdoc bench doctor`: the doctor on `busy-server` paced at 115200 baud, next to the article's
//! own commands as written (full `netstat -anob` and so on): time and bytes of each.

use std::time::Instant;

use crate::runner::Shell;

use super::engine::{Ctx, DoctorError, Quiet, Settings};

/// Bytes and time of one way of doing the diagnosis.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figures {
    pub what: String,
    pub commands: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub millis: u64,
}

/// Runs the doctor's checks, then the article's commands, over `shell`; returns both figures.
pub fn measure(shell: &mut dyn Shell) -> Result<(Figures, Figures), DoctorError> {
    let mut quiet = Quiet;
    let t0 = Instant::now();
    let mut cx = Ctx::new(shell, &mut quiet, Settings::default());
    let findings = super::diagnose(&mut cx, &[])?;
    let ours = Figures {
        what: format!("sacdoc doctor ({} checks)", findings.len()),
        commands: 0,
        bytes_sent: cx.bytes_sent,
        bytes_received: cx.bytes_received,
        millis: t0.elapsed().as_millis() as u64,
    };
    let (s0, r0) = (cx.bytes_sent, cx.bytes_received);
    cx.invalidate();
    let t1 = Instant::now();
    let runs = super::full::run_article(&mut cx)?;
    let article = Figures {
        what: "the article's commands as written".into(),
        commands: runs.len(),
        bytes_sent: cx.bytes_sent - s0,
        bytes_received: cx.bytes_received - r0,
        millis: t1.elapsed().as_millis() as u64,
    };
    Ok((ours, article))
}

/// Renders the two figures side by side.
pub fn table(ours: &Figures, article: &Figures) -> String {
    let row = |f: &Figures| {
        format!(
            "{:<42} {:>10} {:>12} {:>9.1} s\n",
            f.what,
            f.bytes_sent,
            f.bytes_received,
            f.millis as f64 / 1000.0
        )
    };
    let mut s = format!("{:<42} {:>10} {:>12} {:>11}\n", "", "bytes sent", "bytes recv", "time");
    s.push_str(&row(ours));
    s.push_str(&row(article));
    s
}

/// `sacdoc bench doctor`: connects to `target` (default `sim:busy-server`, which the simulator
/// paces at 115200 baud), measures, and returns the table.
pub fn run(cfg: &crate::sac::ConnectConfig) -> Result<String, String> {
    let mut session = crate::sac::Session::connect(cfg)
        .map_err(|e| format!("connecting to {}: {e}", cfg.target))?;
    let r = measure(&mut session).map_err(|e| e.to_string());
    let _ = session.close();
    let (ours, article) = r?;
    Ok(table(&ours, &article))
}

/// The benchmark's target: `busy-server` paced at 115200 baud, in the given profile.
pub fn default_target(profile: &str) -> String {
    format!("sim:busy-server?profile={profile}&baud=115200")
}

/// `sacdoc bench doctor` with its defaults: both profiles of `busy-server` at 115200 baud, not
/// recorded. The `sacdoc bench` dispatcher prints what this returns.
pub fn run_default() -> Result<String, String> {
    let sc = crate::sim::machine::load_scenario("busy-server")?;
    let c = sc.credentials.first().ok_or("busy-server has no documented account")?;
    let mut out = String::new();
    for profile in ["ws2022", "ws2019"] {
        let target = default_target(profile);
        let creds = crate::sac::Credentials {
            user: c.user.clone(),
            domain: c.domain.clone(),
            password: crate::sac::Secret::new(c.password.clone()),
        };
        let parsed = target.parse().map_err(|e| format!("{e}"))?;
        let mut cfg = crate::sac::ConnectConfig::new(parsed, creds);
        cfg.record = crate::sac::Recording::Off;
        cfg.timeout = std::time::Duration::from_secs(600);
        out.push_str(&format!("{target}\n{}\n", run(&cfg)?));
    }
    Ok(out)
}
