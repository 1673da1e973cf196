//! The PowerShell syntax the simulator understands: statements separated by `;`, pipelines joined by
//! `|`, words, `'single'` and `"double"` quoted strings, `{ script blocks }`, `-Name value`
//! parameters, comma lists, and where each command sits in the line (for error records).

/// One argument word as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `-Name` (the dash removed); `value` is set for `-Name:value`.
    Param(String, Option<String>),
    /// A bare or quoted word; `quoted` when it came from quotes (never a parameter).
    Word { text: String, quoted: bool },
    /// `a,b,c`.
    List(Vec<String>),
    /// `{ ... }` with the braces removed.
    Block(String),
}

/// One command of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub name: String,
    pub args: Vec<Arg>,
    /// Character offset of the command in the line (0-based) and its length, for `At line:1 char:N`.
    pub start: usize,
    pub len: usize,
    /// The command's text as typed (for expressions and native commands).
    pub raw: String,
}

/// Why a PowerShell line cannot be parsed; the message is PowerShell's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("An empty pipe element is not allowed.")]
    EmptyPipeElement,
    #[error("Missing closing '}}' in statement block or type definition.")]
    MissingBrace,
    /// A string opened with this quote is not closed.
    #[error("The string is missing the terminator: {0}.")]
    Unterminated(char),
}

/// Splits a line into statements (`;`), each a pipeline of commands (`|`).
pub fn parse_line(line: &str) -> Result<Vec<Vec<Command>>, ParseError> {
    let chars: Vec<char> = line.chars().collect();
    let mut statements = Vec::new();
    let mut pipeline = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let start = i;
        let mut words: Vec<(String, bool, bool)> = Vec::new(); // text, quoted, block
        let mut end = i;
        while i < chars.len() && chars[i] != '|' && chars[i] != ';' {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            let (w, q, b, next) = read_word(&chars, i)?;
            words.push((w, q, b));
            i = next;
            end = i;
        }
        if !words.is_empty() {
            let raw: String = chars[start..end].iter().collect();
            pipeline.push(build(words, start, raw));
        } else if i < chars.len() && chars[i] == '|' {
            return Err(ParseError::EmptyPipeElement);
        }
        if i >= chars.len() || chars[i] == ';' {
            if !pipeline.is_empty() {
                statements.push(std::mem::take(&mut pipeline));
            }
            if i >= chars.len() {
                break;
            }
        }
        i += 1;
    }
    Ok(statements)
}

/// Reads one word starting at `i`: a quoted string, a block, or a run of characters up to a blank,
/// `|` or `;` (quotes inside are kept together, e.g. `-Name:'x'` or `a,'b c'`).
fn read_word(chars: &[char], mut i: usize) -> Result<(String, bool, bool, usize), ParseError> {
    if chars[i] == '{' {
        let mut depth = 0;
        let start = i;
        while i < chars.len() {
            match chars[i] {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        let body: String = chars[start + 1..i].iter().collect();
                        return Ok((body.trim().to_string(), false, true, i + 1));
                    }
                }
                _ => {}
            }
            i += 1;
        }
        return Err(ParseError::MissingBrace);
    }
    let mut out = String::new();
    let mut quoted = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            let close =
                chars[i + 1..].iter().position(|x| *x == c).ok_or(ParseError::Unterminated(c))?;
            out.extend(&chars[i + 1..i + 1 + close]);
            quoted = true;
            i += close + 2;
            continue;
        }
        if c.is_whitespace() || c == '|' || c == ';' {
            break;
        }
        if c == '(' {
            // A parenthesized argument is taken literally up to its matching ')'.
            let mut depth = 0;
            while i < chars.len() {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                out.push(chars[i]);
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    Ok((out, quoted, false, i))
}

fn build(words: Vec<(String, bool, bool)>, start: usize, raw: String) -> Command {
    let len = raw.chars().count();
    let mut it = words.into_iter();
    let name = it.next().map(|w| w.0).unwrap_or_default();
    let mut args = Vec::new();
    for (w, quoted, block) in it {
        if block {
            args.push(Arg::Block(w));
        } else if !quoted
            && w.starts_with('-')
            && w.len() > 1
            && !w[1..].starts_with(|c: char| c.is_ascii_digit())
        {
            match w[1..].split_once(':') {
                Some((n, v)) => args.push(Arg::Param(n.to_string(), Some(v.to_string()))),
                None => args.push(Arg::Param(w[1..].to_string(), None)),
            }
        } else if !quoted && w.contains(',') {
            args.push(Arg::List(
                w.split(',').map(|s| s.trim().trim_matches(['\'', '"']).to_string()).collect(),
            ));
        } else {
            args.push(Arg::Word { text: w, quoted });
        }
    }
    Command { name, args, start, len, raw }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_pipelines_and_params() {
        let s =
            parse_line("Stop-Service -Name 'TermService' -Force; Get-Service x | fl Name,Status")
                .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0][0].name, "Stop-Service");
        assert_eq!(s[0][0].args[0], Arg::Param("Name".into(), None));
        assert_eq!(s[0][0].args[1], Arg::Word { text: "TermService".into(), quoted: true });
        assert_eq!(s[0][0].start, 0);
        assert_eq!(s[1][1].args[0], Arg::List(vec!["Name".into(), "Status".into()]));
        let w = parse_line("gsv | ? {$_.Status -eq 'Running'}").unwrap();
        assert_eq!(w[0][1].args[0], Arg::Block("$_.Status -eq 'Running'".into()));
        assert_eq!(w[0][1].start, 6);
        assert!(parse_line("x 'open").is_err());
    }
}
