//! `sacdoc bench parse`: throughput and peak memory of `sacdoc parse netstat` on a large input,
//! in each output layout, next to jc (`jc --netstat`) on the same input when jc is installed.
//!
//! The input is `netstat -anob` as the simulator prints it on `busy-server` (the layout of the
//! real captures under crates/sacdoc-parse/tests/fixtures/parse/netstat/), its connection rows
//! repeated to the size asked for, written to a temporary file chunk by chunk; or a file given
//! with `--input`. Each row of the table is the real binary run as a child, `--runs` times: the
//! first run counts the bytes printed through a pipe, the others write to `/dev/null` and the
//! fastest of them is shown: wall time, MB/s of input (10^6 bytes), its peak resident memory (on Linux
//! the child's own `VmHWM`, followed until it exits; `ru_maxrss` elsewhere) and the bytes it
//! printed. Figures only: nothing is asserted on time.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Context;

/// Arguments of `sacdoc bench parse`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Size of the generated `netstat -anob` input, in MB (10^6 bytes).
    #[arg(long, default_value_t = 50)]
    pub mb: u64,
    /// Read this netstat output instead of generating one.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// The jc to compare with (`jc --netstat`); default: `jc` on PATH, skipped when absent.
    #[arg(long, value_name = "PATH")]
    pub jc: Option<PathBuf>,
    /// Runs of each tool: the first counts the output, the fastest of the others (writing to
    /// the null device) is shown, with the highest peak memory of all runs.
    #[arg(long, default_value_t = 3)]
    pub runs: u32,
    /// Print one JSON line per row instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// One row of the table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figure {
    pub tool: String,
    pub input_bytes: u64,
    pub seconds: f64,
    pub mb_per_s: f64,
    pub peak_mb: Option<f64>,
    pub output_bytes: u64,
    pub exit_code: Option<i32>,
}

pub fn run(a: &Args) -> anyhow::Result<i32> {
    // The generated input's folder, removed when this guard goes out of scope.
    let mut _dir = None;
    let (input, generated) = match &a.input {
        Some(p) => (p.clone(), false),
        None => {
            let dir = _dir.insert(TempDir(tempfile_dir()?));
            let p = dir.0.join("netstat-anob.txt");
            generate(&p, a.mb.saturating_mul(1_000_000))?;
            (p, true)
        }
    };
    let size = std::fs::metadata(&input)
        .with_context(|| format!("cannot read {}", input.display()))?
        .len();
    let exe = std::env::current_exe().context("the path of this sacdoc")?;
    let file = input.display().to_string();
    let mut rows = Vec::new();
    for (name, extra) in [
        ("sacdoc parse netstat", None),
        ("sacdoc parse netstat --compact", Some("--compact")),
        ("sacdoc parse netstat --jsonl", Some("--jsonl")),
    ] {
        let mut args = vec!["parse", "netstat", file.as_str()];
        args.extend(extra);
        rows.push(best_of(a.runs, |count| {
            let mut cmd = Command::new(&exe);
            cmd.args(&args).stdin(Stdio::null());
            measure(name, cmd, size, count)
        })?);
    }
    let jc = a.jc.clone().or_else(|| on_path("jc"));
    match jc {
        Some(jc) => {
            rows.push(best_of(a.runs, |count| {
                let mut cmd = Command::new(&jc);
                let f = std::fs::File::open(&input)
                    .with_context(|| format!("cannot read {}", input.display()))?;
                cmd.arg("--netstat").stdin(Stdio::from(f));
                measure("jc --netstat", cmd, size, count)
            })?);
        }
        None if !a.json => {
            super::output::println("(jc not found on PATH: give --jc PATH to compare with it)")?;
        }
        None => {}
    }
    if a.json {
        for r in &rows {
            super::output::println(&serde_json::to_string(r)?)?;
        }
        return Ok(0);
    }
    super::output::println(&format!(
        "input: {:.1} MB of netstat -anob ({})",
        size as f64 / 1e6,
        if generated { "busy-server's rows repeated" } else { file.as_str() }
    ))?;
    super::output::println(&format!(
        "{:<32} {:>8} {:>8} {:>9} {:>10}",
        "tool", "time s", "MB/s", "peak MB", "output MB"
    ))?;
    for r in &rows {
        let peak = r.peak_mb.map_or_else(|| "?".to_string(), |p| format!("{p:.1}"));
        let failed = match r.exit_code {
            Some(0) => String::new(),
            Some(c) => format!("  (exit {c})"),
            None => "  (killed)".to_string(),
        };
        super::output::println(&format!(
            "{:<32} {:>8.2} {:>8.1} {:>9} {:>10.1}{failed}",
            r.tool,
            r.seconds,
            r.mb_per_s,
            peak,
            r.output_bytes as f64 / 1e6
        ))?;
    }
    Ok(0)
}

/// `runs` measurements: the first counts what the tool prints (through a pipe this process
/// reads), the others send it to the null device; the fastest of those is shown (the first when
/// it is the only one), with the output size of the first and the highest peak memory of all.
fn best_of(
    runs: u32,
    mut once: impl FnMut(bool) -> anyhow::Result<Figure>,
) -> anyhow::Result<Figure> {
    let counted = once(true)?;
    let mut peak = counted.peak_mb;
    let mut best: Option<Figure> = None;
    for _ in 1..runs.max(1) {
        let f = once(false)?;
        peak = match (peak, f.peak_mb) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if best.as_ref().is_none_or(|b| f.seconds < b.seconds) {
            best = Some(f);
        }
    }
    let mut shown = best.unwrap_or_else(|| counted.clone());
    shown.output_bytes = counted.output_bytes;
    shown.peak_mb = peak;
    Ok(shown)
}

/// The temporary folder of the generated input, removed on every way out.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh temporary folder for the generated input.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("sacdoc-bench-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Writes at least `bytes` of `netstat -anob`: the simulator's title and header once, then its
/// connection rows (with their owner lines) over and over, CRLF line ends.
fn generate(path: &Path, bytes: u64) -> anyhow::Result<()> {
    use crate::sim::machine::{load_scenario, Machine, ShellState};
    let sc = load_scenario("busy-server").context("the busy-server scenario")?;
    let mut m = Machine::new(&sc);
    m.boot();
    let out = m.exec(&mut ShellState::default(), "netstat -anob").output;
    let lines: Vec<&str> = out.lines().map(|l| l.trim_end_matches('\r')).collect();
    let first_row = lines
        .iter()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with("TCP ") || t.starts_with("UDP ")
        })
        .context("the simulator printed no netstat row")?;
    let crlf = |ls: &[&str]| ls.iter().map(|l| format!("{l}\r\n")).collect::<String>();
    let head = crlf(&lines[..first_row]);
    let rows = crlf(&lines[first_row..]);
    let f =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = std::io::BufWriter::new(f);
    w.write_all(head.as_bytes())?;
    let mut written = head.len() as u64;
    while written < bytes {
        w.write_all(rows.as_bytes())?;
        written += rows.len() as u64;
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The first `name` in a folder of PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Runs `cmd` with its standard output counted through a pipe (`count`) or sent to
/// `/dev/null` (output bytes then 0).
#[cfg(unix)]
fn measure(tool: &str, mut cmd: Command, input_bytes: u64, count: bool) -> anyhow::Result<Figure> {
    if count {
        cmd.stdout(Stdio::piped());
    } else {
        let null = std::fs::File::create("/dev/null").context("opening /dev/null")?;
        cmd.stdout(Stdio::from(null));
    }
    cmd.stderr(Stdio::null());
    let started = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("starting {tool}"))?;
    let pid = i32::try_from(child.id()).context("pid")?;
    let counter = child.stdout.take().map(|mut out| {
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            let mut n = 0u64;
            while let Ok(k) = out.read(&mut buf) {
                if k == 0 {
                    break;
                }
                n += k as u64;
            }
            n
        })
    });
    let parent_cmdline = std::fs::read(format!("/proc/{}/cmdline", std::process::id())).ok();
    let mut hwm: Option<u64> = None;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = loop {
        if let Some(k) = high_water_kib(pid, parent_cmdline.as_deref()) {
            hwm = Some(hwm.map_or(k, |h| h.max(k)));
        }
        // SAFETY: wait4 on our own child (not reaped elsewhere), writing into locals.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r != 0 {
            break r;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let seconds = started.elapsed().as_secs_f64();
    let output_bytes = counter.map_or(0, |c| c.join().unwrap_or(0));
    anyhow::ensure!(r == pid, "waiting for {tool} failed");
    let exit_code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // On Linux the child's own high-water mark: `ru_maxrss` also counts the moment between
    // fork and exec, when the child still maps this process's memory. Elsewhere `ru_maxrss`
    // (bytes on macOS, KiB otherwise).
    let rss = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    let kib = match hwm {
        Some(k) => k,
        None if cfg!(target_os = "macos") => rss / 1024,
        None => rss,
    };
    Ok(Figure {
        tool: tool.to_string(),
        input_bytes,
        seconds,
        mb_per_s: if seconds > 0.0 { input_bytes as f64 / 1e6 / seconds } else { 0.0 },
        peak_mb: (kib > 0).then(|| kib as f64 * 1024.0 / 1e6),
        output_bytes,
        exit_code,
    })
}

/// The child's peak resident memory, read as `bench hostile` reads it.
#[cfg(unix)]
use super::bench_hostile::imp::high_water_kib;

/// Elsewhere: wall time and output only (always counted).
#[cfg(not(unix))]
fn measure(tool: &str, mut cmd: Command, input_bytes: u64, _count: bool) -> anyhow::Result<Figure> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::null());
    let started = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("starting {tool}"))?;
    let mut out = child.stdout.take().context("the child's standard output")?;
    let mut buf = vec![0u8; 1 << 16];
    let mut output_bytes = 0u64;
    while let Ok(k) = out.read(&mut buf) {
        if k == 0 {
            break;
        }
        output_bytes += k as u64;
    }
    let status = child.wait().with_context(|| format!("waiting for {tool}"))?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Figure {
        tool: tool.to_string(),
        input_bytes,
        seconds,
        mb_per_s: if seconds > 0.0 { input_bytes as f64 / 1e6 / seconds } else { 0.0 },
        peak_mb: None,
        output_bytes,
        exit_code: status.code(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated input is netstat the parser reads whole: at least the size asked for,
    /// every line a connection, an owner line, the title or the header.
    #[test]
    fn generated_input_is_all_netstat() {
        let dir = tempfile_dir().expect("temp dir");
        let p = dir.join("g.txt");
        generate(&p, 200_000).expect("generate");
        let text = std::fs::read_to_string(&p).expect("read");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(text.len() >= 200_000);
        let r = crate::parse::netstat::parse(&text);
        assert!(r.connections.len() > 500, "{}", r.connections.len());
        assert!(r.unparsed.is_empty(), "{:?}", &r.unparsed[..r.unparsed.len().min(3)]);
    }
}
