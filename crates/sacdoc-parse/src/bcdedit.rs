//! `bcdedit /enum` (also `/enum all`, `/enum {emssettings}`, `/v`).
//!
//! ```text
//! Windows Boot Loader
//! -------------------
//! identifier              {current}
//! device                  partition=C:
//! displayorder            {current}
//!                         {a5a5a5a5-...}
//! ems                     Yes
//! ```
//!
//! A section is a title line (translated: `Windows 启动管理器`), a dashed underline, then
//! `element<pad>value` lines. The first element is the identifier, whose label is translated
//! (`标识符`, `Bezeichner`), so it is found by position; the other element names and `Yes`/`No`
//! are not translated. Multi-valued elements continue on lines indented to the value column;
//! a value longer than the console is hard-wrapped at 80 cells with no indentation and is
//! joined back.

use serde::Serialize;

use crate::text::Ledger;
use crate::text::{display_width, fields, Joined, Line};
use crate::Unparsed;

/// Every section found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BcdOutput {
    pub entries: Vec<BcdEntry>,
    /// Prompt and command-echo lines of the input (see [`crate::prompt`]), with line numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<crate::Command>,
    /// The runs of output between those commands (empty without a command line).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<crate::Run>,
    pub unparsed: Vec<Unparsed>,
    /// Numbers of the input lines whose content is in `entries` (not serialized).
    #[serde(skip)]
    pub consumed_lines: Vec<usize>,
}

/// One section (`Windows Boot Manager`, `Windows Boot Loader`, `EMS Settings`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BcdEntry {
    /// The title as printed (translated).
    pub title: String,
    /// `{bootmgr}`, `{current}`, `{emssettings}` or a GUID (with `/v`).
    pub identifier: Option<String>,
    pub elements: Vec<BcdElement>,
    /// The EMS settings this section sets itself (not inherited).
    pub ems: EmsSettings,
    pub line: usize,
}

/// One element: its name and its value(s) (more than one for `displayorder`, `inherit`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BcdElement {
    pub name: String,
    pub values: Vec<String>,
    pub line: usize,
}

/// The EMS elements of one section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmsSettings {
    /// `ems` (OS loader): EMS for the kernel.
    pub ems: Option<bool>,
    /// `bootems` (boot manager, `{emssettings}`): EMS for the boot applications.
    pub bootems: Option<bool>,
    /// `emsport`: serial port number (1 = COM1).
    pub emsport: Option<u32>,
    /// `emsbaudrate`.
    pub emsbaudrate: Option<u32>,
}

impl BcdEntry {
    /// The first value of element `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
            .and_then(|e| e.values.first())
            .map(String::as_str)
    }
}

impl BcdOutput {
    /// The section with identifier `id` (`{current}`, `{emssettings}`, a GUID), case-insensitive.
    pub fn entry(&self, id: &str) -> Option<&BcdEntry> {
        self.entries
            .iter()
            .find(|e| e.identifier.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(id)))
    }

    /// OS loader sections: those that print an `osdevice` or `systemroot` element.
    pub fn loaders(&self) -> impl Iterator<Item = &BcdEntry> {
        self.entries.iter().filter(|e| e.get("osdevice").is_some() || e.get("systemroot").is_some())
    }
}

/// `Yes`/`No` as printed; translated forms are a GUESS (the captures found keep English).
///
/// Every capture here (de, fr, pl, zh-CN, en) prints `Yes`/`No` untranslated, so the translated
/// words are kept only as a harmless first try. Searched for a translated value in the code
/// index (`recoveryenabled` followed by `Ja`): nothing.
pub fn yes_no(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "yes" | "ja" | "oui" | "sí" | "si" | "是" | "はい" | "true" => Some(true),
        "no" | "nein" | "non" | "否" | "いいえ" | "false" => Some(false),
        _ => None,
    }
}

/// Parses `bcdedit /enum` output. Never fails.
pub fn parse(input: &str) -> BcdOutput {
    let mut ledger = Ledger::new(input);
    let joined = ledger.joined(wrapped);
    let mut out = BcdOutput::default();
    let doubled = crate::text::double_spaced(joined.iter().map(Joined::is_blank));
    let mut i = 0;
    while i < joined.len() {
        let j = &joined[i];
        if j.is_blank() {
            i += 1;
            continue;
        }
        // The underline is the next non-blank line: a paste that doubled every line break puts
        // a blank line between a title and its underline.
        let next = (i + 1..joined.len()).find(|&k| !joined[k].is_blank());
        if let Some(u) = next.filter(|&k| is_underline(&joined[k].text) && !is_underline(&j.text)) {
            out.entries.push(BcdEntry {
                title: j.text.trim().to_string(),
                line: j.number,
                ..Default::default()
            });
            ledger.take(j);
            ledger.take(&joined[u]);
            i = u + 1;
            continue;
        }
        // The line before, in the text as printed: the previous non-blank line when it is
        // right above, or (in a paste that doubled every line break) one blank line above.
        let prev = (0..i).rev().find(|&k| !joined[k].is_blank()).map(|k| &joined[k]);
        let prev = prev.filter(|p| p.last + 1 == j.number || (doubled && p.last + 2 == j.number));
        if element(&mut out, j, prev) {
            ledger.take(j);
        } else {
            ledger.reject(j);
        }
        i += 1;
    }
    for e in &mut out.entries {
        e.identifier = e
            .elements
            .first()
            .and_then(|el| el.values.first())
            .filter(|v| v.starts_with('{'))
            .cloned();
        e.ems = ems_of(e);
    }
    let (commands, runs) = (ledger.commands().to_vec(), ledger.runs());
    let (consumed, unparsed) = ledger.finish();
    out.consumed_lines = consumed;
    out.unparsed = unparsed;
    out.commands = commands;
    out.runs = runs;
    out
}

/// A line filled to the console width continues on a next line that is not an element line
/// (`name<spaces>value`), not an indented value and not an underline.
fn wrapped(_cur: &str, next: &Line<'_>) -> bool {
    let t = next.text;
    !(t.starts_with(char::is_whitespace) || is_underline(t) || fields(t).len() >= 2)
}

fn is_underline(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 3 && t.chars().all(|c| c == '-')
}

/// Reads an element line, or a continuation value line, into the last section. `prev` is the
/// element or value line printed right above `j`, if there is one.
fn element(out: &mut BcdOutput, j: &Joined, prev: Option<&Joined>) -> bool {
    let Some(entry) = out.entries.last_mut() else { return false };
    let text = j.text.as_str();
    if text.starts_with(char::is_whitespace) {
        return match entry.elements.last_mut() {
            Some(el) => {
                el.values.push(text.trim().to_string());
                true
            }
            None => false,
        };
    }
    let f = fields(text);
    // A list item that lost its indentation (pasted through something that trims lines): one
    // `{...}` identifier at the left margin right under a list element (`displayorder`,
    // `inherit`, ...), which holds identifiers. Element names never start with `{`.
    if f.len() == 1 && text.starts_with('{') && text.ends_with('}') {
        let follows = prev.is_some();
        if let Some(el) = entry.elements.last_mut().filter(|el| {
            follows && el.values.last().is_some_and(|v| v.starts_with('{') && v.ends_with('}'))
        }) {
            el.values.push(text.to_string());
            return true;
        }
    }
    if f.len() < 2 {
        // A value wrapped at the console width whose trailing cells were lost on the way
        // (pasted captures): one token right under a nearly full element line. GUESS: 72 cells.
        let full = prev.is_some_and(|p| display_width(&p.text) >= 72);
        let under_element =
            entry.elements.last().is_some_and(|el| prev.is_some_and(|p| p.last >= el.line));
        return match entry.elements.last_mut().and_then(|el| el.values.last_mut()) {
            Some(v) if f.len() == 1 && full && under_element => {
                v.push_str(text);
                true
            }
            _ => false,
        };
    }
    let name = f[0].1.to_string();
    let value = text[f[1].0..].trim().to_string();
    entry.elements.push(BcdElement { name, values: vec![value], line: j.number });
    true
}

fn ems_of(e: &BcdEntry) -> EmsSettings {
    EmsSettings {
        ems: e.get("ems").and_then(yes_no),
        bootems: e.get("bootems").and_then(yes_no),
        emsport: e.get("emsport").and_then(|v| v.trim().parse().ok()),
        emsbaudrate: e.get("emsbaudrate").and_then(|v| v.trim().parse().ok()),
    }
}
