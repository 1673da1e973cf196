//! Runs one command line in a logged-in cmd channel and returns its complete output and exit code.
//!
//! Two ways, chosen per profile, each the cheapest that is still complete:
//! Both spool the command's output to a file on the VM with an exit marker ([`spool`]).
//! - [`stream`] (Server 2022 style consoles): the spool is typed out and cut from the byte stream;
//!   only when console wrapping makes the text ambiguous is it fetched again as base64. Costs
//!   about the raw output.
//! - [`painted`] (Server 2016/2019: an 80x24 screen, no scrollback, fast output skips screens): the
//!   output is spooled to a file on the VM, encoded with `certutil -encode`, numbered with
//!   `findstr /n`, and read back through `more` one screen at a time. Base64 keeps every byte
//!   (trailing spaces, long lines) and the line numbers make each screen's rows unambiguous.

use serde::Serialize;

pub mod checksum;
pub mod cmdline;
pub mod guard;
pub mod pack;
pub mod pager;
pub mod painted;
pub mod phases;
pub mod resume;
pub mod sequence;
pub mod spool;
pub mod stream;
pub mod verify;

/// The complete result of one command.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct CommandOutput {
    /// The command line as given (for PowerShell one-liners, the whole `powershell ...` line).
    pub command: String,
    /// `%errorlevel%` after the command; `None` when it could not be read.
    pub exit_code: Option<i32>,
    /// Everything the command printed (stdout and stderr merged), lines joined with `\r\n`, console
    /// wrapping undone, without the echo of the command line and without the next prompt.
    pub output: String,
    /// Bytes written to the line for this command (typing, markers, repairs).
    pub bytes_sent: u64,
    /// Bytes read from the line for this command.
    pub bytes_received: u64,
    pub duration_ms: u64,
}

pub use crate::error::{RunError, SessionFault};

/// Something that runs cmd.exe command lines and returns their complete output.
///
/// Implemented by the SAC cmd-channel session (`sac::Session`, the layer above), over any link.
pub trait Shell {
    fn run(&mut self, command: &str) -> Result<CommandOutput, RunError>;

    /// Writes a marker into the session's transcript, if it has one.
    fn mark(&mut self, _label: &str) {}
}

/// Wraps a PowerShell one-liner into the cmd.exe line that runs it.
pub fn powershell(script: &str) -> String {
    format!("powershell -NoProfile -NonInteractive -Command \"{}\"", script.replace('"', "\\\""))
}

/// Limits of one run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest time without progress (no byte arriving) before the command is given up: a
    /// big output over a slow line takes as long as it takes while it keeps coming.
    pub timeout: std::time::Duration,
    /// Longest time the whole command may take (`--max-time`), if capped.
    pub max_time: Option<std::time::Duration>,
    /// Largest number of bytes received for it.
    pub output_limit: u64,
}

impl Limits {
    /// The error for a wait that began at `start`, when it has gone on too long: no progress
    /// for `timeout`, or past `max_time`. `None` while it may go on.
    pub fn expired(&self, line: &Line, start: std::time::Instant) -> Option<RunError> {
        if let Some(max) = self.max_time {
            if start.elapsed() >= max {
                return Some(RunError::MaxTime { secs: max.as_secs() });
            }
        }
        (line.quiet_for() >= self.timeout)
            .then(|| RunError::NoProgress { secs: self.timeout.as_secs() })
    }
}

/// FNV-1a, 64 bits: a stable hash (the same in every build and on replay).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A marker for the `index`-th command of a session: six hex digits from a hash of both.
///
/// Deterministic on purpose: a replayed session types the same bytes as the recorded one. It only
/// has to differ from anything the command prints, and six hex digits after a fixed prefix do.
pub fn nonce(command: &str, index: u64) -> String {
    let mut bytes = command.as_bytes().to_vec();
    bytes.extend_from_slice(&index.to_le_bytes());
    let h = fnv1a(&bytes);
    // Six hex digits with no digit repeated next to itself: a debouncing console would drop the
    // second of a pair, and a marker must type fast.
    let mut out = String::with_capacity(6);
    let mut prev = None;
    let mut v = h ^ (h >> 32);
    let mut guard = 0;
    while out.len() < 6 && guard < 64 {
        guard += 1;
        let d = std::char::from_digit((v & 0xf) as u32, 16).unwrap_or('0');
        v = v.rotate_right(4) ^ 0x9e37;
        if prev != Some(d) {
            out.push(d);
            prev = Some(d);
        }
    }
    while out.len() < 6 {
        out.push(if out.ends_with('a') { 'b' } else { 'a' });
    }
    out
}

use std::time::Duration;

use crate::line::{Line, LineError};
use crate::typing::{type_unrepaired, Anchor, TypeError, CHUNK};

/// True for a cmd.exe prompt such as `C:\Windows\system32>` (the text before the cursor).
pub fn is_cmd_prompt(before_cursor: &str) -> bool {
    let b = before_cursor.as_bytes();
    // A path holds no `>`: the prompt's is its first, and nothing may follow it (a command line
    // cut right after a `>` of its own, `2>` or `>>`, ends in one too).
    b.len() >= 3
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && b[2] == b'\\'
        && before_cursor.find('>') == Some(b.len() - 1)
}

/// True when the cursor sits right after a cmd prompt.
pub fn at_prompt(line: &Line) -> bool {
    is_cmd_prompt(&line.term().before_cursor())
}

/// Types `text` at the cmd prompt without pressing Enter, and checks its echo. A space is added
/// when the line would end exactly at the right margin, where a painted console parks the cursor
/// on the last column and the echo cannot be read back exactly.
///
/// A wrong echo is never repaired in place (see [`guard`]: the screen need not show what the VM
/// holds): the line is dropped with Ctrl+C, which cmd.exe answers with `^C` and a fresh prompt
/// without running anything, and typed again, up to `most` times within `timeout`. Long lines
/// are better stored in pieces than typed again whole: see [`guard::type_line`].
pub(crate) fn type_command(
    line: &mut Line,
    text: &str,
    timeout: Duration,
    most: u32,
    pad: Pad,
) -> Result<(), RunError> {
    phases::timed(phases::Phase::Typing, || type_command_untimed(line, text, timeout, most, pad))
}

/// Whether a blank may be added to a line that would end exactly at the right margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pad {
    /// Yes: a trailing blank changes nothing in a command line.
    Margin,
    /// No: the line's every character counts (a `set` line keeps a trailing blank).
    Never,
}

fn type_command_untimed(
    line: &mut Line,
    text: &str,
    timeout: Duration,
    most: u32,
    pad: Pad,
) -> Result<(), RunError> {
    // `timeout` is time without progress (see `Limits`): a try whose keys the VM echoed, even
    // wrongly, is progress. At 1% noise a line with many repeated keys (the `%A%%B%` that runs
    // stored pieces) takes several seconds a try; counting every try against one timeout ended
    // such lines after five tries, though each had been answered.
    let mut progress = std::time::Instant::now();
    // Bounded all the same: a far end that echoes garbage without end does not hold a line
    // longer than this.
    let give_up = progress + timeout * MAX_TYPING_TIMEOUTS;
    let mut tries = 0;
    let mut recovered = 0;
    // The prompt as it stood before the first try: a fresh prompt after Ctrl+C must read the
    // same, since the VM wraps the line by the prompt's true length.
    let prompt = line.term().before_cursor();
    // Typing met noise a short while ago: see `WIDE_RUN` and `fits_below`.
    let noisy_line = noisy_recently(line);
    loop {
        tries += 1;
        if line.rebooted() {
            // Nothing typed into a VM that restarted: it would land at `SAC>` or in the boot menu.
            return Err(RunError::Restarting);
        }
        if line.place_lost() {
            // Nothing typed after a reconnect until the session has found the console again: a
            // stale screen can show a prompt where there is now a login field.
            return Err(RunError::Reconnected);
        }
        if !at_prompt(line) {
            if recovered >= PROMPT_RECOVERIES {
                return Err(RunError::ScreenLost { row: line.term().before_cursor() });
            }
            // The VM waits at its prompt (the last wait saw it), but noise garbled the paint
            // that showed it: a painted console repaints only the cells it believes changed, so
            // the row stays wrong until something changes it. Ctrl+C at an empty prompt runs
            // nothing and brings a fresh prompt on a repainted row.
            recovered += 1;
            tries -= 1;
            line.mark("the prompt is not readable on the screen: Ctrl+C for a fresh one");
            cancel_line(line, timeout.saturating_sub(progress.elapsed()))?;
            continue;
        }
        let noisy = tries > 1 || noisy_line;
        if line.painted && noisy && !fits_below(line, text) {
            clear_screen(line, timeout.saturating_sub(progress.elapsed()))?;
            if !at_prompt(line) {
                // The cleared screen's prompt came garbled: brought back as any other is.
                tries -= 1;
                continue;
            }
        }
        let anchor = Anchor::here(line);
        let mut text = text.to_string();
        let width = usize::from(crate::term::COLS);
        if pad == Pad::Margin
            && (anchor.prefix.chars().count() + text.chars().count()).is_multiple_of(width)
        {
            text.push(' ');
        }
        let left = timeout.saturating_sub(progress.elapsed());
        let wide = line.painted || !noisy;
        let run = if wide { WIDE_RUN } else { CHUNK };
        let retest = tries == 1 && retest_debounce(line, &text);
        let held = if retest { line.debounce.take() } else { None };
        let typed = match type_unrepaired(line, &anchor, &text, left, run) {
            Ok(true) => Ok(()),
            Ok(false) => Err(TypeError::Garbled {
                tries,
                wanted: text.clone(),
                shown: anchor.typed(line).unwrap_or_default(),
            }),
            Err(e) => Err(e),
        };
        // A repeated key lost again on a test of a suspected debounce is the debounce, not
        // noise: it does not make the next lines count as noisy.
        let confirmed = retest && retested(line, held, typed.is_ok());
        if typed.is_err() && !anchor.typed(line).unwrap_or_default().is_empty() {
            progress = std::time::Instant::now();
        }
        match typed {
            Ok(()) => return Ok(()),
            Err(TypeError::Line(l)) => return Err(line_error(l)),
            Err(e)
                if tries >= most
                    || progress.elapsed() >= timeout
                    || std::time::Instant::now() >= give_up =>
            {
                if !confirmed {
                    noisy_seen(line);
                }
                return Err(SessionFault::Typing(e).into());
            }
            Err(_) => {
                if !confirmed {
                    noisy_seen(line);
                }
                cancel_line(line, timeout.saturating_sub(progress.elapsed()))?;
                clean_prompt(line, &prompt)?;
            }
        }
    }
}

/// Most times a suspected debounce is tested again in one session.
const DEBOUNCE_RETESTS: u32 = 3;

/// True when this line's first try should test a suspected debounce again: its repeated keys
/// are typed without the pauses. A debounce is suspected at one lost echo of a repeated key on a
/// painted console (see `typing::debounce_sign`), and noise fakes that sign: at 0.1% drop one
/// such echo made a painted doctor pause before every repeated key for the rest of the session
/// (282 s where 47 s is usual; a capture line has a dozen repeated keys, `%SDQa%%SDQb%` ten).
/// Only short lines test it (a long line's failed first try sends it to stored pieces), and at
/// most [`DEBOUNCE_RETESTS`] times a session: on a console that does debounce, each test costs
/// one try of a short line.
fn retest_debounce(line: &mut Line, text: &str) -> bool {
    let repeats = text.chars().zip(text.chars().skip(1)).any(|(a, b)| a == b);
    let test = line.debounce_suspected
        && line.debounce.is_some()
        && line.debounce_retests < DEBOUNCE_RETESTS
        && repeats
        && text.chars().count() <= guard::WHOLE_MAX;
    if test {
        line.debounce_retests += 1;
        line.mark("a debounce was only suspected: this line's repeated keys go without pauses");
    }
    test
}

/// Settles a test of a suspected debounce: keys typed without pauses that came back exact clear
/// the suspicion; a repeated key lost again (the typist suspected a debounce anew) confirms it
/// for the session; any other wrong echo says nothing and the pauses (`held`) stay.
/// Returns whether the debounce was confirmed.
fn retested(line: &mut Line, held: Option<Duration>, exact: bool) -> bool {
    if exact {
        line.mark("repeated keys came through without pauses: no debounce");
        line.debounce = None;
        line.debounce_suspected = false;
        false
    } else if line.debounce.is_some() {
        line.mark("a repeated key was lost again: the console debounces");
        line.debounce = line.debounce.max(held);
        line.debounce_suspected = false;
        true
    } else {
        line.debounce = held;
        false
    }
}

/// True when `text` typed at the cursor, the blank line cmd.exe prints after a command and the
/// next prompt fit on the screen without scrolling it.
///
/// While typing meets noise, a painted console's screen is cleared with `cls` before a line that
/// does not fit. At the bottom of the screen every row a line wraps onto, every Ctrl+C and every
/// Enter scrolls the screen, and the console then paints all 24 rows again (about 2 KB) where a
/// line on a screen with room costs only its own cells: every paint of 2 KB is another chance
/// for noise to garble the rows being typed on, and a garbled cursor position drops a row's text
/// on another row (seen at 1% noise: one 70-character `set` line of a stored piece failed its
/// echo check eight times in a row at the bottom of the screen, then came back right at once on
/// a cleared one). On a clean line no `cls` is typed: it costs a line of its own.
fn fits_below(line: &Line, text: &str) -> bool {
    let (row, col) = line.term().cursor();
    let cols = usize::from(crate::term::COLS);
    let rows = (usize::from(col) + text.chars().count()) / cols + 1;
    usize::from(row) + rows + 2 <= usize::from(crate::term::ROWS)
}

/// Clears a painted console's screen with `cls` at an empty prompt (it runs nothing else) and
/// waits for the prompt it paints on the top row. A prompt that does not come readable is left to
/// the typing's own recovery.
fn clear_screen(line: &mut Line, left: Duration) -> Result<(), RunError> {
    line.mark("noise on the line: clear the screen before a line that would scroll it");
    line.clear();
    line.send(b"cls\r").map_err(line_error)?;
    let wait = left.min(Duration::from_secs(3));
    let cleared = line.wait(wait, "waiting for the prompt after cls", |l| {
        (!l.buf().is_empty() && at_prompt(l) && l.term().cursor().0 == 0).then_some(())
    });
    match cleared {
        Ok(()) => line
            .drain(Duration::from_millis(200), Duration::from_millis(40))
            .map(|_| ())
            .map_err(line_error),
        Err(LineError::Timeout { .. }) => Ok(()),
        Err(e) => Err(line_error(e)),
    }
}

/// Most timeouts one line's typing may take in all, its tries answered or not.
const MAX_TYPING_TIMEOUTS: u32 = 3;

/// Times one line's typing brings a fresh prompt with Ctrl+C when the screen shows none.
const PROMPT_RECOVERIES: u32 = 2;

/// Times Enter is pressed at an empty prompt that the line garbled.
const CLEAN_PROMPT_TRIES: u32 = 3;

/// Presses Enter at the empty prompt until it reads as `prompt` again, or as the fresh prompt
/// before it (an empty line runs nothing; cmd.exe prints a fresh prompt), at most
/// [`CLEAN_PROMPT_TRIES`] times. A prompt the
/// line garbled (`C:\Wndows\system32>`) anchors the next line one column off the VM's own, and
/// every row the line wraps onto would then read wrong.
pub(crate) fn clean_prompt(line: &mut Line, prompt: &str) -> Result<(), RunError> {
    let mut last = None;
    for _ in 0..CLEAN_PROMPT_TRIES {
        let now = line.term().before_cursor();
        // The prompt before the first try can itself have come garbled: two fresh prompts that
        // read the same are taken as the true one (noise seldom garbles two alike).
        if now == prompt || last.as_ref() == Some(&now) {
            return Ok(());
        }
        last = Some(now);
        // Enter at an empty prompt runs nothing; so does `cls`, which the bottom row of a
        // painted console needs to be painted again.
        let key: &[u8] = if enter_repaints_nothing(line) {
            line.mark("the fresh prompt was garbled on the bottom row: cls for another");
            b"cls\r"
        } else {
            line.mark("the fresh prompt was garbled on the line: Enter for another");
            b"\r"
        };
        let from = line.buf().len();
        line.send(key).map_err(line_error)?;
        let got = line.wait(Duration::from_secs(3), "waiting for a fresh prompt", |l| {
            (l.buf().len() > from && at_prompt(l)).then_some(())
        });
        match got {
            Ok(()) => {
                line.drain(Duration::from_millis(200), Duration::from_millis(40))
                    .map_err(line_error)?;
            }
            Err(LineError::Timeout { .. }) => {}
            Err(e) => return Err(line_error(e)),
        }
    }
    // Still garbled: typing goes on; its echo check tells whether the line came out right.
    Ok(())
}

/// Keys per run when the line has been clean: most capture lines in one run. Each run's echo costs a
/// round trip, and on a painted console that round trip waits for the console's next paint
/// (`paint_ms` in the simulator, a GUESS of 100 ms), so a 300-character capture line typed 40
/// keys at a time spends most of its time waiting. The doctor's capture lines are 310 to 500
/// characters, and 390 to 580 with the `del` of the last capture's spool they start with
/// (see [`spool::Spent`]): at 320 keys a run nearly every one took two paints. A run is not
/// riskier for being wide: the whole line must come back exact either way, and a wrong echo
/// sends it to the stored pieces at once. 640 keys are 8 rows of an 80x24 screen, well below
/// cmd.exe's 8191 and the 2048 characters the Azure portal lets a paste send at once.
/// On a streaming console, after a wrong echo the runs are short again ([`CHUNK`]) for the next
/// [`NOISY_LINES`] lines: a run whose echo is wrong ends the try at once, before the rest of the
/// line is sent. A painted console keeps wide runs: there each run waits for a paint (about
/// 0.1 s), longer than the echo of a whole 500-character line takes to cross the line (0.045 s),
/// so short runs made a noisy painted doctor spend most of its typing waiting (a 65-character
/// `set` line of a stored piece took two paints, a capture line thirteen).
pub const WIDE_RUN: usize = 640;

/// Lines typed in short runs after typing met noise.
pub const NOISY_LINES: u32 = 50;

/// Typing met noise (a line typed again): type short runs for a while.
fn noisy_seen(line: &mut Line) {
    line.short_runs_left = NOISY_LINES;
}

/// True while lines are to be typed in short runs; counts one line down.
fn noisy_recently(line: &mut Line) -> bool {
    let left = line.short_runs_left;
    line.short_runs_left = left.saturating_sub(1);
    left > 0
}

/// Times a line is typed afresh (after Ctrl+C) before typing gives up: lines typed again whole
/// are short (see [`guard::WHOLE_MAX`]), so at 1% noise a third or more come back clean. Twelve
/// tries left one piece in about a thousand untyped (0.55^12 for a piece whose `set` line wraps
/// an 80-column row), and a doctor types a hundred or more: one run in ten failed on it at 1%
/// duplicated bytes. A try costs one short line and its echo.
pub const LINE_TRIES: u32 = 24;

/// Drops the half-typed line with Ctrl+C and waits for cmd.exe's fresh prompt with nothing typed
/// after it.
pub(crate) fn cancel_line(line: &mut Line, left: Duration) -> Result<(), RunError> {
    phases::timed(phases::Phase::Typing, || cancel_line_untimed(line, left))
}

fn cancel_line_untimed(line: &mut Line, left: Duration) -> Result<(), RunError> {
    let start = std::time::Instant::now();
    for attempt in 0..3 {
        line.clear();
        line.send(b"\x03").map_err(line_error)?;
        let wait = left.saturating_sub(start.elapsed()).min(Duration::from_secs(3));
        if attempt > 0 {
            // The fresh prompt came but noise garbled its paint (a painted console that
            // scrolls repaints the whole screen, about 2 KB, for every new line): once cmd has
            // answered the Ctrl+C, its line is empty, and `cls` brings a prompt on a cleared
            // screen, painted in a few bytes, with no scrolling for the lines after it.
            let answered =
                line.wait(wait.min(Duration::from_millis(1500)), "waiting for ^C", |l| {
                    l.buf().windows(2).any(|w| w == b"^C").then_some(())
                });
            match answered {
                Ok(()) => {
                    line.drain(Duration::from_millis(200), Duration::from_millis(40))
                        .map_err(line_error)?;
                    if at_prompt(line) {
                        return Ok(());
                    }
                    line.mark("the prompt after Ctrl+C was unreadable: cls for a clean screen");
                    line.clear();
                    line.send(b"cls\r").map_err(line_error)?;
                }
                Err(LineError::Timeout { .. }) => continue,
                Err(e) => return Err(line_error(e)),
            }
        }
        let wait = left.saturating_sub(start.elapsed()).min(Duration::from_secs(3));
        let fresh = line.wait(wait, "waiting for a fresh prompt after Ctrl+C", |l| {
            let echo = l.buf().windows(2).position(|w| w == b"^C");
            let answered = attempt > 0 || echo.is_some();
            if answered && !l.buf().is_empty() && at_prompt(l) {
                return Some(true);
            }
            // cmd echoed `^C` and then a prompt's `>`, and has been quiet since: the prompt came
            // but the line garbled it. The next attempt repairs it at once (waiting out the rest
            // of the 3 s cost that much at every garbled prompt of a noisy session).
            let prompt_came = echo.is_some_and(|i| l.buf()[i..].contains(&b'>'));
            (prompt_came && l.quiet_for() >= GARBLED_PROMPT_QUIET).then_some(false)
        });
        match fresh {
            Ok(false) => {}
            Ok(true) => {
                // Let the rest of the paint land before the next line is anchored.
                line.drain(Duration::from_millis(300), Duration::from_millis(40))
                    .map_err(line_error)?;
                if at_prompt(line) {
                    return Ok(());
                }
            }
            Err(LineError::Timeout { .. }) => {}
            Err(e) => return Err(line_error(e)),
        }
    }
    Err(RunError::ScreenLost { row: line.term().before_cursor() })
}

/// How long the line stays quiet after `^C` and a `>` that is no readable prompt before the
/// prompt is taken as garbled: a paint that is still coming pauses far less.
const GARBLED_PROMPT_QUIET: Duration = Duration::from_millis(500);

/// How long the line must stay quiet, with no prompt recognised, before Enter is pressed to
/// bring a fresh one.
pub const PROBE_AFTER: Duration = Duration::from_millis(1200);
/// Most Enters pressed to bring a fresh prompt in one wait.
pub const PROBES: u32 = 3;
/// Most `cls` lines typed to bring a prompt painted anew in one wait (see [`wait_probing`]).
const CLEAR_PROBES: u32 = 2;

/// Waits until `done` holds, where `done` needs an intact prompt, for as long as the line
/// makes progress within `limits` (a helper that prints a long base64 takes as long as the line
/// needs) and at most `limits.output_limit` bytes. A prompt that the line garbled
/// (`C>\Windows\system32>`) is never recognised, so when the line has been quiet for
/// [`PROBE_AFTER`] without `done`, Enter is pressed (at most [`PROBES`] times) and cmd.exe prints
/// a fresh prompt. Only for waits where nothing that reads the keyboard can still be running:
/// Enter at an idle cmd prompt runs an empty line, which does nothing.
///
/// A console that paints repaints only the cells that changed, and a fresh prompt on the bottom
/// row is the same text as the one before it there: a bottom row the line garbled stays garbled
/// whatever number of Enters follow. With `clear`, `cls` is the probe (at most [`CLEAR_PROBES`]
/// times) when every Enter was answered and none brought a readable prompt, or as the first
/// probe when the console is painted and its cursor stands right after a `>` on the bottom row
/// (a prompt that came garbled, see [`enter_repaints_nothing`]; a command still running leaves
/// the cursor at the start of a row, and gets Enter, which does nothing when typed ahead): the
/// prompt comes back on a cleared screen, painted anew. What the screen showed is gone then, so only callers that
/// read it again when it is missing ask for this.
pub(crate) fn wait_probing(
    line: &mut Line,
    limits: Limits,
    what: &str,
    clear: bool,
    mut done: impl FnMut(&Line) -> bool,
) -> Result<(), RunError> {
    let start = std::time::Instant::now();
    let received_at_start = line.received();
    let mut probes = 0;
    let mut clears = 0;
    let mut received_at_probe = line.received();
    let stop = |line: &mut Line, e: RunError| {
        // The helper (a `type` of a big spool, paging) is stopped on the VM, as a command is:
        // left running, its output would flood the next command or the next run.
        interrupt(line);
        Err(e)
    };
    loop {
        if line.received() - received_at_start > limits.output_limit {
            return stop(line, RunError::OutputTooLarge { limit: limits.output_limit });
        }
        match line.wait(PROBE_AFTER.min(limits.timeout), what, |l| done(l).then_some(())) {
            Ok(()) => return Ok(()),
            Err(LineError::Timeout { .. }) => {
                if let Some(e) = limits.expired(line, start) {
                    return stop(line, e);
                }
                if line.quiet_for() >= PROBE_AFTER {
                    let answered = line.received() > received_at_probe;
                    let garbled_at_bottom = clear
                        && answered
                        && enter_repaints_nothing(line)
                        && line.term().before_cursor().trim_end().ends_with('>');
                    if probes < PROBES && !garbled_at_bottom {
                        probes += 1;
                        received_at_probe = line.received();
                        line.send(b"\r").map_err(line_error)?;
                    } else if clear && answered && clears < 2 * CLEAR_PROBES {
                        // `cls`, then Enter: a second `cls` paints nothing when the first one's
                        // screen is unchanged, while Enter after it paints a new row and the
                        // cursor's place (the last bytes of a paint, which the line can garble).
                        let key: &[u8] = if clears % 2 == 0 { b"cls\r" } else { b"\r" };
                        clears += 1;
                        received_at_probe = line.received();
                        if clears % 2 == 1 {
                            line.mark(
                                "the prompt stayed unreadable after Enter: cls to paint it anew",
                            );
                        }
                        line.send(key).map_err(line_error)?;
                    }
                }
            }
            Err(LineError::Interrupted) => return stop(line, RunError::Interrupted),
            Err(e) => return Err(line_error(e)),
        }
    }
}

/// True when Enter cannot make the console paint the prompt row again: a painted console with
/// the cursor on its bottom row. Enter scrolls every row up and puts a fresh prompt on the
/// bottom row, the same text as the one there, so the console paints every row but that one and
/// the garbled prompt stays (seen at 0.1% noise: `Cz\Windows\system32>` through three Enters,
/// 2.4 s each, until `cls`).
fn enter_repaints_nothing(line: &Line) -> bool {
    line.painted && line.term().cursor().0 + 1 == crate::term::ROWS
}

/// Maps a line error to a run error.
pub(crate) fn line_error(e: LineError) -> RunError {
    match e {
        LineError::Timeout { secs, .. } => RunError::Timeout { secs },
        LineError::Closed => RunError::LinkLost("the far end closed the link".into()),
        LineError::Io(e) => RunError::LinkLost(e.to_string()),
        LineError::Rebooted { .. } => RunError::Restarting,
        LineError::Interrupted => RunError::Interrupted,
        LineError::Reconnected => RunError::Reconnected,
        LineError::Flood { limit } => {
            RunError::OutputTooLarge { limit: u64::try_from(limit).unwrap_or(u64::MAX) }
        }
    }
}

/// Stops a running command with Ctrl+C and waits (briefly) for the prompt to come back.
pub(crate) fn interrupt(line: &mut Line) {
    if line.rebooted() || line.place_lost() {
        return;
    }
    for _ in 0..3 {
        if line.send(b"\x03").is_err() {
            return;
        }
        let ok = line.wait(Duration::from_secs(3), "waiting for the prompt after Ctrl+C", |l| {
            at_prompt(l).then_some(())
        });
        if ok.is_ok() {
            return;
        }
    }
}

#[cfg(test)]
mod tests;
