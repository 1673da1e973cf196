//! Typing a line and checking its echo before pressing Enter.
//!
//! Real guests lose keystrokes: Server 2016/2019 debounce a key repeated quickly ("dropkeys"), and
//! characters typed right after a cmd prompt starts can be eaten ("eatchars"). Pressing Enter on a
//! damaged line would run the wrong command (or, at a `Password:` prompt, count a failed login),
//! so every line is typed, its echo read back from the screen, and repaired first.
//!
//! The fast path sends the whole line at once and returns as soon as the echo matches. On a
//! mismatch the damaged tail is erased with backspaces and retyped one key at a time, each key
//! confirmed by its echo, waiting before a key that repeats the previous one (the debounce).

use std::time::{Duration, Instant};

use crate::line::{Line, LineError};

/// How the far end echoes what is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Each character is echoed as itself.
    Plain,
    /// Each character is echoed as `*` (a password).
    Masked,
}

/// Why a line could not be typed.
#[derive(Debug, thiserror::Error)]
pub enum TypeError {
    #[error("the echo of what was typed stayed wrong after {tries} repairs (wanted {wanted:?}, the screen shows {shown:?})")]
    Garbled { tries: u32, wanted: String, shown: String },
    /// Backspaces did not shorten the echo as expected (typically across a wrapped row).
    #[error("the console did not show the erase of a damaged line ({shown} characters shown, {wanted} expected)")]
    Unerased { shown: usize, wanted: usize },
    /// The masked field showed what was typed instead of stars: the far end displays the
    /// password. Typing it again would only display it again, on a console others may watch and
    /// relays may log, so the field is erased and nothing is typed again.
    #[error("the console echoed the password in clear instead of masking it: the field was erased and the password is not typed again on this console")]
    ClearEcho,
    #[error(transparent)]
    Line(#[from] LineError),
}

/// Where the typed text starts: the text of the prompt row before the cursor when typing began.
/// The row is found again by this text, so a screen that scrolls while typing does not confuse
/// the check.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub prefix: String,
}

impl Anchor {
    /// The anchor at the cursor now.
    pub fn here(line: &Line) -> Anchor {
        Anchor { prefix: line.term().before_cursor() }
    }

    /// What the screen shows typed after the anchor, or `None` when the anchor row is gone.
    pub fn typed(&self, line: &Line) -> Option<String> {
        let t = line.term();
        let row = t.find_row_up(&self.prefix)?;
        Some(t.typed_since(row, self.prefix.chars().count() as u16))
    }
}

/// How long one key may take to echo before it counts as lost.
const KEY_ECHO_WAIT: Duration = Duration::from_millis(600);
/// How long a key's echo may come after [`KEY_ECHO_WAIT`] and still count (before the key is
/// pressed again).
const LATE_ECHO_WAIT: Duration = Duration::from_millis(200);
/// How long the line must stay quiet after a repair round before it is judged.
const QUIET: Duration = Duration::from_millis(250);
/// How long the line must stay quiet before an echo that is right so far but short counts as
/// final (a wrong echo is judged at once). Keys lost on the way leave the rest of the echo wrong (the keys after them still
/// arrive), so a short but right echo is most often one still on its way from a busy far end:
/// keys pressed again then would be typed twice once it lands.
const SHORT_QUIET: Duration = Duration::from_millis(1000);
/// Most characters erased in place; a longer damaged tail is left to the caller.
const MAX_ERASE: usize = 32;
/// How long an erase may take to show once its keys are sent.
const ERASE_WAIT: Duration = Duration::from_millis(1500);
/// Repair rounds before giving up.
const MAX_TRIES: u32 = 6;

/// Longest run of keys sent before its echo is checked. On a noisy line a short run's echo comes
/// back clean far more often than a whole command line's (at 1% noise 0.99^40 = 67%, against 8%
/// for a 250-character capture line), and a damaged run is repaired in place, within itself,
/// instead of the whole line being erased or typed again.
pub const CHUNK: usize = 40;

/// Types `text` (no Enter) at the prompt marked by `anchor` and waits until the screen shows it.
/// Returns the number of repair rounds that erased or pressed keys (one that only waited for a
/// late echo does not count). A plain text longer than [`CHUNK`] is typed and
/// checked a run at a time.
pub fn type_checked(
    line: &mut Line,
    anchor: &Anchor,
    text: &str,
    echo: Echo,
    timeout: Duration,
) -> Result<u32, TypeError> {
    type_checked_in_runs(line, anchor, text, echo, timeout, CHUNK)
}

/// [`type_checked`] with runs of at most `run` keys (plain text only). Each run costs a round
/// trip for its echo, which on a painted console waits for the next paint: on a clean line
/// longer runs save those waits, on a noisy one short runs save repairs.
pub fn type_checked_in_runs(
    line: &mut Line,
    anchor: &Anchor,
    text: &str,
    echo: Echo,
    timeout: Duration,
    run: usize,
) -> Result<u32, TypeError> {
    let run = run.max(1);
    let deadline = Instant::now() + timeout;
    let chars: Vec<char> = text.chars().collect();
    let runs: Vec<usize> = match echo {
        Echo::Plain => {
            (1..=chars.len().div_ceil(run)).map(|i| (i * run).min(chars.len())).collect()
        }
        // A masked field is erased whole and typed again when its count is wrong (see
        // `secret`); it is never split.
        Echo::Masked => vec![chars.len()],
    };
    if runs.is_empty() {
        // Nothing to type: only check that nothing stands after the anchor.
        return echo_or_repair(line, anchor, text, echo, deadline);
    }
    let mut repairs = 0;
    let mut sent = 0;
    for end in runs {
        send_run(line, &chars, sent, end, echo)?;
        let typed: String = chars[..end].iter().collect();
        repairs += echo_or_repair(line, anchor, &typed, echo, deadline)?;
        sent = end;
    }
    Ok(repairs)
}

/// Types `text` (plain, no Enter) in runs of at most `run` keys and checks each run's echo, but
/// never repairs: returns whether the screen shows exactly `text`, stopping at the first run
/// whose echo is wrong (the rest is not sent). For a line that is started over rather than
/// repaired in place (see `runner::guard`): an in-place repair trusts the screen to show what
/// the VM holds, which display noise breaks. A wrong echo at a key that repeats the one before
/// marks a suspected debounce, so the next try spaces its repeated keys.
pub fn type_unrepaired(
    line: &mut Line,
    anchor: &Anchor,
    text: &str,
    timeout: Duration,
    run: usize,
) -> Result<bool, TypeError> {
    let run = run.max(1);
    let deadline = Instant::now() + timeout;
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return echo_settled(line, anchor, text, Echo::Plain, deadline);
    }
    let mut sent = 0;
    while sent < chars.len() {
        let end = (sent + run).min(chars.len());
        send_run(line, &chars, sent, end, Echo::Plain)?;
        let typed: String = chars[..end].iter().collect();
        if !echo_settled(line, anchor, &typed, Echo::Plain, deadline)? {
            let shown: Vec<char> = anchor.typed(line).unwrap_or_default().chars().collect();
            debounce_sign(line, looks_debounced(&shown, &chars));
            return Ok(false);
        }
        sent = end;
    }
    Ok(true)
}

/// Waits for the screen to show `text` typed after the anchor, or for the line to fall quiet
/// with a wrong echo, which is then repaired.
fn echo_or_repair(
    line: &mut Line,
    anchor: &Anchor,
    text: &str,
    echo: Echo,
    deadline: Instant,
) -> Result<u32, TypeError> {
    if echo_settled(line, anchor, text, echo, deadline)? {
        return Ok(0);
    }
    repair(line, anchor, text, echo, deadline)
}

/// Waits until the screen shows `text` typed after the anchor (true), or the line falls quiet
/// with a wrong echo, or with a short one for [`SHORT_QUIET`], or the deadline passes (false).
fn echo_settled(
    line: &mut Line,
    anchor: &Anchor,
    text: &str,
    echo: Echo,
    deadline: Instant,
) -> Result<bool, TypeError> {
    let want: Vec<char> = expected(text, echo);
    // Fast path: wait for the whole echo, or for the line to fall quiet with a wrong one.
    let mut last_change = Instant::now();
    let mut last_seen = anchor.typed(line).unwrap_or_default();
    loop {
        let shown: Vec<char> = last_seen.chars().collect();
        if shown == want {
            return Ok(true);
        }
        let diverged = shown.iter().zip(&want).any(|(a, b)| a != b) || shown.len() > want.len();
        // Judge only a settled echo: bytes of an escape sequence or of a backspace's `\b \b`
        // can show a wrong picture for a moment.
        let quiet = last_change.elapsed();
        if (diverged && quiet >= Duration::from_millis(50)) || quiet >= SHORT_QUIET {
            break;
        }
        if Instant::now() >= deadline {
            break;
        }
        if line.poll()? > 0 {
            last_seen = anchor.typed(line).unwrap_or_default();
            last_change = Instant::now();
        }
    }
    Ok(false)
}

fn expected(text: &str, echo: Echo) -> Vec<char> {
    match echo {
        Echo::Plain => text.chars().collect(),
        Echo::Masked => text.chars().map(|_| '*').collect(),
    }
}

/// Sends the keys `chars[sent..end]`, one run of a line. With a known debounce, pauses before
/// each repeated key (the run's first one too, when it repeats the last key sent) instead of
/// repairing afterwards.
fn send_run(
    line: &mut Line,
    chars: &[char],
    sent: usize,
    end: usize,
    echo: Echo,
) -> Result<(), LineError> {
    let part: String = chars[sent..end].iter().collect();
    match line.debounce {
        Some(d) => {
            if sent > 0 && chars.get(sent - 1) == chars.get(sent) {
                std::thread::sleep(d);
            }
            send_spaced(line, &part, echo, d)
        }
        None => send_text(line, &part, echo),
    }
}

/// Sends `text` in runs without repeated keys, pausing `pause` before each repeated key.
fn send_spaced(line: &mut Line, text: &str, echo: Echo, pause: Duration) -> Result<(), LineError> {
    let mut run = String::new();
    let mut prev = None;
    for c in text.chars() {
        if prev == Some(c) {
            send_text(line, &run, echo)?;
            run.clear();
            std::thread::sleep(pause);
        }
        run.push(c);
        prev = Some(c);
    }
    send_text(line, &run, echo)
}

fn send_text(line: &mut Line, text: &str, echo: Echo) -> Result<(), LineError> {
    match echo {
        Echo::Plain => line.send(text.as_bytes()),
        Echo::Masked => line.send_secret(text.as_bytes()),
    }
}

/// Erases the wrong tail and retypes it key by key.
fn repair(
    line: &mut Line,
    anchor: &Anchor,
    text: &str,
    echo: Echo,
    deadline: Instant,
) -> Result<u32, TypeError> {
    let chars: Vec<char> = text.chars().collect();
    let want = expected(text, echo);
    let mut debounce = line.debounce.unwrap_or(Duration::from_millis(150));
    // Rounds that erased or pressed a key: a round that only took a late echo changed nothing
    // on the VM's line, and does not count as a repair.
    let mut touched = 0;
    for _ in 1..=MAX_TRIES {
        let shown: Vec<char> = anchor.typed(line).unwrap_or_default().chars().collect();
        if shown == want {
            return Ok(touched);
        }
        let keep = match echo {
            Echo::Plain => shown.iter().zip(&want).take_while(|(a, b)| a == b).count(),
            // A masked echo says how many keys arrived, not which: keep none (see `secret`).
            Echo::Masked => 0,
        };
        if echo == Echo::Plain {
            // The echo went wrong at a key that repeats the one before: the mark of a console
            // that debounces. Suspected until a repair measures it, so that a line typed over
            // (after Ctrl+C, when this one cannot be erased) spaces its repeated keys.
            debounce_sign(line, looks_debounced(&shown, &chars));
        }
        let erase = shown.len().saturating_sub(keep);
        let mut pressed = erase > 0;
        if erase > MAX_ERASE {
            // Erasing this much, one paced backspace at a time on a debouncing console and across
            // wrapped rows, costs more than starting the line over, which the caller can do
            // where that is safe (Ctrl+C at the cmd prompt).
            return Err(TypeError::Unerased { shown: shown.len(), wanted: keep });
        }
        for _ in 0..erase {
            if Instant::now() >= deadline {
                break;
            }
            // Backspaces repeat, so a debouncing console needs them one at a time: paced when
            // the debounce is known; pressed one by one while it is not (a lost key is pressed
            // again after a pause, and the pause that worked is learned).
            match line.debounce {
                Some(d) => {
                    std::thread::sleep(d);
                    line.send(b"\x08")?;
                }
                // A backspace that draws nothing even when pressed again (at the start of a row
                // the line wrapped onto) ends the erase: the check below then hands the line
                // back to the caller, which may start it over.
                None => {
                    if !press_seen(line, b"\x08")? {
                        break;
                    }
                }
            }
        }
        if erase > 0 {
            let until = deadline.min(Instant::now() + ERASE_WAIT);
            match wait_len(line, anchor, keep, until) {
                Ok(()) => {}
                Err(LineError::Timeout { .. }) => {
                    return Err(TypeError::Unerased {
                        shown: anchor.typed(line).unwrap_or_default().chars().count(),
                        wanted: keep,
                    })
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut have = keep;
        let mut prev: Option<char> = if keep > 0 { chars.get(keep - 1).copied() } else { None };
        let mut last_ok: Option<Instant> = None;
        let mut failed = false;
        while have < chars.len() {
            // An echo still on its way (a busy far end) may have landed meanwhile: take what
            // it shows right instead of pressing those keys again; a wrong key ends the round.
            let now: Vec<char> = anchor.typed(line).unwrap_or_default().chars().collect();
            if now.len() > have {
                let right = now.iter().zip(&want).take_while(|(a, b)| a == b).count();
                if right < now.len() {
                    break;
                }
                have = right;
                prev = chars.get(have - 1).copied();
                continue;
            }
            let c = chars[have];
            let repeated = prev == Some(c);
            if repeated {
                std::thread::sleep(debounce);
            }
            let mut b = [0u8; 4];
            let sent_at = Instant::now();
            pressed = true;
            send_text(line, c.encode_utf8(&mut b), echo)?;
            let key_deadline = (Instant::now() + KEY_ECHO_WAIT).min(deadline);
            let got = line.wait(
                key_deadline.saturating_duration_since(Instant::now()),
                "waiting for the echo of a key",
                |l| {
                    let n = anchor.typed(l).unwrap_or_default().chars().count();
                    (n > have).then_some(n)
                },
            );
            match got {
                Ok(_) => {
                    if repeated && failed {
                        if let Some(t) = last_ok {
                            learn(line, sent_at.duration_since(t));
                        }
                    }
                    have += 1;
                    prev = Some(c);
                    last_ok = Some(sent_at);
                    failed = false;
                }
                Err(LineError::Timeout { .. }) => {
                    // A short pause that keeps reading: an echo only late (a busy far end) is
                    // taken, not answered with the key again (which would type it twice).
                    line.drain(LATE_ECHO_WAIT, LATE_ECHO_WAIT)?;
                    if anchor.typed(line).unwrap_or_default().chars().count() > have {
                        have += 1;
                        prev = Some(c);
                        last_ok = Some(sent_at);
                        failed = false;
                        continue;
                    }
                    failed = true;
                    if repeated {
                        // Lost to the debounce: wait longer before the repeated key.
                        debounce = (debounce * 2).min(Duration::from_millis(2000));
                    }
                    if Instant::now() >= deadline {
                        break;
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        touched += u32::from(pressed);
        // Let any late echo land before judging the round.
        line.drain(QUIET, Duration::from_millis(80))?;
        if Instant::now() >= deadline {
            break;
        }
    }
    let shown = anchor.typed(line).unwrap_or_default();
    if shown.chars().collect::<Vec<_>>() == want {
        return Ok(touched);
    }
    Err(TypeError::Garbled {
        tries: MAX_TRIES,
        wanted: want.iter().collect(),
        shown: if echo == Echo::Masked {
            format!("{} characters", shown.chars().count())
        } else {
            shown
        },
    })
}

fn wait_len(
    line: &mut Line,
    anchor: &Anchor,
    len: usize,
    deadline: Instant,
) -> Result<(), LineError> {
    line.wait(
        deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(200)),
        "waiting for backspaces to erase a damaged line",
        |l| (anchor.typed(l).unwrap_or_default().chars().count() <= len).then_some(()),
    )
}

/// Presses one key that must have a visible effect (Enter at a login prompt, space at
/// `-- More --`) and presses it again when nothing at all comes back: a console that debounces
/// drops a key equal to the previous one. A key that was taken always produces some output (its
/// echo or a repaint), so a second press only follows a key that was lost.
pub fn press(line: &mut Line, key: &[u8]) -> Result<(), LineError> {
    press_seen(line, key).map(|_| ())
}

/// [`press`], and whether anything came back at all.
fn press_seen(line: &mut Line, key: &[u8]) -> Result<bool, LineError> {
    let last = key.last().copied();
    let prev_same = line.last_byte.filter(|(b, _)| Some(*b) == last).map(|(_, t)| t);
    let mut pause = line.debounce.unwrap_or(Duration::from_millis(200));
    for attempt in 0..4 {
        let before = line.received();
        let sent_at = Instant::now();
        line.send(key)?;
        let got = line.wait(Duration::from_millis(700), "waiting for a key to take effect", |l| {
            (l.received() > before).then_some(())
        });
        match got {
            Ok(()) => {
                if attempt > 0 {
                    if let Some(t) = prev_same {
                        learn(line, sent_at.duration_since(t));
                    }
                }
                return Ok(true);
            }
            Err(LineError::Timeout { .. }) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(2000));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// The pause before a key equal to the previous one when the console's debounce is not known:
/// above the half second that 2016/2019 guests are seen to swallow a repeated key in.
/// GUESS: the exact window is undocumented (sac-protocol.md §12).
pub const DEFAULT_REPEAT_PAUSE: Duration = Duration::from_millis(600);

/// The longest pause a suspected (not measured) debounce grows to: twice
/// [`DEFAULT_REPEAT_PAUSE`], above the half-second windows seen (sac-protocol.md §12). Noise that
/// happens to drop a repeated key's echo looks like a debounce; doubling on every such sign
/// made a noisy line pause 2.4 s before each repeated key, and lists of row numbers are full of
/// them.
const MAX_SUSPECTED_PAUSE: Duration = Duration::from_millis(1200);

/// Assumes a debounce of [`DEFAULT_REPEAT_PAUSE`] unless one is known; suspected again, the pause
/// doubles (a busy far end takes keys late, so a window just under the pause still drops them),
/// up to [`MAX_SUSPECTED_PAUSE`]; a longer one that was measured (see [`learn`]) is kept.
fn suspect_debounce(line: &mut Line) {
    if line.debounce.is_none() {
        line.debounce_suspected = true;
    }
    line.debounce = Some(match line.debounce {
        None => DEFAULT_REPEAT_PAUSE,
        Some(d) => d.max((d * 2).min(MAX_SUSPECTED_PAUSE)),
    });
}

/// Counts a wrong echo that looks debounced (`sign`) or not. On a painted console (Server
/// 2016/2019, the style seen to debounce, sac-protocol.md §12) a debounce is suspected at the
/// first sign; on any other, at the second in a row: a debounce loses the same key on every try,
/// while noise that happens to drop a repeated key's echo rarely does it twice running.
/// Suspected at the first sign on a streaming console, a line at 1% noise paused before every
/// repeated key for the rest of the session (a stored-pieces line `%SDQa%%SDQb%...` has seven):
/// most of a noisy diagnosis was spent in those pauses (ws2022 at 1% drop: over 600 s, 265 s
/// after). On the painted console the pauses help under noise as well: `ver` at 1% drop, seed 3,
/// failed after 131 s with the second-sign rule and was correct in 83 s with the first.
fn debounce_sign(line: &mut Line, sign: bool) {
    if !sign {
        line.debounce_signs = 0;
        return;
    }
    line.debounce_signs += 1;
    if line.debounce_signs >= if line.painted { 1 } else { 2 } {
        line.debounce_signs = 0;
        suspect_debounce(line);
    }
}

/// True when the echo `shown` of `chars` went wrong the way a debounce makes it: at the first key
/// that repeats the one before, which is missing (the echo ends there, or goes on with the key
/// after it). A debounce loses every such key typed at the same pace, so one that came through
/// earlier in the line says the loss was noise; so does a key the line garbled into another one.
fn looks_debounced(shown: &[char], chars: &[char]) -> bool {
    let keep = shown.iter().zip(chars).take_while(|(a, b)| a == b).count();
    keep > 0
        && keep < chars.len()
        && chars[keep] == chars[keep - 1]
        && !chars[..keep].windows(2).any(|w| w[0] == w[1])
        && (shown.len() == keep || shown.get(keep) == chars.get(keep + 1))
}

/// The longest gap between two equal keys that is taken for a debounce: the windows seen on
/// 2016/2019 guests are about half a second (sac-protocol.md §12), so a repeated key that went
/// through only after two seconds says the far end was busy, not that it debounces.
const MAX_LEARNED_GAP: Duration = Duration::from_millis(2000);

/// Remembers that a repeated key went through after `gap`: later repeated keys wait that long
/// (plus a margin) instead of being lost and repaired.
fn learn(line: &mut Line, gap: Duration) {
    if gap > MAX_LEARNED_GAP {
        // Not a debounce: a far end that was busy (a command still running, a slow paint)
        // answered late. Learned, it would pause seconds before every repeated key.
        return;
    }
    let d = gap + Duration::from_millis(100);
    line.debounce_suspected = false;
    line.debounce = Some(line.debounce.map_or(d, |old| old.max(d)).min(Duration::from_secs(3)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn debounced(shown: &str, typed: &str) -> bool {
        let shown: Vec<char> = shown.chars().collect();
        let typed: Vec<char> = typed.chars().collect();
        looks_debounced(&shown, &typed)
    }

    #[test]
    fn a_missing_repeated_key_is_a_debounce_and_a_garbled_one_is_not() {
        // The second 3 of "33" is missing: the echo goes on with the key after it, or ends.
        assert!(debounced("findstr /b \"3:", "findstr /b \"33:"));
        assert!(debounced("findstr /b \"3", "findstr /b \"33:"));
        // The line turned the repeated 3 into a 7 (a flipped bit): noise.
        assert!(!debounced("findstr /b \"37:", "findstr /b \"33:"));
        // Wrong at a key that does not repeat the one before.
        assert!(!debounced("findstr /b \"34", "findstr /b \"35:"));
        // Wrong at the second repeated key: the first one (`33`) came through at the same pace.
        assert!(!debounced("findstr /b \"33: 4", "findstr /b \"33: 44:"));
    }

    /// A line over a real loopback socket (nothing is sent on it here).
    fn test_line() -> (Line, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let near = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (far, _) = listener.accept().unwrap();
        let link = sacdoc_link::tcp::TcpLink::from_stream(near, "test".into()).unwrap();
        (Line::new(Box::new(link)), far)
    }

    #[test]
    fn a_debounce_is_suspected_at_the_second_sign_in_a_row() {
        let (mut line, _far) = test_line();
        debounce_sign(&mut line, true);
        assert_eq!(line.debounce, None, "one sign is noise as often as not");
        debounce_sign(&mut line, false);
        debounce_sign(&mut line, true);
        assert_eq!(line.debounce, None, "signs with a clean try between are not in a row");
        debounce_sign(&mut line, true);
        assert_eq!(line.debounce, Some(DEFAULT_REPEAT_PAUSE));
        let (mut line, _far) = test_line();
        line.painted = true;
        debounce_sign(&mut line, true);
        assert_eq!(line.debounce, Some(DEFAULT_REPEAT_PAUSE), "a painted console debounces");
    }
}
