//! Capture on a streaming console (Server 2022 style): the spooled output is typed out with
//! `type`, and cut from the byte stream between the Enter and the exit marker.
//!
//! The console breaks lines at its width with a plain CRLF, so a line of exactly the width and a
//! longer line broken there look the same on the wire. When the text shows a line of exactly
//! `wrap` characters, the same spool is fetched once more as certutil base64 (64-character lines,
//! never broken), which is exact; otherwise the text is already exact and costs about the raw
//! output.

use std::time::{Duration, Instant};

use super::spool::{decode_lines, Spool};
use super::{
    at_prompt, interrupt, line_error, nonce, type_command, Limits, RunError, SessionFault,
};
use crate::line::{find, Line, LineError};
use crate::term::stream_text;

/// Runs `command`; returns its exact output and exit code. `wrap` is the console width (0: the
/// console never breaks lines).
pub fn run(
    line: &mut Line,
    command: &str,
    index: u64,
    limits: Limits,
    wrap: usize,
) -> Result<(String, Option<i32>), RunError> {
    let spool = Spool::new(&nonce(command, index));
    let typed = format!("{} & type \"{}\"", spool.capture(command), spool.file);
    let text = match until_marker(line, &typed, spool.marker.as_bytes(), limits) {
        Ok(t) => t,
        Err(e) => {
            let _ = helper(line, &spool.delete(), limits.timeout);
            return Err(e);
        }
    };
    let ambiguous = wrap > 0 && text.split("\r\n").any(|l| l.chars().count() == wrap);
    if !ambiguous {
        let (out, code) = spool.split_exit(&text);
        helper(line, &spool.delete(), limits.timeout)?;
        return Ok((out, code));
    }
    // Exact path: the same file as base64.
    let typed = format!("{} & type \"{}\" & {}", spool.encode(), spool.b64, spool.delete());
    let b64 = helper(line, &typed, limits.timeout)?;
    let lines: Vec<&str> = b64.split("\r\n").collect();
    let begin = lines.iter().position(|l| l.trim() == super::spool::BEGIN);
    let end = lines.iter().position(|l| l.trim() == super::spool::END);
    let (Some(b), Some(e)) = (begin, end) else {
        return Err(SessionFault::NoBase64.into());
    };
    let bytes = decode_lines(lines[b..=e].iter().copied())?;
    let (out, code) = spool.split_exit(&String::from_utf8_lossy(&bytes));
    Ok((out, code))
}

/// Types `typed`, presses Enter, and returns the stream text up to `marker` once the prompt is
/// back. Stops the command with Ctrl+C on timeout or when the output passes the limit.
fn until_marker(
    line: &mut Line,
    typed: &str,
    marker: &[u8],
    limits: Limits,
) -> Result<String, RunError> {
    type_command(line, typed, limits.timeout)?;
    line.clear();
    line.send(b"\r").map_err(line_error)?;
    let start = Instant::now();
    let received_at_start = line.received();
    // The search resumes where the last one stopped (less the marker's length, for a marker split
    // across reads), so a big output is scanned once, not once per read.
    let mut searched = 0usize;
    let mut found: Option<usize> = None;
    let outcome = loop {
        if line.rebooted() {
            return Err(RunError::Restarting);
        }
        if found.is_none() {
            let from = searched.saturating_sub(marker.len().saturating_sub(1));
            found = find(&line.buf()[from..], marker).map(|at| from + at);
            searched = line.buf().len();
        }
        if let Some(at) = found {
            if at_prompt(line) && line.buf().ends_with(b">") {
                break Ok(at);
            }
        }
        if line.received() - received_at_start > limits.output_limit {
            break Err(RunError::OutputTooLarge { limit: limits.output_limit });
        }
        if start.elapsed() >= limits.timeout {
            break Err(RunError::Timeout { secs: limits.timeout.as_secs() });
        }
        match line.poll() {
            Ok(_) => {}
            Err(LineError::Closed) => {
                return Err(RunError::LinkLost("the far end closed the link".into()))
            }
            // The operator's Ctrl+C: stop the command on the VM like a timeout does.
            Err(LineError::Interrupted) => break Err(RunError::Interrupted),
            Err(e) => return Err(line_error(e)),
        }
    };
    match outcome {
        Ok(at) => {
            // Keep the marker line itself: the exit code follows the marker.
            let end = line.buf()[at..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(line.buf().len(), |p| at + p + 1);
            let text = stream_text(&line.buf()[..end]);
            Ok(text.strip_prefix("\r\n").unwrap_or(&text).to_string())
        }
        Err(e) => {
            interrupt(line);
            Err(e)
        }
    }
}

/// Runs a helper line and returns the stream text it printed (prompt excluded).
pub(crate) fn helper(line: &mut Line, typed: &str, timeout: Duration) -> Result<String, RunError> {
    type_command(line, typed, timeout)?;
    line.clear();
    line.send(b"\r").map_err(line_error)?;
    line.wait(timeout, "waiting for the prompt after a helper command", |l| {
        (at_prompt(l) && l.buf().ends_with(b">") && l.buf().len() > 2).then_some(())
    })
    .map_err(line_error)?;
    let text = stream_text(line.buf());
    let text = text.strip_prefix("\r\n").unwrap_or(&text);
    // Drop the prompt line at the end.
    let cut = text.rfind("\r\n").map_or(0, |p| p + 2);
    Ok(text[..cut].to_string())
}
