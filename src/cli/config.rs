//! `sacdoc config [TARGET|CONSOLE]`: where the configuration file and sacdoc's folders are, the
//! consoles the file names, which `SACDOC_*` variables are set, and what a connection to TARGET
//! resolves to (flag > environment > configuration file > default). Secrets are never shown: a
//! password is named by its source only.

use serde_json::json;

use super::connect::{ConnectArgs, Recording};
use crate::config::{describe_path, env::VARIABLES};

/// Arguments of `sacdoc config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Print the settings as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print an example configuration file and exit.
    #[arg(long)]
    pub example: bool,
}

/// A configuration file to start from (`sacdoc config --example > FILE`).
pub const EXAMPLE: &str = r#"# sacdoc configuration. Flags and SACDOC_* variables win over this file.

[defaults]
# timeout = 60          # seconds without progress before a step or a command is given up
# max_time = 600        # seconds: the longest one command may take in all (default: no cap)
# transcript_cap = 67108864  # bytes: recording stops there with a note (default 64 MiB)
# record = true         # record every session as a transcript
# reconnect = false     # reopen a dropped link

# How long transcripts are kept, applied when a session starts recording (default: all kept;
# `sacdoc transcripts prune` does the same by hand).
[transcripts]
# keep = 200            # at most the newest N (the session starting counts)
# older_than_days = 30  # and none last written longer ago

# A named console: `sacdoc doctor web01` connects to it.
[consoles.web01]
target = "telnet://consoles.example:2001"
user = "admin"
domain = ""
# The password: a prompt unless one of these is set (a password written here needs
# `chmod 600` on this file).
# password_env = "WEB01_PASSWORD"
# password_file = "/home/me/.config/sacdoc/web01.password"
profile = "ws2019"      # ws2022 (streaming) or ws2019/ws2016 (painted 80x24)

[consoles.lab]
target = "COM3"
baud = 115200           # parity, data, stop and flow too, for serial and rfc2217 targets
"#;

pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.example {
        print!("{EXAMPLE}");
        return Ok(0);
    }
    let r = args.connect.resolve_without_prompt()?;
    let config_path = r.config.path.as_deref().map(describe_path);
    let state = r.config.state_dir();
    let consoles: Vec<_> = r
        .config
        .file
        .consoles
        .iter()
        .map(|(name, c)| json!({"name": name, "target": c.target}))
        .collect();
    let variables: Vec<_> = VARIABLES
        .iter()
        .map(|(name, what)| {
            json!({"name": name, "set": std::env::var_os(name).is_some_and(|v| !v.is_empty()), "what": what})
        })
        .collect();
    let record = match &r.record {
        Recording::Off => "off".to_string(),
        Recording::InFolder(d) => format!("a new file in {}", d.display()),
        Recording::Path(p) => p.display().to_string(),
    };
    let resolved = json!({
        "target": r.target.to_string(),
        "console": r.console,
        "user": r.user,
        "domain": r.domain,
        "password": match (&r.target, r.password.is_some()) {
            (crate::target::Target::Sim { .. }, false) => "the scenario's documented account",
            _ => r.password_source,
        },
        "profile": r.profile.map(|p| p.to_string()),
        "record": record,
        "timeout_secs": r.timeout.as_secs(),
        "max_time_secs": r.max_time.map(|d| d.as_secs()),
        "reconnect": r.reconnect,
        "keep_channel": r.keep_channel,
        "output_limit": r.output_limit,
        "transcript_cap": r.transcript_cap,
    });
    if args.json {
        let doc = json!({
            "config_file": config_path,
            "state_dir": state.display().to_string(),
            "consoles": consoles,
            "environment": variables,
            "resolved": resolved,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(0);
    }
    println!("configuration file  {}", config_path.as_deref().unwrap_or("(no home folder)"));
    println!("state folder        {}", describe_path(&state));
    println!("transcripts         {}", describe_path(&state.join("transcripts")));
    if consoles.is_empty() {
        println!("consoles            none (sacdoc config --example shows how to name some)");
    } else {
        println!("consoles");
        for (name, c) in &r.config.file.consoles {
            println!("  {name:<18}{}", c.target.as_deref().unwrap_or(""));
        }
    }
    println!("environment");
    for (name, what) in VARIABLES {
        let set = std::env::var_os(name).is_some_and(|v| !v.is_empty());
        println!("  {name:<30}{:<6}{what}", if set { "set" } else { "-" });
    }
    println!("resolved");
    if let Some(map) = resolved.as_object() {
        for (k, v) in map {
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "-".to_string(),
                other => other.to_string(),
            };
            println!("  {k:<18}{shown}");
        }
    }
    Ok(0)
}
