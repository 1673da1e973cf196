//! The spool file on the VM that both capture methods use: the command's stdout and stderr go to
//! a file, followed by an exit marker; the file is then shown as text or as certutil base64.
//!
//! The exit marker is written by `call echo SDX<n>:%^errorlevel%:`. cmd expands `%VAR%` once when
//! it reads the line; `%^errorlevel%` survives that (an undefined name is left as typed, then the
//! caret goes) and `call` expands it again after the command ran, so the file gets the command's
//! exit code while the echo of the typed line shows `%^errorlevel%`.

use base64::Engine;

use super::{RunError, SessionFault};

/// Names and markers of one command's spool.
#[derive(Debug, Clone)]
pub struct Spool {
    /// The spooled output: `%TEMP%\sd<n>.txt`.
    pub file: String,
    /// Its base64 form: `%TEMP%\sd<n>.b64`.
    pub b64: String,
    /// Its cabinet (see [`super::pack`]), named for makecab's `/L "%TEMP%"`: `sd<n>.cab`.
    pub cab_name: String,
    /// `SDX<n>:`, followed in the file by the exit code and `:`.
    pub marker: String,
}

pub const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
pub const END: &str = "-----END CERTIFICATE-----";

impl Spool {
    pub fn new(nonce: &str) -> Spool {
        Spool {
            file: format!("%TEMP%\\sd{nonce}.txt"),
            b64: format!("%TEMP%\\sd{nonce}.b64"),
            cab_name: format!("sd{nonce}.cab"),
            marker: format!("SDX{nonce}:"),
        }
    }

    /// The part of a line that runs `command` into the spool and appends the exit marker.
    pub fn capture(&self, command: &str) -> String {
        self.with_marker(super::cmdline::redirect_all(command, &self.file))
    }

    /// [`Spool::capture`] whose spool starts with what `set VAR` prints: the line kept in the
    /// variable `VAR` that this text is stored in (see [`super::guard`]), so the verified spool
    /// says which command line ran.
    pub fn capture_stored(&self, command: &str, var: &str) -> String {
        self.with_marker(format!(
            ">\"{file}\" 2>&1 set {var}&{}",
            super::cmdline::redirect_all_appending(command, &self.file),
            file = self.file,
        ))
    }

    fn with_marker(&self, redirected: String) -> String {
        format!("{redirected}&>>\"{}\" cal^l echo {}%^erro^rlevel%:", self.file, self.marker)
    }

    /// `certutil -encode` of the spool itself into its base64 file.
    pub fn encode_plain(&self) -> String {
        format!("certutil -encode \"{}\" \"{}\" >nul", self.file, self.b64)
    }

    /// The cabinet's path.
    pub fn cab(&self) -> String {
        format!("%TEMP%\\{}", self.cab_name)
    }

    /// `certutil -encode` of the spool into its base64 file: of its cabinet when makecab made
    /// one (see [`super::pack`]), of the spool itself when it could not (a VM without
    /// makecab). Used where a streaming console reads a spool as base64: a big one, or one its
    /// text could not give exactly; a small one's cabinet costs a row or two more, less than a
    /// size test's longer typed line.
    pub fn encode(&self) -> String {
        let (file, cab, b64) = (&self.file, self.cab(), &self.b64);
        format!(
            "(makecab /L \"%TEMP%\" \"{file}\" {name} >nul 2>&1 && certutil -encode \"{cab}\" \"{b64}\" >nul || certutil -encode \"{file}\" \"{b64}\" >nul)",
            name = self.cab_name,
        )
    }

    /// Lists the base64 file with each line numbered (`12:QUJD...`; BEGIN is line 1). `@` never
    /// occurs in base64, so `/v @` keeps every line.
    pub fn numbered(&self) -> String {
        format!("findstr /n /v @ \"{}\"", self.b64)
    }

    /// Lists only the numbered lines `numbers` of the base64 file.
    pub fn numbered_lines(&self, numbers: &[usize]) -> String {
        let words: Vec<String> = numbers.iter().map(|n| format!("{n}:")).collect();
        format!("{} | findstr /b \"{}\"", self.numbered(), words.join(" "))
    }

    /// Deletes the spool, its base64 and its cabinet.
    pub fn delete(&self) -> String {
        format!("del \"{}\" \"{}\" \"{}\" >nul 2>&1", self.file, self.b64, self.cab())
    }

    /// Splits the spool's text into the command's output and its exit code.
    pub fn split_exit(&self, text: &str) -> (String, Option<i32>) {
        match text.rfind(&self.marker) {
            Some(at) => {
                let code = text[at + self.marker.len()..]
                    .split(':')
                    .next()
                    .and_then(|s| s.trim().parse().ok());
                (text[..at].to_string(), code)
            }
            None => (text.to_string(), None),
        }
    }
}

/// Most spools [`Spent`] keeps: after errors in a row (each keeps its spool, since whether its
/// line ran is not known) the next capture line would otherwise grow without bound.
pub const MAX_SPENT: usize = 4;

/// The spools of captures that are over, still on the VM: deleted by the next capture line
/// (which starts with [`Spent::prefix`]) or when the session ends, not by a line of their own.
///
/// On a painted console every line typed costs a paint for its echo and one for its prompt, so
/// a `del` line after each capture cost about as much as a small capture's typing. Folded into
/// the next capture line it costs only its characters. It runs before the capture's own part and
/// names only files of earlier nonces, with its output sent to `nul`, so it cannot touch what the
/// capture writes and verifies: the spool is created after it (a nonce that happens to repeat
/// an earlier one is deleted before it is written, never after).
#[derive(Debug, Clone, Default)]
pub struct Spent {
    spools: Vec<Spool>,
}

impl Spent {
    pub fn is_empty(&self) -> bool {
        self.spools.is_empty()
    }

    /// The line that deletes every spool kept (their text, base64 and cabinet files), or `None`.
    pub fn delete(&self) -> Option<String> {
        if self.spools.is_empty() {
            return None;
        }
        let files: Vec<String> = self
            .spools
            .iter()
            .flat_map(|s| [s.file.clone(), s.b64.clone(), s.cab()])
            .map(|f| format!("\"{f}\""))
            .collect();
        Some(format!("del {} >nul 2>&1", files.join(" ")))
    }

    /// What the next capture line starts with: [`Spent::delete`] and `&`, or nothing.
    pub fn prefix(&self) -> String {
        self.delete().map(|d| format!("{d} & ")).unwrap_or_default()
    }

    /// `spool`'s capture was verified: its line, which started with [`Spent::prefix`], ran, so
    /// only `spool` is left to delete.
    pub fn replace(&mut self, spool: Spool) {
        self.spools = vec![spool];
    }

    /// `spool`'s capture failed: whether its line (and its prefix) ran is not known, so `spool`
    /// is kept besides the others (deleting a file twice, or one never written, does no harm).
    /// Past [`MAX_SPENT`] the oldest is given up (and stays on the VM).
    pub fn add(&mut self, spool: Spool) {
        self.spools.retain(|s| s.file != spool.file);
        self.spools.push(spool);
        if self.spools.len() > MAX_SPENT {
            let gone = self.spools.remove(0);
            tracing::debug!(file = %gone.file, "too many spools to delete: this one stays on the VM");
        }
    }

    /// Every spool kept was deleted.
    pub fn clear(&mut self) {
        self.spools.clear();
    }
}

impl Spool {
    /// Like [`Spool::split_exit`], but only for a text that ends with this spool's own exit
    /// marker line (`SDX<n>:<code>:` and the line break): the proof that the text read back is
    /// this command's spool, whole. `None` otherwise.
    pub fn split_own(&self, text: &str) -> Option<(String, Option<i32>)> {
        let at = text.rfind(&self.marker)?;
        let rest = &text[at + self.marker.len()..];
        let (code, tail) = rest.split_once(':')?;
        let code: i32 = code.trim().parse().ok()?;
        if !tail.trim_end_matches(['\r', '\n', ' ']).is_empty() {
            return None;
        }
        Some((text[..at].to_string(), Some(code)))
    }
}

/// Decodes certutil's base64 lines (BEGIN and END lines included or not).
pub fn decode_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Result<Vec<u8>, RunError> {
    let mut b64 = String::new();
    for l in lines {
        let l = l.trim();
        if l == BEGIN || l == END || l.is_empty() {
            continue;
        }
        b64.push_str(l);
    }
    base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| SessionFault::Base64(e).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_marker_is_split_off() {
        let s = Spool::new("abc123");
        assert_eq!(s.split_exit("out\r\nSDXabc123:5:\r\n"), ("out\r\n".to_string(), Some(5)));
        assert_eq!(
            s.capture("ver"),
            ">\"%TEMP%\\sdabc123.txt\" 2>&1 ver&>>\"%TEMP%\\sdabc123.txt\" cal^l echo SDXabc123:%^erro^rlevel%:"
        );
    }

    #[test]
    fn numbered_lines_are_asked_for_by_their_numbers() {
        let s = Spool::new("abc123");
        assert_eq!(
            s.numbered_lines(&[4, 12]),
            "findstr /n /v @ \"%TEMP%\\sdabc123.b64\" | findstr /b \"4: 12:\""
        );
    }

    #[test]
    fn own_marker_must_end_the_text() {
        let s = Spool::new("abc123");
        assert_eq!(s.split_own("out\r\nSDXabc123:5:\r\n"), Some(("out\r\n".into(), Some(5))));
        assert_eq!(s.split_own("out\r\nSDXdef456:0:\r\n"), None);
        assert_eq!(s.split_own("SDXabc123:0:\r\nmore text\r\n"), None);
        assert_eq!(s.split_own("SDXabc123:%errorlevel%:\r\n"), None);
    }

    #[test]
    fn spent_spools_are_deleted_by_the_next_line() {
        let mut spent = Spent::default();
        assert_eq!(spent.prefix(), "");
        assert_eq!(spent.delete(), None);
        spent.replace(Spool::new("abc123"));
        assert_eq!(
            spent.prefix(),
            "del \"%TEMP%\\sdabc123.txt\" \"%TEMP%\\sdabc123.b64\" \"%TEMP%\\sdabc123.cab\" >nul 2>&1 & "
        );
        assert_eq!(spent.delete().as_deref(), Some(Spool::new("abc123").delete().as_str()));
        // A failed capture's spool is kept besides the others, once, and at most MAX_SPENT.
        for n in ["def456", "def456", "a1b2c3", "c3d4e5", "e5f6a7", "b1c2d3"] {
            spent.add(Spool::new(n));
        }
        let del = spent.delete().unwrap_or_default();
        assert_eq!(del.matches(".txt").count(), MAX_SPENT);
        assert!(!del.contains("abc123") && !del.contains("def456") && del.contains("b1c2d3"));
        spent.replace(Spool::new("f0e1d2"));
        assert!(!spent.prefix().contains("b1c2d3"));
        spent.clear();
        assert!(spent.is_empty());
    }

    #[test]
    fn base64_lines_decode() {
        let lines = [BEGIN, "aGVsbG8g", "d29ybGQ=", END];
        assert_eq!(decode_lines(lines.iter().copied()).ok(), Some(b"hello world".to_vec()));
    }
}
