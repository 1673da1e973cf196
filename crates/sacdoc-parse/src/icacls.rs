//! `icacls` parser: one path, many paths, `/t /c` runs with errors interleaved, modify-mode
//! `processed file:` lines, the trailer, and the `/save` file format (see [`save`]).
//!
//! A real sample (an HTB write-up, `icacls unifi-video`):
//!
//! ```text
//! unifi-video NT AUTHORITY\SYSTEM:(I)(OI)(CI)(F)
//!             BUILTIN\Administrators:(I)(OI)(CI)(F)
//!             CREATOR OWNER:(I)(OI)(CI)(IO)(F)
//!             BUILTIN\Users:(I)(OI)(CI)(RX)
//!             BUILTIN\Users:(I)(CI)(WD,AD,WEA,WA)
//!
//! Successfully processed 1 files; Failed processing 0 files
//! ```
//!
//! The path is echoed as typed and shares its line with the first ACE; both the path and the
//! principal may contain spaces, so the path length is recovered from the indentation of the
//! next ACE line (icacls indents by the path length plus one). Principal names, error messages
//! and the trailer are translated; the trailer is read as "two integers, success count first".

mod ace;
mod principals;
pub mod save;

use serde::Serialize;

use super::text::{Joined, Ledger};
use super::Unparsed;

pub use ace::Ace;
pub use principals::{is_sid, sid_of};
pub use save::{
    decode_utf16le, parse_save, parse_save_bytes, DecodeError, IcaclsSave, SaveEntry, SddlAce,
};

/// Everything icacls printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Icacls {
    pub objects: Vec<Object>,
    pub errors: Vec<IcaclsError>,
    /// Paths of modify-mode `processed file: <path>` lines (any language).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub processed: Vec<String>,
    /// First number of the trailer (`Successfully processed N files`), summed over every trailer
    /// of the input; null without a trailer.
    pub succeeded: Option<u64>,
    /// Second number of the trailer (`Failed processing M files`), summed likewise.
    pub failed: Option<u64>,
    /// The last trailer as printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailer: Option<String>,
    /// The display language of the last trailer when a sourced entry of
    /// [`crate::messages::ICACLS_SUMMARY`] matched it (`en`, `zh-TW`, ...); null when it was read
    /// by its structure alone (two standalone counts, success first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailer_language: Option<String>,
    /// Prompt and command-echo lines of the input (see [`crate::prompt`]), with line numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<crate::Command>,
    /// The runs of output between those commands (empty without a command line).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<crate::Run>,
    pub unparsed: Vec<Unparsed>,
    /// Non-blank input lines the grammar consumed; with `unparsed` they account for every
    /// non-blank input line exactly once.
    #[serde(skip)]
    pub consumed_lines: Vec<usize>,
}

/// One file or directory and its ACEs in printed (canonical) order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Object {
    /// 1-based line number of the path line.
    pub line: usize,
    pub path: String,
    pub aces: Vec<Ace>,
}

/// An error line: `<path>: <message>` (`C:\x: Access is denied.`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IcaclsError {
    pub line: usize,
    pub path: String,
    pub message: String,
}

impl Object {
    /// ACEs whose principal resolves to `sid` (localized names included).
    pub fn aces_for_sid(&self, sid: &str) -> Vec<&Ace> {
        self.aces
            .iter()
            .filter(|a| a.sid.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(sid)))
            .collect()
    }

    /// ACEs for a principal given by name or SID: `BUILTIN\Administrators`, `Administrators`,
    /// `VORDEFINIERT\Administratoren` and `S-1-5-32-544` all find the same ACEs.
    pub fn aces_for(&self, principal: &str) -> Vec<&Ace> {
        let wanted_sid = sid_of(principal);
        let lower = principal.trim().to_lowercase();
        self.aces
            .iter()
            .filter(|a| match (&wanted_sid, &a.sid) {
                (Some(w), Some(s)) => w.eq_ignore_ascii_case(s),
                _ => a.principal.to_lowercase() == lower,
            })
            .collect()
    }
}

impl Icacls {
    /// The object whose path ends with `suffix` (case-insensitive, `/` and `\` alike), e.g.
    /// `Microsoft\Crypto\RSA\MachineKeys`.
    pub fn object(&self, suffix: &str) -> Option<&Object> {
        let norm = |s: &str| s.replace('/', "\\").trim_end_matches('\\').to_lowercase();
        let want = norm(suffix);
        self.objects.iter().find(|o| norm(&o.path).ends_with(&want))
    }
}

/// Parses icacls display output. Never panics; lines outside the grammar land in `unparsed`.
pub fn parse(input: &str) -> Icacls {
    let ledger = Ledger::new(input);
    let joined = ledger.joined(continues_ace);
    // In a paste that doubled every line break one blank line separates a block's lines and
    // two end it.
    let doubled = crate::text::double_spaced(joined.iter().map(Joined::is_blank));
    let mut p = Parser { ledger, out: Icacls::default(), block: None };
    let mut blanks = 0;
    for j in &joined {
        if j.is_blank() {
            blanks += 1;
            if doubled && blanks == 1 {
                continue;
            }
        } else {
            blanks = 0;
        }
        p.line(j);
    }
    p.close_block();
    let (commands, runs) = (p.ledger.commands().to_vec(), p.ledger.runs());
    let (consumed, unparsed) = p.ledger.finish();
    p.out.consumed_lines = consumed;
    p.out.unparsed = unparsed;
    p.out.commands = commands;
    p.out.runs = runs;
    p.out
}

/// The block being read: its first line (path + first ACE) and the ACE lines after it.
struct Block {
    first: Joined,
    /// (indent, ACE) of the continuation lines.
    rest: Vec<(usize, Ace)>,
}

struct Parser<'a> {
    ledger: Ledger<'a>,
    out: Icacls,
    block: Option<Block>,
}

impl Parser<'_> {
    fn line(&mut self, j: &Joined) {
        if j.is_blank() {
            self.close_block();
            return;
        }
        let indent = j.text.len() - j.text.trim_start().len();
        if let Some(block) = self.block.as_mut() {
            if let Some(a) = ace::parse_line(&j.text) {
                block.rest.push((indent, a));
                self.ledger.take(j);
                return;
            }
        }
        if indent == 0 && is_block_start(&j.text) {
            self.close_block();
            self.ledger.take(j);
            self.block = Some(Block { first: j.clone(), rest: Vec::new() });
            return;
        }
        if indent > 0 {
            // icacls prints errors, trailers and `processed file:` lines at column 0; indented
            // text here is someone else's (PowerShell's `+ CategoryInfo : ...` record lines).
            self.ledger.reject(j);
            return;
        }
        let body = strip_ps_wrapper(j.text.trim());
        if let Some((ok, failed, how)) = crate::messages::icacls_summary(body) {
            // Several runs in one capture: the counts add up, so any failure shows.
            self.out.succeeded = Some(self.out.succeeded.unwrap_or(0).saturating_add(ok));
            self.out.failed = Some(self.out.failed.unwrap_or(0).saturating_add(failed));
            self.out.trailer = Some(body.to_string());
            self.out.trailer_language = match how {
                crate::messages::Recognised::Table(lang) => Some(lang.to_string()),
                crate::messages::Recognised::Structure => None,
            };
            self.ledger.take(j);
            return;
        }
        if let Some((head, tail)) = split_message(body) {
            if is_processed(head, tail) {
                self.out.processed.push(tail.to_string());
            } else {
                let (path, message) = (head.to_string(), tail.to_string());
                self.out.errors.push(IcaclsError { line: j.number, path, message });
            }
            self.ledger.take(j);
            return;
        }
        self.ledger.reject(j);
    }

    fn close_block(&mut self) {
        let Some(block) = self.block.take() else { return };
        let (path, first) = split_first_line(&block.first.text, block.rest.first().map(|r| r.0));
        let mut aces = Vec::with_capacity(block.rest.len() + 1);
        aces.extend(first);
        aces.extend(block.rest.into_iter().map(|(_, a)| a));
        self.out.objects.push(Object { line: block.first.number, path, aces });
    }
}

/// A block's first line: `<path> <ACE>`. A command echo such as `C:\>icacls x /grant u:(R,W)`
/// has the same shape, but `<>"|?*` cannot occur in a Windows path or account name.
fn is_block_start(text: &str) -> bool {
    ace::split_spec(text).is_some_and(|(before, _)| {
        before.contains(' ') && !before.contains(['<', '>', '"', '|', '?', '*'])
    })
}

/// Whether `next` is the rest of an ACE line the console wrapped at 80 columns: the wrapped
/// part carries no indentation, the line before it did not end an ACE, and together they do.
fn continues_ace(cur: &str, next: &crate::text::Line<'_>) -> bool {
    !next.raw.starts_with([' ', '\t'])
        && !cur.trim_end().ends_with(')')
        && ace::split_spec(&format!("{cur}{}", next.raw)).is_some()
}

/// Splits a block's first line into the path and the first ACE.
///
/// With a continuation line indented by `k`, the path is the first `k - 1` characters. Without
/// one (a single ACE), the principal is the longest tail that is a known principal in some
/// language, else the shortest tail holding a `DOMAIN\name`, else the last word.
fn split_first_line(text: &str, continuation_indent: Option<usize>) -> (String, Option<Ace>) {
    let Some((before, groups)) = ace::split_spec(text) else {
        return (text.trim().to_string(), None);
    };
    if let Some(k) = continuation_indent.filter(|k| *k >= 2) {
        let cut = before.char_indices().nth(k - 1).map(|(i, _)| i);
        if let Some(i) = cut.filter(|&i| before[i..].starts_with(' ')) {
            let (path, principal) = before.split_at(i);
            if !principal.trim().is_empty() {
                return (path.to_string(), ace::from_parts(principal, groups));
            }
        }
    }
    let spaces: Vec<usize> = before.match_indices(' ').map(|(i, _)| i).collect();
    let candidates = || spaces.iter().map(|&i| (&before[..i], &before[i + 1..]));
    let pick = candidates()
        .find(|(p, pr)| !p.trim().is_empty() && !pr.trim().is_empty() && sid_of(pr).is_some())
        .or_else(|| candidates().rev().find(|(p, pr)| !p.trim().is_empty() && pr.contains('\\')))
        .or_else(|| candidates().next_back());
    match pick {
        Some((path, principal)) => {
            (path.trim_end().to_string(), ace::from_parts(principal, groups))
        }
        None => (before.to_string(), None),
    }
}

/// `<head>: <tail>` at the first `": "` (a drive letter's colon is followed by `\`, not a space).
fn split_message(body: &str) -> Option<(&str, &str)> {
    let (head, tail) = body.split_once(": ").or_else(|| body.split_once("："))?;
    let (head, tail) = (head.trim(), tail.trim());
    (!head.is_empty() && !tail.is_empty()).then_some((head, tail))
}

/// Whether `<head>: <tail>` is a modify-mode `processed file: <path>` line (any language) rather
/// than an error (`<path>: <message>`). The tail is a path, or a bare relative name (`처리된
/// 파일: mspt3.pem`, for icacls run in the key's folder): one word that does not end like a
/// sentence, after a label of several words or in a script other than Latin.
fn is_processed(head: &str, tail: &str) -> bool {
    if looks_like_path(head) {
        return false;
    }
    if looks_like_path(tail) {
        return true;
    }
    let label = head.contains(char::is_whitespace) || !head.is_ascii();
    label && !tail.contains(char::is_whitespace) && !tail.ends_with(['.', '。', '!', '！'])
}

/// PowerShell wraps native stderr as `icacls.exe : <message>`; drop that host prefix.
fn strip_ps_wrapper(body: &str) -> &str {
    ["icacls.exe : ", "icacls : "]
        .iter()
        .find_map(|p| {
            body.get(..p.len()).filter(|h| h.eq_ignore_ascii_case(p)).map(|_| &body[p.len()..])
        })
        .unwrap_or(body)
}

/// A path as icacls echoes it: drive-rooted, UNC, or relative with a dot.
fn looks_like_path(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || s.starts_with("\\\\")
        || s.starts_with(".\\")
        || s == "."
}

/// The two counts of the trailer in any language (see [`crate::messages::icacls_summary`]).
#[cfg(test)]
fn trailer_counts(body: &str) -> Option<(u64, u64)> {
    crate::messages::icacls_summary(body).map(|(ok, failed, _)| (ok, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_split_by_indent_and_by_names() {
        let (p, a) = split_first_line("C:\\Program Files\\x NT AUTHORITY\\SYSTEM:(F)", Some(20));
        assert_eq!(p, "C:\\Program Files\\x");
        assert_eq!(a.map(|a| a.principal).as_deref(), Some("NT AUTHORITY\\SYSTEM"));
        let (p, a) = split_first_line("C:\\Program Files\\x Everyone:(R)", None);
        assert_eq!(
            (p.as_str(), a.map(|a| a.principal)),
            ("C:\\Program Files\\x", Some("Everyone".into()))
        );
        let (p, a) = split_first_line("C:\\My Docs\\f.txt DOMAIN\\John Smith:(F)", None);
        assert_eq!(
            (p.as_str(), a.map(|a| a.principal)),
            ("C:\\My Docs\\f.txt", Some("DOMAIN\\John Smith".into()))
        );
    }

    #[test]
    fn processed_lines_and_errors_with_bare_names() {
        assert!(is_processed("processed file", "C:\\x\\a.pem"));
        assert!(is_processed("처리된 파일", "mspt3.pem"));
        assert!(is_processed("processed file", "mspt3.pem"));
        assert!(!is_processed("mspt3.pem", "Access is denied."));
        assert!(!is_processed("mspt3.pem", "アクセスが拒否されました。"));
        assert!(!is_processed("my key.pem", "拒绝访问。"));
        assert!(!is_processed(
            "Administrators",
            "Zuordnungen von Kontennamen wurden nicht durchgeführt."
        ));
    }

    #[test]
    fn trailers_in_three_languages() {
        assert_eq!(
            trailer_counts("Successfully processed 1 files; Failed processing 0 files"),
            Some((1, 0))
        );
        assert_eq!(trailer_counts("已成功处理 1 个文件; 处理 0 个文件时失败"), Some((1, 0)));
        assert_eq!(
            trailer_counts("3 Dateien erfolgreich verarbeitet, bei 1 Dateien ist ein Verarbeitungsfehler aufgetreten."),
            Some((3, 1))
        );
        assert_eq!(trailer_counts("C:\\a 1 2"), None);
        assert_eq!(
            trailer_counts(
                "0 個のファイルが正常に処理されました。1 個のファイルを処理できませんでした"
            ),
            Some((0, 1))
        );
    }
}
