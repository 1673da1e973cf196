//! Overlays: the prefix menu, the help, the fix confirmation, the credentials form.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;

use ratatui::Frame;

use super::super::app::{App, Overlay};
use super::super::connect::{CredForm, Field};
use super::super::keys::MENU;
use crate::doctor::Fix;

/// A box of at most `w` x `h`; text that does not fit scrolls (see `scroll.rs`).
fn boxed(
    f: &mut Frame<'_>,
    area: Rect,
    (w, h): (u16, u16),
    title: &str,
    lines: &[Line<'static>],
    scroll: u16,
) {
    super::scroll::boxed(f, area, (w, h), title, lines, scroll);
}

/// What an overlay box holds: its text, its widest width and its title.
pub struct Content {
    pub lines: Vec<Line<'static>>,
    pub width: u16,
    pub title: String,
}

/// The text of the overlay in `app` drawn over `area`, when it is one that scrolls.
pub fn content(app: &App, area: Rect) -> Option<Content> {
    match &app.overlay {
        Overlay::Menu => Some(menu_content(app, area)),
        Overlay::Help => Some(help_content(app, area)),
        Overlay::Confirm(fix) => Some(confirm_content(fix, area)),
        Overlay::Admin(c) => Some(admin_content(*c, &app.link.target)),
        _ => None,
    }
}

/// The question before an Azure admin action: what it does, to which VM (the CLI's words).
fn admin_content(c: crate::transport::azure::AdminCommand, target: &str) -> Content {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let question = match crate::cli::azure::azure_vm(target) {
        Ok(vm) => crate::cli::azure::question(c, &vm),
        Err(e) => format!("{e}"),
    };
    let mut lines: Vec<Line<'static>> = question
        .lines()
        .map(|l| Line::styled(l.trim_end_matches(" [y/N] ").to_string(), bold))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::raw("y = send it, n / Esc = do not"));
    Content { lines, width: 76, title: format!(" Azure {}: y yes, n / Esc no ", c.as_str()) }
}

/// Draws the overlay in `app` (when it is one that scrolls), scrolled as the app says.
pub fn scrolling(f: &mut Frame<'_>, area: Rect, app: &App) {
    if let Some(c) = content(app, area) {
        boxed(f, area, (c.width, u16::MAX), &c.title, &c.lines, app.overlay_scroll);
    }
}

/// The menu, one key a row; on a short terminal (80x24) two keys a row with short names, as in
/// the compact help.
fn menu_content(app: &App, area: Rect) -> Content {
    let p = app.prefix.label();
    let title = " sacdoc menu (one key) ".to_string();
    if MENU.len() + 3 > usize::from(area.height) {
        let mut lines = compact_menu();
        lines.push(Line::raw(format!(" {p} {p}  send {p} itself to the VM")));
        return Content { lines, width: 78, title };
    }
    let mut lines: Vec<Line> =
        MENU.iter().map(|(k, _, what)| Line::raw(format!(" {}  {what}", key_name(*k)))).collect();
    lines.push(Line::raw(format!(" {p}  send {p} itself to the VM")));
    Content { lines, width: 60, title }
}

/// The menu's keys two to a row, with short names (the views by name, the actions without
/// their parenthesis).
fn compact_menu() -> Vec<Line<'static>> {
    let short = |k: char, what: &str| -> String {
        let w = if k.is_ascii_digit() { what.split(':').next().unwrap_or(what) } else { what };
        let w = w.split(" (").next().unwrap_or(w);
        w.chars().take(31).collect()
    };
    let cells: Vec<String> =
        MENU.iter().map(|(k, _, what)| format!("{} {}", key_name(*k), short(*k, what))).collect();
    cells
        .chunks(2)
        .map(|pair| {
            let left = format!("{:<37}", pair[0]);
            Line::raw(format!(" {left}{}", pair.get(1).map_or("", |s| s.as_str())))
        })
        .collect()
}

fn key_name(k: char) -> String {
    if k == ' ' {
        "Space".into()
    } else {
        format!("{k:<5}")
    }
}

/// The full help, or the compact one when the full one does not fit `area`'s height.
fn help_content(app: &App, area: Rect) -> Content {
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
        Line::raw("  any key        typed to the VM; Esc Tab switches channels as on SAC"),
        Line::raw("  Shift+PgUp/Dn  scroll the console history"),
        Line::raw("  Tab/Shift+Tab  next/previous view   Esc  back to the console"),
        Line::raw("  Up/Down        select               Enter  act on the selection"),
        Line::raw("  doctor: d run, a apply   results: s sort, / filter, ! run a command"),
        Line::raw("  channels: o open, x close, r refresh   palette: type to search"),
        Line::raw("  replay: Space pause, +/- speed, n/p next/previous marker, c chapters"),
        Line::raw("Up/Down/PgUp/PgDn scroll; any other key closes this help."),
    ]);
    // The full help as it wraps in its box (76 wide, 74 inside), else the compact one.
    let rows = super::scroll::wrap(&lines, 76u16.min(area.width).saturating_sub(2)).len();
    if rows + 2 > usize::from(area.height) {
        return Content { lines: compact_help(app), width: 78, title: " help ".into() };
    }
    Content { lines, width: 76, title: " help ".into() }
}

/// The help for a short terminal (80x24): the menu keys two to a line with short names, and the
/// view keys without headings (20 rows with the frame).
fn compact_help(app: &App) -> Vec<Line<'static>> {
    let p = app.prefix.label();
    let mut lines = vec![Line::styled(
        format!("Prefix key: {p}, then:"),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    lines.extend(compact_menu());
    lines.extend([
        Line::raw(format!(" {p} again sends {p}; every other key goes to the VM")),
        Line::raw(" Esc Tab switches channels as on SAC; Shift+PgUp/Dn: history"),
        Line::raw(" Tab/Shift+Tab views, Esc console, Up/Down select, Enter act"),
        Line::raw(" doctor: d run, a apply   results: s sort, / filter, ! run a command"),
        Line::raw(" channels: o open, x close, r refresh   palette: type to search"),
        Line::raw(" replay: Space pause, +/- speed, n/p next/previous marker, c chapters"),
        Line::raw(" Up/Down/PgUp/PgDn scroll; any other key closes this help."),
    ]);
    lines
}

/// The fix confirmation: exact commands and the backups taken first.
fn confirm_content(fix: &Fix, area: Rect) -> Content {
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
    let width = area.width.saturating_sub(4).min(110);
    Content { lines, width, title: " confirm fix: y yes, n / Esc skip ".into() }
}

/// The line-settings dialog: one line of text, the format, and why Enter was refused.
pub fn line_settings(
    f: &mut Frame<'_>,
    area: Rect,
    form: &super::super::line_form::LineForm,
    target: &str,
) {
    let mut lines = vec![
        Line::raw(format!("Line settings of {target}")),
        Line::raw(""),
        Line::styled(format!("> {}_", form.text), Style::default().add_modifier(Modifier::BOLD)),
        Line::raw(""),
        Line::raw("BAUD DPS [flow none|software|hardware], e.g. 9600 7E1"),
        Line::raw("Enter apply, Esc keep the current settings"),
    ];
    if let Some(e) = &form.error {
        lines.push(Line::styled(e.clone(), Style::default().fg(Color::Red)));
    }
    boxed(f, area, (72, 10), " line settings ", &lines, 0);
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
    boxed(f, area, (72, 11), " credentials ", &lines, 0);
}
