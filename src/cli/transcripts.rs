//! `sacdoc transcripts list|prune`: every session is recorded, so transcripts pile up (dozens of
//! files in an afternoon); this lists them and deletes the old ones. Only `.cast` files in the
//! transcripts folder are ever touched.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};
use clap::Subcommand;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// List the recorded transcripts, newest first: size, target, passwords submitted, file.
    List {
        /// One JSON object per transcript, one per line.
        #[arg(short = 'j', long)]
        json: bool,
    },
    /// Delete old transcripts: keep the newest N and/or those younger than DAYS. Without --yes it
    /// only says what it would delete.
    Prune {
        /// Keep this many of the newest transcripts.
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
        /// Delete transcripts last written more than DAYS days ago.
        #[arg(long, value_name = "DAYS")]
        older_than: Option<u64>,
        /// Delete them (otherwise only list what would go).
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Add a note to a transcript as a marker (`note: TEXT`): `sacdoc replay` lists it with the
    /// other markers as a chapter.
    Note {
        /// The transcript to change.
        file: PathBuf,
        /// Where: seconds since the recording began (default: the end).
        #[arg(long, value_name = "SECONDS")]
        at: Option<f64>,
        /// The note.
        text: String,
    },
    /// Take texts out of a transcript (a password typed where no prompt said so, names before
    /// sharing it): every occurrence becomes stars, in place. The texts are read, one per line,
    /// from --text-file, from standard input when it is not a terminal, or asked for with echo
    /// off; never from the command line, which other users can see.
    Redact {
        /// The transcript to change.
        file: PathBuf,
        /// A file of texts to take out, one per line.
        #[arg(long, value_name = "PATH")]
        text_file: Option<PathBuf>,
    },
}

/// One transcript file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub path: PathBuf,
    pub bytes: u64,
    /// Seconds since the Unix epoch of the last write.
    pub modified: u64,
    /// The target from the file's header, when it has one.
    pub target: Option<String>,
    /// Passwords submitted in the session (its `password submitted` markers): each one a login
    /// attempt that counts against the account's lockout threshold. Counted (reading the whole
    /// file) only for `list`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passwords_submitted: Option<u64>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let dir = crate::paths::transcripts_dir();
    let entries = entries(&dir)?;
    match args.action {
        Action::List { json } => list(&dir, &entries, json),
        Action::Redact { file, text_file } => redact(&file, text_file.as_deref()),
        Action::Note { file, at, text } => note(&file, at, &text),
        Action::Prune { keep, older_than, yes } => {
            if keep.is_none() && older_than.is_none() {
                bail!("say what to keep: --keep N (the newest N) and/or --older-than DAYS");
            }
            let doomed = to_prune(&entries, keep, older_than, SystemTime::now());
            prune(&doomed, yes)
        }
    }
}

/// The `.cast` files of `dir`, newest first (none when the folder does not exist yet).
pub fn entries(dir: &Path) -> anyhow::Result<Vec<Entry>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "cast") {
            continue;
        }
        let Ok(meta) = e.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        out.push(Entry {
            target: header_target(&path),
            passwords_submitted: None,
            path,
            bytes: meta.len(),
            modified,
        });
    }
    out.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| b.path.cmp(&a.path)));
    Ok(out)
}

/// The target named in a transcript's header line (read with a bound: a header is short).
fn header_target(path: &Path) -> Option<String> {
    use std::io::Read;
    let f = std::fs::File::open(path).ok()?;
    let mut first = String::new();
    std::io::BufReader::new(f.take(64 * 1024)).read_line(&mut first).ok()?;
    let v: serde_json::Value = serde_json::from_str(&first).ok()?;
    v["sacdoc"]["target"].as_str().map(str::to_string)
}

/// `transcripts redact`: reads the texts, stars them in `file` and says how many went.
fn redact(file: &Path, text_file: Option<&Path>) -> anyhow::Result<i32> {
    use std::io::IsTerminal;
    let texts: Vec<String> = match text_file {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("cannot read {}", p.display()))?
            .lines()
            .map(str::to_string)
            .collect(),
        None if !std::io::stdin().is_terminal() => std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<_, _>>()
            .context("reading the texts")?,
        None => {
            let mut v = Vec::new();
            loop {
                let t = rpassword::prompt_password("text to take out (Enter alone when done): ")
                    .context("cannot read the text (give --text-file PATH instead)")?;
                if t.is_empty() {
                    break;
                }
                v.push(t);
            }
            v
        }
    };
    let texts: Vec<String> = texts.into_iter().filter(|t| !t.trim().is_empty()).collect();
    if texts.is_empty() {
        bail!("no text to take out was given");
    }
    let mut t = crate::transcript::read(file)?;
    let n = crate::transcript::redact::redact(&mut t, &texts);
    if n > 0 {
        crate::transcript::redact::write(file, &t)?;
    }
    writeln!(super::output::stdout(), "{n} occurrence(s) replaced by stars in {}", file.display())?;
    Ok(0)
}

/// How many passwords the session submitted: its markers, counted in one pass over the file. A
/// session's output cannot forge one: in the file, output is a JSON string, where the quotes of
/// the marker's form would be escaped.
fn passwords_submitted(path: &Path) -> u64 {
    const MARKER: &[u8] = br#","m","password submitted"]"#;
    let Ok(f) = std::fs::File::open(path) else { return 0 };
    let mut reader = std::io::BufReader::new(f);
    let mut line = Vec::new();
    let mut count = 0;
    while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
        if line.trim_ascii_end().ends_with(MARKER) {
            count += 1;
        }
        line.clear();
    }
    count
}

/// Deletes the transcripts in `dir` that `retention` (`[transcripts]` in the configuration) does
/// not keep, saying how many on stderr. Nothing is set by default: nothing goes. A failure to list
/// or delete is a warning; it never stops the session about to start.
pub fn apply_retention(dir: &Path, retention: &crate::config::file::Retention) {
    if retention.keep.is_none() && retention.older_than_days.is_none() {
        return;
    }
    if retention.keep == Some(0) || retention.older_than_days == Some(0) {
        // 0 would delete every transcript, another session's live one among them.
        super::output::warn(
            "[transcripts] keep = 0 or older_than_days = 0 is ignored: give 1 or more",
        );
        return;
    }
    let entries = match entries(dir) {
        Ok(e) => e,
        Err(e) => {
            super::output::warn(&format!("transcript retention: {e:#}"));
            return;
        }
    };
    // `keep` counts the transcript of the session about to start.
    let keep = retention.keep.map(|k| k.saturating_sub(1));
    let doomed = to_prune(&entries, keep, retention.older_than_days, SystemTime::now());
    let mut deleted = 0;
    for e in &doomed {
        match std::fs::remove_file(&e.path) {
            Ok(()) => deleted += 1,
            Err(err) => super::output::warn(&format!("cannot delete {}: {err}", e.path.display())),
        }
    }
    if deleted > 0 {
        super::output::note(&format!(
            "deleted {deleted} old transcript(s) ([transcripts] in the configuration)"
        ));
    }
}

/// What a prune removes: past the newest `keep`, or older than `older_than` days at `now`.
pub fn to_prune(
    entries: &[Entry],
    keep: Option<usize>,
    older_than: Option<u64>,
    now: SystemTime,
) -> Vec<Entry> {
    let now = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
    entries
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            let beyond = keep.is_some_and(|k| *i >= k);
            let old = older_than
                .is_some_and(|d| now.saturating_sub(e.modified) > d.saturating_mul(86_400));
            beyond || old
        })
        .map(|(_, e)| e.clone())
        .collect()
}

fn list(dir: &Path, entries: &[Entry], json: bool) -> anyhow::Result<i32> {
    let entries: Vec<Entry> = entries
        .iter()
        .map(|e| Entry { passwords_submitted: Some(passwords_submitted(&e.path)), ..e.clone() })
        .collect();
    let entries = &entries[..];
    let mut out = super::output::stdout();
    if json {
        for e in entries {
            writeln!(out, "{}", serde_json::to_string(e)?)?;
        }
        return Ok(0);
    }
    let total: u64 = entries.iter().map(|e| e.bytes).sum();
    writeln!(
        out,
        "{} transcript(s), {} in {}",
        entries.len(),
        crate::doctor::report::bytes(total),
        dir.display()
    )?;
    for e in entries {
        let name = e.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        writeln!(
            out,
            "  {:>9}  {:<40}  {:>6}  {name}",
            crate::doctor::report::bytes(e.bytes),
            e.target.as_deref().unwrap_or("?"),
            match e.passwords_submitted.unwrap_or(0) {
                0 => String::new(),
                1 => "1 login".to_string(),
                n => format!("{n} logins"),
            }
        )?;
    }
    Ok(0)
}

fn prune(doomed: &[Entry], yes: bool) -> anyhow::Result<i32> {
    let total: u64 = doomed.iter().map(|e| e.bytes).sum();
    let size = crate::doctor::report::bytes(total);
    if !yes {
        for e in doomed {
            super::output::println(&format!("would delete {}", e.path.display()))?;
        }
        super::output::note(&format!(
            "{} transcript(s), {size}, would be deleted; run again with --yes to delete them",
            doomed.len()
        ));
        return Ok(0);
    }
    for e in doomed {
        std::fs::remove_file(&e.path)
            .with_context(|| format!("cannot delete {}", e.path.display()))?;
    }
    super::output::note(&format!("deleted {} transcript(s), {size}", doomed.len()));
    Ok(0)
}

/// `sacdoc transcripts note FILE [--at SECONDS] TEXT`.
fn note(file: &Path, at: Option<f64>, text: &str) -> anyhow::Result<i32> {
    if at.is_some_and(|t| !t.is_finite() || t < 0.0) {
        bail!("--at takes the seconds since the recording began: 0 or more");
    }
    let text = text.trim();
    if text.is_empty() || text.contains(['\n', '\r']) {
        bail!("a note is one line of text");
    }
    crate::train::markers::insert(file, &[(at, format!("note: {text}"))])
        .with_context(|| format!("cannot add the note to {}", file.display()))?;
    super::output::println(&format!("note added to {}", file.display()))?;
    Ok(0)
}
