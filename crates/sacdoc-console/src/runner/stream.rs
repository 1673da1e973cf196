//! Capture on a streaming console (Server 2022 style): the spooled output is typed out with
//! `type`, and cut from the byte stream between the Enter and the exit marker.
//!
//! Every capture is checked end to end: the same typed line ends with `certutil -hashfile` of
//! the spool, and the text is returned only when its SHA-256 is the VM's. The text matches the
//! file byte for byte when the output is plain CRLF text that the console did not break; when it
//! does not (a line of exactly the console's width, which the console breaks with a plain CRLF
//! like any longer line; bare LFs; bytes outside ASCII; noise on the line), the same spool is
//! fetched as certutil base64 (64-character lines, never broken), decoded and checked against
//! the hash again, up to [`READS`] times. A capture that never matches is an error, never an
//! answer.

use std::time::Instant;

use super::checksum;
use super::guard;
use super::spool::Spool;
use super::verify::Reads;
use super::{
    at_prompt, interrupt, line_error, nonce, wait_probing, Limits, RunError, SessionFault, PROBES,
    PROBE_AFTER,
};
use crate::line::{find, Line, LineError};
use crate::term::stream_text;

/// How many times the base64 form is read whole before the capture is given up as unverifiable,
/// when few of its rows are in doubt.
pub const READS: u32 = 3;

/// Most whole reads while many rows are in doubt. On a noisy line a row fetch is a long typed
/// list of numbers, which the noise makes slow to type (pieces, retypes); a whole read is one
/// short line. At 1% noise about half the rows of each read are damaged, so rows settle (two
/// copies agree) at 47% after 3 reads, 72% after 4, 91% after 6: reading on is cheaper than
/// fetching hundreds of rows a few dozen at a time. Bounded, as every wait is.
pub const MAX_READS: u32 = 8;

/// Runs `command` on a line that starts with `before` (the deletion of earlier spools, see
/// [`super::spool::Spent::prefix`]); returns its exact, verified output and exit code. `wrap`
/// is the console width (0: the console never breaks lines). Its own spool is left on the VM
/// when it succeeds, for the caller to delete later (deleted at once when it fails).
pub fn run(
    line: &mut Line,
    before: &str,
    command: &str,
    index: u64,
    limits: Limits,
    wrap: usize,
) -> Result<(String, Option<i32>), RunError> {
    super::phases::timed(super::phases::Phase::Stream, || {
        run_untimed(line, before, command, index, limits, wrap)
    })
}

/// What the capture line does after the command: shows the spool and its SHA-256. A big spool
/// is not typed out: the VM says so with the marker followed by `Z:` (no exit code), and the
/// spool is then read packed (see `pack`). Where makecab is known to be missing, the text is
/// cheaper than unpacked base64 whatever its size.
fn rest(line: &Line, spool: &Spool) -> String {
    let packed = packed_marker(spool);
    let show = if line.no_makecab {
        format!("type \"{}\"", spool.file)
    } else {
        format!(
            "(for %A in (\"{file}\") do @if %~zA GTR {min} (echo {packed}) else type \"{file}\")",
            file = spool.file,
            min = super::pack::MIN_STREAM_PACKED,
        )
    };
    format!("{show} & {}", checksum::command(&spool.file))
}

/// What the VM prints instead of a spool too big to type out: the marker followed by `Z:`.
fn packed_marker(spool: &Spool) -> String {
    format!("{}Z:", spool.marker)
}

fn run_untimed(
    line: &mut Line,
    before: &str,
    command: &str,
    index: u64,
    limits: Limits,
    wrap: usize,
) -> Result<(String, Option<i32>), RunError> {
    let id = nonce(command, index);
    let spool = Spool::new(&id);
    let packed = packed_marker(&spool);
    let rest = rest(line, &spool);
    let mut enter = |l: &mut Line| entered(l, limits).map(drop);
    let sent = guard::type_capture(line, &spool, before, command, &rest, limits, &mut enter)
        .and_then(|form| until_marker(line, spool.marker.as_bytes(), limits).map(|t| (form, t)));
    let (form, (text, tail)) = match sent {
        Ok(t) => t,
        Err(e) => {
            let _ = helper(line, &spool.delete(), limits);
            return Err(e);
        }
    };
    let on_vm = checksum::parse(&tail);
    let result = if text.trim_end() == packed {
        tracing::debug!("the spool is over {} bytes: read packed", super::pack::MIN_STREAM_PACKED);
        exact(line, &spool, on_vm, limits)
    } else {
        let ambiguous = wrap > 0 && text.split("\r\n").any(|l| l.chars().count() == wrap);
        let verified =
            !ambiguous && on_vm.as_deref() == Some(checksum::sha256_hex(text.as_bytes()).as_str());
        if verified {
            Ok(text)
        } else {
            exact(line, &spool, on_vm, limits)
        }
    }
    .and_then(|t| form.finish(&spool, &t));
    // A verified spool is deleted by the next capture line (see `Spent`); one that failed at
    // once, as far as the line allows.
    if result.is_err() {
        let _ = helper(line, &spool.delete(), limits);
    }
    result
}

/// Reads back the spool of the `index`-th command, `command`, which ran to its end while the link
/// was cut (see [`super::resume`]); `before` is what its line started with (see [`run`]). A
/// spool that does not verify is deleted at once; a verified one is left for the caller.
pub(crate) fn read_spool(
    line: &mut Line,
    before: &str,
    command: &str,
    index: u64,
    limits: Limits,
) -> Result<(String, Option<i32>), RunError> {
    let id = nonce(command, index);
    let spool = Spool::new(&id);
    let form =
        guard::Form::Unknown(guard::Guard::new(&spool, before, command, &rest(line, &spool)));
    let result = exact(line, &spool, None, limits).and_then(|t| form.finish(&spool, &t));
    if result.is_err() {
        let _ = helper(line, &spool.delete(), limits);
    }
    result
}

/// Reads the spool as certutil base64 until its decoded bytes have the VM's SHA-256: a whole
/// read, a second one when the first does not verify, then only the rows on which the reads
/// disagree, fetched again by number until two copies of each agree (see [`Reads`]). Each whole
/// read brings the hash again, so a hash garbled once does not fail the capture. Returns the
/// spool's verified text.
fn exact(
    line: &mut Line,
    spool: &Spool,
    on_vm: Option<String>,
    limits: Limits,
) -> Result<String, RunError> {
    let mut reads = Reads::new(usize::try_from(limits.output_limit).unwrap_or(usize::MAX));
    reads.add_hash(on_vm);
    let mut whole = 0;
    let mut round = 0u32;
    loop {
        // Row fetches in proportion to the output: a big one at a little noise has a few
        // hundred rows in doubt after its whole reads, a small one a handful.
        let budget =
            MAX_READS + ROW_ROUNDS + u32::try_from(reads.rows() / ROWS_PER_FETCH / 4).unwrap_or(0);
        if round >= budget {
            break;
        }
        round += 1;
        let unsettled = reads.unsettled();
        // Whole reads while many rows are in doubt (a big output at a little noise has damage in
        // every read; a third read settles most rows two to one), then single rows.
        let many = unsettled.len() > ROWS_PER_FETCH;
        if whole < 2 || unsettled.is_empty() || (many && whole < MAX_READS) {
            // Every row settled and still nothing verifies: the VM's hash may be what the line
            // garbled each time (a 64-digit line), and each whole read brings it again. Reads
            // that brought nothing at all are tried only `READS` times.
            if whole >= MAX_READS || (whole >= READS && reads.count() == 0) {
                break;
            }
            // The first read as certutil wrote it; later ones numbered (`findstr /n`), so a row
            // stays in its place whatever the line did to the line breaks around it.
            let numbered = whole > 0;
            whole += 1;
            let encode = if round == 1 { format!("{} & ", spool.encode()) } else { String::new() };
            let show = if numbered { spool.numbered() } else { format!("type \"{}\"", spool.b64) };
            let typed = format!("{encode}{show} & {}", checksum::command(&spool.file));
            let answer = helper(line, &typed, limits)?;
            let lines: Vec<&str> = answer.split("\r\n").collect();
            if numbered {
                if let Some((rows, tail)) = numbered_rows(&lines) {
                    reads.add_hash(checksum::parse(&tail.join("\r\n")));
                    reads.add(rows);
                }
            } else {
                let begin = lines.iter().position(|l| is_marker(l));
                let end = lines.iter().rposition(|l| is_marker(l));
                if let (Some(b), Some(e)) = (begin, end) {
                    if b < e {
                        reads.add_hash(checksum::parse(&lines[e + 1..].join("\r\n")));
                        reads.add(base64_rows(&lines[b + 1..e]));
                    }
                }
            }
        } else {
            // `findstr /n` numbers BEGIN as 1, so row i is line i + 2.
            let wanted: Vec<usize> = unsettled.iter().take(ROWS_PER_FETCH).map(|i| i + 2).collect();
            let answer = helper(line, &spool.numbered_lines(&wanted), limits)?;
            for l in answer.split("\r\n") {
                let Some((num, body)) = l.trim().split_once(':') else { continue };
                match num.parse::<usize>() {
                    Ok(n) if wanted.contains(&n) => reads.add_row(n - 2, body.to_string()),
                    _ => {}
                }
            }
        }
        if let Some((bytes, packed)) = reads.verified_packed() {
            super::pack::log_form(line, bytes.len(), packed);
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    tracing::debug!(reads = %reads.summary(), "the capture did not verify");
    if reads.packed_too_large() {
        return Err(RunError::OutputTooLarge { limit: limits.output_limit });
    }
    Err(if reads.count() == 0 {
        SessionFault::NoBase64
    } else if !reads.has_hash() {
        SessionFault::NoChecksum { reads: whole }
    } else {
        SessionFault::Unverified { reads: whole }
    }
    .into())
}

/// The 64-character rows certutil wrote, from the lines of one read, aligned row for row with
/// the file even when the line lost a line break (two rows run together: split again at 64) or
/// gained one (an empty line: dropped). A row that lost or gained a character stays one row,
/// damaged, in its place.
fn base64_rows(lines: &[&str]) -> Vec<String> {
    let mut rows = Vec::with_capacity(lines.len());
    for l in lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if l.len() >= 64 + 32 && l.is_ascii() {
            rows.extend(l.as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c).into_owned()));
        } else {
            rows.push(l.to_string());
        }
    }
    rows
}

/// True for certutil's BEGIN or END line, even one the line garbled: base64 has no `-`, so
/// five in a row only come from them. A marker taken by its exact text alone would make a read
/// with one damaged marker useless, though its rows are fine and are checked by the hash anyway.
fn is_marker(line: &str) -> bool {
    line.contains("-----")
}

/// The rows between BEGIN and END of a numbered read (`N:body`, BEGIN numbered 1), in place by
/// number (a row that did not come is empty), and the lines after END (the hash); `None` when
/// BEGIN or END did not come through.
fn numbered_rows<'a>(lines: &[&'a str]) -> Option<(Vec<String>, Vec<&'a str>)> {
    let mut rows = std::collections::BTreeMap::new();
    let mut end = None;
    let mut end_at = lines.len();
    let parsed = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let (num, body) = l.trim().split_once(':')?;
            Some((num.parse::<usize>().ok()?, (i, body)))
        })
        .collect();
    for (n, (i, body)) in super::sequence::in_sequence(parsed) {
        if n > 1 && is_marker(body) && end.is_none_or(|e| n > e) {
            end = Some(n);
            end_at = i;
        }
        rows.insert(n, body.to_string());
    }
    let end = end?;
    if !rows.get(&1).is_some_and(|b| is_marker(b)) || end < 2 {
        return None;
    }
    let body = (2..end).map(|n| rows.get(&n).cloned().unwrap_or_default()).collect();
    Some((body, lines[end_at + 1..].to_vec()))
}

/// Fetches of single rows after the whole reads.
pub const ROW_ROUNDS: u32 = 12;
/// Rows asked for in one fetch (each costs about 6 typed characters and a 70-byte answer).
const ROWS_PER_FETCH: usize = 64;

/// Presses Enter on the typed line, and once the prompt is back returns the stream text up to
/// and including the `marker` line, and the text after it (the prompt line left out). Stops the
/// command with Ctrl+C on timeout or when the output passes the limit.
fn until_marker(
    line: &mut Line,
    marker: &[u8],
    limits: Limits,
) -> Result<(String, String), RunError> {
    line.clear();
    line.send(b"\r").map_err(line_error)?;
    let start = Instant::now();
    let received_at_start = line.received();
    // The search resumes where the last one stopped (less the marker's length, for a marker split
    // across reads), so a big output is scanned once, not once per read.
    let mut searched = 0usize;
    let mut found: Option<usize> = None;
    let mut probes = 0;
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
            // The marker came, so the command is over and only `type` and certutil, which read
            // no keys, are left: a prompt the line garbled is replaced by pressing Enter.
            if probes < PROBES && line.quiet_for() >= PROBE_AFTER {
                probes += 1;
                line.send(b"\r").map_err(line_error)?;
            }
        }
        if line.received() - received_at_start > limits.output_limit {
            break Err(RunError::OutputTooLarge { limit: limits.output_limit });
        }
        if let Some(e) = limits.expired(line, start) {
            break Err(e);
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
            let tail = stream_text(&line.buf()[end..]);
            // The prompt line at the end is not the command's.
            let tail = tail.rfind("\r\n").map_or("", |p| &tail[..p]).to_string();
            Ok((text.strip_prefix("\r\n").unwrap_or(&text).to_string(), tail))
        }
        Err(e) => {
            interrupt(line);
            Err(e)
        }
    }
}

/// Runs a helper line and returns the stream text it printed (prompt excluded).
pub(crate) fn helper(line: &mut Line, typed: &str, limits: Limits) -> Result<String, RunError> {
    let mut enter = |l: &mut Line| entered(l, limits).map(drop);
    guard::type_line(line, typed, limits, &mut enter)?;
    entered(line, limits)
}

/// Presses Enter on the line typed and returns what it printed (see [`helper`]).
fn entered(line: &mut Line, limits: Limits) -> Result<String, RunError> {
    line.clear();
    line.send(b"\r").map_err(line_error)?;
    wait_probing(line, limits, "waiting for the prompt after a helper command", false, |l| {
        at_prompt(l) && l.buf().ends_with(b">") && l.buf().len() > 2
    })?;
    let text = stream_text(line.buf());
    let text = text.strip_prefix("\r\n").unwrap_or(&text);
    // Drop the prompt line at the end.
    let cut = text.rfind("\r\n").map_or(0, |p| p + 2);
    Ok(text[..cut].to_string())
}

#[cfg(test)]
mod tests {
    use super::{base64_rows, numbered_rows};

    #[test]
    fn a_row_whose_number_lost_a_digit_is_filed_in_its_place() {
        let mut lines: Vec<String> = vec!["1:-----BEGIN CERTIFICATE-----".into()];
        lines.extend((2..=14).map(|n| format!("{n}:ROW{n}")));
        lines.push("15:-----END CERTIFICATE-----".into());
        // Row 12 arrives as `2:` (a digit lost), row 5 as `55:` (one doubled); rows 8 and 9
        // both garbled, so neither has a neighbour to place it by.
        lines[11] = "2:ROW12".into();
        lines[4] = "55:ROW5".into();
        lines[7] = "88:ROW8".into();
        lines[8] = "99:ROW9".into();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (rows, _) = numbered_rows(&refs).expect("a read");
        let at = |n: usize| rows[n - 2].as_str();
        assert_eq!(at(2), "ROW2", "row 2 is not overwritten by row 12");
        assert_eq!(at(12), "ROW12", "row 12 takes the place its neighbours leave");
        assert_eq!(at(5), "ROW5");
        assert_eq!((at(8), at(9)), ("", ""), "numbers that fit nothing are dropped");
        assert_eq!(rows.len(), 13);
    }

    #[test]
    fn rows_stay_aligned_when_a_line_break_is_lost_or_doubled() {
        let a = "A".repeat(64);
        let b = "B".repeat(64);
        let c = "C".repeat(20);
        let joined = format!("{a}{b}");
        let rows = base64_rows(&[joined.as_str(), "", c.as_str()]);
        assert_eq!(rows, vec![a.clone(), b.clone(), c.clone()]);
        // A row with one character more or less stays one (damaged) row.
        let long = format!("{a}x");
        assert_eq!(base64_rows(&[long.as_str(), b.as_str()]).len(), 2);
    }
}
