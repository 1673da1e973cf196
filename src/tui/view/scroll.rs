//! Boxes whose text may be longer than the terminal (the help, a long fix's confirmation, the
//! menu at 80x24 or smaller): the text is wrapped to the box, and when it does not fit it scrolls
//! (Up/Down, PgUp/PgDn, Home/End) and the frame says which rows show and how to see the rest.
//! Nothing is ever cut off with no way to see it.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// `lines` wrapped to `width` columns (a long command is cut between characters: every one is
/// shown, none hidden past the edge).
pub fn wrap(lines: &[Line<'static>], width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let mut out = Vec::new();
    for line in lines {
        let style = line.spans.first().map(|s| s.style).unwrap_or_default().patch(line.style);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            out.push(Line::raw(""));
            continue;
        }
        for piece in chars.chunks(width) {
            out.push(Line::from(Span::styled(piece.iter().collect::<String>(), style)));
        }
    }
    out
}

/// Which rows of `total` show in `height` rows when scrolled by `scroll` (clamped): the first
/// row's index and how many show.
pub fn window(total: usize, height: usize, scroll: u16) -> (usize, usize) {
    let max = total.saturating_sub(height);
    let first = usize::from(scroll).min(max);
    (first, total.min(height))
}

/// A box of at most `w` x `max_h` in the middle of `area` holding `lines`, scrolled by `scroll`
/// rows when they do not fit.
pub fn boxed(
    f: &mut Frame<'_>,
    area: Rect,
    (w, max_h): (u16, u16),
    title: &str,
    lines: &[Line<'static>],
    scroll: u16,
) {
    let w = w.min(area.width);
    let wrapped = wrap(lines, w.saturating_sub(2));
    let want = u16::try_from(wrapped.len() + 2).unwrap_or(u16::MAX);
    let r = super::centred(area, w, want.min(max_h));
    if r.width < 3 || r.height < 3 {
        return;
    }
    f.render_widget(Clear, r);
    let inner = usize::from(r.height - 2);
    let (first, shown) = window(wrapped.len(), inner, scroll);
    let mut block = Block::default().borders(Borders::ALL).title(title.to_string());
    if shown < wrapped.len() {
        block = block.title_bottom(format!(
            " rows {}-{} of {}: Up/Down, PgUp/PgDn ",
            first + 1,
            first + shown,
            wrapped.len()
        ));
    }
    let visible: Vec<Line<'static>> = wrapped.into_iter().skip(first).take(shown).collect();
    f.render_widget(Paragraph::new(visible).block(block), r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_and_keep_every_character() {
        let lines = vec![Line::raw("abcdefghij"), Line::raw(""), Line::raw("xy")];
        let w: Vec<String> = wrap(&lines, 4).iter().map(|l| l.to_string()).collect();
        assert_eq!(w, ["abcd", "efgh", "ij", "", "xy"]);
        assert_eq!(wrap(&lines, 0).len(), 13);
    }

    #[test]
    fn the_window_is_clamped_to_the_last_page() {
        assert_eq!(window(10, 4, 0), (0, 4));
        assert_eq!(window(10, 4, 3), (3, 4));
        assert_eq!(window(10, 4, 99), (6, 4));
        assert_eq!(window(3, 4, 5), (0, 3));
        assert_eq!(window(0, 0, 5), (0, 0));
    }
}
