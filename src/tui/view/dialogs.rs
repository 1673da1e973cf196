//! Overlays: the prefix menu, the help, the fix confirmation, the credentials form.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::super::app::App;
use super::super::connect::{CredForm, Field};
use super::super::keys::MENU;
use crate::doctor::Fix;

fn boxed(f: &mut Frame<'_>, area: Rect, w: u16, h: u16, title: &str, lines: Vec<Line<'static>>) {
    let r = super::centred(area, w, h);
    f.render_widget(Clear, r);
    let p = Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(title.to_string()))
        .wrap(Wrap { trim: false });
    f.render_widget(p, r);
}

pub fn menu(f: &mut Frame<'_>, area: Rect, app: &App) {
    let mut lines: Vec<Line> =
        MENU.iter().map(|(k, _, what)| Line::raw(format!(" {}  {what}", key_name(*k)))).collect();
    lines.push(Line::raw(format!(
        " {}  send {} itself to the VM",
        app.prefix.label(),
        app.prefix.label()
    )));
    let h = lines.len() as u16 + 2;
    boxed(f, area, 60, h, " sacdoc menu (one key) ", lines);
}

fn key_name(k: char) -> String {
    if k == ' ' {
        "Space".into()
    } else {
        format!("{k:<5}")
    }
}

pub fn help(f: &mut Frame<'_>, area: Rect, app: &App) {
    let p = app.prefix.label();
    let mut lines = vec![Line::styled(
        format!("Prefix key: {p} (everything else goes to the VM)"),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    for (k, _, what) in MENU {
        lines.push(Line::raw(format!("  {p} {}  {what}", key_name(*k))));
    }
    lines.extend([
        Line::raw(format!("  {p} {p}  send {p} itself to the VM")),
        Line::raw(""),
        Line::styled("Console", Style::default().add_modifier(Modifier::BOLD)),
        Line::raw("  any key        typed to the VM; Esc Tab switches channels as on SAC"),
        Line::raw("  Shift+PgUp/Dn  scroll the console history"),
        Line::styled("Other views", Style::default().add_modifier(Modifier::BOLD)),
        Line::raw("  Tab/Shift+Tab  next/previous view   Esc  back to the console"),
        Line::raw("  Up/Down        select               Enter  act on the selection"),
        Line::raw("  doctor: d run, a apply   results: s sort, / filter, ! run a command"),
        Line::raw("  channels: o open, x close, r refresh   palette: type to search"),
        Line::raw(
            "  replay: Space pause, + / - speed, n / p next / previous marker, c chapters, q quit",
        ),
        Line::raw(""),
        Line::raw("Any key closes this help."),
    ]);
    let h = lines.len() as u16 + 2;
    if h > area.height {
        let lines = compact_help(app);
        let h = lines.len() as u16 + 2;
        boxed(f, area, 78, h, " help ", lines);
        return;
    }
    boxed(f, area, 76, h, " help ", lines);
}

/// The help for a short terminal (80x24): the menu keys two to a line with short names, and the
/// view keys without headings (20 rows with the frame).
fn compact_help(app: &App) -> Vec<Line<'static>> {
    let p = app.prefix.label();
    let mut lines = vec![Line::styled(
        format!("Prefix key: {p}, then:"),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    // The views (1-5) by name; the other actions as said, without their parenthesis.
    let short = |k: char, what: &str| -> String {
        let w = if k.is_ascii_digit() { what.split(':').next().unwrap_or(what) } else { what };
        let w = w.split(" (").next().unwrap_or(w);
        w.chars().take(31).collect()
    };
    let cells: Vec<String> =
        MENU.iter().map(|(k, _, what)| format!("{} {}", key_name(*k), short(*k, what))).collect();
    for pair in cells.chunks(2) {
        let left = format!("{:<37}", pair[0]);
        lines.push(Line::raw(format!(" {left}{}", pair.get(1).map_or("", |s| s.as_str()))));
    }
    lines.extend([
        Line::raw(format!(" {p} again sends {p}; every other key goes to the VM")),
        Line::raw(" Esc Tab switches channels as on SAC; Shift+PgUp/Dn: history"),
        Line::raw(" Tab/Shift+Tab views, Esc console, Up/Down select, Enter act"),
        Line::raw(" doctor: d run, a apply   results: s sort, / filter, ! run a command"),
        Line::raw(" channels: o open, x close, r refresh   palette: type to search"),
        Line::raw(" replay: Space pause, +/- speed, n/p next/previous marker, c chapters"),
        Line::raw(" Any key closes this help."),
    ]);
    lines
}

/// The fix confirmation: exact commands and the backups taken first.
pub fn confirm(f: &mut Frame<'_>, area: Rect, fix: &Fix) {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines = vec![
        Line::styled(format!("[{}] {}", fix.id, fix.title), bold),
        Line::raw(fix.why.clone()),
        Line::raw(""),
    ];
    if let Some(w) = &fix.warning {
        lines.push(Line::styled(
            format!("WARNING: {w}"),
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    lines.push(Line::styled("Backup first:", bold));
    for b in &fix.backups {
        lines.push(Line::raw(format!("  {} -> {}", b.what, b.remote_file)));
        lines.push(Line::styled(format!("    {}", b.command), Style::default().fg(Color::Cyan)));
    }
    lines.push(Line::styled("Then run:", bold));
    for c in &fix.commands {
        lines.push(Line::styled(format!("  {c}"), Style::default().fg(Color::Cyan)));
    }
    let restart = if fix.reboot { " (needs a restart)" } else { "" };
    match fix.verify {
        Some(v) => lines.push(Line::raw(format!("Then check: {v}{restart}"))),
        None if fix.reboot => lines.push(Line::raw("Then: the VM restarts")),
        None => {}
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Apply this fix? y = yes, n / Esc = skip", bold));
    let h = (lines.len() as u16 + 8).min(area.height);
    boxed(f, area, area.width.saturating_sub(4).min(110), h, " confirm fix ", lines);
}

pub fn credentials(f: &mut Frame<'_>, area: Rect, form: &CredForm) {
    let mark = |fl: Field| if form.field == fl { ">" } else { " " };
    let mut lines = vec![
        Line::raw(format!("Log in to cmd channels on {}", form.target)),
        Line::raw(""),
        Line::raw(format!("{} User:     {}", mark(Field::User), form.user)),
        Line::raw(format!("{} Domain:   {}", mark(Field::Domain), form.domain)),
        Line::raw(format!(
            "{} Password: {}",
            mark(Field::Password),
            "*".repeat(form.password.chars().count())
        )),
        Line::raw(""),
        Line::raw(match form.then {
            Some(_) => "Tab next field, Enter log in, Esc keep watching. Never stored.",
            None => "Tab next field, Enter connect, Esc cancel. The password is never stored.",
        }),
    ];
    if let Some(e) = &form.error {
        lines.push(Line::styled(e.clone(), Style::default().fg(Color::Red)));
    }
    boxed(f, area, 72, 11, " credentials ", lines);
}
