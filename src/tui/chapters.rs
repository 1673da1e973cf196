//! Replay chapters: a transcript's markers (commands the doctor ran, graded events, an
//! instructor's notes) as places to jump to: next, previous, or one picked from a list.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState};
use ratatui::Frame;

use crate::transcript::{EventKind, Transcript};

/// One chapter: a marker, when it was written, and the index of its event.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    pub time: f64,
    pub label: String,
    pub index: usize,
}

/// A replay's chapters and the one playback last passed or jumped to (its event index).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chapters {
    pub list: Vec<Chapter>,
    pub current: Option<usize>,
}

/// The chapters of a transcript: its markers, without sacdoc's own result markers (`sacdoc-...`).
pub fn of(t: &Transcript) -> Vec<Chapter> {
    t.events
        .iter()
        .enumerate()
        .filter_map(|(index, e)| match &e.kind {
            EventKind::Marker(m) if !m.starts_with("sacdoc-") => {
                Some(Chapter { time: e.time, label: m.clone(), index })
            }
            _ => None,
        })
        .collect()
}

/// The chapter before the position `at` (seconds played): the last one strictly before the chapter
/// playback stands at now, so pressing it twice goes back two chapters.
pub fn previous(chapters: &[Chapter], at: f64, current: Option<usize>) -> Option<&Chapter> {
    match current {
        Some(i) => chapters.iter().rev().find(|c| c.index < i),
        None => chapters.iter().rev().find(|c| c.time < at),
    }
}

/// What a key does in the chapter list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKey {
    Move(isize),
    Pick,
    Close,
    Nothing,
}

pub fn list_key(k: &KeyEvent) -> ListKey {
    match k.code {
        KeyCode::Up | KeyCode::Char('k') => ListKey::Move(-1),
        KeyCode::Down | KeyCode::Char('j') => ListKey::Move(1),
        KeyCode::PageUp => ListKey::Move(-10),
        KeyCode::PageDown => ListKey::Move(10),
        KeyCode::Enter => ListKey::Pick,
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('c') => ListKey::Close,
        _ => ListKey::Nothing,
    }
}

/// Draws the chapter list over `area`, `selected` highlighted.
pub fn draw(f: &mut Frame<'_>, area: Rect, chapters: &[Chapter], selected: usize) {
    let r = super::view::centred(
        area,
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2),
    );
    f.render_widget(Clear, r);
    let items: Vec<ListItem> = chapters
        .iter()
        .map(|c| ListItem::new(Line::raw(format!("{:>8.1}s  {}", c.time, c.label))))
        .collect();
    let title = format!(" chapters ({}): Enter jumps, Esc closes ", chapters.len());
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(title))
        .highlight_style(Style::default().fg(Color::Black).bg(Color::Cyan));
    let mut state = ListState::default().with_selected(Some(selected));
    f.render_stateful_widget(list, r, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::{Event, Header};

    fn t() -> Transcript {
        let m = |time, s: &str| Event { time, kind: EventKind::Marker(s.into()) };
        Transcript {
            header: Header::new("sim:x"),
            events: vec![
                m(1.0, "netstat -ano"),
                Event { time: 1.5, kind: EventKind::Output(b"x".to_vec()) },
                m(2.0, "sacdoc-result {}"),
                m(3.0, "grade ok backup: x"),
                m(4.0, "note: look here"),
            ],
            truncated: false,
        }
    }

    #[test]
    fn markers_are_chapters_but_result_markers_are_not() {
        let labels: Vec<String> = of(&t()).into_iter().map(|c| c.label).collect();
        assert_eq!(labels, ["netstat -ano", "grade ok backup: x", "note: look here"]);
    }

    #[test]
    fn previous_goes_back_one_chapter_each_time() {
        let c = of(&t());
        assert_eq!(previous(&c, 4.0, Some(4)).map(|c| c.index), Some(3));
        assert_eq!(previous(&c, 3.0, Some(3)).map(|c| c.index), Some(0));
        assert_eq!(previous(&c, 1.0, Some(0)), None);
        assert_eq!(previous(&c, 3.5, None).map(|c| c.index), Some(3));
    }
}
