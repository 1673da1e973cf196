//! The filters a pipeline ends in: `findstr`, `find`, `more`, `sort`.

use super::command::{decode_text, Ctx, Out};

/// Lines of a text without their line ends.
fn lines(text: &str) -> Vec<&str> {
    let mut v: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    if v.last() == Some(&"") {
        v.pop();
    }
    v
}

pub fn run(ctx: &mut Ctx, name: &str, args: &[String]) -> Out {
    match name {
        "findstr" => findstr(ctx, args),
        "find" => find(ctx, args),
        "more" => more(ctx, args),
        _ => sort(ctx, args),
    }
}

/// Input: the named files, else stdin.
fn input(ctx: &Ctx, files: &[String]) -> Result<Vec<(String, String)>, String> {
    if files.is_empty() {
        return Ok(vec![(String::new(), ctx.stdin.clone().unwrap_or_default())]);
    }
    files
        .iter()
        .map(|f| {
            let abs = ctx.path(f);
            ctx.st.fs.read_file(&abs).map(|b| (f.clone(), decode_text(&b))).ok_or_else(|| f.clone())
        })
        .collect()
}

/// Converts a findstr regular expression (`.` `*` `^` `$` `[class]` `\<` `\>` `\x`) into a Rust one.
fn findstr_regex(pat: &str) -> String {
    let mut out = String::new();
    let mut chars = pat.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if in_class {
            if c == ']' {
                in_class = false;
            }
            if c == '\\' || (c == '[' && !out.ends_with('[')) {
                out.push('\\');
            }
            out.push(c);
            continue;
        }
        match c {
            '.' | '*' | '^' | '$' => out.push(c),
            '[' => {
                in_class = true;
                out.push('[');
            }
            '\\' => match chars.next() {
                Some('<') | Some('>') => out.push_str("\\b"),
                Some(n) => out.push_str(&regex::escape(&n.to_string())),
                None => out.push_str("\\\\"),
            },
            other => out.push_str(&regex::escape(&other.to_string())),
        }
    }
    if in_class {
        out.push(']');
    }
    out
}

fn findstr(ctx: &mut Ctx, args: &[String]) -> Out {
    let (mut ci, mut invert, mut literal, mut begin, mut end, mut whole, mut number) =
        (false, false, false, false, false, false, false);
    let mut strings: Vec<String> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    let mut have_c = false;
    let mut explicit_regex = false;
    for a in args {
        if let Some(opt) = a.strip_prefix('/') {
            let lower = opt.to_ascii_lowercase();
            if let Some(s) = lower.strip_prefix("c:") {
                let _ = s;
                strings.push(opt[2..].to_string());
                have_c = true;
                continue;
            }
            for f in lower.chars() {
                match f {
                    'i' => ci = true,
                    'v' => invert = true,
                    'l' => literal = true,
                    'r' => {
                        literal = false;
                        explicit_regex = true;
                    }
                    'b' => begin = true,
                    'e' => end = true,
                    'x' => whole = true,
                    'n' => number = true,
                    's' | 'm' | 'o' | 'p' | 'a' => {}
                    _ => return Out::stderr(format!("FINDSTR: /{opt} ignored\r\n"), 2),
                }
            }
        } else {
            rest.push(a.clone());
        }
    }
    if !have_c {
        if rest.is_empty() {
            return Out::stderr("FINDSTR: Bad command line\r\n", 2);
        }
        strings = rest.remove(0).split_whitespace().map(String::from).collect();
    }
    // `/c:` strings are literal unless `/r` asks for a regular expression; plain strings are
    // regular expressions unless `/l` asks for literal text (findstr's documented defaults).
    let literal = if have_c { !explicit_regex } else { literal };
    let mut pats = Vec::new();
    for s in &strings {
        let body = if literal { regex::escape(s) } else { findstr_regex(s) };
        let body = match (begin || whole, end || whole) {
            (true, true) => format!("^(?:{body})$"),
            (true, false) => format!("^(?:{body})"),
            (false, true) => format!("(?:{body})$"),
            _ => body,
        };
        let full = if ci { format!("(?i){body}") } else { body };
        match regex::Regex::new(&full) {
            Ok(r) => pats.push(r),
            Err(_) => return Out::stderr("FINDSTR: Bad command line\r\n", 2),
        }
    }
    let inputs = match input(ctx, &rest) {
        Ok(i) => i,
        Err(f) => return Out::stderr(format!("FINDSTR: Cannot open {f}\r\n"), 1),
    };
    let many = inputs.len() > 1;
    let mut o = Out::new();
    let mut found = false;
    for (file, text) in &inputs {
        for (n, l) in lines(text).iter().enumerate() {
            if pats.iter().any(|p| p.is_match(l)) != invert {
                found = true;
                let prefix = match (many, number) {
                    (true, true) => format!("{file}:{}:", n + 1),
                    (true, false) => format!("{file}:"),
                    (false, true) => format!("{}:", n + 1),
                    _ => String::new(),
                };
                o.out(format!("{prefix}{l}\r\n"));
            }
        }
    }
    o.code = if found { 0 } else { 1 };
    o
}

fn find(ctx: &mut Ctx, args: &[String]) -> Out {
    let (mut ci, mut invert, mut count, mut number) = (false, false, false, false);
    let mut rest = Vec::new();
    for a in args {
        match a.to_ascii_lowercase().as_str() {
            "/i" => ci = true,
            "/v" => invert = true,
            "/c" => count = true,
            "/n" => number = true,
            "/off" | "/offline" => {}
            _ => rest.push(a.clone()),
        }
    }
    if rest.is_empty() {
        return Out::stderr("FIND: Parameter format not correct\r\n", 2);
    }
    let needle = rest.remove(0);
    let inputs = match input(ctx, &rest) {
        Ok(i) => i,
        Err(f) => return Out::stderr(format!("File not found - {}\r\n", f.to_uppercase()), 1),
    };
    let mut o = Out::new();
    let mut total = 0usize;
    for (file, text) in &inputs {
        let matched: Vec<(usize, &str)> = lines(text)
            .into_iter()
            .enumerate()
            .filter(|(_, l)| {
                let hit = if ci {
                    l.to_lowercase().contains(&needle.to_lowercase())
                } else {
                    l.contains(needle.as_str())
                };
                hit != invert
            })
            .collect();
        total += matched.len();
        let header = if file.is_empty() {
            None
        } else {
            Some(format!("\r\n---------- {}", file.to_uppercase()))
        };
        if count {
            match header {
                Some(h) => o.out(format!("{h}: {}\r\n", matched.len())),
                None => o.out(format!("{}\r\n", matched.len())),
            }
            continue;
        }
        if let Some(h) = header {
            o.out(format!("{h}\r\n"));
        }
        for (n, l) in matched {
            if number {
                o.out(format!("[{}]{l}\r\n", n + 1));
            } else {
                o.out(format!("{l}\r\n"));
            }
        }
    }
    o.code = if total > 0 { 0 } else { 1 };
    o
}

/// `more [+N] [file]`: everything (the console pages it: `paged` is set), from line N+1.
fn more(ctx: &mut Ctx, args: &[String]) -> Out {
    let mut skip = 0usize;
    let mut files = Vec::new();
    for a in args {
        if let Some(n) = a.strip_prefix('+') {
            skip = n.parse().unwrap_or(0);
        } else if !a.starts_with('/') {
            files.push(a.clone());
        }
    }
    let inputs = match input(ctx, &files) {
        Ok(i) => i,
        Err(f) => return Out::stderr(format!("Cannot access file {}\r\n", ctx.path(&f)), 1),
    };
    let mut o = Out::new();
    for (_, text) in &inputs {
        for l in lines(text).into_iter().skip(skip) {
            o.out(format!("{l}\r\n"));
        }
    }
    o.paged = true;
    o
}

fn sort(ctx: &mut Ctx, args: &[String]) -> Out {
    let reverse = args.iter().any(|a| a.eq_ignore_ascii_case("/r"));
    let files: Vec<String> = args.iter().filter(|a| !a.starts_with('/')).cloned().collect();
    let inputs = match input(ctx, &files) {
        Ok(i) => i,
        Err(_) => return Out::stderr(format!("{}\r\n", super::fs::NOT_FOUND), 1),
    };
    let mut all: Vec<String> =
        inputs.iter().flat_map(|(_, t)| lines(t).into_iter().map(String::from)).collect();
    all.sort_by_key(|l| l.to_uppercase());
    if reverse {
        all.reverse();
    }
    Out::stdout(all.iter().map(|l| format!("{l}\r\n")).collect::<String>(), 0)
}
