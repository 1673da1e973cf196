//! `set /a`: cmd.exe's 32-bit integer arithmetic. At the interactive prompt it prints the value
//! of the last expression without a line end (a script's `set /a n=%n%+1` prints nothing only
//! inside a batch file).
//!
//! Supported: decimal, `0x` hexadecimal and leading-`0` octal numbers; variable names (an
//! undefined or non-numeric variable is 0); unary `- + ! ~`; `* / %`, `+ -`, `<< >>`, `&`, `^`,
//! `|`; parentheses; `=` and the compound assignments `*= /= %= += -= &= ^= |= <<= >>=`;
//! expressions separated by `,`.

use super::command::{Ctx, Out};

const SYNTAX: &str = "Missing operand.\r\n";

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

/// Errors are cmd's own messages.
type R = Result<i32, &'static str>;

impl P<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace() || *c == b'"') {
            self.i += 1;
        }
    }
    fn eat(&mut self, op: &str) -> bool {
        self.ws();
        let b = op.as_bytes();
        if self.s[self.i..].starts_with(b) {
            // `<` alone is not an operator; `<<` must not be taken as the start of `<<=`.
            let next = self.s.get(self.i + b.len());
            if (op == "<<" || op == ">>") && next == Some(&b'=') {
                return false;
            }
            if matches!(op, "*" | "/" | "%" | "+" | "-" | "&" | "^" | "|") && next == Some(&b'=') {
                return false;
            }
            self.i += b.len();
            return true;
        }
        false
    }
}

fn number(text: &str) -> Option<i32> {
    let v = if let Some(h) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if text.len() > 1 && text.starts_with('0') {
        i64::from_str_radix(&text[1..], 8).ok()?
    } else {
        text.parse::<i64>().ok()?
    };
    Some(v as i32)
}

fn var(ctx: &Ctx, name: &str) -> i32 {
    ctx.sh.var(name).and_then(|v| number(v.trim())).unwrap_or(0)
}

fn set_var(ctx: &mut Ctx, name: &str, v: i32) {
    ctx.sh.env.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    ctx.sh.env.push((name.to_string(), v.to_string()));
}

fn binary(ctx: &mut Ctx, p: &mut P, ops: &[&str], next: fn(&mut Ctx, &mut P) -> R) -> R {
    let mut v = next(ctx, p)?;
    'outer: loop {
        for op in ops {
            if p.eat(op) {
                let r = next(ctx, p)?;
                v = apply(op, v, r)?;
                continue 'outer;
            }
        }
        return Ok(v);
    }
}

fn apply(op: &str, a: i32, b: i32) -> R {
    Ok(match op {
        "*" => a.wrapping_mul(b),
        "/" | "%" if b == 0 => return Err("Divide by zero error.\r\n"),
        "/" => a.wrapping_div(b),
        "%" => a.wrapping_rem(b),
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "<<" => a.wrapping_shl(b as u32),
        ">>" => a.wrapping_shr(b as u32),
        "&" => a & b,
        "^" => a ^ b,
        _ => a | b,
    })
}

fn assign(ctx: &mut Ctx, p: &mut P) -> R {
    p.ws();
    let start = p.i;
    let mut end = start;
    while p.s.get(end).is_some_and(|c| {
        c.is_ascii_alphabetic() || *c == b'_' || (end > start && c.is_ascii_alphanumeric())
    }) {
        end += 1;
    }
    if end > start {
        let name = String::from_utf8_lossy(&p.s[start..end]).into_owned();
        let save = p.i;
        p.i = end;
        p.ws();
        for op in ["<<=", ">>=", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "="] {
            if p.s[p.i..].starts_with(op.as_bytes())
                && !(op == "=" && p.s.get(p.i + 1) == Some(&b'='))
            {
                p.i += op.len();
                let r = assign(ctx, p)?;
                let v = if op == "=" { r } else { apply(&op[..op.len() - 1], var(ctx, &name), r)? };
                set_var(ctx, &name, v);
                return Ok(v);
            }
        }
        p.i = save;
    }
    or(ctx, p)
}

fn or(ctx: &mut Ctx, p: &mut P) -> R {
    binary(ctx, p, &["|"], xor)
}
fn xor(ctx: &mut Ctx, p: &mut P) -> R {
    binary(ctx, p, &["^"], and)
}
fn and(ctx: &mut Ctx, p: &mut P) -> R {
    binary(ctx, p, &["&"], shift)
}
fn shift(ctx: &mut Ctx, p: &mut P) -> R {
    binary(ctx, p, &["<<", ">>"], add)
}
fn add(ctx: &mut Ctx, p: &mut P) -> R {
    binary(ctx, p, &["+", "-"], mul)
}
fn mul(ctx: &mut Ctx, p: &mut P) -> R {
    binary(ctx, p, &["*", "/", "%"], unary)
}

fn unary(ctx: &mut Ctx, p: &mut P) -> R {
    if p.eat("-") {
        return Ok(unary(ctx, p)?.wrapping_neg());
    }
    if p.eat("+") {
        return unary(ctx, p);
    }
    if p.eat("!") {
        return Ok(i32::from(unary(ctx, p)? == 0));
    }
    if p.eat("~") {
        return Ok(!unary(ctx, p)?);
    }
    if p.eat("(") {
        let v = comma(ctx, p)?;
        if !p.eat(")") {
            return Err("Unbalanced parenthesis.\r\n");
        }
        return Ok(v);
    }
    p.ws();
    let start = p.i;
    while p.s.get(p.i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        p.i += 1;
    }
    let word = String::from_utf8_lossy(&p.s[start..p.i]).into_owned();
    match word.chars().next() {
        None => Err(SYNTAX),
        Some(c) if c.is_ascii_digit() => {
            number(&word).ok_or("Invalid number.  Numbers are limited to 32-bits of precision.\r\n")
        }
        Some(_) => Ok(var(ctx, &word)),
    }
}

fn comma(ctx: &mut Ctx, p: &mut P) -> R {
    let mut v = assign(ctx, p)?;
    while p.eat(",") {
        v = assign(ctx, p)?;
    }
    Ok(v)
}

/// `set /a EXPRESSION`.
// GUESS: every error sets %ERRORLEVEL% to 1073750988 (0x400023CC, cmd's "Missing operand"
// code); cmd uses neighbouring codes for the other messages.
pub fn set_a(ctx: &mut Ctx, expr: &str) -> Out {
    let mut p = P { s: expr.as_bytes(), i: 0 };
    match comma(ctx, &mut p) {
        Ok(v) => {
            p.ws();
            if p.i < p.s.len() {
                return Out::stderr("Missing operator.\r\n", 1073750988);
            }
            Out::stdout(v.to_string(), 0)
        }
        Err(msg) => Out::stderr(msg, 1073750988),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::state::WinState;
    use crate::machine::ShellState;

    fn eval(sh: &mut ShellState, e: &str) -> (String, i32) {
        let mut st = WinState::default();
        let mut ctx = Ctx { st: &mut st, sh, stdin: None, cmd: &crate::machine::shell::Cmd };
        let o = set_a(&mut ctx, e);
        (o.text(), o.code)
    }

    #[test]
    fn precedence_assignment_and_errors() {
        let mut sh = ShellState::default();
        assert_eq!(eval(&mut sh, "1+2*3"), ("7".into(), 0));
        assert_eq!(eval(&mut sh, "(1+2)*3"), ("9".into(), 0));
        assert_eq!(eval(&mut sh, "n=0x10 + 010"), ("24".into(), 0));
        assert_eq!(sh.var("n"), Some("24"));
        assert_eq!(eval(&mut sh, "n+=1, n*=2"), ("50".into(), 0));
        assert_eq!(eval(&mut sh, "-7/2, 7%3"), ("1".into(), 0));
        assert_eq!(eval(&mut sh, "1<<4|1"), ("17".into(), 0));
        assert_eq!(eval(&mut sh, "undefined+1"), ("1".into(), 0));
        assert_eq!(eval(&mut sh, "1/0").0, "Divide by zero error.\r\n");
        assert_eq!(eval(&mut sh, "(1+2").0, "Unbalanced parenthesis.\r\n");
        assert_eq!(eval(&mut sh, "1+").0, "Missing operand.\r\n");
        assert_eq!(eval(&mut sh, "1 2").0, "Missing operator.\r\n");
    }
}
