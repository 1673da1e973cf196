//! `icacls`: display (`PATH [/t] [/c] [/q]`), `/save`, `/restore`, `/grant[:r]`, `/reset`,
//! `/inheritance:e|d|r`, with the messages and trailer of the en-US tool.
//!
//! Display format, as in the captures quoted in command-outputs.md §2 (moonpoint.com's `icacls
//! C:\WINDOWS\system32\mmc.exe`): the path and the first ACE on one line, following ACEs indented by
//! `len(path) + 1` spaces, a blank line after each object, then
//! `Successfully processed N files; Failed processing M files`. Errors go to stderr as
//! `<path>: <message>` lines. Modify modes print `processed file: <path>` per object.

use super::acl::{self, mask, Ace};
use super::host;
use super::names::Principals;
use super::{path, FileSystem, ACCESS_DENIED, NOT_FOUND};
use crate::machine::state::WinState;
use crate::machine::{Effect, ExecResult, ShellState};

fn result(output: String, exit_code: i32) -> ExecResult {
    ExecResult { output, exit_code, effect: Effect::None, paged: false, delay_ms: 0 }
}

/// What one run was asked to do.
enum Mode {
    Display,
    Save(String),
    Restore(String),
    Grant { replace: bool, specs: Vec<String> },
    Deny(Vec<String>),
    Reset,
    Inheritance(char),
}

struct Opts {
    target: String,
    mode: Mode,
    recurse: bool,
    cont: bool,
    quiet: bool,
}

fn usage_error(arg: &str) -> ExecResult {
    result(format!("Invalid parameter \"{arg}\"\r\n"), 87)
}

fn parse_args(args: &[String]) -> Result<Opts, ExecResult> {
    let mut it = args.iter().peekable();
    let target = match it.next() {
        Some(t) if !t.starts_with('/') => t.trim_matches('"').to_string(),
        Some(t) => return Err(usage_error(t)),
        None => {
            return Err(result(
                "ICACLS name /save aclfile [/T] [/C] [/L] [/Q]\r\n    stores the DACLs for the files and folders that match the name\r\n    into aclfile for later use with /restore. Note that SACLs,\r\n    owner, or integrity labels are not saved.\r\n".into(),
                87,
            ))
        }
    };
    let mut o = Opts { target, mode: Mode::Display, recurse: false, cont: false, quiet: false };
    while let Some(a) = it.next() {
        let low = a.to_ascii_lowercase();
        match low.as_str() {
            "/t" => o.recurse = true,
            "/c" => o.cont = true,
            "/q" => o.quiet = true,
            "/l" => {}
            "/save" | "/restore" => {
                let file = it.next().ok_or_else(|| usage_error(a))?.trim_matches('"').to_string();
                o.mode = if low == "/save" { Mode::Save(file) } else { Mode::Restore(file) };
            }
            "/grant" | "/grant:r" | "/deny" => {
                let mut specs = Vec::new();
                while let Some(s) = it.peek() {
                    if s.starts_with('/') {
                        break;
                    }
                    specs.push(s.trim_matches('"').to_string());
                    it.next();
                }
                if specs.is_empty() {
                    return Err(usage_error(a));
                }
                o.mode = if low == "/deny" {
                    Mode::Deny(specs)
                } else {
                    Mode::Grant { replace: low == "/grant:r", specs }
                };
            }
            "/reset" => o.mode = Mode::Reset,
            "/inheritance:e" | "/inheritance:d" | "/inheritance:r" => {
                o.mode = Mode::Inheritance(low.chars().last().unwrap_or('e'))
            }
            _ => return Err(usage_error(a)),
        }
    }
    Ok(o)
}

/// Runs `icacls` with the words after the command name.
pub fn icacls(st: &mut WinState, sh: &ShellState, args: &[String]) -> ExecResult {
    let o = match parse_args(args) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let computer = host::computer_name(st);
    let token = host::admin_token(st, sh);
    let names = st.fs.principals(&computer);
    let mut run = Run {
        fs: &mut st.fs,
        names,
        token,
        out: String::new(),
        ok: 0,
        failed: 0,
        quiet: o.quiet,
        last_error: 0,
    };
    match &o.mode {
        Mode::Restore(file) => run.restore(sh, &o.target, file, o.cont),
        mode => run.over_targets(sh, &o, mode),
    }
    // GUESS: the error of the last failure when nothing succeeded, else 0 (command-outputs.md §2
    // notes that real exit codes are unreliable for partial failures).
    let code = if run.failed > 0 && run.ok == 0 { run.last_error } else { 0 };
    let mut out = run.out;
    out.push_str(&format!(
        "Successfully processed {} files; Failed processing {} files\r\n",
        run.ok, run.failed
    ));
    result(out, code)
}

struct Run<'a> {
    fs: &'a mut FileSystem,
    names: Principals,
    token: Vec<String>,
    out: String,
    ok: usize,
    failed: usize,
    quiet: bool,
    /// The Win32 error of the last failure (2 not found, 5 access denied, 1332 no mapping).
    last_error: i32,
}

impl Run<'_> {
    fn can(&self, p: &str, desired: u32) -> bool {
        let Some(n) = self.fs.node(p) else { return false };
        let tok: Vec<&str> = self.token.iter().map(String::as_str).collect();
        acl::access_granted(&n.owner, &self.fs.dacl(p), &tok, desired)
    }

    fn fail(&mut self, shown: &str, msg: &str) {
        self.out.push_str(&format!("{shown}: {msg}\r\n"));
        self.failed += 1;
        self.last_error = match msg {
            NOT_FOUND => 2,
            ACCESS_DENIED => 5,
            _ => 1332,
        };
    }

    /// The objects a path names: itself, then (with /t) its descendants, each with the path to show.
    fn targets(
        &self,
        sh: &ShellState,
        typed: &str,
        recurse: bool,
    ) -> Result<Vec<(String, String)>, ()> {
        let Ok(c) = path::resolve(&sh.cwd, typed) else { return Err(()) };
        let Some(n) = self.fs.node(&c) else { return Err(()) };
        let mut v = vec![(n.path.clone(), typed.to_string())];
        if recurse && n.dir {
            self.collect(&c, typed.trim_end_matches('\\'), &mut v);
        }
        Ok(v)
    }

    /// Walks a folder as icacls /t does: each child is shown as the typed path plus its name; a
    /// folder that cannot be listed is reported and skipped.
    fn collect(&self, c: &str, shown: &str, v: &mut Vec<(String, String)>) {
        if !self.can(c, mask::RD) {
            return;
        }
        for child in self.fs.children(c) {
            let shown_child = format!("{shown}\\{}", path::leaf(&child.path));
            v.push((child.path.clone(), shown_child.clone()));
            if child.dir {
                self.collect(&child.path, &shown_child, v);
            }
        }
    }

    fn over_targets(&mut self, sh: &ShellState, o: &Opts, mode: &Mode) {
        let targets = match self.targets(sh, &o.target, o.recurse) {
            Ok(t) => t,
            Err(()) => {
                return self.fail(&o.target, NOT_FOUND);
            }
        };
        let mut saved = String::new();
        let base = path::parent(&targets[0].0).unwrap_or_default();
        for (c, shown) in targets {
            if self.failed > 0 && !o.cont && !matches!(mode, Mode::Display) {
                break;
            }
            let before = self.failed;
            match mode {
                Mode::Display => self.display(&c, &shown),
                Mode::Save(_) => {
                    if self.can(&c, mask::RC) {
                        let rel = relative(&base, &c);
                        let (prot, aces) = self.dacl_of(&c);
                        saved.push_str(&format!("{rel}\r\n{}\r\n", acl::to_sddl(prot, &aces)));
                        self.processed(&shown);
                    } else {
                        self.fail(&shown, ACCESS_DENIED);
                    }
                }
                Mode::Grant { replace, specs } => self.grant(&c, &shown, specs, *replace, true),
                Mode::Deny(specs) => self.grant(&c, &shown, specs, false, false),
                Mode::Reset => self.modify(&c, &shown, |n| {
                    n.protected = false;
                    n.explicit.clear();
                }),
                Mode::Inheritance(k) => self.inheritance(&c, &shown, *k),
                Mode::Restore(_) => {}
            }
            if self.failed > before && !o.cont && matches!(mode, Mode::Display) {
                break;
            }
        }
        if let Mode::Save(file) = mode {
            // GUESS: no byte order mark unless the scenario asks for one (FsSpec::icacls_save_bom).
            let mut bytes: Vec<u8> =
                if self.fs.icacls_save_bom { vec![0xFF, 0xFE] } else { Vec::new() };
            bytes.extend(saved.encode_utf16().flat_map(u16::to_le_bytes));
            let dest = path::resolve(&sh.cwd, file).unwrap_or_default();
            if let Err(e) = self.fs.write_file(&dest, &bytes, false) {
                self.out.push_str(&format!("{file}: {e}\r\n"));
            }
        }
    }

    fn dacl_of(&self, c: &str) -> (bool, Vec<Ace>) {
        let prot = self.fs.node(c).is_some_and(|n| n.protected);
        (prot, self.fs.dacl(c))
    }

    fn processed(&mut self, shown: &str) {
        if !self.quiet {
            self.out.push_str(&format!("processed file: {shown}\r\n"));
        }
        self.ok += 1;
    }

    fn display(&mut self, c: &str, shown: &str) {
        if !self.can(c, mask::RC) {
            return self.fail(shown, ACCESS_DENIED);
        }
        let aces = self.fs.dacl(c);
        let indent = " ".repeat(shown.chars().count() + 1);
        let mut lines = aces.iter().map(|a| {
            format!(
                "{}:{}({})",
                self.names.name_of(&a.sid),
                acl::flags_text(a),
                acl::rights_text(a.mask)
            )
        });
        let first = lines.next().unwrap_or_default();
        let mut block = format!("{shown} {first}\r\n");
        for l in lines {
            block.push_str(&format!("{indent}{l}\r\n"));
        }
        block.push_str("\r\n");
        if !self.quiet {
            self.out.push_str(&block);
        }
        self.ok += 1;
    }

    fn modify(&mut self, c: &str, shown: &str, f: impl FnOnce(&mut super::Node)) {
        if !self.can(c, mask::WDAC) {
            return self.fail(shown, ACCESS_DENIED);
        }
        if let Some(n) = self.fs.node_mut(c) {
            f(n);
            acl::canonical(&mut n.explicit);
        }
        self.processed(shown);
    }

    fn grant(&mut self, c: &str, shown: &str, specs: &[String], replace: bool, allow: bool) {
        let mut new = Vec::new();
        for s in specs {
            let Some((who, perm)) = s.rsplit_once(':') else {
                self.out.push_str(&format!("Invalid parameter \"{s}\"\r\n"));
                self.failed += 1;
                self.last_error = 87;
                return;
            };
            let Some(sid) = self.names.sid_of(who) else {
                self.fail(who, "No mapping between account names and security IDs was done.");
                return;
            };
            let Ok(mut ace) = acl::parse_perm(perm) else {
                self.out.push_str(&format!("Invalid parameter \"{s}\"\r\n"));
                self.failed += 1;
                self.last_error = 87;
                return;
            };
            ace.sid = sid;
            ace.allow = allow;
            new.push(ace);
        }
        let is_dir = self.fs.is_dir(c);
        self.modify(c, shown, |n| {
            for mut ace in new {
                if !is_dir {
                    ace.oi = false;
                    ace.ci = false;
                    ace.io = false;
                    ace.np = false;
                }
                if replace {
                    n.explicit.retain(|a| !(a.allow && a.sid.eq_ignore_ascii_case(&ace.sid)));
                }
                if !allow {
                    // An explicit deny removes the same rights from explicit grants.
                    for a in n
                        .explicit
                        .iter_mut()
                        .filter(|a| a.allow && a.sid.eq_ignore_ascii_case(&ace.sid))
                    {
                        a.mask &= !ace.mask;
                    }
                    n.explicit.retain(|a| !a.allow || a.mask != 0);
                }
                match n.explicit.iter_mut().find(|a| a.mergeable(&ace)) {
                    Some(a) => a.mask |= ace.mask,
                    None => n.explicit.push(ace),
                }
            }
        });
    }

    fn inheritance(&mut self, c: &str, shown: &str, kind: char) {
        let inherited: Vec<Ace> = self.fs.dacl(c).into_iter().filter(|a| a.inherited).collect();
        self.modify(c, shown, |n| match kind {
            'e' => n.protected = false,
            'd' => {
                if !n.protected {
                    n.protected = true;
                    for mut a in inherited {
                        a.inherited = false;
                        if !n.explicit.contains(&a) {
                            n.explicit.push(a);
                        }
                    }
                }
            }
            _ => n.protected = true,
        });
    }

    /// `icacls DIR /restore FILE`: applies each saved DACL to DIR\<name>.
    fn restore(&mut self, sh: &ShellState, dir: &str, file: &str, cont: bool) {
        let Ok(src) = path::resolve(&sh.cwd, file) else { return self.fail(file, NOT_FOUND) };
        let Some(bytes) = self.fs.read_file(&src) else { return self.fail(file, NOT_FOUND) };
        let text = decode_utf16le(&bytes);
        let lines: Vec<&str> =
            text.split("\r\n").flat_map(|l| l.split('\n')).filter(|l| !l.is_empty()).collect();
        let Ok(base) = path::resolve(&sh.cwd, dir) else { return self.fail(dir, NOT_FOUND) };
        for pair in lines.chunks(2) {
            if self.failed > 0 && !cont {
                break;
            }
            let [name, sddl] = pair else {
                self.out.push_str(&format!("{file}: The data is invalid.\r\n"));
                self.failed += 1;
                break;
            };
            let target = format!("{}\\{}", base.trim_end_matches('\\'), name);
            let shown = format!("{}\\{}", dir.trim_end_matches('\\'), name);
            if !self.fs.exists(&target) {
                self.fail(&shown, NOT_FOUND);
                continue;
            }
            let parsed = match acl::parse_sddl(sddl, &self.fs.machine_sid) {
                Ok(p) => p,
                Err(_) => {
                    self.fail(&shown, "The security ID structure is invalid.");
                    continue;
                }
            };
            self.modify(&target, &shown, |n| {
                n.protected = parsed.protected;
                n.explicit = parsed.aces.into_iter().filter(|a| !a.inherited).collect();
            });
        }
    }
}

/// The name icacls /save writes: the path relative to the parent of the top object.
fn relative(base: &str, c: &str) -> String {
    let b = base.trim_end_matches('\\');
    if b.is_empty() {
        return path::leaf(c);
    }
    c.get(b.len() + 1..)
        .filter(|_| c.to_lowercase().starts_with(&b.to_lowercase()))
        .map_or_else(|| path::leaf(c), str::to_string)
}

/// Decodes UTF-16LE (with or without a byte order mark); a file without NUL bytes is taken as
/// 8-bit text.
pub fn decode_utf16le(bytes: &[u8]) -> String {
    let b = bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes);
    if !b.contains(&0) {
        return String::from_utf8_lossy(b).into_owned();
    }
    let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn any_arguments_give_output_not_a_panic(
            args in prop::collection::vec(
                prop_oneof![
                    Just("/t".to_string()), Just("/c".to_string()), Just("/q".to_string()),
                    Just("/grant".to_string()), Just("/grant:r".to_string()), Just("/deny".to_string()),
                    Just("/save".to_string()), Just("/restore".to_string()), Just("/reset".to_string()),
                    Just("/inheritance:d".to_string()), Just(r"C:\ProgramData".to_string()),
                    Just(r"C:\x.acl".to_string()), Just("Everyone:(OI)(F)".to_string()), "[ -~]{0,12}",
                ],
                0..6,
            )
        ) {
            let mut st = WinState::default();
            let sh = ShellState::default();
            let r = icacls(&mut st, &sh, &args);
            prop_assert!(!r.output.is_empty());
        }
    }
}
