//! `takeown /f PATH [/a] [/r] [/d y|n]`: an elevated administrator holds the take-ownership
//! privilege, so ownership always changes; with `/r` a folder that cannot be listed has its DACL
//! replaced by one granting full control when `/d y` is given, as Windows asks.
//!
//! Messages as Windows prints them (captures quoted in the project notes):
//! `SUCCESS: The file (or folder): "C:\x" now owned by the administrators group.` (with `/a`),
//! `... now owned by user "HOST\user".` (without), each after a blank line;
//! `ERROR: The system cannot find the file specified.`

use super::acl::{self, mask, sid, Ace};
use super::{host, path, FileSystem, NOT_FOUND};
use crate::machine::state::WinState;
use crate::machine::{Effect, ExecResult, ShellState};

fn result(output: String, exit_code: i32) -> ExecResult {
    ExecResult { output, exit_code, effect: Effect::None, paged: false, delay_ms: 0 }
}

const PROMPT: &str = "Do you want to replace the directory permissions with permissions granting you\r\nfull control (\"Y\" for YES, \"N\" for NO or \"C\" to CANCEL)? ";

/// Runs `takeown` with the words after the command name.
pub fn takeown(st: &mut WinState, sh: &ShellState, args: &[String]) -> ExecResult {
    let mut file: Option<String> = None;
    let (mut admins, mut recurse, mut answer) = (false, false, None::<char>);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.to_ascii_lowercase().as_str() {
            "/f" => file = it.next().map(|f| f.trim_matches('"').to_string()),
            "/a" => admins = true,
            "/r" => recurse = true,
            "/d" => answer = it.next().and_then(|d| d.to_ascii_lowercase().chars().next()),
            "/s" | "/u" | "/p" => {
                it.next();
            }
            _ => {
                return result(
                    format!(
                    "ERROR: Invalid argument/option - '{a}'.\r\nType \"TAKEOWN /?\" for usage.\r\n"
                ),
                    1,
                )
            }
        }
    }
    let Some(typed) = file else {
        return result(
            "ERROR: Invalid syntax. Mandatory option '/F' is missing.\r\nType \"TAKEOWN /?\" for usage.\r\n"
                .into(),
            1,
        );
    };
    let c = match path::resolve(&sh.cwd, &typed) {
        Ok(c) if st.fs.exists(&c) => c,
        _ => return result(format!("ERROR: {NOT_FOUND}\r\n"), 1),
    };
    let user = host::user_name(sh);
    let computer = host::computer_name(st);
    let principals = st.fs.principals(&computer);
    let (new_owner, whom) = if admins {
        (sid::ADMINISTRATORS.to_string(), "the administrators group".to_string())
    } else {
        let s = principals.user_sid(&user).unwrap_or_else(|| sid::ADMINISTRATORS.to_string());
        (s, format!("user \"{computer}\\{user}\""))
    };
    let token = host::admin_token(st, sh);
    let mut out = String::new();
    let mut w = Walk { fs: &mut st.fs, token, new_owner, whom, answer, out: &mut out };
    w.take(&c, typed.trim_end_matches('\\'), recurse);
    result(out, 0)
}

struct Walk<'a> {
    fs: &'a mut FileSystem,
    token: Vec<String>,
    new_owner: String,
    whom: String,
    answer: Option<char>,
    out: &'a mut String,
}

impl Walk<'_> {
    fn take(&mut self, c: &str, shown: &str, recurse: bool) {
        if let Some(n) = self.fs.node_mut(c) {
            n.owner = self.new_owner.clone();
        }
        self.out.push_str(&format!(
            "\r\nSUCCESS: The file (or folder): \"{shown}\" now owned by {}.\r\n",
            self.whom
        ));
        if !recurse || !self.fs.is_dir(c) {
            return;
        }
        if !self.can_list(c) {
            let answer = match self.answer {
                Some(a) => a,
                None => {
                    // GUESS: nobody can answer the question over the channel; treat it as "N".
                    self.out.push_str(PROMPT);
                    self.out.push_str("\r\n");
                    'n'
                }
            };
            if answer != 'y' {
                return;
            }
            if let Some(n) = self.fs.node_mut(c) {
                n.protected = true;
                n.explicit = vec![Ace::allow(&self.new_owner, mask::FULL).oici()];
            }
        }
        let kids: Vec<String> = self.fs.children(c).iter().map(|n| n.path.clone()).collect();
        for k in kids {
            let shown_child = format!("{shown}\\{}", path::leaf(&k));
            self.take(&k, &shown_child, true);
        }
    }

    fn can_list(&self, c: &str) -> bool {
        let Some(n) = self.fs.node(c) else { return false };
        let tok: Vec<&str> = self.token.iter().map(String::as_str).collect();
        acl::access_granted(&n.owner, &self.fs.dacl(c), &tok, mask::RD)
    }
}
