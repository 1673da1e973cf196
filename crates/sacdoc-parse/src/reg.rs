//! `reg query` parser: with and without `/v`, `/ve`, `/s`, `/f`; key headers, every value type,
//! the default value in any language, subkey lists, the `/f` match count and the error line.
//!
//! Layout (byte-exact in wine-mirror/wine programs/reg/tests/query.c, which passes on Windows):
//!
//! ```text
//!
//! HKEY_CURRENT_USER\Software\Wine\reg_test
//!     Test1    REG_SZ    Hello, World
//!     Test2    REG_DWORD    0x123
//!     Wine    REG_SZ    First instance
//!
//! HKEY_CURRENT_USER\Software\Wine\reg_test\subkey
//! ```
//!
//! A path line is a key header when values follow it (or, under `/s`, a blank line follows an
//! empty key); otherwise it is a subkey of the key above. Only the default value's name and the
//! messages are translated; the `REG_*` token and the data format are not.

mod value;

use serde::Serialize;

use super::text::{Joined, Ledger};
use super::Unparsed;

pub use value::{parse_value_line, RegData, RegValue};

/// Everything `reg query` printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegQuery {
    pub keys: Vec<RegKey>,
    /// The count of `End of search: N match(es) found.` (`/f`, `/s` with `/v`), in any language.
    pub matches: Option<u64>,
    /// The error line as printed (`ERROR: The system was unable to find the specified registry
    /// key or value.`, `FEHLER: ...`, `错误: ...`).
    pub error: Option<String>,
    /// Every error line in input order: a paste of several runs keeps each run's error (`error`
    /// is the first of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RegError>,
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

/// An error line of `reg` (`ERROR: ...`, `FEHLER: ...`, `エラー: ...`), as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegError {
    pub line: usize,
    pub text: String,
    /// The display language of the label when a sourced entry of
    /// [`crate::messages::REG_ERROR_LABELS`] names it (`en`, `ja`, `ru`, ...); null for a line
    /// read as an error by its shape alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// One key with its values and (without `/s`) its immediate subkeys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegKey {
    /// 1-based line of the header (of the first subkey line when the header was not printed).
    pub line: usize,
    /// Full path as printed: hive expanded, the rest in the case the user typed.
    pub path: String,
    pub values: Vec<RegValue>,
    /// Full paths of the immediate subkeys, as printed.
    pub subkeys: Vec<String>,
    /// True when reg printed no header for this key (a key with subkeys and no values) and the
    /// path was inferred from its subkeys.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

impl RegKey {
    /// The value named `name` (case-insensitive); `""` or any default name finds the default.
    pub fn value(&self, name: &str) -> Option<&RegValue> {
        let want_default = name.is_empty() || is_default_query(name);
        self.values.iter().find(|v| {
            if want_default {
                v.default
            } else {
                v.name.eq_ignore_ascii_case(name)
            }
        })
    }
}

impl RegQuery {
    /// The key whose path ends with `suffix` (case-insensitive; `HKLM\` and friends expanded;
    /// the match starts at a path component).
    pub fn key(&self, suffix: &str) -> Option<&RegKey> {
        let want = normalise_key(suffix);
        self.keys.iter().find(|k| {
            let have = normalise_key(&k.path);
            have == want
                || want.is_empty()
                || (have.ends_with(&want) && have[..have.len() - want.len()].ends_with('\\'))
        })
    }

    /// The value `name` under the first key ending with `key_suffix`.
    pub fn value(&self, key_suffix: &str, name: &str) -> Option<&RegValue> {
        let want = normalise_key(key_suffix);
        self.keys
            .iter()
            .filter(|k| {
                let have = normalise_key(&k.path);
                have == want
                    || want.is_empty()
                    || (have.ends_with(&want) && have[..have.len() - want.len()].ends_with('\\'))
            })
            .find_map(|k| k.value(name))
    }

    /// The number of a `REG_DWORD`/`REG_QWORD` value.
    pub fn dword(&self, key_suffix: &str, name: &str) -> Option<u64> {
        self.value(key_suffix, name).and_then(RegValue::number)
    }

    /// True when reg reported an error and printed no key: the key or value does not exist
    /// (or could not be read).
    pub fn not_found(&self) -> bool {
        self.error.is_some() && self.keys.is_empty()
    }
}

fn is_default_query(name: &str) -> bool {
    let n = name.trim();
    n.starts_with('(') && n.ends_with(')')
}

/// Lower-cases, trims backslashes and expands hive abbreviations.
fn normalise_key(path: &str) -> String {
    let p = path.trim().trim_matches('\\').to_lowercase();
    const HIVES: [(&str, &str); 5] = [
        ("hklm", "hkey_local_machine"),
        ("hkcu", "hkey_current_user"),
        ("hkcr", "hkey_classes_root"),
        ("hku", "hkey_users"),
        ("hkcc", "hkey_current_config"),
    ];
    for (short, long) in HIVES {
        if p == short {
            return long.to_string();
        }
        if let Some(rest) = p.strip_prefix(short).and_then(|r| r.strip_prefix('\\')) {
            return format!("{long}\\{rest}");
        }
    }
    p
}

/// A key path line: full hive name or a remote `\\MACHINE\...` path, at column 0.
fn is_key_path(text: &str) -> bool {
    let t = text.trim_end();
    (t.starts_with("HKEY_") || (t.starts_with("\\\\") && t.len() > 2)) && !t.contains("    ")
}

/// Parses `reg query` output. Never panics; lines outside the grammar land in `unparsed`.
pub fn parse(input: &str) -> RegQuery {
    let ledger = Ledger::new(input);
    let joined = ledger.joined(|cur, next| {
        let cur_ok = parse_value_line(cur.trim_end(), 0).is_some() || is_key_path(cur);
        cur_ok && parse_value_line(next.text, 0).is_none() && !is_key_path(next.text)
    });
    let mut p = Parser { ledger, out: RegQuery::default(), current: None, listing: false };
    for (i, j) in joined.iter().enumerate() {
        p.line(j, joined.get(i + 1));
    }
    let (commands, runs) = (p.ledger.commands().to_vec(), p.ledger.runs());
    let (consumed, unparsed) = p.ledger.finish();
    p.out.consumed_lines = consumed;
    p.out.unparsed = unparsed;
    p.out.commands = commands;
    p.out.runs = runs;
    p.out
}

struct Parser<'a> {
    ledger: Ledger<'a>,
    out: RegQuery,
    /// Index of the key values and subkeys attach to.
    current: Option<usize>,
    /// The previous non-blank line was a subkey line: the list continues across lines.
    listing: bool,
}

impl Parser<'_> {
    fn line(&mut self, j: &Joined, next: Option<&Joined>) {
        if j.is_blank() {
            return;
        }
        if let Some(v) = parse_value_line(&j.text, j.number) {
            let idx = match self.current {
                Some(i) => i,
                None => self.push_key(j.number, String::new(), true),
            };
            self.out.keys[idx].values.push(v);
            self.listing = false;
            self.ledger.take(j);
            return;
        }
        if is_key_path(&j.text) {
            self.key_path(j, next);
            self.ledger.take(j);
            return;
        }
        self.listing = false;
        let body = j.text.trim();
        if let Some(n) = match_count(body) {
            self.out.matches = Some(n);
            self.ledger.take(j);
            return;
        }
        if is_error_line(body) {
            self.out.error.get_or_insert_with(|| body.to_string());
            let language =
                error_label(body).and_then(crate::messages::reg_error_language).map(str::to_string);
            self.out.errors.push(RegError { line: j.number, text: body.to_string(), language });
            self.ledger.take(j);
            return;
        }
        self.ledger.reject(j);
    }

    /// Decides whether a path line is a header or a subkey line.
    fn key_path(&mut self, j: &Joined, next: Option<&Joined>) {
        let path = j.text.trim().to_string();
        let next_is_value = next.is_some_and(|n| parse_value_line(&n.text, 0).is_some());
        let next_is_path = next.is_some_and(|n| is_key_path(&n.text));
        let next_is_blank = next.is_some_and(Joined::is_blank);
        let header = next_is_value || (next_is_blank && !self.listing);
        if header {
            self.current = Some(self.push_key(j.number, path, false));
            self.listing = false;
            return;
        }
        let parent = parent_of(&path);
        let idx = match self.current {
            Some(i) if normalise_key(&self.out.keys[i].path) == normalise_key(parent) => i,
            _ => self.push_key(j.number, parent.to_string(), true),
        };
        self.out.keys[idx].subkeys.push(path);
        self.current = Some(idx);
        self.listing = next_is_path || next.is_none() || next_is_blank;
    }

    fn push_key(&mut self, line: usize, path: String, inferred: bool) -> usize {
        self.out.keys.push(RegKey {
            line,
            path,
            values: Vec::new(),
            subkeys: Vec::new(),
            inferred,
        });
        self.out.keys.len() - 1
    }
}

fn parent_of(path: &str) -> &str {
    path.rsplit_once('\\').map(|(p, _)| p).unwrap_or("")
}

/// `End of search: 2 match(es) found.` in any language: a sentence with a colon and exactly one
/// integer.
fn match_count(body: &str) -> Option<u64> {
    if !body.contains([':', '：']) || body.contains('\\') {
        return None;
    }
    let mut nums = body.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty());
    let n = nums.next()?;
    if nums.next().is_some() {
        return None;
    }
    n.parse().ok()
}

/// The label before the colon of an error line (`ERROR`, `Ошибка`, `错误`).
fn error_label(body: &str) -> Option<&str> {
    body.split_once(": ").or_else(|| body.split_once('：')).map(|(l, _)| l.trim())
}

/// `ERROR: ...`, `FEHLER: ...`, `ERREUR : ...`, `错误: ...`: a short label, a colon, a message.
fn is_error_line(body: &str) -> bool {
    let Some((label, msg)) = body.split_once(": ").or_else(|| body.split_once('：')) else {
        return false;
    };
    let label = label.trim();
    if crate::messages::reg_error_language(label).is_some() {
        return !msg.trim().is_empty();
    }
    !label.is_empty()
        && label.chars().count() <= 20
        && !label.contains(['\\', '(', ')'])
        && label.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-')
        && !msg.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_suffix_matching() {
        assert_eq!(normalise_key("HKLM\\System\\"), "hkey_local_machine\\system");
        let q = parse("\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\X\\RDP-Tcp\r\n    PortNumber    REG_DWORD    0xd3d\r\n\r\n");
        assert_eq!(q.dword("RDP-Tcp", "portnumber"), Some(3389));
        assert_eq!(q.dword("HKLM\\system\\x\\rdp-tcp", "PortNumber"), Some(3389));
        assert_eq!(q.dword("Tcp", "PortNumber"), None);
    }

    #[test]
    fn error_and_count_lines() {
        assert!(is_error_line(
            "ERREUR : Le système n’a pas trouvé la clé ou la valeur de Registre spécifiée."
        ));
        assert!(is_error_line("错误: 系统找不到指定的注册表项或值。"));
        // The sourced ru and ko messages (see `messages::REG_ERROR_LABELS`).
        let ru = "Ошибка: Не удается найти указанный раздел или параметр в реестре.";
        let ko = "오류: 지정된 레지스트리 키 또는 값을 찾을 수 없습니다";
        for (line, lang) in [(ru, "ru"), (ko, "ko")] {
            let q = parse(&format!("{line}\r\n"));
            assert_eq!(q.errors.len(), 1, "{line}");
            assert_eq!(q.errors[0].language.as_deref(), Some(lang));
            assert_eq!(q.error.as_deref(), Some(line));
        }
        assert!(!is_error_line("HKEY_LOCAL_MACHINE\\x"));
        assert_eq!(match_count("End of search: 12 match(es) found."), Some(12));
        assert_eq!(match_count("Suche beendet: 2 Übereinstimmung(en) gefunden."), Some(2));
        assert_eq!(match_count("no colon 2"), None);
    }
}
