//! `sacdoc sim`: serve the simulated Windows Server behind SAC over a pty, loopback TCP (raw or
//! telnet) or a Unix socket until Ctrl+C / SIGTERM; `sacdoc sim --list` shows the built-in scenarios.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::sim::machine::{load_scenario, scenario_names};
use crate::sim::server::{ServeSpec, Server, ServerEvent};

/// Arguments of `sacdoc sim`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {
    /// Scenario to serve (see --list).
    pub scenario: Option<String>,
    /// List the built-in scenarios, their descriptions and login credentials.
    #[arg(long)]
    pub list: bool,
    /// Where to listen: pty, tcp://127.0.0.1:PORT (0 = any free port), telnet://127.0.0.1:PORT
    /// (telnet as ser2net's telnet mode speaks it), unix:PATH, or on Windows pipe:NAME (a named
    /// pipe, one client at a time, as Hyper-V serves a VM's COM port).
    #[arg(long, default_value = "pty")]
    pub listen: String,
    /// Output profile of the cmd channel: ws2022 (streams), ws2019 or ws2016 (paint 80x24).
    #[arg(long)]
    pub profile: Option<String>,
    /// Pace output at this line rate (10 bits per byte); unpaced without it.
    #[arg(long)]
    pub baud: Option<u32>,
    /// Quirks of real guests, comma-separated: dropkeys, eatchars, cronly.
    #[arg(long)]
    pub quirks: Option<String>,
    /// A fault or other simulator option, KEY=VALUE (repeatable), e.g. drop=0.01, cut_after=5000,
    /// stall_after=N, reboot_mid_command=1, seed=7, cmd_delay_ms=2000.
    #[arg(long = "fault", value_name = "KEY=VALUE")]
    pub faults: Vec<String>,
    /// Console state the first client finds: booting, sac, cmd, login, switch, crashed.
    #[arg(long)]
    pub start: Option<String>,
}

/// Set by the signal handler.
static STOP: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_signal(_sig: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

#[cfg(unix)]
fn install_signal_handlers() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

#[cfg(not(unix))]
fn install_signal_handlers() {}

/// The query string the flags stand for.
pub fn query_of(args: &Args) -> anyhow::Result<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(p) = &args.profile {
        parts.push(format!("profile={p}"));
    }
    if let Some(b) = args.baud {
        parts.push(format!("baud={b}"));
    }
    if let Some(q) = &args.quirks {
        parts.push(format!("quirks={q}"));
    }
    if let Some(s) = &args.start {
        parts.push(format!("start={s}"));
    }
    for f in &args.faults {
        if !f.contains('=') {
            bail!("--fault {f:?}: expected KEY=VALUE, e.g. --fault drop=0.01");
        }
        parts.push(f.clone());
    }
    Ok(parts.join("&"))
}

fn list() -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    for name in scenario_names() {
        let sc = load_scenario(name)?;
        writeln!(out, "{name:<20} {}", sc.description.lines().next().unwrap_or(""))?;
        for c in &sc.credentials {
            let domain =
                if c.domain.is_empty() { String::new() } else { format!("{}\\", c.domain) };
            writeln!(out, "{:<20}   login: {domain}{} / {}", "", c.user, c.password)?;
        }
    }
    Ok(0)
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.list {
        return list();
    }
    let Some(scenario) = args.scenario.clone() else {
        bail!(
            "name a scenario to serve, e.g. `sacdoc sim healthy --listen tcp://127.0.0.1:2323`; \
             `sacdoc sim --list` shows them"
        );
    };
    let query = query_of(&args)?;
    let spec = ServeSpec::new(&args.listen, &scenario, &query);
    install_signal_handlers();
    let server = Server::start(&spec).with_context(|| format!("cannot serve {scenario:?}"))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "sacdoc sim: serving scenario {scenario} on {}", server.describe())?;
        writeln!(out, "sacdoc sim: press Ctrl+C to stop")?;
        out.flush()?;
    }
    while !STOP.load(Ordering::SeqCst) && server.is_running() {
        match server.events().recv_timeout(Duration::from_millis(200)) {
            Ok(ServerEvent::Connected(peer)) => eprintln!("sacdoc sim: client connected ({peer})"),
            Ok(ServerEvent::Disconnected) => eprintln!("sacdoc sim: client disconnected"),
            Ok(ServerEvent::VmOff) => eprintln!("sacdoc sim: the VM shut down"),
            Err(_) => {}
        }
    }
    server.stop();
    eprintln!("sacdoc sim: stopped");
    Ok(0)
}
