//! cmd.exe internal commands and small utilities: `echo`, `set`, `cd`, `md`, `type`, `del`,
//! `copy`, `dir`, `cls`, `ver`, `exit`, `mode`, `chcp`, `hostname`, `whoami`, `timeout`, `ping`.

use super::command::{decode_text, Ctx, Out};
use super::fs::{NOT_FOUND, PATH_NOT_FOUND};
use super::Effect;

/// Formats a number with thousands separators (`1,234`), as cmd and tasklist print sizes.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn keep(mut o: Out) -> Out {
    o.keep_errorlevel = true;
    o
}

pub fn run(ctx: &mut Ctx, name: &str, rest: &str, args: &[String]) -> Out {
    match name {
        "echo" => keep(echo(rest)),
        "rem" | "title" => keep(Out::new()),
        "set" => set(ctx, rest),
        "cd" | "chdir" => cd(ctx, rest),
        "md" | "mkdir" => md(ctx, args),
        "type" => type_(ctx, args),
        "del" | "erase" => del(ctx, args),
        "copy" => copy(ctx, args),
        "dir" => dir(ctx, args),
        "cls" => keep(Out { effect: Some(Effect::ClearScreen), ..Out::new() }),
        "ver" => keep(Out::stdout(format!("\r\n{}\r\n", version_line(ctx)), 0)),
        "exit" => {
            let code =
                args.iter().find(|a| !a.starts_with('/')).and_then(|a| a.parse().ok()).unwrap_or(0);
            Out { effect: Some(Effect::ExitShell), code, ..Out::new() }
        }
        "mode" => mode(ctx, args),
        "chcp" => chcp(ctx, args),
        "hostname" => Out::stdout(format!("{}\r\n", ctx.st.computer_name), 0),
        "whoami" => Out::stdout(
            format!("{}\\{}\r\n", ctx.st.computer_name.to_lowercase(), ctx.sh.user.to_lowercase()),
            0,
        ),
        "timeout" => timeout(args),
        "ping" => ping(ctx, args),
        _ => super::command::not_recognized(name),
    }
}

/// `Microsoft Windows [Version 10.0.17763.6893]` from the CurrentVersion registry values.
pub fn version_line(ctx: &Ctx) -> String {
    let key = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
    let build = ctx.st.registry.get(key, "CurrentBuild").and_then(|v| v.as_str().map(String::from));
    let ubr = ctx.st.registry.get_u64(key, "UBR").unwrap_or(0);
    let build = build.unwrap_or_else(|| "17763".into());
    // Builds before 16299 print no update revision: Server 2016 says `[Version 10.0.14393]`
    // (Google Cloud's Server 2016 login transcript, quoted in the SAC reference §5.4).
    match build.parse::<u32>() {
        Ok(b) if b < 16299 => format!("Microsoft Windows [Version 10.0.{build}]"),
        _ => format!("Microsoft Windows [Version 10.0.{build}.{ubr}]"),
    }
}

/// `echo`: the text after the delimiter as typed (trailing blanks kept); `ECHO is on.` alone.
fn echo(rest: &str) -> Out {
    if rest.trim().is_empty() && !rest.starts_with(['.', ':', '/', '(']) {
        return Out::stdout("ECHO is on.\r\n", 0);
    }
    let text = &rest[rest.chars().next().map_or(0, char::len_utf8)..];
    if rest.starts_with(' ')
        && (text.trim().eq_ignore_ascii_case("on") || text.trim().eq_ignore_ascii_case("off"))
    {
        return Out::new();
    }
    Out::stdout(format!("{text}\r\n"), 0)
}

fn set(ctx: &mut Ctx, rest: &str) -> Out {
    // Blanks before `&` or the end of the line are part of the value, as in cmd
    // (`set X=1 & echo [%X%]` later shows `[1 ]`).
    let t = rest.trim_start();
    if let Some(p) = t.strip_prefix("/p").or_else(|| t.strip_prefix("/P")) {
        return set_prompt(ctx, p.trim_start());
    }
    if let Some(a) = t.strip_prefix("/a").or_else(|| t.strip_prefix("/A")) {
        return super::cmd_arith::set_a(ctx, a);
    }
    if t.trim().is_empty() {
        let mut vars = ctx.sh.env.clone();
        vars.sort_by_key(|(k, _)| k.to_ascii_uppercase());
        return keep(Out::stdout(
            vars.iter().map(|(k, v)| format!("{k}={v}\r\n")).collect::<String>(),
            0,
        ));
    }
    // `set "X=value"`: the value ends at the last quote; what follows it is ignored.
    let t = match t.strip_prefix('"') {
        Some(inner) => inner.rfind('"').map_or(inner, |e| &inner[..e]),
        None => t,
    };
    match t.split_once('=') {
        Some((name, value)) => {
            let env = &mut ctx.sh.env;
            env.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            if !value.is_empty() {
                env.push((name.to_string(), value.to_string()));
            }
            keep(Out::new())
        }
        None => {
            let t = t.trim_end();
            let lines: String = {
                let mut v: Vec<&(String, String)> = ctx
                    .sh
                    .env
                    .iter()
                    .filter(|(k, _)| k.to_ascii_lowercase().starts_with(&t.to_ascii_lowercase()))
                    .collect();
                v.sort_by_key(|(k, _)| k.to_ascii_uppercase());
                v.iter().map(|(k, val)| format!("{k}={val}\r\n")).collect()
            };
            if lines.is_empty() {
                Out::stderr(format!("Environment variable {t} not defined\r\n"), 1)
            } else {
                keep(Out::stdout(lines, 0))
            }
        }
    }
}

/// `set /p NAME=PROMPT`: prints the prompt without a line end and sets NAME to the first line
/// of the input; with no input (`<nul`) NAME is unchanged and the exit code is 1. This is how a
/// script prints text without a line end (`<nul set /p =marker`).
// GUESS: with no redirected input the simulator reads nothing (a real console waits for a line).
fn set_prompt(ctx: &mut Ctx, t: &str) -> Out {
    let t = match t.strip_prefix('"') {
        Some(inner) => inner.rfind('"').map_or(inner, |e| &inner[..e]),
        None => t,
    };
    let Some((name, prompt)) = t.split_once('=') else {
        return Out::stderr("The syntax of the command is incorrect.\r\n", 1);
    };
    let mut o = Out::stdout(prompt, 0);
    let line = ctx.stdin.as_deref().and_then(|s| s.lines().next()).map(str::to_string);
    match line.filter(|l| !l.is_empty()) {
        Some(v) if !name.is_empty() => {
            ctx.sh.env.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            ctx.sh.env.push((name.to_string(), v.trim_end_matches('\r').to_string()));
        }
        Some(_) => {}
        None => o.code = 1,
    }
    o
}

fn cd(ctx: &mut Ctx, rest: &str) -> Out {
    let mut t = rest.trim();
    let mut switch_drive = false;
    if let Some(rest) = t.strip_prefix("/d").or_else(|| t.strip_prefix("/D")) {
        switch_drive = true;
        t = rest.trim();
    }
    let t = t.trim_matches('"');
    if t.is_empty() {
        return keep(Out::stdout(format!("{}\r\n", ctx.sh.cwd), 0));
    }
    let abs = ctx.path(t);
    if !ctx.st.fs.is_dir(&abs) {
        return Out::stderr(format!("{PATH_NOT_FOUND}\r\n"), 1);
    }
    let same_drive = abs
        .get(..2)
        .is_some_and(|d| ctx.sh.cwd.get(..2).is_some_and(|c| c.eq_ignore_ascii_case(d)));
    if same_drive || switch_drive {
        ctx.sh.cwd = abs;
    }
    keep(Out::new())
}

/// `F:` typed alone: makes that drive current.
pub fn change_drive(ctx: &mut Ctx, drive: &str) -> Out {
    let root = format!("{}\\", drive.to_ascii_uppercase());
    if ctx.st.fs.is_dir(&root) {
        ctx.sh.cwd = root;
        keep(Out::new())
    } else {
        Out::stderr("The system cannot find the drive specified.\r\n", 1)
    }
}

fn md(ctx: &mut Ctx, args: &[String]) -> Out {
    if args.is_empty() {
        return Out::stderr("The syntax of the command is incorrect.\r\n", 1);
    }
    let mut o = Out::new();
    for a in args {
        let abs = ctx.path(a);
        if ctx.st.fs.exists(&abs) {
            o.err(format!("A subdirectory or file {a} already exists.\r\n"));
            o.code = 1;
        } else if let Err(e) = ctx.st.fs.mkdir(&abs) {
            o.err(format!("{e}\r\n"));
            o.code = 1;
        }
    }
    o
}

fn type_(ctx: &mut Ctx, args: &[String]) -> Out {
    let Some(a) = args.first() else {
        return Out::stderr("The syntax of the command is incorrect.\r\n", 1);
    };
    if super::cmdline::is_nul(a) {
        return Out::new();
    }
    let abs = ctx.path(a);
    match ctx.st.fs.read_file(&abs) {
        Some(bytes) => Out::stdout(decode_text(&bytes), 0),
        None if ctx.st.fs.is_dir(&abs) => Out::stderr("Access is denied.\r\n", 1),
        None => Out::stderr(format!("{NOT_FOUND}\r\n"), 1),
    }
}

fn del(ctx: &mut Ctx, args: &[String]) -> Out {
    let mut o = Out::new();
    for a in args.iter().filter(|a| !a.starts_with('/')) {
        let abs = ctx.path(a);
        if !ctx.st.fs.exists(&abs) {
            o.err(format!("Could Not Find {abs}\r\n"));
            continue;
        }
        if ctx.st.fs.is_dir(&abs) {
            let files: Vec<String> = ctx
                .st
                .fs
                .children(&abs)
                .iter()
                .filter(|n| !n.dir)
                .map(|n| n.path.clone())
                .collect();
            for f in files {
                if let Err(e) = ctx.st.fs.delete(&f) {
                    o.err(format!("{f}\r\n{e}\r\n"));
                }
            }
        } else if let Err(e) = ctx.st.fs.delete(&abs) {
            o.err(format!("{abs}\r\n{e}\r\n"));
            o.code = 1;
        }
    }
    o
}

fn copy(ctx: &mut Ctx, args: &[String]) -> Out {
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with('/')).collect();
    let (Some(src), dst) = (files.first(), files.get(1)) else {
        return Out::stderr("The syntax of the command is incorrect.\r\n", 1);
    };
    if dst.is_some_and(|d| super::cmdline::is_nul(d)) {
        // Copying to the null device reads the source and writes nothing.
        if super::cmdline::is_nul(src) || ctx.st.fs.read_file(&ctx.path(src)).is_some() {
            return Out::stdout("        1 file(s) copied.\r\n", 0);
        }
    }
    let src_abs = ctx.path(src);
    let bytes =
        if super::cmdline::is_nul(src) { Some(Vec::new()) } else { ctx.st.fs.read_file(&src_abs) };
    let Some(bytes) = bytes else {
        return Out::stdout(format!("{NOT_FOUND}\r\n        0 file(s) copied.\r\n"), 1);
    };
    let name = src_abs.rsplit('\\').next().unwrap_or("").to_string();
    let mut dst_abs = dst.map_or_else(|| ctx.sh.cwd.clone(), |d| ctx.path(d));
    if ctx.st.fs.is_dir(&dst_abs) {
        dst_abs = format!("{}\\{name}", dst_abs.trim_end_matches('\\'));
    }
    match ctx.st.fs.write_file(&dst_abs, &bytes, false) {
        Ok(()) => Out::stdout("        1 file(s) copied.\r\n", 0),
        Err(e) => Out::stdout(format!("{e}\r\n        0 file(s) copied.\r\n"), 1),
    }
}

fn dir(ctx: &mut Ctx, args: &[String]) -> Out {
    let target = args
        .iter()
        .find(|a| !a.starts_with('/'))
        .map_or_else(|| ctx.sh.cwd.clone(), |a| ctx.path(a));
    let drive = target.get(..1).unwrap_or("C").to_ascii_uppercase();
    let bare = args.iter().any(|a| a.eq_ignore_ascii_case("/b"));
    let mut o = Out::new();
    // A `*` or `?` in the last component lists the matching entries of its folder.
    let (folder, pattern) = match target.rsplit_once('\\') {
        Some((f, p)) if p.contains(['*', '?']) => (f.to_string(), Some(p.to_string())),
        _ => (String::new(), None),
    };
    let matched: Option<Vec<(String, bool, u64)>> = pattern.as_ref().map(|pat| {
        ctx.st
            .fs
            .children(&folder)
            .iter()
            .map(|n| {
                (n.path.rsplit('\\').next().unwrap_or("").to_string(), n.dir, n.data.len() as u64)
            })
            .filter(|(name, _, _)| super::cmd_flow::wildcard(pat, name))
            .collect()
    });
    if let Some(names) = &matched {
        if bare {
            // `dir /b`: the names only; no match prints only the error.
            if names.is_empty() {
                o.err("File Not Found\r\n");
                o.code = 1;
            }
            for (name, _, _) in names {
                o.out(format!("{name}\r\n"));
            }
            return o;
        }
        if names.is_empty() {
            o.out(format!(
                " Volume in drive {drive} has no label.\r\n Volume Serial Number is 8C2A-1F3E\r\n\r\n Directory of {folder}\r\n\r\n"
            ));
            o.err("File Not Found\r\n");
            o.code = 1;
            return o;
        }
    }
    if bare && pattern.is_none() {
        if !ctx.st.fs.exists(&target) {
            o.err("File Not Found\r\n");
            o.code = 1;
        } else if ctx.st.fs.is_dir(&target) {
            for n in ctx.st.fs.children(&target) {
                o.out(format!("{}\r\n", n.path.rsplit('\\').next().unwrap_or("")));
            }
        } else {
            o.out(format!("{}\r\n", target.rsplit('\\').next().unwrap_or("")));
        }
        return o;
    }
    o.out(format!(
        " Volume in drive {drive} has no label.\r\n Volume Serial Number is 8C2A-1F3E\r\n"
    ));
    if pattern.is_none() && !ctx.st.fs.exists(&target) {
        o.out(format!("\r\n Directory of {}\r\n\r\n", parent_of(&target)));
        o.err("File Not Found\r\n");
        o.code = 1;
        return o;
    }
    let c = super::clock::civil(ctx.st.now());
    let (h, ampm) = if c.hour == 0 {
        (12, "AM")
    } else if c.hour < 12 {
        (c.hour, "AM")
    } else if c.hour == 12 {
        (12, "PM")
    } else {
        (c.hour - 12, "PM")
    };
    // GUESS: nodes have no timestamps; every entry shows the current time.
    let stamp = format!("{:02}/{:02}/{}  {:02}:{:02} {ampm}", c.month, c.day, c.year, h, c.minute);
    let (dir_path, entries): (String, Vec<(String, bool, u64)>) = if let Some(v) = matched {
        (folder.clone(), v)
    } else if ctx.st.fs.is_dir(&target) {
        let mut v = vec![(".".to_string(), true, 0), ("..".to_string(), true, 0)];
        v.extend(ctx.st.fs.children(&target).iter().map(|n| {
            (n.path.rsplit('\\').next().unwrap_or("").to_string(), n.dir, n.data.len() as u64)
        }));
        (target.clone(), v)
    } else {
        let size = ctx.st.fs.read_file(&target).map_or(0, |b| b.len() as u64);
        (
            parent_of(&target),
            vec![(target.rsplit('\\').next().unwrap_or("").to_string(), false, size)],
        )
    };
    o.out(format!("\r\n Directory of {dir_path}\r\n\r\n"));
    let (mut nfiles, mut ndirs, mut bytes) = (0u64, 0u64, 0u64);
    for (name, is_dir, size) in &entries {
        if *is_dir {
            ndirs += 1;
            o.out(format!("{stamp}    <DIR>          {name}\r\n"));
        } else {
            nfiles += 1;
            bytes += size;
            o.out(format!("{stamp}    {:>14} {name}\r\n", thousands(*size)));
        }
    }
    o.out(format!("{:>16} File(s) {:>14} bytes\r\n", nfiles, thousands(bytes)));
    o.out(format!("{:>16} Dir(s)  {:>14} bytes free\r\n", ndirs, thousands(107_374_182_400)));
    o
}

fn parent_of(p: &str) -> String {
    match p.rfind('\\') {
        Some(i) if i > 2 => p[..i].to_string(),
        Some(i) => p[..=i].to_string(),
        None => p.to_string(),
    }
}

/// `mode`, `mode con`, `mode con cols=N lines=M`. GUESS: whether resizing clears the screen is
/// `quirks.mode_clears_screen`.
fn mode(ctx: &mut Ctx, args: &[String]) -> Out {
    let mut changed = false;
    for a in args {
        let l = a.to_ascii_lowercase();
        if let Some(v) = l.strip_prefix("cols=") {
            match v.parse::<u16>() {
                Ok(n) => ctx.sh.cols = n,
                Err(_) => return Out::stderr(format!("Invalid parameter - {a}\r\n"), 1),
            }
            changed = true;
        } else if let Some(v) = l.strip_prefix("lines=") {
            match v.parse::<u16>() {
                Ok(n) => ctx.sh.lines = n,
                Err(_) => return Out::stderr(format!("Invalid parameter - {a}\r\n"), 1),
            }
            changed = true;
        }
    }
    if changed {
        let effect = ctx.st.quirks.mode_clears_screen.then_some(Effect::ClearScreen);
        return Out { effect, ..Out::new() };
    }
    Out::stdout(
        format!(
            "\r\nStatus for device CON:\r\n----------------------\r\n    Lines:          {}\r\n    Columns:        {}\r\n    Keyboard rate:  31\r\n    Keyboard delay: 1\r\n    Code page:      {}\r\n\r\n",
            ctx.sh.lines, ctx.sh.cols, ctx.sh.codepage
        ),
        0,
    )
}

fn chcp(ctx: &mut Ctx, args: &[String]) -> Out {
    if let Some(a) = args.first() {
        match a.parse::<u32>() {
            Ok(cp) if [437, 850, 852, 866, 932, 936, 949, 950, 1252, 65001].contains(&cp) => {
                ctx.sh.codepage = cp
            }
            _ => return Out::stderr("Invalid code page\r\n", 1),
        }
    }
    Out::stdout(format!("Active code page: {}\r\n", ctx.sh.codepage), 0)
}

fn timeout(args: &[String]) -> Out {
    let n = args
        .iter()
        .position(|a| a.eq_ignore_ascii_case("/t"))
        .and_then(|i| args.get(i + 1))
        .or_else(|| args.iter().find(|a| a.parse::<i64>().is_ok()))
        .and_then(|v| v.parse::<i64>().ok());
    let Some(n) = n else {
        return Out::stderr("ERROR: Invalid syntax. Default option is not allowed.\r\nType \"TIMEOUT /?\" for usage.\r\n", 1);
    };
    if n < 0 {
        return Out { delay_ms: u64::MAX, ..Out::stdout("\r\nPress any key to continue ...", 0) };
    }
    Out {
        delay_ms: n as u64 * 1000,
        ..Out::stdout(format!("\r\nWaiting for {n:>2} seconds, press a key to continue ...\r\n"), 0)
    }
}

/// `ping HOST [-n N] [-t]`: the VM's own addresses, loopback, its gateway and the Azure platform
/// address answer; other hosts time out; names that do not resolve fail.
fn ping(ctx: &mut Ctx, args: &[String]) -> Out {
    let mut count = 4u64;
    let mut forever = false;
    let mut host = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].to_ascii_lowercase().as_str() {
            "-t" | "/t" => forever = true,
            "-n" | "/n" => {
                count = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(4);
                i += 1;
            }
            "-4" | "-6" => {}
            "-l" | "-w" | "-i" | "/l" | "/w" | "/i" => i += 1,
            _ => host = Some(args[i].clone()),
        }
        i += 1;
    }
    let Some(host) = host else {
        return Out::stdout(
            "\r\nUsage: ping [-t] [-a] [-n count] [-l size] [-f] [-i TTL] [-v TOS]\r\n",
            1,
        );
    };
    let st = &ctx.st;
    let (addr, label) = match host.to_ascii_lowercase().as_str() {
        "localhost" => ("::1".to_string(), format!("{} [::1]", st.computer_name)),
        h if h.eq_ignore_ascii_case(&st.computer_name) => {
            ("::1".to_string(), format!("{} [::1]", st.computer_name))
        }
        h if h.parse::<std::net::Ipv4Addr>().is_ok() => (h.to_string(), h.to_string()),
        h => {
            return Out::stdout(
                format!(
                "Ping request could not find host {h}. Please check the name and try again.\r\n"
            ),
                1,
            )
        }
    };
    let answers = ["127.0.0.1", "::1", st.ip.as_str(), st.gateway.as_str(), "168.63.129.16"]
        .contains(&addr.as_str());
    let mut o = Out::new();
    o.out(format!("\r\nPinging {label} with 32 bytes of data:\r\n"));
    let reply = if addr == "::1" {
        "Reply from ::1: time<1ms \r\n".to_string()
    } else if answers {
        format!("Reply from {addr}: bytes=32 time<1ms TTL=128\r\n")
    } else {
        "Request timed out.\r\n".to_string()
    };
    if forever {
        o.out(reply.repeat(3));
        o.delay_ms = u64::MAX;
        return o;
    }
    o.out(reply.repeat(count as usize));
    let received = if answers { count } else { 0 };
    let lost = count - received;
    o.out(format!(
        "\r\nPing statistics for {addr}:\r\n    Packets: Sent = {count}, Received = {received}, Lost = {lost} ({}% loss),\r\n",
        (lost * 100).checked_div(count).unwrap_or(0)
    ));
    if answers {
        o.out("Approximate round trip times in milli-seconds:\r\n    Minimum = 0ms, Maximum = 0ms, Average = 0ms\r\n");
    }
    o.code = if answers { 0 } else { 1 };
    o.delay_ms = if answers { count * 1000 } else { count * 4000 };
    o
}
