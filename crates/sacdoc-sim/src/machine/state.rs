//! The whole simulated Windows state, and the operations that change several parts of it at once:
//! starting and stopping services (processes, sockets), killing processes, group policy, boot.
//!
//! The parts live in their own modules and are re-exported here so other simulator files can
//! `use super::state::{WinState, Registry, RegValue, ...}`.

use std::collections::BTreeMap;

pub use super::bcd::{BcdEntry, BcdStore};
pub use super::clock::Clock;
pub use super::net::{ListenSpec, Process, Proto, Rng, Socket, TcpState};
pub use super::registry::{Hive, RegValue, Registry};
pub use super::services::{ScError, Service, Services, StartType, SvcState};

/// Where the RDP listener's port is configured.
pub const RDP_TCP_KEY: &str =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp";
/// Where services are configured.
pub const SERVICES_KEY: &str = "HKLM\\SYSTEM\\CurrentControlSet\\Services";

/// A registry value a domain Group Policy sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyValue {
    pub key: String,
    pub name: String,
    pub value: RegValue,
}

/// Domain Group Policy: the values it re-applies at boot and on `gpupdate /force` while the
/// Group Policy Client service (gpsvc) runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupPolicy {
    /// The AD domain; empty when the VM is not domain-joined (no domain policy).
    pub domain: String,
    /// The GPO's display name, for `gpresult /r`.
    pub gpo_name: String,
    pub values: Vec<PolicyValue>,
    /// How many times policy was applied (boot or gpupdate), for tests and `gpresult`.
    pub applied_count: u32,
}

/// Behaviours the references do not settle, chosen per scenario (`[quirks]`). Each field is a
/// GUESS about real Windows; the default is the simulator's best guess.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct Quirks {
    /// `sc query` of a share-process service alone in its (split) svchost prints `30  WIN32`
    /// (seen in a capture from a running system) instead of `20  WIN32_SHARE_PROCESS`.
    pub share_service_type_30: bool,
    /// How reg.exe's `(Yes/No)?` prompts are answered when nothing is typed on the line:
    /// `false` = No (the operation is canceled), `true` = Yes.
    pub prompts_answer_yes: bool,
    /// `mode con cols= lines=` clears the screen (conhost recreates its buffer).
    pub mode_clears_screen: bool,
    /// Milliseconds `makecab` takes to start and compress a file.
    /// GUESS: unmeasured; makecab is a small native tool without .NET's start-up.
    pub makecab_ms: u64,
    /// Programs this VM lacks (lower case, without `.exe`), e.g. `makecab` on a trimmed image:
    /// typing one gives cmd's "is not recognized" error.
    pub missing_tools: Vec<String>,
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            share_service_type_30: true,
            prompts_answer_yes: false,
            mode_clears_screen: false,
            makecab_ms: 150,
            missing_tools: Vec::new(),
        }
    }
}

/// A process that runs from boot regardless of services (System, lsass, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticProcess {
    pub process: Process,
    pub listen: Vec<String>,
}

/// A recorded system event (what the Event Log would show), e.g. a listener that failed to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysEvent {
    pub unix: i64,
    pub source: String,
    pub message: String,
}

/// Everything the simulated commands read and change.
#[derive(Debug, Clone, Default)]
pub struct WinState {
    /// Files, directories and their ACLs (drives C: and, on the recovery VM, F:).
    pub fs: super::fs::FileSystem,
    /// Certificate stores (`Cert:\LocalMachine\<store>`).
    pub certs: super::certs::CertStore,
    /// Windows Firewall rules.
    pub firewall: super::firewall::Firewall,
    pub registry: Registry,
    pub services: Services,
    pub processes: Vec<Process>,
    pub sockets: Vec<Socket>,
    pub clock: Clock,
    /// A change needs a restart to take effect (set by commands that say so).
    pub reboot_pending: bool,
    pub policy: GroupPolicy,
    /// The system boot store (`bcdedit` without `/store`).
    pub bcd: BcdStore,
    /// Other boot stores by lower-case file path (the recovery VM's `f:\boot\bcd`).
    pub bcd_files: BTreeMap<String, BcdStore>,
    /// Offline hive files by lower-case path (`f:\windows\system32\config\system`).
    pub hive_files: BTreeMap<String, Hive>,
    /// Loaded hives: lower-case mount key (`hkey_local_machine\brokensystem`) -> file path.
    pub loaded_hives: BTreeMap<String, String>,
    pub computer_name: String,
    /// The first NIC's IPv4 address, mask and gateway.
    pub ip: String,
    pub subnet: String,
    pub gateway: String,
    /// Processes started at every boot, with fixed PIDs.
    pub static_processes: Vec<StaticProcess>,
    /// Connections present after boot (e.g. a busy server's clients), attached by image name.
    pub static_connections: Vec<(String, Socket)>,
    pub events: Vec<SysEvent>,
    /// Demand-start services a trigger starts at boot (TermService on a server with RDP on).
    pub triggered: Vec<String>,
    /// The drive letter of an attached OS disk (recovery VM), e.g. `F:`.
    pub recovery_disk: Option<String>,
    /// Deterministic source of PIDs.
    pub rng_seed: u64,
    pub next_pid: u32,
    pub boot_count: u32,
    pub quirks: Quirks,
}

impl WinState {
    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The configured RDP port (`PortNumber` under RDP-Tcp), 3389 when absent.
    pub fn rdp_port(&self) -> u16 {
        self.registry
            .get_u64(RDP_TCP_KEY, "PortNumber")
            .and_then(|v| u16::try_from(v).ok())
            .unwrap_or(3389)
    }

    /// The process with this PID.
    pub fn process(&self, pid: u32) -> Option<&Process> {
        self.processes.iter().find(|p| p.pid == pid)
    }

    /// Running services hosted by this PID, in service order.
    pub fn services_of(&self, pid: u32) -> Vec<String> {
        self.services.hosted_by(pid)
    }

    fn alloc_pid(&mut self) -> u32 {
        let mut rng = Rng::new(self.rng_seed ^ u64::from(self.next_pid));
        let step = 4 * rng.range(3, 90) as u32;
        self.next_pid = self.next_pid.saturating_add(step);
        if self.next_pid > 60_000 {
            self.next_pid = 1_000;
        }
        while self.processes.iter().any(|p| p.pid == self.next_pid) {
            self.next_pid += 4;
        }
        self.next_pid
    }

    /// Writes a service's configuration to its registry key (as `sc config`/`sc create` do).
    pub fn write_service_registry(&mut self, name: &str) {
        let Some(s) = self.services.get(name).cloned() else { return };
        let key = format!("{SERVICES_KEY}\\{}", s.name);
        let r = &mut self.registry;
        r.set(&key, "Type", RegValue::Dword(s.service_type));
        r.set(&key, "Start", RegValue::Dword(s.start.code()));
        r.set(&key, "ErrorControl", RegValue::Dword(s.error_control));
        r.set(&key, "ImagePath", RegValue::ExpandSz(s.image_path.clone()));
        r.set(&key, "DisplayName", RegValue::Sz(s.display_name.clone()));
        if !s.account.is_empty() {
            r.set(&key, "ObjectName", RegValue::Sz(s.account.clone()));
        }
        if !s.depends_on.is_empty() {
            r.set(&key, "DependOnService", RegValue::MultiSz(s.depends_on.clone()));
        }
        if !s.description.is_empty() {
            r.set(&key, "Description", RegValue::Sz(s.description.clone()));
        }
        if s.start == StartType::DelayedAuto {
            r.set(&key, "DelayedAutostart", RegValue::Dword(1));
        } else {
            r.delete_value(&key, "DelayedAutostart");
        }
    }

    /// Reloads every service's configuration from the registry, as SCM does at boot.
    pub fn reload_service_config(&mut self) {
        for i in 0..self.services.list.len() {
            let key = format!("{SERVICES_KEY}\\{}", self.services.list[i].name);
            let r = &self.registry;
            let delayed = r.get_u64(&key, "DelayedAutostart") == Some(1);
            let start = r.get_u64(&key, "Start").map(|c| StartType::from_code(c as u32, delayed));
            let image = r.get(&key, "ImagePath").and_then(|v| v.as_str().map(String::from));
            let display = r.get(&key, "DisplayName").and_then(|v| v.as_str().map(String::from));
            let deps = match r.get(&key, "DependOnService") {
                Some(RegValue::MultiSz(d)) => Some(d.clone()),
                _ => None,
            };
            let s = &mut self.services.list[i];
            if let Some(v) = start {
                s.start = v;
            }
            if let Some(v) = image {
                s.image_path = v;
            }
            if let Some(v) = display {
                s.display_name = v;
            }
            if let Some(v) = deps {
                s.depends_on = v;
            }
        }
    }

    /// Starts a service and the services it depends on, as SCM does: a process (shared svchost
    /// group or its own image), then its listeners. A listener whose port is taken is not opened
    /// (the service still runs, as TermService does when another program holds its port); the
    /// failure is recorded in [`WinState::events`].
    pub fn start_service(&mut self, name: &str) -> Result<(), ScError> {
        self.start_service_depth(name, 0)
    }

    fn start_service_depth(&mut self, name: &str, depth: u32) -> Result<(), ScError> {
        let svc = self.services.get(name).cloned().ok_or(ScError::NoSuchService)?;
        if svc.state == SvcState::Running {
            return Err(ScError::AlreadyRunning);
        }
        if svc.start == StartType::Disabled {
            return Err(ScError::Disabled);
        }
        if depth > 16 {
            return Err(ScError::DependencyFailed);
        }
        for dep in &svc.depends_on {
            match self.start_service_depth(dep, depth + 1) {
                Ok(()) | Err(ScError::AlreadyRunning) => {}
                // A dependency that is a driver or group the simulator does not model counts as up.
                Err(ScError::NoSuchService) => {}
                Err(_) => return Err(ScError::DependencyFailed),
            }
        }
        if svc.fail_start.is_some() {
            return Err(ScError::Timeout);
        }
        let image = image_name(&svc.image_path);
        let pid = match self.processes.iter().find(|p| !svc.host.is_empty() && p.host == svc.host) {
            Some(p) => p.pid,
            None => {
                let pid = self.alloc_pid();
                let host = if svc.host.is_empty() { svc.name.clone() } else { svc.host.clone() };
                self.processes.push(Process {
                    pid,
                    image: image.clone(),
                    session_name: "Services".into(),
                    session: 0,
                    mem_kb: 6_000 + u64::from(pid % 7) * 1_700,
                    host,
                    ownership_visible: true,
                });
                pid
            }
        };
        let tag = image.eq_ignore_ascii_case("svchost.exe").then(|| svc.name.clone());
        self.bind_all(&svc.listen, pid, tag, &svc.name);
        if let Some(s) = self.services.get_mut(name) {
            s.state = SvcState::Running;
            s.pid = pid;
            s.exit_code = 0;
        }
        if svc.name.eq_ignore_ascii_case("gpsvc") && self.boot_in_progress() {
            self.apply_policy();
        }
        if ["TermService", "SessionEnv"].iter().any(|n| n.eq_ignore_ascii_case(&svc.name)) {
            super::certs::ensure_rdp_certificate(self);
        }
        Ok(())
    }

    fn boot_in_progress(&self) -> bool {
        self.clock.uptime_ms == 0
    }

    /// Opens listeners; a port already taken (same protocol, overlapping address) is skipped for
    /// every address of that port, and an event names the owner.
    fn bind_all(&mut self, specs: &[String], pid: u32, tag: Option<String>, owner: &str) {
        let rdp = self.rdp_port();
        let ip = self.ip.clone();
        let parsed: Vec<ListenSpec> =
            specs.iter().filter_map(|s| super::net::parse_listen(s, rdp, &ip)).collect();
        let taken: Vec<(Proto, u16)> = parsed
            .iter()
            .filter(|l| self.sockets.iter().any(|s| s.collides(l.proto, &l.addr, l.port)))
            .map(|l| (l.proto, l.port))
            .collect();
        for l in parsed {
            if taken.contains(&(l.proto, l.port)) {
                let holder = self
                    .sockets
                    .iter()
                    .find(|s| s.collides(l.proto, &l.addr, l.port))
                    .map(|s| s.pid)
                    .unwrap_or(0);
                let message = format!(
                    "{owner} could not listen on {}:{} ({:?}): the port is in use by PID {holder}.",
                    l.addr, l.port, l.proto
                );
                let unix = self.now();
                if !self.events.iter().any(|e| e.message == message) {
                    self.events.push(SysEvent { unix, source: owner.to_string(), message });
                }
                continue;
            }
            let (remote_addr, state) = match (l.proto, l.addr.starts_with('[')) {
                (Proto::Udp, _) => ("*".to_string(), TcpState::None),
                (Proto::Tcp, true) => ("[::]".to_string(), TcpState::Listening),
                (Proto::Tcp, false) => ("0.0.0.0".to_string(), TcpState::Listening),
            };
            self.sockets.push(Socket {
                proto: l.proto,
                local_addr: l.addr,
                local_port: l.port,
                remote_addr,
                remote_port: 0,
                state,
                pid,
                service: tag.clone(),
            });
        }
    }

    /// Stops a service. With `force`, running dependents are stopped first (as
    /// `Stop-Service -Force`); without it they make the stop fail (`sc stop`: 1051).
    /// Returns the names stopped, dependents first.
    pub fn stop_service(&mut self, name: &str, force: bool) -> Result<Vec<String>, ScError> {
        let svc = self.services.get(name).cloned().ok_or(ScError::NoSuchService)?;
        if svc.state != SvcState::Running {
            return Err(ScError::NotActive);
        }
        if !svc.stoppable {
            return Err(ScError::NotStoppable);
        }
        let running_deps: Vec<String> = self
            .services
            .dependents(&svc.name)
            .into_iter()
            .filter(|d| self.services.get(d).is_some_and(|s| s.state == SvcState::Running))
            .collect();
        let mut stopped = Vec::new();
        if !running_deps.is_empty() {
            if !force {
                return Err(ScError::DependentsRunning);
            }
            for d in running_deps {
                if let Ok(mut more) = self.stop_service(&d, true) {
                    stopped.append(&mut more);
                }
            }
        }
        self.mark_stopped(&svc.name, 0);
        stopped.push(svc.name.clone());
        Ok(stopped)
    }

    /// Marks a service stopped, closes its sockets and ends its process when nothing else runs in it.
    fn mark_stopped(&mut self, name: &str, exit_code: u32) {
        let Some(s) = self.services.get_mut(name) else { return };
        let pid = s.pid;
        s.state = SvcState::Stopped;
        s.pid = 0;
        s.exit_code = exit_code;
        let svc_name = s.name.clone();
        let own = self.services.hosted_by(pid).is_empty();
        self.sockets.retain(|k| {
            !(k.pid == pid
                && (own || k.service.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(&svc_name))))
        });
        if own {
            self.processes.retain(|p| p.pid != pid);
            self.sockets.retain(|k| k.pid != pid);
        }
    }

    /// Ends a process (SAC `k`, `taskkill`): its sockets close and its services stop with exit
    /// code 1067 (`The process terminated unexpectedly.`). False when there is no such process.
    pub fn kill(&mut self, pid: u32) -> bool {
        if pid == 0 || pid == 4 || self.process(pid).is_none() {
            return false;
        }
        for name in self.services.hosted_by(pid) {
            if let Some(s) = self.services.get_mut(&name) {
                s.state = SvcState::Stopped;
                s.pid = 0;
                s.exit_code = 1067;
            }
        }
        self.processes.retain(|p| p.pid != pid);
        self.sockets.retain(|k| k.pid != pid);
        true
    }

    /// Whether Group Policy processing runs (the gpsvc service is running).
    pub fn group_policy_running(&self) -> bool {
        self.services.get("gpsvc").is_some_and(|s| s.state == SvcState::Running)
    }

    /// Applies the domain policy's registry values (boot and `gpupdate /force`).
    pub fn apply_policy(&mut self) {
        if self.policy.domain.is_empty() {
            return;
        }
        for v in self.policy.values.clone() {
            self.registry.set(&v.key, &v.name, v.value);
        }
        self.policy.applied_count += 1;
    }

    /// Boots the machine: processes and listeners from scratch, services by start type (automatic
    /// first, then delayed automatic), domain policy re-applied when gpsvc starts.
    pub fn boot(&mut self) {
        if self.boot_count > 0 {
            // A restart takes about a minute of simulated time.
            self.clock.reboot(60_000);
        }
        self.processes.clear();
        self.sockets.clear();
        self.boot_count += 1;
        self.clock.uptime_ms = 0;
        self.next_pid = 1_000 + (self.rng_seed % 97) as u32 * 4;
        self.reload_service_config();
        for s in &mut self.services.list {
            s.state = SvcState::Stopped;
            s.pid = 0;
            // ERROR_SERVICE_NEVER_STARTED for what stays stopped because it is disabled.
            s.exit_code = if s.start == StartType::Disabled { 1077 } else { 0 };
        }
        for sp in self.static_processes.clone() {
            self.processes.push(sp.process.clone());
            self.bind_all(&sp.listen, sp.process.pid, None, &sp.process.image);
        }
        for (image, sock) in self.static_connections.clone() {
            let pid = if sock.state == TcpState::TimeWait {
                0
            } else {
                self.processes
                    .iter()
                    .find(|p| p.image.eq_ignore_ascii_case(&image))
                    .map_or(0, |p| p.pid)
            };
            self.sockets.push(Socket { pid, ..sock });
        }
        for pass in [StartType::Auto, StartType::Demand, StartType::DelayedAuto] {
            let names: Vec<String> = self
                .services
                .list
                .iter()
                .filter(|s| s.start == pass)
                .filter(|s| {
                    pass != StartType::Demand
                        || self.triggered.iter().any(|t| t.eq_ignore_ascii_case(&s.name))
                })
                .map(|s| s.name.clone())
                .collect();
            for n in names {
                match self.start_service(&n) {
                    Ok(()) | Err(ScError::AlreadyRunning) => {}
                    Err(e) => {
                        let unix = self.now();
                        self.events.push(SysEvent {
                            unix,
                            source: "Service Control Manager".into(),
                            message: format!("The {n} service failed to start: {e}"),
                        });
                    }
                }
            }
        }
        self.clock.advance(45_000);
        self.reboot_pending = false;
    }
}

/// The executable name of an image path: `%SystemRoot%\System32\svchost.exe -k netsvcs -p` ->
/// `svchost.exe`; `"C:\Program Files\A B\x.exe" /run` -> `x.exe`.
pub fn image_name(image_path: &str) -> String {
    let p = image_path.trim();
    let exe = match p.strip_prefix('"') {
        Some(rest) => rest.split('"').next().unwrap_or(rest),
        None => {
            let lower = p.to_ascii_lowercase();
            match lower.find(".exe") {
                Some(i) => &p[..i + 4],
                None => p.split(' ').next().unwrap_or(p),
            }
        }
    };
    exe.rsplit(['\\', '/']).next().unwrap_or(exe).to_string()
}
