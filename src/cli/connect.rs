//! Connection options shared by every command that talks to a console (target, credentials,
//! recording), resolved once into a [`ConnectConfig`]: flag > environment (`SACDOC_*`) >
//! configuration file (a named console, then `[defaults]`) > default; a missing user or password
//! is asked for last (or, for `sim:` targets, taken from the scenario's documented account).
//!
//! Passwords never come from argv: `--password-file`, `SACDOC_PASSWORD`, the configuration file
//! (`password_env`, `password_file`, `password`), or a prompt without echo.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::config::{Config, ConsoleProfile};
pub use crate::sac::{ConnectConfig, Credentials, LinkEvents, Profile, Recording, Secret};
use crate::target::{Console, Target};
use crate::transport::reconnect::LinkEvent;
use crate::transport::serial::{Flow, Parity};

/// The default of `--timeout`, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// The default of `--output-limit`, in bytes.
pub const DEFAULT_OUTPUT_LIMIT: u64 = 16 * 1024 * 1024;

/// Clap arguments of every command that connects.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConnectArgs {
    /// Where the console is: the name of a console in the configuration file, or COM1,
    /// /dev/ttyS0, serial:///dev/ttyUSB0?baud=115200, tcp://HOST:PORT, telnet://HOST:PORT,
    /// rfc2217://HOST:PORT?baud=115200, unix:PATH, pipe:NAME, exec:COMMAND,
    /// azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME, sim:SCENARIO[?profile=ws2019], replay:FILE.
    /// Required, unless the configuration file's [defaults] names a target.
    pub target: Option<String>,
    /// User for the cmd-channel login [env: SACDOC_USER].
    #[arg(long)]
    pub user: Option<String>,
    /// Domain for the login; empty for a local account [env: SACDOC_DOMAIN].
    #[arg(long)]
    pub domain: Option<String>,
    /// Read the password from the first line of this file (else SACDOC_PASSWORD, else the
    /// configuration file, else a prompt).
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
    /// Seconds without progress before a step or a command is given up: a big output keeps
    /// going as long as it keeps arriving [default: 60].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Longest time one command may take in all, in seconds [default: no cap].
    #[arg(long, value_name = "SECS")]
    pub max_time: Option<u64>,
    /// Reconnect when the link drops.
    #[arg(long)]
    pub reconnect: bool,
    /// The console's output style when known: ws2022 (streaming) or ws2019/ws2016 (painted).
    /// Detected at login otherwise.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Largest output accepted from one command, in bytes [default: 16 MiB].
    #[arg(long, value_name = "BYTES")]
    pub output_limit: Option<u64>,
    /// Largest transcript, in bytes: past it a note says so and recording stops, the session
    /// goes on [default: 64 MiB].
    #[arg(long, value_name = "BYTES")]
    pub transcript_cap: Option<u64>,
}

/// Everything resolved without asking anyone: what the flags, the environment and the
/// configuration file say. The CLI prompts for what is missing; the text UI asks in a dialog.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub target: Target,
    /// The target came from the command line or the configuration file (not the platform's
    /// default port, which commands that connect do not probe unasked).
    pub target_given: bool,
    /// The configuration file's console this came from, if any.
    pub console: Option<String>,
    pub user: Option<String>,
    pub domain: Option<String>,
    pub password: Option<Secret>,
    /// Where the password came from (for `sacdoc config`; never the password itself).
    pub password_source: &'static str,
    pub profile: Option<Profile>,
    pub record: Recording,
    pub keep_channel: bool,
    pub timeout: Duration,
    pub max_time: Option<Duration>,
    pub reconnect: bool,
    pub output_limit: u64,
    pub transcript_cap: u64,
    pub config: Config,
}

impl ConnectArgs {
    /// Resolves the arguments once into a configuration, prompting for what is missing.
    pub fn resolve(&self) -> anyhow::Result<ConnectConfig> {
        self.resolve_without_prompt()?.into_connect_config()
    }

    /// Resolves flags, environment and configuration file, asking nothing.
    pub fn resolve_without_prompt(&self) -> anyhow::Result<Resolved> {
        let config = Config::load()?;
        self.resolve_with(config)
    }

    /// Resolves against an already loaded configuration.
    pub fn resolve_with(&self, config: Config) -> anyhow::Result<Resolved> {
        let (profile_cfg, console) = config.profile_for(self.target.as_deref());
        let target_text = match &console {
            Some(_) => profile_cfg.target.clone(),
            None => self.target.clone().or_else(|| profile_cfg.target.clone()),
        };
        let target_given = target_text.is_some();
        let mut target: Target = match &target_text {
            Some(t) => t.parse()?,
            None => Target::default_for_platform(),
        };
        apply_line_settings(&mut target, &profile_cfg)?;
        let env = &config.env;
        let user = self.user.clone().or_else(|| env.user.clone()).or(profile_cfg.user.clone());
        let domain =
            self.domain.clone().or_else(|| env.domain.clone()).or(profile_cfg.domain.clone());
        let (password, password_source) = password(self, &config, &profile_cfg)?;
        let profile = match self.profile.as_deref().or(profile_cfg.profile.as_deref()) {
            None => None,
            Some(p) => Some(parse_profile(p)?),
        };
        let record = if self.no_record {
            Recording::Off
        } else if let Some(p) = &self.record {
            Recording::Path(p.clone())
        } else if profile_cfg.record == Some(false) {
            Recording::Off
        } else {
            Recording::InFolder(config.state_dir().join("transcripts"))
        };
        let timeout = self.timeout.or(profile_cfg.timeout).unwrap_or(DEFAULT_TIMEOUT_SECS);
        if timeout == 0 {
            bail!("--timeout 0 would give up at once; give a number of seconds such as 60");
        }
        let max_time = self.max_time.or(profile_cfg.max_time);
        if max_time == Some(0) {
            bail!("--max-time 0 would give up at once; give a number of seconds such as 600");
        }
        Ok(Resolved {
            target,
            target_given,
            console,
            user,
            domain,
            password,
            password_source,
            profile,
            record,
            keep_channel: self.keep_channel || profile_cfg.keep_channel == Some(true),
            timeout: Duration::from_secs(timeout),
            max_time: max_time.map(Duration::from_secs),
            reconnect: self.reconnect || profile_cfg.reconnect == Some(true),
            output_limit: self
                .output_limit
                .or(profile_cfg.output_limit)
                .unwrap_or(DEFAULT_OUTPUT_LIMIT),
            transcript_cap: self
                .transcript_cap
                .or(profile_cfg.transcript_cap)
                .unwrap_or(crate::transcript::DEFAULT_TRANSCRIPT_CAP),
            config,
        })
    }
}

impl Resolved {
    /// The connection configuration, asking on the terminal for a missing user or password
    /// (for `sim:` targets the scenario's documented account fills them in).
    pub fn into_connect_config(self) -> anyhow::Result<ConnectConfig> {
        // A bad target is reported before anyone is asked for a password.
        self.check_target()?;
        let scenario_cred = sim_credentials(&self.target);
        let user = match self.user.clone() {
            Some(u) => u,
            None => match &scenario_cred {
                Some(c) => c.user.clone(),
                None => {
                    need_terminal("no user name: give --user NAME, SACDOC_USER, or user in the configuration file")?;
                    prompt_line("User: ")?
                }
            },
        };
        let same_user = |c: &Credentials| c.user.eq_ignore_ascii_case(&user);
        let domain = match self.domain.clone() {
            Some(d) => d,
            None => match &scenario_cred {
                Some(c) if same_user(c) => c.domain.clone(),
                _ => String::new(),
            },
        };
        let password = match self.password.clone() {
            Some(p) => p,
            None => match &scenario_cred {
                Some(c) if same_user(c) => c.password.clone(),
                _ => {
                    need_terminal(&format!(
                        "no password for {user}: set SACDOC_PASSWORD, give --password-file PATH, or \
                         password_env/password_file in the configuration file"
                    ))?;
                    Secret::new(prompt_password(&format!("Password for {user}: "))?)
                }
            },
        };
        self.connect_config(Credentials { user, domain, password })
    }

    /// The connection configuration for SAC commands only, which need no login.
    pub fn into_sac_config(self) -> anyhow::Result<ConnectConfig> {
        self.check_target()?;
        self.connect_config(Credentials::default())
    }

    /// A target was given and passes its checks.
    fn check_target(&self) -> anyhow::Result<()> {
        if !self.target_given {
            let ports: Vec<String> = serialport::available_ports()
                .map(|v| v.into_iter().map(|p| p.port_name).collect())
                .unwrap_or_default();
            let found = if ports.is_empty() {
                String::new()
            } else {
                format!(" (serial ports here: {})", ports.join(", "))
            };
            bail!(
                "no TARGET given: name the console, e.g. {}{found}, tcp://HOST:PORT, a console \
                 from the configuration file, or sim:port-conflict to try the built-in simulated VM",
                Target::default_for_platform()
            );
        }
        // An Azure target's settings (a proxy among them) are checked before any login question.
        if let Target::Azure { .. } = self.target {
            self.config.azure()?;
        }
        Ok(self.target.preflight()?)
    }

    /// Only an Azure target needs the Azure settings (and fails on a proxy it cannot read). A
    /// session about to record into the transcripts folder first applies the retention.
    fn connect_config(self, credentials: Credentials) -> anyhow::Result<ConnectConfig> {
        if let Recording::InFolder(dir) = &self.record {
            super::transcripts::apply_retention(dir, &self.config.file.transcripts);
        }
        let azure = match self.target {
            Target::Azure { .. } => self.config.azure()?,
            _ => Default::default(),
        };
        let console = Console { azure, target: self.target };
        Ok(ConnectConfig {
            target: Arc::new(console),
            credentials,
            record: self.record,
            keep_channel: self.keep_channel,
            timeout: self.timeout,
            max_time: self.max_time,
            reconnect: self.reconnect,
            output_limit: self.output_limit,
            transcript_cap: self.transcript_cap,
            profile: self.profile,
            cancel: None,
            link_events: Some(LinkEvents(Arc::new(|e: &LinkEvent| match e {
                LinkEvent::Reconnected { .. } | LinkEvent::Lost { .. } => {
                    super::output::note(&e.to_string())
                }
                _ => super::output::warn(&e.to_string()),
            }))),
        })
    }
}

/// Fails with `what` when standard input is not a terminal to ask on.
fn need_terminal(what: &str) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        Ok(())
    } else {
        bail!("{what} (standard input is not a terminal to ask on)")
    }
}

/// The password from the first source that has one, and that source's name.
fn password(
    args: &ConnectArgs,
    config: &Config,
    profile: &ConsoleProfile,
) -> anyhow::Result<(Option<Secret>, &'static str)> {
    if let Some(p) = &args.password_file {
        return Ok((Some(Secret::new(read_password_file(p)?)), "--password-file"));
    }
    if let Some(p) = &config.env.password {
        return Ok((Some(Secret::new(p.clone())), "SACDOC_PASSWORD"));
    }
    if let Some(var) = &profile.password_env {
        let value = std::env::var(var).ok().filter(|v| !v.is_empty());
        let Some(p) = value else {
            bail!("the configuration file says password_env = {var:?}, but {var} is not set");
        };
        return Ok((Some(Secret::new(p)), "password_env in the configuration file"));
    }
    if let Some(path) = &profile.password_file {
        let p = read_password_file(path)?;
        return Ok((Some(Secret::new(p)), "password_file in the configuration file"));
    }
    if let Some(p) = &profile.password {
        return Ok((Some(Secret::new(p.clone())), "password in the configuration file"));
    }
    Ok((None, "a prompt"))
}

/// Line settings from the configuration file, for serial ports and RFC 2217 console servers.
fn apply_line_settings(target: &mut Target, p: &ConsoleProfile) -> anyhow::Result<()> {
    let settings = match target {
        Target::Serial { settings, .. } | Target::Rfc2217 { settings, .. } => settings,
        _ => return Ok(()),
    };
    if let Some(b) = p.baud {
        settings.baud = b;
    }
    if let Some(d) = p.data {
        settings.data_bits = d;
    }
    if let Some(s) = p.stop {
        settings.stop_bits = s;
    }
    if let Some(v) = &p.parity {
        settings.parity = Parity::parse(v)
            .with_context(|| format!("parity = {v:?} in the configuration file"))?;
    }
    if let Some(v) = &p.flow {
        settings.flow =
            Flow::parse(v).with_context(|| format!("flow = {v:?} in the configuration file"))?;
    }
    Ok(())
}

fn parse_profile(p: &str) -> anyhow::Result<Profile> {
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

/// Reads a password from the terminal with echo off (rpassword: termios on Unix, the console's
/// input mode on Windows); Ctrl+C at the prompt restores the terminal (see `interrupt`).
fn prompt_password(prompt: &str) -> anyhow::Result<String> {
    let s = match rpassword::prompt_password(prompt) {
        Ok(s) => s,
        // Ctrl+C interrupts the read before (or while) the handler runs: end as an interrupt does
        // (terminal restored, exit 130), whichever thread gets there first.
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => super::interrupt::quit(),
        Err(e) => {
            return Err(e)
                .context("cannot read the password (use --password-file PATH or SACDOC_PASSWORD)")
        }
    };
    let s = s.trim_end_matches(['\r', '\n']).to_string();
    if s.is_empty() {
        bail!("no password given: type it at the prompt, or use --password-file PATH or SACDOC_PASSWORD");
    }
    Ok(s)
}
