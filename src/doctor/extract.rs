//! Narrow readers for the few output shapes the doctor's own (filtered) commands produce.
//!
//! The doctor asks for exact values, so what crosses the line is a handful of lines; these readers
//! key on structure that no Windows display language translates (the `REG_*` token, numeric
//! codes, state words, `0.0.0.0:0` foreign addresses, rights letters), never on English labels.

/// One registry value line of `reg query`: `    <name>    <REG_TYPE>    <data>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegValue {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub data: String,
}

impl RegValue {
    /// The data of a `REG_DWORD` / `REG_QWORD` value (`0x...`).
    pub fn number(&self) -> Option<u64> {
        parse_hex(&self.data)
    }
}

/// `0xd3d` -> 3389.
pub fn parse_hex(s: &str) -> Option<u64> {
    let s = s.trim();
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    u64::from_str_radix(h, 16).ok()
}

/// Every value line of `reg query` output with the key header it sits under (`/s` prints several).
pub fn reg_values(text: &str) -> Vec<RegValue> {
    let mut key = String::new();
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = raw.trim_end_matches(['\r', ' ']);
        if line.starts_with("HKEY_") {
            key = line.to_string();
            continue;
        }
        let Some(body) = line.strip_prefix("    ") else { continue };
        let mut parts = body.splitn(3, "    ");
        let (Some(name), Some(kind)) = (parts.next(), parts.next()) else { continue };
        if !kind.starts_with("REG_") {
            continue;
        }
        let data = parts.next().unwrap_or("").trim().to_string();
        out.push(RegValue {
            key: key.clone(),
            name: name.to_string(),
            kind: kind.to_string(),
            data,
        });
    }
    out
}

/// The value named `name` (case-insensitive), optionally only under keys ending with `key_suffix`.
pub fn reg_find<'a>(vals: &'a [RegValue], key_suffix: &str, name: &str) -> Option<&'a RegValue> {
    let suffix = key_suffix.to_ascii_lowercase();
    vals.iter().find(|v| {
        v.name.eq_ignore_ascii_case(name) && v.key.to_ascii_lowercase().ends_with(&suffix)
    })
}

/// The service state words of `sc query` (never translated).
const SC_STATES: [&str; 7] = [
    "STOPPED",
    "START_PENDING",
    "STOP_PENDING",
    "RUNNING",
    "CONTINUE_PENDING",
    "PAUSE_PENDING",
    "PAUSED",
];

/// The state of a service from `sc query NAME`: `Ok(Some("RUNNING"))`, `Ok(None)` when the
/// service does not exist (`FAILED 1060`), `Err` when the output has no state line.
pub fn sc_state(text: &str) -> Result<Option<String>, String> {
    if text.contains("FAILED 1060") {
        return Ok(None);
    }
    for line in text.lines() {
        let Some((_, value)) = line.split_once(':') else { continue };
        let mut toks = value.split_whitespace();
        let (Some(num), Some(word)) = (toks.next(), toks.next()) else { continue };
        if num.parse::<u32>().is_ok() && SC_STATES.contains(&word) {
            return Ok(Some(word.to_string()));
        }
    }
    Err("no STATE line in the sc output".into())
}

/// The words of the service `Start` value: 0 boot, 1 system, 2 auto, 3 demand, 4 disabled.
pub fn start_type_name(start: u64) -> &'static str {
    match start {
        0 => "boot",
        1 => "system",
        2 => "auto",
        3 => "demand",
        4 => "disabled",
        _ => "unknown",
    }
}

/// One TCP/UDP row of `netstat -ano`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetRow {
    pub proto: String,
    pub local: String,
    pub foreign: String,
    pub pid: Option<u32>,
    pub line: String,
}

impl NetRow {
    /// The port of the local address (after the last `:`).
    pub fn local_port(&self) -> Option<u16> {
        self.local.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
    }
    /// A TCP listener: its foreign address is the unspecified one, in any locale.
    pub fn is_tcp_listener(&self) -> bool {
        self.proto.eq_ignore_ascii_case("TCP")
            && (self.foreign == "0.0.0.0:0" || self.foreign == "[::]:0")
    }
}

/// The rows of `netstat -ano` output (filtered or not); headers and owner lines are skipped.
pub fn netstat_rows(text: &str) -> Vec<NetRow> {
    let mut out = Vec::new();
    for line in text.lines() {
        let toks: Vec<&str> = line.split_whitespace().collect();
        if toks.len() < 3 || !(toks[0] == "TCP" || toks[0] == "UDP") {
            continue;
        }
        let pid = toks.last().and_then(|t| t.parse().ok());
        out.push(NetRow {
            proto: toks[0].to_string(),
            local: toks[1].to_string(),
            foreign: toks[2].to_string(),
            pid,
            line: line.trim_end().to_string(),
        });
    }
    out
}

/// Splits one CSV line as `tasklist /fo csv` writes it (every field quoted).
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// One process of `tasklist /svc /fo csv /nh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub image: String,
    pub pid: u32,
    /// Services hosted by the process (empty for `N/A`).
    pub services: Vec<String>,
}

/// The rows of `tasklist /svc /fo csv /nh` (a "no tasks" message gives no rows).
pub fn tasklist_csv(text: &str) -> Vec<Task> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('"')) {
        let f = csv_fields(line);
        if f.len() < 3 {
            continue;
        }
        let Ok(pid) = f[1].trim().parse() else { continue };
        let services = f[2]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s != "N/A")
            .collect();
        out.push(Task { image: f[0].clone(), pid, services });
    }
    out
}

/// One ACE of `icacls PATH`: `principal:(flags)(rights)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    pub principal: String,
    /// The parenthesised groups, e.g. `["OI", "CI", "F"]` or `["RX,W"]`.
    pub groups: Vec<String>,
}

impl Ace {
    pub fn is_deny(&self) -> bool {
        self.groups.iter().any(|g| g == "DENY")
    }
    pub fn inherit_only(&self) -> bool {
        self.groups.iter().any(|g| g == "IO")
    }
    /// The rights group (the last one), e.g. `F`, `RX`, `R,W`.
    pub fn rights(&self) -> &str {
        self.groups.last().map(String::as_str).unwrap_or("")
    }
    /// Whether the rights include full control.
    pub fn full(&self) -> bool {
        self.rights().split(',').any(|r| r == "F" || r == "GA")
    }
    /// Whether the rights include read (simple R/RX/M/F, or a list with R or GR).
    pub fn read(&self) -> bool {
        self.rights().split(',').any(|r| matches!(r, "F" | "M" | "R" | "RX" | "GR" | "GA" | "RD"))
    }
}

/// The ACEs of the first object of `icacls PATH` output, where `path` is the path as typed.
pub fn icacls_aces(text: &str, path: &str) -> Vec<Ace> {
    let mut out = Vec::new();
    let mut in_block = false;
    for raw in text.lines() {
        let line = raw.trim_end();
        let rest = if !in_block {
            let Some(r) = strip_prefix_ci(line, path) else { continue };
            in_block = true;
            r
        } else if line.is_empty() {
            break;
        } else {
            line
        };
        if let Some(ace) = parse_ace(rest.trim()) {
            out.push(ace);
        }
    }
    out
}

fn strip_prefix_ci<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &line[prefix.len()..])
}

/// `NT AUTHORITY\SYSTEM:(OI)(CI)(F)` -> principal and groups; parsed from the right because
/// principals contain spaces and colons do not appear in the groups.
pub fn parse_ace(s: &str) -> Option<Ace> {
    let open = s.find(":(")?;
    let (principal, spec) = (&s[..open], &s[open + 1..]);
    let mut groups = Vec::new();
    let mut rest = spec;
    while let Some(r) = rest.strip_prefix('(') {
        let close = r.find(')')?;
        groups.push(r[..close].to_string());
        rest = &r[close + 1..];
    }
    (rest.is_empty() && !groups.is_empty() && !principal.is_empty())
        .then(|| Ace { principal: principal.to_string(), groups })
}

/// `Name : Value` lines of PowerShell `Format-List`, continuation lines joined.
pub fn format_list(text: &str) -> Vec<Vec<(String, String)>> {
    let mut objects: Vec<Vec<(String, String)>> = Vec::new();
    let mut cur: Vec<(String, String)> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim_end();
        if line.is_empty() {
            if !cur.is_empty() {
                objects.push(std::mem::take(&mut cur));
            }
            continue;
        }
        match line.split_once(" : ").or_else(|| line.strip_suffix(" :").map(|n| (n, ""))) {
            Some((name, value)) if !name.starts_with(' ') => {
                cur.push((name.trim().to_string(), value.trim().to_string()))
            }
            _ => {
                if let Some(last) = cur.last_mut() {
                    last.1.push_str(line.trim());
                }
            }
        }
    }
    if !cur.is_empty() {
        objects.push(cur);
    }
    objects
}

/// The value of `name` in one `Format-List` object.
pub fn fl_get<'a>(obj: &'a [(String, String)], name: &str) -> Option<&'a str> {
    obj.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// `element   value` lines of `bcdedit /enum` (section titles and dashes skipped).
pub fn bcd_elements(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with(' ') || line.starts_with('-') {
            continue;
        }
        let mut it = line.splitn(2, char::is_whitespace);
        let (Some(name), Some(value)) = (it.next(), it.next()) else { continue };
        let value = value.trim();
        if !value.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) {
            out.push((name.to_string(), value.to_string()));
        }
    }
    out
}

/// The lines of `text` containing `needle` (case-insensitive), trimmed, for evidence.
pub fn lines_with(text: &str, needle: &str) -> String {
    let n = needle.to_ascii_lowercase();
    text.lines()
        .filter(|l| l.to_ascii_lowercase().contains(&n))
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The output trimmed to at most `max` lines, for evidence.
pub fn head(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect();
    let mut s = lines.iter().take(max).copied().collect::<Vec<_>>().join("\n");
    if lines.len() > max {
        s.push_str(&format!("\n... ({} more lines)", lines.len() - max));
    }
    s
}
