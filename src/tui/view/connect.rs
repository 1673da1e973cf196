//! The connect screen: serial ports, recent targets, simulator scenarios, a typed target.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};
use ratatui::Frame;

use super::super::app::App;

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App) {
    let c = &app.connect;
    let [title, input, list_area, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(Line::styled(
            " sacdoc: pick the VM's serial console",
            Style::default().add_modifier(Modifier::BOLD),
        )),
        title,
    );
    let typed = Paragraph::new(format!("{}_", c.typed)).block(
        Block::default()
            .borders(Borders::ALL)
            .title(" target (COM1, /dev/ttyS0, tcp://HOST:PORT, sim:NAME, ...) "),
    );
    f.render_widget(typed, input);
    let items: Vec<ListItem> = c
        .choices
        .iter()
        .map(|ch| {
            ListItem::new(Line::raw(format!("{:<12} {:<28} {}", ch.group, ch.target, ch.note)))
        })
        .collect();
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(" found on this machine "))
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut st = ListState::default().with_selected(Some(c.selected));
    f.render_stateful_widget(list, list_area, &mut st);
    let line = match &c.error {
        Some(e) => Line::styled(format!(" {e}"), Style::default().fg(Color::Red)),
        None => {
            Line::raw(" Up/Down/Home/End choose, type a target, Enter connect or start, Esc quit")
        }
    };
    f.render_widget(Paragraph::new(line), help);
}
