//! `sc query|queryex|qc|start|stop|config` and `net start|stop`.
//!
//! Layout from command-outputs.md section 4: a `SERVICE_NAME:` line, then 8-space-indented labels
//! padded to 19 columns and `: value`; TYPE/STATE with two spaces between number and word (and
//! trailing blanks, as captured), START_TYPE/ERROR_CONTROL with three; the flag line indented 32;
//! failures as `[SC] <Api> FAILED <code>:`, a blank line, the system message, a blank line.

use super::command::{Ctx, Out};
use super::services::{ScError, Service, StartType, SvcState};
use super::state::WinState;

fn label(name: &str, value: &str) -> String {
    format!("        {name:<19}: {value}\r\n")
}

/// Expands `%SystemRoot%`/`%windir%` as QueryServiceConfig returns the path.
fn expand_path(p: &str) -> String {
    let mut out = p.to_string();
    for var in ["%systemroot%", "%windir%"] {
        while let Some(i) = out.to_ascii_lowercase().find(var) {
            out.replace_range(i..i + var.len(), "C:\\Windows");
        }
    }
    out
}

fn type_text(st: &WinState, s: &Service, running_view: bool) -> String {
    let alone = s.state == SvcState::Running && st.services_of(s.pid).len() == 1;
    match s.service_type {
        0x10 => "10  WIN32_OWN_PROCESS".into(),
        0x1 => "1  KERNEL_DRIVER".into(),
        // A share-process service alone in its (split) svchost reports both bits, as captured
        // from a running Server ("30  WIN32").
        0x20 if running_view && alone && st.quirks.share_service_type_30 => "30  WIN32".into(),
        _ => "20  WIN32_SHARE_PROCESS".into(),
    }
}

fn flags(state: SvcState, stoppable: bool) -> &'static str {
    match (state, stoppable) {
        (SvcState::Running, true) | (SvcState::StopPending, _) => {
            "(STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)"
        }
        _ => "(NOT_STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)",
    }
}

/// One status block. `shown` is the name as typed (sc echoes it); `display` adds DISPLAY_NAME.
fn status_block(
    st: &WinState,
    s: &Service,
    shown: &str,
    display: bool,
    ex: bool,
    state: SvcState,
) -> String {
    let mut b = format!("\r\nSERVICE_NAME: {shown}\r\n");
    if display {
        b.push_str(&format!("DISPLAY_NAME: {}\r\n", s.display_name));
    }
    b.push_str(&label("TYPE", &format!("{}  ", type_text(st, s, true))));
    b.push_str(&label("STATE", &format!("{}  {} ", state.code(), state.word())));
    b.push_str(&format!("{}{}\r\n", " ".repeat(32), flags(state, s.stoppable)));
    let e = if state == SvcState::Stopped { s.exit_code } else { 0 };
    b.push_str(&label("WIN32_EXIT_CODE", &format!("{e}  (0x{e:x})")));
    b.push_str(&label("SERVICE_EXIT_CODE", "0  (0x0)"));
    b.push_str(&label("CHECKPOINT", "0x0"));
    let hint = match state {
        SvcState::StartPending => "0x7d0",
        _ => "0x0",
    };
    b.push_str(&label("WAIT_HINT", hint));
    if ex {
        b.push_str(&label("PID", &s.pid.to_string()));
        b.push_str(&label("FLAGS", ""));
    }
    b
}

fn failed(api: &str, e: &ScError) -> Out {
    Out::stdout(format!("[SC] {api} FAILED {}:\r\n\r\n{e}\r\n\r\n", e.code()), e.code() as i32)
}

const USAGE: &str = "DESCRIPTION:\r\n        SC is a command line program used for communicating with the\r\n        Service Control Manager and services.\r\nUSAGE:\r\n        sc <server> [command] [service name] <option1> <option2>...\r\n";

pub fn sc(ctx: &mut Ctx, args: &[String]) -> Out {
    let args: Vec<&String> = args.iter().skip_while(|a| a.starts_with("\\\\")).collect();
    let Some(cmd) = args.first().map(|s| s.to_ascii_lowercase()) else {
        return Out::stdout(USAGE, 0);
    };
    let name = args.get(1).map(|s| s.as_str());
    let st = &mut *ctx.st;
    // `sc query state= all|inactive` (with `type= service`) lists more than the running ones.
    let state_filter = args
        .iter()
        .position(|a| a.eq_ignore_ascii_case("state="))
        .and_then(|i| args.get(i + 1))
        .map(|v| v.to_ascii_lowercase())
        .unwrap_or_else(|| "active".into());
    match (cmd.as_str(), name) {
        ("query" | "queryex", None) => enumerate(st, cmd == "queryex", &state_filter),
        ("query" | "queryex", Some(n)) if n.contains('=') => {
            enumerate(st, cmd == "queryex", &state_filter)
        }
        ("query" | "queryex", Some(n)) => match st.services.get(n) {
            Some(s) => Out::stdout(
                format!("{}\r\n", status_block(st, s, n, false, cmd == "queryex", s.state)),
                0,
            ),
            None => failed("EnumQueryServicesStatus:OpenService", &ScError::NoSuchService),
        },
        ("qc", Some(n)) => qc(st, n),
        ("start", Some(n)) => match st.start_service(n) {
            Ok(()) => match st.services.get(n) {
                Some(s) => Out::stdout(
                    format!("{}\r\n", status_block(st, s, n, false, true, SvcState::StartPending)),
                    0,
                ),
                None => failed("OpenService", &ScError::NoSuchService),
            },
            Err(ScError::NoSuchService) => failed("OpenService", &ScError::NoSuchService),
            Err(e) => failed("StartService", &e),
        },
        ("stop", Some(n)) => {
            let before = st.services.get(n).cloned();
            match st.stop_service(n, false) {
                Ok(_) => match before {
                    Some(s) => Out::stdout(
                        format!(
                            "{}\r\n",
                            status_block(st, &s, n, false, false, SvcState::StopPending)
                        ),
                        0,
                    ),
                    None => failed("OpenService", &ScError::NoSuchService),
                },
                Err(ScError::NoSuchService) => failed("OpenService", &ScError::NoSuchService),
                Err(e) => failed("ControlService", &e),
            }
        }
        ("config", Some(n)) => config(st, n, &args[2..]),
        _ => Out::stdout(USAGE, 1639),
    }
}

fn enumerate(st: &WinState, ex: bool, state_filter: &str) -> Out {
    let mut out = String::new();
    let wanted = |s: &&Service| match state_filter {
        "all" => true,
        "inactive" => s.state == SvcState::Stopped,
        _ => s.state != SvcState::Stopped,
    };
    for s in st.services.list.iter().filter(wanted) {
        out.push_str(&status_block(st, s, &s.name, true, ex, s.state));
    }
    out.push_str("\r\n");
    Out::stdout(out, 0)
}

fn qc(st: &WinState, n: &str) -> Out {
    let Some(s) = st.services.get(n) else { return failed("OpenService", &ScError::NoSuchService) };
    let mut b = String::from("[SC] QueryServiceConfig SUCCESS\r\n\r\n");
    b.push_str(&format!("SERVICE_NAME: {n}\r\n"));
    b.push_str(&label("TYPE", &format!("{} ", type_text(st, s, false))));
    b.push_str(&label("START_TYPE", &s.start.sc_text()));
    b.push_str(&label("ERROR_CONTROL", "1   NORMAL"));
    b.push_str(&label("BINARY_PATH_NAME", &expand_path(&s.image_path)));
    b.push_str(&label("LOAD_ORDER_GROUP", ""));
    b.push_str(&label("TAG", "0"));
    b.push_str(&label("DISPLAY_NAME", &s.display_name));
    if s.depends_on.is_empty() {
        b.push_str(&label("DEPENDENCIES", ""));
    }
    for (i, d) in s.depends_on.iter().enumerate() {
        b.push_str(&label(if i == 0 { "DEPENDENCIES" } else { "" }, d));
    }
    b.push_str(&label("SERVICE_START_NAME", &s.account));
    Out::stdout(b, 0)
}

/// `sc config NAME start= auto|demand|disabled|delayed-auto` (the value is the next word, as sc
/// requires; `start=auto` is a usage error). Writes SCM's copy and the registry.
fn config(st: &mut WinState, n: &str, opts: &[&String]) -> Out {
    if st.services.get(n).is_none() {
        return failed("OpenService", &ScError::NoSuchService);
    }
    let mut i = 0;
    let mut changed = false;
    while i < opts.len() {
        let key = opts[i].to_ascii_lowercase();
        if !key.ends_with('=') {
            return Out::stdout(USAGE, 1639);
        }
        let Some(value) = opts.get(i + 1) else { return Out::stdout(USAGE, 1639) };
        match key.as_str() {
            "start=" => {
                let Some(t) = StartType::from_sc_word(value) else {
                    return Out::stdout(USAGE, 1639);
                };
                if let Some(s) = st.services.get_mut(n) {
                    s.start = t;
                }
            }
            "displayname=" => {
                if let Some(s) = st.services.get_mut(n) {
                    s.display_name = value.to_string();
                }
            }
            "depend=" => {
                if let Some(s) = st.services.get_mut(n) {
                    s.depends_on =
                        value.split('/').filter(|x| !x.is_empty()).map(String::from).collect();
                }
            }
            "binpath=" => {
                if let Some(s) = st.services.get_mut(n) {
                    s.image_path = value.to_string();
                }
            }
            "obj=" => {
                if let Some(s) = st.services.get_mut(n) {
                    s.account = value.to_string();
                }
            }
            _ => return Out::stdout(USAGE, 1639),
        }
        changed = true;
        i += 2;
    }
    if !changed {
        return Out::stdout(USAGE, 1639);
    }
    let stored = st.services.get(n).map(|s| s.name.clone()).unwrap_or_default();
    st.write_service_registry(&stored);
    Out::stdout("[SC] ChangeServiceConfig SUCCESS\r\n", 0)
}

/// `net start [NAME]`, `net stop NAME` (dependents are stopped too, as after answering Y).
pub fn net(ctx: &mut Ctx, args: &[String]) -> Out {
    let sub = args.first().map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    let name =
        args.iter().skip(1).filter(|a| !a.starts_with('/')).cloned().collect::<Vec<_>>().join(" ");
    let st = &mut *ctx.st;
    let resolve = |st: &WinState, n: &str| {
        st.services
            .get(n)
            .or_else(|| st.services.by_display_name(n))
            .map(|s| (s.name.clone(), s.display_name.clone()))
    };
    match sub.as_str() {
        "start" if name.is_empty() => {
            let mut out = String::from("These Windows services are started:\r\n\r\n");
            let mut names: Vec<&str> = st
                .services
                .list
                .iter()
                .filter(|s| s.state == SvcState::Running)
                .map(|s| s.display_name.as_str())
                .collect();
            names.sort_by_key(|n| n.to_ascii_lowercase());
            for n in names {
                out.push_str(&format!("   {n}\r\n"));
            }
            out.push_str("\r\nThe command completed successfully.\r\n\r\n");
            Out::stdout(out, 0)
        }
        "start" => {
            let Some((svc, display)) = resolve(st, &name) else {
                return Out::stderr("The service name is invalid.\r\n\r\nMore help is available by typing NET HELPMSG 2185.\r\n\r\n", 2);
            };
            match st.start_service(&svc) {
                Ok(()) => Out::stdout(
                    format!("The {display} service is starting.\r\nThe {display} service was started successfully.\r\n\r\n"),
                    0,
                ),
                Err(ScError::AlreadyRunning) => Out::stderr(
                    "The requested service has already been started.\r\n\r\nMore help is available by typing NET HELPMSG 2182.\r\n\r\n",
                    2,
                ),
                Err(e) => Out::stderr(
                    format!("System error {} has occurred.\r\n\r\n{e}\r\n\r\n", e.code()),
                    2,
                ),
            }
        }
        "stop" => {
            let Some((svc, display)) = resolve(st, &name) else {
                return Out::stderr("The service name is invalid.\r\n\r\nMore help is available by typing NET HELPMSG 2185.\r\n\r\n", 2);
            };
            match st.stop_service(&svc, true) {
                Ok(stopped) => {
                    let mut out = String::new();
                    for s in stopped {
                        let d = st.services.get(&s).map(|x| x.display_name.clone()).unwrap_or(s);
                        out.push_str(&format!("The {d} service is stopping.\r\nThe {d} service was stopped successfully.\r\n\r\n"));
                    }
                    let _ = display;
                    Out::stdout(out, 0)
                }
                Err(ScError::NotActive) => Out::stderr(
                    format!("The {display} service is not started.\r\n\r\nMore help is available by typing NET HELPMSG 3521.\r\n\r\n"),
                    2,
                ),
                Err(ScError::NotStoppable) => Out::stderr(
                    "The requested pause, continue, or stop is not valid for this service.\r\n\r\nMore help is available by typing NET HELPMSG 2191.\r\n\r\n",
                    2,
                ),
                Err(e) => Out::stderr(format!("System error {} has occurred.\r\n\r\n{e}\r\n\r\n", e.code()), 2),
            }
        }
        _ => Out::stdout("The syntax of this command is:\r\n\r\nNET\r\n    [ ACCOUNTS | COMPUTER | CONFIG | CONTINUE | FILE | GROUP | HELP |\r\n      HELPMSG | LOCALGROUP | PAUSE | SESSION | SHARE | START |\r\n      STATISTICS | STOP | TIME | USE | USER | VIEW ]\r\n\r\n", 1),
    }
}
