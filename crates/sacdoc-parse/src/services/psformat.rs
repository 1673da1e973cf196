//! PowerShell's default formatters as text: `Format-Table` (a header, a ruler of dashes, rows cut
//! at the ruler's columns) and `Format-List` (`Name : value` records separated by blank lines,
//! long values continued on indented lines).
//!
//! Property names in both shapes are the .NET names, never translated; values may be (display
//! names, dates). Table cells truncated to the column width end in `...` (Windows PowerShell 5.1)
//! or `…` (PowerShell 7); [`is_truncated`] says so, because a truncated name must not be matched
//! against anything.
//!
//! ```text
//! Status   Name               DisplayName
//! ------   ----               -----------
//! Running  TermService        Remote Desktop Services
//!
//! Thumbprint    : 0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43
//! HasPrivateKey : True
//! ```

use serde::Serialize;

use crate::text::Ledger;
use crate::text::Line;

/// One `Format-Table` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Column headers (property names), as printed.
    pub columns: Vec<String>,
    pub rows: Vec<TableRow>,
    /// Line number of the header.
    pub line: usize,
}

/// One row of a table: a cell per column, trimmed (empty when the row is short).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRow {
    pub cells: Vec<String>,
    pub line: usize,
}

impl Table {
    /// Index of the column named `name` (ASCII case-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.eq_ignore_ascii_case(name))
    }
}

impl TableRow {
    /// The cell of column `i`, if the row has one and it is not empty.
    pub fn cell(&self, i: Option<usize>) -> Option<&str> {
        i.and_then(|i| self.cells.get(i)).map(String::as_str).filter(|c| !c.is_empty())
    }
}

/// One `Format-List` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListRecord {
    pub items: Vec<ListItem>,
    /// Line number of the first item.
    pub line: usize,
    /// Every line of the record, continuation lines included (not serialized).
    #[serde(skip)]
    pub lines: Vec<usize>,
}

/// `Name : value`; a value continued on following indented lines is joined with one space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListItem {
    pub name: String,
    pub value: String,
    pub line: usize,
}

impl ListRecord {
    /// The value of property `name` (ASCII case-insensitive), if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.items.iter().find(|i| i.name.eq_ignore_ascii_case(name)).map(|i| i.value.as_str())
    }
}

/// Both shapes found in one output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Formatted {
    pub tables: Vec<Table>,
    pub records: Vec<ListRecord>,
}

/// True when a table cell was cut to its column width by the formatter.
pub fn is_truncated(cell: &str) -> bool {
    cell.ends_with("...") || cell.ends_with('\u{2026}')
}

/// A ruler line: only dashes and spaces, at least one dash.
pub fn is_ruler(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().all(|c| c == '-' || c == ' ')
}

/// Splits a `Format-List` line into name and value: the name starts in column 0 and is followed
/// by padding, a colon and one space (`Name    : value`, or `Name :` for an empty value).
pub fn list_item(text: &str) -> Option<(&str, &str)> {
    if text.starts_with(char::is_whitespace) {
        return None;
    }
    let colon = text.find(" :")?;
    let name = text[..colon].trim_end();
    if name.is_empty() || name.contains(':') {
        return None;
    }
    let rest = &text[colon + 2..];
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((name, rest.trim()))
}

/// Character offsets where the ruler's dash groups start.
fn ruler_starts(ruler: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut prev = ' ';
    for (i, c) in ruler.chars().enumerate() {
        if c == '-' && prev == ' ' {
            starts.push(i);
        }
        prev = c;
    }
    starts
}

/// Cuts `text` at character offsets `starts` (the first cell begins at 0 whatever `starts[0]`).
fn cut(text: &str, starts: &[usize]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    (0..starts.len())
        .map(|k| {
            let from = if k == 0 { 0 } else { starts[k].min(chars.len()) };
            let to = starts.get(k + 1).map_or(chars.len(), |&e| e.min(chars.len()));
            chars[from..to.max(from)].iter().collect::<String>().trim().to_string()
        })
        .collect()
}

/// The first `Format-List` record of PowerShell output (`Name : value` lines, continuation lines
/// joined) that holds property `field`. An error record's `Get-NetFirewallRule : No
/// MSFT_NetFirewallRule objects found ...` line has the list shape too, so a record counts only
/// with the property asked for.
pub fn first_record(output: &str, field: &str) -> Option<ListRecord> {
    let mut ledger = Ledger::new(output);
    parse(&mut ledger, |_| false).records.into_iter().find(|r| r.get(field).is_some())
}

/// Reads every table and list record in the ledger's lines. Lines for which `extra` returns true
/// are the caller's (e.g. a `PSParentPath:` banner) and are marked parsed; lines that fit
/// neither shape go to `unparsed`.
pub fn parse<F>(ledger: &mut Ledger<'_>, mut extra: F) -> Formatted
where
    F: FnMut(&Line<'_>) -> bool,
{
    let lines: Vec<Line<'_>> = ledger.lines().to_vec();
    let doubled = crate::text::double_spaced(lines.iter().map(Line::is_blank));
    let mut out = Formatted::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.is_blank() {
            i += 1;
            continue;
        }
        if extra(&line) {
            ledger.take_range(line.number, line.number);
            i += 1;
            continue;
        }
        if let Some(r) = ruler_after(&lines, i) {
            i = read_table(&lines, i, r, ledger, &mut out);
            continue;
        }
        if list_item(line.text).is_some() {
            i = read_record(&lines, i, doubled, ledger, &mut out);
            continue;
        }
        reject_line(ledger, &line);
        i += 1;
    }
    out
}

/// Index of the ruler under the header at `at`: the next line, or the next non-blank line
/// after at most [`MAX_BLANKS`] blank lines (pastes that double every line break, and
/// consoles that scrolled between the two lines, separate them).
fn ruler_after(lines: &[Line<'_>], at: usize) -> Option<usize> {
    let header = lines[at];
    if is_ruler(header.text) {
        return None;
    }
    let r = next_non_blank(lines, at + 1)?;
    let spaced = r > at + 1;
    // A `Name : value` line followed, after a blank, by a ruler is a record, not a header.
    if spaced && list_item(header.text).is_some() {
        return None;
    }
    is_ruler(lines[r].text).then_some(r)
}

/// Most blank lines allowed between a header and its ruler, and between rows of a table whose
/// header and ruler were separated.
const MAX_BLANKS: usize = 2;

/// The first non-blank line at or after `from`, if at most [`MAX_BLANKS`] blank lines come
/// before it.
fn next_non_blank(lines: &[Line<'_>], from: usize) -> Option<usize> {
    (from..lines.len()).take(MAX_BLANKS + 1).find(|&k| !lines[k].is_blank())
}

fn reject_line(ledger: &mut Ledger<'_>, line: &Line<'_>) {
    let j =
        crate::text::Joined { number: line.number, last: line.number, text: line.text.to_string() };
    ledger.reject(&j);
}

fn read_table(
    lines: &[Line<'_>],
    at: usize,
    ruler_at: usize,
    ledger: &mut Ledger<'_>,
    out: &mut Formatted,
) -> usize {
    let header = lines[at];
    let ruler = lines[ruler_at];
    let starts = ruler_starts(ruler.raw);
    let columns = cut(header.text, &starts);
    ledger.take_range(header.number, header.number);
    ledger.take_range(ruler.number, ruler.number);
    // A paste that put blank lines between header and ruler puts them between rows too.
    let spaced = ruler_at > at + 1;
    let mut table = Table { columns, rows: Vec::new(), line: header.number };
    let mut i = ruler_at + 1;
    while i < lines.len() {
        if lines[i].is_blank() {
            match next_non_blank(lines, i).filter(|_| spaced) {
                Some(k) if table_row_continues(lines, k) => {
                    i = k;
                }
                _ => break,
            }
        }
        let row = lines[i];
        // A new header (a ruler follows) ends this table.
        if ruler_after(lines, i).is_some() {
            break;
        }
        table.rows.push(TableRow { cells: cut(row.raw, &starts), line: row.number });
        ledger.take_range(row.number, row.number);
        i += 1;
    }
    out.tables.push(table);
    i
}

/// In a spaced table, whether the line at `k` is another row: not a record line, not indented
/// (banners such as `   PSParentPath:` are), not the header of a next table.
fn table_row_continues(lines: &[Line<'_>], k: usize) -> bool {
    let l = lines[k];
    list_item(l.text).is_none() && !l.text.starts_with(' ') && ruler_after(lines, k).is_none()
}

/// Reads one `Name : value` record from `at` to the blank line that ends it; in a paste that
/// doubled every line break (`doubled`) one blank line separates its lines and two end it.
fn read_record(
    lines: &[Line<'_>],
    at: usize,
    doubled: bool,
    ledger: &mut Ledger<'_>,
    out: &mut Formatted,
) -> usize {
    let mut record = ListRecord { items: Vec::new(), line: lines[at].number, lines: Vec::new() };
    let mut i = at;
    while i < lines.len() {
        if lines[i].is_blank() {
            let next = lines.get(i + 1).filter(|n| doubled && !n.is_blank());
            match next {
                Some(n) if list_item(n.text).is_some() || n.text.starts_with(' ') => i += 1,
                _ => break,
            }
        }
        let line = lines[i];
        if let Some((name, value)) = list_item(line.text) {
            record.items.push(ListItem {
                name: name.to_string(),
                value: value.to_string(),
                line: line.number,
            });
            ledger.take_range(line.number, line.number);
            record.lines.push(line.number);
        } else if line.text.starts_with(char::is_whitespace) && !record.items.is_empty() {
            // GUESS: Format-List breaks long values at word boundaries, so the pieces are
            // joined with one space.
            if let Some(last) = record.items.last_mut() {
                if !last.value.is_empty() {
                    last.value.push(' ');
                }
                last.value.push_str(line.text.trim());
            }
            ledger.take_range(line.number, line.number);
            record.lines.push(line.number);
        } else {
            break;
        }
        i += 1;
    }
    out.records.push(record);
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_item_needs_space_colon() {
        assert_eq!(list_item("Name        : TermService"), Some(("Name", "TermService")));
        assert_eq!(list_item("Group :"), Some(("Group", "")));
        assert_eq!(list_item("   PSParentPath: x"), None);
        assert_eq!(list_item("C:\\x : y"), None);
        assert_eq!(list_item("a :b"), None);
    }

    #[test]
    fn table_cells_follow_the_ruler() {
        let input = "Status   Name               DisplayName\n------   ----               -----------\nRunning  TermService        Remote Desktop Services\n";
        let mut l = Ledger::new(input);
        let f = parse(&mut l, |_| false);
        assert_eq!(f.tables.len(), 1);
        assert_eq!(f.tables[0].columns, vec!["Status", "Name", "DisplayName"]);
        assert_eq!(
            f.tables[0].rows[0].cells,
            vec!["Running", "TermService", "Remote Desktop Services"]
        );
        let (consumed, unparsed) = l.finish();
        assert_eq!(consumed, vec![1, 2, 3]);
        assert!(unparsed.is_empty());
    }
}
