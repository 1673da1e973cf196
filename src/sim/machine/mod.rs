//! The simulated Windows machine: its state (registry, services, processes, listeners, ACLs,
//! certificates, firewall, group policy, boot configuration), the scenarios that describe it, and
//! cmd.exe / PowerShell one-liners that read and change it.
//!
//! STUB: owned by the simulated-machine work. The signatures are the contract the SAC driver uses.

pub mod certs;
pub mod firewall;
pub mod fs;
pub mod powershell;
pub mod state;

/// A login account of the scenario.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Credential {
    pub user: String,
    #[serde(default)]
    pub domain: String,
    pub password: String,
}

/// A scenario: a readable data file describing one VM.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub credentials: Vec<Credential>,
    /// SAC-level settings (event delays, failures, texts); owned by the SAC driver.
    pub sac: crate::sim::sac::SacSettings,
}

/// Names of the built-in scenarios.
pub fn scenario_names() -> Vec<&'static str> {
    Vec::new()
}

/// Loads a built-in scenario by name.
pub fn load_scenario(name: &str) -> Result<Scenario, String> {
    Err(format!("unknown scenario {name:?}"))
}

/// Which interpreter reads the next line of a cmd channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellMode {
    Cmd,
    PowerShell,
}

/// Per-channel shell state: the current directory, cmd or an interactive PowerShell, console size.
#[derive(Debug, Clone)]
pub struct ShellState {
    pub cwd: String,
    pub mode: ShellMode,
    pub cols: u16,
    pub lines: u16,
}

impl Default for ShellState {
    fn default() -> Self {
        ShellState {
            cwd: "C:\\Windows\\system32".into(),
            mode: ShellMode::Cmd,
            cols: 80,
            lines: 24,
        }
    }
}

impl ShellState {
    /// The prompt cmd.exe (or PowerShell) prints before reading a line, e.g. `C:\Windows\system32>`.
    pub fn prompt(&self) -> String {
        match self.mode {
            ShellMode::Cmd => format!("{}>", self.cwd),
            ShellMode::PowerShell => format!("PS {}> ", self.cwd),
        }
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
pub struct Machine {}

impl Machine {
    pub fn new(_scenario: &Scenario) -> Machine {
        Machine {}
    }
    /// Boot: start services by start type, re-apply domain policy when group policy runs.
    pub fn boot(&mut self) {}
    pub fn check_login(&self, _user: &str, _domain: &str, _password: &str) -> bool {
        false
    }
    /// Runs one line typed at the prompt of a channel whose state is `shell`.
    pub fn exec(&mut self, _shell: &mut ShellState, line: &str) -> ExecResult {
        ExecResult {
            output: format!("'{line}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"),
            exit_code: 9009,
            effect: Effect::None,
            paged: false,
            delay_ms: 0,
        }
    }
    pub fn info(&self) -> MachineInfo {
        MachineInfo {
            computer_name: String::new(),
            guid: String::new(),
            architecture: "AMD64".into(),
            build: String::new(),
            product: String::new(),
            service_pack: "None".into(),
            version: "10.0".into(),
        }
    }
}
