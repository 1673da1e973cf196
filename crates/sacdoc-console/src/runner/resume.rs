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
/// row of its own that must read exactly as one of three words made from the spool's nonce, so
/// line noise yields a new probe, not a wrong answer.
pub fn spooled(
    line: &mut Line,
    command: &str,
    index: u64,
    limits: Limits,
) -> Result<Spooled, RunError> {
    let spool = Spool::new(&nonce(command, index));
    let word = |w: &str| format!("{}{w}", spool.marker);
    let answers = [
        (word("ended"), Spooled::Finished),
        (word("stopped"), Spooled::Unfinished),
        (word("absent"), Spooled::Absent),
    ];
    let probe = format!(
        "if exist \"{file}\" (findstr /c:\"{marker}\" \"{file}\" >nul && echo {ended}|| echo \
         {stopped}) else echo {absent}",
        file = spool.file,
        marker = spool.marker,
        ended = answers[0].0,
        stopped = answers[1].0,
        absent = answers[2].0,
    );
    for _ in 0..PROBES {
        super::painted::simple(line, &probe, limits)?;
        let rows: Vec<String> =
            (0..crate::term::ROWS).map(|r| line.term().row_text(r).trim().to_string()).collect();
        // The answer is the last row that is exactly one of the words (the echo of the probe
        // holds all three, inside a longer row).
        if let Some(found) = rows
            .iter()
            .rev()
            .find_map(|row| answers.iter().find(|(w, _)| row == w).map(|(_, s)| *s))
        {
            return Ok(found);
        }
        if !at_prompt(line) {
            break;
        }
    }
    Err(RunError::Reconnected)
}
