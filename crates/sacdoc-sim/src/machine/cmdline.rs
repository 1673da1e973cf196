//! cmd.exe line syntax: `%VAR%` expansion (once, when the line is read), `^` escapes, double
//! quotes, `&`, `&&`, `||`, `|`, parenthesised blocks, and redirections (`>`, `>>`, `2>&1`,
//! `2>nul`, `< file`).

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

/// One command (or parenthesised block) with its redirections removed from its text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Simple {
    /// The command text, carets removed, quotes kept, leading blanks trimmed, trailing kept
    /// (cmd's `echo x > f` writes `x ` with the space).
    pub text: String,
    pub redirs: Vec<Redir>,
    /// A parenthesised block `( ... )`: its pipelines, run with this command's redirections
    /// (and its place in a pipe). `text` is then what followed the `)` (blank when well formed).
    pub group: Option<Vec<(Join, Pipeline)>>,
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

/// A parsed line: its pipelines, and whether a `(` was left open (cmd then asks `More? ` for the
/// rest of the block).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    pub items: Vec<(Join, Pipeline)>,
    pub unclosed: bool,
}

/// Splits an (already expanded) line into pipelines joined by `&`, `&&`, `||`.
pub fn parse(line: &str) -> Vec<(Join, Pipeline)> {
    parse_checked(line).items
}

/// [`parse`], also telling whether a parenthesised block is still open at the end of the line.
///
/// As cmd.exe parses: `(` opens a block only where a command starts (after blanks and
/// redirections such as `>f 2>&1 (a & b)`); elsewhere (`echo (x)`) it is text. Inside a block an
/// unquoted, unescaped `)` closes it (also in the middle of an `echo`'s text or a redirection's
/// file name); outside any block `)` is text. A line break inside a block separates commands as
/// `&` does. Redirections written before or after a block (`(a | b) > f 2>&1`) belong to the
/// block and so to every command in it.
pub fn parse_checked(line: &str) -> Parsed {
    let chars: Vec<char> = line.chars().collect();
    let mut p = Parser { chars, i: 0, unclosed: false };
    let (items, _) = p.items(0);
    Parsed { items, unclosed: p.unclosed }
}

struct Parser {
    chars: Vec<char>,
    i: usize,
    unclosed: bool,
}

/// Nesting beyond this is read as text (cmd.exe itself limits the depth of blocks).
const MAX_DEPTH: usize = 64;

impl Parser {
    /// Pipelines up to the end of the line, or up to the `)` that closes the block at `depth`
    /// (consumed; the flag says whether it was found).
    fn items(&mut self, depth: usize) -> (Vec<(Join, Pipeline)>, bool) {
        let mut out: Vec<(Join, Pipeline)> = Vec::new();
        let mut join = Join::Always;
        let mut pipeline: Pipeline = Vec::new();
        let mut cur = Simple::default();
        let mut in_quote = false;
        let finish_cmd = |cur: &mut Simple, pipeline: &mut Pipeline| {
            let mut c = std::mem::take(cur);
            c.text = c.text.trim_start().to_string();
            pipeline.push(c);
        };
        while self.i < self.chars.len() {
            let c = self.chars[self.i];
            if in_quote && c != '\n' {
                cur.text.push(c);
                if c == '"' {
                    in_quote = false;
                }
                self.i += 1;
                continue;
            }
            in_quote = false;
            if cur.group.is_none() && cur.text.trim().is_empty() && self.at_if_or_for() {
                let raw = self.raw_command(depth);
                cur.text.push_str(&raw);
                continue;
            }
            match c {
                // `@` before a command or block only hides it from echoing.
                '@' if cur.group.is_none() && cur.text.trim().is_empty() => self.i += 1,
                '"' => {
                    in_quote = true;
                    cur.text.push(c);
                    self.i += 1;
                }
                '^' => {
                    if let Some(&n) = self.chars.get(self.i + 1) {
                        cur.text.push(n);
                    }
                    self.i += 2;
                }
                '(' if cur.group.is_none() && cur.text.trim().is_empty() && depth < MAX_DEPTH => {
                    self.i += 1;
                    let (inner, closed) = self.items(depth + 1);
                    cur.group = Some(inner);
                    cur.text.clear();
                    if !closed {
                        self.unclosed = true;
                    }
                }
                ')' if depth > 0 => {
                    self.i += 1;
                    finish_cmd(&mut cur, &mut pipeline);
                    out.push((join, pipeline));
                    return (out, true);
                }
                '&' | '|' | '\n' => {
                    let double = c != '\n' && self.chars.get(self.i + 1) == Some(&c);
                    finish_cmd(&mut cur, &mut pipeline);
                    if c == '|' && !double {
                        self.i += 1;
                        continue;
                    }
                    out.push((join, std::mem::take(&mut pipeline)));
                    join = match (c, double) {
                        ('&', true) => Join::IfOk,
                        ('|', true) => Join::IfFail,
                        _ => Join::Always,
                    };
                    self.i += if double { 2 } else { 1 };
                }
                '>' | '<' => {
                    let r = self.redirection(&mut cur.text, depth);
                    cur.redirs.push(r);
                }
                _ => {
                    cur.text.push(c);
                    self.i += 1;
                }
            }
        }
        finish_cmd(&mut cur, &mut pipeline);
        out.push((join, pipeline));
        (out, depth == 0)
    }

    /// Whether an `if` or `for` command (optionally after `@`) starts here.
    fn at_if_or_for(&self) -> bool {
        let rest: String = self.chars[self.i..].iter().take(5).collect();
        let lower = rest.to_ascii_lowercase();
        let lower = lower.strip_prefix('@').unwrap_or(&lower);
        ["if", "for"]
            .iter()
            .any(|k| lower.strip_prefix(k).is_some_and(|r| r.starts_with([' ', '\t'])))
    }

    /// The text of an `if` or `for` command: the condition or loop head and its command, which
    /// takes the rest of the line (`&` and `|` included) or ends at the `)` closing the block it
    /// stands in. Carets are removed once here, as cmd's parser does; the command is parsed again
    /// when it runs.
    fn raw_command(&mut self, depth: usize) -> String {
        let mut raw = String::new();
        let mut quote = false;
        let mut level = 0usize;
        while let Some(&c) = self.chars.get(self.i) {
            if c == '\n' && level == 0 {
                break;
            }
            if quote {
                quote = c != '"';
            } else {
                match c {
                    '"' => quote = true,
                    '^' => {
                        if let Some(&n) = self.chars.get(self.i + 1) {
                            raw.push(n);
                        }
                        self.i += 2;
                        continue;
                    }
                    '(' => level += 1,
                    ')' if level > 0 => level -= 1,
                    ')' if depth > 0 => break,
                    _ => {}
                }
            }
            raw.push(c);
            self.i += 1;
        }
        raw
    }

    /// One redirection starting at `>` or `<`; a `1` or `2` standing alone at the end of `text`
    /// is its stream number and is removed from the text.
    fn redirection(&mut self, text: &mut String, depth: usize) -> Redir {
        let chars = &self.chars;
        let c = chars[self.i];
        let mut fd: u8 = if c == '<' { 0 } else { 1 };
        if c == '>' {
            let last = text.chars().last();
            let before = text.chars().rev().nth(1);
            if let Some(d @ ('1' | '2')) = last {
                if before.is_none_or(char::is_whitespace) {
                    fd = if d == '1' { 1 } else { 2 };
                    text.pop();
                }
            }
        }
        let mut i = self.i + 1;
        let append = c == '>' && chars.get(i) == Some(&'>');
        if append {
            i += 1;
        }
        while chars.get(i).is_some_and(|x| *x == ' ' || *x == '\t') {
            i += 1;
        }
        let target =
            if chars.get(i) == Some(&'&') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                let d = chars[i + 1].to_digit(10).unwrap_or(1) as u8;
                i += 2;
                Target::Fd(d)
            } else {
                let mut word = String::new();
                let mut q = false;
                while let Some(&x) = chars.get(i) {
                    if x == '"' {
                        q = !q;
                    } else if x == '\n'
                        || (!q && (x.is_whitespace() || "&|<>".contains(x)))
                        || (!q && x == ')' && depth > 0)
                    {
                        break;
                    } else {
                        word.push(x);
                    }
                    i += 1;
                }
                if is_nul(&word) {
                    Target::Nul
                } else {
                    Target::File(word)
                }
            };
        self.i = i;
        Redir { fd, target, append }
    }
}

/// Whether a typed file name is the null device (`nul`, `NUL:`, `C:\dir\nul`): it reads as
/// empty and swallows what is written to it.
pub fn is_nul(typed: &str) -> bool {
    let base = typed.rsplit(['\\', '/']).next().unwrap_or(typed);
    base.trim_end_matches(':').eq_ignore_ascii_case("nul")
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
    fn blocks_carry_their_redirections_and_nest() {
        let p = parse_checked(r#">"C:\t\x.txt" 2>&1 (netstat -ano | findstr /c:":3389 ") & ver"#);
        assert!(!p.unclosed);
        assert_eq!(p.items.len(), 2);
        let block = &p.items[0].1[0];
        assert_eq!(block.redirs.len(), 2);
        assert_eq!(block.redirs[0].target, Target::File("C:\\t\\x.txt".into()));
        let inner = block.group.as_ref().map(|g| g[0].1.clone()).unwrap_or_default();
        assert_eq!(inner.len(), 2);
        assert_eq!(inner[1].text, "findstr /c:\":3389 \"");
        assert_eq!(p.items[1].1[0].text, "ver");
        // Nested, and text after a block kept for the syntax check.
        let p = parse_checked("((a) & b) x");
        assert_eq!(p.items[0].1[0].text, "x");
        let outer = p.items[0].1[0].group.clone().unwrap_or_default();
        assert!(outer[0].1[0].group.is_some());
        assert!(parse_checked("(a & (b)").unclosed);
        assert!(!parse_checked("echo (a").unclosed);
        // if/for keep their whole command, operators included, up to an enclosing `)`.
        let p = parse("(if 1==1 echo a & echo b) & c");
        let g = p[0].1[0].group.clone().unwrap_or_default();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].1[0].text, "if 1==1 echo a & echo b");
        let p = parse("for %i in ('a ^| b') do @echo %i | more");
        assert_eq!(p[0].1.len(), 1);
        assert_eq!(p[0].1[0].text, "for %i in ('a | b') do @echo %i | more");
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
