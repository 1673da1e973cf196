//! Keeping UTF-8 characters whole when a read ends in the middle of one.

/// Where the incomplete UTF-8 sequence at the end of `buf` starts (`buf.len()` when there is
/// none). Only a sequence that could still become a valid character counts; invalid bytes are not
/// held back.
pub fn incomplete_tail_start(buf: &[u8]) -> usize {
    let start = buf.len().saturating_sub(3);
    for i in (start..buf.len()).rev() {
        let b = buf[i];
        if b & 0xC0 == 0x80 {
            continue;
        }
        let need = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return buf.len(),
        };
        if buf.len() - i >= need {
            return buf.len();
        }
        return match std::str::from_utf8(&buf[i..]) {
            Err(e) if e.error_len().is_none() && e.valid_up_to() == 0 => i,
            _ => buf.len(),
        };
    }
    buf.len()
}

#[cfg(test)]
mod tests {
    use super::incomplete_tail_start as tail;

    #[test]
    fn finds_only_completable_tails() {
        let euro = "€".as_bytes(); // E2 82 AC
        assert_eq!(tail(b"abc"), 3);
        assert_eq!(tail(&euro[..1]), 0);
        assert_eq!(tail(&[b'a', euro[0], euro[1]]), 1);
        assert_eq!(tail(euro), 3);
        assert_eq!(tail(&[b'a', 0xFF]), 2);
        assert_eq!(tail(&[0xE0, 0x80]), 2, "overlong prefix can never complete");
        assert_eq!(tail(&[0x80, 0x80, 0x80]), 3);
        assert_eq!(tail(&[0xF0, 0x9F, 0x98]), 0);
        assert_eq!(tail(b""), 0);
    }
}
