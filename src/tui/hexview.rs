//! The hex view of what arrives (tio's `ctrl-t h`, PuTTY's logging of raw bytes): the last bytes
//! received, kept in a bounded ring, dumped 16 to a row with their offset in the stream and their
//! printable text, so a garbled escape sequence, a stray NUL or a wrong code page can be seen.

use std::collections::VecDeque;

/// Bytes kept for the view (the dump shows the last rows that fit).
pub const KEEP: usize = 16 * 1024;

/// The last [`KEEP`] bytes received and the stream offset of the first of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recent {
    bytes: VecDeque<u8>,
    /// Offset in the whole stream of `bytes[0]`.
    start: u64,
}

impl Recent {
    /// Keeps `b`, dropping the oldest bytes past [`KEEP`].
    pub fn push(&mut self, b: &[u8]) {
        self.bytes.extend(b.iter().copied());
        let over = self.bytes.len().saturating_sub(KEEP);
        if over > 0 {
            self.bytes.drain(..over);
            self.start += over as u64;
        }
    }

    /// The last `rows` rows of the dump, each `OFFSET  hex bytes  |text|`. Rows start at stream
    /// offsets that are multiples of 16, so a row keeps its place while more arrives.
    pub fn dump(&self, rows: usize) -> Vec<String> {
        let end = self.start + self.bytes.len() as u64;
        if rows == 0 || end == self.start {
            return Vec::new();
        }
        let last_row = (end - 1) / 16 * 16;
        let first_row = last_row.saturating_sub(16 * (rows as u64 - 1)).max(self.start / 16 * 16);
        let mut out = Vec::new();
        let mut row = first_row;
        while row <= last_row {
            let mut hex = String::with_capacity(48);
            let mut text = String::with_capacity(16);
            for off in row..row + 16 {
                match off.checked_sub(self.start).and_then(|i| self.bytes.get(i as usize)) {
                    Some(&b) if off < end => {
                        hex.push_str(&format!("{b:02x} "));
                        text.push(if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' });
                    }
                    _ => {
                        hex.push_str("   ");
                        text.push(' ');
                    }
                }
            }
            out.push(format!("{row:08x}  {hex} |{}|", text.trim_end()));
            row += 16;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_show_offset_hex_and_text() {
        let mut r = Recent::default();
        r.push(b"\x1b[2JC:\\>dir\r\n");
        assert_eq!(
            r.dump(5),
            ["00000000  1b 5b 32 4a 43 3a 5c 3e 64 69 72 0d 0a           |.[2JC:\\>dir..|"]
        );
    }

    #[test]
    fn only_the_last_rows_are_dumped_and_the_ring_is_bounded() {
        let mut r = Recent::default();
        for _ in 0..(KEEP / 100 + 10) {
            r.push(&[b'a'; 100]);
        }
        assert_eq!(r.bytes.len(), KEEP);
        let rows = r.dump(3);
        assert_eq!(rows.len(), 3);
        let total = (KEEP / 100 + 10) * 100;
        let last = format!("{:08x}", (total - 1) / 16 * 16);
        assert!(rows[2].starts_with(&last), "{rows:?}");
        assert!(Recent::default().dump(3).is_empty());
        assert!(r.dump(0).is_empty());
    }
}
