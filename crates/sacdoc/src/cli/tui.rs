//! `sacdoc tui [TARGET]` (also plain `sacdoc`) and `sacdoc replay FILE`: the text UI.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::sac::{Recording, Secret};
use crate::tui::keys::PrefixKey;

/// Arguments of `sacdoc tui`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {
    /// Where the console is (COM1, /dev/ttyS0, tcp://HOST:PORT, sim:SCENARIO, ...). Without it,
    /// a connect screen lists the serial ports, recent targets and the simulator's scenarios.
    pub target: Option<String>,
    /// User for the cmd-channel login [env: SACDOC_USER].
    #[arg(long)]
    pub user: Option<String>,
    /// Domain for the login [env: SACDOC_DOMAIN].
    #[arg(long)]
    pub domain: Option<String>,
    /// Read the password from the first line of this file (else SACDOC_PASSWORD, else a dialog).
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
    /// Record the session to this asciicast file (default: a new file in the state folder).
    #[arg(long, value_name = "PATH", conflicts_with = "no_record")]
    pub record: Option<PathBuf>,
    /// Do not record the session.
    #[arg(long)]
    pub no_record: bool,
    /// Longest wait for one step or one command, in seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// The key that opens sacdoc's menu (everything else goes to the VM): ctrl-a, ctrl-b, ...
    #[arg(long, value_name = "KEY", env = "SACDOC_PREFIX")]
    pub prefix: Option<String>,
}

/// Arguments of `sacdoc replay`.
#[derive(Debug, clap::Args, Default)]
pub struct ReplayArgs {
    /// The transcript (asciicast) to play.
    pub file: Option<PathBuf>,
    /// Playback speed: 1, 2, 10, or max.
    #[arg(long, default_value = "1")]
    pub speed: String,
    /// The key that opens sacdoc's menu: ctrl-a, ctrl-b, ...
    #[arg(long, value_name = "KEY", env = "SACDOC_PREFIX")]
    pub prefix: Option<String>,
}

fn prefix(p: &Option<String>) -> anyhow::Result<PrefixKey> {
    match p {
        None => Ok(PrefixKey::default()),
        Some(s) => PrefixKey::parse(s).map_err(anyhow::Error::msg),
    }
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let password = if let Some(p) = &args.password_file {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the password file {}", p.display()))?;
        let first = text.lines().next().unwrap_or("").trim_end_matches('\r').to_string();
        if first.is_empty() {
            bail!("the password file {} is empty: put the password on its first line", p.display());
        }
        Some(Secret::new(first))
    } else {
        env("SACDOC_PASSWORD").map(Secret::new)
    };
    let record = if args.no_record {
        Recording::Off
    } else if let Some(p) = &args.record {
        Recording::Path(p.clone())
    } else {
        Recording::InFolder(crate::paths::transcripts_dir())
    };
    let timeout = args.timeout.unwrap_or(60);
    if timeout == 0 {
        bail!("--timeout 0 would give up at once; give a number of seconds such as 60");
    }
    if let Some(t) = &args.target {
        t.parse::<crate::target::Target>()?;
    }
    let opts = crate::tui::LiveOptions {
        target: args.target.clone(),
        user: args.user.clone().or_else(|| env("SACDOC_USER")),
        domain: args.domain.clone().or_else(|| env("SACDOC_DOMAIN")),
        password,
        record,
        timeout: Duration::from_secs(timeout),
        output_limit: 16 * 1024 * 1024,
        prefix: prefix(&args.prefix)?,
    };
    crate::tui::run_live(opts)
}

pub fn run_replay(args: ReplayArgs) -> anyhow::Result<i32> {
    let Some(file) = args.file else {
        bail!(
            "give the transcript to play: sacdoc replay FILE.cast (transcripts are in {})",
            crate::paths::transcripts_dir().display()
        );
    };
    let speed = match args.speed.trim().to_ascii_lowercase().as_str() {
        "max" | "inf" | "fastest" => f64::INFINITY,
        s => s
            .strip_suffix('x')
            .unwrap_or(s)
            .parse::<f64>()
            .ok()
            .filter(|v| *v > 0.0 && v.is_finite())
            .with_context(|| format!("--speed {:?}: use 1, 2, 10 or max", args.speed))?,
    };
    crate::tui::run_replay(file, speed, prefix(&args.prefix)?)
}
