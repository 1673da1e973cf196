//! `sacdoc bench doctor`: the doctor on `busy-server` paced at 115200 baud, next to the article's
//! own commands as written (full `netstat -anob` and so on): time and bytes of each.

use std::time::Instant;

use sacdoc_console::runner::Shell;

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
