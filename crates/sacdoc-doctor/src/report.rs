//! The human report: one line per check, then details of the problems, the fix plan or what the
//! fixes did, and the follow-ups. Colour only when asked (a terminal); plain text otherwise.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Color, Style};

use super::finish::kind_name;
use super::model::{Finding, Fix, FixState, PendingItem, Report, Status};

struct Paint {
    on: bool,
}

/// The report's styles (anstyle renders them as SGR sequences).
const GOOD: Style = Style::new().fg_color(Some(Color::Ansi(AnsiColor::Green)));
const BAD: Style = Style::new().bold().fg_color(Some(Color::Ansi(AnsiColor::Red)));
const CAUTION: Style = Style::new().fg_color(Some(Color::Ansi(AnsiColor::Yellow)));
const WARNING: Style = CAUTION.bold();
const HEADING: Style = Style::new().bold();

impl Paint {
    fn wrap(&self, style: Style, s: &str) -> String {
        if self.on {
            format!("{style}{s}{style:#}")
        } else {
            s.to_string()
        }
    }
    fn status(&self, s: Status) -> String {
        let (style, word) = match s {
            Status::Ok => (GOOD, "ok      "),
            Status::Problem => (BAD, "PROBLEM "),
            Status::Unknown => (CAUTION, "unknown "),
        };
        self.wrap(style, word)
    }
}

/// Bytes in a short human form.
pub fn bytes(n: u64) -> String {
    if n < 1024 {
        format!("{n} B")
    } else {
        format!("{:.1} KB", n as f64 / 1024.0)
    }
}

/// Renders `report` as text; `colour` adds ANSI colours; `applied` says whether `--apply` ran.
pub fn text(report: &Report, colour: bool, applied: bool) -> String {
    let p = Paint { on: colour };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "sacdoc doctor {}: {} sent, {} received, {:.1} s",
        report.target,
        bytes(report.bytes_sent),
        bytes(report.bytes_received),
        report.duration_ms as f64 / 1000.0
    );
    for n in &report.notes {
        let _ = writeln!(s, "note: {n}");
    }
    s.push('\n');
    // After --apply the summary shows the state after the fixes: a problem whose fix was applied
    // and then checked again reads "fixed" (its details below say what was found).
    let fixed = |c: &Finding| {
        c.fix.as_ref().is_some_and(|f| {
            report
                .fixes
                .iter()
                .any(|o| o.fix == f.id && o.state == FixState::Applied && o.verified == Some(true))
        })
    };
    for c in &report.checks {
        let status = if fixed(c) { p.wrap(GOOD, "fixed   ") } else { p.status(c.status) };
        let _ = writeln!(s, "  {} {:<16} {}  [{}]", status, c.id, c.summary, bytes(c.bytes));
    }
    let problems: Vec<&Finding> = report.checks.iter().filter(|c| c.status != Status::Ok).collect();
    if !problems.is_empty() {
        let _ = writeln!(s, "\n{}", p.wrap(HEADING, "Details"));
        for c in problems {
            let _ = writeln!(s, "\n{} ({}, step {})", c.id, c.status.as_str(), c.step);
            let _ = writeln!(s, "  {}", c.summary);
            for e in &c.evidence {
                let _ = writeln!(s, "  $ {}", e.command);
                for l in e.excerpt.lines() {
                    let _ = writeln!(s, "      {l}");
                }
            }
            if c.status == Status::Problem && c.fix.is_none() {
                let _ = writeln!(s, "  no automatic fix: see the evidence above");
            }
        }
    }
    let plan = super::apply::plan(&report.checks);
    if !applied && !plan.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            p.wrap(
                HEADING,
                "Fix plan (run again with --apply to carry it out, one confirmation per fix)"
            )
        );
        for f in &plan {
            s.push_str(&fix_text(f, &p));
        }
    }
    if !report.fixes.is_empty() {
        let _ = writeln!(s, "\n{}", p.wrap(HEADING, "Fixes"));
        for o in &report.fixes {
            let state = match o.state {
                FixState::Applied if o.verified == Some(true) => p.wrap(GOOD, "fixed"),
                FixState::Applied => p.wrap(CAUTION, "applied, not verified"),
                FixState::Skipped => "skipped".to_string(),
                FixState::RolledBack => p.wrap(CAUTION, "rolled back"),
                FixState::Failed => p.wrap(BAD, "FAILED"),
            };
            let _ = writeln!(s, "  {:<28} {state}: {}  [{}]", o.fix, o.detail, bytes(o.bytes));
            for b in &o.local_backups {
                let _ = writeln!(s, "  {:<28} backup kept at {b}", "");
            }
        }
    }
    if !report.pending.is_empty() {
        let _ = writeln!(s, "\n{}", p.wrap(WARNING, "Pending follow-ups for this target"));
        for item in &report.pending {
            s.push_str(&pending_text(item));
        }
        let _ = writeln!(
            s,
            "  run `sacdoc doctor {} --finish-pending` to do those with commands; \
             `--dismiss KIND` for those done by hand",
            report.target
        );
    }
    if !report.article.is_empty() {
        let total: u64 = report.article.iter().map(|a| a.bytes).sum();
        let _ = writeln!(s, "\nThe article's commands as written ({} in all):", bytes(total));
        for a in &report.article {
            let _ = writeln!(s, "  {:>9}  {}", bytes(a.bytes), a.command);
        }
    }
    s
}

fn fix_text(f: &Fix, p: &Paint) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n  [{}] {}", f.id, f.title);
    let _ = writeln!(s, "    why: {}", f.why);
    if let Some(w) = &f.warning {
        let _ = writeln!(s, "    {} {w}", p.wrap(WARNING, "warning:"));
    }
    for b in &f.backups {
        let _ = writeln!(s, "    backup ({}): {}", b.what, b.command);
    }
    for c in &f.commands {
        let _ = writeln!(s, "    run: {c}");
    }
    if let Some(v) = f.verify {
        let _ = writeln!(s, "    then: check {v} again");
    }
    if f.reboot {
        let _ = writeln!(s, "    takes effect after a restart of the VM (tracked as pending)");
    }
    for l in &f.later {
        let _ = writeln!(s, "    later: {}", l.description);
    }
    s
}

/// The confirmation text of one fix (what will run and why).
pub fn confirm_text(f: &Fix, colour: bool) -> String {
    fix_text(f, &Paint { on: colour })
}

fn pending_text(item: &PendingItem) -> String {
    let mut s = format!("  - [{}] {}", kind_name(item.kind), item.description);
    if !item.created.is_empty() {
        let _ = write!(s, " (since {})", item.created);
    }
    if item.after_reboot {
        s.push_str(" (after the restart)");
    }
    s.push('\n');
    for c in &item.commands {
        let _ = writeln!(s, "      {c}");
    }
    s
}

/// The JSON report with every timing field removed and run ids (`20261125-180000`, in backup
/// file names) masked, for comparing two runs (replay).
pub fn json_without_timing(report: &Report) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    strip(&mut v);
    v
}

fn strip(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("duration_ms");
            m.remove("created");
            m.remove("at");
            for (_, x) in m.iter_mut() {
                strip(x);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
        serde_json::Value::String(s) => *s = mask_run_ids(s),
        _ => {}
    }
}

/// Replaces every `DDDDDDDD-DDDDDD` (a run id) with `RUNID`.
fn mask_run_ids(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let is_id = b.len() - i >= 15
            && b[i..i + 8].iter().all(u8::is_ascii_digit)
            && b[i + 8] == b'-'
            && b[i + 9..i + 15].iter().all(u8::is_ascii_digit);
        if is_id {
            out.push_str("RUNID");
            i += 15;
        } else {
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_run_ids_only() {
        assert_eq!(
            mask_run_ids(r"C:\temp\sacdoc\20261125-180000-x.reg"),
            r"C:\temp\sacdoc\RUNID-x.reg"
        );
        assert_eq!(mask_run_ids("port 3389 é 2026-11"), "port 3389 é 2026-11");
    }
}
