//! SAC-level settings of a scenario (`[sac]` in its file) and the per-run knobs a
//! `sim:SCENARIO?key=value` query or `sacdoc sim` flags override.
//!
//! Every field has a default so a scenario file may leave the table out. Where real Windows
//! behaviour is not documented the default is marked `GUESS:` and can be changed here.

use serde::{Deserialize, Serialize};

use crate::machine::Machine;

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

    /// The Windows release the profile stands for: build, update build revision (UBR) and
    /// product name, as `ver`, `id` and the registry's CurrentVersion show them.
    ///
    /// GUESS: the UBRs are those of recent cumulative updates (20348.2849 is the November 2024
    /// update of Server 2022, 14393.7515 that of Server 2016); 17763.6893 is the base scenario's.
    pub fn os(self) -> (&'static str, u32, &'static str) {
        match self {
            Profile::Ws2022 => ("20348", 2849, "Windows Server 2022 Datacenter"),
            Profile::Ws2019 => ("17763", 6893, "Windows Server 2019 Datacenter"),
            Profile::Ws2016 => ("14393", 7515, "Windows Server 2016 Datacenter"),
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
    /// Bytes of already printed output still sent after Ctrl+C stops a command (what sits in
    /// SAC's channel buffer); the rest of a long output is never sent, as on a real console where
    /// Ctrl+C stops `type` or `netstat` mid-way. GUESS: SAC's buffer size is undocumented.
    pub ctrlc_keep: usize,
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
    /// A hostile or broken far end: the cmd channel's password field echoes the keys in clear
    /// instead of `*`. No real SAC does this; it tests that a transcript never keeps the echo.
    pub clear_password_echo: bool,
    /// Overrides the machine's `makecab` time (milliseconds; see `Quirks::makecab_ms`).
    pub makecab_ms: Option<u64>,
    /// Programs the VM lacks (see `Quirks::missing_tools`).
    pub missing_tools: Vec<String>,
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
            ctrlc_keep: 4096,
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
            clear_password_echo: false,
            makecab_ms: None,
            missing_tools: Vec::new(),
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

    /// Makes the machine's Windows release agree with the profile, so the cmd banner, `ver`,
    /// `id` and the registry all name the same build: a Server 2022 profile on a Server 2019
    /// machine would tell a client two different stories.
    ///
    /// The base scenario's build (Server 2019, [`BASE_BUILD`]) counts as "not chosen" and
    /// follows the profile; a scenario that sets another `[machine] build`, or a `version_line`
    /// of its own, keeps what it says.
    pub fn fit_os(&self, machine: &mut Machine) {
        if let Some(ms) = self.makecab_ms {
            machine.state.quirks.makecab_ms = ms;
        }
        machine.state.quirks.missing_tools.extend(self.missing_tools.iter().cloned());
        if !self.version_line.is_empty() || machine.info().build != BASE_BUILD {
            return;
        }
        let (build, ubr, product) = self.profile.os();
        if build != BASE_BUILD {
            machine.set_os_build(build, ubr, product);
        }
    }
}

/// The build of `scenarios/base.toml` (Windows Server 2019).
pub const BASE_BUILD: &str = "17763";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::load_scenario;

    fn machine() -> Machine {
        Machine::new(&load_scenario("healthy").expect("scenario"))
    }

    fn with(profile: Profile) -> SacSettings {
        SacSettings { profile, ..SacSettings::default() }
    }

    #[test]
    fn the_base_build_follows_the_profile() {
        for p in [Profile::Ws2022, Profile::Ws2019, Profile::Ws2016] {
            let mut m = machine();
            with(p).fit_os(&mut m);
            assert_eq!(m.info().build, p.os().0);
            assert_eq!(m.info().product, p.os().2);
        }
    }

    #[test]
    fn a_pinned_build_or_version_line_is_kept() {
        let mut m = machine();
        m.set_os_build("19045", 1, "Pinned");
        with(Profile::Ws2022).fit_os(&mut m);
        assert_eq!((m.info().build.as_str(), m.info().product.as_str()), ("19045", "Pinned"));
        let mut m = machine();
        let s = SacSettings {
            version_line: "Microsoft Windows [Version 10.0.17763.1]".into(),
            ..with(Profile::Ws2022)
        };
        s.fit_os(&mut m);
        assert_eq!(m.info().build, BASE_BUILD);
    }
}
