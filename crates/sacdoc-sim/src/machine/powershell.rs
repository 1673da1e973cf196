//! PowerShell as the simulated cmd channel runs it: `powershell -Command "..."` one-liners and the
//! interactive `PS C:\...>` prompt. A small, honest interpreter: statements separated by `;`,
//! pipelines joined by `|`, quoted strings, `-Name value` and positional parameters, script blocks
//! with `$_` for Where-Object, and the cmdlets of the project's vocabulary with PowerShell 5.1's
//! output formats and error records. Anything else fails the way PowerShell fails on an unknown
//! command, never silently.

mod certfw;
mod cmdlets;
mod expr;
pub mod format;
pub mod parse;
mod session;
pub mod value;

pub use self::session::PsSession;

use self::format::{error_text, out_default, ErrorRecord};
use self::parse::{Arg, Command};
use self::value::Value;
use super::command::Interpreter;
use super::state::WinState;
use super::{Effect, ExecResult, ShellState};

/// What a cmdlet sees.
pub(crate) struct Ctx<'a> {
    pub st: &'a mut WinState,
    pub sh: &'a mut ShellState,
    /// cmd.exe, which runs native programs (`netstat`, `sc`, ...) for PowerShell.
    pub cmd: &'a dyn Interpreter,
    pub effect: Effect,
    /// Non-terminating errors written by the running cmdlet.
    pub errors: Vec<ErrorRecord>,
    /// Variables assigned in this run (`$name = ...`).
    pub vars: Vec<(String, Value)>,
    /// `$LASTEXITCODE`: the exit code of the last native program.
    pub last_exit: i32,
    /// The native program just run exited non-zero (`$?` false).
    pub native_failed: bool,
    /// Nesting of parenthesized pipelines being evaluated (bounded).
    pub depth: u32,
}

/// A cmdlet's result: output objects, or a terminating error.
pub(crate) type CmdResult = Result<Vec<Value>, ErrorRecord>;

/// Parameters of one command, bound loosely as PowerShell does (unique prefixes accepted).
pub(crate) struct Bound {
    named: Vec<(String, Option<Arg>)>,
    pub pos: Vec<Arg>,
}

impl Bound {
    fn new(args: &[Arg], switches: &[&str]) -> Bound {
        let mut named = Vec::new();
        let mut pos = Vec::new();
        let mut it = args.iter().peekable();
        while let Some(a) = it.next() {
            match a {
                Arg::Param(n, Some(v)) => named.push((
                    n.to_ascii_lowercase(),
                    Some(Arg::Word { text: v.clone(), quoted: false }),
                )),
                Arg::Param(n, None) => {
                    let ln = n.to_ascii_lowercase();
                    let is_switch = switches.iter().any(|s| s.starts_with(&ln));
                    let value = if is_switch || matches!(it.peek(), Some(Arg::Param(..)) | None) {
                        None
                    } else {
                        it.next().cloned()
                    };
                    named.push((ln, value));
                }
                other => pos.push(other.clone()),
            }
        }
        Bound { named, pos }
    }

    fn find(&self, name: &str) -> Option<&(String, Option<Arg>)> {
        let want = name.to_ascii_lowercase();
        self.named.iter().find(|(n, _)| !n.is_empty() && want.starts_with(n.as_str()))
    }

    pub fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// A named parameter's value as text.
    pub fn get(&self, name: &str) -> Option<String> {
        self.find(name).and_then(|(_, v)| v.as_ref()).map(arg_text)
    }

    /// A named parameter, else the positional one at `idx`.
    pub fn get_or_pos(&self, name: &str, idx: usize) -> Option<String> {
        self.get(name).or_else(|| self.pos.get(idx).map(arg_text))
    }

    /// A list-valued parameter (`-Property a,b` or positional `a,b`).
    pub fn list(&self, name: &str, idx: Option<usize>) -> Vec<String> {
        let a = self
            .find(name)
            .and_then(|(_, v)| v.clone())
            .or_else(|| idx.and_then(|i| self.pos.get(i).cloned()));
        match a {
            Some(Arg::List(v)) => v,
            Some(other) => vec![arg_text(&other)],
            None => Vec::new(),
        }
    }
}

pub(crate) fn arg_text(a: &Arg) -> String {
    match a {
        Arg::Word { text, .. } => text.clone(),
        Arg::List(v) => v.join(","),
        Arg::Block(b) => b.clone(),
        Arg::Param(n, _) => format!("-{n}"),
    }
}

fn result(output: String, exit_code: i32, effect: Effect) -> ExecResult {
    ExecResult { output, exit_code, effect, paged: false, delay_ms: 0 }
}

/// `powershell -NoProfile -NonInteractive -Command "..."`: `args` are the words after
/// `powershell` as cmd.exe's argument rules split them (quotes removed). A new process: it
/// starts with no variables and its `Set-Location` does not outlive it.
pub fn one_liner(
    st: &mut WinState,
    sh: &mut ShellState,
    args: &[String],
    cmd: &dyn Interpreter,
) -> ExecResult {
    let mut i = 0;
    let mut script: Option<String> = None;
    while i < args.len() {
        let l = args[i].to_ascii_lowercase();
        match l.as_str() {
            "-noprofile" | "-nop" | "-noninteractive" | "-noni" | "-nologo" | "-mta" | "-sta" => {}
            "-executionpolicy" | "-ep" | "-windowstyle" | "-w" | "-inputformat" | "-outputformat" => i += 1,
            "-command" | "-c" => {
                script = Some(args[i + 1..].join(" "));
                break;
            }
            "-file" | "-f" | "-encodedcommand" | "-enc" | "-e" => {
                return result(
                    format!("The simulated PowerShell runs -Command one-liners only; {} is not supported.\r\n", args[i]),
                    1,
                    Effect::None,
                )
            }
            _ if !l.starts_with('-') => {
                script = Some(args[i..].join(" "));
                break;
            }
            _ => {
                return result(
                    format!("-{} : The term '{}' is not recognized as a valid parameter.\r\n", args[i].trim_start_matches('-'), args[i]),
                    1,
                    Effect::None,
                )
            }
        }
        i += 1;
    }
    let script = script.unwrap_or_default();
    let script = script.trim();
    // cmd.exe's argument rules already removed the quotes around the command; a script still
    // wrapped in quotes came through a caller that kept them.
    let script = match script.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => inner,
        _ => script,
    };
    let cwd = sh.cwd.clone();
    let r = run_script(st, sh, script, cmd);
    sh.cwd = cwd;
    r
}

/// Starts the interactive prompt on a channel: a fresh session that remembers cmd's directory.
pub fn start_session(sh: &mut ShellState) {
    sh.ps = PsSession { cmd_cwd: Some(sh.cwd.clone()), ..PsSession::default() };
}

/// One line typed at the interactive `PS C:\...>` prompt; `exit` returns to cmd (in the
/// directory cmd had). Variables, `$LASTEXITCODE` and the location persist between lines.
pub fn exec_line(
    st: &mut WinState,
    sh: &mut ShellState,
    line: &str,
    cmd: &dyn Interpreter,
) -> ExecResult {
    if line.trim().eq_ignore_ascii_case("exit") {
        let session = std::mem::take(&mut sh.ps);
        if let Some(cwd) = session.cmd_cwd {
            sh.cwd = cwd;
        }
        return result(String::new(), 0, Effect::ExitShell);
    }
    let session = std::mem::take(&mut sh.ps);
    let (r, vars, last_exit) = run_with(st, sh, line.trim(), session.vars, session.last_exit, cmd);
    sh.ps = PsSession { vars, last_exit, ..session };
    r
}

/// Runs every statement of a line in a new process (no variables); the exit code is 0 when the
/// last statement succeeded.
pub fn run_script(
    st: &mut WinState,
    sh: &mut ShellState,
    line: &str,
    cmd: &dyn Interpreter,
) -> ExecResult {
    run_with(st, sh, line, Vec::new(), 0, cmd).0
}

/// Runs a line with the variables and `$LASTEXITCODE` it starts from; returns them as it left
/// them.
fn run_with(
    st: &mut WinState,
    sh: &mut ShellState,
    line: &str,
    vars: Vec<(String, Value)>,
    last_exit: i32,
    cmd: &dyn Interpreter,
) -> (ExecResult, Vec<(String, Value)>, i32) {
    super::certs::prepare(st);
    let statements = match parse::parse_line(line) {
        Ok(s) => s,
        Err(msg) => {
            let e = format!(
                "At line:1 char:{}\r\n+ {line}\r\n+ {}~\r\n{msg}\r\n    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException\r\n    + FullyQualifiedErrorId : TerminatorExpectedAtEndOfString\r\n \r\n",
                line.chars().count(),
                " ".repeat(line.chars().count().saturating_sub(1))
            );
            return (result(e, 1, Effect::None), vars, last_exit);
        }
    };
    let mut ctx = Ctx {
        st,
        sh,
        cmd,
        effect: Effect::None,
        errors: Vec::new(),
        vars,
        last_exit,
        native_failed: false,
        depth: 0,
    };
    let mut out = String::new();
    let mut last_ok = true;
    for pipeline in statements {
        let (text, ok) = run_pipeline(&mut ctx, &pipeline, line);
        out.push_str(&text);
        last_ok = ok;
    }
    let r = result(out, if last_ok { 0 } else { 1 }, ctx.effect);
    (r, ctx.vars, ctx.last_exit)
}

/// Evaluates a parenthesized pipeline (`(Get-Service x).Status`) to its output objects.
pub(crate) fn eval(ctx: &mut Ctx, inner: &str) -> CmdResult {
    if ctx.depth >= 16 {
        return Err(ErrorRecord {
            command: String::new(),
            message: "The expression is nested too deeply.".into(),
            category: "ParserError: (:) [], ParentContainsErrorRecordException".into(),
            fqid: "ExpressionTooDeep".into(),
        });
    }
    ctx.depth += 1;
    let r = eval_inner(ctx, inner);
    ctx.depth -= 1;
    r
}

fn eval_inner(ctx: &mut Ctx, inner: &str) -> CmdResult {
    let statements = parse::parse_line(inner).map_err(|msg| ErrorRecord {
        command: String::new(),
        message: msg.to_string(),
        category: "ParserError: (:) [], ParentContainsErrorRecordException".into(),
        fqid: "ParseException".into(),
    })?;
    let mut input = Vec::new();
    for pipeline in statements {
        input.clear();
        for (i, cmd) in pipeline.iter().enumerate() {
            input = cmdlets::dispatch(ctx, cmd, std::mem::take(&mut input), i == 0)?;
        }
    }
    Ok(input)
}

fn run_pipeline(ctx: &mut Ctx, pipeline: &[Command], line: &str) -> (String, bool) {
    let mut input: Vec<Value> = Vec::new();
    let mut out = String::new();
    let mut ok = true;
    for (i, cmd) in pipeline.iter().enumerate() {
        ctx.errors.clear();
        let r = cmdlets::dispatch(ctx, cmd, input, i == 0);
        for e in ctx.errors.drain(..) {
            out.push_str(&error_text(&e, line, cmd.start, cmd.len, usize::from(ctx.sh.cols)));
            ok = false;
        }
        if std::mem::take(&mut ctx.native_failed) {
            ok = false;
        }
        match r {
            Ok(v) => input = v,
            Err(e) => {
                out.push_str(&error_text(&e, line, cmd.start, cmd.len, usize::from(ctx.sh.cols)));
                return (out, false);
            }
        }
    }
    let cols = usize::from(ctx.sh.cols.max(20));
    out.insert_str(0, &out_default(&input, cols));
    (out, ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::shell::Cmd;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn any_line_gives_output_not_a_panic(line in "[ -~]{0,60}") {
            let mut st = WinState::default();
            let mut sh = ShellState::default();
            let r = run_script(&mut st, &mut sh, &line, &Cmd);
            prop_assert!(r.exit_code == 0 || r.exit_code == 1);
        }

        #[test]
        fn cmdlet_shaped_lines_never_panic(
            verb in prop::sample::select(vec!["Get-Service", "Stop-Service", "Get-ChildItem", "Remove-Item",
                "Set-ItemProperty", "Get-ItemProperty", "Set-NetFirewallRule", "Select-Object", "Where-Object",
                "Format-List", "ConvertTo-Json", "Out-File", "Get-Content", "icacls", "netsh"]),
            rest in "[ -~]{0,40}",
        ) {
            let mut st = WinState::default();
            let mut sh = ShellState::default();
            let _ = run_script(&mut st, &mut sh, &format!("{verb} {rest}"), &Cmd);
            let _ = run_script(&mut st, &mut sh, &format!("Get-Service | {verb} {rest}"), &Cmd);
        }
    }
}
