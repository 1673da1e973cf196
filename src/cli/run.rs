//! `sacdoc run TARGET -- COMMAND...` and `sacdoc sac TARGET -- SACCOMMAND`.
//!
//! `run` prints the command's output exactly as it was printed on the VM and exits with its exit
//! code (codes outside 0..=254 become 1; `--json` has the real one). sacdoc's own failures exit
//! with 255 (as ssh does, so they never pass for the remote command's code), name what went wrong
//! and what to do, and give the path of the transcript recorded so far; with `--json` the failure
//! is also a JSON object on stdout. `sac` needs no login, and exits 1 when SAC answers with one of
//! its error messages.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use anyhow::Context;

use super::connect::{ConnectArgs, Recording};
use crate::runner::Shell;
use crate::sac::Session;

/// Arguments of `sacdoc run`.
#[derive(Debug, clap::Args, Default)]
pub struct RunArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Print `{command, exit_code, output, bytes_sent, bytes_received, duration_ms}` as JSON
    /// (a failure as `{error, exit_code, transcript}`).
    #[arg(short, long)]
    pub json: bool,
    /// Pass control characters from the VM through to this terminal as they are (by default they
    /// are shown as `^[` and the like when stdout is a terminal; pipes, files and --json always
    /// get the exact bytes).
    #[arg(long)]
    pub raw: bool,
    /// The cmd.exe command line (after `--`). One argument is taken as the whole line; several
    /// are joined with spaces, quoting those that contain spaces.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Arguments of `sacdoc sac`.
#[derive(Debug, clap::Args, Default)]
pub struct SacArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The SAC command (after `--`), e.g. `id`, `i`, `ch`, `s`.
    #[arg(last = true, required = true, value_name = "SACCOMMAND")]
    pub command: Vec<String>,
}

/// Joins argv words into one cmd.exe line.
pub fn join_command(words: &[String]) -> String {
    if words.len() == 1 {
        return words[0].clone();
    }
    words
        .iter()
        .map(|w| {
            if w.contains([' ', '\t']) && !w.contains('"') {
                format!("\"{w}\"")
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tells the interrupt handler where this run's transcript goes.
pub fn remember_transcript(cfg: &crate::sac::ConnectConfig) {
    if let Recording::Path(p) = &cfg.record {
        super::interrupt::transcript(Some(p.clone()));
    }
}

/// Fixes the transcript path before connecting, so it can be printed even when connecting fails.
/// The file is created (empty) right away: two runs on the same target in the same second, in
/// two processes, each get a name of their own.
pub fn settle_recording(cfg: &mut crate::sac::ConnectConfig) {
    if let Recording::InFolder(dir) = &cfg.record {
        let base = crate::transcript::default_path(dir, &cfg.target.to_string());
        let stem = base.with_extension("");
        let _ = crate::transport::owner_only::create_dir_all(dir);
        let mut path = base.clone();
        for n in 2..1000 {
            match crate::transport::owner_only::create_new(&path) {
                Ok(_) => break,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    path = std::path::PathBuf::from(format!("{}-{n}.cast", stem.display()));
                }
                // The recorder reports what is wrong with the folder when it opens the file.
                Err(_) => break,
            }
        }
        cfg.record = Recording::Path(path);
    }
}

/// The VM's text as it may reach standard output: exact into pipes and files (and with `--raw`),
/// with control characters made visible on a terminal.
fn for_terminal(text: &str, raw: bool) -> std::borrow::Cow<'_, str> {
    use std::io::IsTerminal;
    if raw || !std::io::stdout().is_terminal() {
        std::borrow::Cow::Borrowed(text)
    } else {
        super::output::visible(text)
    }
}

/// The exit code after Ctrl+C (128 + SIGINT, as shells report it).
pub const INTERRUPTED: i32 = 130;

/// True when the operator's Ctrl+C ended the work.
pub fn interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<crate::runner::RunError>(),
            Some(crate::runner::RunError::Interrupted)
        ) || matches!(
            c.downcast_ref::<sacdoc_console::line::LineError>(),
            Some(sacdoc_console::line::LineError::Interrupted)
        )
    })
}

/// Reports an interrupted run (and where its transcript is).
pub fn fail_interrupted(e: anyhow::Error, cfg: &crate::sac::ConnectConfig, json: bool) {
    fail(e, Some(cfg), json, INTERRUPTED);
}

/// `run`'s exit code for its own failures.
pub const OWN_FAILURE: i32 = 255;

/// Prints a failure and where its transcript is (and, with `json`, the failure as JSON on
/// stdout); returns `code`.
fn fail(e: anyhow::Error, cfg: Option<&crate::sac::ConnectConfig>, json: bool, code: i32) -> i32 {
    eprintln!("sacdoc: {e:#}");
    let transcript = match cfg.map(|c| &c.record) {
        Some(Recording::Path(p)) if p.exists() => Some(p.as_path()),
        _ => None,
    };
    if let Some(p) = transcript {
        eprintln!("sacdoc: the transcript so far is in {}", p.display());
    }
    if json {
        let _ = super::output::println(&super::output::json_failure(&e, code, transcript));
    }
    code
}

/// `exit` typed as the command closes the cmd channel under sacdoc's feet: refused with the way
/// to get an exit code instead.
fn refuse_exit(command: &str) -> anyhow::Result<()> {
    let first = command.trim_start().trim_start_matches('@');
    let word =
        first.split(|c: char| c.is_whitespace() || "/&|<>()".contains(c)).next().unwrap_or("");
    if word.eq_ignore_ascii_case("exit") {
        anyhow::bail!(
            "{command:?} would close the cmd channel (sacdoc closes it itself when done); to \
             produce an exit code, run `cmd /c exit N`"
        );
    }
    Ok(())
}

pub fn run(args: RunArgs) -> anyhow::Result<i32> {
    if let Err(e) = refuse_exit(&join_command(&args.command)) {
        return Ok(fail(e, None, args.json, OWN_FAILURE));
    }
    let mut cfg = match args.connect.resolve() {
        Ok(c) => c,
        Err(e) => return Ok(fail(e, None, args.json, OWN_FAILURE)),
    };
    settle_recording(&mut cfg);
    remember_transcript(&cfg);
    cfg.cancel = Some(super::interrupt::flag());
    super::interrupt::graceful(true);
    let command = join_command(&args.command);
    let show = std::io::stderr().is_terminal() && !super::output::quiet();
    let bar = super::progress::bytes_received(show, &command);
    cfg.target = Arc::new(super::progress::Counting::new(cfg.target.clone(), bar.clone()));
    let result = (|| -> anyhow::Result<crate::runner::CommandOutput> {
        let mut session =
            Session::connect(&cfg).map_err(|e| super::output::connecting(e, &cfg.target))?;
        let out = session.run(&command).with_context(|| format!("running {command:?}"));
        // Closed whatever happened (a failed or interrupted command leaves the channel at its
        // prompt): the next run finds the console as it was.
        if let Err(e) = session.close() {
            super::output::warn(&format!("closing the session: {e}"));
        }
        out
    })();
    super::interrupt::graceful(false);
    bar.finish_and_clear();
    let out = match result {
        Ok(o) => o,
        Err(e) if interrupted(&e) => return Ok(fail(e, Some(&cfg), args.json, INTERRUPTED)),
        Err(e) => return Ok(fail(e, Some(&cfg), args.json, OWN_FAILURE)),
    };
    let mut stdout = super::output::stdout();
    if args.json {
        writeln!(stdout, "{}", serde_json::to_string(&out)?)?;
    } else {
        stdout.write_all(for_terminal(&out.output, args.raw).as_bytes())?;
        stdout.flush()?;
    }
    Ok(match out.exit_code {
        Some(c) if (0..OWN_FAILURE).contains(&c) => c,
        Some(_) => 1,
        None => {
            super::output::warn("the exit code could not be read");
            1
        }
    })
}

/// SAC's own error answers (message 105, unknown command; message 6, a bad parameter), as
/// `../shared/reference/sac-protocol.md` quotes them. GUESS: a localized Windows may translate
/// them; then `sac` exits 0 and the answer is still printed.
const SAC_ERRORS: &[&str] = &["Unrecognized command.", "A parameter was incorrect or missing."];

pub fn run_sac(args: SacArgs) -> anyhow::Result<i32> {
    let mut cfg = args.connect.resolve_without_prompt()?.into_sac_config()?;
    settle_recording(&mut cfg);
    remember_transcript(&cfg);
    let command = args.command.join(" ");
    let result = (|| -> anyhow::Result<String> {
        let mut session =
            Session::connect_sac(&cfg).map_err(|e| super::output::connecting(e, &cfg.target))?;
        let out =
            session.sac(&command).with_context(|| format!("running SAC command {command:?}"))?;
        let _ = session.close();
        Ok(out)
    })();
    match result {
        Ok(out) => {
            let mut stdout = super::output::stdout();
            stdout.write_all(for_terminal(&out, false).as_bytes())?;
            stdout.flush()?;
            let refused = SAC_ERRORS.iter().any(|m| out.contains(m));
            Ok(if refused { 1 } else { 0 })
        }
        Err(e) => Ok(fail(e, Some(&cfg), false, 2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_words_and_quotes_spaces() {
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            join_command(&w(&["netstat -anob | findstr 3389"])),
            "netstat -anob | findstr 3389"
        );
        assert_eq!(join_command(&w(&["reg", "query", "HKLM\\A B"])), "reg query \"HKLM\\A B\"");
    }

    #[test]
    fn exit_is_refused_but_not_a_command_that_mentions_it() {
        for bad in ["exit", "EXIT /b 7", "@exit 3", "  exit", "exit&echo x"] {
            assert!(refuse_exit(bad).is_err(), "{bad}");
        }
        for ok in ["cmd /c exit 3", "echo exit", "exiting.exe", "netstat -ano"] {
            assert!(refuse_exit(ok).is_ok(), "{ok}");
        }
    }
}
