//! cmd.exe command-line surgery: splitting a line at its top-level `&`, `&&` and `||` (outside
//! quotes, not escaped with `^`, not part of a `2>&1` redirection), so each part can be given its
//! own redirection without changing what the line means.
//!
//! The redirections go *before* each part (`>"F" 2>&1 echo hi`): cmd keeps the blanks in front of a
//! trailing redirection in `echo`'s text (`echo hi >F` writes `hi `), so a redirection appended
//! at the end would change what the command prints.

/// One piece of a command line, exactly as typed (blanks kept), and the operator that follows it
/// (`""` for the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    pub op: &'static str,
}

/// Splits `line` at top-level `&`, `&&` and `||`. Pipes stay inside their part.
pub fn split_chain(line: &str) -> Vec<Part> {
    let chars: Vec<char> = line.chars().collect();
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '^' if !quoted => {
                cur.push(c);
                if let Some(&n) = chars.get(i + 1) {
                    cur.push(n);
                    i += 1;
                }
            }
            '&' if !quoted && !cur.trim_end().ends_with('>') => {
                let op = if chars.get(i + 1) == Some(&'&') {
                    i += 1;
                    "&&"
                } else {
                    "&"
                };
                parts.push(Part { text: std::mem::take(&mut cur), op });
                cur.clear();
            }
            '|' if !quoted && chars.get(i + 1) == Some(&'|') => {
                i += 1;
                parts.push(Part { text: std::mem::take(&mut cur), op: "||" });
            }
            _ => cur.push(c),
        }
        i += 1;
    }
    parts.push(Part { text: cur, op: "" });
    parts
}

/// `line` with the output of every part (stdout and stderr) sent to `file`: the first part
/// creates it, the others append. Blanks and operators are kept as typed.
///
/// A line with an `if` or `for`, or one that opens a `( ... )` block, cannot be split: `if` and
/// `for` take the rest of the line (`&` included) as their command, and a block's `&` belongs to
/// the block. Such a line is run as one redirected block, `>"F" 2>&1 (LINE)`, which cmd applies to
/// every command inside it.
pub fn redirect_all(line: &str, file: &str) -> String {
    redirect(line, file, ">")
}

/// [`redirect_all`], with every part appending to `file` (something else created it).
pub fn redirect_all_appending(line: &str, file: &str) -> String {
    redirect(line, file, ">>")
}

fn redirect(line: &str, file: &str, first: &str) -> String {
    let parts = split_chain(line);
    if parts.iter().any(|p| starts_compound(&p.text)) {
        return format!("{first}\"{file}\" 2>&1 ({line})");
    }
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        let arrow = if i == 0 { first } else { ">>" };
        // In a pipeline the output is what its last command prints.
        let (head, last) = split_last_pipe(&p.text);
        out.push_str(&format!("{head}{arrow}\"{file}\" 2>&1 {}{}", last.trim_start(), p.op));
    }
    out
}

/// True when a part starts (after blanks and `@`) with a block or an `if` / `for` command.
fn starts_compound(part: &str) -> bool {
    let t = part.trim_start().trim_start_matches('@').trim_start();
    if t.starts_with('(') {
        return true;
    }
    let word: String = t.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let rest = &t[word.len()..];
    let ends_word = rest.is_empty() || rest.starts_with([' ', '\t', '/', '(']);
    ends_word && (word.eq_ignore_ascii_case("if") || word.eq_ignore_ascii_case("for"))
}

/// Splits a part at its last top-level `|`: (`"a |"`, `" b"`); (`""`, part) without a pipe.
pub fn split_last_pipe(part: &str) -> (&str, &str) {
    let mut quoted = false;
    let mut escaped = false;
    let mut last = None;
    for (i, c) in part.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '"' => quoted = !quoted,
            '^' if !quoted => escaped = true,
            '|' if !quoted => last = Some(i),
            _ => {}
        }
    }
    match last {
        Some(i) => part.split_at(i + 1),
        None => ("", part),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_operators_only() {
        let parts = split_chain(r#"echo "a & b" & dir 2>&1 | find "x" && ver || echo ^& z"#);
        let texts: Vec<(&str, &str)> = parts.iter().map(|p| (p.text.as_str(), p.op)).collect();
        assert_eq!(
            texts,
            vec![
                (r#"echo "a & b" "#, "&"),
                (r#" dir 2>&1 | find "x" "#, "&&"),
                (" ver ", "||"),
                (" echo ^& z", ""),
            ]
        );
    }

    #[test]
    fn pipelines_are_redirected_at_their_last_command() {
        assert_eq!(
            redirect_all("netstat -anob | findstr \"a|b\"", "F"),
            "netstat -anob |>\"F\" 2>&1 findstr \"a|b\""
        );
    }

    #[test]
    fn if_for_and_blocks_run_as_one_redirected_block() {
        let line = "if exist C:\\Windows (echo a & echo b)";
        assert_eq!(redirect_all(line, "F"), format!(">\"F\" 2>&1 ({line})"));
        let line = "hostname & @for /f %i in ('ver') do echo %i";
        assert_eq!(redirect_all(line, "F"), format!(">\"F\" 2>&1 ({line})"));
        let line = "(echo a & echo b) | sort";
        assert_eq!(redirect_all(line, "F"), format!(">\"F\" 2>&1 ({line})"));
        // Words that only start like a keyword are ordinary commands.
        assert_eq!(
            redirect_all("ifconfig & format", "F"),
            ">\"F\" 2>&1 ifconfig &>>\"F\" 2>&1 format"
        );
    }

    #[test]
    fn redirects_every_part() {
        assert_eq!(
            redirect_all("echo a & hostname", "F"),
            ">\"F\" 2>&1 echo a &>>\"F\" 2>&1 hostname"
        );
    }
}
