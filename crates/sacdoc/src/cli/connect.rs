//! Connection options shared by every command that talks to a console (target, credentials,
//! recording), resolved once into a [`ConnectConfig`]: flag > environment (`SACDOC_*`) > prompt
//! (or, for `sim:` targets, the scenario's documented account).
//!
//! Passwords never come from argv: `--password-file`, `SACDOC_PASSWORD`, or a prompt without echo.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

pub use crate::sac::{ConnectConfig, Credentials, Profile, Recording, Secret};
use crate::target::Target;

/// Clap arguments of every command that connects.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConnectArgs {
    /// Where the console is: COM1, /dev/ttyS0, serial:///dev/ttyUSB0?baud=115200, tcp://HOST:PORT,
    /// telnet://HOST:PORT, rfc2217://HOST:PORT?baud=115200, unix:PATH, pipe:NAME, exec:COMMAND,
    /// azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME, sim:SCENARIO[?profile=ws2019], replay:FILE.
    /// Default: COM1 on Windows, /dev/ttyS0 elsewhere.
    pub target: Option<String>,
    /// User for the cmd-channel login [env: SACDOC_USER].
    #[arg(long)]
    pub user: Option<String>,
    /// Domain for the login; empty for a local account [env: SACDOC_DOMAIN].
    #[arg(long)]
    pub domain: Option<String>,
    /// Read the password from the first line of this file (else SACDOC_PASSWORD, else a prompt).
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
    /// Record the session to this asciicast file (default: a new file in the state folder).
    #[arg(long, value_name = "PATH", conflicts_with = "no_record")]
    pub record: Option<PathBuf>,
    /// Do not record the session.
    #[arg(long)]
    pub no_record: bool,
    /// Leave the cmd channel open at the end.
    #[arg(long)]
    pub keep_channel: bool,
    /// Longest wait for one step or one command, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
    /// Reconnect when the link drops.
    #[arg(long)]
    pub reconnect: bool,
    /// The console's output style when known: ws2022 (streaming) or ws2019/ws2016 (painted).
    /// Detected at login otherwise.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Largest output accepted from one command, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    pub output_limit: u64,
}

impl ConnectArgs {
    /// Resolves the arguments once into a configuration, prompting for what is missing.
    pub fn resolve(&self) -> anyhow::Result<ConnectConfig> {
        let target: Target = match &self.target {
            Some(t) => t.parse()?,
            None => Target::default_for_platform(),
        };
        let scenario_cred = sim_credentials(&target);
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let user = match self.user.clone().or_else(|| env("SACDOC_USER")) {
            Some(u) => u,
            None => match &scenario_cred {
                Some(c) => c.user.clone(),
                None => prompt_line("User: ")?,
            },
        };
        let domain = match self.domain.clone().or_else(|| env("SACDOC_DOMAIN")) {
            Some(d) => d,
            None => match &scenario_cred {
                Some(c) if c.user.eq_ignore_ascii_case(&user) => c.domain.clone(),
                _ => String::new(),
            },
        };
        let password = if let Some(p) = &self.password_file {
            read_password_file(p)?
        } else if let Some(p) = env("SACDOC_PASSWORD") {
            p
        } else {
            match &scenario_cred {
                Some(c) if c.user.eq_ignore_ascii_case(&user) => c.password.expose().to_string(),
                _ => prompt_password(&format!("Password for {user}: "))?,
            }
        };
        let profile = match self.profile.as_deref() {
            None => None,
            Some(p) => Some(parse_profile(p)?),
        };
        let record = if self.no_record {
            Recording::Off
        } else if let Some(p) = &self.record {
            Recording::Path(p.clone())
        } else {
            Recording::InFolder(crate::paths::transcripts_dir())
        };
        if self.timeout == 0 {
            bail!("--timeout 0 would give up at once; give a number of seconds such as 60");
        }
        Ok(ConnectConfig {
            target: std::sync::Arc::new(target),
            credentials: Credentials { user, domain, password: Secret::new(password) },
            record,
            keep_channel: self.keep_channel,
            timeout: Duration::from_secs(self.timeout),
            reconnect: self.reconnect,
            output_limit: self.output_limit,
            profile,
        })
    }
}

/// `ws2022`/`stream` or `ws2019`/`ws2016`/`painted`.
pub fn parse_profile(p: &str) -> anyhow::Result<Profile> {
    match p.trim().to_ascii_lowercase().as_str() {
        "ws2022" | "2022" | "stream" => Ok(Profile::Stream),
        "ws2019" | "2019" | "ws2016" | "2016" | "painted" => Ok(Profile::Painted),
        other => bail!("unknown profile {other:?}: use ws2022 (streaming) or ws2019 (painted)"),
    }
}

/// The documented account of a `sim:` scenario (its first credential), so the demo needs no typing.
fn sim_credentials(target: &Target) -> Option<Credentials> {
    let Target::Sim { scenario, .. } = target else { return None };
    let sc = crate::sim::machine::load_scenario(scenario).ok()?;
    let c = sc.credentials.first()?;
    Some(Credentials {
        user: c.user.clone(),
        domain: c.domain.clone(),
        password: Secret::new(c.password.clone()),
    })
}

fn read_password_file(p: &std::path::Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(p)
        .with_context(|| format!("cannot read the password file {}", p.display()))?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        bail!("the password file {} is empty: put the password on its first line", p.display());
    }
    Ok(first.to_string())
}

fn prompt_line(prompt: &str) -> anyhow::Result<String> {
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut s = String::new();
    std::io::stdin().lock().read_line(&mut s).context("cannot read the user name")?;
    let s = s.trim().to_string();
    if s.is_empty() {
        bail!("no user name given: use --user NAME or SACDOC_USER");
    }
    Ok(s)
}

/// Reads a password from the terminal with echo off.
fn prompt_password(prompt: &str) -> anyhow::Result<String> {
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    let guard = EchoOff::new();
    let mut s = String::new();
    let r = std::io::stdin().lock().read_line(&mut s);
    drop(guard);
    writeln!(err)?;
    r.context("cannot read the password (use --password-file PATH or SACDOC_PASSWORD)")?;
    let s = s.trim_end_matches(['\r', '\n']).to_string();
    if s.is_empty() {
        bail!("no password given: type it at the prompt, or use --password-file PATH or SACDOC_PASSWORD");
    }
    Ok(s)
}

/// Turns terminal echo off on stdin for its lifetime (no-op when stdin is not a terminal).
struct EchoOff {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl EchoOff {
    #[cfg(unix)]
    fn new() -> EchoOff {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a properly sized, zeroed termios.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::isatty(0) != 1 || libc::tcgetattr(0, &mut t) != 0 {
                return EchoOff { saved: None };
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            t.c_lflag |= libc::ECHONL;
            libc::tcsetattr(0, libc::TCSANOW, &t);
            EchoOff { saved: Some(saved) }
        }
    }
    #[cfg(not(unix))]
    fn new() -> EchoOff {
        EchoOff {}
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(t) = self.saved {
            // SAFETY: restores the attributes read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &t);
            }
        }
    }
}
