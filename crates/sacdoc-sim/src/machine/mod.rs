//! The simulated Windows machine: its state (registry, services, processes, listeners, ACLs,
//! certificates, firewall, group policy, boot configuration), the scenarios that describe it, and
//! cmd.exe / PowerShell one-liners that read and change it.
//!
//! The signatures of [`Machine`] are the contract the SAC driver uses.
//!
//! Layout: [`state`] holds [`state::WinState`] (re-exporting [`registry`], [`services`], [`net`],
//! [`clock`], [`bcd`]) and the operations that span parts (service start/stop, boot, policy);
//! [`scenario`] builds it from `scenarios/*.toml`; [`shell`] is cmd.exe's line handling over
//! [`cmdline`], dispatching to `cmd_*` modules and [`filters`], which see only [`command`] (their
//! context, with cmd.exe as an [`command::Interpreter`] for the commands that run others);
//! [`fs`], [`certs`], [`firewall`] and [`powershell`] are the file-system/ACL, certificate,
//! firewall and PowerShell simulations.

pub use scenario::ScenarioError;
use state::WinState;

pub mod bcd;
pub mod certs;
pub mod clock;
pub mod cmd_arith;
pub mod cmd_bcd;
pub mod cmd_builtin;
pub mod cmd_certstore;
pub mod cmd_flow;
pub mod cmd_makecab;
pub mod cmd_misc;
pub mod cmd_netstat;
pub mod cmd_reg;
pub mod cmd_sc;
pub mod cmd_tasklist;
pub mod cmdline;
pub mod command;
pub mod filters;
pub mod firewall;
pub mod fs;
pub mod journal;
pub mod net;
pub mod powershell;
pub mod rdp_reach;
pub mod regfile;
pub mod registry;
pub mod scenario;
pub mod services;
pub mod shell;
pub mod state;

/// A login account of the scenario.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Credential {
    pub user: String,
    #[serde(default)]
    pub domain: String,
    pub password: String,
}

/// A scenario: a readable data file describing one VM (`scenarios/NAME.toml`, merged over
/// `scenarios/base.toml`). The machine is built from the file named by `name` (a built-in name,
/// or a path to a `.toml` file); the fields here are what other parts read without building it.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub credentials: Vec<Credential>,
    /// SAC-level settings (event delays, failures, texts); owned by the SAC driver.
    pub sac: crate::sac::SacSettings,
}

impl Scenario {
    /// The merged base + scenario document, or the base alone for a name that is neither
    /// built in nor a readable file.
    fn doc(&self) -> toml::Table {
        scenario_text(&self.name)
            .and_then(|t| scenario::merged_doc(&t).ok())
            .or_else(|| scenario::BASE.parse().ok())
            .unwrap_or_default()
    }

    /// The doctor check ids this scenario breaks (`[expect] problems`), e.g. `["rdp-port"]`.
    pub fn expected_problems(&self) -> Vec<String> {
        expect_field(&self.doc(), "problems")
            .and_then(|v| v.as_array().cloned())
            .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
            .unwrap_or_default()
    }

    /// The documented fix (`[expect] fix`), as text for people.
    pub fn documented_fix(&self) -> String {
        expect_field(&self.doc(), "fix")
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    }
}

fn expect_field(doc: &toml::Table, key: &str) -> Option<toml::Value> {
    doc.get("expect")?.get(key).cloned()
}

/// The text of a built-in scenario, or of a scenario file when `name` is a path ending in `.toml`.
fn scenario_text(name: &str) -> Option<String> {
    if let Some((_, t)) = scenario::BUILT_IN.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return Some((*t).to_string());
    }
    if name.to_ascii_lowercase().ends_with(".toml") {
        return std::fs::read_to_string(name).ok();
    }
    None
}

/// Names of the built-in scenarios.
pub fn scenario_names() -> Vec<&'static str> {
    scenario::BUILT_IN.iter().map(|(n, _)| *n).collect()
}

/// Loads a built-in scenario by name (or a scenario file by path, `*.toml`). The error names the
/// problem: an unknown name, a file that cannot be read, or the TOML error with its location.
pub fn load_scenario(name: &str) -> Result<Scenario, ScenarioError> {
    let text = scenario_text(name).ok_or_else(|| {
        if name.to_ascii_lowercase().ends_with(".toml") {
            ScenarioError::Unreadable(name.to_string())
        } else {
            ScenarioError::Unknown { name: name.to_string(), known: scenario_names().join(", ") }
        }
    })?;
    let doc = scenario::merged_doc(&text)?;
    // Build once so a broken file is reported here, not when the machine starts.
    scenario::build_state(&doc)?;
    let credentials: Vec<Credential> = match doc.get("credentials") {
        Some(v) => v.clone().try_into().map_err(|source| ScenarioError::Section {
            section: "[[credentials]]".into(),
            source,
        })?,
        None => Vec::new(),
    };
    let sac = match doc.get("sac") {
        Some(v) => v
            .clone()
            .try_into()
            .map_err(|source| ScenarioError::Section { section: "[sac]".into(), source })?,
        None => Default::default(),
    };
    Ok(Scenario {
        name: name.to_string(),
        description: doc
            .get("description")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string(),
        credentials,
        sac,
    })
}

/// Which interpreter reads the next line of a cmd channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellMode {
    Cmd,
    PowerShell,
}

/// Per-channel shell state: the current directory, cmd or an interactive PowerShell, console
/// size, and the cmd.exe session's environment and `%ERRORLEVEL%`.
#[derive(Debug, Clone)]
pub struct ShellState {
    pub cwd: String,
    pub mode: ShellMode,
    pub cols: u16,
    pub lines: u16,
    /// The logged-in user (empty: the scenario's first account).
    pub user: String,
    /// Environment variables of this cmd.exe (filled on first use; `set` changes them).
    pub env: Vec<(String, String)>,
    pub errorlevel: i32,
    /// Console output code page (`chcp`).
    pub codepage: u32,
    /// The start of a line whose `(` block is still open: cmd asks `More? ` for the rest.
    pub pending: String,
    /// The interactive PowerShell's variables and cmd's directory to return to (empty in cmd).
    pub ps: powershell::PsSession,
}

impl Default for ShellState {
    fn default() -> Self {
        ShellState {
            cwd: "C:\\Windows\\system32".into(),
            mode: ShellMode::Cmd,
            cols: 80,
            lines: 24,
            user: String::new(),
            env: Vec::new(),
            errorlevel: 0,
            codepage: 437,
            pending: String::new(),
            ps: powershell::PsSession::default(),
        }
    }
}

impl ShellState {
    /// The prompt cmd.exe (or PowerShell) prints before reading a line, e.g. `C:\Windows\system32>`,
    /// or `More? ` while a parenthesised block is open.
    pub fn prompt(&self) -> String {
        if self.mode == ShellMode::Cmd && !self.pending.is_empty() {
            return "More? ".into();
        }
        match self.mode {
            ShellMode::Cmd => format!("{}>", self.cwd),
            ShellMode::PowerShell => format!("PS {}> ", self.cwd),
        }
    }

    /// An environment variable (case-insensitive name).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What running a line does beyond printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    /// `exit` in cmd: the channel closes.
    ExitShell,
    /// `cls`: the channel's screen is cleared.
    ClearScreen,
    /// `shutdown /r`, `Restart-Computer`: the VM reboots after `delay_ms`.
    Reboot {
        delay_ms: u64,
    },
    /// The VM powers off.
    Shutdown,
}

/// The result of one command line.
#[derive(Debug, Clone)]
pub struct ExecResult {
    /// What the command printed, lines ending in `\r\n`, not wrapped (the console wraps it).
    pub output: String,
    pub exit_code: i32,
    pub effect: Effect,
    /// The pipeline ended in `more`: the console shows the output a page at a time and waits for a
    /// key (space: next page, Enter: next line, q: quit) at `-- More --`.
    pub paged: bool,
    /// How long the command runs before its output is complete, in simulated milliseconds;
    /// `u64::MAX` for a command that never returns until Ctrl+C (e.g. `ping -t`).
    pub delay_ms: u64,
}

/// Facts the SAC `id` and `i` commands print.
#[derive(Debug, Clone)]
pub struct MachineInfo {
    pub computer_name: String,
    pub guid: String,
    pub architecture: String,
    pub build: String,
    pub product: String,
    pub service_pack: String,
    pub version: String,
}

/// The simulated machine.
#[derive(Debug, Clone)]
pub struct Machine {
    /// Everything the commands read and change.
    pub state: WinState,
    pub credentials: Vec<Credential>,
    info: MachineInfo,
    /// Every line the shells ran (training grades a trainee's commands from it).
    pub journal: journal::Journal,
}

impl Machine {
    /// Builds the machine a scenario describes (powered off: call [`Machine::boot`]). A scenario
    /// whose file cannot be built falls back to the healthy base.
    pub fn new(scenario: &Scenario) -> Machine {
        let doc = scenario.doc();
        let state = scenario::build_state(&doc)
            .or_else(|_| scenario::merged_doc("").and_then(|d| scenario::build_state(&d)))
            .unwrap_or_default();
        let spec: scenario::MachineSpec =
            doc.get("machine").and_then(|v| v.clone().try_into().ok()).unwrap_or_default();
        let info = MachineInfo {
            computer_name: spec.computer_name.clone(),
            guid: spec.guid.clone(),
            architecture: "AMD64".into(),
            build: spec.build.clone(),
            product: spec.product.clone(),
            service_pack: "None".into(),
            version: "10.0".into(),
        };
        let credentials = if scenario.credentials.is_empty() {
            default_credentials(&doc)
        } else {
            scenario.credentials.clone()
        };
        Machine { state, credentials, info, journal: journal::Journal::default() }
    }

    /// Boot: start services by start type, re-apply domain policy when group policy runs.
    pub fn boot(&mut self) {
        self.state.boot();
    }

    /// Whether the account may log in to a cmd channel. The domain may be empty, `.`, or the
    /// computer name for a local account; user and domain compare case-insensitively.
    pub fn check_login(&self, user: &str, domain: &str, password: &str) -> bool {
        let local =
            |d: &str| d.is_empty() || d == "." || d.eq_ignore_ascii_case(&self.info.computer_name);
        self.credentials.iter().any(|c| {
            c.user.eq_ignore_ascii_case(user.trim())
                && c.password == password
                && (c.domain.eq_ignore_ascii_case(domain.trim())
                    || (local(&c.domain) && local(domain.trim())))
        })
    }

    /// Runs one line typed at the prompt of a channel whose state is `shell`.
    pub fn exec(&mut self, shell: &mut ShellState, line: &str) -> ExecResult {
        if shell.user.is_empty() {
            shell.user = self
                .credentials
                .first()
                .map(|c| c.user.clone())
                .unwrap_or_else(|| "Administrator".into());
        }
        let mode = shell.mode;
        let result = match shell.mode {
            ShellMode::Cmd => shell::run_line(&mut self.state, shell, line),
            ShellMode::PowerShell => {
                let mut r = powershell::exec_line(&mut self.state, shell, line, &shell::Cmd);
                if r.effect == Effect::ExitShell {
                    shell.mode = ShellMode::Cmd;
                    r.effect = Effect::None;
                }
                r
            }
        };
        if result.delay_ms != u64::MAX {
            self.state.clock.advance(result.delay_ms);
        }
        self.journal.record(line, mode, result.exit_code, self.state.boot_count);
        result
    }

    pub fn info(&self) -> MachineInfo {
        self.info.clone()
    }

    /// Running processes (SAC `t`).
    pub fn processes(&self) -> Vec<state::Process> {
        self.state.processes.clone()
    }

    /// Ends a process (SAC `k`); false when there is no such process or it cannot be ended.
    pub fn kill(&mut self, pid: u32) -> bool {
        self.state.kill(pid)
    }

    /// Seconds since the last boot (SAC `id`: "Time since last reboot").
    pub fn uptime_secs(&self) -> u64 {
        self.state.clock.uptime_ms / 1000
    }

    /// Makes the OS build agree with a SAC output profile (e.g. Server 2022: `"20348"`, 2849,
    /// `"Windows Server 2022 Datacenter"`): `ver`, the registry's CurrentVersion and [`MachineInfo`].
    pub fn set_os_build(&mut self, build: &str, ubr: u32, product: &str) {
        let key = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
        let r = &mut self.state.registry;
        r.set(key, "CurrentBuild", state::RegValue::Sz(build.to_string()));
        r.set(key, "CurrentBuildNumber", state::RegValue::Sz(build.to_string()));
        r.set(key, "UBR", state::RegValue::Dword(ubr));
        r.set(key, "ProductName", state::RegValue::Sz(product.to_string()));
        self.info.build = build.to_string();
        self.info.product = product.to_string();
    }

    /// IPv4 address, subnet mask and gateway of the first NIC (SAC `i`).
    pub fn nics(&self) -> Vec<(String, String, String)> {
        vec![(self.state.ip.clone(), self.state.subnet.clone(), self.state.gateway.clone())]
    }
}

fn default_credentials(doc: &toml::Table) -> Vec<Credential> {
    doc.get("credentials").and_then(|v| v.clone().try_into().ok()).unwrap_or_default()
}
