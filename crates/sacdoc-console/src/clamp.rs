//! Bounds what one escape sequence from the far end can cost the terminal emulator.
//!
//! vt100 spends time in proportion to a sequence's count parameter and the screen width: one
//! `ESC[99999@` (insert 99,999 blanks) takes about 2 s of CPU, so a hostile or line-garbled VM
//! could stall the CLI and freeze the text UI with a few bytes. On an 80x24 console no count or
//! position above the screen's size means anything more than the screen's size, so counts and
//! positions of the cursor, insert, delete, erase, scroll and repeat sequences are clamped to
//! [`LIMIT`] before the emulator sees them. Modes (`h`, `l`), colours (`m`) and every other
//! sequence pass unchanged, byte for byte; so does everything that is not a CSI sequence.

/// The largest count or position passed on (well above 80 columns or 24 rows).
pub const LIMIT: u32 = 500;

/// Final bytes of CSI sequences whose parameters are counts or positions.
const COUNTED: &[u8] = b"@ABCDEFGHILMPSTXZ`abdefr";

/// Longest CSI sequence kept; a longer one is dropped (a terminal would ignore it too).
const MAX_SEQUENCE: usize = 256;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    /// ESC seen.
    Escape,
    /// Inside `ESC [` (or C1 CSI) collecting parameters.
    Csi,
}

/// A streaming filter: sequences split across reads are handled.
#[derive(Debug, Default, Clone)]
pub struct CsiClamp {
    state: State,
    /// The CSI sequence so far, from its introducer.
    seq: Vec<u8>,
    /// UTF-8 continuation bytes still expected in the ground state (so a continuation byte
    /// 0x9B is not taken for the C1 CSI).
    utf8_left: u8,
}

impl CsiClamp {
    pub fn new() -> CsiClamp {
        CsiClamp::default()
    }

    /// Appends `input`, filtered, to `out`.
    pub fn filter(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len());
        for &b in input {
            match self.state {
                State::Ground => self.ground(b, out),
                State::Escape => {
                    if b == b'[' {
                        self.state = State::Csi;
                        self.seq.clear();
                        self.seq.extend_from_slice(b"\x1b[");
                    } else {
                        out.push(0x1b);
                        self.state = State::Ground;
                        self.ground(b, out);
                    }
                }
                State::Csi => self.csi(b, out),
            }
        }
    }

    fn ground(&mut self, b: u8, out: &mut Vec<u8>) {
        if self.utf8_left > 0 && (0x80..0xC0).contains(&b) {
            self.utf8_left -= 1;
            out.push(b);
            return;
        }
        self.utf8_left = match b {
            0xC0..=0xDF => 1,
            0xE0..=0xEF => 2,
            0xF0..=0xF7 => 3,
            _ => 0,
        };
        match b {
            0x1b => self.state = State::Escape,
            0x9b => {
                self.state = State::Csi;
                self.seq.clear();
                self.seq.push(0x9b);
            }
            _ => out.push(b),
        }
    }

    fn csi(&mut self, b: u8, out: &mut Vec<u8>) {
        match b {
            0x40..=0x7e => {
                self.seq.push(b);
                out.extend_from_slice(&clamped(&self.seq));
                self.state = State::Ground;
            }
            0x1b => {
                // An unfinished sequence is cut by a new escape, as a terminal would do.
                out.extend_from_slice(&self.seq);
                self.state = State::Escape;
            }
            0x00..=0x1f => out.push(b),
            _ => {
                if self.seq.len() >= MAX_SEQUENCE {
                    self.state = State::Ground;
                    self.seq.clear();
                    return;
                }
                self.seq.push(b);
            }
        }
    }
}

/// `seq` (introducer, parameters, final byte) with its numbers clamped when its final byte says
/// they are counts or positions and it has no private marker.
fn clamped(seq: &[u8]) -> Vec<u8> {
    let intro = if seq.first() == Some(&0x9b) { 1 } else { 2 };
    let (Some(&last), Some(params)) = (seq.last(), seq.get(intro..seq.len() - 1)) else {
        return seq.to_vec();
    };
    let private = params.first().is_some_and(|c| b"<=>?".contains(c));
    let plain = params.iter().all(|c| c.is_ascii_digit() || *c == b';');
    if private || !plain || !COUNTED.contains(&last) {
        return seq.to_vec();
    }
    let mut out = seq[..intro].to_vec();
    for (i, field) in params.split(|c| *c == b';').enumerate() {
        if i > 0 {
            out.push(b';');
        }
        if field.is_empty() {
            continue;
        }
        let n = field
            .iter()
            .fold(0u32, |n, d| n.saturating_mul(10).saturating_add(u32::from(d - b'0')));
        out.extend_from_slice(n.min(LIMIT).to_string().as_bytes());
    }
    out.push(last);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> Vec<u8> {
        let mut c = CsiClamp::new();
        let mut out = Vec::new();
        for ch in chunks {
            c.filter(ch, &mut out);
        }
        out
    }

    #[test]
    fn counts_are_clamped_and_everything_else_passes_byte_for_byte() {
        assert_eq!(run(&[b"\x1b[99999@x"]), b"\x1b[500@x");
        assert_eq!(run(&[b"\x1b[5;99999H"]), b"\x1b[5;500H");
        assert_eq!(run(&[b"\x1b[;7H"]), b"\x1b[;7H");
        assert_eq!(run(&[b"\x1b[000000000000000000012C"]), b"\x1b[12C");
        let same: &[&[u8]] = &[
            b"\x1b[?2004h",
            b"\x1b[38;5;208m",
            b"\x1b[2J\x1b[1;1H",
            b"\x1b]52;c;aGk=\x07",
            b"caf\xc3\xa9 \xc4\x9b",
            b"\x1b7\x1b8",
        ];
        for s in same {
            assert_eq!(run(&[s]), s.to_vec(), "{s:?}");
        }
    }

    #[test]
    fn sequences_split_across_reads_are_clamped() {
        assert_eq!(run(&[b"a\x1b", b"[999", b"99L", b"b"]), b"a\x1b[500Lb");
        assert_eq!(run(&[b"\x9b99999@"]), b"\x9b500@");
    }

    #[test]
    fn a_huge_insert_no_longer_stalls_the_emulator() {
        let mut term = crate::term::Term::new();
        let flood = b"\x1b[99999@".repeat(1000);
        term.feed(&flood);
        term.feed(b"visible");
        assert!(term.contains("visible"));
    }
}
