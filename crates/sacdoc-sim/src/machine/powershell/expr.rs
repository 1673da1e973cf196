//! The expression side of the interpreter: `$var = ...` assignments, `$var` and `$env:NAME`
//! references, `'a' + (pipeline).Prop` concatenation, and native programs (`reg`, `icacls`,
//! `netstat`, `sc.exe`, ...) run through the simulated cmd.exe with their lines as output and
//! their exit code in `$LASTEXITCODE`.

use super::format::ErrorRecord;
use super::parse::{Arg, Command};
use super::value::Value;
use super::{CmdResult, Ctx};

/// Programs PowerShell finds on the PATH of a Windows Server (the simulator's cmd.exe runs them).
const NATIVE: &[&str] = &[
    "reg", "icacls", "takeown", "netsh", "netstat", "tasklist", "taskkill", "bcdedit", "whoami",
    "hostname", "ipconfig", "ping", "certutil", "gpupdate", "gpresult", "shutdown", "findstr",
    "find", "chcp", "mode", "timeout", "cmd", "sc", "net", "sort", "more", "where", "attrib",
];

/// The program name when `name` runs a native program (`sc` alone is PowerShell's Set-Content).
pub fn native_name(name: &str) -> Option<String> {
    let l = name.to_ascii_lowercase();
    let (base, exe) = match l.strip_suffix(".exe") {
        Some(b) => (b.to_string(), true),
        None => (l.clone(), false),
    };
    let shadowed = ["sc", "where", "sort"].contains(&base.as_str()) && !exe;
    (NATIVE.contains(&base.as_str()) && !shadowed).then_some(base)
}

/// Runs a native program line through cmd.exe's dispatcher.
pub fn run_native(ctx: &mut Ctx, cmd: &Command, program: &str) -> CmdResult {
    let rest = cmd.raw.get(cmd.name.len()..).unwrap_or_default();
    let line = format!("{program}{}", substitute_raw(ctx, rest));
    let mut sh = ctx.sh.clone();
    let r = ctx.cmd.run_line(ctx.st, &mut sh, &line);
    ctx.last_exit = r.exit_code;
    ctx.native_failed = r.exit_code != 0;
    let text = r.output.strip_suffix("\r\n").unwrap_or(&r.output).to_string();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    Ok(text.split("\r\n").map(Value::s).collect())
}

/// Replaces `$name` references in raw text with their values (for native command lines).
fn substitute_raw(ctx: &Ctx, raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        match lookup(ctx, name) {
            Some(v) if !name.is_empty() => out.push_str(&v.display()),
            _ => {
                out.push('$');
                out.push_str(name);
            }
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A variable's value: `$LASTEXITCODE`, `$true`, `$false`, `$null`, `$env:NAME`, or an assigned one.
pub fn lookup(ctx: &Ctx, name: &str) -> Option<Value> {
    let l = name.to_ascii_lowercase();
    match l.as_str() {
        "lastexitcode" => return Some(Value::Int(i64::from(ctx.last_exit))),
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        "null" => return Some(Value::Null),
        _ => {}
    }
    if let Some(var) = l.strip_prefix("env:") {
        return ctx
            .sh
            .env
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(var))
            .map(|(_, v)| Value::s(v.clone()));
    }
    ctx.vars.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

/// Replaces unquoted `$name` words by their values before binding parameters.
pub fn substitute_args(ctx: &Ctx, args: &[Arg]) -> Vec<Arg> {
    args.iter()
        .map(|a| match a {
            Arg::Word { text, quoted: false } if text.starts_with('$') && text.len() > 1 => {
                let (name, member) = match text[1..].split_once('.') {
                    Some((n, m)) => (n, Some(m)),
                    None => (&text[1..], None),
                };
                match lookup(ctx, name) {
                    Some(v) => {
                        let v = member.map_or(v.clone(), |m| v.prop(m));
                        Arg::Word { text: v.display(), quoted: true }
                    }
                    None => a.clone(),
                }
            }
            other => other.clone(),
        })
        .collect()
}

/// Splits an expression at top-level `+` signs.
fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut depth, mut quote) = (0i32, None::<char>);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '(') => {
                depth += 1;
                cur.push(c);
            }
            (None, ')') => {
                depth -= 1;
                cur.push(c);
            }
            (None, '+') if depth == 0 => out.push(std::mem::take(&mut cur)),
            (None, c) => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|t| t.trim().to_string()).collect()
}

/// Evaluates one expression: literals, variables, `(pipeline)[.Prop]`, `+`; anything else is run
/// as a pipeline.
pub fn eval_expr(ctx: &mut Ctx, text: &str) -> CmdResult {
    let parts = terms(text);
    let mut values = Vec::new();
    for p in &parts {
        values.push(eval_term(ctx, p, parts.len() == 1)?);
    }
    if values.len() == 1 {
        return Ok(values.pop().map_or_else(Vec::new, |v| vec![v]));
    }
    if values.iter().all(|v| matches!(v, Value::Int(_))) {
        let sum = values.iter().map(|v| if let Value::Int(i) = v { *i } else { 0 }).sum();
        return Ok(vec![Value::Int(sum)]);
    }
    Ok(vec![Value::Str(values.iter().map(Value::display).collect())])
}

fn one(v: Vec<Value>) -> Value {
    match v.len() {
        0 => Value::Null,
        1 => v.into_iter().next().unwrap_or(Value::Null),
        _ => Value::List(v),
    }
}

fn eval_term(ctx: &mut Ctx, t: &str, alone: bool) -> Result<Value, ErrorRecord> {
    if let Some(s) = t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Ok(Value::s(s.replace("''", "'")));
    }
    if let Some(s) = t.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return Ok(Value::s(substitute_raw(ctx, s)));
    }
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    if let Some(name) = t.strip_prefix('$') {
        let (n, member) = match name.split_once('.') {
            Some((n, m)) => (n, Some(m)),
            None => (name, None),
        };
        let v = lookup(ctx, n).unwrap_or(Value::Null);
        return Ok(member.map_or(v.clone(), |m| prop_of(&v, m)));
    }
    if t.starts_with('(') {
        if let Some(close) = matching_paren(t) {
            let inner = one(eval_expr(ctx, &t[1..close])?);
            return Ok(match t[close + 1..].strip_prefix('.') {
                Some(m) if !m.is_empty() => prop_of(&inner, m),
                _ => inner,
            });
        }
    }
    if alone {
        return Ok(one(super::eval(ctx, t)?));
    }
    Ok(Value::s(t))
}

/// Member access on a value or, as PowerShell does, on every item of a collection.
fn prop_of(v: &Value, m: &str) -> Value {
    match v {
        Value::List(items) => one(items.iter().map(|x| x.prop(m)).collect()),
        other => other.prop(m),
    }
}

/// The byte index of the `)` closing the `(` at index 0.
pub fn matching_paren(s: &str) -> Option<usize> {
    let mut depth = 0;
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `$name = expression`: stores the value; prints nothing.
pub fn assign(ctx: &mut Ctx, cmd: &Command) -> Option<CmdResult> {
    let name = cmd.name.strip_prefix('$')?;
    let rest = cmd.raw.get(cmd.name.len()..)?.trim_start();
    let rhs = rest.strip_prefix('=')?.trim();
    let v = match eval_expr(ctx, rhs) {
        Ok(v) => one(v),
        Err(e) => return Some(Err(e)),
    };
    ctx.vars.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    ctx.vars.push((name.to_string(), v));
    Some(Ok(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_split_at_top_level_plus_only() {
        assert_eq!(terms("'a+b' + (x + y).P + $v"), vec!["'a+b'", "(x + y).P", "$v"]);
        assert_eq!(matching_paren("((a)')')b"), Some(7));
        assert_eq!(native_name("icacls.exe").as_deref(), Some("icacls"));
        assert_eq!(native_name("sc"), None);
        assert_eq!(native_name("sc.exe").as_deref(), Some("sc"));
    }
}
