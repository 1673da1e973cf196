//! Shared line handling for every parser: split, number, right-trim, re-join wrapped lines, and
//! collect the lines that did not fit a grammar.
//!
//! Decoding is done before this point: input is `&str`. Output captured through SAC, a log file
//! or a pipe may end lines with CRLF, LF, a doubled `\r\r\n` (a console quirk when output is
//! redirected) or a lone CR; all of them are one line break here, so line numbers stay the ones
//! a person sees in an editor.
//!
//! ```
//! use sacdoc_parse::text::lines;
//! let ls = lines("  TCP    0.0.0.0:3389   0.0.0.0:0   LISTENING   416  \r\n\r\n[svchost.exe]\r\n");
//! assert_eq!(ls.len(), 3);
//! assert_eq!(ls[0].number, 1);
//! assert_eq!(ls[0].text, "  TCP    0.0.0.0:3389   0.0.0.0:0   LISTENING   416");
//! assert!(ls[1].is_blank());
//! assert_eq!(ls[2].text, "[svchost.exe]");
//! ```

use super::prompt::{self, Command, Run};
use super::Unparsed;

/// Console width a Windows console (and SAC's 80x24 screen) wraps at unless told otherwise.
pub const DEFAULT_WIDTH: usize = 80;

/// One physical line of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number in the input.
    pub number: usize,
    /// The line without its terminator and without trailing whitespace.
    pub text: &'a str,
    /// The line without its terminator, trailing whitespace kept (needed to measure whether a
    /// line filled the console width before it wrapped).
    pub raw: &'a str,
}

impl Line<'_> {
    /// True when the line has nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.text.trim_start().is_empty()
    }

    /// Display width of the raw line in console cells (East Asian wide characters count 2).
    pub fn width(&self) -> usize {
        display_width(self.raw)
    }
}

/// Splits `input` into numbered, right-trimmed lines.
///
/// A line break is LF, CR LF, any run of CRs followed by LF, or a lone CR (a run of CRs not
/// followed by LF counts once). A leading byte-order mark is dropped. A final line break does
/// not create an extra empty line.
pub fn lines(input: &str) -> Vec<Line<'_>> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let bytes = input.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut number = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' | b'\r' => {
                let end = i;
                // Consume CR* LF? as one break.
                while i < bytes.len() && bytes[i] == b'\r' {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'\n' {
                    i += 1;
                }
                // CR and LF are ASCII, so `start..end` is on char boundaries.
                let raw = &input[start..end];
                out.push(Line { number, text: raw.trim_end(), raw });
                number += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        let raw = &input[start..];
        out.push(Line { number, text: raw.trim_end(), raw });
    }
    out
}

/// Splits a byte stream into lines exactly as [`lines`] splits a string, chunk by chunk, so
/// that input of any size is read holding only the line being assembled.
///
/// Feed chunks with [`LineSplitter::feed`]; every complete line is handed to the callback as
/// raw bytes (terminator removed, trailing whitespace kept); [`LineSplitter::finish`] hands over
/// a last line without a terminator. A UTF-8 byte-order mark at the very start is dropped.
/// Decoding is the caller's: the splitter only looks at the ASCII bytes CR and LF, which never
/// occur inside a multi-byte UTF-8 character.
///
/// ```
/// use sacdoc_parse::text::LineSplitter;
/// let mut got = Vec::new();
/// let mut s = LineSplitter::new();
/// for chunk in [&b"\xEF\xBB\xBFa\r"[..], b"\nb\rc", b"\n\n"] {
///     s.feed(chunk, |l| got.push(String::from_utf8_lossy(l).into_owned()));
/// }
/// s.finish(|l| got.push(String::from_utf8_lossy(l).into_owned()));
/// assert_eq!(got, ["a", "b", "c", ""]);
/// ```
#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    /// The last byte seen was a CR that ended a line: further CRs and one LF belong to it.
    in_break: bool,
    /// Bytes seen so far (to find the byte-order mark).
    seen: usize,
}

impl LineSplitter {
    /// A splitter at the start of its input.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next chunk; calls `line` for every line completed by it.
    pub fn feed(&mut self, mut chunk: &[u8], mut line: impl FnMut(&[u8])) {
        if self.seen < 3 {
            // The BOM may be split across the first chunks.
            let want = &[0xEF, 0xBB, 0xBF][self.seen..];
            let n = want.len().min(chunk.len());
            if chunk[..n] == want[..n] && self.buf.len() == self.seen {
                self.buf.extend_from_slice(&chunk[..n]);
                self.seen += n;
                chunk = &chunk[n..];
                if self.seen == 3 {
                    self.buf.clear();
                    self.seen = usize::MAX;
                }
                if chunk.is_empty() {
                    return;
                }
            }
            self.seen = usize::MAX;
        }
        let mut start = 0;
        loop {
            if self.in_break {
                // Further CRs and one LF belong to the break a CR began.
                while chunk.get(start) == Some(&b'\r') {
                    start += 1;
                }
                match chunk.get(start) {
                    Some(b'\n') => {
                        self.in_break = false;
                        start += 1;
                    }
                    Some(_) => self.in_break = false,
                    None => return,
                }
            }
            let Some(k) = chunk[start..].iter().position(|&b| b == b'\n' || b == b'\r') else {
                break;
            };
            let i = start + k;
            if self.buf.is_empty() {
                line(&chunk[start..i]);
            } else {
                self.buf.extend_from_slice(&chunk[start..i]);
                line(&self.buf);
                self.buf.clear();
            }
            self.in_break = chunk[i] == b'\r';
            start = i + 1;
        }
        self.buf.extend_from_slice(&chunk[start..]);
    }

    /// Ends the input: a last line without a terminator is handed over.
    pub fn finish(self, mut line: impl FnMut(&[u8])) {
        // Input shorter than a BOM that began like one keeps those bytes as text.
        if !self.buf.is_empty() {
            line(&self.buf);
        }
    }
}

/// A logical line: one or more physical lines joined after console wrapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    /// 1-based number of the first physical line.
    pub number: usize,
    /// 1-based number of the last physical line (equal to `number` when nothing was joined).
    pub last: usize,
    /// The joined, right-trimmed text.
    pub text: String,
}

impl Joined {
    /// True when the line has nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Re-joins lines that the console hard-wrapped at `width` cells.
///
/// A physical line whose raw display width is at least `width` may have wrapped; it is joined
/// with the next line only when `continues(current_joined_text, next_line)` says so, because
/// only the caller knows its grammar (a netstat row never starts with `TCP` in its second half,
/// a registry value line does not start with four spaces, ...). Text is joined as it was printed:
/// the raw first part (trailing spaces kept, since the wrap may fall on a space) then the next
/// line. The joined text is right-trimmed.
pub fn rejoin<F>(lines: &[Line<'_>], width: usize, mut continues: F) -> Vec<Joined>
where
    F: FnMut(&str, &Line<'_>) -> bool,
{
    let mut out: Vec<Joined> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let first = lines[i];
        let mut text = String::from(first.raw);
        let mut last = first;
        i += 1;
        while width > 0 && last.width() >= width && i < lines.len() && continues(&text, &lines[i]) {
            text.push_str(lines[i].raw);
            last = lines[i];
            i += 1;
        }
        let trimmed = text.trim_end().len();
        text.truncate(trimmed);
        out.push(Joined { number: first.number, last: last.number, text });
    }
    out
}

/// [`lines`] then [`rejoin`] at [`DEFAULT_WIDTH`].
pub fn joined_lines<F>(input: &str, continues: F) -> Vec<Joined>
where
    F: FnMut(&str, &Line<'_>) -> bool,
{
    rejoin(&lines(input), DEFAULT_WIDTH, continues)
}

/// Whether every line break of the input was doubled on the way (a paste or a serial capture
/// that turned each CRLF into two breaks, as in the zh `sc query` fixture): nine in ten
/// non-blank lines (the last one aside) are followed by a blank line, over at least four lines. Parsers that end a
/// record at a blank line then end it at two.
pub fn double_spaced(blank: impl IntoIterator<Item = bool>) -> bool {
    let (mut nonblank, mut followed, mut prev_nonblank) = (0usize, 0usize, false);
    for b in blank {
        if b && prev_nonblank {
            followed += 1;
        }
        nonblank += usize::from(!b);
        prev_nonblank = !b;
    }
    // The last line has nothing after it to be followed by.
    nonblank >= 4 && followed * 10 >= (nonblank - 1) * 9
}

/// Display width in console cells: East Asian wide and fullwidth characters take two cells,
/// control and combining characters none, everything else one.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let cp = c as u32;
    if cp < 0x20 || (0x7f..0xa0).contains(&cp) {
        return 0;
    }
    if (0x300..0x370).contains(&cp) || (0x200b..0x2010).contains(&cp) || cp == 0xfeff {
        return 0;
    }
    let wide = matches!(cp,
        0x1100..=0x115f
        | 0x2e80..=0x303e
        | 0x3041..=0x33ff
        | 0x3400..=0x4dbf
        | 0x4e00..=0x9fff
        | 0xa000..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x1f300..=0x1f64f
        | 0x1f900..=0x1f9ff
        | 0x20000..=0x2fffd
        | 0x30000..=0x3fffd);
    if wide {
        2
    } else {
        1
    }
}

/// Whitespace-separated fields of a line, each with its byte offset in the line.
///
/// Windows tables pad with spaces; a field never contains a space in netstat, but localized
/// state names and paths can, which is why callers get offsets to cut the rest of a line.
pub fn fields(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in line.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, &line[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// Builds a parser's `unparsed` list: every non-blank line handed to it is kept with its
/// number, blank lines are ignored (they carry nothing), and nothing is ever dropped silently.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnparsedList {
    items: Vec<Unparsed>,
}

impl UnparsedList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a physical line unless it is blank.
    pub fn push_line(&mut self, line: &Line<'_>) {
        self.push(line.number, line.text);
    }

    /// Records a joined line unless it is blank (numbered by its first physical line).
    pub fn push_joined(&mut self, line: &Joined) {
        self.push(line.number, &line.text);
    }

    /// Records `text` as line `number` unless it is blank.
    pub fn push(&mut self, number: usize, text: &str) {
        let text = text.trim_end();
        if !text.trim_start().is_empty() {
            self.items.push(Unparsed { line: number, text: text.to_string() });
        }
    }

    /// Number of lines recorded.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The list, in input order when lines were pushed in input order.
    pub fn into_vec(self) -> Vec<Unparsed> {
        self.items
    }
}

/// Shorthand: one [`Unparsed`] entry for a physical line.
pub fn unparsed(line: &Line<'_>) -> Unparsed {
    Unparsed { line: line.number, text: line.text.to_string() }
}

/// Bookkeeping of one input: which physical lines went into a parsed value (`consumed`) and
/// which did not (`unparsed`). Every non-blank input line ends up in exactly one of the two; a
/// logical line re-joined after wrapping that does not fit is given back as its physical lines,
/// so each `unparsed` text is a line a person can find in the input.
///
/// The shared pre-pass runs here: prompt and command-echo lines (see [`crate::prompt`]) are
/// kept as [`Command`]s, counted as parsed, and shown to the parser as blank lines, so no
/// parser ever reads a prompt as data and nothing attaches across a command.
#[derive(Debug)]
pub struct Ledger<'a> {
    lines: Vec<Line<'a>>,
    consumed: Vec<usize>,
    unparsed: UnparsedList,
    commands: Vec<Command>,
}

impl<'a> Ledger<'a> {
    /// Splits `input` into numbered lines (see [`lines`]) and runs the prompt pre-pass.
    pub fn new(input: &'a str) -> Self {
        let mut lines = lines(input);
        let mut commands = Vec::new();
        let mut consumed = Vec::new();
        for l in &mut lines {
            if let Some((p, c)) = prompt::command_line(l.text) {
                commands.push(Command {
                    line: l.number,
                    prompt: p.to_string(),
                    command: c.to_string(),
                });
                consumed.push(l.number);
                *l = Line { number: l.number, text: "", raw: "" };
            }
        }
        Ledger { lines, consumed, unparsed: UnparsedList::new(), commands }
    }

    /// The prompt and command-echo lines the pre-pass took out, in input order.
    pub fn commands(&self) -> &[Command] {
        &self.commands
    }

    /// The runs of output between the commands (empty when the input has no command line).
    pub fn runs(&self) -> Vec<Run> {
        prompt::runs_of(&self.commands, self.lines.last().map_or(0, |l| l.number))
    }

    /// The physical lines.
    pub fn lines(&self) -> &[Line<'a>] {
        &self.lines
    }

    /// Logical lines re-joined at [`DEFAULT_WIDTH`] where `continues` accepts the next line as
    /// the rest of the current one; a blank line never continues anything.
    pub fn joined<F>(&self, mut continues: F) -> Vec<Joined>
    where
        F: FnMut(&str, &Line<'_>) -> bool,
    {
        rejoin(&self.lines, DEFAULT_WIDTH, |cur, next| !next.is_blank() && continues(cur, next))
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

    /// The numbers of the parsed lines (ascending, deduplicated) and the unparsed lines in
    /// input order.
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
    fn crlf_lf_and_stray_cr_are_breaks() {
        let ls = lines("a\r\nb\nc\rd\r\r\ne  \t");
        let texts: Vec<_> = ls.iter().map(|l| (l.number, l.text)).collect();
        assert_eq!(texts, vec![(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e")]);
        assert_eq!(ls[4].raw, "e  \t");
    }

    #[test]
    fn final_break_adds_no_line_and_bom_is_dropped() {
        let ls = lines("\u{feff}x\r\n");
        assert_eq!(ls.len(), 1);
        assert_eq!(ls[0].text, "x");
        assert!(lines("").is_empty());
        assert_eq!(lines("\n\n").len(), 2);
    }

    #[test]
    fn rejoin_only_full_width_lines_the_caller_accepts() {
        let long = "x".repeat(80);
        let input = format!("{long}\r\ntail\r\n{long}\r\nTCP next\r\nshort\r\nmore\r\n");
        let j = joined_lines(&input, |_, next| !next.text.starts_with("TCP"));
        assert_eq!(j.len(), 5);
        assert_eq!(j[0].text, format!("{long}tail"));
        assert_eq!((j[0].number, j[0].last), (1, 2));
        assert_eq!(j[1].text, long);
        assert_eq!(j[2].text, "TCP next");
        assert_eq!(j[3].text, "short");
    }

    #[test]
    fn rejoin_keeps_the_space_the_wrap_fell_on() {
        let first = format!("{} ", "a".repeat(79));
        let input = format!("{first}\nb\n");
        let j = joined_lines(&input, |_, _| true);
        assert_eq!(j[0].text, format!("{}{}", first, "b"));
    }

    #[test]
    fn wide_characters_count_two_cells() {
        assert_eq!(display_width("侦听"), 4);
        assert_eq!(display_width("ABHÖREN"), 7);
        let line = "监".repeat(40);
        let j = joined_lines(&format!("{line}\n续\n"), |_, _| true);
        assert_eq!(j.len(), 1);
    }

    #[test]
    fn splitter_agrees_with_lines_at_every_chunk_size() {
        let input = "\u{feff}a\r\n\r\nb\rc\r\r\nd\n\re  \n\n\u{4e2d}x";
        let want: Vec<String> = lines(input).iter().map(|l| l.raw.to_string()).collect();
        for size in 1..=input.len() {
            let mut got = Vec::new();
            let mut s = LineSplitter::new();
            for chunk in input.as_bytes().chunks(size) {
                s.feed(chunk, |l| got.push(String::from_utf8_lossy(l).into_owned()));
            }
            s.finish(|l| got.push(String::from_utf8_lossy(l).into_owned()));
            assert_eq!(got, want, "chunk size {size}");
        }
    }

    #[test]
    fn double_spacing_is_nine_in_ten_lines() {
        let j = |s: &str| lines(s).iter().map(Line::is_blank).collect::<Vec<_>>();
        assert!(double_spaced(j("a\n\nb\n\nc\n\nd\n\n")));
        assert!(double_spaced(j("a\n\nb\n\nc\n\n\n\nd\n")));
        assert!(!double_spaced(j("a\nb\n\nc\nd\n\n")));
        assert!(!double_spaced(j("a\n\nb\n\n")));
    }

    #[test]
    fn fields_have_offsets() {
        assert_eq!(fields("  TCP  a:1 "), vec![(2, "TCP"), (7, "a:1")]);
        assert!(fields("   ").is_empty());
    }

    #[test]
    fn ledger_gives_rejected_joined_lines_back_as_physical_lines() {
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

    #[test]
    fn unparsed_list_skips_blank_lines() {
        let ls = lines("a\n  \nb  \n");
        let mut u = UnparsedList::new();
        for l in &ls {
            u.push_line(l);
        }
        let v = u.into_vec();
        assert_eq!(v.len(), 2);
        assert_eq!((v[1].line, v[1].text.as_str()), (3, "b"));
    }

    #[test]
    fn untake_moves_a_parsed_line_back_to_unparsed() {
        let mut l = Ledger::new("a\nb\n");
        l.take_range(1, 2);
        l.untake(2);
        l.untake(7);
        let (consumed, unparsed) = l.finish();
        assert_eq!(consumed, vec![1]);
        assert_eq!((unparsed[0].line, unparsed[0].text.as_str()), (2, "b"));
    }
}
