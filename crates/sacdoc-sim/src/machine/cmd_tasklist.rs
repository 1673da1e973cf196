//! `tasklist` (`/svc`, `/fi`, `/fo table|list|csv`, `/nh`) and `taskkill`.
//!
//! Table layout: header `Image Name                     PID Session Name        Session#    Mem Usage`
//! over a ruler of 25/8/16/11/12 `=` (command-outputs.md section 5, and the `tasklist /svc`
//! listing quoted by windowsitpro.com "JSI Tip 4660": service lists wrap at 44 columns onto lines
//! indented 35, the trailing comma staying on the line).

use super::cmd_builtin::thousands;
use super::command::{Ctx, Out};
use super::net::Process;

const NO_TASKS: &str = "INFO: No tasks are running which match the specified criteria.\r\n";

#[derive(Clone, Copy, PartialEq)]
enum Fmt {
    Table,
    List,
    Csv,
}

struct Filter {
    field: String,
    op: String,
    value: String,
}

fn parse_filter(f: &str) -> Option<Filter> {
    let parts: Vec<&str> = f.split_whitespace().collect();
    if parts.len() < 3 {
        return None;
    }
    let field = parts[0].to_ascii_uppercase();
    let op = parts[1].to_ascii_lowercase();
    if !["eq", "ne", "gt", "lt", "ge", "le"].contains(&op.as_str()) {
        return None;
    }
    if !["PID", "IMAGENAME", "SERVICES", "SESSIONNAME", "SESSION", "STATUS", "MEMUSAGE", "USERNAME"]
        .contains(&field.as_str())
    {
        return None;
    }
    Some(Filter { field, op, value: parts[2..].join(" ") })
}

fn wildcard_eq(pattern: &str, text: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let t = text.to_ascii_lowercase();
    match p.strip_suffix('*') {
        Some(prefix) => t.starts_with(prefix),
        None => p == t,
    }
}

fn matches(f: &Filter, p: &Process, services: &[String]) -> bool {
    let num = |v: u64| -> bool {
        let Ok(x) = f.value.parse::<u64>() else { return false };
        match f.op.as_str() {
            "eq" => v == x,
            "ne" => v != x,
            "gt" => v > x,
            "lt" => v < x,
            "ge" => v >= x,
            _ => v <= x,
        }
    };
    let text = |v: &str| -> bool {
        let eq = wildcard_eq(&f.value, v);
        if f.op == "ne" {
            !eq
        } else {
            eq
        }
    };
    match f.field.as_str() {
        "PID" => num(u64::from(p.pid)),
        "SESSION" => num(u64::from(p.session)),
        "MEMUSAGE" => num(p.mem_kb),
        "IMAGENAME" => text(&p.image),
        "SESSIONNAME" => text(&p.session_name),
        "STATUS" => text("Running") || f.value.eq_ignore_ascii_case("unknown") && f.op == "ne",
        "USERNAME" => true,
        _ => {
            let any = services.iter().any(|s| wildcard_eq(&f.value, s));
            if f.op == "ne" {
                !any
            } else {
                any
            }
        }
    }
}

/// Wraps `a, b, c` into lines of at most `width`, keeping each comma with its name.
fn wrap_services(services: &[String], width: usize) -> Vec<String> {
    if services.is_empty() {
        return vec!["N/A".into()];
    }
    let mut lines = Vec::new();
    let mut cur = String::new();
    for (i, s) in services.iter().enumerate() {
        let item = if i + 1 < services.len() { format!("{s},") } else { s.clone() };
        if !cur.is_empty() && cur.len() + 1 + item.len() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&item);
    }
    lines.push(cur);
    lines
}

fn csv(fields: &[String]) -> String {
    fields.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect::<Vec<_>>().join(",")
}

pub fn tasklist(ctx: &mut Ctx, args: &[String]) -> Out {
    let mut svc = false;
    let mut no_header = false;
    let mut fmt = Fmt::Table;
    let mut filters = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].to_ascii_lowercase().as_str() {
            "/svc" => svc = true,
            "/nh" => no_header = true,
            "/v" | "/m" => {}
            "/fo" => {
                i += 1;
                fmt = match args.get(i).map(|s| s.to_ascii_lowercase()).as_deref() {
                    Some("table") => Fmt::Table,
                    Some("list") => Fmt::List,
                    Some("csv") => Fmt::Csv,
                    _ => return Out::stderr("ERROR: Invalid argument/option - '/FO'.\r\nType \"TASKLIST /?\" for usage.\r\n", 1),
                };
            }
            "/fi" => {
                i += 1;
                match args.get(i).and_then(|f| parse_filter(f)) {
                    Some(f) => filters.push(f),
                    None => return Out::stderr("ERROR: The search filter cannot be recognized.\r\n", 1),
                }
            }
            other => {
                return Out::stderr(
                    format!("ERROR: Invalid argument/option - '{other}'.\r\nType \"TASKLIST /?\" for usage.\r\n"),
                    1,
                )
            }
        }
        i += 1;
    }
    if no_header && fmt == Fmt::List {
        return Out::stderr("ERROR: /NH switch cannot be used with LIST format.\r\n", 1);
    }
    let st = &ctx.st;
    let rows: Vec<(&Process, Vec<String>)> = st
        .processes
        .iter()
        .map(|p| (p, st.services_of(p.pid)))
        .filter(|(p, s)| filters.iter().all(|f| matches(f, p, s)))
        .collect();
    if rows.is_empty() {
        return Out::stdout(NO_TASKS, 0);
    }
    let mut out = String::new();
    match fmt {
        Fmt::Table => {
            if !no_header {
                out.push_str("\r\n");
                if svc {
                    out.push_str("Image Name                     PID Services\r\n");
                    out.push_str(&format!(
                        "{} {} {}\r\n",
                        "=".repeat(25),
                        "=".repeat(8),
                        "=".repeat(44)
                    ));
                } else {
                    out.push_str("Image Name                     PID Session Name        Session#    Mem Usage\r\n");
                    out.push_str(&format!(
                        "{} {} {} {} {}\r\n",
                        "=".repeat(25),
                        "=".repeat(8),
                        "=".repeat(16),
                        "=".repeat(11),
                        "=".repeat(12)
                    ));
                }
            }
            for (p, services) in &rows {
                let image: String = p.image.chars().take(25).collect();
                if svc {
                    for (n, l) in wrap_services(services, 44).iter().enumerate() {
                        if n == 0 {
                            out.push_str(&format!("{image:<25} {:>8} {l:<44}\r\n", p.pid));
                        } else {
                            out.push_str(&format!("{}{l:<44}\r\n", " ".repeat(35)));
                        }
                    }
                } else {
                    let mem = format!("{} K", thousands(p.mem_kb));
                    out.push_str(&format!(
                        "{image:<25} {:>8} {:<16} {:>11} {mem:>12}\r\n",
                        p.pid, p.session_name, p.session
                    ));
                }
            }
        }
        Fmt::Csv => {
            if !no_header {
                out.push_str(if svc {
                    "\"Image Name\",\"PID\",\"Services\"\r\n"
                } else {
                    "\"Image Name\",\"PID\",\"Session Name\",\"Session#\",\"Mem Usage\"\r\n"
                });
            }
            for (p, services) in &rows {
                let fields = if svc {
                    let s =
                        if services.is_empty() { "N/A".to_string() } else { services.join(",") };
                    vec![p.image.clone(), p.pid.to_string(), s]
                } else {
                    vec![
                        p.image.clone(),
                        p.pid.to_string(),
                        p.session_name.clone(),
                        p.session.to_string(),
                        format!("{} K", thousands(p.mem_kb)),
                    ]
                };
                out.push_str(&csv(&fields));
                out.push_str("\r\n");
            }
        }
        Fmt::List => {
            for (p, services) in &rows {
                out.push_str("\r\n");
                if svc {
                    out.push_str(&format!("Image Name: {}\r\nPID:        {}\r\n", p.image, p.pid));
                    let list = if services.is_empty() {
                        vec!["N/A".to_string()]
                    } else {
                        services.clone()
                    };
                    for (n, s) in list.iter().enumerate() {
                        let label = if n == 0 { "Services:" } else { "" };
                        out.push_str(&format!("{label:<12}{s}\r\n"));
                    }
                } else {
                    out.push_str(&format!(
                        "Image Name:   {}\r\nPID:          {}\r\nSession Name: {}\r\nSession#:     {}\r\nMem Usage:    {} K\r\n",
                        p.image,
                        p.pid,
                        p.session_name,
                        p.session,
                        thousands(p.mem_kb)
                    ));
                }
            }
        }
    }
    let mut o = Out::stdout(out, 0);
    o.delay_ms = if svc { 800 } else { 300 };
    o
}

/// Processes that cannot be ended (critical system processes).
fn critical(p: &Process) -> bool {
    p.pid <= 4
        || ["csrss.exe", "wininit.exe", "services.exe", "lsass.exe", "smss.exe", "Registry"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&p.image))
}

pub fn taskkill(ctx: &mut Ctx, args: &[String]) -> Out {
    let force = args.iter().any(|a| a.eq_ignore_ascii_case("/f"));
    let mut targets: Vec<(u32, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].to_ascii_lowercase().as_str() {
            "/pid" => {
                let v = args.get(i + 1).cloned().unwrap_or_default();
                match v.parse::<u32>() {
                    Ok(pid) => targets.push((pid, None)),
                    Err(_) => {
                        return Out::stderr(
                            format!("ERROR: The process \"{v}\" not found.\r\n"),
                            128,
                        )
                    }
                }
                i += 1;
            }
            "/im" => {
                let v = args.get(i + 1).cloned().unwrap_or_default();
                let found: Vec<u32> = ctx
                    .st
                    .processes
                    .iter()
                    .filter(|p| wildcard_eq(&v, &p.image))
                    .map(|p| p.pid)
                    .collect();
                if found.is_empty() {
                    return Out::stderr(format!("ERROR: The process \"{v}\" not found.\r\n"), 128);
                }
                targets.extend(found.into_iter().map(|p| (p, Some(v.clone()))));
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if targets.is_empty() {
        return Out::stderr("ERROR: Invalid syntax. Neither /FI nor /PID nor /IM were specified.\r\nType \"TASKKILL /?\" for usage.\r\n", 1);
    }
    let mut o = Out::new();
    for (pid, im) in targets {
        let Some(p) = ctx.st.process(pid).cloned() else {
            o.err(format!("ERROR: The process \"{pid}\" not found.\r\n"));
            o.code = 128;
            continue;
        };
        if critical(&p) {
            o.err(format!("ERROR: The process with PID {pid} could not be terminated.\r\nReason: Access is denied.\r\n"));
            o.code = 1;
            continue;
        }
        if !force && p.session == 0 {
            o.err(format!(
                "ERROR: The process with PID {pid} could not be terminated.\r\nReason: This process can only be terminated forcefully (with /F option).\r\n"
            ));
            o.code = 1;
            continue;
        }
        ctx.st.kill(pid);
        match im {
            Some(_) => o.out(format!(
                "SUCCESS: The process \"{}\" with PID {pid} has been terminated.\r\n",
                p.image
            )),
            None => o.out(format!("SUCCESS: The process with PID {pid} has been terminated.\r\n")),
        }
    }
    o
}
