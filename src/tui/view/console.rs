//! The console: the emulated 80x24 screen with its colours and cursor, centred in the area.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Widget};
use ratatui::Frame;

use super::super::app::{App, Overlay};
use crate::term::{COLS, ROWS};

/// Renders a vt100 screen into a ratatui buffer cell by cell, from row and column `origin` (a
/// window smaller than 80x24 shows the part around the cursor).
struct Screen<'a> {
    screen: &'a vt100::Screen,
    origin: (u16, u16),
}

/// The first row (or column) to show so that `cursor` stays inside a view of `view` cells out
/// of `total`.
fn origin(cursor: u16, view: u16, total: u16) -> u16 {
    if view >= total || cursor < view {
        0
    } else {
        (cursor + 1 - view).min(total - view)
    }
}

fn colour(c: vt100::Color) -> Color {
    match c {
        vt100::Color::Default => Color::Reset,
        vt100::Color::Idx(i) => Color::Indexed(i),
        vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

impl Widget for Screen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (r0, c0) = self.origin;
        for row in 0..area.height.min(ROWS - r0) {
            for col in 0..area.width.min(COLS - c0) {
                let Some(cell) = self.screen.cell(r0 + row, c0 + col) else { continue };
                if cell.is_wide_continuation() {
                    continue;
                }
                let mut style =
                    Style::default().fg(colour(cell.fgcolor())).bg(colour(cell.bgcolor()));
                if cell.bold() {
                    style = style.add_modifier(Modifier::BOLD);
                }
                if cell.italic() {
                    style = style.add_modifier(Modifier::ITALIC);
                }
                if cell.underline() {
                    style = style.add_modifier(Modifier::UNDERLINED);
                }
                if cell.inverse() {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                let text = if cell.has_contents() { cell.contents() } else { " ".to_string() };
                if let Some(c) = buf.cell_mut(Position::new(area.x + col, area.y + row)) {
                    c.set_symbol(&text).set_style(style);
                }
            }
        }
    }
}

/// The hex view: the last bytes received, as many rows as fit.
fn draw_hex(f: &mut Frame<'_>, area: Rect, app: &App) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" received, in hex (prefix, then x: back to the screen) ");
    let inner = block.inner(area);
    let rows = app.recent.dump(usize::from(inner.height));
    let lines: Vec<ratatui::text::Line> = rows.into_iter().map(ratatui::text::Line::raw).collect();
    f.render_widget(ratatui::widgets::Paragraph::new(lines).block(block), area);
}

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App) {
    if app.hex {
        draw_hex(f, area, app);
        return;
    }
    let screen = app.console.screen();
    let framed = area.width >= COLS + 2 && area.height >= ROWS + 2;
    let inner = if framed {
        let outer = super::centred(area, COLS + 2, ROWS + 2);
        let title = if app.console.scroll > 0 {
            format!(" console: history -{} (Shift+PgDn to return) ", app.console.scroll)
        } else if app.replay.is_some() {
            " console (replay) ".to_string()
        } else {
            " console 80x24 ".to_string()
        };
        let block = Block::default().borders(Borders::ALL).title(title);
        let inner = block.inner(outer);
        f.render_widget(block, outer);
        inner
    } else {
        super::centred(area, COLS, ROWS)
    };
    let (row, col) = screen.cursor_position();
    let r0 = origin(row, inner.height, ROWS);
    let c0 = origin(col, inner.width, COLS);
    f.render_widget(Screen { screen, origin: (r0, c0) }, inner);
    let (row, col) = (row.saturating_sub(r0), col.saturating_sub(c0));
    let show = app.overlay == Overlay::None
        && app.console.scroll == 0
        && !screen.hide_cursor()
        && row < inner.height
        && col < inner.width;
    if show {
        f.set_cursor_position(Position::new(inner.x + col, inner.y + row));
    }
    if app.timestamps && app.console.scroll == 0 {
        draw_stamps(f.buffer_mut(), area, inner, r0, app);
    }
}

/// How a row's time is written: time since the session began, `+MM:SS` (`+H:MM:SS` past an
/// hour), so it reads the same in any time zone and in tests.
pub fn stamp_text(since_start: std::time::Duration) -> String {
    let s = since_start.as_secs();
    if s >= 3600 {
        format!("+{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("+{:02}:{:02}", s / 60, s % 60)
    }
}

/// The time each row arrived. Where the area has room beside the 80 columns (a terminal wider
/// than 90), in a gutter to their right; at 80 columns, written over the right end of a row only
/// when those cells are blank, so no column of the VM's screen is taken or hidden (a row filled
/// to the edge shows no time).
fn draw_stamps(buf: &mut Buffer, area: Rect, inner: Rect, r0: u16, app: &App) {
    let dim = Style::default().fg(Color::DarkGray);
    let gutter_x = inner.x + inner.width + 2;
    let gutter = gutter_x + 8 <= area.x + area.width;
    for row in 0..inner.height {
        let Some(at) = app.console.stamp(r0 + row) else { continue };
        let text = stamp_text(at.saturating_duration_since(app.started));
        let w = text.chars().count() as u16;
        let y = inner.y + row;
        let x = if gutter {
            gutter_x
        } else {
            let x = (inner.x + inner.width).saturating_sub(w);
            let blank = (x.saturating_sub(1)..inner.x + inner.width).all(|cx| {
                buf.cell(Position::new(cx, y)).is_none_or(|c| c.symbol().trim().is_empty())
            });
            if !blank || x <= inner.x {
                continue;
            }
            x
        };
        buf.set_string(x, y, &text, dim);
    }
}
