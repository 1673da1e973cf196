//! Cmdlet dispatch, and the cmdlets for services, the registry, and the pipeline utilities
//! (Select-Object, Where-Object, Format-*, ConvertTo-*, Out-File, Get-Content, Get-Date).

use super::format::{self, ErrorRecord};
use super::parse::Command;
use super::value::{Obj, Value, View};
use super::{arg_text, certfw, expr, Bound, CmdResult, Ctx};
use crate::machine::registry;
use crate::machine::state::{RegValue, ScError, Service, SvcState};
use crate::machine::Effect;

const SWITCHES: &[&str] = &["force", "notypeinformation", "append", "passthru", "recurse"];

/// Canonical cmdlet name for a typed name or alias.
fn canonical(name: &str) -> String {
    let l = name.to_ascii_lowercase();
    let c = match l.as_str() {
        "gci" | "dir" | "ls" => "get-childitem",
        "gsv" => "get-service",
        "sasv" => "start-service",
        "spsv" => "stop-service",
        "gp" => "get-itemproperty",
        "sp" => "set-itemproperty",
        "ri" | "del" | "rm" | "erase" | "rd" | "rmdir" => "remove-item",
        "select" => "select-object",
        "where" | "?" => "where-object",
        "fl" => "format-list",
        "ft" => "format-table",
        "gc" | "cat" | "type" => "get-content",
        "echo" | "write" => "write-output",
        "sl" | "cd" | "chdir" => "set-location",
        "sc" => "set-content",
        "ni" => "new-item",
        other => other,
    };
    c.to_string()
}

fn err(command: &str, message: String, category: String, fqid: &str) -> ErrorRecord {
    ErrorRecord { command: command.to_string(), message, category, fqid: fqid.to_string() }
}

/// Runs one command of a pipeline with its input objects.
pub fn dispatch(ctx: &mut Ctx, cmd: &Command, input: Vec<Value>, first: bool) -> CmdResult {
    if first && cmd.name.starts_with('$') {
        if let Some(r) = expr::assign(ctx, cmd) {
            return r;
        }
    }
    if first && cmd.raw.starts_with(['(', '$', '\'', '"']) {
        return expr::eval_expr(ctx, &cmd.raw);
    }
    let args = expr::substitute_args(ctx, &cmd.args);
    let b = Bound::new(&args, SWITCHES);
    let name = canonical(&cmd.name);
    match name.as_str() {
        "get-service" => get_service(ctx, &b),
        "stop-service" | "start-service" | "restart-service" => service_action(ctx, &b, &name, &cmd.name, input),
        "get-itemproperty" => get_item_property(ctx, &b),
        "set-itemproperty" => set_item_property(ctx, &b),
        "get-childitem" | "remove-item" | "export-certificate" => certfw::items(ctx, &b, &name, &cmd.name, input),
        "get-netfirewallrule" | "set-netfirewallrule" | "get-netfirewallportfilter" | "enable-netfirewallrule"
        | "disable-netfirewallrule" => certfw::firewall(ctx, &b, &name, &cmd.name, input),
        "select-object" => select(&b, input),
        "where-object" => where_object(&b, input),
        "format-list" | "format-table" => {
            let props = b.list("property", Some(0));
            let objs: Vec<Obj> = input.iter().filter_map(|v| if let Value::Obj(o) = v { Some(o.clone()) } else { None }).collect();
            let refs: Vec<&Obj> = objs.iter().collect();
            if refs.is_empty() {
                return Ok(input);
            }
            let cols = usize::from(ctx.sh.cols.max(20));
            let text = if name == "format-list" {
                format::list(&refs, (!props.is_empty()).then_some(props.as_slice()), cols)
            } else if props.is_empty() {
                format::default_view(&refs, cols)
            } else {
                format::table(&refs, &props, cols)
            };
            Ok(vec![strip_one(Value::Str(text))])
        }
        "convertto-json" => Ok(vec![Value::Str(format::to_json(&input))]),
        "convertto-csv" => Ok(format::to_csv(&input, !b.has("notypeinformation")).into_iter().map(Value::Str).collect()),
        "out-file" => out_file(ctx, &b, &input),
        "out-string" => Ok(vec![Value::Str(format::out_default(&input, usize::from(ctx.sh.cols)))]),
        "get-content" => get_content(ctx, &b),
        "get-date" => Ok(vec![Value::Str(format!("\r\n{}\r\n\r\n\r\n", long_date(ctx.st.now())))].into_iter().map(strip_one).collect()),
        "write-output" => Ok(b.pos.iter().map(|a| Value::Str(arg_text(a))).collect()),
        "restart-computer" => {
            ctx.effect = Effect::Reboot { delay_ms: 5_000 };
            Ok(Vec::new())
        }
        "clear-host" | "cls" | "clear" => {
            ctx.effect = Effect::ClearScreen;
            Ok(Vec::new())
        }
        "set-location" => super::session::set_location(ctx, &b),
        "remove-module" | "import-module" | "out-null" => Ok(Vec::new()),
        "set-content" | "add-content" => set_content(ctx, &b, name == "add-content"),
        "new-item" | "mkdir" | "md" => certfw::new_item(ctx, &b, name != "new-item"),
        _ if expr::native_name(&cmd.name).is_some() => {
            let program = expr::native_name(&cmd.name).unwrap_or_default();
            expr::run_native(ctx, cmd, &program)
        }
        _ => Err(err(
            &cmd.name,
            format!("The term '{}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.", cmd.name),
            format!("ObjectNotFound: ({}:String) [], CommandNotFoundException", cmd.name),
            "CommandNotFoundException",
        )),
    }
}

fn strip_one(v: Value) -> Value {
    match v {
        Value::Str(s) => Value::Str(s.strip_suffix("\r\n").map(str::to_string).unwrap_or(s)),
        o => o,
    }
}

/// `Wednesday, January 14, 2026 8:00:45 AM`, as Get-Date prints itself.
fn long_date(unix: i64) -> String {
    crate::machine::clock::civil(unix).us_long()
}

fn service_obj(s: &Service, all: &[Service]) -> Value {
    let deps: Vec<Value> = all
        .iter()
        .filter(|o| o.depends_on.iter().any(|d| d.eq_ignore_ascii_case(&s.name)))
        .map(|o| Value::s(o.name.clone()))
        .collect();
    let on: Vec<Value> = s.depends_on.iter().map(|d| Value::s(d.clone())).collect();
    let status = match s.state {
        SvcState::Running => ("Running", 4),
        _ => ("Stopped", 1),
    };
    let mut o = Obj::new("System.ServiceProcess.ServiceController", View::Service)
        .with("Name", Value::s(s.name.clone()))
        .with("DisplayName", Value::s(s.display_name.clone()))
        .with("Status", Value::Enum(status.0.into(), status.1))
        .with("DependentServices", Value::List(deps))
        .with("ServicesDependedOn", Value::List(on))
        .with("CanPauseAndContinue", Value::Bool(false))
        .with("CanShutdown", Value::Bool(false))
        .with("CanStop", Value::Bool(s.state == SvcState::Running && s.stoppable))
        .with(
            "ServiceType",
            Value::Enum(
                if s.service_type == 0x10 {
                    "Win32OwnProcess".into()
                } else {
                    "Win32ShareProcess".into()
                },
                i64::from(s.service_type),
            ),
        )
        .with("StartType", Value::Enum(s.start.ps_name().into(), i64::from(s.start.code())));
    o.list_props = Some(vec![
        "Name",
        "DisplayName",
        "Status",
        "DependentServices",
        "ServicesDependedOn",
        "CanPauseAndContinue",
        "CanShutdown",
        "CanStop",
        "ServiceType",
    ]);
    Value::Obj(o)
}

fn wildcard(pattern: &str, text: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let t = text.to_ascii_lowercase();
    if !p.contains('*') {
        return p == t;
    }
    let parts: Vec<&str> = p.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        match t[pos..].find(part) {
            Some(at) if i > 0 || at == 0 => pos += at + part.len(),
            _ => return false,
        }
    }
    parts.last().is_some_and(|l| l.is_empty()) || pos == t.len()
}

fn no_service(cmdlet: &str, class: &str, name: &str) -> ErrorRecord {
    err(
        cmdlet,
        format!("Cannot find any service with service name '{name}'."),
        format!("ObjectNotFound: ({name}:String) [{cmdlet}], ServiceCommandException"),
        &format!("NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.{class}"),
    )
}

fn get_service(ctx: &mut Ctx, b: &Bound) -> CmdResult {
    let all = ctx.st.services.list.clone();
    let names = b.list("name", Some(0));
    if names.is_empty() {
        let mut v: Vec<&Service> = all.iter().collect();
        v.sort_by_key(|s| s.name.to_ascii_lowercase());
        return Ok(v.into_iter().map(|s| service_obj(s, &all)).collect());
    }
    let mut out = Vec::new();
    for n in names {
        let hits: Vec<&Service> = all.iter().filter(|s| wildcard(&n, &s.name)).collect();
        if hits.is_empty() && !n.contains('*') {
            ctx.errors.push(no_service("Get-Service", "GetServiceCommand", &n));
        }
        out.extend(hits.into_iter().map(|s| service_obj(s, &all)));
    }
    Ok(out)
}

fn service_action(
    ctx: &mut Ctx,
    b: &Bound,
    name: &str,
    typed: &str,
    input: Vec<Value>,
) -> CmdResult {
    let cmdlet = match name {
        "stop-service" => "Stop-Service",
        "start-service" => "Start-Service",
        _ => "Restart-Service",
    };
    let class = format!("{}Command", cmdlet.replace('-', ""));
    let _ = typed;
    let mut names = b.list("name", Some(0));
    if names.is_empty() {
        names = input.iter().map(|v| v.prop("Name").display()).filter(|n| !n.is_empty()).collect();
    }
    let force = b.has("force");
    for n in names {
        let Some(svc) =
            ctx.st.services.list.iter().find(|s| s.name.eq_ignore_ascii_case(&n)).cloned()
        else {
            ctx.errors.push(no_service(cmdlet, &class, &n));
            continue;
        };
        let label = format!("{} ({})", svc.display_name, svc.name);
        if name != "start-service" && svc.state == SvcState::Running {
            match ctx.st.stop_service(&svc.name, force) {
                Ok(_) | Err(ScError::NotActive) => {}
                Err(ScError::DependentsRunning) => {
                    ctx.errors.push(err(
                        cmdlet,
                        format!("Cannot stop service '{label}' because it has dependent services. It can only be stopped if the Force flag is set."),
                        format!("InvalidOperation: (System.ServiceProcess.ServiceController:ServiceController) [{cmdlet}], ServiceCommandException"),
                        &format!("ServiceHasDependentServices,Microsoft.PowerShell.Commands.{class}"),
                    ));
                    continue;
                }
                Err(_) => {
                    ctx.errors.push(err(
                        cmdlet,
                        format!("Service '{label}' cannot be stopped due to the following error: Cannot stop {} service on computer '.'.", svc.name),
                        format!("CloseError: (System.ServiceProcess.ServiceController:ServiceController) [{cmdlet}], ServiceCommandException"),
                        &format!("CouldNotStopService,Microsoft.PowerShell.Commands.{class}"),
                    ));
                    continue;
                }
            }
        }
        if name != "stop-service" {
            match ctx.st.start_service(&svc.name) {
                Ok(()) | Err(ScError::AlreadyRunning) => {}
                Err(_) => ctx.errors.push(err(
                    cmdlet,
                    format!("Service '{label}' cannot be started due to the following error: Cannot start service {} on computer '.'.", svc.name),
                    format!("OpenError: (System.ServiceProcess.ServiceController:ServiceController) [{cmdlet}], ServiceCommandException"),
                    &format!("CouldNotStartService,Microsoft.PowerShell.Commands.{class}"),
                )),
            }
        }
    }
    Ok(Vec::new())
}

fn reg_value(v: &RegValue) -> Value {
    match v {
        RegValue::Dword(d) => Value::Int(i64::from(*d)),
        RegValue::Qword(q) => Value::Int(*q as i64),
        RegValue::Sz(s) | RegValue::ExpandSz(s) => Value::s(s.clone()),
        RegValue::MultiSz(items) => {
            Value::List(items.iter().map(|s| Value::s(s.clone())).collect())
        }
        RegValue::Binary(b) | RegValue::None(b) => {
            Value::List(b.iter().map(|x| Value::Int(i64::from(*x))).collect())
        }
    }
}

fn path_not_found(cmdlet: &str, class: &str, p: &str) -> ErrorRecord {
    err(
        cmdlet,
        format!("Cannot find path '{p}' because it does not exist."),
        format!("ObjectNotFound: ({p}:String) [{cmdlet}], ItemNotFoundException"),
        &format!("PathNotFound,Microsoft.PowerShell.Commands.{class}"),
    )
}

fn get_item_property(ctx: &mut Ctx, b: &Bound) -> CmdResult {
    let p = b.get_or_pos("path", 0).unwrap_or_default();
    let Some(long) = registry::expand_root(&p).filter(|_| ctx.st.registry.key_exists(&p)) else {
        return Err(path_not_found("Get-ItemProperty", "GetItemPropertyCommand", &p));
    };
    let names = b.list("name", Some(1));
    let values = ctx.st.registry.values(&p);
    let mut o = Obj::new("System.Management.Automation.PSCustomObject", View::Auto);
    if names.is_empty() || names.iter().any(|n| n == "*") {
        for (n, v) in &values {
            o = o.with(if n.is_empty() { "(default)" } else { n }, reg_value(v));
        }
    } else {
        for n in &names {
            match values.iter().find(|(vn, _)| vn.eq_ignore_ascii_case(n)) {
                Some((vn, v)) => o = o.with(vn, reg_value(v)),
                None => {
                    return Err(err(
                        "Get-ItemProperty",
                        format!("Property {n} does not exist at path {long}."),
                        format!("InvalidArgument: ({n}:String) [Get-ItemProperty], PSArgumentException"),
                        "System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand",
                    ))
                }
            }
        }
    }
    let (parent, child) = long.rsplit_once('\\').unwrap_or((long.as_str(), ""));
    let drive = long.split('\\').next().map_or("HKLM", |r| {
        if r == "HKEY_CURRENT_USER" {
            "HKCU"
        } else {
            "HKLM"
        }
    });
    o = o
        .with("PSPath", Value::s(format!("Microsoft.PowerShell.Core\\Registry::{long}")))
        .with("PSParentPath", Value::s(format!("Microsoft.PowerShell.Core\\Registry::{parent}")))
        .with("PSChildName", Value::s(child))
        .with("PSDrive", Value::s(drive))
        .with("PSProvider", Value::s("Microsoft.PowerShell.Core\\Registry"));
    Ok(vec![Value::Obj(o)])
}

fn set_item_property(ctx: &mut Ctx, b: &Bound) -> CmdResult {
    let p = b.get_or_pos("path", 0).unwrap_or_default();
    if registry::expand_root(&p).is_none() || !ctx.st.registry.key_exists(&p) {
        return Err(path_not_found("Set-ItemProperty", "SetItemPropertyCommand", &p));
    }
    let (Some(name), Some(val)) = (b.get_or_pos("name", 1), b.get_or_pos("value", 2)) else {
        return Err(err(
            "Set-ItemProperty",
            "Cannot process command because of one or more missing mandatory parameters: Name Value.".into(),
            "InvalidArgument: (:) [Set-ItemProperty], ParameterBindingException".into(),
            "MissingMandatoryParameter,Microsoft.PowerShell.Commands.SetItemPropertyCommand",
        ));
    };
    let num = parse_int(&val);
    let new = match (ctx.st.registry.get(&p, &name), num) {
        (Some(RegValue::Dword(_)), Some(n)) => RegValue::Dword(n as u32),
        (Some(RegValue::Qword(_)), Some(n)) => RegValue::Qword(n as u64),
        (Some(RegValue::Dword(_) | RegValue::Qword(_)), None) => {
            return Err(err(
                "Set-ItemProperty",
                "The parameter is incorrect.".into(),
                "NotSpecified: (:) [Set-ItemProperty], IOException".into(),
                "System.IO.IOException,Microsoft.PowerShell.Commands.SetItemPropertyCommand",
            ))
        }
        (Some(RegValue::ExpandSz(_)), _) => RegValue::ExpandSz(val.clone()),
        (None, Some(n)) if u32::try_from(n).is_ok() => RegValue::Dword(n as u32),
        _ => RegValue::Sz(val.clone()),
    };
    ctx.st.registry.set(&p, &name, new);
    Ok(Vec::new())
}

fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => i64::from_str_radix(h, 16).ok(),
        None => t.parse().ok(),
    }
}

fn select(b: &Bound, input: Vec<Value>) -> CmdResult {
    let skip = b.get("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut v: Vec<Value> = input.into_iter().skip(skip).collect();
    if let Some(n) = b.get("first").and_then(|s| s.parse().ok()) {
        v.truncate(n);
    }
    if let Some(l) = b.get("last").and_then(|s| s.parse::<usize>().ok()) {
        let drop = v.len().saturating_sub(l);
        v.drain(..drop);
    }
    if let Some(p) = b.get("expandproperty") {
        return Ok(v.iter().map(|x| x.prop(&p)).collect());
    }
    let props = b.list("property", Some(0));
    if props.is_empty() || props.iter().any(|p| p == "*") {
        return Ok(v);
    }
    Ok(v.iter()
        .map(|x| {
            let mut o = Obj::new("Selected.Object", View::Auto);
            for p in &props {
                let name = match x {
                    Value::Obj(src) => src
                        .props
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(p))
                        .map_or(p.clone(), |(n, _)| n.clone()),
                    _ => p.clone(),
                };
                o = o.with(&name, x.prop(p));
            }
            Value::Obj(o)
        })
        .collect())
}

/// `Where-Object {$_.Prop -op value}` or `Where-Object Prop -op value`.
fn where_object(b: &Bound, input: Vec<Value>) -> CmdResult {
    let (prop, op, rhs) = match b.pos.first() {
        Some(super::parse::Arg::Block(body)) => {
            let t = body.trim();
            let rest = t.strip_prefix("$_.").or_else(|| t.strip_prefix("$PSItem.")).unwrap_or(t);
            let mut parts = rest.splitn(3, char::is_whitespace);
            let prop = parts.next().unwrap_or_default().to_string();
            let op = parts.next().unwrap_or_default().trim_start_matches('-').to_ascii_lowercase();
            let rhs = parts.next().unwrap_or_default().trim().trim_matches(['\'', '"']).to_string();
            (prop, op, rhs)
        }
        Some(a) => {
            let prop = arg_text(a);
            let ops = ["eq", "ne", "like", "notlike", "match", "gt", "lt", "ge", "le"];
            let op = ops
                .iter()
                .find(|o| b.has(o) && b.get(o).is_some())
                .map(|o| o.to_string())
                .unwrap_or_else(|| "eq".into());
            let rhs = b.get(&op).or_else(|| b.pos.get(1).map(arg_text)).unwrap_or_default();
            (prop, op, rhs)
        }
        None => return Ok(input),
    };
    Ok(input
        .into_iter()
        .filter(|v| {
            let x = v.prop(&prop);
            match op.as_str() {
                "eq" => x.loose_eq(&rhs),
                "ne" => !x.loose_eq(&rhs),
                "like" => wildcard(&rhs, &x.display()),
                "notlike" => !wildcard(&rhs, &x.display()),
                "match" => regex::RegexBuilder::new(&rhs)
                    .case_insensitive(true)
                    .build()
                    .is_ok_and(|r| r.is_match(&x.display())),
                "gt" | "lt" | "ge" | "le" => match (x.num(), rhs.parse::<f64>().ok()) {
                    (Some(a), Some(c)) => match op.as_str() {
                        "gt" => a > c,
                        "lt" => a < c,
                        "ge" => a >= c,
                        _ => a <= c,
                    },
                    _ => false,
                },
                _ => false,
            }
        })
        .collect())
}

fn out_file(ctx: &mut Ctx, b: &Bound, input: &[Value]) -> CmdResult {
    let Some(p) = b.get_or_pos("filepath", 0) else {
        return Err(err(
            "Out-File",
            "Cannot process command because of one or more missing mandatory parameters: FilePath."
                .into(),
            "InvalidArgument: (:) [Out-File], ParameterBindingException".into(),
            "MissingMandatoryParameter,Microsoft.PowerShell.Commands.OutFileCommand",
        ));
    };
    let text = format::out_default(input, usize::from(ctx.sh.cols));
    let enc = b.get("encoding").unwrap_or_else(|| "unicode".into()).to_ascii_lowercase();
    let append = b.has("append");
    let full = crate::machine::fs::path::resolve(&ctx.sh.cwd, &p).unwrap_or(p.clone());
    let bytes: Vec<u8> = if enc == "ascii" || enc == "utf8" || enc == "oem" {
        text.into_bytes()
    } else {
        let mut v = if append && ctx.st.fs.exists(&full) { Vec::new() } else { vec![0xFF, 0xFE] };
        v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        v
    };
    if let Err(e) = ctx.st.fs.write_file(&full, &bytes, append) {
        return Err(err(
            "Out-File",
            format!("Could not find a part of the path '{full}'."),
            format!("OpenError: (:) [Out-File], DirectoryNotFoundException ({e})"),
            "FileOpenFailure,Microsoft.PowerShell.Commands.OutFileCommand",
        ));
    }
    Ok(Vec::new())
}

fn get_content(ctx: &mut Ctx, b: &Bound) -> CmdResult {
    let p = b.get_or_pos("path", 0).unwrap_or_default();
    let full = crate::machine::fs::path::resolve(&ctx.sh.cwd, &p).unwrap_or(p.clone());
    let Some(bytes) = ctx.st.fs.read_file(&full) else {
        return Err(path_not_found("Get-Content", "GetContentCommand", &full));
    };
    let text = crate::machine::fs::decode_text(&bytes);
    Ok(text.lines().map(|l| Value::s(l.trim_end_matches('\r'))).collect())
}

/// Set-Content / Add-Content (`sc` is Set-Content's alias, so `sc query x` writes a file named
/// `query`, as on Windows). Windows PowerShell 5.1 writes the ANSI code page by default.
fn set_content(ctx: &mut Ctx, b: &Bound, append: bool) -> CmdResult {
    let p = b.get_or_pos("path", 0).unwrap_or_default();
    let value = b.get_or_pos("value", 1).unwrap_or_default();
    let full = crate::machine::fs::path::resolve(&ctx.sh.cwd, &p).unwrap_or(p.clone());
    let text = format!("{value}\r\n");
    ctx.st.fs.write_file(&full, text.as_bytes(), append).map_err(|_| {
        err(
            if append { "Add-Content" } else { "Set-Content" },
            format!("Could not find a part of the path '{full}'."),
            format!("ObjectNotFound: ({full}:String) [Set-Content], DirectoryNotFoundException"),
            "GetContentWriterDirectoryNotFoundError,Microsoft.PowerShell.Commands.SetContentCommand",
        )
    })?;
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    #[test]
    fn get_date_prints_the_long_date_and_time() {
        // 2026-01-14 08:00:45 UTC, a Wednesday.
        assert_eq!(super::long_date(1_768_377_645), "Wednesday, January 14, 2026 8:00:45 AM");
        assert_eq!(
            super::long_date(1_768_464_000 + 13 * 3600),
            "Thursday, January 15, 2026 9:00:00 PM"
        );
    }
}
