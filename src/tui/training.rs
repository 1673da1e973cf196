//! Training in the text UI: the exercise's side pane (procedure, hints revealed on request) and
//! the trainee's "done". The grading itself happens after the UI closes (`crate::train`).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::term::COLS;

/// The training side of the UI.
#[derive(Debug, Clone, Default)]
pub struct Training {
    /// Shown as the pane's title; `None` while the exercise is hidden (`--random`).
    pub title: Option<String>,
    pub hints: Vec<String>,
    /// How many hints were revealed (each one is noted in the grade).
    pub shown: usize,
    /// The trainee said done: grade after the UI closes.
    pub done: bool,
    pub procedure: Vec<String>,
    /// Following a recorded session: a hint reveals its next command.
    pub follow: Option<crate::train::follow_link::FollowHandle>,
}

impl Training {
    /// Reveals the next hint; the status message for the UI.
    pub fn next_hint(&mut self) -> String {
        if let Some(f) = &self.follow {
            return f.reveal();
        }
        if self.shown >= self.hints.len() {
            return "no more hints".into();
        }
        self.shown += 1;
        // Said in the status bar too: a terminal too narrow for the pane shows it only there.
        let text = self.hints.get(self.shown - 1).map(String::as_str).unwrap_or_default();
        format!("hint {}/{} (noted in the grade): {text}", self.shown, self.hints.len())
    }

    /// The hints revealed so far.
    pub fn used(&self) -> Vec<String> {
        self.hints.iter().take(self.shown).cloned().collect()
    }
}

/// Narrowest side pane worth drawing.
const MIN_PANE: u16 = 30;
const MAX_PANE: u16 = 46;

/// Splits `area` into the console's part and the pane's, when there is room for both.
pub fn split(area: Rect, training: Option<&Training>) -> (Rect, Option<Rect>) {
    if training.is_none() || area.width < COLS + 2 + MIN_PANE {
        return (area, None);
    }
    let pane = (area.width - COLS - 2).min(MAX_PANE);
    let [console, side] =
        Layout::horizontal([Constraint::Min(COLS + 2), Constraint::Length(pane)]).areas(area);
    (console, Some(side))
}

/// Draws the pane: what the keys do, the hints shown, then the procedure.
pub fn draw(f: &mut Frame<'_>, area: Rect, t: &Training, prefix: &str) {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let title = match &t.title {
        Some(s) => format!(" training: {s} "),
        None => " training: hidden exercise ".into(),
    };
    let hint = match &t.follow {
        Some(_) => format!("{prefix} h  reveal the next recorded command"),
        None => format!("{prefix} h  hint ({}/{} used)", t.shown, t.hints.len()),
    };
    let mut lines = vec![
        Line::styled(hint, bold),
        Line::styled(
            match &t.follow {
                Some(_) => format!("{prefix} g  done: the follow-along report"),
                None => format!("{prefix} g  done: grade my work"),
            },
            bold,
        ),
        Line::raw(""),
    ];
    for (i, h) in t.hints.iter().take(t.shown).enumerate() {
        lines
            .push(Line::styled(format!("Hint {}: {h}", i + 1), Style::default().fg(Color::Yellow)));
    }
    if t.shown > 0 {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled("Procedure", bold));
    lines.extend(t.procedure.iter().map(|s| Line::raw(s.clone())));
    let block = Block::default().borders(Borders::ALL).title(title);
    f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}
