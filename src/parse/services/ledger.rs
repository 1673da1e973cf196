//! Bookkeeping shared by the parsers of this family: which physical lines went into a parsed
//! value and which did not.
//!
//! Every non-blank input line ends up in exactly one of two places: `consumed` (its content is in
//! the parsed result) or `unparsed` (kept verbatim with its number). A logical line re-joined
//! after console wrapping that turns out not to fit is given back as its physical lines, so the
//! `unparsed` texts are always lines a person can find in the input.

use crate::parse::text::{self, Joined, Line, UnparsedList};
use crate::parse::Unparsed;

/// The physical lines of one input and where each one went.
#[derive(Debug)]
pub struct Ledger<'a> {
    lines: Vec<Line<'a>>,
    consumed: Vec<usize>,
    unparsed: UnparsedList,
}

impl<'a> Ledger<'a> {
    /// Splits `input` into numbered lines (see [`text::lines`]).
    pub fn new(input: &'a str) -> Self {
        Ledger { lines: text::lines(input), consumed: Vec::new(), unparsed: UnparsedList::new() }
    }

    /// The physical lines.
    pub fn lines(&self) -> &[Line<'a>] {
        &self.lines
    }

    /// Logical lines: physical lines re-joined where the console wrapped them at 80 cells and
    /// `continues` accepts the next line as the rest of the current one. A blank line never
    /// continues anything.
    pub fn joined<F>(&self, mut continues: F) -> Vec<Joined>
    where
        F: FnMut(&str, &Line<'_>) -> bool,
    {
        text::rejoin(&self.lines, text::DEFAULT_WIDTH, |cur, next| {
            !next.is_blank() && continues(cur, next)
        })
    }

    /// Marks every non-blank physical line of `j` as parsed.
    pub fn take(&mut self, j: &Joined) {
        self.take_range(j.number, j.last);
    }

    /// Marks the non-blank physical lines `first..=last` as parsed.
    pub fn take_range(&mut self, first: usize, last: usize) {
        for n in first..=last {
            if self.line(n).is_some_and(|l| !l.is_blank()) {
                self.consumed.push(n);
            }
        }
    }

    /// Keeps every non-blank physical line of `j` in `unparsed`.
    pub fn reject(&mut self, j: &Joined) {
        for n in j.number..=j.last {
            if let Some(l) = self.line(n).copied() {
                self.unparsed.push_line(&l);
            }
        }
    }

    /// Moves a line marked parsed back to `unparsed` (a row that fit the layout but whose
    /// content did not).
    pub fn untake(&mut self, number: usize) {
        let before = self.consumed.len();
        self.consumed.retain(|n| *n != number);
        if self.consumed.len() != before {
            if let Some(l) = self.line(number).copied() {
                self.unparsed.push_line(&l);
            }
        }
    }

    fn line(&self, number: usize) -> Option<&Line<'a>> {
        number.checked_sub(1).and_then(|i| self.lines.get(i))
    }

    /// The numbers of the parsed lines (ascending) and the unparsed lines.
    pub fn finish(self) -> (Vec<usize>, Vec<Unparsed>) {
        let mut consumed = self.consumed;
        consumed.sort_unstable();
        consumed.dedup();
        let mut unparsed = self.unparsed.into_vec();
        unparsed.sort_by_key(|u| u.line);
        (consumed, unparsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_joined_lines_come_back_as_physical_lines() {
        let long = "y".repeat(80);
        let input = format!("{long}\ncont\n\nok\n");
        let mut l = Ledger::new(&input);
        let j = l.joined(|_, _| true);
        assert_eq!(j.len(), 3);
        l.reject(&j[0]);
        l.take(&j[1]);
        l.take(&j[2]);
        let (consumed, unparsed) = l.finish();
        assert_eq!(consumed, vec![4]);
        assert_eq!(unparsed.len(), 2);
        assert_eq!((unparsed[1].line, unparsed[1].text.as_str()), (2, "cont"));
    }
}
