//! cmd.exe line syntax: `%VAR%` expansion (once, when the line is read), `^` escapes, double
//! quotes, `&`, `&&`, `||`, `|`, and redirections (`>`, `>>`, `2>&1`, `2>nul`, `< file`).

/// Where a redirected stream goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    File(String),
    Nul,
    /// `>&1` / `>&2`: the current destination of that stream.
    Fd(u8),
}

/// One redirection: `fd` 0 (input), 1 or 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redir {
    pub fd: u8,
    pub target: Target,
    pub append: bool,
}

/// One command with its redirections removed from its text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Simple {
    /// The command text, carets removed, quotes kept, leading blanks trimmed, trailing kept
    /// (cmd's `echo x > f` writes `x ` with the space).
    pub text: String,
    pub redirs: Vec<Redir>,
}

/// How a pipeline joins the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// `&` (or the first pipeline).
    Always,
    /// `&&`
    IfOk,
    /// `||`
    IfFail,
}

/// Commands joined by `|`.
pub type Pipeline = Vec<Simple>;

/// Expands `%NAME%` once. An undefined name is left as typed (interactive cmd behaviour), so
/// `%^errorlevel%` survives to be expanded again by `call` after the caret is removed.
pub fn expand(line: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('%') {
            Some(j) if j > 0 => {
                let name = &after[..j];
                match lookup(name) {
                    Some(v) => {
                        out.push_str(&v);
                        rest = &after[j + 1..];
                    }
                    None => {
                        out.push('%');
                        rest = after;
                    }
                }
            }
            _ => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Splits an (already expanded) line into pipelines joined by `&`, `&&`, `||`.
pub fn parse(line: &str) -> Vec<(Join, Pipeline)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out: Vec<(Join, Pipeline)> = Vec::new();
    let mut join = Join::Always;
    let mut pipeline: Pipeline = Vec::new();
    let mut cur = Simple::default();
    let mut in_quote = false;
    let mut i = 0;
    let finish_cmd = |cur: &mut Simple, pipeline: &mut Pipeline| {
        let mut c = std::mem::take(cur);
        c.text = c.text.trim_start().to_string();
        pipeline.push(c);
    };
    while i < chars.len() {
        let c = chars[i];
        if in_quote {
            cur.text.push(c);
            if c == '"' {
                in_quote = false;
            }
            i += 1;
            continue;
        }
        match c {
            '"' => {
                in_quote = true;
                cur.text.push(c);
                i += 1;
            }
            '^' => {
                if let Some(&n) = chars.get(i + 1) {
                    cur.text.push(n);
                }
                i += 2;
            }
            '&' | '|' => {
                let double = chars.get(i + 1) == Some(&c);
                finish_cmd(&mut cur, &mut pipeline);
                if c == '|' && !double {
                    i += 1;
                    continue;
                }
                out.push((join, std::mem::take(&mut pipeline)));
                join = match (c, double) {
                    ('&', true) => Join::IfOk,
                    ('|', true) => Join::IfFail,
                    _ => Join::Always,
                };
                i += if double { 2 } else { 1 };
            }
            '>' | '<' => {
                let mut fd: u8 = if c == '<' { 0 } else { 1 };
                if c == '>' {
                    let t = &cur.text;
                    let last = t.chars().last();
                    let before = t.chars().rev().nth(1);
                    if let Some(d @ ('1' | '2')) = last {
                        if before.is_none_or(char::is_whitespace) {
                            fd = if d == '1' { 1 } else { 2 };
                            cur.text.pop();
                        }
                    }
                }
                i += 1;
                let append = c == '>' && chars.get(i) == Some(&'>');
                if append {
                    i += 1;
                }
                while chars.get(i).is_some_and(|x| *x == ' ' || *x == '\t') {
                    i += 1;
                }
                let target = if chars.get(i) == Some(&'&')
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)
                {
                    let d = chars[i + 1].to_digit(10).unwrap_or(1) as u8;
                    i += 2;
                    Target::Fd(d)
                } else {
                    let mut word = String::new();
                    let mut q = false;
                    while let Some(&x) = chars.get(i) {
                        if x == '"' {
                            q = !q;
                        } else if !q && (x.is_whitespace() || "&|<>".contains(x)) {
                            break;
                        } else {
                            word.push(x);
                        }
                        i += 1;
                    }
                    if word.eq_ignore_ascii_case("nul") {
                        Target::Nul
                    } else {
                        Target::File(word)
                    }
                };
                cur.redirs.push(Redir { fd, target, append });
            }
            _ => {
                cur.text.push(c);
                i += 1;
            }
        }
    }
    finish_cmd(&mut cur, &mut pipeline);
    out.push((join, pipeline));
    out
}

/// Splits command arguments as Windows programs do (CommandLineToArgvW, simplified): blanks
/// separate, double quotes group and are removed, `\"` is a literal quote.
pub fn split_args(s: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut q = false;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1) == Some(&'"') {
            cur.push('"');
            have = true;
            i += 2;
            continue;
        }
        if c == '"' {
            q = !q;
            have = true;
        } else if !q && c.is_whitespace() {
            if have {
                args.push(std::mem::take(&mut cur));
                have = false;
            }
        } else {
            cur.push(c);
            have = true;
        }
        i += 1;
    }
    if have {
        args.push(cur);
    }
    args
}

/// Splits a command text into its name and the rest. The name ends at a blank, or at `/`, `.`
/// `(` or `:` right after `echo` (`echo.`), or at `/` (`dir/s`); a quoted name is unquoted.
pub fn split_name(text: &str) -> (String, String) {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix('"') {
        if let Some(end) = rest.find('"') {
            return (rest[..end].to_string(), rest[end + 1..].to_string());
        }
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("echo") && t.len() > 4 {
        let n = t.as_bytes()[4];
        if matches!(n, b'.' | b'/' | b'(' | b':' | b',' | b';' | b'=' | b'[' | b']' | b'+') {
            return ("echo".into(), t[4..].to_string());
        }
    }
    let end = t.find(|c: char| c.is_whitespace() || c == '/').unwrap_or(t.len());
    let end = if end == 0 { t.find(char::is_whitespace).unwrap_or(t.len()) } else { end };
    (t[..end].to_string(), t[end..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_variables_stay_and_carets_defer_expansion() {
        let look = |n: &str| (n.eq_ignore_ascii_case("errorlevel")).then(|| "0".to_string());
        assert_eq!(expand("x & echo %errorlevel% %nope% 100%", &look), "x & echo 0 %nope% 100%");
        assert_eq!(expand("call echo END%^errorlevel%", &look), "call echo END%^errorlevel%");
        let p = parse("call echo END%^errorlevel%");
        assert_eq!(p[0].1[0].text, "call echo END%errorlevel%");
    }

    #[test]
    fn operators_and_redirections() {
        let p = parse("a 2>nul && b >> out.txt 2>&1 | findstr x & c ^& d");
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].0, Join::Always);
        assert_eq!(p[0].1[0].text, "a  ");
        assert_eq!(p[0].1[0].redirs, vec![Redir { fd: 2, target: Target::Nul, append: false }]);
        assert_eq!(p[1].0, Join::IfOk);
        assert_eq!(p[1].1.len(), 2);
        assert_eq!(p[1].1[0].redirs.len(), 2);
        assert_eq!(p[1].1[0].redirs[1].target, Target::Fd(1));
        assert_eq!(p[2].1[0].text, "c & d");
    }

    #[test]
    fn args_and_names() {
        assert_eq!(split_args(r#"/c:"a b" x "" \"q\""#), vec!["/c:a b", "x", "", "\"q\""]);
        assert_eq!(split_name("echo.").0, "echo");
        assert_eq!(split_name("dir/s").1, "/s");
        assert_eq!(
            split_name("\"C:\\Program Files\\x.exe\" -a"),
            ("C:\\Program Files\\x.exe".into(), " -a".into())
        );
    }
}
