//! The shared pre-pass every parser runs first: prompt lines and echoed commands.
//!
//! People paste output with the prompt and the command they typed, often several commands in
//! one paste. Real captures show every one of these shapes (fixtures name the sources):
//!
//! ```text
//! C:\WINDOWS\system32>sc qc ZSAService
//! PS C:\Users\admin> Get-ChildItem Cert:\LocalMachine\My
//! *Evil-WinRM* PS C:\Users\eric.wallows\Documents> reg query "HKLM\..." /v PortNumber
//! REG QUERY 'HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\FileSystem' /v LongPathsEnabled
//! $ netstat -ano
//! ```
//!
//! Left in, such a line becomes data: `C:` looks like an `sc` label, so the prompt turned into a
//! fake service named `\WINDOWS\system32>sc qc ZSAService`. The pre-pass recognises them, keeps
//! them as [`Command`]s with their line numbers, and hands the parser a blank line in their place
//! (a command starts a new run, so nothing attaches across it). The runs of output between
//! commands are described by [`Run`]s.
//!
//! Shapes (all at column 0):
//! * a cmd prompt: a drive or UNC path then `>` (`C:\>`, `C:\WINDOWS\system32>`, `\\srv\share>`),
//!   the command after it, possibly empty;
//! * a PowerShell prompt: `PS ` then a provider path then `>` (`PS C:\>`, `PS Cert:\LocalMachine>`),
//!   also with a host tag before it (`*Evil-WinRM* PS C:\...>`), and `SAC>`;
//! * a Unix shell prompt (`$ `, `# `, `user@host:~$ `) followed by a command this crate parses or a
//!   shell command around it (`ssh`, `cat`, ...): other text after `$`/`#` is left alone;
//! * a bare echo: a command this crate parses typed without a prompt (`reg query HKLM\...`,
//!   `netstat -ano`, `Get-ChildItem Cert:\...`), recognised by the command name and the shape of
//!   its first argument so that data lines (a `tasklist` row for `sc.exe`) are never taken.

use serde::Serialize;

/// A prompt or echoed command line found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    /// 1-based line number in the input.
    pub line: usize,
    /// The prompt as printed (`C:\WINDOWS\system32>`, `PS C:\>`, `$`); empty for a bare echo.
    pub prompt: String,
    /// The command after the prompt, trimmed; empty for a bare prompt line.
    pub command: String,
}

/// One run of output: the lines after a command up to the next command (or the input's end).
/// Output before the first command is a run without a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// Index in `commands` of the command that printed this run; null for output pasted
    /// before any command line.
    pub command: Option<usize>,
    /// First and last line number of the run (inclusive; the command line itself excluded).
    pub first_line: usize,
    pub last_line: usize,
}

/// Commands whose output this crate reads, and the shell commands often typed around them.
const PARSED: &[&str] = &[
    "netstat",
    "icacls",
    "reg",
    "sc",
    "tasklist",
    "bcdedit",
    "netsh",
    "powershell",
    "pwsh",
    "cmd",
];
const SHELL: &[&str] = &[
    "ssh", "cat", "type", "more", "findstr", "grep", "echo", "cd", "dir", "ls", "chcp", "mode",
    "wmic", "whoami", "hostname", "ver", "cls", "exit",
];

/// Recognises a prompt or echo line. Returns (prompt, command).
pub fn command_line(text: &str) -> Option<(&str, &str)> {
    if text.starts_with(char::is_whitespace) || text.is_empty() {
        return None;
    }
    if let Some(p) = cmd_prompt(text).or_else(|| ps_prompt(text)) {
        return Some((&text[..p], text[p..].trim()));
    }
    // Fixed host prompts: SAC itself, a Cobalt Strike console (`beacon> shell sc query`,
    // seen in published red-team notes), Metasploit.
    for host in ["SAC>", "beacon>", "meterpreter >"] {
        if let Some(rest) = text.strip_prefix(host) {
            return Some((host, rest.trim()));
        }
    }
    // A shortened PowerShell prompt (`> get-service -name '*aws*'`, seen in published notes):
    // only before a command this crate reads or a shell command.
    if let Some(rest) = text.strip_prefix("> ").or_else(|| text.strip_prefix('>')) {
        let cmd = rest.trim();
        return known_command(cmd, true).then_some((">", cmd));
    }
    if let Some(p) = unix_prompt(text) {
        let cmd = text[p..].trim();
        if known_command(cmd, true) {
            return Some((text[..p].trim_end(), cmd));
        }
        return None;
    }
    if bare_echo(text) {
        return Some(("", text.trim()));
    }
    None
}

/// Characters Windows forbids in a path (the prompt's path cannot contain them).
fn bad_path_char(c: char) -> bool {
    matches!(c, '<' | '>' | '|' | '"' | '?' | '*')
}

/// `C:\...>` or `\\server\share\...>`: the byte length of the prompt.
fn cmd_prompt(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let rooted = (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\')
        || (text.starts_with("\\\\") && b.len() > 3);
    if !rooted {
        return None;
    }
    let gt = text.find('>')?;
    let path = &text[..gt];
    if path.chars().any(bad_path_char) || path.contains(": ") {
        return None;
    }
    Some(gt + 1)
}

/// `PS C:\>`, `PS Cert:\LocalMachine\My>`, `*Evil-WinRM* PS C:\Users\x> `.
fn ps_prompt(text: &str) -> Option<usize> {
    let at = if text.starts_with("PS ") {
        0
    } else {
        // A host tag before `PS ` (Evil-WinRM prints `*Evil-WinRM* PS `).
        let i = text.find(" PS ")?;
        let tag = &text[..i];
        if tag.contains(char::is_whitespace) || tag.len() > 24 {
            return None;
        }
        i + 1
    };
    let path_start = at + 3;
    let rel = text[path_start..].find('>')?;
    let path = &text[path_start..path_start + rel];
    if path.is_empty() || !path.contains(':') || path.chars().any(bad_path_char) {
        return None;
    }
    Some(path_start + rel + 1)
}

/// `$ `, `# `, `user@host:~/dir$ `, `[user@host dir]# `: the byte length of the prompt.
fn unix_prompt(text: &str) -> Option<usize> {
    for (i, c) in text.char_indices() {
        if c == '$' || c == '#' {
            let before = &text[..i];
            let after = &text[i + 1..];
            if !after.starts_with(' ') {
                return None;
            }
            let ok = before.is_empty()
                || (before.contains('@') && !before.contains(char::is_whitespace))
                || (before.starts_with('[') && before.ends_with(']') && before.contains('@'));
            return ok.then_some(i + 1);
        }
        if i > 64 {
            break;
        }
    }
    None
}

/// The command name of `cmd`, lower-cased, without a directory or `.exe`.
fn command_name(cmd: &str) -> String {
    let first = cmd.split_whitespace().next().unwrap_or("");
    let base = first.rsplit(['\\', '/']).next().unwrap_or(first);
    let lower = base.to_ascii_lowercase();
    lower.strip_suffix(".exe").map(str::to_string).unwrap_or(lower)
}

/// A PowerShell cmdlet name: `Verb-Noun` with a known verb.
fn is_cmdlet(name: &str) -> bool {
    let Some((verb, noun)) = name.split_once('-') else { return false };
    const VERBS: &[&str] =
        &["get", "set", "format", "select", "where", "convertto", "out", "sort", "test", "new"];
    VERBS.contains(&verb) && !noun.is_empty() && noun.chars().all(|c| c.is_ascii_alphanumeric())
}

/// After a shell prompt: any command this crate parses or a shell command.
fn known_command(cmd: &str, shell_too: bool) -> bool {
    let name = command_name(cmd);
    PARSED.contains(&name.as_str())
        || is_cmdlet(&name)
        || (shell_too && (SHELL.contains(&name.as_str()) || name == "sudo"))
}

/// A command typed without a prompt: its name and the shape of its first argument.
fn bare_echo(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some(first) = words.first() else { return false };
    let lower = first.to_ascii_lowercase();
    let name = lower.strip_suffix(".exe").unwrap_or(&lower);
    let second = words.get(1).map(|w| w.to_ascii_lowercase());
    let switch = |w: &Option<String>| w.as_deref().is_some_and(|w| w.starts_with(['-', '/']));
    // A number after the name is a PID column (`icacls.exe    4321 N/A` in `tasklist`).
    if second.as_deref().is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    match name {
        "netstat" | "tasklist" | "bcdedit" => second.is_none() || switch(&second),
        "reg" => second.as_deref().is_some_and(|w| {
            ["query", "add", "delete", "export", "import", "compare", "copy", "save", "flags"]
                .contains(&w)
        }),
        "sc" => second.as_deref().is_some_and(|w| {
            [
                "query",
                "queryex",
                "qc",
                "start",
                "stop",
                "config",
                "qdescription",
                "sdshow",
                "qfailure",
                "failure",
                "control",
                "qtriggerinfo",
                "qprivs",
            ]
            .contains(&w)
                || w.starts_with("\\\\")
        }),
        "netsh" => second.as_deref().is_some_and(|w| {
            ["advfirewall", "firewall", "interface", "int", "http", "winhttp"].contains(&w)
        }),
        // `icacls <path> [/switch ...]`; an ACE line (`icacls NT AUTHORITY\SYSTEM:(F)`, a path
        // named icacls) ends in `)` and has no switch.
        // A message line (`icacls.exe : x: Access is denied.`) has a `: `; a command does not.
        "icacls" => {
            words.len() >= 2
                && !text.contains(": ")
                && (words.iter().skip(2).any(|w| w.starts_with('/')) || !text.ends_with(')'))
        }
        _ => is_cmdlet(name) && !text.contains(" : "),
    }
}

/// The runs between `commands` in an input of `last_line` lines (empty without commands).
pub fn runs_of(commands: &[Command], last_line: usize) -> Vec<Run> {
    if commands.is_empty() {
        return Vec::new();
    }
    let mut runs = Vec::new();
    let first_cmd = commands[0].line;
    if first_cmd > 1 {
        runs.push(Run { command: None, first_line: 1, last_line: first_cmd - 1 });
    }
    for (i, c) in commands.iter().enumerate() {
        let end = commands.get(i + 1).map_or(last_line, |n| n.line.saturating_sub(1));
        if end > c.line {
            runs.push(Run { command: Some(i), first_line: c.line + 1, last_line: end });
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::command_line;

    #[test]
    fn prompt_shapes() {
        assert_eq!(
            command_line("C:\\WINDOWS\\system32>sc qc ZSAService"),
            Some(("C:\\WINDOWS\\system32>", "sc qc ZSAService"))
        );
        assert_eq!(command_line("C:\\>"), Some(("C:\\>", "")));
        assert_eq!(
            command_line("PS C:\\Users\\a> Get-Service TermService"),
            Some(("PS C:\\Users\\a>", "Get-Service TermService"))
        );
        assert_eq!(
            command_line("*Evil-WinRM* PS C:\\Users\\e\\Documents> reg query x /v y"),
            Some(("*Evil-WinRM* PS C:\\Users\\e\\Documents>", "reg query x /v y"))
        );
        assert_eq!(command_line("$ netstat -ano"), Some(("$", "netstat -ano")));
        assert_eq!(
            command_line("root@kali:~# ssh admin@10.0.0.5"),
            Some(("root@kali:~#", "ssh admin@10.0.0.5"))
        );
        assert_eq!(
            command_line("REG QUERY 'HKLM\\x' /v y"),
            Some(("", "REG QUERY 'HKLM\\x' /v y"))
        );
        assert_eq!(command_line("netstat -anob"), Some(("", "netstat -anob")));
        assert_eq!(command_line("beacon> shell sc query"), Some(("beacon>", "shell sc query")));
        assert_eq!(
            command_line("> get-service -name '*aws*'"),
            Some((">", "get-service -name '*aws*'"))
        );
    }

    #[test]
    fn data_lines_are_not_commands() {
        for line in [
            "sc.exe                        1234 N/A",
            "icacls.exe                    4321 N/A",
            "netstat.exe                   4321 Console                    1      5,120 K",
            "C:\\Windows NT AUTHORITY\\SYSTEM:(F)",
            "C:\\x: Access is denied.",
            "HKEY_LOCAL_MACHINE\\SOFTWARE",
            "  TCP    0.0.0.0:135   0.0.0.0:0   LISTENING   1",
            "# a comment",
            "icacls.exe : ReportManagementHelper.exe: Access is denied.",
            "$ 12",
            "icacls NT AUTHORITY\\SYSTEM:(F)",
            "Name        : Get-Service",
            "SERVICE_NAME: sc",
            ">  ACFS-9300: ADVM/ACFS",
            ">End Command output",
        ] {
            assert_eq!(command_line(line), None, "{line}");
        }
    }
}
