//! `tasklist /svc` (and plain `tasklist`), in table form and with `/fo csv`.
//!
//! ```text
//! Image Name                     PID Services
//! ========================= ======== ============================================
//! svchost.exe                    908 BrokerInfrastructure, DcomLaunch, LSM,
//!                                    PlugPlay, Power, SystemEventsBroker
//! ```
//!
//! The header is translated (`Abbildname ... Dienste`, `映像名称 ... 服务`), so it is never read:
//! the ruler of `=` under it gives the columns (in console cells, so a wide character in an
//! image name does not shift them). Long service lists continue on lines indented to the
//! services column; they are joined back. `/fo csv` rows are read as CSV with or without the
//! header (`/nh`). A message such as `INFO: No tasks are running which match the specified
//! criteria.` (translated) is kept in `messages`: what matters is that there are no rows.

use serde::Serialize;

use crate::text::Ledger;
use crate::text::{display_width, fields, Joined, Line};
use crate::Unparsed;

/// Every process row found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TasklistOutput {
    pub processes: Vec<Process>,
    /// Lines such as `INFO: No tasks are running ...`.
    pub messages: Vec<Message>,
    /// Prompt and command-echo lines of the input (see [`crate::prompt`]), with line numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<crate::Command>,
    /// The runs of output between those commands (empty without a command line).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<crate::Run>,
    pub unparsed: Vec<Unparsed>,
    /// Numbers of the input lines whose content is in the fields above (not serialized).
    #[serde(skip)]
    pub consumed_lines: Vec<usize>,
}

/// A one-line message printed instead of (or besides) the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub line: usize,
    pub text: String,
}

/// One process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Process {
    /// Image name; the table cuts it to 25 characters, CSV does not.
    pub image: String,
    pub pid: u32,
    /// `/svc`: the services the process hosts (empty for `N/A`).
    pub services: Vec<String>,
    /// Plain `tasklist`: session name, session number, memory usage as printed.
    pub session_name: Option<String>,
    pub session: Option<u32>,
    pub mem_usage: Option<String>,
    /// Every cell as printed (a third column other than services, e.g. `/m` modules, is here).
    pub cells: Vec<String>,
    pub line: usize,
}

impl TasklistOutput {
    /// The services process `pid` hosts (`None` when there is no such row).
    pub fn services_of(&self, pid: u32) -> Option<&[String]> {
        self.processes.iter().find(|p| p.pid == pid).map(|p| p.services.as_slice())
    }

    /// The PID of the process hosting service `name` (case-insensitive).
    pub fn pid_of_service(&self, name: &str) -> Option<u32> {
        self.processes
            .iter()
            .find(|p| p.services.iter().any(|s| s.eq_ignore_ascii_case(name)))
            .map(|p| p.pid)
    }
}

/// Parses `tasklist` output. Never fails.
pub fn parse(input: &str) -> TasklistOutput {
    let mut ledger = Ledger::new(input);
    let joined = ledger.joined(csv_continues);
    let mut out = TasklistOutput::default();
    // Column starts (in cells) of the table being read, from its ruler.
    let mut columns: Option<Vec<usize>> = None;
    let mut i = 0;
    while i < joined.len() {
        let j = &joined[i];
        if j.is_blank() {
            i += 1;
            continue;
        }
        // The ruler under a header, possibly after blank lines (double-spaced pastes).
        let ruler_at = (i + 1..joined.len())
            .take(3)
            .find(|&k| !joined[k].is_blank())
            .filter(|&k| is_ruler(&joined[k].text));
        let ok = if let Some(r) = ruler_at.filter(|_| !is_ruler(&j.text)) {
            // Header (translated, not read) and ruler.
            columns = Some(ruler_starts(&joined[r].text));
            ledger.take(&joined[r]);
            i = r;
            true
        } else if j.text.starts_with('"') {
            csv_row(j, &mut out)
        } else if columns.as_deref().is_some_and(|cols| table_row(j, cols, &mut out))
            || unindented_services(j, &mut out)
        {
            true
        } else if message(&j.text) {
            out.messages.push(Message { line: j.number, text: j.text.clone() });
            true
        } else {
            loose_row(j, &mut out)
        };
        if ok {
            ledger.take(j);
        } else {
            ledger.reject(j);
        }
        i += 1;
    }
    let (commands, runs) = (ledger.commands().to_vec(), ledger.runs());
    let (consumed, unparsed) = ledger.finish();
    out.consumed_lines = consumed;
    out.unparsed = unparsed;
    out.commands = commands;
    out.runs = runs;
    out
}

/// A CSV row the console wrapped (an open quote, or a break right after a separator) continues.
fn csv_continues(cur: &str, _next: &Line<'_>) -> bool {
    cur.starts_with('"') && (cur.matches('"').count() % 2 == 1 || cur.ends_with(','))
}

fn is_ruler(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 3 && t.chars().all(|c| c == '=' || c == ' ')
}

/// Cell offsets where the ruler's `=` groups start.
fn ruler_starts(ruler: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut prev = ' ';
    for (i, c) in ruler.chars().enumerate() {
        if c == '=' && prev == ' ' {
            starts.push(i);
        }
        prev = c;
    }
    starts
}

/// Cuts `text` into cells at console-cell offsets `starts`.
fn cut_cells(text: &str, starts: &[usize]) -> Vec<String> {
    let mut cells = vec![String::new(); starts.len()];
    let mut col = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let k = starts.iter().rposition(|&s| s <= col).unwrap_or(0);
        cells[k].push(c);
        col += display_width(c.encode_utf8(&mut buf));
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// The "no services" word: `N/A` (en, fr, ja), `暂缺` (zh-CN, seen in a capture); the others are
/// a GUESS from Windows terminology (`Nicht zutreffend` de, `N/D` es).
const NONE_WORDS: &[&str] = &["N/A", "暂缺", "Nicht zutreffend", "N/D", "Non applicable", "不適用"];

/// Comma-separated names (`BrokerInfrastructure, DcomLaunch,`); the "no services" word is none.
fn names(text: &str) -> Vec<String> {
    if NONE_WORDS.contains(&text.trim()) {
        return Vec::new();
    }
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn table_row(j: &Joined, cols: &[usize], out: &mut TasklistOutput) -> bool {
    let indent = j.text.len() - j.text.trim_start().len();
    // A continuation of the previous row's list column.
    if cols.len() == 3 && indent > 0 && display_width(&j.text[..indent]) >= cols[2] {
        return match out.processes.last_mut() {
            Some(p) => {
                p.services.extend(names(&j.text));
                if let Some(last) = p.cells.last_mut() {
                    last.push(' ');
                    last.push_str(j.text.trim());
                }
                true
            }
            None => false,
        };
    }
    let cells = cut_cells(&j.text, cols);
    let Some(pid) = cells.get(1).and_then(|p| p.parse::<u32>().ok()) else { return false };
    let Some(image) = cells.first().filter(|i| !i.is_empty()) else { return false };
    let mut p = Process { image: image.clone(), pid, line: j.number, ..Process::default() };
    fill(&mut p, &cells);
    p.cells = cells;
    out.processes.push(p);
    true
}

/// Interprets the columns after image and PID by how many there are.
fn fill(p: &mut Process, cells: &[String]) {
    match cells.len() {
        3 => p.services = names(&cells[2]),
        5 => {
            p.session_name = Some(cells[2].clone());
            p.session = cells[3].parse().ok();
            p.mem_usage = Some(cells[4].clone());
        }
        _ => {}
    }
}

/// A continuation of the services list that lost its indentation: the previous row's list
/// ended with a comma, and this line is only comma-separated names (no PID column).
fn unindented_services(j: &Joined, out: &mut TasklistOutput) -> bool {
    let Some(p) = out.processes.last_mut() else { return false };
    let open = p.cells.last().is_some_and(|c| c.trim_end().ends_with(','));
    let names_only = j
        .text
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .all(|n| !n.contains(char::is_whitespace) && !n.chars().all(|c| c.is_ascii_digit()));
    if !open || !names_only || j.text.starts_with('"') {
        return false;
    }
    p.services.extend(names(&j.text));
    if let Some(last) = p.cells.last_mut() {
        last.push(' ');
        last.push_str(j.text.trim());
    }
    true
}

/// A row without a ruler above it (`/nh`): image name, PID, the rest.
fn loose_row(j: &Joined, out: &mut TasklistOutput) -> bool {
    let f = fields(&j.text);
    let Some(k) = (1..f.len()).find(|&k| f[k].1.chars().all(|c| c.is_ascii_digit())) else {
        return false;
    };
    let Ok(pid) = f[k].1.parse::<u32>() else { return false };
    if j.text.starts_with(char::is_whitespace) {
        return false;
    }
    let image = j.text[..f[k].0].trim().to_string();
    let rest = f.get(k + 1).map_or("", |(o, _)| &j.text[*o..]).trim().to_string();
    let mut p = Process { image: image.clone(), pid, line: j.number, ..Process::default() };
    p.services = names(&rest);
    p.cells = vec![image, pid.to_string(), rest];
    out.processes.push(p);
    true
}

/// `INFO: No tasks are running ...`, `INFORMATION: Es werden keine ...`, `信息: 没有...`.
/// The label may end in a full-width colon (`情報：`, as East Asian messages print it).
fn message(text: &str) -> bool {
    let Some((label, rest)) = text.split_once(':').or_else(|| text.split_once('：')) else {
        return false;
    };
    let label = label.trim_end();
    let full_width = text.len() > label.len() && text[label.len()..].starts_with('：');
    !label.is_empty()
        && label.chars().count() <= 20
        && label.chars().all(char::is_alphabetic)
        && (rest.starts_with(' ') || full_width)
}

/// Splits one CSV line (`"a","b ""c""",d`); `None` when a quote is left open.
pub(crate) fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    if quoted || !any {
        return None;
    }
    out.push(cur);
    Some(out)
}

fn csv_row(j: &Joined, out: &mut TasklistOutput) -> bool {
    let Some(cells) = csv_fields(&j.text) else { return false };
    if cells.len() < 2 {
        return false;
    }
    match cells[1].trim().parse::<u32>() {
        Ok(pid) => {
            let mut p =
                Process { image: cells[0].clone(), pid, line: j.number, ..Process::default() };
            fill(&mut p, &cells);
            if cells.len() == 3 {
                p.services = names(&cells[2]);
            }
            p.cells = cells;
            out.processes.push(p);
            true
        }
        // The header row (`"Image Name","PID","Services"`, translated): nothing to keep.
        Err(_) => cells[1].chars().any(char::is_alphabetic),
    }
}
