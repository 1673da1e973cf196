//! A command whose capture the link cut (`--reconnect`), taken up again once the session has found
//! its cmd prompt: what became of it is read from its spool on the VM, never guessed.
//!
//! cmd.exe opens a redirection's file before it starts the command, and the spool's exit marker is
//! written only after the command ended. So the spool tells all three cases apart:
//! - no spool file: the command line was never entered, the command never ran, and it is safe to
//!   run it now;
//! - the spool ends with the exit marker: the command ran to its end; its output is read back from
//!   the spool (verified by the VM's SHA-256 as always), not run again;
//! - a spool without the marker: the command was stopped in the middle (the channel shows its
//!   prompt again, so it is not running); it may have done part of its work, and that is said.

use super::spool::Spool;
use super::{at_prompt, nonce, Limits, RunError};
use crate::line::Line;

/// What the VM holds of one command's spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spooled {
    /// No spool file: the command never started.
    Absent,
    /// The spool ends with the exit marker: the command ran to its end.
    Finished,
    /// A spool without the exit marker: the command started and was stopped.
    Unfinished,
}

/// How often the probe is typed again when its answer did not come back readable.
const PROBES: u32 = 3;

/// Asks the VM what became of the `index`-th command of the session, `command`. The answer is a
/// row of its own that must read exactly as one of three words made from the spool's nonce and
/// `tag` (a number the caller never gives twice), so line noise yields a new probe, not a wrong
/// answer, and an answer still on screen from an earlier probe is not taken for this one's. The
/// words are typed with a caret before their last part (`echo SDX..:4^ended`), which cmd.exe
/// removes: the echo of the typed probe, wrapped however the screen wraps it, never holds one.
pub fn spooled(
    line: &mut Line,
    command: &str,
    index: u64,
    tag: u32,
    limits: Limits,
) -> Result<Spooled, RunError> {
    let spool = Spool::new(&nonce(command, index));
    let answers = [
        ("ended", Spooled::Finished),
        ("stopped", Spooled::Unfinished),
        ("absent", Spooled::Absent),
    ];
    let shown = |w: &str| format!("{}{tag}{w}", spool.marker);
    let typed = |w: &str| format!("{}{tag}^{w}", spool.marker);
    let probe = format!(
        "if exist \"{file}\" (findstr /c:\"{marker}\" \"{file}\" >nul && echo {ended}|| echo \
         {stopped}) else echo {absent}",
        file = spool.file,
        marker = spool.marker,
        ended = typed(answers[0].0),
        stopped = typed(answers[1].0),
        absent = typed(answers[2].0),
    );
    for _ in 0..PROBES {
        super::painted::simple(line, &probe, limits)?;
        let rows: Vec<String> =
            (0..crate::term::ROWS).map(|r| line.term().row_text(r).trim().to_string()).collect();
        // The answer is the last row that is exactly one of the words (the echo of the probe
        // holds them with their carets).
        if let Some(found) = rows
            .iter()
            .rev()
            .find_map(|row| answers.iter().find(|(w, _)| *row == shown(w)).map(|(_, s)| *s))
        {
            return Ok(found);
        }
        if !at_prompt(line) {
            break;
        }
    }
    Err(RunError::Reconnected)
}
