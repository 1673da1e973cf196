//! `netsh advfirewall firewall show|set|add|delete rule ...`.
//!
//! Layout of `show rule`, following the captures quoted in command-outputs.md §8 and public test
//! fixtures of real output (e.g. the `Core Networking - DNS (UDP-Out)` verbose block): a blank
//! line, `Rule Name:` padded to column 38, a 70-dash ruler, `Key:` lines padded to column 38, a
//! blank line before each further rule, then `Ok.`; no match prints
//! `No rules match the specified criteria.`

use super::{Firewall, Rule};
use crate::machine::state::WinState;
use crate::machine::{Effect, ExecResult, ShellState};

fn result(output: String, exit_code: i32) -> ExecResult {
    ExecResult { output, exit_code, effect: Effect::None, paged: false, delay_ms: 0 }
}

const NO_MATCH: &str = "\r\nNo rules match the specified criteria.\r\n\r\n";

fn kv(key: &str, value: &str) -> String {
    let label = format!("{key}:");
    if value.is_empty() {
        format!("{label}\r\n")
    } else {
        format!("{label:<38}{value}\r\n")
    }
}

/// One rule block as `show rule` prints it.
pub fn show_block(r: &Rule, verbose: bool) -> String {
    let yes = |b: bool| if b { "Yes" } else { "No" };
    let mut s = kv("Rule Name", &r.display_name);
    s.push_str(&"-".repeat(70));
    s.push_str("\r\n");
    if verbose && !r.description.is_empty() {
        s.push_str(&kv("Description", &r.description));
    }
    s.push_str(&kv("Enabled", yes(r.enabled)));
    s.push_str(&kv("Direction", if r.inbound { "In" } else { "Out" }));
    s.push_str(&kv("Profiles", &r.profiles));
    s.push_str(&kv("Grouping", &r.group));
    s.push_str(&kv("LocalIP", &r.local_ip));
    s.push_str(&kv("RemoteIP", &r.remote_ip));
    s.push_str(&kv("Protocol", &r.protocol));
    if r.protocol.eq_ignore_ascii_case("TCP") || r.protocol.eq_ignore_ascii_case("UDP") {
        s.push_str(&kv("LocalPort", &r.local_port));
        s.push_str(&kv("RemotePort", &r.remote_port));
    }
    s.push_str(&kv("Edge traversal", "No"));
    if verbose {
        s.push_str(&kv("Program", if r.program.is_empty() { "Any" } else { &r.program }));
        s.push_str(&kv("Service", if r.service.is_empty() { "Any" } else { &r.service }));
        s.push_str(&kv("InterfaceTypes", "Any"));
        s.push_str(&kv("Security", "NotRequired"));
        s.push_str(&kv("Rule source", "Local Setting"));
    }
    s.push_str(&kv("Action", if r.allow { "Allow" } else { "Block" }));
    s
}

/// `key=value` pairs after the verb; values lose their quotes, keys are lower-cased.
fn pairs(args: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            if a.eq_ignore_ascii_case("verbose") || a.eq_ignore_ascii_case("new") {
                out.push((a.to_ascii_lowercase(), String::new()));
                continue;
            }
            return Err(a.clone());
        };
        out.push((k.trim().to_ascii_lowercase(), v.trim().trim_matches('"').to_string()));
    }
    Ok(out)
}

fn matches(r: &Rule, filters: &[(String, String)]) -> bool {
    filters.iter().all(|(k, v)| match k.as_str() {
        "name" => v.eq_ignore_ascii_case("all") || r.display_name.eq_ignore_ascii_case(v),
        "dir" => v.eq_ignore_ascii_case(if r.inbound { "in" } else { "out" }),
        "protocol" => r.protocol.eq_ignore_ascii_case(v),
        "localport" => r.local_port.eq_ignore_ascii_case(v),
        "group" => r.group.eq_ignore_ascii_case(v),
        "profile" => {
            v.eq_ignore_ascii_case("any")
                || r.profiles.to_ascii_lowercase().contains(&v.to_ascii_lowercase())
        }
        _ => true,
    })
}

/// Runs `netsh` with the words after the command name.
pub fn netsh(st: &mut WinState, _sh: &ShellState, args: &[String]) -> ExecResult {
    let words: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    if w.len() < 4 || w[0] != "advfirewall" || w[1] != "firewall" || w[3] != "rule" {
        let shown = args.join(" ");
        return result(format!("The following command was not found: {shown}.\r\n"), 1);
    }
    let ps = match pairs(&args[4..]) {
        Ok(p) => p,
        Err(bad) => return result(format!("\r\nA specified value is not valid: {bad}\r\n\r\n"), 1),
    };
    let (filters, changes): (Vec<_>, Vec<_>) = match ps.iter().position(|(k, _)| k == "new") {
        Some(i) => (ps[..i].to_vec(), ps[i + 1..].to_vec()),
        None => (ps.clone(), Vec::new()),
    };
    let verbose = filters.iter().any(|(k, _)| k == "verbose");
    let filters: Vec<(String, String)> =
        filters.into_iter().filter(|(k, _)| k != "verbose").collect();
    if !filters.iter().any(|(k, _)| k == "name") && w[2] != "add" {
        return result("\r\nA specified value is not valid: name is required.\r\n\r\n".into(), 1);
    }
    let fw = &mut st.firewall;
    match w[2] {
        "show" => show(fw, &filters, verbose),
        "set" => set(fw, &filters, &changes),
        "add" => add(fw, &filters),
        "delete" => {
            let before = fw.rules.len();
            fw.rules.retain(|r| !matches(r, &filters));
            let n = before - fw.rules.len();
            if n == 0 {
                return result(NO_MATCH.into(), 1);
            }
            result(format!("\r\nDeleted {n} rule(s).\r\nOk.\r\n\r\n"), 0)
        }
        other => result(
            format!("The following command was not found: advfirewall firewall {other}.\r\n"),
            1,
        ),
    }
}

fn show(fw: &Firewall, filters: &[(String, String)], verbose: bool) -> ExecResult {
    let hits: Vec<&Rule> = fw.rules.iter().filter(|r| matches(r, filters)).collect();
    if hits.is_empty() {
        return result(NO_MATCH.into(), 1);
    }
    let mut out = String::new();
    for r in hits {
        out.push_str("\r\n");
        out.push_str(&show_block(r, verbose));
    }
    out.push_str("Ok.\r\n\r\n");
    result(out, 0)
}

fn set(
    fw: &mut Firewall,
    filters: &[(String, String)],
    changes: &[(String, String)],
) -> ExecResult {
    if changes.is_empty() {
        return result("\r\nA specified value is not valid: new\r\n\r\n".into(), 1);
    }
    let mut n = 0;
    for r in fw.rules.iter_mut().filter(|r| matches(r, filters)) {
        for (k, v) in changes {
            match k.as_str() {
                "localport" => r.local_port = v.clone(),
                "remoteport" => r.remote_port = v.clone(),
                "enable" => r.enabled = v.eq_ignore_ascii_case("yes"),
                "action" => r.allow = v.eq_ignore_ascii_case("allow"),
                "protocol" => r.protocol = v.to_ascii_uppercase(),
                "remoteip" => r.remote_ip = v.clone(),
                "name" => r.display_name = v.clone(),
                _ => {}
            }
        }
        n += 1;
    }
    if n == 0 {
        return result(NO_MATCH.into(), 1);
    }
    result(format!("\r\nUpdated {n} rule(s).\r\nOk.\r\n\r\n"), 0)
}

fn add(fw: &mut Firewall, fields: &[(String, String)]) -> ExecResult {
    let get = |k: &str| fields.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone());
    let (Some(name), Some(dir), Some(action)) = (get("name"), get("dir"), get("action")) else {
        return result(
            "\r\nA specified value is not valid: name, dir and action are required.\r\n\r\n".into(),
            1,
        );
    };
    let protocol = get("protocol").map_or("Any".to_string(), |p| p.to_ascii_uppercase());
    let port = get("localport").unwrap_or_else(|| "Any".into());
    fw.rules.push(Rule {
        name: format!("{{{:08x}-sacdoc}}", fw.rules.len()),
        display_name: name,
        description: get("description").unwrap_or_default(),
        group: String::new(),
        group_ref: String::new(),
        enabled: get("enable").is_none_or(|e| e.eq_ignore_ascii_case("yes")),
        inbound: dir.eq_ignore_ascii_case("in"),
        profiles: "Domain,Private,Public".into(),
        local_ip: "Any".into(),
        remote_ip: get("remoteip").unwrap_or_else(|| "Any".into()),
        protocol,
        local_port: port,
        remote_port: "Any".into(),
        program: get("program").unwrap_or_else(|| "Any".into()),
        service: String::new(),
        allow: action.eq_ignore_ascii_case("allow"),
    });
    result("Ok.\r\n\r\n".into(), 0)
}
