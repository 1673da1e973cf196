//! The doctor view: every check with its status (live while it runs), the evidence of the
//! selected one, the running command with elapsed time and bytes, and the fix plan.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use super::super::app::{App, CheckState};
use crate::doctor::{FixState, Status};

fn status_span(state: &CheckState, spin: usize) -> Span<'static> {
    match state {
        CheckState::Waiting => Span::styled("  ....  ", Style::default().fg(Color::DarkGray)),
        CheckState::Running => Span::styled(
            format!("  {}     ", super::spinner(spin)),
            Style::default().fg(Color::Yellow),
        ),
        CheckState::Done(f) => match f.status {
            Status::Ok => Span::styled("  ok    ", Style::default().fg(Color::Green)),
            Status::Problem => Span::styled(
                " PROBLEM",
                Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
            Status::Unknown => Span::styled(" unknown", Style::default().fg(Color::Magenta)),
        },
    }
}

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App) {
    let d = &app.doctor;
    let [top, bottom] = Layout::vertical([Constraint::Min(3), Constraint::Length(4)]).areas(area);
    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(0)]).areas(top);
    let items: Vec<ListItem> = d
        .rows
        .iter()
        .map(|r| {
            let fixed = r.fix_id.as_ref().and_then(|id| {
                d.outcomes.iter().find(|o| o.fix == *id).map(|o| match o.state {
                    FixState::Applied if o.verified == Some(true) => " fixed",
                    FixState::Applied => " applied",
                    FixState::Skipped => " skipped",
                    FixState::RolledBack => " rolled back",
                    FixState::Failed => " FIX FAILED",
                })
            });
            ListItem::new(Line::from(vec![
                status_span(&r.state, app.spinner),
                Span::raw(format!(" {}", r.id)),
                Span::styled(fixed.unwrap_or(""), Style::default().fg(Color::Green)),
            ]))
        })
        .collect();
    let title = match (&d.report, d.active) {
        (_, true) => " checks (running) ".to_string(),
        (Some(r), false) => format!(" checks: {} ", verdict(r)),
        (None, false) => match d.rows.iter().filter(|r| r.status().is_some()).count() {
            0 => " checks (d: run, a: apply) ".to_string(),
            _ => {
                let n = d.rows.iter().filter(|r| r.status() == Some(Status::Problem)).count();
                if n == 0 {
                    " checks: all ok ".to_string()
                } else {
                    format!(" checks: {n} problem(s) ")
                }
            }
        },
    };
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(title))
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut st = ListState::default().with_selected(Some(d.selected));
    f.render_stateful_widget(list, list_area, &mut st);
    f.render_widget(detail(app), detail_area);
    f.render_widget(progress(app), bottom);
}

fn verdict(r: &crate::doctor::Report) -> String {
    let problems = r.checks.iter().filter(|c| c.status == Status::Problem).count();
    match r.exit_code() {
        0 if r.fixes.is_empty() => "all ok".into(),
        0 => "problems fixed".into(),
        1 => format!("{problems} problem(s)"),
        _ => "no full diagnosis".into(),
    }
}

/// The selected finding: summary, evidence, and its fix; or the fix plan when nothing is done.
fn detail(app: &App) -> Paragraph<'static> {
    let d = &app.doctor;
    let mut lines: Vec<Line> = Vec::new();
    let bold = Style::default().add_modifier(Modifier::BOLD);
    match d.selected_finding() {
        Some(f) => {
            lines.push(Line::styled(format!("{} ({})", f.id, f.status.as_str()), bold));
            lines.push(Line::raw(format!("step: {}", f.step)));
            lines.push(Line::raw(f.summary.clone()));
            lines.push(Line::raw(""));
            for e in &f.evidence {
                lines.push(Line::styled(
                    format!("$ {}", e.command),
                    Style::default().fg(Color::Cyan),
                ));
                for l in e.excerpt.lines() {
                    lines.push(Line::raw(format!("    {l}")));
                }
            }
            if let Some(fix) = &f.fix {
                lines.push(Line::raw(""));
                lines.push(Line::styled(format!("fix [{}] {}", fix.id, fix.title), bold));
                for b in &fix.backups {
                    lines.push(Line::raw(format!("  backup: {}", b.command)));
                }
                for c in &fix.commands {
                    lines.push(Line::raw(format!("  run: {c}")));
                }
            }
        }
        None => {
            let plan = d.plan();
            if plan.is_empty() {
                lines.push(Line::raw("Select a check to see its evidence."));
            } else {
                lines.push(Line::styled("Fix plan (a: apply, each confirmed)", bold));
                for fx in plan {
                    lines.push(Line::raw(format!("  [{}] {}", fx.id, fx.title)));
                }
            }
        }
    }
    Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(" evidence "))
        .wrap(Wrap { trim: false })
}

/// The running command (elapsed, bytes), or the last run's totals.
fn progress(app: &App) -> Paragraph<'static> {
    let d = &app.doctor;
    let mut lines = Vec::new();
    if let Some(r) = &d.running {
        let secs = app.now.saturating_duration_since(r.started).as_secs_f64();
        let bytes = (app.link.bytes_in + app.link.bytes_out).saturating_sub(r.bytes_at_start);
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} ", super::spinner(app.spinner)),
                Style::default().fg(Color::Yellow),
            ),
            Span::raw(format!("{}: {}", r.check, r.command)),
        ]));
        lines.push(Line::raw(format!("  {secs:.1} s, {} over the line", super::human(bytes))));
    } else if let Some(fx) = &d.fix_running {
        lines.push(Line::raw(format!("{} applying fix {fx}", super::spinner(app.spinner))));
    } else if let Some(r) = &d.report {
        let plan: Vec<&str> = d
            .plan()
            .iter()
            .filter(|f| !r.fixes.iter().any(|o| o.fix == f.id))
            .map(|f| f.id.as_str())
            .collect();
        if !plan.is_empty() {
            lines.push(Line::styled(
                format!("fix plan: {} (a: apply, each confirmed)", plan.join(", ")),
                Style::default().fg(Color::Yellow),
            ));
        }
        lines.push(Line::raw(format!(
            "last run: {} sent, {} received, {:.1} s",
            super::human(r.bytes_sent),
            super::human(r.bytes_received),
            r.duration_ms as f64 / 1000.0
        )));
        for o in &r.fixes {
            lines.push(Line::raw(format!(
                "fix {}: {:?}{}",
                o.fix,
                o.state,
                match o.verified {
                    Some(true) => ", verified",
                    Some(false) => ", NOT verified",
                    None => "",
                }
            )));
        }
    } else {
        lines
            .push(Line::raw("d: run the doctor   a: apply fixes   Up/Down: select   Esc: console"));
    }
    Paragraph::new(lines).block(Block::default().borders(Borders::TOP))
}
