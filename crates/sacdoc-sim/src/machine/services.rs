//! The service control manager's view: each service's configuration (as loaded from the registry
//! at boot, as real SCM caches it) and its run state. Starting and stopping live on
//! [`super::state::WinState`] because they change processes and sockets too.

/// How a service starts (`Start` under its registry key; `DelayedAutostart` adds the delay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartType {
    Boot,
    System,
    Auto,
    DelayedAuto,
    Demand,
    Disabled,
}

impl StartType {
    /// The registry `Start` number.
    pub fn code(self) -> u32 {
        match self {
            StartType::Boot => 0,
            StartType::System => 1,
            StartType::Auto | StartType::DelayedAuto => 2,
            StartType::Demand => 3,
            StartType::Disabled => 4,
        }
    }

    /// From the registry `Start` number and `DelayedAutostart` flag.
    pub fn from_code(code: u32, delayed: bool) -> StartType {
        match code {
            0 => StartType::Boot,
            1 => StartType::System,
            2 if delayed => StartType::DelayedAuto,
            2 => StartType::Auto,
            4 => StartType::Disabled,
            _ => StartType::Demand,
        }
    }

    /// `sc qc` START_TYPE text (`2   AUTO_START  (DELAYED)`).
    pub fn sc_text(self) -> String {
        match self {
            StartType::Boot => "0   BOOT_START".into(),
            StartType::System => "1   SYSTEM_START".into(),
            StartType::Auto => "2   AUTO_START".into(),
            StartType::DelayedAuto => "2   AUTO_START  (DELAYED)".into(),
            StartType::Demand => "3   DEMAND_START".into(),
            StartType::Disabled => "4   DISABLED".into(),
        }
    }

    /// `sc config start=` words.
    pub fn from_sc_word(word: &str) -> Option<StartType> {
        Some(match word.to_ascii_lowercase().as_str() {
            "boot" => StartType::Boot,
            "system" => StartType::System,
            "auto" => StartType::Auto,
            "delayed-auto" => StartType::DelayedAuto,
            "demand" => StartType::Demand,
            "disabled" => StartType::Disabled,
            _ => return None,
        })
    }

    /// PowerShell's StartType names.
    pub fn ps_name(self) -> &'static str {
        match self {
            StartType::Boot => "Boot",
            StartType::System => "System",
            StartType::Auto | StartType::DelayedAuto => "Automatic",
            StartType::Demand => "Manual",
            StartType::Disabled => "Disabled",
        }
    }
}

/// Run state, numbered as `sc query` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SvcState {
    Stopped,
    StartPending,
    StopPending,
    Running,
}

impl SvcState {
    pub fn code(self) -> u32 {
        match self {
            SvcState::Stopped => 1,
            SvcState::StartPending => 2,
            SvcState::StopPending => 3,
            SvcState::Running => 4,
        }
    }
    pub fn word(self) -> &'static str {
        match self {
            SvcState::Stopped => "STOPPED",
            SvcState::StartPending => "START_PENDING",
            SvcState::StopPending => "STOP_PENDING",
            SvcState::Running => "RUNNING",
        }
    }
    /// PowerShell's Status names.
    pub fn ps_name(self) -> &'static str {
        match self {
            SvcState::Stopped => "Stopped",
            SvcState::StartPending => "StartPending",
            SvcState::StopPending => "StopPending",
            SvcState::Running => "Running",
        }
    }
}

/// A service control failure, with the Win32 code `sc` prints after `FAILED`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScError {
    #[error("The specified service does not exist as an installed service.")]
    NoSuchService,
    #[error("An instance of the service is already running.")]
    AlreadyRunning,
    #[error("The service has not been started.")]
    NotActive,
    #[error(
        "The service cannot be started, either because it is disabled or because it has no \
         enabled devices associated with it."
    )]
    Disabled,
    #[error(
        "A stop control has been sent to a service that other running services are dependent on."
    )]
    DependentsRunning,
    #[error("The dependency service or group failed to start.")]
    DependencyFailed,
    #[error("The requested control is not valid for this service.")]
    NotStoppable,
    #[error("The service did not respond to the start or control request in a timely fashion.")]
    Timeout,
    #[error("Access is denied.")]
    AccessDenied,
}

impl ScError {
    /// The Win32 error code.
    pub fn code(&self) -> u32 {
        match self {
            ScError::NoSuchService => 1060,
            ScError::AlreadyRunning => 1056,
            ScError::NotActive => 1062,
            ScError::Disabled => 1058,
            ScError::DependentsRunning => 1051,
            ScError::DependencyFailed => 1068,
            ScError::NotStoppable => 1052,
            ScError::Timeout => 1053,
            ScError::AccessDenied => 5,
        }
    }
}

/// One service: configuration as SCM holds it, and run state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub display_name: String,
    /// 0x10 own process, 0x20 share process, 0x1 kernel driver.
    pub service_type: u32,
    pub start: StartType,
    pub error_control: u32,
    pub image_path: String,
    pub account: String,
    pub depends_on: Vec<String>,
    pub description: String,
    /// Listening endpoints it opens when running: `tcp 0.0.0.0:3389`, `udp [::]:3389`;
    /// `{rdp}` stands for the RDP-Tcp `PortNumber`.
    pub listen: Vec<String>,
    /// Services that share one svchost process name the same host group; empty: own process.
    pub host: String,
    /// Whether `sc stop` is accepted.
    pub stoppable: bool,
    /// A simulated start failure (Win32 code), for scenarios.
    pub fail_start: Option<u32>,
    pub state: SvcState,
    pub pid: u32,
    pub exit_code: u32,
}

/// All services, in boot (registry) order.
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub list: Vec<Service>,
}

impl Services {
    /// A service by name (case-insensitive). Display names are not matched, as in SCM.
    pub fn get(&self, name: &str) -> Option<&Service> {
        self.list.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Service> {
        self.list.iter_mut().find(|s| s.name.eq_ignore_ascii_case(name))
    }
    /// A service by display name (case-insensitive), for `Get-Service -DisplayName`.
    pub fn by_display_name(&self, display: &str) -> Option<&Service> {
        self.list.iter().find(|s| s.display_name.eq_ignore_ascii_case(display))
    }
    /// Names of the services that depend on `name` directly.
    pub fn dependents(&self, name: &str) -> Vec<String> {
        self.list
            .iter()
            .filter(|s| s.depends_on.iter().any(|d| d.eq_ignore_ascii_case(name)))
            .map(|s| s.name.clone())
            .collect()
    }
    /// Running services hosted by `pid`.
    pub fn hosted_by(&self, pid: u32) -> Vec<String> {
        self.list
            .iter()
            .filter(|s| s.pid == pid && s.state == SvcState::Running && pid != 0)
            .map(|s| s.name.clone())
            .collect()
    }
}
