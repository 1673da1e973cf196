//! Per-run options of a simulated VM: the scenario's [`SacSettings`] overridden by the
//! `key=value&...` query of a `sim:SCENARIO?...` target (or `sacdoc sim` flags), the console state
//! the client finds, line pacing, and faults.

use super::settings::{CmdFailure, Profile, SacSettings};
use crate::faults::FaultConfig;
use crate::SimError;

/// The console state the client finds when it connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartState {
    /// The VM boots as the client connects: banner, then the CMD-available event.
    #[default]
    Booting,
    /// Booted, at `SAC>`; nothing is on the wire until the client types.
    Sac,
    /// Inside Cmd0001, logged in, at the cmd prompt.
    Cmd,
    /// Inside Cmd0001, at its `Username:` prompt.
    Login,
    /// On Cmd0001's channel-switch screen.
    Switch,
    /// Crashed, at `!SAC>`.
    Crashed,
    /// Logged in to Cmd0001, left in `more` at `-- More --` (someone paged `netstat -ano`).
    More,
    /// Logged in to Cmd0001, inside an open `(` block: cmd asks `More? `.
    Block,
    /// Logged in to Cmd0001, at an interactive PowerShell prompt `PS C:\...>`.
    Ps,
    /// Logged in to Cmd0001, with a half-typed line left at the cmd prompt.
    Typed,
}

impl StartState {
    pub const NAMES: &'static [&'static str] =
        &["booting", "sac", "cmd", "login", "switch", "crashed", "more", "block", "ps", "typed"];

    pub fn parse(s: &str) -> Option<StartState> {
        Some(match s {
            "booting" => StartState::Booting,
            "sac" => StartState::Sac,
            "cmd" => StartState::Cmd,
            "login" => StartState::Login,
            "switch" => StartState::Switch,
            "crashed" => StartState::Crashed,
            "more" => StartState::More,
            "block" => StartState::Block,
            "ps" => StartState::Ps,
            "typed" => StartState::Typed,
            _ => return None,
        })
    }
}

/// Everything that shapes one simulated run.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    /// SAC behaviour (from the scenario, then overridden).
    pub sac: SacSettings,
    /// Line rate in bits per second; output is paced at `baud / 10` bytes per second. `None` =
    /// unpaced.
    pub baud: Option<u32>,
    /// Console state at connection.
    pub start: StartState,
    /// Faults on the output.
    pub faults: FaultConfig,
    /// Seed for channel GUIDs and faults; `None` = from the clock.
    pub seed: Option<u64>,
    /// The link replays the console's earlier output on connect, as Google's serial relay does
    /// (up to about 10K characters, sac-protocol.md §12) and as the Azure portal shows it: the
    /// client first reads an old banner, an old login screen or an old prompt that is not the
    /// current state.
    pub history: bool,
}

/// Keys accepted in a `sim:` query and by `sacdoc sim --fault` / `--quirks`.
pub const KNOWN_KEYS: &[&str] = &[
    "profile",
    "baud",
    "start",
    "history",
    "seed",
    "quirks",
    "dropkeys",
    "dropkeys_ms",
    "eatchars",
    "eatchars_ms",
    "cronly",
    "cmd_delay_ms",
    "channel_event_delay_ms",
    "restart_delay_ms",
    "cmd_failure",
    "paint_ms",
    "ctrlc_keep",
    "cols",
    "idle_timeout_s",
    "health_report",
    "clear_password_echo",
    "makecab_ms",
    "missing",
    "drop",
    "dup",
    "corrupt",
    "cut_after",
    "stall_after",
    "stall_ms",
    "reboot_mid_command",
    "noise_after",
    "drop_at",
    "dup_at",
    "corrupt_at",
];

impl SimOptions {
    /// Options from a scenario's settings, nothing overridden.
    pub fn from_settings(sac: SacSettings) -> SimOptions {
        SimOptions { sac, ..SimOptions::default() }
    }

    /// Applies a `key=value&key=value` query. Empty pieces are ignored.
    pub fn apply_query(&mut self, query: &str) -> Result<(), SimError> {
        for piece in query.split('&').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = piece.split_once('=').unwrap_or((piece, "1"));
            self.set(key.trim(), value.trim())?;
        }
        Ok(())
    }

    /// Sets one option by its query key.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SimError> {
        let s = &mut self.sac;
        match key {
            "profile" => {
                s.profile = Profile::parse(value)
                    .ok_or_else(|| bad(key, value, "use ws2022, ws2019 or ws2016"))?
            }
            "baud" => {
                let b: u32 = num(key, value)?;
                self.baud = (b > 0).then_some(b);
            }
            "start" => {
                self.start = StartState::parse(value).ok_or_else(|| {
                    bad(key, value, &format!("use one of {}", StartState::NAMES.join(", ")))
                })?
            }
            "history" => self.history = flag(key, value)?,
            "seed" => {
                let seed = num(key, value)?;
                self.seed = Some(seed);
                self.faults.seed = Some(seed);
            }
            "quirks" => {
                for q in value.split(',').map(str::trim).filter(|q| !q.is_empty()) {
                    match q {
                        "dropkeys" | "eatchars" | "cronly" => self.set(q, "1")?,
                        "none" => {
                            self.sac.dropkeys = false;
                            self.sac.eatchars = false;
                            self.sac.cronly = false;
                        }
                        _ => return Err(bad(key, q, "quirks are dropkeys, eatchars, cronly")),
                    }
                }
            }
            "dropkeys" => s.dropkeys = flag(key, value)?,
            "dropkeys_ms" => s.dropkeys_ms = num(key, value)?,
            "eatchars" => s.eatchars = flag(key, value)?,
            "eatchars_ms" => s.eatchars_ms = num(key, value)?,
            "cronly" => s.cronly = flag(key, value)?,
            "cmd_delay_ms" => s.cmd_delay_ms = num(key, value)?,
            "channel_event_delay_ms" => s.channel_event_delay_ms = num(key, value)?,
            "restart_delay_ms" => s.restart_delay_ms = num(key, value)?,
            "cmd_failure" => {
                s.cmd_failure = match value {
                    "none" => CmdFailure::None,
                    "disabled" => CmdFailure::Disabled,
                    "not_registered" => CmdFailure::NotRegistered,
                    "timeout" => CmdFailure::Timeout,
                    "failed" => CmdFailure::Failed,
                    _ => {
                        return Err(bad(
                            key,
                            value,
                            "use none, disabled, not_registered, timeout or failed",
                        ))
                    }
                }
            }
            "paint_ms" => s.paint_ms = num::<u64>(key, value)?.max(1),
            "ctrlc_keep" => s.ctrlc_keep = num(key, value)?,
            "cols" => s.wrap_cols = num(key, value)?,
            "idle_timeout_s" => s.idle_timeout_s = num(key, value)?,
            "health_report" => s.health_report = flag(key, value)?,
            "clear_password_echo" => s.clear_password_echo = flag(key, value)?,
            "makecab_ms" => s.makecab_ms = Some(num(key, value)?),
            "missing" => s.missing_tools.extend(
                value.split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()),
            ),
            "drop" => self.faults.drop = rate(key, value)?,
            "dup" => self.faults.dup = rate(key, value)?,
            "corrupt" => self.faults.corrupt = rate(key, value)?,
            "cut_after" => self.faults.cut_after = Some(num(key, value)?),
            "stall_after" => self.faults.stall_after = Some(num(key, value)?),
            "stall_ms" => self.faults.stall_ms = num(key, value)?,
            "reboot_mid_command" => self.faults.reboot_mid_command = flag(key, value)?,
            "noise_after" => self.faults.noise_after = num(key, value)?,
            // Byte offsets, several joined with `,` (a `&` would end the option).
            "drop_at" | "dup_at" | "corrupt_at" => {
                let offsets = value
                    .split(',')
                    .map(|v| num(key, v.trim()))
                    .collect::<Result<Vec<u64>, _>>()?;
                match key {
                    "drop_at" => self.faults.drop_at.extend(offsets),
                    "dup_at" => self.faults.dup_at.extend(offsets),
                    _ => self.faults.corrupt_at.extend(offsets),
                }
            }
            _ => {
                return Err(SimError::UnknownOption {
                    key: key.to_string(),
                    known: KNOWN_KEYS.join(", "),
                })
            }
        }
        Ok(())
    }
}

fn bad(key: &str, value: &str, hint: &str) -> SimError {
    SimError::BadOption { key: key.to_string(), value: value.to_string(), hint: hint.to_string() }
}

fn num<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, SimError> {
    value.parse().map_err(|_| bad(key, value, "expected a whole number"))
}

fn flag(key: &str, value: &str) -> Result<bool, SimError> {
    match value {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(bad(key, value, "expected 1 or 0")),
    }
}

fn rate(key: &str, value: &str) -> Result<f64, SimError> {
    match value.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(bad(key, value, "expected a rate between 0 and 1, e.g. 0.01")),
    }
}
