//! The simulated cmd.exe: runs one typed line (expansion, chaining, pipes, parenthesised blocks,
//! redirection, a block left open asking `More? `) and dispatches each command to its
//! implementation. Commands owned by the file-system, firewall and PowerShell modules are routed
//! to their functions; `if` and `for` are in [`super::cmd_flow`], `set /a` in
//! [`super::cmd_arith`]. Commands see a [`Ctx`] from [`super::command`] and never this module:
//! those that run other command text do it through the context's [`Interpreter`], which is
//! [`Cmd`] here.

use super::cmdline::{self, Join, Simple, Target};
use super::command::{decode_text, not_recognized, Ctx, Interpreter, Out};
use super::state::WinState;
use super::{Effect, ExecResult, ShellMode, ShellState};

/// cmd.exe as the [`Interpreter`] the commands get in their [`Ctx`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Cmd;

impl Interpreter for Cmd {
    fn run_text(&self, ctx: &mut Ctx, text: &str, start_code: i32) -> Out {
        run_text(ctx, text, start_code)
    }
    fn run_captured(&self, st: &mut WinState, sh: &ShellState, line: &str) -> (String, String) {
        run_captured(st, sh, line)
    }
    fn run_line(&self, st: &mut WinState, sh: &mut ShellState, line: &str) -> ExecResult {
        run_line(st, sh, line)
    }
}

/// Fills the session environment on first use, as a new cmd.exe inherits it.
pub fn ensure_env(st: &mut WinState, sh: &mut ShellState) {
    if !sh.env.is_empty() {
        return;
    }
    let user = sh.user.clone();
    st.fs.ensure_profile(&user);
    let profile = format!("C:\\Users\\{user}");
    let temp = format!("{profile}\\AppData\\Local\\Temp");
    let comp = st.computer_name.clone();
    let vars: Vec<(&str, String)> = vec![
        ("ALLUSERSPROFILE", "C:\\ProgramData".into()),
        ("APPDATA", format!("{profile}\\AppData\\Roaming")),
        ("CommonProgramFiles", "C:\\Program Files\\Common Files".into()),
        ("COMPUTERNAME", comp.clone()),
        ("ComSpec", "C:\\Windows\\system32\\cmd.exe".into()),
        ("HOMEDRIVE", "C:".into()),
        ("HOMEPATH", format!("\\Users\\{user}")),
        ("LOCALAPPDATA", format!("{profile}\\AppData\\Local")),
        ("NUMBER_OF_PROCESSORS", "2".into()),
        ("OS", "Windows_NT".into()),
        (
            "Path",
            "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\"
                .into(),
        ),
        ("PATHEXT", ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC".into()),
        ("PROCESSOR_ARCHITECTURE", "AMD64".into()),
        ("ProgramData", "C:\\ProgramData".into()),
        ("ProgramFiles", "C:\\Program Files".into()),
        ("ProgramFiles(x86)", "C:\\Program Files (x86)".into()),
        ("PROMPT", "$P$G".into()),
        ("PUBLIC", "C:\\Users\\Public".into()),
        ("SystemDrive", "C:".into()),
        ("SystemRoot", "C:\\Windows".into()),
        ("TEMP", temp.clone()),
        ("TMP", temp),
        ("USERDOMAIN", comp),
        ("USERNAME", user),
        ("USERPROFILE", profile),
        ("windir", "C:\\Windows".into()),
    ];
    sh.env = vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
}

/// The value of `%name%`: dynamic variables first (`ERRORLEVEL`, `CD`, `DATE`, `TIME`), then
/// the environment.
pub fn lookup(st: &WinState, sh: &ShellState, name: &str) -> Option<String> {
    if let Some(v) = sh.var(name) {
        return Some(v.to_string());
    }
    let c = super::clock::civil(st.now());
    match name.to_ascii_uppercase().as_str() {
        "ERRORLEVEL" => Some(sh.errorlevel.to_string()),
        "CD" => Some(sh.cwd.clone()),
        "DATE" => Some(format!("{} {:02}/{:02}/{}", &c.day_name()[..3], c.month, c.day, c.year)),
        "TIME" => Some(format!("{:>2}:{:02}:{:02}.00", c.hour, c.minute, c.second)),
        "RANDOM" => Some(((st.now() * 7919) % 32768).to_string()),
        _ => None,
    }
}

/// Runs one line typed at the cmd prompt. A line that leaves a `(` block open is kept, and cmd
/// asks for the rest with `More? ` (see [`ShellState::prompt`]); the block runs once closed.
pub fn run_line(st: &mut WinState, sh: &mut ShellState, line: &str) -> ExecResult {
    ensure_env(st, sh);
    let expanded = cmdline::expand(line, &|n| lookup(st, sh, n));
    let text = if sh.pending.is_empty() {
        expanded
    } else {
        format!("{}\n{expanded}", std::mem::take(&mut sh.pending))
    };
    let parsed = cmdline::parse_checked(&text);
    let quiet = |output: String, sh: &ShellState| ExecResult {
        output,
        exit_code: sh.errorlevel,
        effect: Effect::None,
        paged: false,
        delay_ms: 0,
    };
    if parsed.unclosed {
        sh.pending = text;
        return quiet(String::new(), sh);
    }
    if let Some(word) = unexpected(&parsed.items) {
        // A syntax error: nothing on the line runs.
        // GUESS: %ERRORLEVEL% is left as it was.
        return quiet(format!("{word} was unexpected at this time.\r\n"), sh);
    }
    let r = run_items(st, sh, &parsed.items, None, 0);
    ExecResult {
        output: r.chunks.into_iter().map(|(_, t)| t).collect(),
        exit_code: sh.errorlevel,
        effect: r.effect.unwrap_or(Effect::None),
        paged: r.paged,
        delay_ms: r.delay_ms,
    }
}

/// The first word written after a block's `)` (cmd rejects `(a) b`), searching nested blocks.
fn unexpected(items: &[(Join, cmdline::Pipeline)]) -> Option<String> {
    items.iter().flat_map(|(_, p)| p.iter()).find_map(|c| {
        let group = c.group.as_ref()?;
        match c.text.split_whitespace().next() {
            Some(w) => Some(w.to_string()),
            None => unexpected(group),
        }
    })
}

/// What a list of pipelines printed (streams kept apart, so a block's redirections can route
/// them) and how it ended.
#[derive(Default)]
struct Run {
    chunks: Vec<(u8, String)>,
    /// Exit code of the last pipeline that ran.
    code: i32,
    keep_errorlevel: bool,
    effect: Option<Effect>,
    delay_ms: u64,
    paged: bool,
}

fn add_delay(total: u64, more: u64) -> u64 {
    if total == u64::MAX || more == u64::MAX {
        u64::MAX
    } else {
        total.saturating_add(more)
    }
}

/// Runs pipelines joined by `&`, `&&`, `||`, updating `%ERRORLEVEL%` after each. `stdin` (a
/// block's piped or redirected input) goes to the first command that runs.
fn run_items(
    st: &mut WinState,
    sh: &mut ShellState,
    items: &[(Join, cmdline::Pipeline)],
    stdin: Option<String>,
    start_code: i32,
) -> Run {
    let mut run = Run::default();
    let mut stdin = stdin;
    let mut last_code = start_code;
    for (join, pipeline) in items {
        match join {
            Join::IfOk if last_code != 0 => continue,
            Join::IfFail if last_code == 0 => continue,
            _ => {}
        }
        if pipeline
            .iter()
            .all(|c| c.group.is_none() && c.text.trim().is_empty() && c.redirs.is_empty())
        {
            continue;
        }
        let r = run_pipeline(st, sh, pipeline, stdin.take());
        if r.effect == Some(Effect::ClearScreen) {
            run.chunks.clear();
        }
        run.chunks.extend(r.chunks);
        last_code = r.code;
        run.keep_errorlevel = r.keep_errorlevel;
        if !r.keep_errorlevel {
            sh.errorlevel = r.code;
        }
        run.delay_ms = add_delay(run.delay_ms, r.delay_ms);
        run.paged = r.paged;
        match r.effect {
            Some(Effect::ExitShell) => {
                run.effect = Some(Effect::ExitShell);
                break;
            }
            // `cls` after a command that scheduled a restart or shut the VM down (`shutdown /r
            // /t 0 >f & ... & cls & ...`) clears the screen; it does not cancel the restart.
            Some(Effect::ClearScreen)
                if run.effect.as_ref().is_some_and(|e| *e != Effect::ClearScreen) => {}
            Some(e) => run.effect = Some(e),
            None => {}
        }
        if run.delay_ms == u64::MAX {
            break;
        }
    }
    run.code = last_code;
    run
}

#[derive(Clone, PartialEq)]
enum Dest {
    Console,
    Nul,
    File(usize),
}

/// Runs commands joined by `|`. Each command's redirections are its own: in
/// `>f netstat -ano | findstr x` the file gets netstat's output and findstr reads nothing, as in
/// cmd.exe; a block `(a | b) >f` carries them for everything inside.
fn run_pipeline(
    st: &mut WinState,
    sh: &mut ShellState,
    cmds: &[Simple],
    stdin: Option<String>,
) -> Run {
    let mut res = Run::default();
    let mut piped: Option<String> = stdin;
    for (i, cmd) in cmds.iter().enumerate() {
        let last = i + 1 == cmds.len();
        let mut stdin = piped.take();
        let mut dest = [Dest::Console, Dest::Console];
        let mut files: Vec<(String, String)> = Vec::new();
        let mut failed: Option<String> = None;
        for r in &cmd.redirs {
            let d = match &r.target {
                Target::Nul if r.fd == 0 => {
                    stdin = Some(String::new());
                    continue;
                }
                Target::Nul => Dest::Nul,
                Target::Fd(n) => dest[usize::from(n.saturating_sub(1)).min(1)].clone(),
                Target::File(p) => {
                    let abs = super::fs::path::resolve(&sh.cwd, p).unwrap_or_else(|_| p.clone());
                    if r.fd == 0 {
                        match st.fs.read_file(&abs) {
                            Some(b) => stdin = Some(decode_text(&b)),
                            None => failed = Some(super::fs::NOT_FOUND.into()),
                        }
                        continue;
                    }
                    if !r.append || !st.fs.exists(&abs) {
                        if let Err(e) = st.fs.write_file(&abs, b"", false) {
                            failed = Some(e.to_string());
                            break;
                        }
                    }
                    files.push((abs, String::new()));
                    Dest::File(files.len() - 1)
                }
            };
            if r.fd == 1 || r.fd == 2 {
                dest[usize::from(r.fd - 1)] = d;
            }
        }
        if let Some(msg) = failed {
            res.chunks.push((2, format!("{msg}\r\n")));
            res.code = 1;
            piped = Some(String::new());
            continue;
        }
        let out = match &cmd.group {
            Some(items) => {
                let r = run_items(st, sh, items, stdin, 0);
                Out {
                    chunks: r.chunks,
                    code: r.code,
                    effect: r.effect,
                    delay_ms: r.delay_ms,
                    paged: r.paged,
                    // The commands inside already set %ERRORLEVEL%.
                    keep_errorlevel: true,
                }
            }
            None => {
                let mut ctx = Ctx { st, sh, stdin, cmd: &Cmd };
                run_simple(&mut ctx, &cmd.text)
            }
        };
        let mut pipe_text = String::new();
        for (stream, text) in out.chunks {
            match &dest[usize::from(stream - 1).min(1)] {
                Dest::Console if stream == 1 && !last => pipe_text.push_str(&text),
                Dest::Console => res.chunks.push((stream, text)),
                Dest::Nul => {}
                Dest::File(n) => files[*n].1.push_str(&text),
            }
        }
        for (path, text) in files {
            if !text.is_empty() {
                if let Err(e) = st.fs.write_file(&path, text.as_bytes(), true) {
                    res.chunks.push((2, format!("{e}\r\n")));
                }
            }
        }
        piped = Some(pipe_text);
        res.code = out.code;
        res.keep_errorlevel = out.keep_errorlevel;
        res.paged = last && out.paged;
        res.delay_ms = add_delay(res.delay_ms, out.delay_ms);
        if out.effect.is_some() {
            res.effect = out.effect;
        }
    }
    res
}

/// Runs command text that was already expanded (an `if` branch, a `for` body): `start_code` is
/// the exit code `&&` and `||` at its start look at.
pub fn run_text(ctx: &mut Ctx, text: &str, start_code: i32) -> Out {
    let stdin = ctx.stdin.take();
    let r = run_items(ctx.st, ctx.sh, &cmdline::parse(text), stdin, start_code);
    Out {
        chunks: r.chunks,
        code: r.code,
        effect: r.effect,
        delay_ms: r.delay_ms,
        paged: r.paged,
        // The commands inside set %ERRORLEVEL% themselves.
        keep_errorlevel: true,
    }
}

/// Runs a command line as `cmd /c` would in a child process (its own copy of the shell state)
/// and returns what it wrote to stdout, and to stderr.
pub fn run_captured(st: &mut WinState, sh: &ShellState, line: &str) -> (String, String) {
    let mut child = sh.clone();
    child.pending.clear();
    let r = run_items(st, &mut child, &cmdline::parse(line), None, 0);
    let (mut out, mut err) = (String::new(), String::new());
    for (stream, text) in r.chunks {
        if stream == 1 {
            out.push_str(&text);
        } else {
            err.push_str(&text);
        }
    }
    (out, err)
}

/// Runs one simple command (no operators, no redirections).
pub fn run_simple(ctx: &mut Ctx, text: &str) -> Out {
    // `@` before a command hides it where cmd would echo it (in a `for` body); it is not part of
    // the name.
    let text = text.trim_start();
    let text = text.strip_prefix('@').unwrap_or(text);
    let (raw_name, rest) = cmdline::split_name(text);
    if raw_name.is_empty() {
        return Out { keep_errorlevel: true, ..Out::new() };
    }
    let args = cmdline::split_args(&rest);
    let base = raw_name.rsplit(['\\', '/']).next().unwrap_or(&raw_name).to_ascii_lowercase();
    let name = base
        .strip_suffix(".exe")
        .or_else(|| base.strip_suffix(".com"))
        .unwrap_or(&base)
        .to_string();
    if raw_name.len() == 2
        && raw_name.ends_with(':')
        && raw_name.as_bytes()[0].is_ascii_alphabetic()
        && rest.trim().is_empty()
    {
        return super::cmd_builtin::change_drive(ctx, &raw_name);
    }
    if ctx.st.quirks.missing_tools.contains(&name) {
        return not_recognized(raw_name.trim_matches('"'));
    }
    match name.as_str() {
        "echo" | "set" | "cd" | "chdir" | "md" | "mkdir" | "type" | "del" | "erase" | "copy"
        | "dir" | "cls" | "ver" | "exit" | "rem" | "title" | "mode" | "chcp" | "hostname"
        | "whoami" | "timeout" | "ping" => super::cmd_builtin::run(ctx, &name, &rest, &args),
        "call" => call(ctx, &rest),
        "cmd" => cmd_child(ctx, &rest),
        "if" => super::cmd_flow::if_(ctx, &rest),
        "for" => super::cmd_flow::for_(ctx, &rest),
        "findstr" | "find" | "more" | "sort" => super::filters::run(ctx, &name, &args),
        "netstat" => super::cmd_netstat::netstat(ctx, &args),
        "tasklist" => super::cmd_tasklist::tasklist(ctx, &args),
        "taskkill" => super::cmd_tasklist::taskkill(ctx, &args),
        "sc" => super::cmd_sc::sc(ctx, &args),
        "net" => super::cmd_sc::net(ctx, &args),
        "reg" => super::cmd_reg::reg(ctx, &args),
        "bcdedit" => super::cmd_bcd::bcdedit(ctx, &args),
        "gpupdate" | "gpresult" | "shutdown" | "certutil" | "ipconfig" => {
            super::cmd_misc::run(ctx, &name, &args)
        }
        "icacls" => Out::from_exec(super::fs::icacls(ctx.st, ctx.sh, &args)),
        "takeown" => Out::from_exec(super::fs::takeown(ctx.st, ctx.sh, &args)),
        "netsh" => Out::from_exec(super::firewall::netsh(ctx.st, ctx.sh, &args)),
        "powershell" => powershell(ctx, &args),
        "makecab" => super::cmd_makecab::makecab(ctx, &args),
        _ => not_recognized(raw_name.trim_matches('"')),
    }
}

/// `call`: expands the rest of the line again (so `%^errorlevel%` sees the exit code of what ran
/// before it on the same line) and runs it.
fn call(ctx: &mut Ctx, rest: &str) -> Out {
    let expanded = cmdline::expand(rest.trim_start(), &|n| lookup(ctx.st, ctx.sh, n));
    let stdin = ctx.stdin.take();
    let r = run_items(ctx.st, ctx.sh, &cmdline::parse(&expanded), stdin, 0);
    Out {
        chunks: r.chunks,
        code: ctx.sh.errorlevel,
        effect: r.effect,
        delay_ms: r.delay_ms,
        paged: r.paged,
        keep_errorlevel: false,
    }
}

/// `cmd /c LINE`: a child cmd.exe runs the line and ends; its `cd`, `set` and `exit` stay in
/// the child, its exit code becomes `%ERRORLEVEL%` (`cmd /c exit 3` sets 3). A line in quotes
/// loses its first and last quote, as cmd's classic rule does.
fn cmd_child(ctx: &mut Ctx, rest: &str) -> Out {
    let mut s = rest.trim_start();
    let mut line = None;
    while let Some(opt) = s.strip_prefix('/') {
        let (word, tail) = opt.split_at(opt.find(char::is_whitespace).unwrap_or(opt.len()));
        if word.eq_ignore_ascii_case("c") || word.eq_ignore_ascii_case("k") {
            line = Some(tail.trim_start());
            break;
        }
        s = tail.trim_start();
    }
    let Some(line) = line else {
        // GUESS: a nested interactive cmd.exe is not modelled; it prints its banner and the
        // channel's own cmd reads the next line.
        let banner = format!(
            "{}\r\n(c) 2018 Microsoft Corporation. All rights reserved.\r\n",
            super::cmd_builtin::version_line(ctx)
        );
        return Out::stdout(banner, 0);
    };
    let line = match line.strip_prefix('"') {
        Some(inner) => match inner.rfind('"') {
            Some(end) => format!("{}{}", &inner[..end], &inner[end + 1..]),
            None => inner.to_string(),
        },
        None => line.to_string(),
    };
    let mut child = ctx.sh.clone();
    child.pending.clear();
    // The child reads its command line as any cmd.exe does: `%VAR%` is expanded again.
    let line = cmdline::expand(&line, &|n| lookup(ctx.st, &child, n));
    let stdin = ctx.stdin.take();
    let r = run_items(ctx.st, &mut child, &cmdline::parse(&line), stdin, 0);
    Out {
        chunks: r.chunks,
        code: child.errorlevel,
        effect: r.effect.filter(|e| *e != Effect::ExitShell),
        delay_ms: r.delay_ms,
        paged: r.paged,
        keep_errorlevel: false,
    }
}

/// `powershell ...`: a one-liner when a command or file is given, otherwise the interactive
/// prompt (the channel then reads lines with PowerShell until `exit`).
fn powershell(ctx: &mut Ctx, args: &[String]) -> Out {
    let runs_something = args.iter().any(|a| {
        let l = a.to_ascii_lowercase();
        matches!(l.as_str(), "-command" | "-c" | "-file" | "-f" | "-encodedcommand" | "-enc" | "-e")
            || !l.starts_with('-')
    });
    if runs_something {
        return Out::from_exec(super::powershell::one_liner(ctx.st, ctx.sh, args, &Cmd));
    }
    super::powershell::start_session(ctx.sh);
    ctx.sh.mode = ShellMode::PowerShell;
    Out::stdout(
        "Windows PowerShell\r\nCopyright (C) Microsoft Corporation. All rights reserved.\r\n\r\n",
        0,
    )
}
