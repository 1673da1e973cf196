//! What an interactive PowerShell keeps between the lines typed at its `PS C:\...>` prompt:
//! variables, `$LASTEXITCODE`, and the location `Set-Location` moved to. A `powershell -Command`
//! one-liner is a new process each time and keeps nothing.

use super::format::ErrorRecord;
use super::value::Value;
use super::{Bound, CmdResult, Ctx};
use crate::machine::fs::path;

/// The state of one interactive PowerShell session, kept in the channel's shell state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PsSession {
    /// Variables assigned so far (`$name = ...`).
    pub vars: Vec<(String, Value)>,
    /// `$LASTEXITCODE` of the last native program.
    pub last_exit: i32,
    /// cmd.exe's current directory when PowerShell started: restored at `exit`, since a child
    /// process's `Set-Location` does not move its parent.
    pub cmd_cwd: Option<String>,
}

/// `Set-Location` (`cd`, `sl`, `chdir`) on the file system: `-Path` or the first positional
/// argument, relative to the current location; no argument stays put (Windows PowerShell 5.1).
pub(crate) fn set_location(ctx: &mut Ctx, b: &Bound) -> CmdResult {
    let Some(typed) = b.get("literalpath").or_else(|| b.get_or_pos("path", 0)) else {
        return Ok(Vec::new());
    };
    let typed = typed.trim();
    let target = if typed == "~" {
        format!("C:\\Users\\{}", ctx.sh.user)
    } else {
        path::resolve(&ctx.sh.cwd, typed).unwrap_or_else(|_| typed.to_string())
    };
    if !ctx.st.fs.is_dir(&target) {
        // GUESS: provider paths (HKLM:\, Cert:\) are not simulated as locations; they fail as a
        // missing file-system path would.
        return Err(ErrorRecord {
            command: "Set-Location".into(),
            message: format!("Cannot find path '{target}' because it does not exist."),
            category: format!(
                "ObjectNotFound: ({target}:String) [Set-Location], ItemNotFoundException"
            ),
            fqid: "PathNotFound,Microsoft.PowerShell.Commands.SetLocationCommand".into(),
        });
    }
    ctx.sh.cwd = target;
    Ok(Vec::new())
}
