//! The command journal: every line the VM's shells were given, in order, with what came of it.
//!
//! A real VM keeps no such list; the simulator does so that training can grade what a trainee
//! typed (a backup before each change, a check after it) from the lines the shell actually ran,
//! not from keystrokes, which carry typos, Backspace and lines the console dropped.

use super::ShellMode;

/// One line a shell ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JournalEntry {
    /// The line as the shell received it (leading and trailing blanks trimmed).
    pub line: String,
    /// `cmd` or `powershell`: which interpreter read the line.
    pub shell: &'static str,
    /// The exit code (cmd's `%ERRORLEVEL%` after it; PowerShell's success as 0 or 1).
    pub exit_code: i32,
    /// Which boot of the VM the line ran in (1 = the first), so grading sees restarts between lines.
    pub boot: u32,
}

/// The most lines kept: far more than any session types by hand, a bound for a simulator that
/// serves scripted clients for days. Lines past it are counted, not kept.
pub const MAX_ENTRIES: usize = 100_000;

/// Every line run since the machine was built (up to [`MAX_ENTRIES`]).
#[derive(Debug, Clone, Default)]
pub struct Journal {
    entries: Vec<JournalEntry>,
    /// Lines run but not kept (past [`MAX_ENTRIES`]).
    pub dropped: u64,
}

impl Journal {
    /// Notes one line; blank lines (a bare Enter) are not commands and are left out.
    pub fn record(&mut self, line: &str, mode: ShellMode, exit_code: i32, boot: u32) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.dropped += 1;
            return;
        }
        let shell = match mode {
            ShellMode::Cmd => "cmd",
            ShellMode::PowerShell => "powershell",
        };
        self.entries.push(JournalEntry { line: line.to_string(), shell, exit_code, boot });
    }

    /// The lines in the order they ran.
    pub fn entries(&self) -> &[JournalEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_not_recorded_and_others_keep_their_order() {
        let mut j = Journal::default();
        j.record("  reg query HKLM\\X  ", ShellMode::Cmd, 0, 1);
        j.record("   ", ShellMode::Cmd, 0, 1);
        j.record("Get-Service TermService", ShellMode::PowerShell, 0, 2);
        let lines: Vec<&str> = j.entries().iter().map(|e| e.line.as_str()).collect();
        assert_eq!(lines, ["reg query HKLM\\X", "Get-Service TermService"]);
        assert_eq!(j.entries()[1].shell, "powershell");
        assert_eq!(j.entries()[1].boot, 2);
    }
}
