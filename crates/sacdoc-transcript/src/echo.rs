//! A far end may echo a password in clear: a console that does not mask the field, a program that
//! prints what it read. What was sent as a secret is remembered in memory only (never written),
//! and its echo in the output is replaced by stars before the output reaches the file.
//!
//! The echo may arrive a key at a time, while the password is still being sent: the end of the
//! output that could be the start of an echo is held back until the next output shows whether it
//! is one, and never past the next event of another kind (input, a secret, a marker), so the
//! order of output and input in the transcript stays what happened and a replay gives each echo
//! before the key that waited for it.

/// The shortest text treated as an echo: shorter secrets would star ordinary output.
const MIN_ECHO: usize = 3;

/// At most this many secrets are remembered per recording (the newest kept).
const MAX_SECRETS: usize = 16;

/// Remembers the secrets sent and stars their echoes.
#[derive(Default)]
pub struct EchoScrubber {
    /// Secrets sent and finished.
    secrets: Vec<Vec<u8>>,
    /// The secret being sent now.
    typing: Vec<u8>,
    /// Output held back: it may be the start of an echo.
    held: Vec<u8>,
}

/// Never shows what it holds.
impl std::fmt::Debug for EchoScrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EchoScrubber({} secrets)", self.secrets.len())
    }
}

impl EchoScrubber {
    /// Bytes of a secret were sent. A backspace takes back the key before it (the typing code
    /// erases and types a damaged field again); Enter and other control keys are not part of
    /// what a far end would echo as the password.
    pub fn typed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                0x08 | 0x7f => {
                    self.typing.pop();
                }
                0x00..=0x1f => {}
                _ => self.typing.push(b),
            }
        }
    }

    /// The secret being sent is complete.
    pub fn end(&mut self) {
        let s = std::mem::take(&mut self.typing);
        if s.len() >= MIN_ECHO && !self.secrets.contains(&s) {
            if self.secrets.len() == MAX_SECRETS {
                self.secrets.remove(0);
            }
            self.secrets.push(s);
        }
    }

    /// Whether anything is remembered (output passes through untouched otherwise).
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.typing.is_empty() && self.held.is_empty()
    }

    /// The output that can be recorded now, echoes starred; a possible start of an echo at the
    /// end is held for the next call.
    pub fn scrub(&mut self, bytes: &[u8]) -> Vec<u8> {
        if self.is_empty() {
            return bytes.to_vec();
        }
        let mut buf = std::mem::take(&mut self.held);
        buf.extend_from_slice(bytes);
        let mut out = Vec::with_capacity(buf.len());
        let mut i = 0;
        while i < buf.len() {
            let rest = &buf[i..];
            if let Some(n) = self.echo_at(rest) {
                stars(&rest[..n], &mut out);
                i += n;
            } else if self.may_start_echo(rest) {
                self.held = rest.to_vec();
                return out;
            } else {
                out.push(buf[i]);
                i += 1;
            }
        }
        out
    }

    /// The held output, before an event of another kind or at the end of the recording: a held
    /// start of an echo long enough to be one is starred.
    pub fn flush(&mut self) -> Vec<u8> {
        let held = std::mem::take(&mut self.held);
        let mut out = Vec::new();
        if held.len() >= MIN_ECHO {
            stars(&held, &mut out);
        } else {
            out = held;
        }
        out
    }

    /// The length of the longest secret (or of the secret being sent) that `rest` starts with.
    fn echo_at(&self, rest: &[u8]) -> Option<usize> {
        self.candidates()
            .filter(|s| s.len() >= MIN_ECHO && rest.starts_with(s))
            .map(<[u8]>::len)
            .max()
    }

    /// Whether `rest` (the end of the output) is a proper start of a secret.
    fn may_start_echo(&self, rest: &[u8]) -> bool {
        self.candidates().any(|s| s.len() > rest.len() && s.starts_with(rest))
    }

    fn candidates(&self) -> impl Iterator<Item = &[u8]> {
        self.secrets.iter().map(Vec::as_slice).chain(Some(self.typing.as_slice()))
    }
}

/// One `*` per character of `echo`.
fn stars(echo: &[u8], out: &mut Vec<u8>) {
    let n = String::from_utf8_lossy(echo).chars().count();
    out.extend(std::iter::repeat_n(b'*', n));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrub_all(s: &mut EchoScrubber, pieces: &[&[u8]]) -> String {
        let mut out = Vec::new();
        for p in pieces {
            out.extend(s.scrub(p));
        }
        out.extend(s.flush());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_clear_echo_is_starred_whole_or_a_key_at_a_time() {
        let mut s = EchoScrubber::default();
        assert_eq!(s.scrub(b"Password: "), b"Password: ", "nothing known: untouched");
        s.typed(b"Sim-Passw0rd!");
        s.end();
        let got = scrub_all(&mut s, &[b"Password: Sim-Passw0rd!\r\nOK"]);
        assert_eq!(got, "Password: *************\r\nOK");
        let keys: Vec<&[u8]> = b"Sim-Passw0rd!\r\n".chunks(1).collect();
        assert_eq!(scrub_all(&mut s, &keys), "*************\r\n");
    }

    #[test]
    fn an_echo_while_the_secret_is_still_being_sent_is_starred() {
        let mut s = EchoScrubber::default();
        s.typed(b"hunter3\x08");
        s.typed(b"2!\r");
        let first = s.scrub(b"Password: hun");
        assert_eq!(first, b"Password: ", "the start of the echo is held");
        let second = s.scrub(b"ter2!\r\n");
        assert_eq!(second, b"********\r\n");
        s.end();
    }

    #[test]
    fn ordinary_output_and_short_secrets_pass_and_a_cut_echo_is_starred_at_the_end() {
        let mut s = EchoScrubber::default();
        s.typed(b"ab");
        s.end();
        assert_eq!(scrub_all(&mut s, &[b"abab"]), "abab", "too short to tell from output");
        s.typed(b"Secret99");
        s.end();
        assert_eq!(scrub_all(&mut s, &[b"Se", b"cond try"]), "Second try");
        assert_eq!(scrub_all(&mut s, &[b"C:\\>Secr"]), "C:\\>****");
    }
}
