//! Scenario files: `scenarios/base.toml` (a healthy Windows Server 2019 Datacenter, build 17763)
//! merged with one `scenarios/NAME.toml` that overrides it, and the [`WinState`] built from them.
//!
//! Merge rules: tables merge key by key (a scenario's `[services.TermService]` changes only the
//! fields it names); arrays replace, except `[[processes]]`, which the scenario appends to.
//! `[registry.'KEY']` tables are applied base first, then scenario, so a value set twice ends with
//! the scenario's. The `[filesystem]`, `[[certificates]]` and `[firewall]` sections belong to the
//! file-system/certificate/firewall modules: `[filesystem]` deserializes into `FsSpec` (the
//! attached OS disk's drive taken from `[recovery] disk`) and builds the `FileSystem`,
//! `[firewall]` into `Firewall`, and a table `{ certificates = [...] }` into `CertStore`.

use serde::Deserialize;
use toml::{Table, Value};

use super::bcd::{BcdSpec, BcdStore};
use super::fs::{FileSystem, FsSpec};
use super::net::{Process, Proto, Rng, Socket, TcpState};
use super::registry::{Hive, RegValue, Registry};
use super::services::{Service, StartType, SvcState};
use super::state::{GroupPolicy, PolicyValue, StaticProcess, WinState};

/// The base every scenario starts from.
pub const BASE: &str = include_str!("../../../../scenarios/base.toml");

/// Built-in scenarios: (name, file text).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("healthy", include_str!("../../../../scenarios/healthy.toml")),
    ("port-conflict", include_str!("../../../../scenarios/port-conflict.toml")),
    ("cert-expired", include_str!("../../../../scenarios/cert-expired.toml")),
    ("machinekeys-acl", include_str!("../../../../scenarios/machinekeys-acl.toml")),
    ("tls-disabled", include_str!("../../../../scenarios/tls-disabled.toml")),
    ("gpo-reverts-tls", include_str!("../../../../scenarios/gpo-reverts-tls.toml")),
    ("busy-server", include_str!("../../../../scenarios/busy-server.toml")),
    ("recovery-vm", include_str!("../../../../scenarios/recovery-vm.toml")),
    ("cert-hash-missing", include_str!("../../../../scenarios/cert-hash-missing.toml")),
    ("termservice-disabled", include_str!("../../../../scenarios/termservice-disabled.toml")),
    ("firewall-port-mismatch", include_str!("../../../../scenarios/firewall-port-mismatch.toml")),
    (
        "tls12-disabled-by-default",
        include_str!("../../../../scenarios/tls12-disabled-by-default.toml"),
    ),
    ("decoy-nearby-port", include_str!("../../../../scenarios/decoy-nearby-port.toml")),
    ("security-layer-zero", include_str!("../../../../scenarios/security-layer-zero.toml")),
    ("gpsvc-disabled-earlier", include_str!("../../../../scenarios/gpsvc-disabled-earlier.toml")),
    ("port-conflict-and-tls", include_str!("../../../../scenarios/port-conflict-and-tls.toml")),
    ("machinekeys-and-tls", include_str!("../../../../scenarios/machinekeys-and-tls.toml")),
    ("gpo-paused-halfway", include_str!("../../../../scenarios/gpo-paused-halfway.toml")),
    ("firewall-rule-disabled", include_str!("../../../../scenarios/firewall-rule-disabled.toml")),
    ("cert-key-missing", include_str!("../../../../scenarios/cert-key-missing.toml")),
];

/// Deep-merges `over` into `base` (see the module docs for the rules).
pub fn merge(base: &mut Table, over: &Table, top: bool) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o, false),
            (Some(Value::Array(b)), Value::Array(o)) if top && k == "processes" => {
                b.extend(o.iter().cloned())
            }
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Why a scenario cannot be loaded: the name or file, or what in it is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("no built-in scenario named {name:?} (known: {known})")]
    Unknown { name: String, known: String },
    #[error("cannot read scenario file {0:?}")]
    Unreadable(String),
    /// Not valid TOML; `file` names it (`scenarios/base.toml`, `scenario file`).
    #[error("{file}")]
    Toml {
        file: &'static str,
        #[source]
        source: toml::de::Error,
    },
    /// A part of the document does not have the expected shape; `section` names it as the file
    /// does (`[recovery]`, `[services.TermService]`, `[[credentials]]`).
    #[error("{section}")]
    Section {
        section: String,
        #[source]
        source: toml::de::Error,
    },
    /// Something wrong in a part of the document: `at` names the part (a registry value's
    /// `KEY\NAME`, `[filesystem]`).
    #[error("{at}")]
    In {
        at: String,
        #[source]
        source: Box<ScenarioError>,
    },
    #[error(transparent)]
    Filesystem(#[from] super::fs::FsSpecError),
    #[error(transparent)]
    RegistryValue(#[from] super::registry::RegTypeError),
    /// A value the simulator cannot use; the message says which and what to write instead.
    #[error("{0}")]
    Invalid(String),
}

impl ScenarioError {
    fn section(section: impl Into<String>) -> impl FnOnce(toml::de::Error) -> ScenarioError {
        let section = section.into();
        move |source| ScenarioError::Section { section, source }
    }

    fn at(at: impl Into<String>) -> impl FnOnce(ScenarioError) -> ScenarioError {
        let at = at.into();
        move |e| ScenarioError::In { at, source: Box::new(e) }
    }
}

/// Parses base + scenario text into one merged document.
pub fn merged_doc(scenario_text: &str) -> Result<Table, ScenarioError> {
    let mut base: Table = BASE
        .parse()
        .map_err(|source| ScenarioError::Toml { file: "scenarios/base.toml", source })?;
    let over: Table = scenario_text
        .parse()
        .map_err(|source| ScenarioError::Toml { file: "scenario file", source })?;
    merge(&mut base, &over, true);
    Ok(base)
}

/// `[machine]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MachineSpec {
    pub computer_name: String,
    pub guid: String,
    pub build: String,
    pub ubr: u32,
    pub product: String,
    pub boot_time: String,
    pub seed: u64,
    pub ip: String,
    pub subnet: String,
    pub gateway: String,
}

impl Default for MachineSpec {
    fn default() -> Self {
        MachineSpec {
            computer_name: "WINSRV2019".into(),
            guid: "6f8b1c3e-2a4d-4e7b-9c1a-3d5e7f9a0b2c".into(),
            build: "17763".into(),
            ubr: 6893,
            product: "Windows Server 2019 Datacenter".into(),
            boot_time: "2026-01-15T08:00:00Z".into(),
            seed: 2019,
            ip: "10.0.0.4".into(),
            subnet: "255.255.255.0".into(),
            gateway: "10.0.0.1".into(),
        }
    }
}

/// `[services.NAME]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct ServiceSpec {
    display: String,
    image: String,
    #[serde(rename = "type")]
    kind: String,
    start: String,
    /// Started at boot by a trigger although its start type is demand (TermService on Server).
    trigger: bool,
    account: String,
    depends: Vec<String>,
    description: String,
    listen: Vec<String>,
    host: String,
    stoppable: bool,
    fail_start: bool,
}

impl Default for ServiceSpec {
    fn default() -> Self {
        ServiceSpec {
            display: String::new(),
            image: String::new(),
            kind: "share".into(),
            start: "demand".into(),
            trigger: false,
            account: "LocalSystem".into(),
            depends: Vec::new(),
            description: String::new(),
            listen: Vec::new(),
            host: String::new(),
            stoppable: true,
            fail_start: false,
        }
    }
}

/// `[[processes]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct ProcessSpec {
    pid: u32,
    image: String,
    session: u32,
    mem_kb: u64,
    ownership: bool,
    listen: Vec<String>,
    /// Services whose `host` names this group run inside this process (lsass).
    host: String,
}

impl Default for ProcessSpec {
    fn default() -> Self {
        ProcessSpec {
            pid: 0,
            image: String::new(),
            session: 0,
            mem_kb: 4_000,
            ownership: true,
            listen: Vec::new(),
            host: String::new(),
        }
    }
}

/// `[bcd]` and `[recovery.bcd]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct BcdToml {
    ems: bool,
    bootems: bool,
    timeout: u32,
}

impl Default for BcdToml {
    fn default() -> Self {
        BcdToml { ems: true, bootems: true, timeout: 30 }
    }
}

/// `[connections]`: generated established/TIME_WAIT rows (a busy server).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct ConnSpec {
    count: u32,
    seed: u64,
    local_ports: Vec<u16>,
    image: String,
    time_wait_percent: u32,
}

impl Default for ConnSpec {
    fn default() -> Self {
        ConnSpec {
            count: 0,
            seed: 1,
            local_ports: vec![443],
            image: "System".into(),
            time_wait_percent: 30,
        }
    }
}

/// `[recovery]`: an OS disk attached to this (recovery) VM.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
struct RecoverySpec {
    disk: String,
    bcd: BcdToml,
    /// Overrides in the attached disk's SYSTEM hive, keys relative to the hive root; each applies
    /// to both ControlSet001 and ControlSet002 when written as `CurrentControlSet\...`.
    system: Table,
}

/// Converts a TOML value into a registry value: integer -> REG_DWORD (REG_QWORD when large),
/// string -> REG_SZ, array of strings -> REG_MULTI_SZ, `{ type = "REG_x", data = "..." }` ->
/// that type, `{ delete = true }` -> `None` (delete the value).
pub fn reg_value(v: &Value) -> Result<Option<RegValue>, ScenarioError> {
    Ok(Some(match v {
        Value::Integer(i) if *i >= 0 && *i <= i64::from(u32::MAX) => RegValue::Dword(*i as u32),
        Value::Integer(i) => RegValue::Qword(*i as u64),
        Value::String(s) => RegValue::Sz(s.clone()),
        Value::Array(a) => RegValue::MultiSz(
            a.iter().map(|x| x.as_str().unwrap_or_default().to_string()).collect(),
        ),
        Value::Table(t) => {
            if t.get("delete").and_then(Value::as_bool) == Some(true) {
                return Ok(None);
            }
            let ty = t
                .get("type")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("a registry value table needs `type`"))?;
            let data = match t.get("data") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Integer(i)) => i.to_string(),
                Some(Value::Array(a)) => {
                    a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\u{0}")
                }
                _ => String::new(),
            };
            RegValue::parse_typed(ty, &data, "\u{0}")?
        }
        other => return Err(invalid(format!("unsupported registry value {other}"))),
    }))
}

fn invalid(message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid(message.into())
}

fn apply_registry(reg: &mut Registry, table: &Table, prefix: &str) -> Result<(), ScenarioError> {
    for (key, values) in table {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}\\{key}") };
        let Value::Table(vals) = values else {
            return Err(invalid(format!("registry key {key:?} must be a table")));
        };
        reg.create_key(&full);
        for (name, v) in vals {
            let name = if name == "(Default)" { "" } else { name.as_str() };
            match reg_value(v).map_err(ScenarioError::at(format!("{full}\\{name}")))? {
                Some(rv) => reg.set(&full, name, rv),
                None => reg.delete_value(&full, name),
            };
        }
    }
    Ok(())
}

fn get<T: for<'de> Deserialize<'de> + Default>(doc: &Table, key: &str) -> Result<T, ScenarioError> {
    match doc.get(key) {
        Some(v) => v.clone().try_into().map_err(ScenarioError::section(format!("[{key}]"))),
        None => Ok(T::default()),
    }
}

/// Builds the machine state a merged scenario document describes (not yet booted).
pub fn build_state(doc: &Table) -> Result<WinState, ScenarioError> {
    let m: MachineSpec = get(doc, "machine")?;
    let mut st = WinState {
        computer_name: m.computer_name.clone(),
        ip: m.ip.clone(),
        subnet: m.subnet.clone(),
        gateway: m.gateway.clone(),
        rng_seed: m.seed,
        ..Default::default()
    };
    if let Some(t) = super::clock::parse_iso(&m.boot_time) {
        st.clock.boot_unix = t;
    }
    build_services(&mut st, doc)?;
    if let Some(Value::Table(reg)) = doc.get("registry") {
        apply_registry(&mut st.registry, reg, "")?;
    }
    let names: Vec<String> = st.services.list.iter().map(|s| s.name.clone()).collect();
    for n in names {
        st.write_service_registry(&n);
    }
    // Values that come from the machine facts.
    st.registry.set(
        "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName",
        "ComputerName",
        RegValue::Sz(m.computer_name.clone()),
    );
    for p in get::<Vec<ProcessSpec>>(doc, "processes")? {
        // A scenario's process with a base PID adds listeners to it (e.g. HTTP.sys on System).
        if let Some(existing) = st.static_processes.iter_mut().find(|s| s.process.pid == p.pid) {
            existing.listen.extend(p.listen);
            continue;
        }
        st.static_processes.push(StaticProcess {
            process: Process {
                pid: p.pid,
                session_name: if p.session == 0 { "Services".into() } else { "Console".into() },
                session: p.session,
                mem_kb: p.mem_kb,
                host: p.host,
                ownership_visible: p.ownership,
                image: p.image,
            },
            listen: p.listen,
        });
    }
    st.quirks = get(doc, "quirks")?;
    build_connections(&mut st, doc, &m)?;
    build_policy(&mut st, doc)?;
    let b: BcdToml = get(doc, "bcd")?;
    st.bcd = BcdStore::windows_server(
        BcdSpec { ems: b.ems, bootems: b.bootems, timeout: b.timeout, seed: m.seed },
        true,
    );
    build_recovery(&mut st, doc, &m)?;
    st.fs = build_filesystem(doc, st.recovery_disk.clone())?;
    // Key container names in MachineKeys end in this GUID; keep the registry in step.
    if !st.fs.machine_guid.is_empty() {
        let guid = st.fs.machine_guid.clone();
        st.registry.set(
            "HKLM\\SOFTWARE\\Microsoft\\Cryptography",
            "MachineGuid",
            RegValue::Sz(guid),
        );
    }
    if let Some(v) = doc.get("firewall") {
        st.firewall = v.clone().try_into().map_err(ScenarioError::section("[firewall]"))?;
    }
    if let Some(v) = doc.get("certificates") {
        let mut t = Table::new();
        t.insert("certificates".into(), v.clone());
        st.certs =
            Value::Table(t).try_into().map_err(ScenarioError::section("[[certificates]]"))?;
    }
    Ok(st)
}

fn build_services(st: &mut WinState, doc: &Table) -> Result<(), ScenarioError> {
    let Some(Value::Table(services)) = doc.get("services") else { return Ok(()) };
    for (name, spec) in services {
        let s: ServiceSpec = spec
            .clone()
            .try_into()
            .map_err(ScenarioError::section(format!("[services.{name}]")))?;
        let start = StartType::from_sc_word(&s.start).ok_or_else(|| {
            invalid(format!(
                "[services.{name}] start = {:?}: use auto, delayed-auto, demand, disabled",
                s.start
            ))
        })?;
        st.services.list.push(Service {
            name: name.clone(),
            display_name: if s.display.is_empty() { name.clone() } else { s.display },
            service_type: match s.kind.as_str() {
                "own" => 0x10,
                "kernel" => 0x1,
                _ => 0x20,
            },
            start,
            error_control: 1,
            image_path: s.image,
            account: s.account,
            depends_on: s.depends,
            description: s.description,
            listen: s.listen,
            host: s.host,
            stoppable: s.stoppable,
            fail_start: s.fail_start.then_some(1053),
            state: SvcState::Stopped,
            pid: 0,
            exit_code: 0,
        });
        if s.trigger {
            st.triggered.push(name.clone());
        }
    }
    Ok(())
}

fn build_connections(st: &mut WinState, doc: &Table, m: &MachineSpec) -> Result<(), ScenarioError> {
    let c: ConnSpec = get(doc, "connections")?;
    let mut rng = Rng::new(c.seed);
    for i in 0..c.count {
        let lport = *c.local_ports.get(i as usize % c.local_ports.len().max(1)).unwrap_or(&443);
        let remote = format!(
            "{}.{}.{}.{}",
            rng.range(20, 224),
            rng.range(0, 256),
            rng.range(0, 256),
            rng.range(1, 255)
        );
        let state = if rng.range(0, 100) < u64::from(c.time_wait_percent) {
            TcpState::TimeWait
        } else {
            TcpState::Established
        };
        st.static_connections.push((
            c.image.clone(),
            Socket {
                proto: Proto::Tcp,
                local_addr: m.ip.clone(),
                local_port: lport,
                remote_addr: remote,
                remote_port: rng.range(1025, 65535) as u16,
                state,
                pid: 0,
                service: None,
            },
        ));
    }
    Ok(())
}

fn build_policy(st: &mut WinState, doc: &Table) -> Result<(), ScenarioError> {
    let Some(Value::Table(p)) = doc.get("policy") else { return Ok(()) };
    let mut gp = GroupPolicy {
        domain: p.get("domain").and_then(Value::as_str).unwrap_or_default().to_string(),
        gpo_name: p
            .get("gpo")
            .and_then(Value::as_str)
            .unwrap_or("Default Domain Policy")
            .to_string(),
        ..Default::default()
    };
    if let Some(Value::Array(vals)) = p.get("values") {
        for v in vals {
            let needs = |what: &str| invalid(format!("[[policy.values]] needs {what}"));
            let key = v.get("key").and_then(Value::as_str).ok_or_else(|| needs("key"))?;
            let name = v.get("name").and_then(Value::as_str).ok_or_else(|| needs("name"))?;
            let value = v.get("value").ok_or_else(|| needs("value"))?;
            if let Some(value) = reg_value(value)? {
                gp.values.push(PolicyValue { key: key.into(), name: name.into(), value });
            }
        }
    }
    st.policy = gp;
    Ok(())
}

/// `[filesystem]` over the Server 2019 baseline. The attached OS disk's drive comes from
/// `[recovery] disk` only (one source of truth), so the drive exists exactly when the recovery
/// hive and boot store do.
fn build_filesystem(doc: &Table, attached: Option<String>) -> Result<FileSystem, ScenarioError> {
    let mut spec: FsSpec = match doc.get("filesystem") {
        Some(v) => {
            if v.get("recovery_disk").is_some() {
                return Err(invalid(
                    "[filesystem] recovery_disk: no longer read; the attached OS disk is set by \
                     [recovery] disk = \"F:\" alone (remove the line)",
                ));
            }
            v.clone().try_into().map_err(ScenarioError::section("[filesystem]"))?
        }
        None => FsSpec::default(),
    };
    spec.attached_disk = attached;
    FileSystem::try_from(spec).map_err(|e| ScenarioError::at("[filesystem]")(e.into()))
}

fn build_recovery(st: &mut WinState, doc: &Table, m: &MachineSpec) -> Result<(), ScenarioError> {
    let Some(v) = doc.get("recovery") else { return Ok(()) };
    let r: RecoverySpec = v.clone().try_into().map_err(ScenarioError::section("[recovery]"))?;
    let disk = if r.disk.is_empty() {
        "F:".to_string()
    } else {
        r.disk.trim_end_matches('\\').to_ascii_uppercase()
    };
    let b = disk.as_bytes();
    if b.len() != 2 || !b[0].is_ascii_alphabetic() || b[1] != b':' || disk == "C:" {
        return Err(invalid(format!(
            "[recovery] disk = {:?}: give the drive letter the attached OS disk has, other than C: (e.g. \"F:\")",
            r.disk
        )));
    }
    // The attached disk's SYSTEM hive: the same Windows, with ControlSet002 a copy of 001.
    let mut scratch = Registry::new();
    let hive_base = st.registry.export_subtree("HKLM\\SYSTEM");
    scratch.import_subtree("HKLM\\X", &hive_base);
    let cs1 = scratch.export_subtree("HKLM\\X\\ControlSet001");
    scratch.import_subtree("HKLM\\X\\ControlSet002", &cs1);
    scratch.set("HKLM\\X\\Select", "Current", RegValue::Dword(1));
    scratch.set("HKLM\\X\\Select", "Default", RegValue::Dword(1));
    scratch.set("HKLM\\X\\Select", "LastKnownGood", RegValue::Dword(2));
    for (key, vals) in &r.system {
        let keys: Vec<String> = match key.split_once('\\') {
            Some((first, rest)) if first.eq_ignore_ascii_case("CurrentControlSet") => {
                vec![format!("ControlSet001\\{rest}"), format!("ControlSet002\\{rest}")]
            }
            _ => vec![key.clone()],
        };
        for k in keys {
            let mut t = Table::new();
            t.insert(k, vals.clone());
            apply_registry(&mut scratch, &t, "HKLM\\X")?;
        }
    }
    let hive: Hive = scratch.export_subtree("HKLM\\X");
    st.hive_files
        .insert(format!("{}\\windows\\system32\\config\\system", disk.to_lowercase()), hive);
    let spec = BcdSpec {
        ems: r.bcd.ems,
        bootems: r.bcd.bootems,
        timeout: r.bcd.timeout,
        seed: m.seed ^ 0xF00D,
    };
    st.bcd_files.insert(
        format!("{}\\boot\\bcd", disk.to_lowercase()),
        BcdStore::windows_server(spec, false),
    );
    st.recovery_disk = Some(disk);
    Ok(())
}
