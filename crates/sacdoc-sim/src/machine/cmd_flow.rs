//! cmd.exe's `if` and `for` as typed at the interactive prompt (single `%i`, not a batch file's
//! `%%i`; both are accepted). A client runner uses them to test a result on the VM
//! (`if errorlevel 1 ...`, `if exist ...`) and to pick fields out of another command's output
//! (`for /f "tokens=2 delims=:" %i in ('cmd') do ...`) without sending the whole output over the
//! line.
//!
//! The line was expanded (`%VAR%`) once when it was read, as cmd does; the parser hands over
//! the whole command, its branch or body included, and each branch or body is parsed again
//! when it runs.

use super::command::{Ctx, Out};

const SYNTAX: &str = "The syntax of the command is incorrect.\r\n";
// GUESS: a malformed `if` or `for` exits with code 255, the code cmd gives other syntax errors.

/// `rest` without the keyword `word` (any case) when it starts with it, followed by a blank or
/// by one of `also`; the rest is returned with leading blanks removed.
fn strip_word<'a>(rest: &'a str, word: &str, also: &str) -> Option<&'a str> {
    let head = rest.get(..word.len())?;
    let tail = &rest[word.len()..];
    (head.eq_ignore_ascii_case(word)
        && (tail.is_empty() || tail.starts_with(|c: char| c.is_whitespace() || also.contains(c))))
    .then(|| tail.trim_start())
}

/// The first token of `s` (double quotes group and are kept; it also ends at `==` when `eq`),
/// and what follows it.
fn token(s: &str, eq: bool) -> (&str, &str) {
    let mut quote = false;
    for (i, c) in s.char_indices() {
        if c == '"' {
            quote = !quote;
        } else if !quote && (c.is_whitespace() || (eq && s[i..].starts_with("=="))) {
            return (&s[..i], &s[i..]);
        }
    }
    (s, "")
}

/// The index just past the `)` that closes the `(` at the start of `s` (quotes respected).
fn matching_paren(s: &str) -> Option<usize> {
    let mut level = 0usize;
    let mut quote = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quote = !quote,
            '(' if !quote => level += 1,
            ')' if !quote => {
                level = level.saturating_sub(1);
                if level == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// A command written as `(block)` or plain: the block's inside, and the text after its `)`.
fn block(s: &str) -> Option<(&str, &str)> {
    let end = matching_paren(s)?;
    Some((&s[1..end - 1], &s[end..]))
}

/// Evaluates an `if` condition; returns its truth and the text after it, or the message of a
/// syntax error.
fn condition<'a>(ctx: &Ctx, s: &'a str, ci: bool) -> Result<(bool, &'a str), String> {
    if let Some(r) = strip_word(s, "errorlevel", "") {
        let (n, rest) = token(r, false);
        let n: i32 = n.parse().map_err(|_| format!("{n} was unexpected at this time.\r\n"))?;
        return Ok((ctx.sh.errorlevel >= n, rest));
    }
    if let Some(r) = strip_word(s, "exist", "") {
        let (p, rest) = token(r, false);
        let p = p.trim_matches('"');
        if p.is_empty() {
            return Err(SYNTAX.into());
        }
        return Ok((ctx.st.fs.exists(&ctx.path(p)), rest));
    }
    if let Some(r) = strip_word(s, "defined", "") {
        let (v, rest) = token(r, false);
        return Ok((ctx.sh.var(v).is_some(), rest));
    }
    if let Some(r) = strip_word(s, "cmdextversion", "") {
        let (n, rest) = token(r, false);
        let n: i32 = n.parse().map_err(|_| format!("{n} was unexpected at this time.\r\n"))?;
        return Ok((2 >= n, rest));
    }
    let (left, rest) = token(s, true);
    let rest = rest.trim_start();
    let (op, rest) = match rest.strip_prefix("==") {
        Some(r) => ("==".to_string(), r.trim_start()),
        None => {
            let (op, r) = token(rest, false);
            (op.to_ascii_uppercase(), r.trim_start())
        }
    };
    let (right, rest) = token(rest, false);
    if left.is_empty() || right.is_empty() {
        return Err(SYNTAX.into());
    }
    let ord = match (parse_num(left), parse_num(right)) {
        (Some(a), Some(b)) if op != "==" => a.cmp(&b),
        _ if ci => left.to_lowercase().cmp(&right.to_lowercase()),
        _ => left.cmp(right),
    };
    use std::cmp::Ordering::*;
    let truth = match op.as_str() {
        "==" | "EQU" => ord == Equal,
        "NEQ" => ord != Equal,
        "LSS" => ord == Less,
        "LEQ" => ord != Greater,
        "GTR" => ord == Greater,
        "GEQ" => ord != Less,
        _ => return Err(format!("{op} was unexpected at this time.\r\n")),
    };
    Ok((truth, rest))
}

/// A number as `if` compares it: decimal, `0x` hexadecimal, or octal with a leading 0.
fn parse_num(s: &str) -> Option<i64> {
    let (neg, d) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = d.strip_prefix("0x").or_else(|| d.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if d.len() > 1 && d.starts_with('0') {
        i64::from_str_radix(&d[1..], 8).ok()?
    } else {
        d.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Runs the text after a block's `)` (`& next`, `&& next`, `|| next`) with the block's code.
fn then_after(ctx: &mut Ctx, mut o: Out, after: &str) -> Out {
    if after.trim().is_empty() {
        return o;
    }
    let more = ctx.run_text(after, o.code);
    o.chunks.extend(more.chunks);
    o.code = ctx.sh.errorlevel;
    o.delay_ms = o.delay_ms.saturating_add(more.delay_ms);
    o.effect = more.effect.or(o.effect);
    o.paged = more.paged;
    o
}

/// `if [/i] [not] condition command [else command]`; `else` needs the first command in
/// parentheses, as in cmd.
pub fn if_(ctx: &mut Ctx, rest: &str) -> Out {
    let mut s = rest.trim_start();
    let (mut ci, mut not) = (false, false);
    loop {
        if let Some(r) = strip_word(s, "/i", "") {
            ci = true;
            s = r;
        } else if let Some(r) = strip_word(s, "not", "") {
            not = true;
            s = r;
        } else {
            break;
        }
    }
    let (truth, body) = match condition(ctx, s, ci) {
        Ok(x) => x,
        Err(msg) => return Out::stderr(msg, 255),
    };
    let body = body.trim_start();
    if body.is_empty() {
        return Out::stderr(SYNTAX, 255);
    }
    let truth = truth != not;
    let skipped = Out { keep_errorlevel: true, ..Out::new() };
    if !body.starts_with('(') {
        return if truth { ctx.run_text(body, 0) } else { skipped };
    }
    let Some((then_part, after)) = block(body) else {
        return Out::stderr(SYNTAX, 255);
    };
    let after_t = after.trim_start();
    let (else_part, after) = match strip_word(after_t, "else", "(") {
        Some(e) if e.starts_with('(') => match block(e) {
            Some((inner, rest)) => (Some(inner), rest),
            None => return Out::stderr(SYNTAX, 255),
        },
        Some(e) => (Some(e), ""),
        None => (None, after),
    };
    let o = match (truth, else_part) {
        (true, _) => ctx.run_text(then_part, 0),
        (false, Some(e)) => ctx.run_text(e, 0),
        (false, None) => skipped,
    };
    then_after(ctx, o, after)
}

/// `for /f` options: `skip=`, `eol=`, `delims=`, `tokens=`, `usebackq`.
#[derive(Debug)]
struct ForF {
    skip: usize,
    eol: Option<char>,
    delims: Vec<char>,
    /// 1-based token numbers, in order; `rest`: the last variable takes the rest of the line.
    tokens: Vec<usize>,
    rest: bool,
    usebackq: bool,
}

impl ForF {
    fn parse(opts: &str) -> Result<ForF, String> {
        let mut f = ForF {
            skip: 0,
            eol: Some(';'),
            delims: vec![' ', '\t'],
            tokens: vec![1],
            rest: false,
            usebackq: false,
        };
        let bad = || format!("{opts}\" was unexpected at this time.\r\n");
        let mut s = opts;
        while !s.is_empty() {
            s = s.trim_start_matches(' ');
            let lower = s.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("delims=") {
                // The delimiters run to the next option, or to the end (so a blank can be one).
                let start = s.len() - v.len();
                let end = [" tokens=", " skip=", " eol=", " usebackq"]
                    .iter()
                    .filter_map(|k| lower[start..].find(k))
                    .min()
                    .map_or(s.len(), |e| start + e);
                f.delims = s[start..end].chars().collect();
                s = &s[end..];
                continue;
            }
            let (word, tail) = s.split_at(s.find(' ').unwrap_or(s.len()));
            let lw = word.to_ascii_lowercase();
            if lw == "usebackq" {
                f.usebackq = true;
            } else if let Some(v) = lw.strip_prefix("skip=") {
                f.skip = v.parse().map_err(|_| bad())?;
            } else if let Some(v) = word.get(4..).filter(|_| lw.starts_with("eol=")) {
                f.eol = v.chars().next();
            } else if let Some(v) = lw.strip_prefix("tokens=") {
                f.tokens.clear();
                let v = match v.strip_suffix('*') {
                    Some(t) => {
                        f.rest = true;
                        t.trim_end_matches(',')
                    }
                    None => v,
                };
                for part in v.split(',').filter(|p| !p.is_empty()) {
                    let (a, b) = part.split_once('-').unwrap_or((part, part));
                    let (a, b): (usize, usize) =
                        (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
                    if a == 0 || b < a || b > 31 {
                        return Err(bad());
                    }
                    f.tokens.extend(a..=b);
                }
                f.tokens.sort_unstable();
                f.tokens.dedup();
                if f.rest {
                    let next = f.tokens.last().map_or(1, |l| l + 1);
                    f.tokens.push(next);
                }
            } else if !word.is_empty() {
                return Err(bad());
            }
            s = tail;
        }
        Ok(f)
    }

    /// The values of the line's requested tokens (`None` for a token the line does not have).
    fn split(&self, line: &str) -> Vec<Option<String>> {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut start: Option<usize> = None;
        for (i, c) in line.char_indices() {
            if self.delims.contains(&c) {
                if let Some(s) = start.take() {
                    spans.push((s, i));
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            spans.push((s, line.len()));
        }
        let last = self.tokens.len().saturating_sub(1);
        self.tokens
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                let (s, e) = *spans.get(n - 1)?;
                let end = if self.rest && k == last { line.len() } else { e };
                Some(line[s..end].to_string())
            })
            .collect()
    }
}

/// Replaces `%x` (and `%~x`, which also removes surrounding quotes, and `%~zx`, the size in
/// bytes of the file the value names, empty when there is none) for each loop variable.
fn substitute(body: &str, vars: &[(char, String)], size: &dyn Fn(&str) -> Option<u64>) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    let var = |c: Option<char>| c.and_then(|n| vars.iter().find(|(v, _)| *v == n));
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut chars = after.chars();
        let first = chars.next();
        let second = chars.next();
        let third = chars.next();
        if first == Some('~') && matches!(second, Some('z' | 'Z')) && var(second).is_none() {
            if let Some((n, value)) = var(third) {
                let path = value.trim_matches('"');
                out.push_str(&size(path).map(|z| z.to_string()).unwrap_or_default());
                rest = &after[2 + n.len_utf8()..];
                continue;
            }
        }
        let (tilde, name_at) = if first == Some('~') { (true, 1) } else { (false, 0) };
        match var(after[name_at..].chars().next()) {
            Some((n, value)) => {
                let v = if tilde { value.trim_matches('"') } else { value.as_str() };
                out.push_str(v);
                rest = &after[name_at + n.len_utf8()..];
            }
            None => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The items of a plain `for`'s set: blanks, commas and semicolons separate, quotes group;
/// a name with `*` or `?` is replaced by the matching files.
fn plain_items(ctx: &Ctx, set: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut quote = false;
    for c in set.chars().chain(std::iter::once(' ')) {
        if c == '"' {
            quote = !quote;
            cur.push(c);
        } else if !quote && (c.is_whitespace() || c == ',' || c == ';' || c == '=') {
            if !cur.is_empty() {
                items.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    let mut out = Vec::new();
    for item in items {
        if !item.contains(['*', '?']) {
            out.push(item);
            continue;
        }
        let (dir, pat) = match item.rfind('\\') {
            Some(i) => (&item[..=i], &item[i + 1..]),
            None => ("", item.as_str()),
        };
        let abs = ctx.path(if dir.is_empty() { "." } else { dir });
        for n in ctx.st.fs.children(&abs) {
            let name = n.path.rsplit('\\').next().unwrap_or_default();
            if !n.dir && wildcard(pat, name) {
                out.push(format!("{dir}{name}"));
            }
        }
    }
    out
}

/// `*` and `?` matching, case-insensitive, as file names compare on Windows.
pub(crate) fn wildcard(pat: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|k| go(rest, &n[k..])),
            Some((c, rest)) => n
                .split_first()
                .is_some_and(|(x, nr)| (*c == '?' || x.eq_ignore_ascii_case(c)) && go(rest, nr)),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// `for [/f ["options"] | /l] %x in (set) do command`.
///
/// At the interactive prompt cmd echoes each iteration's command after a blank line and the
/// prompt, unless the command starts with `@`.
// GUESS: the echoed command is the body as typed with the variables replaced; real cmd
// rebuilds it from its parse tree (a redirection is shown as ` 1>file`).
pub fn for_(ctx: &mut Ctx, rest: &str) -> Out {
    let mut s = rest.trim_start();
    let mut mode = ' ';
    if let Some(r) = strip_word(s, "/f", "\"") {
        mode = 'f';
        s = r;
    } else if let Some(r) = strip_word(s, "/l", "") {
        mode = 'l';
        s = r;
    }
    let mut opts = ForF::parse("").ok();
    if mode == 'f' && s.starts_with('"') {
        let Some(end) = s[1..].find('"') else { return Out::stderr(SYNTAX, 255) };
        match ForF::parse(&s[1..=end]) {
            Ok(f) => opts = Some(f),
            Err(msg) => return Out::stderr(msg, 255),
        }
        s = s[end + 2..].trim_start();
    }
    let Some(var) = s.strip_prefix("%%").or_else(|| s.strip_prefix('%')) else {
        return Out::stderr(format!("{} was unexpected at this time.\r\n", token(s, false).0), 255);
    };
    let Some(letter) = var.chars().next().filter(|c| c.is_ascii_alphabetic()) else {
        return Out::stderr(SYNTAX, 255);
    };
    let s = var[1..].trim_start();
    let Some(s) = strip_word(s, "in", "(") else {
        return Out::stderr(format!("{} was unexpected at this time.\r\n", token(s, false).0), 255);
    };
    let Some((set, s)) = s.starts_with('(').then(|| block(s)).flatten() else {
        return Out::stderr(SYNTAX, 255);
    };
    let Some(body) = strip_word(s.trim_start(), "do", "(") else {
        return Out::stderr(format!("{} was unexpected at this time.\r\n", token(s, false).0), 255);
    };
    if body.is_empty() {
        return Out::stderr(SYNTAX, 255);
    }
    // `@(...)`: a block whose commands are not echoed.
    let (quiet, unat) = match body.strip_prefix('@') {
        Some(b) => (true, b.trim_start()),
        None => (false, body),
    };
    let (body, after) = match unat.starts_with('(').then(|| block(unat)).flatten() {
        Some((inner, after)) if quiet => (format!("@{inner}"), after),
        Some((inner, after)) => (format!("({inner})"), after),
        None => (body.to_string(), ""),
    };
    let mut o = Out { keep_errorlevel: true, ..Out::new() };
    let rows: Vec<Vec<(char, String)>> = match mode {
        'l' => {
            let n: Vec<i64> = set.split([',', ' ']).filter_map(|x| x.trim().parse().ok()).collect();
            let (start, step, end) = (
                n.first().copied().unwrap_or(0),
                n.get(1).copied().unwrap_or(0),
                n.get(2).copied().unwrap_or(0),
            );
            let mut v = Vec::new();
            let mut i = start;
            while step != 0
                && ((step > 0 && i <= end) || (step < 0 && i >= end))
                && v.len() < 100_000
            {
                v.push(vec![(letter, i.to_string())]);
                i += step;
            }
            v
        }
        'f' => {
            let Some(f) = opts else { return Out::stderr(SYNTAX, 255) };
            let text = match f_source(ctx, set.trim(), f.usebackq) {
                Ok(t) => t,
                Err(msg) => return Out::stderr(msg, 1),
            };
            o.err(text.1);
            text.0
                .lines()
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .skip(f.skip)
                .filter(|l| {
                    let body = l.trim_start_matches(|c| f.delims.contains(&c));
                    !body.is_empty() && f.eol.is_none_or(|e| !body.starts_with(e))
                })
                .filter_map(|l| {
                    let vals = f.split(l);
                    vals.iter().any(Option::is_some).then(|| {
                        vals.into_iter()
                            .enumerate()
                            .map(|(k, v)| {
                                (char::from(letter as u8 + k as u8), v.unwrap_or_default())
                            })
                            .collect()
                    })
                })
                .collect()
        }
        _ => plain_items(ctx, set).into_iter().map(|i| vec![(letter, i)]).collect(),
    };
    for vars in rows {
        let size = |p: &str| {
            let path = ctx.path(p);
            (!ctx.st.fs.is_dir(&path))
                .then(|| ctx.st.fs.read_file(&path))
                .flatten()
                .map(|d| d.len() as u64)
        };
        let cmd = substitute(&body, &vars, &size);
        let shown = cmd.trim();
        if !shown.starts_with('@') {
            o.out(format!("\r\n{}{shown}\r\n", ctx.sh.prompt()));
        }
        let r = ctx.run_text(&cmd, 0);
        o.chunks.extend(r.chunks);
        o.code = r.code;
        o.delay_ms = o.delay_ms.saturating_add(r.delay_ms);
        if r.effect.is_some() {
            o.effect = r.effect;
        }
        if o.effect == Some(super::Effect::ExitShell) || o.delay_ms == u64::MAX {
            return o;
        }
    }
    then_after(ctx, o, after)
}

/// The text a `for /f` reads: a command's output, a literal string, or files.
/// Returns the text and what the command wrote to stderr.
fn f_source(ctx: &mut Ctx, set: &str, usebackq: bool) -> Result<(String, String), String> {
    let (cmd_q, str_q) = if usebackq { ('`', '\'') } else { ('\'', '"') };
    if let Some(cmd) = set.strip_prefix(cmd_q).and_then(|r| r.strip_suffix(cmd_q)) {
        return Ok(ctx.run_captured(cmd));
    }
    if let Some(text) = set.strip_prefix(str_q).and_then(|r| r.strip_suffix(str_q)) {
        return Ok((text.to_string(), String::new()));
    }
    let mut text = String::new();
    for name in plain_items(ctx, set) {
        let name = name.trim_matches('"');
        match ctx.st.fs.read_file(&ctx.path(name)) {
            Some(b) => text.push_str(&super::command::decode_text(&b)),
            None => return Err(format!("The system cannot find the file {name}.\r\n")),
        }
    }
    Ok((text, String::new()))
}
