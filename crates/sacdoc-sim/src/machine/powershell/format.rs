//! PowerShell 5.1's text views as they reach an 80-column console: the default tables of
//! Get-Service and certificate listings, Format-List and Format-Table, ConvertTo-Json/-Csv, and
//! error records.
//!
//! Layouts follow published PowerShell 5.1 captures: the `Get-Service` table
//! (`Status   Name               DisplayName`, Name cut at 18 and DisplayName at 38 characters with
//! `...`, command-outputs.md §7), certificate listings
//! (`   PSParentPath: Microsoft.PowerShell.Security\Certificate::CurrentUser\My`, then
//! `Thumbprint                                Subject`, as in Microsoft's Service Fabric docs),
//! `Format-List` (`Subject      : CN=...` with names padded to the longest), `Get-NetFirewallRule`
//! (`Name                  : ...`) and error records
//! (`Get-Service : Cannot find any service with service name 'IDontExist'.` / `At line:1 char:5` /
//! `+ ...` / `    + CategoryInfo          : ObjectNotFound: ...` / `    + FullyQualifiedErrorId : ...`).

use super::value::{Obj, Value, View};

/// Out-Default for a statement's output objects.
pub fn out_default(objs: &[Value], cols: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < objs.len() {
        match &objs[i] {
            Value::Obj(o) => {
                let mut j = i;
                while j < objs.len()
                    && matches!(&objs[j], Value::Obj(p) if p.type_name == o.type_name)
                {
                    j += 1;
                }
                let group: Vec<&Obj> = objs[i..j]
                    .iter()
                    .filter_map(|v| if let Value::Obj(o) = v { Some(o) } else { None })
                    .collect();
                out.push_str(&default_view(&group, cols));
                i = j;
            }
            Value::Null => i += 1,
            Value::List(items) => {
                out.push_str(&out_default(items, cols));
                i += 1;
            }
            v => {
                out.push_str(&v.display());
                out.push_str("\r\n");
                i += 1;
            }
        }
    }
    out
}

/// The view Out-Default uses for a group of objects of one type.
pub fn default_view(group: &[&Obj], cols: usize) -> String {
    match group[0].view {
        View::Service => service_table(group),
        View::Cert => cert_table(group, cols),
        View::File => file_table(group),
        View::Auto => {
            let props: Vec<String> = group[0].props.iter().map(|(n, _)| n.clone()).collect();
            if props.len() <= 4 {
                table(group, &props, cols)
            } else {
                list(group, None, cols)
            }
        }
    }
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let keep: String = s.chars().take(width.saturating_sub(3)).collect();
        format!("{keep}...")
    }
}

fn service_table(group: &[&Obj]) -> String {
    let mut s = String::from("\r\nStatus   Name               DisplayName\r\n------   ----               -----------\r\n");
    for o in group {
        let status = o.get("Status").map(Value::display).unwrap_or_default();
        let name = cut(&o.get("Name").map(Value::display).unwrap_or_default(), 18);
        let disp = cut(&o.get("DisplayName").map(Value::display).unwrap_or_default(), 38);
        s.push_str(&format!("{status:<8} {name:<18} {disp}\r\n"));
    }
    s.push_str("\r\n\r\n");
    s
}

fn cert_table(group: &[&Obj], cols: usize) -> String {
    let mut s = String::new();
    let mut last_parent = String::new();
    for o in group {
        let parent = o.get("PSParentPath").map(Value::display).unwrap_or_default();
        if parent != last_parent {
            if !last_parent.is_empty() {
                s.push_str("\r\n");
            }
            s.push_str(&format!(
                "\r\n\r\n   PSParentPath: {parent}\r\n\r\nThumbprint                                Subject\r\n----------                                -------\r\n"
            ));
            last_parent = parent;
        }
        let thumb = o.get("Thumbprint").map(Value::display).unwrap_or_default();
        let subject = cut(
            &o.get("Subject").map(Value::display).unwrap_or_default(),
            cols.saturating_sub(43).max(10),
        );
        s.push_str(&format!("{thumb:<41} {subject}\r\n"));
    }
    s.push_str("\r\n\r\n");
    s
}

fn file_table(group: &[&Obj]) -> String {
    let dir = group[0].get("DirectoryName").map(Value::display).unwrap_or_default();
    let mut s = format!(
        "\r\n\r\n    Directory: {dir}\r\n\r\n\r\nMode                LastWriteTime         Length Name\r\n----                -------------         ------ ----\r\n"
    );
    for o in group {
        let when = o.get("LastWriteTime").and_then(Value::num).unwrap_or(0.0) as i64;
        let c = crate::machine::clock::civil(when);
        let (h, ampm) = c.hour12();
        let date = format!("{}/{}/{}", c.month, c.day, c.year);
        let time = format!("{h}:{:02} {ampm}", c.minute);
        let len = o.get("Length").map(Value::display).unwrap_or_default();
        let name = o.get("Name").map(Value::display).unwrap_or_default();
        let mode = o.get("Mode").map_or_else(|| "-a----".to_string(), Value::display);
        s.push_str(&format!("{mode}       {date:>10}  {time:>8} {len:>14} {name}\r\n"));
    }
    s.push_str("\r\n\r\n");
    s
}

/// Format-Table: columns as wide as their widest cell, the last one cut to the console width.
pub fn table(group: &[&Obj], props: &[String], cols: usize) -> String {
    let cells: Vec<Vec<String>> = group
        .iter()
        .map(|o| props.iter().map(|p| o.get(p).map(Value::display).unwrap_or_default()).collect())
        .collect();
    let widths: Vec<usize> = props
        .iter()
        .enumerate()
        .map(|(i, p)| {
            cells.iter().map(|r| r[i].chars().count()).chain([p.chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let line = |items: &[String]| {
        let mut l = String::new();
        for (i, it) in items.iter().enumerate() {
            if i + 1 == items.len() {
                let room = cols.saturating_sub(l.chars().count() + 1).max(4);
                l.push_str(&cut(it, room));
            } else {
                l.push_str(&format!("{:<w$} ", it, w = widths[i]));
            }
        }
        format!("{}\r\n", l.trim_end())
    };
    let mut s = String::from("\r\n");
    s.push_str(&line(props));
    let dashes: Vec<String> = props.iter().map(|p| "-".repeat(p.chars().count())).collect();
    s.push_str(&line(&dashes));
    for r in &cells {
        s.push_str(&line(r));
    }
    s.push_str("\r\n\r\n");
    s
}

/// Format-List: `Name : value` with names padded to the longest, long values wrapped under the
/// value column; two blank lines before the first object, one between objects, two after.
pub fn list(group: &[&Obj], props: Option<&[String]>, cols: usize) -> String {
    let mut s = String::from("\r\n");
    for o in group {
        s.push_str("\r\n");
        let names: Vec<String> = match props {
            Some(p) if p.iter().any(|x| x == "*") => {
                o.props.iter().map(|(n, _)| n.clone()).collect()
            }
            Some(p) => p.iter().map(|x| canonical_prop(o, x)).collect(),
            None => match &o.list_props {
                Some(lp) => lp.iter().map(|x| x.to_string()).collect(),
                None => o.props.iter().map(|(n, _)| n.clone()).collect(),
            },
        };
        let w = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        for n in &names {
            let v = o.get(n).map(Value::display).unwrap_or_default();
            s.push_str(&wrap_list_line(&format!("{n:<w$} : "), &v, cols));
        }
    }
    s.push_str("\r\n\r\n");
    s
}

fn canonical_prop(o: &Obj, typed: &str) -> String {
    o.props
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(typed))
        .map_or_else(|| typed.to_string(), |(n, _)| n.clone())
}

/// GUESS: values wrap at one column short of the console width, continuation lines indented to
/// the value column.
fn wrap_list_line(label: &str, value: &str, cols: usize) -> String {
    let indent = label.chars().count();
    let room = cols.saturating_sub(1 + indent).max(10);
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= room {
        return format!("{label}{value}\r\n");
    }
    let mut s = String::new();
    for (i, chunk) in chars.chunks(room).enumerate() {
        let text: String = chunk.iter().collect();
        if i == 0 {
            s.push_str(&format!("{label}{text}\r\n"));
        } else {
            s.push_str(&format!("{}{text}\r\n", " ".repeat(indent)));
        }
    }
    s
}

fn json_value(v: &Value, depth: usize) -> String {
    let pad = "    ".repeat(depth + 1);
    let close = "    ".repeat(depth);
    match v {
        Value::Null => "null".into(),
        Value::Str(s) => json_str(s),
        Value::Int(i) | Value::Enum(_, i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => format!("\"\\/Date({}000)\\/\"", d),
        Value::List(items) => {
            let inner: Vec<String> =
                items.iter().map(|x| format!("{pad}{}", json_value(x, depth + 1))).collect();
            format!("[\r\n{}\r\n{close}]", inner.join(",\r\n"))
        }
        Value::Obj(o) => {
            let inner: Vec<String> = o
                .props
                .iter()
                .map(|(n, x)| format!("{pad}{}:  {}", json_str(n), json_value(x, depth + 1)))
                .collect();
            format!("{{\r\n{}\r\n{close}}}", inner.join(",\r\n"))
        }
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// ConvertTo-Json as Windows PowerShell 5.1 writes it (four-space indent, two spaces after `:`).
pub fn to_json(objs: &[Value]) -> String {
    let v = if objs.len() == 1 { objs[0].clone() } else { Value::List(objs.to_vec()) };
    json_value(&v, 0)
}

/// ConvertTo-Csv -NoTypeInformation: a quoted header row and quoted values.
pub fn to_csv(objs: &[Value], type_info: bool) -> Vec<String> {
    let mut out = Vec::new();
    let Some(Value::Obj(first)) = objs.iter().find(|v| matches!(v, Value::Obj(_))) else {
        return objs.iter().map(|v| format!("\"{}\"", v.display())).collect();
    };
    if type_info {
        out.push(format!("#TYPE {}", first.type_name));
    }
    let names: Vec<&str> = first.props.iter().map(|(n, _)| n.as_str()).collect();
    out.push(names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(","));
    for v in objs {
        if let Value::Obj(o) = v {
            let row: Vec<String> = names
                .iter()
                .map(|n| {
                    format!(
                        "\"{}\"",
                        o.get(n).map(Value::display).unwrap_or_default().replace('"', "\"\"")
                    )
                })
                .collect();
            out.push(row.join(","));
        }
    }
    out
}

/// One PowerShell error record as the console host prints it.
pub struct ErrorRecord {
    pub command: String,
    pub message: String,
    /// e.g. `ObjectNotFound: (x:String) [Stop-Service], ServiceCommandException`.
    pub category: String,
    pub fqid: String,
}

/// Formats an error record for a command at `start` (0-based) spanning `len` characters of `line`.
///
/// The `+ CategoryInfo` and `+ FullyQualifiedErrorId` lines are cut at the formatting width (one
/// column less than the console) and continue on lines indented by three spaces, as the wrapped
/// `   , ServiceCommandException` / `   topServiceCommand` lines of Microsoft's Stop-Service sample
/// show. GUESS: the width is `cols - 1`, the same rule Out-Default uses for tables and lists.
pub fn error_text(e: &ErrorRecord, line: &str, start: usize, len: usize, cols: usize) -> String {
    let under = format!("{}{}", " ".repeat(start), "~".repeat(len.max(1)));
    format!(
        "{} : {}\r\nAt line:1 char:{}\r\n+ {}\r\n+ {}\r\n{}{} \r\n",
        e.command,
        e.message,
        start + 1,
        line,
        under,
        wrap_info(&format!("    + CategoryInfo          : {}", e.category), cols),
        wrap_info(&format!("    + FullyQualifiedErrorId : {}", e.fqid), cols),
    )
}

fn wrap_info(text: &str, cols: usize) -> String {
    let width = cols.saturating_sub(1).max(20);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let first = chars.len().min(width);
    out.extend(&chars[..first]);
    out.push_str("\r\n");
    for chunk in chars[first..].chunks(width - 3) {
        out.push_str("   ");
        out.extend(chunk);
        out.push_str("\r\n");
    }
    out
}
