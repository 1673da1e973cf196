//! `sacdoc tui [TARGET]` (also plain `sacdoc`) and `sacdoc replay FILE`: the text UI.

use std::path::PathBuf;

use anyhow::{bail, Context};

use super::connect::ConnectArgs;
use crate::tui::keys::PrefixKey;

/// Arguments of `sacdoc tui`: the same connection options as every other command.
#[derive(Debug, clap::Args, Default)]
pub struct Args {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The key that opens sacdoc's menu (everything else goes to the VM): ctrl-a, ctrl-b, ...
    /// [env: SACDOC_PREFIX]
    #[arg(long, value_name = "KEY")]
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
    /// The key that opens sacdoc's menu: ctrl-a, ctrl-b, ... [env: SACDOC_PREFIX]
    #[arg(long, value_name = "KEY")]
    pub prefix: Option<String>,
}

pub(crate) fn prefix(p: &Option<String>) -> anyhow::Result<PrefixKey> {
    let from_env = || crate::config::Env::from_process().prefix;
    match p.clone().or_else(from_env) {
        None => Ok(PrefixKey::default()),
        Some(s) => PrefixKey::parse(&s).map_err(anyhow::Error::msg),
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let r = args.connect.resolve_without_prompt()?;
    // Without a target the connect screen opens; a console's name stands for its target.
    let target = args.connect.target.as_ref().map(|_| r.target.to_string());
    let opts = crate::tui::LiveOptions {
        target,
        user: r.user,
        domain: r.domain,
        password: r.password,
        record: r.record,
        timeout: r.timeout,
        max_time: r.max_time,
        output_limit: r.output_limit,
        transcript_cap: r.transcript_cap,
        reconnect: r.reconnect,
        keep_channel: r.keep_channel,
        profile: r.profile,
        prefix: prefix(&args.prefix)?,
    };
    match crate::tui::run_live(opts)? {
        crate::tui::LiveEnd::Quit => Ok(0),
        crate::tui::LiveEnd::Train(name) => {
            super::train::run(super::train::Args::for_exercise(&name, args.prefix))
        }
    }
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
