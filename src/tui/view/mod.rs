//! Pure view functions of `&App`: nothing here changes state or touches the line.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Tabs};
use ratatui::Frame;

use super::app::{App, Overlay, Screen, Tab, SPEEDS};
use crate::term::ROWS;

mod connect;
mod console;
mod dialogs;
mod doctor;
mod scroll;
mod tables;

/// How far the overlay in `app` can scroll on a terminal of `size` (0 when it fits or does not
/// scroll): the update bounds the offset with it, so Up works at once after End.
pub fn overlay_max_scroll(app: &App, size: (u16, u16)) -> u16 {
    let area = Rect::new(0, 0, size.0, size.1);
    let Some(c) = dialogs::content(app, area) else { return 0 };
    let w = c.width.min(area.width);
    let rows = scroll::wrap(&c.lines, w.saturating_sub(2)).len();
    let inner = usize::from(area.height.saturating_sub(2));
    u16::try_from(rows.saturating_sub(inner)).unwrap_or(u16::MAX)
}

/// Draws the whole UI. Any size works, zero included.
pub fn draw(f: &mut Frame<'_>, app: &App) {
    let area = f.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if app.screen == Screen::Connect {
        connect::draw(f, area, app);
    } else {
        if app.tab == Tab::Console && area.height < ROWS + 2 {
            // PuTTY's and tio's 80x24: the VM's whole screen, as they show it; the status bar
            // takes the last row only while it has something to say (the console then keeps the
            // cursor's row in view and lets the top row go).
            let says = app.job.is_some()
                || app.message.is_some()
                || !app.link.up
                || app.link.recording_paused
                || app.replay.as_ref().is_some_and(|r| r.paused || r.ended)
                || app.overlay != Overlay::None;
            if says && area.height > 1 {
                let [body, status] =
                    Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
                console_with_training(f, body, app);
                draw_status(f, status, app);
            } else {
                console_with_training(f, area, app);
            }
        } else {
            draw_main(f, area, app);
        }
    }
    match &app.overlay {
        Overlay::None => {}
        Overlay::Menu | Overlay::Help | Overlay::Confirm(_) | Overlay::Admin(_) => {
            dialogs::scrolling(f, area, app)
        }
        Overlay::Credentials(form) => dialogs::credentials(f, area, form),
        Overlay::LineSettings(form) => dialogs::line_settings(f, area, form, &app.link.target),
        Overlay::Chapters(sel) => {
            super::chapters::draw(f, area, &app.chapters.list, *sel);
        }
    }
}

/// The console, with the training pane beside it when training and there is room.
fn console_with_training(f: &mut Frame<'_>, area: Rect, app: &App) {
    let (screen, pane) = super::training::split(area, app.training.as_ref());
    console::draw(f, screen, app);
    if let (Some(pane), Some(t)) = (pane, &app.training) {
        super::training::draw(f, pane, t, &app.prefix.label());
    }
}

/// The tab bar, the view of the selected tab, and the status bar.
fn draw_main(f: &mut Frame<'_>, area: Rect, app: &App) {
    let [tabs, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)])
            .areas(area);
    draw_tabs(f, tabs, app);
    match app.tab {
        Tab::Console => console_with_training(f, body, app),
        Tab::Channels => tables::channels(f, body, app),
        Tab::Doctor => doctor::draw(f, body, app),
        Tab::Results => tables::results(f, body, app),
        Tab::Palette => tables::palette(f, body, app),
    }
    draw_status(f, status, app);
}

fn draw_tabs(f: &mut Frame<'_>, area: Rect, app: &App) {
    let titles: Vec<&str> = Tab::ALL.iter().map(|t| t.title()).collect();
    let tabs = Tabs::new(titles)
        .select(app.tab.index())
        .style(Style::default().fg(Color::Gray))
        .highlight_style(Style::default().fg(Color::Black).bg(Color::Cyan))
        .divider("|");
    f.render_widget(tabs, area);
}

/// The status bar: target, line settings, connection state, bytes, recording, prefix key.
fn draw_status(f: &mut Frame<'_>, area: Rect, app: &App) {
    let l = &app.link;
    let (state, colour) = if let Some(r) = &app.replay {
        let speed = SPEEDS[r.speed];
        let speed = if speed.is_finite() { format!("{speed}x") } else { "max".into() };
        let what = if r.ended {
            "ended"
        } else if r.paused {
            "paused"
        } else {
            "playing"
        };
        (format!("replay {what} {speed} {:.1}/{:.1}s", r.at, r.total), Color::Magenta)
    } else if l.up {
        ("connected".to_string(), Color::Green)
    } else if let Some(why) = &l.lost {
        (format!("LOST: {why}"), Color::Red)
    } else {
        ("connecting".to_string(), Color::Yellow)
    };
    // The state first: on a narrow terminal the end of the line is what is cut.
    // What is happening now comes first (the state, a job or a message); the fixed facts (target,
    // line, bytes, recording) follow: on a narrow terminal the end of the line is what is cut.
    let mut spans = vec![Span::styled(format!("[{state}]"), Style::default().fg(colour))];
    // A paused recording is said next to the state, where no width cuts it.
    if l.recording_paused && l.transcript.is_some() {
        spans.push(Span::styled(
            " REC PAUSED",
            Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(j) = &app.job {
        spans.push(Span::styled(
            format!(" {} {j}", spinner(app.spinner)),
            Style::default().fg(Color::Yellow),
        ));
    } else if let Some(m) = &app.message {
        spans.push(Span::styled(format!(" {m}"), Style::default().fg(Color::Cyan)));
    }
    spans.extend([
        Span::styled(format!(" {} ", l.target), Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(format!("{} ", l.line)),
        Span::raw(format!("in {} out {}", human(l.bytes_in), human(l.bytes_out))),
    ]);
    if let Some(t) = &l.transcript {
        let what = if l.recording_paused { "paused" } else { "rec" };
        spans.push(Span::raw(format!(" {what} {}", short_path(t))));
    }
    let hint = if area.width >= 100 {
        format!(" {} menu, ? help ", app.prefix.label())
    } else {
        format!(" {} menu ", app.prefix.label())
    };
    let hint_w = (hint.chars().count() as u16).min(area.width);
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(hint_w)]).areas(area);
    f.render_widget(Clear, area);
    let p = Paragraph::new(Line::from(spans)).style(Style::default().bg(Color::DarkGray));
    f.render_widget(p, left);
    let h = Paragraph::new(hint).style(Style::default().fg(Color::Black).bg(Color::Gray));
    f.render_widget(h, right);
}

/// `1.2 KB` style sizes.
pub fn human(n: u64) -> String {
    crate::doctor::report::bytes(n)
}

fn short_path(p: &str) -> String {
    std::path::Path::new(p)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| p.to_string())
}

/// One frame of a spinner.
pub fn spinner(n: usize) -> char {
    ['|', '/', '-', '\\'][n % 4]
}

/// A rectangle of at most `w` x `h` centred in `area`.
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
