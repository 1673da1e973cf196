//! Table views: results (parsed outputs), channels, palette.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{
    Block, Borders, List, ListItem, ListState, Paragraph, Row, Table, TableState,
};
use ratatui::Frame;

use super::super::app::App;
use super::super::results::{self, Kind};

pub fn results(f: &mut Frame<'_>, area: Rect, app: &App) {
    let r = &app.results;
    // At PuTTY's 80 columns the table needs the room: the list of outputs narrows.
    let list_w = if area.width < 100 { 18 } else { 36 };
    let [list_area, table_area] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(area);
    let items: Vec<ListItem> = r
        .outputs
        .iter()
        .map(|o| ListItem::new(format!("{:<8} {}", Kind::of(&o.command).label(), o.command)))
        .collect();
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(" outputs "))
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut st = ListState::default().with_selected(Some(r.selected));
    f.render_stateful_widget(list, list_area, &mut st);
    let Some(out) = r.outputs.get(r.selected) else {
        let text = match &r.running {
            Some(line) => format!("run (Enter runs, Esc cancels): {line}_"),
            None => {
                "No outputs yet: run the doctor (prefix, then d), or press ! to run a command here."
                    .to_string()
            }
        };
        let p = Paragraph::new(text).block(Block::default().borders(Borders::ALL));
        f.render_widget(p, table_area);
        return;
    };
    let kind = Kind::of(&out.command);
    let rdp_port = app.known().port.unwrap_or(3389);
    let table = match kind {
        Kind::Netstat => results::netstat(out, rdp_port, r.sort, &r.filter),
        Kind::Acl => results::acl(out),
        Kind::Registry => results::registry(out),
        Kind::Services => results::services(out),
        Kind::Other => results::other(out),
    };
    let exit = out.exit_code.map_or("exit ?".to_string(), |c| format!("exit {c}"));
    // Typed by hand: the exit code was never read, and a painted console may have skipped rows.
    let origin = r.origin(&out.command);
    let title = if let Some(line) = &r.running {
        format!(" run (Enter runs, Esc cancels): {line}_ ")
    } else if kind == Kind::Netstat {
        let cursor = if r.editing_filter { "_" } else { "" };
        format!(
            " netstat{origin}, {exit}: sort by {} (s), filter /{}{} ",
            r.sort.label(),
            r.filter,
            cursor
        )
    } else {
        format!(" {}{origin}, {exit}, ! runs another ", kind.label())
    };
    draw_table(f, table_area, &table, &title, r.offset);
}

/// A table with its header; rows from `offset` on (clamped to the last page), and when they do
/// not all fit, the frame says which show and how to see the rest.
fn draw_table(f: &mut Frame<'_>, area: Rect, t: &results::Table, title: &str, offset: usize) {
    let n = t.header.len() + 1;
    let mut header: Vec<String> = t.header.iter().map(|h| h.to_string()).collect();
    header.push("note".into());
    let rows: Vec<Row> = t
        .rows
        .iter()
        .map(|r| {
            let mut cells = r.cells.clone();
            cells.push(r.mark.clone().unwrap_or_default());
            let row = Row::new(cells);
            if r.mark.is_some() {
                row.style(Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD))
            } else {
                row
            }
        })
        .collect();
    // Each column as wide as its widest cell (capped), the note column takes the rest.
    let widths: Vec<Constraint> = (0..n)
        .map(|i| {
            if i + 1 == n {
                return Constraint::Min(8);
            }
            let widest = t
                .rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|c| c.chars().count())
                .chain(std::iter::once(header[i].chars().count()))
                .max()
                .unwrap_or(4);
            Constraint::Length(widest.min(48) as u16)
        })
        .collect();
    // Frame and header take 3 rows.
    let fit = usize::from(area.height.saturating_sub(3));
    let total = rows.len();
    let first = offset.min(total.saturating_sub(fit));
    let mut block = Block::default().borders(Borders::ALL).title(title.to_string());
    if total > fit {
        let last = (first + fit).min(total);
        block = block.title_bottom(format!(" rows {}-{last} of {total}: PgUp/PgDn ", first + 1));
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(Style::default().add_modifier(Modifier::UNDERLINED)))
        .block(block);
    f.render_stateful_widget(table, area, &mut TableState::default().with_offset(first));
}

pub fn channels(f: &mut Frame<'_>, area: Rect, app: &App) {
    let rows: Vec<Row> = app
        .channels
        .iter()
        .map(|c| {
            let state = match c.status.chars().next() {
                Some('A') => "active",
                Some('I') => "inactive",
                _ => "?",
            };
            Row::new(vec![c.index.to_string(), c.name.clone(), state.to_string(), c.status.clone()])
        })
        .collect();
    let table = Table::new(
        rows,
        [Constraint::Length(4), Constraint::Length(12), Constraint::Length(10), Constraint::Min(4)],
    )
    .header(
        Row::new(vec!["#", "Channel", "State", "SAC"])
            .style(Style::default().add_modifier(Modifier::UNDERLINED)),
    )
    .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED))
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(" channels: Enter view, o open cmd, x close, r refresh "),
    );
    let mut st = TableState::default().with_selected(Some(app.channel_sel));
    f.render_stateful_widget(table, area, &mut st);
}

pub fn palette(f: &mut Frame<'_>, area: Rect, app: &App) {
    let [input, list_area] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(area);
    let p = Paragraph::new(Line::raw(format!("> {}_", app.palette.query)))
        .block(Block::default().borders(Borders::ALL).title(" search (Enter types the command) "));
    f.render_widget(p, input);
    let hits = super::super::palette::search(&app.palette.query, &app.known());
    let items: Vec<ListItem> = hits
        .iter()
        .map(|(w, c, d)| {
            let at = match w {
                super::super::palette::Where::Sac => "SAC>",
                super::super::palette::Where::Cmd => "cmd ",
            };
            ListItem::new(vec![
                Line::raw(format!("{at} {c}")),
                Line::styled(format!("     {d}"), Style::default().fg(Color::DarkGray)),
            ])
        })
        .collect();
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL))
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut st = ListState::default().with_selected(Some(app.palette.selected));
    f.render_stateful_widget(list, list_area, &mut st);
}
