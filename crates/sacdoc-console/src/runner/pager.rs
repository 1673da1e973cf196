//! `more`'s prompt between pages on a painted console, told apart under noise.

/// The prompt `more` shows between pages.
pub const MORE: &str = "-- More --";

/// True when the text before the cursor is `more`'s prompt, or what noise left of it: a painted
/// console paints the prompt once and repaints only cells that change, so a garbled cell in it
/// stays while Enter scrolls the rows above, and the pager was never seen again (seen at 1%
/// drop: every read of a long capture ended in probes). Nothing else in a capture stands alone
/// at the cursor within two edits of it.
pub fn at_more(before: &str) -> bool {
    before.contains(MORE) || strsim::levenshtein(before.trim(), MORE) <= 2
}

/// True when the screen waits at `more`'s prompt: its text before the cursor (see [`at_more`]),
/// or the cursor where that prompt leaves it (the bottom row, right after its 10 characters)
/// with no cmd prompt before it. A garbled cursor position in an earlier paint can put a row's
/// text over the prompt on the client's screen only; the console believes the prompt is there
/// and never paints it again (seen at 1% drop: a base64 row stood on the bottom row under the
/// cursor through every Enter that followed).
pub fn more_shown(term: &crate::term::Term) -> bool {
    let before = term.before_cursor();
    let cols = u16::try_from(MORE.chars().count()).unwrap_or(u16::MAX);
    at_more(&before)
        || (term.cursor() == (crate::term::ROWS - 1, cols) && !before.trim_end().ends_with('>'))
}

#[cfg(test)]
mod tests {
    use super::{at_more, more_shown};

    #[test]
    fn the_pager_prompt_is_known_by_its_text_or_by_the_cursor() {
        assert!(at_more("-- More --") && at_more("-- Mre --") && at_more("-- More -"));
        assert!(at_more("--More--"), "two edits away");
        // The bottom row as the client saw it at 1% drop: a base64 row painted over the prompt
        // by a garbled cursor position, the cursor where the prompt leaves it.
        let mut t = crate::term::Term::new();
        t.feed(b"\x1b[24;1H-- More --");
        assert!(more_shown(&t));
        t.feed(b"\x1b[24;1H60:7vYmM8httTLTHkAzhw85fmKHfY0CNY6XgspKIhI5DKbnqEuQ\x1b[24;11H");
        assert!(more_shown(&t), "the cursor says where the prompt is");
        let mut t = crate::term::Term::new();
        t.feed(b"\x1b[24;1HC:\\Temp\\x>");
        assert!(!more_shown(&t), "a 10-character cmd prompt is not the pager");
        assert!(!at_more("C:\\Windows\\system32>") && !at_more("") && !at_more("--"));
    }
}
