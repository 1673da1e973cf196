//! `sacdoc bench hostile`: what a hostile or broken far end costs sacdoc. Each row runs the real
//! binary as a child against one hostile input and reports its peak memory (resident set), CPU
//! time, wall time, outcome and what reached its standard output; the goals are checked and the
//! command exits 1 when one is missed.
//!
//! The hostile far ends are `sacdoc bench far-end KIND` behind an `exec:` target (a real pty, as
//! `virsh console` would be), or the simulator with a hostile setting. CPU time comes from
//! `wait4` for that one child; peak memory from the child's own high-water mark (`VmHWM` in
//! `/proc/PID/status`, read until it exits) on Linux, because `wait4`'s `ru_maxrss` also counts
//! the moment between fork and exec, when the child still maps this process's memory. Unix only;
//! elsewhere the rows are not run.
//!
//! Goals (README): peak memory under `--memory-limit`, every row ended within its deadline with a
//! clear error or the right answer, 0 wrong passwords sent, no control character from the VM on
//! the operator's terminal, no secret in any file sacdoc wrote, no fix after a damaged backup.

use std::io::Write as _;
use std::time::Duration;

/// Arguments of `sacdoc bench hostile`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Peak resident memory allowed per row, in MiB.
    #[arg(long, default_value_t = 128)]
    pub memory_limit: u64,
    /// Size of the flood row, in MiB.
    #[arg(long, default_value_t = 1024)]
    pub flood_mib: u64,
    /// A row still running after this many seconds is killed and fails.
    #[arg(long, default_value_t = 120)]
    pub deadline: u64,
    /// `--timeout` given to each row (seconds without the answer waited for).
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// Seeds per noise rate at the password prompt.
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// Print one JSON line per row instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `sacdoc bench far-end` (a hostile console, for `exec:` targets).
#[derive(Debug, clap::Args)]
pub struct FarEndArgs {
    /// `flood` (SAC-like lines), `line` (`SAC>` then one line without end), `csi` (`ESC[99999@`
    /// sequences), `nul` (NUL bytes).
    pub kind: String,
    /// How many bytes (flood, line, nul) or sequences (csi).
    #[arg(long, default_value_t = 1 << 20)]
    pub count: u64,
}

/// Writes the hostile output, then holds the line open (quietly) until killed or 10 minutes.
pub fn far_end(a: &FarEndArgs) -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    let chunk: Vec<u8> = match a.kind.as_str() {
        "flood" => b"SAC> flood flood flood flood flood flood flood flood flood flood flood\r\n"
            .repeat(512),
        "line" => {
            out.write_all(b"\r\nSAC>")?;
            vec![b'x'; 64 * 1024]
        }
        "csi" => b"\x1b[99999@".to_vec(),
        "nul" => vec![0u8; 64 * 1024],
        other => anyhow::bail!("unknown far end {other:?}: use flood, line, csi or nul"),
    };
    let unit = if a.kind == "csi" { 1 } else { chunk.len() as u64 };
    let mut sent = 0u64;
    while sent < a.count {
        let n = usize::try_from(((a.count - sent) / unit.max(1)).max(1)).unwrap_or(1);
        let piece = if a.kind == "csi" {
            chunk.repeat(n.min(1024))
        } else {
            chunk[..chunk.len().min(usize::try_from(a.count - sent).unwrap_or(chunk.len()))]
                .to_vec()
        };
        if out.write_all(&piece).is_err() {
            return Ok(0);
        }
        sent += if a.kind == "csi" { n.min(1024) as u64 } else { piece.len() as u64 };
    }
    let _ = out.write_all(b"\r\nSAC>");
    let _ = out.flush();
    std::thread::sleep(Duration::from_secs(600));
    Ok(0)
}

/// One row of the table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub input: String,
    /// `ok`, or what went wrong.
    pub outcome: String,
    pub exit_code: Option<i32>,
    pub peak_mib: Option<f64>,
    pub cpu_seconds: Option<f64>,
    pub seconds: f64,
    /// What reached standard output (size; and for the terminal row, what the operator saw).
    pub stdout: String,
}

pub fn run(a: &Args) -> anyhow::Result<i32> {
    imp::run(a)
}

#[cfg(not(unix))]
mod imp {
    pub fn run(_a: &super::Args) -> anyhow::Result<i32> {
        super::super::output::print(
            "sacdoc bench hostile measures each row's peak memory with wait4, which this system \
             lacks: run it on Linux or macOS\n",
        )?;
        Ok(0)
    }
}

#[cfg(unix)]
pub(super) mod imp {
    use std::io::Read as _;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::path::Path;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use anyhow::Context;

    use super::{Args, Row};

    /// What one child did.
    struct Measured {
        code: Option<i32>,
        peak_kib: Option<u64>,
        cpu: Option<f64>,
        seconds: f64,
        stdout: Vec<u8>,
        stderr: String,
        killed: bool,
    }

    /// The password the hostile rows log in with (the healthy scenario's account).
    struct Account {
        user: String,
        password: String,
    }

    pub fn run(a: &Args) -> anyhow::Result<i32> {
        let exe = std::env::current_exe().context("finding sacdoc's own binary")?;
        let dir = tempfile::tempdir().context("a folder for the rows")?;
        std::fs::write(dir.path().join("none.toml"), "").context("an empty configuration")?;
        let sc = crate::sim::machine::load_scenario("healthy")?;
        let cred = sc.credentials.first().context("healthy has no documented account")?;
        let account = Account { user: cred.user.clone(), password: cred.password.clone() };
        let deadline = Duration::from_secs(a.deadline);
        let limit_kib = a.memory_limit * 1024;
        if !cfg!(target_os = "linux") {
            super::super::output::note(
                "peak memory from wait4 (it includes the fork of this process)",
            );
        }
        let far = |kind: &str, count: u64| {
            format!("exec:'{}' bench far-end {kind} --count {count}", exe.display())
        };
        let mut rows = Vec::new();
        let floods = [
            (
                format!("flood of {} MiB of SAC-like lines", a.flood_mib),
                far("flood", a.flood_mib << 20),
            ),
            ("10 MiB line without end after SAC>".to_string(), far("line", 10 << 20)),
            ("ESC[99999@ x 1,000".to_string(), far("csi", 1000)),
            ("100 MiB of NUL bytes".to_string(), far("nul", 100 << 20)),
        ];
        for (name, target) in floods {
            let state = dir.path().join(format!("state-{}", rows.len()));
            let timeout = a.timeout.to_string();
            let args = ["run", "--timeout", &timeout, "--max-time", "60", &target, "--", "ver"];
            let m = child(&exe, &args, &state, dir.path(), &account, deadline, false)?;
            let mut problems = common(&m, limit_kib);
            if m.code == Some(0) {
                problems.push("exit 0: a hostile far end answered as a VM".into());
            }
            if m.stderr.len() > 4096 {
                problems.push(format!("{} bytes of error message", m.stderr.len()));
            }
            problems.extend(secrets_in(&state, &account.password));
            rows.push(row(name, &m, problems, format!("{} bytes", m.stdout.len())));
            print_row(a.json, rows.last());
        }
        rows.push(control_characters(&exe, dir.path(), &account, deadline, limit_kib)?);
        print_row(a.json, rows.last());
        rows.push(clear_echo(&exe, dir.path(), &account, deadline, limit_kib)?);
        print_row(a.json, rows.last());
        rows.push(damaged_backup(a.timeout, &account, dir.path()));
        print_row(a.json, rows.last());
        for rate in [0.001, 0.01, 0.05] {
            rows.push(password_noise(rate, a.seeds, a.timeout, &account));
            print_row(a.json, rows.last());
        }
        if !a.json {
            super::super::output::print(&table(&rows))?;
        }
        Ok(i32::from(rows.iter().any(|r| r.outcome != "ok")))
    }

    fn print_row(json: bool, r: Option<&Row>) {
        if let (true, Some(r)) = (json, r) {
            if let Ok(line) = serde_json::to_string(r) {
                let _ = super::super::output::println(&line);
            }
        }
    }

    fn row(input: String, m: &Measured, problems: Vec<String>, stdout: String) -> Row {
        Row {
            input,
            outcome: if problems.is_empty() { "ok".into() } else { problems.join("; ") },
            exit_code: m.code,
            peak_mib: m.peak_kib.map(|k| k as f64 / 1024.0),
            cpu_seconds: m.cpu,
            seconds: m.seconds,
            stdout,
        }
    }

    /// The goals every row shares: within the deadline, no panic, memory under the limit.
    fn common(m: &Measured, limit_kib: u64) -> Vec<String> {
        let mut p = Vec::new();
        if m.killed {
            p.push("OVERTIME (killed at the deadline)".into());
        }
        if m.code == Some(101) || (m.code.is_none() && !m.killed) {
            p.push("PANIC or signal".into());
        }
        if let Some(k) = m.peak_kib.filter(|k| *k > limit_kib) {
            p.push(format!("peak {} MiB over the limit", k / 1024));
        }
        p
    }

    /// Files below `state` that hold `secret`.
    fn secrets_in(state: &Path, secret: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![state.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else { continue };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if std::fs::read(&p)
                    .is_ok_and(|b| b.windows(secret.len()).any(|w| w == secret.as_bytes()))
                {
                    found.push(format!("the password is in {}", p.display()));
                }
            }
        }
        found
    }

    /// A command's output that carries OSC 52 (set the clipboard), OSC 0 (set the title) and a C1
    /// CSI, read on a terminal: the operator must see them drawn, not obeyed.
    fn control_characters(
        exe: &Path,
        dir: &Path,
        account: &Account,
        deadline: Duration,
        limit_kib: u64,
    ) -> anyhow::Result<Row> {
        let scenario = dir.join("hostile-output.toml");
        std::fs::write(
            &scenario,
            "[filesystem]\nfiles = [{ path = 'C:\\hostile.txt', text = \"before \\u001b]52;c;aGFja2Vk\\u0007 \\u001b]0;pwned\\u0007 \\u009b31m after\\r\\n\" }]\n",
        )
        .context("writing the hostile scenario")?;
        let target = format!("sim:{}", scenario.display());
        let state = dir.join("state-osc");
        let args = ["run", "--timeout", "20", &target, "--", "type", "C:\\hostile.txt"];
        let m = child(exe, &args, &state, dir, account, deadline, true)?;
        let mut problems = common(&m, limit_kib);
        if m.code != Some(0) {
            problems.push(format!("exit {:?}: {}", m.code, m.stderr.trim()));
        }
        let seen = String::from_utf8_lossy(&m.stdout).into_owned();
        for (what, raw) in [("OSC 52", "\x1b]52"), ("OSC 0", "\x1b]0;"), ("C1 CSI", "\u{9b}")] {
            if seen.contains(raw) {
                problems.push(format!("{what} reached the terminal"));
            }
        }
        if m.code == Some(0) && !seen.contains("after") {
            problems.push("the output itself did not arrive".into());
        }
        let shown = seen.lines().find(|l| l.contains("before")).unwrap_or("").trim().to_string();
        Ok(row("OSC 52, OSC 0, C1 in output (stdout a terminal)".into(), &m, problems, shown))
    }

    /// A far end that echoes the password in clear: no file sacdoc wrote may hold it.
    fn clear_echo(
        exe: &Path,
        dir: &Path,
        account: &Account,
        deadline: Duration,
        limit_kib: u64,
    ) -> anyhow::Result<Row> {
        let state = dir.join("state-echo");
        let args = ["run", "--timeout", "10", "sim:healthy?clear_password_echo=1", "--", "ver"];
        let m = child(exe, &args, &state, dir, account, deadline, false)?;
        let mut problems = common(&m, limit_kib);
        problems.extend(secrets_in(&state, &account.password));
        if String::from_utf8_lossy(&m.stdout).contains(&account.password)
            || m.stderr.contains(&account.password)
        {
            problems.push("the password reached stdout or stderr".into());
        }
        Ok(row(
            "a password echoed in clear".into(),
            &m,
            problems,
            format!("{} bytes", m.stdout.len()),
        ))
    }

    /// A far end whose read-back of a fix's backup differs from the file by one base64 character
    /// (a valid one: the bytes still decode; what a line or a VM that lies would give) under
    /// `--apply` on port-conflict, whose fix changes the registry. Goal: no fix runs, and a new
    /// diagnosis of the same VM still finds the problem.
    fn damaged_backup(timeout: u64, account: &Account, dir: &Path) -> Row {
        let started = Instant::now();
        let (outcome, stdout) = match damaged_backup_run(timeout, account, dir) {
            Ok((state, still)) => {
                let fixed = state != crate::doctor::FixState::RolledBack
                    && state != crate::doctor::FixState::Skipped;
                let outcome = if fixed || !still {
                    format!("FIX RAN after a damaged backup ({state:?})")
                } else {
                    "ok".to_string()
                };
                (outcome, format!("fix {state:?}; the problem is still there: {still}"))
            }
            Err(e) => (format!("no result: {e:#}"), String::new()),
        };
        Row {
            input: "backup read back with one base64 character changed".into(),
            outcome,
            exit_code: None,
            peak_mib: None,
            cpu_seconds: None,
            seconds: started.elapsed().as_secs_f64(),
            stdout,
        }
    }

    /// The doctor with `--apply` (confirmed) over the in-process simulator through [`Garbling`];
    /// returns the fix's state and whether a second diagnosis still finds the port conflict.
    fn damaged_backup_run(
        timeout: u64,
        account: &Account,
        dir: &Path,
    ) -> anyhow::Result<(crate::doctor::FixState, bool)> {
        use crate::sac::{ConnectConfig, Credentials, Secret, Session, SessionOptions};
        let link = crate::sim::open("port-conflict", "start=sac")?;
        let creds = Credentials {
            user: account.user.clone(),
            domain: String::new(),
            password: Secret::new(&account.password),
        };
        let target: crate::target::Target = "sim:port-conflict".parse()?;
        let mut cfg = ConnectConfig::new(target, creds);
        cfg.timeout = Duration::from_secs(timeout);
        let session = Session::attach(Box::new(link), SessionOptions::from_config(&cfg))?;
        let mut shell = Garbling(session);
        let mut opts = crate::doctor::RunOptions::new("sim:port-conflict", dir.join("backups"));
        opts.apply = true;
        let quiet = &mut crate::doctor::Quiet;
        let rep = crate::doctor::run(&mut shell, &opts, quiet, &mut crate::doctor::Yes)?;
        let state = rep.fixes.first().context("port-conflict offered no fix")?.state;
        opts.apply = false;
        let again = crate::doctor::run(&mut shell.0, &opts, quiet, &mut crate::doctor::Yes)?;
        let still = again
            .checks
            .iter()
            .any(|c| c.id == "rdp-port" && c.status == crate::doctor::Status::Problem);
        Ok((state, still))
    }

    /// A session whose answers to a backup's read-back (`certutil -encode ... & type ...`) have
    /// one character of the first base64 row changed into another of the alphabet.
    struct Garbling(crate::sac::Session);

    impl crate::runner::Shell for Garbling {
        fn run(
            &mut self,
            command: &str,
        ) -> Result<crate::runner::CommandOutput, crate::runner::RunError> {
            let mut out = self.0.run_command(command)?;
            if command.starts_with("certutil -encode") {
                let mut lines: Vec<String> = out.output.split("\r\n").map(String::from).collect();
                if let Some(i) = lines.iter().position(|l| l.starts_with("-----BEGIN")) {
                    if let Some(row) = lines.get_mut(i + 1) {
                        let mut chars: Vec<char> = row.chars().collect();
                        if let Some(c) = chars.get_mut(5) {
                            *c = if *c == 'A' { 'B' } else { 'A' };
                        }
                        *row = chars.into_iter().collect();
                    }
                }
                out.output = lines.join("\r\n");
            }
            Ok(out)
        }

        fn mark(&mut self, label: &str) {
            crate::runner::Shell::mark(&mut self.0, label);
        }
    }

    /// Logins through drop noise on the line at `rate`: the simulator counts the passwords it
    /// refused; any refusal is a wrong password sent.
    fn password_noise(rate: f64, seeds: u64, timeout: u64, account: &Account) -> Row {
        let started = Instant::now();
        let (mut ok, mut errors, mut wrong) = (0, 0, 0u32);
        for seed in 1..=seeds.max(1) {
            let (logged_in, refused) = noisy_login(rate, seed, timeout, account);
            wrong += refused;
            if logged_in {
                ok += 1;
            } else {
                errors += 1;
            }
        }
        let outcome =
            if wrong == 0 { "ok".to_string() } else { format!("{wrong} WRONG password(s) sent") };
        Row {
            input: format!("drop {:.1}% at the password prompt", rate * 100.0),
            outcome,
            exit_code: None,
            peak_mib: None,
            cpu_seconds: None,
            seconds: started.elapsed().as_secs_f64(),
            stdout: format!("{ok} logged in, {errors} clear errors, {wrong} wrong passwords sent"),
        }
    }

    /// One login to a cmd channel of the in-process simulator with drop noise on its output from
    /// SAC> on: (logged in, passwords the simulator refused).
    fn noisy_login(rate: f64, seed: u64, timeout: u64, account: &Account) -> (bool, u32) {
        use crate::sac::{ConnectConfig, Credentials, Secret, Session, SessionOptions};
        let query = format!("start=sac&drop={rate}&seed={seed}");
        let Ok(link) = crate::sim::open("healthy", &query) else { return (false, 0) };
        let refused = link.console().failed_logins();
        let creds = Credentials {
            user: account.user.clone(),
            domain: String::new(),
            password: Secret::new(&account.password),
        };
        let Ok(target) = "sim:healthy".parse::<crate::target::Target>() else { return (false, 0) };
        let mut cfg = ConnectConfig::new(target, creds);
        cfg.timeout = Duration::from_secs(timeout);
        let ok = Session::attach(Box::new(link), SessionOptions::from_config(&cfg))
            .and_then(|mut s| s.ensure_cmd())
            .is_ok();
        (ok, refused.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// Runs the binary with `args`, its own state folder and the healthy account, stdout on a
    /// pty when `terminal`; peak memory and CPU time from `wait4`.
    fn child(
        exe: &Path,
        args: &[&str],
        state: &Path,
        dir: &Path,
        account: &Account,
        deadline: Duration,
        terminal: bool,
    ) -> anyhow::Result<Measured> {
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .env("SACDOC_STATE_DIR", state)
            .env("SACDOC_CONFIG", dir.join("none.toml"))
            .env("SACDOC_USER", &account.user)
            .env("SACDOC_PASSWORD", &account.password)
            .env_remove("NO_COLOR")
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        let mut master = None;
        if terminal {
            let (m, s) = serialport::TTYPort::pair().context("a pty for the terminal row")?;
            // SAFETY: a duplicate of the slave fd, owned by the OwnedFd handed to the child.
            let fd = unsafe { libc::dup(s.as_raw_fd()) };
            anyhow::ensure!(fd >= 0, "dup of the pty failed");
            cmd.stdout(Stdio::from(unsafe { OwnedFd::from_raw_fd(fd) }));
            master = Some((m, s));
        } else {
            cmd.stdout(Stdio::piped());
        }
        let started = Instant::now();
        let mut child = cmd.spawn().context("starting sacdoc")?;
        drop(cmd);
        let pid = i32::try_from(child.id()).context("pid")?;
        let out_t = child.stdout.take().map(|mut o| {
            std::thread::spawn(move || {
                let mut v = Vec::new();
                let _ = o.read_to_end(&mut v);
                v
            })
        });
        let exited = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen_exit = exited.clone();
        let pty_t = master.map(|(mut m, s)| {
            std::thread::spawn(move || {
                let _keep_slave_open = s;
                let mut v = Vec::new();
                let mut buf = [0u8; 4096];
                let _ = serialport::SerialPort::set_timeout(&mut m, Duration::from_millis(200));
                let end = Instant::now() + Duration::from_secs(600);
                while Instant::now() < end {
                    match std::io::Read::read(&mut m, &mut buf) {
                        Ok(0) => break,
                        Ok(n) => v.extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                            // Quiet for a moment after the child exited: all it wrote is here.
                            if v.len() > 1 << 20
                                || seen_exit.load(std::sync::atomic::Ordering::SeqCst)
                            {
                                break;
                            }
                        }
                        Err(_) => break,
                    }
                }
                v
            })
        });
        let mut err = child.stderr.take();
        let err_t = std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(e) = err.as_mut() {
                let _ = e.take(1 << 20).read_to_end(&mut v);
            }
            v
        });
        let my_cmdline = std::fs::read(format!("/proc/{}/cmdline", std::process::id())).ok();
        let (status, usage, killed, hwm) = wait4_until(pid, started + deadline, my_cmdline);
        exited.store(true, std::sync::atomic::Ordering::SeqCst);
        let seconds = started.elapsed().as_secs_f64();
        let mut stdout = out_t.and_then(|t| t.join().ok()).unwrap_or_default();
        if let Some(t) = pty_t {
            // The child has exited; what it wrote is in the pty: stop reading once it is drained.
            stdout = t.join().unwrap_or_default();
        }
        let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
        let code =
            status.and_then(|s| if libc::WIFEXITED(s) { Some(libc::WEXITSTATUS(s)) } else { None });
        Ok(Measured {
            code,
            peak_kib: if cfg!(target_os = "linux") { hwm } else { usage.map(|u| max_rss_kib(&u)) },
            cpu: usage.map(|u| tv(u.ru_utime) + tv(u.ru_stime)),
            seconds,
            stdout,
            stderr,
            killed,
        })
    }

    fn tv(t: libc::timeval) -> f64 {
        t.tv_sec as f64 + t.tv_usec as f64 / 1e6
    }

    /// `ru_maxrss` in KiB (Linux reports KiB, macOS bytes).
    fn max_rss_kib(u: &libc::rusage) -> u64 {
        let v = u64::try_from(u.ru_maxrss).unwrap_or(0);
        if cfg!(target_os = "macos") {
            v / 1024
        } else {
            v
        }
    }

    /// The child's peak resident memory so far (KiB), once it runs its own program: `None`
    /// before exec (its command line is still this process's) or where `/proc` is missing.
    pub(in crate::cli) fn high_water_kib(pid: i32, parent_cmdline: Option<&[u8]>) -> Option<u64> {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        if parent_cmdline == Some(cmdline.as_slice()) {
            return None;
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// What [`wait4_until`] saw: wait status, resource usage, killed, peak resident KiB.
    type Waited = (Option<i32>, Option<libc::rusage>, bool, Option<u64>);

    /// Reaps `pid` with `wait4`, killing it at `until`, and follows its peak resident memory.
    fn wait4_until(pid: i32, until: Instant, parent_cmdline: Option<Vec<u8>>) -> Waited {
        let mut killed = false;
        let mut hwm: Option<u64> = None;
        loop {
            if let Some(k) = high_water_kib(pid, parent_cmdline.as_deref()) {
                hwm = Some(hwm.map_or(k, |h| h.max(k)));
            }
            let mut status = 0;
            // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            let flags = if killed { 0 } else { libc::WNOHANG };
            // SAFETY: wait4 on our own child, writing into locals.
            let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
            if r == pid {
                return (Some(status), Some(usage), killed, hwm);
            }
            if r < 0 {
                return (None, None, killed, hwm);
            }
            if Instant::now() >= until {
                // SAFETY: signalling our own child, not yet reaped.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
                killed = true;
                continue;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The rows as an aligned table.
    fn table(rows: &[Row]) -> String {
        let mut s = format!(
            "{:<58} {:>9} {:>8} {:>8} {:>5}  {}\n",
            "hostile input", "peak MiB", "CPU s", "wall s", "exit", "outcome / stdout"
        );
        for r in rows {
            let num = |v: Option<f64>, p: usize| v.map_or("-".to_string(), |x| format!("{x:.p$}"));
            s.push_str(&format!(
                "{:<58} {:>9} {:>8} {:>8.1} {:>5}  {}: {}\n",
                r.input,
                num(r.peak_mib, 1),
                num(r.cpu_seconds, 2),
                r.seconds,
                r.exit_code.map_or("-".to_string(), |c| c.to_string()),
                r.outcome,
                r.stdout
            ));
        }
        s
    }
}
