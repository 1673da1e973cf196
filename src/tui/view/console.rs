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
}
