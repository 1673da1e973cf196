//! SAC-level settings of a scenario (`[sac]` in its file) and the per-run knobs a
//! `sim:SCENARIO?key=value` query or `sacdoc sim` flags override.
//!
//! Every field has a default so a scenario file may leave the table out. Where real Windows
//! behaviour is not documented the default is marked `GUESS:` and can be changed here.

use serde::{Deserialize, Serialize};

/// How the cmd channel sends its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Windows Server 2022: the cmd channel streams text and control characters.
    #[default]
    Ws2022,
    /// Windows Server 2019: the cmd channel paints an 80x24 screen, sending only what changed.
    Ws2019,
    /// Windows Server 2016: painted like 2019, older banner texts.
    Ws2016,
}

impl Profile {
    /// Parses `ws2022`, `ws2019` or `ws2016` (also `2022`, ...).
    pub fn parse(s: &str) -> Option<Profile> {
        match s.trim().to_ascii_lowercase().trim_start_matches("ws") {
            "2022" => Some(Profile::Ws2022),
            "2019" => Some(Profile::Ws2019),
            "2016" => Some(Profile::Ws2016),
            _ => None,
        }
    }

    /// True when the cmd channel paints a screen instead of streaming.
    pub fn paints(self) -> bool {
        !matches!(self, Profile::Ws2022)
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Ws2022 => "ws2022",
            Profile::Ws2019 => "ws2019",
            Profile::Ws2016 => "ws2016",
        }
    }

    /// First line cmd.exe prints (the version banner).
    pub fn default_version_line(self) -> &'static str {
        match self {
            Profile::Ws2022 => "Microsoft Windows [Version 10.0.20348.2849]",
            Profile::Ws2019 => "Microsoft Windows [Version 10.0.17763.6532]",
            Profile::Ws2016 => "Microsoft Windows [Version 10.0.14393]",
        }
    }

    /// Second line cmd.exe prints (the copyright line).
    pub fn default_copyright_line(self) -> &'static str {
        match self {
            Profile::Ws2022 => "(c) Microsoft Corporation. All rights reserved.",
            Profile::Ws2019 => "(c) 2018 Microsoft Corporation. All rights reserved.",
            Profile::Ws2016 => "(c) 2016 Microsoft Corporation. All rights reserved.",
        }
    }
}

/// Why `cmd` fails, when a scenario says it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CmdFailure {
    /// `cmd` works once the service has registered.
    #[default]
    None,
    /// `DisableCmdSessions` is set: message 148.
    Disabled,
    /// The sacsvr service never registers: message 131, and no CMD-available event.
    NotRegistered,
    /// The service times out: message 120.
    Timeout,
    /// The session cannot be created: message 128.
    Failed,
}

/// One network interface as SAC's `i` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct NicSetting {
    /// SAC's interface number (`Net: N`).
    pub net: u32,
    pub ip: String,
    pub subnet: String,
    pub gateway: String,
}

/// SAC-level settings of a scenario (`[sac]` in its file). Every field has a default.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SacSettings {
    /// Output profile of the cmd channel.
    pub profile: Profile,
    /// Milliseconds from the banner to `EVENT: The CMD command is now available.`.
    /// GUESS: real guests take tens of seconds; short by default so tests and demos are quick.
    pub cmd_delay_ms: u64,
    /// Milliseconds from `cmd` to the "A new channel has been created" event. GUESS.
    pub channel_event_delay_ms: u64,
    /// Milliseconds between `restart` (or a reboot from cmd) and the new banner. GUESS.
    pub restart_delay_ms: u64,
    /// Why `cmd` fails, if it does.
    pub cmd_failure: CmdFailure,
    /// Channel slots including SAC's (Windows: 10).
    pub max_channels: usize,
    /// Description on a Cmd channel's switch screen (`Command` on 2016+, `Command Prompt` on
    /// Server 2003).
    pub cmd_description: String,
    /// Console width at which the streaming (ws2022) cmd channel breaks long lines; 0 = never.
    /// GUESS: 80, like the default console buffer.
    pub wrap_cols: usize,
    /// Interval of the ws2019/ws2016 screen painter, in milliseconds. GUESS.
    pub paint_ms: u64,
    /// Quirk: a key equal to the previous one within `dropkeys_ms` is dropped (2016/2019).
    pub dropkeys: bool,
    /// GUESS: the debounce window; Oxide waits 1.5 s between repeated keys.
    pub dropkeys_ms: u64,
    /// Quirk: characters typed within `eatchars_ms` of the first cmd prompt are lost.
    pub eatchars: bool,
    /// GUESS: length of the window in which characters are eaten.
    pub eatchars_ms: u64,
    /// Quirk: at the cmd prompt only CR is Enter; LF is ignored.
    pub cronly: bool,
    /// Seconds without input after which a cmd channel asks for credentials again; 0 = never.
    /// GUESS: the real length is not documented.
    pub idle_timeout_s: u64,
    /// Text printed after a failed cmd-channel login. GUESS: no public transcript shows it.
    pub login_failure_text: String,
    /// cmd.exe's first banner line; empty = the profile's default.
    pub version_line: String,
    /// cmd.exe's copyright line; empty = the profile's default.
    pub copyright_line: String,
    /// Send the Azure "VM Health Report" JSON instead of SAC (SAC not enabled).
    pub health_report: bool,
    /// Seconds between two health reports. GUESS.
    pub health_interval_s: u64,
    /// Interfaces listed by `i`; empty = the machine's interfaces.
    pub nics: Vec<NicSetting>,
}

impl Default for SacSettings {
    fn default() -> Self {
        SacSettings {
            profile: Profile::Ws2022,
            cmd_delay_ms: 300,
            channel_event_delay_ms: 50,
            restart_delay_ms: 500,
            cmd_failure: CmdFailure::None,
            max_channels: 10,
            cmd_description: "Command".into(),
            wrap_cols: 80,
            paint_ms: 100,
            dropkeys: false,
            dropkeys_ms: 500,
            eatchars: false,
            eatchars_ms: 500,
            cronly: false,
            idle_timeout_s: 1800,
            login_failure_text: "The user name or password is incorrect.".into(),
            version_line: String::new(),
            copyright_line: String::new(),
            health_report: false,
            health_interval_s: 60,
            nics: Vec::new(),
        }
    }
}

impl SacSettings {
    /// cmd.exe's version line for this run.
    pub fn version_line(&self) -> &str {
        if self.version_line.is_empty() {
            self.profile.default_version_line()
        } else {
            &self.version_line
        }
    }

    /// cmd.exe's copyright line for this run.
    pub fn copyright_line(&self) -> &str {
        if self.copyright_line.is_empty() {
            self.profile.default_copyright_line()
        } else {
            &self.copyright_line
        }
    }
}
