//! Capture on a painted console (Server 2016/2019 style: an 80x24 screen with no scrollback, where
//! fast output skips whole screens).
//!
//! The command's output never crosses the line as text. One typed line:
//!
//! ```text
//! COMMAND >"F" 2>&1 & call echo SDX<n>:%^errorlevel%:>>"F" & certutil -encode "F" "B" >nul
//!   & certutil -hashfile "F" SHA256 | findstr /v : >>"B" & cls & findstr /n /v @ "B" | more
//! ```
//!
//! spools stdout and stderr of every part of COMMAND to a file, appends the exit code, encodes the
//! file to base64 (64-character lines: no console wrapping, every byte kept, trailing spaces
//! too), appends the VM's SHA-256 of the spool (`findstr /v :` keeps only the hash line: the
//! header names the file's path and the last line starts `CertUtil:`, in every language), numbers
//! the lines (`12:QUJD...`; `@` never occurs in base64, so `/v @` keeps every line) and pages them
//! with `more`, one screen per space, on a screen `cls` cleared first (no line of its own: on a
//! painted console every typed line costs a paint for its echo and one for its prompt). Each
//! screen is read from the emulated terminal; the numbers make overlapping or repeated screens
//! harmless. Lines a screen did not show (the last
//! page scrolls when the prompt returns) are fetched again by number with `findstr /b`. The spool
//! files are deleted by the next capture line, which starts with a `del` of them (see
//! [`super::spool::Spent`]), or when the session ends: a line of their own would cost two paints.
//!
//! The decoded bytes are the command's output only when their SHA-256 is the one the VM appended.
//! When they are not (noise on the line, or rows of an earlier capture mixed in), the spool is
//! paged again on a cleared screen, up to [`READS`] times, and the reads are combined row by row
//! ([`Reads`]); a capture that never verifies is an error, never an answer.
//!
//! A screen can still show rows of an earlier capture (a short capture does not scroll them
//! away; a channel redraw brings them back). Only rows below the last screen row that shows this
//! capture's nonce (the echo of its own typed line) are read, and the hash check catches the
//! rest.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::checksum;
use super::guard::{self, Form, Guard};
use super::pager::more_shown;
use super::phases::{timed, Phase};
use super::sequence::{among_wanted, in_sequence};
use super::spool::{Spool, BEGIN, END};
use super::stream::MAX_READS;
use super::verify::Reads;
use super::{
    at_prompt, interrupt, line_error, nonce, wait_probing, Limits, RunError, SessionFault,
    PROBE_AFTER,
};
use crate::line::{Line, LineError};

/// Most Enters pressed in a row (without a page recognised between them) to make a garbled
/// screen paint again.
const PAGE_PROBES: u32 = 8;

/// How long the line stays quiet after the last byte of a paint before the prompt it shows
/// counts: a paint arrives in one stream, so a pause this long means it has ended.
const PAINT_DONE: Duration = Duration::from_millis(100);

/// A paint that ended by placing the cursor (the diff painter's last sequence) counts as done
/// after this much quiet; [`PAINT_DONE`] is the rule for a buffer that ends otherwise. A
/// cursor placed at the start of a row within a paint is followed by that row's text at once,
/// so a pause after it this long is the paint's end.
const PLACED_DONE: Duration = Duration::from_millis(40);

/// True when the paint the line last showed has ended: quiet for [`PLACED_DONE`] after a cursor
/// placement, or for [`PAINT_DONE`] after anything else.
fn paint_done(l: &Line) -> bool {
    let quiet = l.quiet_for();
    quiet >= PAINT_DONE || (quiet >= PLACED_DONE && ends_with_cursor_position(l.buf()))
}

/// How many times the spool is paged before the capture is given up as unverifiable.
pub const READS: u32 = 3;

/// Numbered base64 lines collected from screens.
///
/// Only rows below the last screen row that shows this capture's nonce are read: the nonce is in
/// the echo of the typed line (and of every helper line of this capture), so a row above it was
/// painted before this command ran (an earlier capture's page, or a late paint of one). When no
/// row shows the nonce, the echo has scrolled off the top, and so has everything painted before
/// it: the typed line's echo was read back on the screen before Enter, so the emulated screen
/// never goes back to an earlier state.
#[derive(Debug, Default)]
struct Pages {
    lines: BTreeMap<usize, String>,
    nonce: String,
}

impl Pages {
    fn new(nonce: &str) -> Pages {
        Pages { lines: BTreeMap::new(), nonce: nonce.to_string() }
    }

    /// Reads every numbered row of a page painted after this capture's echo, each number checked
    /// against its neighbours (see [`in_sequence`]).
    fn collect(&mut self, line: &Line) -> usize {
        self.file(in_sequence(rows_after_echo(line, &self.nonce)))
    }

    /// Reads the rows of an answer to a fetch of the rows `wanted`.
    fn collect_answer(&mut self, line: &Line, wanted: &[usize]) -> usize {
        self.file(among_wanted(rows_after_echo(line, &self.nonce), wanted))
    }

    /// Files rows read off the screen. A row seen again replaces a shorter copy (a row caught
    /// while it was still being painted).
    fn file(&mut self, rows: Vec<(usize, String)>) -> usize {
        let mut added = 0;
        for (n, body) in rows {
            let e = self.lines.entry(n).or_default();
            if body.len() > e.len() {
                if e.is_empty() {
                    added += 1;
                }
                *e = body;
            }
        }
        added
    }

    fn max(&self) -> usize {
        self.lines.keys().next_back().copied().unwrap_or(0)
    }

    /// The number of the END line, once seen.
    fn end(&self) -> Option<usize> {
        self.lines.iter().find(|(_, b)| b.as_str() == END).map(|(n, _)| *n)
    }

    /// Numbers in 1..=end that are missing or look cut short (a full base64 line has 64 chars).
    fn missing(&self, end: usize) -> Vec<usize> {
        (1..=end)
            .filter(|n| match self.lines.get(n) {
                None => true,
                Some(b) => {
                    *n > 1 && *n + 1 < end && b.len() != 64 && b.as_str() != BEGIN && b != END
                }
            })
            .collect()
    }

    /// The base64 rows between BEGIN (row 1) and END; `None` when row 1 is not BEGIN.
    fn body(&self, end: usize) -> Option<Vec<String>> {
        if self.lines.get(&1).map(String::as_str) != Some(BEGIN) {
            return None;
        }
        Some((2..end).map(|n| self.lines.get(&n).cloned().unwrap_or_default()).collect())
    }

    /// The VM's SHA-256 of the spool: the row right after END.
    fn hash(&self, end: usize) -> Option<String> {
        self.lines.get(&(end + 1)).and_then(|b| checksum::parse(b))
    }
}

/// `12:QUJD` -> (12, "QUJD"); only rows that are a number, a colon and base64 or a certutil
/// header line.
fn parse_row(row: &str) -> Option<(usize, String)> {
    let (num, body) = row.split_once(':')?;
    if num.is_empty() || num.len() > 7 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = num.parse().ok()?;
    // certutil's BEGIN and END lines are the only rows with dashes: one that noise damaged
    // (`-----END CERTFICATE-----`) still frames the capture, as on a streaming console, and its
    // rows are checked by the hash anyway. Damaged markers are common at 1% noise (seen:
    // `1:-----BEGIN CERTFICATE-----` shown as `CERTFICATE`, `-----END CERTIFICATE----`).
    if body.bytes().filter(|b| *b == b'-').count() >= 6 {
        return Some((n, if n == 1 { BEGIN } else { END }.to_string()));
    }
    let ok = !body.is_empty()
        && body.len() <= 64
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=');
    ok.then(|| (n, body.to_string()))
}

/// The numbered rows of the screen below the last row that shows `nonce` (all numbered rows when
/// none does).
fn rows_after_echo(line: &Line, nonce: &str) -> Vec<(usize, String)> {
    let t = line.term();
    let rows: Vec<String> = (0..crate::term::ROWS).map(|r| t.row_text(r)).collect();
    rows_after(&rows, nonce)
}

/// The numbered rows among `rows` below the last echo row that contains `nonce` (see
/// [`echo_rows`]).
fn rows_after(rows: &[String], nonce: &str) -> Vec<(usize, String)> {
    let echoes = echo_rows(rows);
    let first =
        (0..rows.len()).rev().find(|&r| echoes[r] && rows[r].contains(nonce)).map_or(0, |r| r + 1);
    rows[first..].iter().filter_map(|r| parse_row(r)).collect()
}

/// Which rows belong to the echo of a typed line: a run of non-blank rows (a line wrapped over
/// 80 columns) that starts with a prompt, or at the top of the screen (its prompt scrolled off).
///
/// A row holding the nonce anywhere else is a ghost: a row the console cleared whose clearing the
/// line garbled. The console paints only the cells it believes changed, so the ghost stays on
/// the client's screen through `cls` and every page after it (seen at 0.1% noise: a piece of an
/// earlier echo of this capture's line on row 21, below a clean page; every row of the page was
/// then taken for an earlier capture's, and each read of the spool came back empty).
fn echo_rows(rows: &[String]) -> Vec<bool> {
    let mut echo = vec![false; rows.len()];
    for r in 0..rows.len() {
        let blank = rows[r].trim().is_empty();
        echo[r] = !blank && (r == 0 || echo[r - 1] || starts_with_prompt(&rows[r]));
    }
    echo
}

/// True when `row` starts as a cmd prompt does: a drive and a path up to its first `>`. One
/// character of the drive may be garbled (`Cz\Windows\system32>`); the rest of an echo (a
/// row that wrapped, `EMP%\sd1a2b3c.b64" >nul`) never looks so.
fn starts_with_prompt(row: &str) -> bool {
    row.split_once('>').is_some_and(|(path, _)| {
        let b = path.as_bytes();
        b.len() >= 3
            && (b[1] == b':' || b[2] == b'\\')
            && !path.contains(['%', '"', ' ', '&', '|', '^'])
    })
}

/// Runs `command` on a line that starts with `before` (the deletion of earlier spools, see
/// [`super::spool::Spent::prefix`]); returns its exact, verified output and exit code. Its own
/// spool is left on the VM when it succeeds, for the caller to delete later.
pub fn run(
    line: &mut Line,
    before: &str,
    command: &str,
    index: u64,
    limits: Limits,
) -> Result<(String, Option<i32>), RunError> {
    let id = nonce(command, index);
    let spool = Spool::new(&id);
    // The spool goes as plain base64 first: most outputs fit a screen, and packing them would
    // cost a longer typed line (about 95 characters, painted a chunk at a time) to save nothing.
    // One that fills more than a screen is packed once its first page shows it (see
    // `read_back`).
    // The screen is cleared right before paging, by the same line (no `cls` line of its own
    // before it): only this capture's rows are then on the screen.
    let rest = rest(&spool);
    let mut enter = |l: &mut Line| entered(l, limits);
    page_spool(line, &spool, &id, limits, false, |line| {
        guard::type_capture(line, &spool, before, command, &rest, limits, &mut enter)
    })
}

/// Types the line that ends by paging the spool's base64 (with `type_line`, which says how it
/// went to the VM) and reads the spool back until it verifies. A spool that does not is deleted
/// at once; a verified one is left for the next line to delete. `clear` clears numbered rows of
/// an earlier capture off the screen first (a line that does not clear the screen itself before
/// paging).
fn page_spool(
    line: &mut Line,
    spool: &Spool,
    id: &str,
    limits: Limits,
    clear: bool,
    type_line: impl FnOnce(&mut Line) -> Result<Form, RunError>,
) -> Result<(String, Option<i32>), RunError> {
    let cleared = if clear { clear_numbered_rows(line, limits) } else { Ok(()) };
    let got = cleared
        .and_then(|()| type_line(line))
        .and_then(|form| read_verified(line, spool, id, limits).map(|text| (form, text)))
        .and_then(|(form, text)| form.finish(spool, &text));
    if got.is_err() {
        cleanup(line, spool, limits);
    }
    got
}

/// Reads back the spool of the `index`-th command, `command`, which ran to its end while the link
/// was cut (see [`super::resume`]): its base64 file and hash were written by the same line, after
/// it. `before` is what that line started with (see [`run`]).
pub(crate) fn read_spool(
    line: &mut Line,
    before: &str,
    command: &str,
    index: u64,
    limits: Limits,
) -> Result<(String, Option<i32>), RunError> {
    let id = nonce(command, index);
    let spool = Spool::new(&id);
    let form = Form::Unknown(Guard::new(&spool, before, command, &rest(&spool)));
    page_spool(line, &spool, &id, limits, true, |line| {
        type_typed(line, &show(&spool), limits).map(|()| form)
    })
}

/// What the capture line does after the command: encodes the spool, appends its SHA-256 and
/// pages the numbered base64 on a cleared screen.
fn rest(spool: &Spool) -> String {
    format!("{} & {} & {}", spool.encode_plain(), hash_into_b64(spool), show_cleared(spool))
}

/// Appends the VM's SHA-256 of the spool to its base64 file, as the line after END.
fn hash_into_b64(spool: &Spool) -> String {
    format!("{} | findstr /v : >>\"{}\"", checksum::command(&spool.file), spool.b64)
}

/// The line that pages the numbered base64 of the spool.
fn show(spool: &Spool) -> String {
    format!("{} | more", spool.numbered())
}

/// [`show`] on a screen cleared by `cls` first: a line that ends with it needs no `cls` line of
/// its own before it.
fn show_cleared(spool: &Spool) -> String {
    format!("cls & {}", show(spool))
}

/// Pages the spool (the line that does so is typed, not yet entered) until a read, or a
/// combination of reads, has the VM's hash; pages it again on a cleared screen when not.
/// Returns the spool's verified text.
fn read_verified(
    line: &mut Line,
    spool: &Spool,
    id: &str,
    limits: Limits,
) -> Result<String, RunError> {
    let mut reads = Reads::new(usize::try_from(limits.output_limit).unwrap_or(usize::MAX));
    let mut last_fault = None;
    let mut whole = 0;
    for _ in 0..MAX_READS + super::stream::ROW_ROUNDS {
        let unsettled = reads.unsettled();
        // Whole reads while many rows are in doubt, then single rows (see the streaming path).
        let many = unsettled.len() > 12;
        if whole < 2 || unsettled.is_empty() || (many && whole < MAX_READS) {
            // Every row settled and still nothing verifies: the VM's hash may be what the line
            // garbled each time (a 64-digit line), and each whole read brings it again. Reads
            // that brought nothing at all are tried only `READS` times.
            if whole >= MAX_READS || (whole >= READS && reads.count() == 0) {
                break;
            }
            if whole > 0 {
                clear_screen(line, limits)?;
                type_typed(line, &show(spool), limits)?;
            }
            whole += 1;
            // Only the first read may decide to pack: later reads page what it left in the
            // base64 file, packed or not.
            match read_back(line, spool, id, limits, whole == 1 && !line.no_makecab) {
                Ok((body, hash)) => {
                    reads.add_hash(hash);
                    reads.add(body);
                }
                // A read that lost its frame (garbled BEGIN/END rows, rows that never came) is
                // read again; a timeout, a lost link or an interrupt ends the capture.
                Err(RunError::Session(f)) => last_fault = Some(f),
                Err(e) => return Err(e),
            }
        } else {
            // Only the rows on which the reads disagree, by number (`findstr /n` numbers BEGIN
            // as 1, so row i is line i + 2), a screenful at a time.
            let wanted: Vec<usize> = unsettled.iter().take(12).map(|i| i + 2).collect();
            for (n, body) in fetch_rows(line, spool, id, &wanted, limits)? {
                reads.add_row(n - 2, body);
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
    Err(match last_fault {
        Some(f) if reads.count() == 0 => f,
        _ if !reads.has_hash() => SessionFault::NoChecksum { reads: whole },
        _ => SessionFault::Unverified { reads: whole },
    }
    .into())
}

/// Shows the numbered rows `wanted` of the spool's base64 and reads them off the screen.
fn fetch_rows(
    line: &mut Line,
    spool: &Spool,
    id: &str,
    wanted: &[usize],
    limits: Limits,
) -> Result<Vec<(usize, String)>, RunError> {
    timed(Phase::Fetch, || simple(line, &spool.numbered_lines(wanted), limits))?;
    Ok(among_wanted(rows_after_echo(line, id), wanted))
}

/// Clears the screen when numbered rows of an earlier capture are on it. They sit above the new
/// echo and are skipped anyway; clearing keeps a short capture's screen free of them.
fn clear_numbered_rows(line: &mut Line, limits: Limits) -> Result<(), RunError> {
    if (0..crate::term::ROWS).any(|r| parse_row(&line.term().row_text(r)).is_some()) {
        clear_screen(line, limits)?;
    }
    Ok(())
}

fn clear_screen(line: &mut Line, limits: Limits) -> Result<(), RunError> {
    timed(Phase::Helper, || simple(line, "cls", limits))
}

/// Presses Enter on the typed line that pages the spool and reads it back: the base64 rows
/// between BEGIN and END, and the VM's hash of the spool if it came through. The spool files are
/// left for the caller to delete.
fn read_back(
    line: &mut Line,
    spool: &Spool,
    id: &str,
    limits: Limits,
    pack: bool,
) -> Result<(Vec<String>, Option<String>), RunError> {
    line.clear();
    line.send(b"\r").map_err(line_error)?;
    let start = Instant::now();
    let received_at_start = line.received();
    let mut pages = Pages::new(id);
    let mut outcome = page_through(line, &mut pages, limits, start, received_at_start, pack);
    if matches!(outcome, Ok(Paged::Big)) {
        // More than a screen: stop `more`, pack the spool and page its cabinet instead.
        outcome = timed(Phase::Repack, || repage_packed(line, spool, limits)).and_then(|()| {
            pages = Pages::new(id);
            page_through(line, &mut pages, limits, start, received_at_start, false)
        });
    }
    if let Err(e) = outcome {
        interrupt(line);
        return Err(e);
    }
    // The last rows may still be painting when the prompt is recognised: read what is left of
    // the paint, then the screen once more.
    if !ends_with_cursor_position(line.buf()) {
        timed(Phase::Tail, || line.drain(Duration::from_millis(300), Duration::from_millis(40)))
            .map_err(line_error)?;
    }
    pages.collect(line);
    let Some(end) = pages.end() else {
        return Err(SessionFault::NoEnd { screen: line.term().snapshot().text() }.into());
    };
    // Fetch what no screen showed, a few numbers per command so each answer fits one screen; the
    // hash row after END at most twice (it is absent when certutil could not hash).
    let mut rounds = 0;
    let mut hash_asks = 0;
    loop {
        let mut missing = pages.missing(end);
        if pages.hash(end).is_none() && hash_asks < 2 {
            hash_asks += 1;
            missing.push(end + 1);
        }
        if missing.is_empty() {
            break;
        }
        rounds += 1;
        if rounds > 4 * (end / 10 + 2) {
            return Err(SessionFault::Unread(missing).into());
        }
        let wanted: Vec<usize> = missing.into_iter().take(12).collect();
        timed(Phase::Fetch, || simple(line, &spool.numbered_lines(&wanted), limits))?;
        pages.collect_answer(line, &wanted);
    }
    let body = pages.body(end).ok_or(SessionFault::NoBegin)?;
    Ok((body, pages.hash(end)))
}

/// Reads screens until `more` is done and the prompt is back, pressing space at each
/// `-- More --`.
fn page_through(
    line: &mut Line,
    pages: &mut Pages,
    limits: Limits,
    start: Instant,
    received_at_start: u64,
    pack: bool,
) -> Result<Paged, RunError> {
    let mut seen_max = 0usize;
    let mut probes = 0;
    // Bytes received when the first of the current run of probes was sent.
    let mut probed_at = u64::MAX;
    loop {
        // A `-- More --` or a prompt that the line garbled is never recognised: after a quiet
        // spell, Enter (one more line at `-- More --`, an empty line at the prompt: harmless
        // either way) makes the console paint again.
        let slice = PROBE_AFTER.min(limits.timeout);
        let phase = if seen_max == 0 { Phase::FirstScreen } else { Phase::NextScreen };
        let state = timed(phase, || {
            line.wait(slice, "waiting for the next screen of output", |l| {
                if l.received() - received_at_start > limits.output_limit {
                    return Some(State::TooLarge);
                }
                if more_shown(l.term()) {
                    // A new page: the highest number on screen went up. Numbers checked by
                    // their neighbours: one that gained a digit (`50:` as `550:`) would hide
                    // every later page.
                    let max = in_sequence(rows_after_echo(l, &pages.nonce))
                        .into_iter()
                        .map(|(n, _)| n)
                        .max()
                        .unwrap_or(0);
                    if max > seen_max {
                        return Some(State::Page);
                    }
                } else if at_prompt(l) && !l.buf().is_empty() && paint_done(l) {
                    // Only a finished paint: halfway through a paint that moves rows up, the cursor
                    // can sit for a moment after a prompt that an older row still shows.
                    return Some(State::Done);
                }
                None
            })
        });
        let state = match state {
            Ok(s) => s,
            Err(LineError::Timeout { .. }) => {
                if let Some(e) = limits.expired(line, start) {
                    return Err(e);
                }
                if probes >= PAGE_PROBES && seen_max > 0 && line.received() > probed_at {
                    // The command is done (its pages showed) and the console answers, but no
                    // screen it paints is readable: read the spool again on a cleared screen
                    // (see `read_verified`) rather than wait out the timeout.
                    return Err(SessionFault::Unpaged { probes }.into());
                }
                if line.quiet_for() >= PROBE_AFTER && probes < PAGE_PROBES {
                    if probes == 0 {
                        probed_at = line.received();
                    }
                    probes += 1;
                    // Sent once, not pressed until it shows: a command still running (gpupdate
                    // takes seconds) answers nothing, and reading that silence as a dropped key
                    // would learn a seconds-long debounce that slows every later line.
                    line.send(b"\r").map_err(line_error)?;
                }
                continue;
            }
            Err(e) => return Err(line_error(e)),
        };
        // A paint ends by placing the cursor; until then (or a short quiet spell) it is not done.
        timed(Phase::Settle, || settle(line)).map_err(line_error)?;
        match state {
            State::TooLarge => return Err(RunError::OutputTooLarge { limit: limits.output_limit }),
            State::Page => {
                timed(Phase::Read, || pages.collect(line));
                seen_max = pages.max();
                // The probes count garbled screens in a row, not in the whole capture: a long
                // capture at a little noise meets many of them, each put right by one Enter.
                probes = 0;
                if !more_shown(line.term()) {
                    // More went on by itself; read on.
                    continue;
                }
                if pack {
                    return Ok(Paged::Big);
                }
                // A console that debounces would drop a second space in a row and make every
                // page wait out the debounce: alternate with Enter (one more line) instead.
                let repeat = matches!(line.last_byte, Some((b' ', _)));
                let key: &[u8] = if line.debounce.is_some() && repeat { b"\r" } else { b" " };
                timed(Phase::Key, || crate::typing::press(line, key)).map_err(line_error)?;
            }
            State::Done => {
                pages.collect(line);
                return Ok(Paged::Done);
            }
        }
    }
}

/// Reads until the paint in progress ends (the buffer ends with a cursor position) or the line
/// stays quiet for 40 ms.
fn settle(line: &mut Line) -> Result<(), LineError> {
    let start = Instant::now();
    let mut last = Instant::now();
    while !ends_with_cursor_position(line.buf())
        && last.elapsed() < Duration::from_millis(40)
        && start.elapsed() < Duration::from_millis(500)
    {
        if line.poll()? > 0 {
            last = Instant::now();
        }
    }
    Ok(())
}

/// True when `buf` ends with `ESC[<row>;<col>H`.
fn ends_with_cursor_position(buf: &[u8]) -> bool {
    let Some((&b'H', rest)) = buf.split_last() else { return false };
    let params = rest.iter().rev().take_while(|c| c.is_ascii_digit() || **c == b';').count();
    let head = &rest[..rest.len() - params];
    params > 0 && head.ends_with(b"\x1b[")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Page,
    Done,
    TooLarge,
}

/// How paging a spool ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Paged {
    /// `more` is done and the prompt is back.
    Done,
    /// The first page ended at `-- More --` and packing was asked for: `more` still waits.
    Big,
}

/// Quits `more` (`q`) and types the line that packs the spool with makecab into a cabinet,
/// writes the cabinet's base64 (and the spool's hash after it) over the plain base64 file, and
/// pages it. Without a working makecab the chain stops at once and the plain base64 file is
/// paged as it was.
fn repage_packed(line: &mut Line, spool: &Spool, limits: Limits) -> Result<(), RunError> {
    // `q` may be lost on the line, or the screen may still be finishing the page's paint: the
    // prompt counts once the line has been quiet for a moment with it on the cursor row.
    let mut quit = false;
    for _ in 0..3 {
        line.clear();
        line.send(b"q").map_err(line_error)?;
        let quit_seen = line.wait(
            limits.timeout.min(Duration::from_secs(5)),
            "waiting for more to quit",
            |l| (at_prompt(l) && !l.buf().is_empty() && paint_done(l)).then_some(()),
        );
        // A paint that ended by placing the cursor after the prompt is the whole answer to
        // `q`; anything else gets a longer quiet spell to finish.
        if quit_seen.is_err() || !ends_with_cursor_position(line.buf()) {
            line.drain(Duration::from_secs(3), Duration::from_millis(400)).map_err(line_error)?;
        }
        if at_prompt(line) && !more_shown(line.term()) {
            quit = true;
            break;
        }
    }
    if !quit {
        return Err(SessionFault::NotAtPrompt { row: line.term().before_cursor() }.into());
    }
    let cab = spool.cab();
    let typed = format!(
        "(makecab /L \"%TEMP%\" \"{file}\" {name} >nul 2>&1 && del \"{b64}\" && certutil -encode \"{cab}\" \"{b64}\" >nul && {hash}) & {show}",
        file = spool.file,
        name = spool.cab_name,
        b64 = spool.b64,
        hash = hash_into_b64(spool),
        show = show_cleared(spool),
    );
    type_typed(line, &typed, limits)?;
    line.clear();
    line.send(b"\r").map_err(line_error)?;
    Ok(())
}

/// Runs a helper line (no capture) and waits for the prompt.
pub(crate) fn simple(line: &mut Line, cmd: &str, limits: Limits) -> Result<(), RunError> {
    type_typed(line, cmd, limits)?;
    entered(line, limits)
}

/// Presses Enter on the line typed and waits for the prompt after it (see [`simple`]).
fn entered(line: &mut Line, limits: Limits) -> Result<(), RunError> {
    line.clear();
    line.send(b"\r").map_err(line_error)?;
    timed(Phase::HelperWait, || {
        // The prompt counts once the paint that shows it has ended (see `paint_done`).
        // A helper's screen is read again when it is missing: `cls` may clear it.
        wait_probing(line, limits, "waiting for the prompt after a helper command", true, |l| {
            at_prompt(l) && !l.buf().is_empty() && paint_done(l)
        })
    })
}

/// Types a line at the prompt without Enter (see [`guard::type_line`]); a long line whose echo
/// came back wrong is stored in pieces, each entered as [`simple`] does.
fn type_typed(line: &mut Line, text: &str, limits: Limits) -> Result<(), RunError> {
    guard::type_line(line, text, limits, &mut |l: &mut Line| entered(l, limits))
}

/// Deletes the spool files of a capture that failed; a failure here loses nothing (the session
/// deletes them again later), so it is ignored.
fn cleanup(line: &mut Line, spool: &Spool, limits: Limits) {
    let _ = timed(Phase::Cleanup, || simple(line, &spool.delete(), limits));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_end_is_a_cursor_position() {
        assert!(ends_with_cursor_position(b"abc\x1b[24;11H"));
        assert!(!ends_with_cursor_position(b"abc\x1b[24;11"));
        assert!(!ends_with_cursor_position(b"abcH"));
    }

    #[test]
    fn rows_above_the_echo_are_not_this_captures() {
        let rows: Vec<String> = [
            "1:-----BEGIN CERTIFICATE-----",
            "2:T0xECg==",
            "3:-----END CERTIFICATE-----",
            "C:\\Windows\\system32>ver>\"%TEMP%\\sd1a2b3c.txt\" 2>&1 & certutil -encode",
            " \"%TEMP%\\sd1a2b3c.txt\" \"%TEMP%\\sd1a2b3c.b64\" >nul & findstr /n /v @ \"%TEMP%",
            "\\sd1a2b3c.b64\" | more",
            "1:-----BEGIN CERTIFICATE-----",
            "2:TkVXCg==",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            rows_after(&rows, "1a2b3c"),
            vec![(1, BEGIN.to_string()), (2, "TkVXCg==".to_string())]
        );
        // The echo scrolled off: every numbered row is this capture's.
        assert_eq!(rows_after(&rows[6..], "1a2b3c").len(), 2);
    }

    #[test]
    fn a_ghost_of_the_echo_below_the_page_is_not_the_echo() {
        // Seen at 0.1% noise: `cls` cleared the screen on the VM, the clearing of row 21 was
        // garbled on the line, and the console never painted that row again.
        let mut rows: Vec<String> = vec![String::new(); 24];
        rows[0] = "C:\\Windows\\system32>findstr /n /v @ \"%TEMP%\\sd1a2b3c.b64\" | more".into();
        rows[1] = "1:-----BEGIN CERTIFICATE-----".into();
        rows[2] = "2:T0xECg==".into();
        rows[3] = "3:-----END CERTIFICATE-----".into();
        rows[5] = "C:\\Windows\\system32>".into();
        rows[20] =
            "EMP%\\sd1a2b3c.b64\" >nul && certutil -hashfile \"%TEMP%\\sd1a2b3c.txt\"".into();
        assert_eq!(rows_after(&rows, "1a2b3c").len(), 3);
        // The echo's prompt garbled on the line still starts the echo.
        rows[0] = rows[0].replacen("C:", "Cz", 1);
        assert_eq!(rows_after(&rows, "1a2b3c").len(), 3);
        // Its second row, wrapped, is part of it.
        rows[1] = "2a.b64\" | more 1a2b3c".into();
        assert_eq!(rows_after(&rows, "1a2b3c").len(), 2);
    }

    #[test]
    fn rows_are_parsed_strictly() {
        assert_eq!(parse_row("12:QUJD"), Some((12, "QUJD".into())));
        assert_eq!(parse_row("1:-----BEGIN CERTIFICATE-----"), Some((1, BEGIN.into())));
        assert_eq!(parse_row("C:\\Windows>x"), None);
        assert_eq!(parse_row("12:not base64!"), None);
        assert_eq!(parse_row("9:-----END CERTFICATE-----"), Some((9, END.into())));
        assert_eq!(parse_row("1:----BEGIN CERTIFICATE-----"), Some((1, BEGIN.into())));
    }
}
