//! The one target argument every command takes ("COM1", "/dev/ttyS0", "tcp://h:p", "sim:NAME", ...)
//! parsed into a [`Target`], and opened into a [`crate::transport::Link`].
//!
//! `Display` gives the canonical form, which parses back to the same value.

use std::path::PathBuf;

use crate::transport::serial::{Flow, Parity, SerialSettings};
use crate::transport::Link;

/// Where the console is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A real or virtual serial port: `COM1`, `/dev/ttyS0`,
    /// `serial:///dev/ttyUSB0?baud=115200&parity=none&data=8&stop=1&flow=none`.
    Serial { path: String, settings: SerialSettings },
    /// Raw TCP (QEMU `-serial tcp:`, ser2net `tcp`): `tcp://HOST:PORT`.
    Tcp { host: String, port: u16 },
    /// Telnet (ser2net `telnet`, QEMU `telnet=on`): `telnet://HOST:PORT`.
    Telnet { host: String, port: u16 },
    /// Telnet with RFC 2217 line control (ser2net `telnet(rfc2217)`, Moxa, Digi):
    /// `rfc2217://HOST:PORT[?baud=115200&parity=none&data=8&stop=1&flow=none]`.
    Rfc2217 { host: String, port: u16, settings: SerialSettings },
    /// Azure Serial Console: `azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME`.
    Azure { subscription: String, resource_group: String, vm: String },
    /// A Unix socket (QEMU `-serial unix:`): `unix:PATH`.
    Unix { path: PathBuf },
    /// A Windows named pipe (Hyper-V `Set-VMComPort`): `pipe:NAME` opens `\\.\pipe\NAME`.
    Pipe { name: String },
    /// A relay command run under a pty: `exec:virsh console DOMAIN`.
    Exec { command: String },
    /// The simulator in-process: `sim:SCENARIO[?profile=ws2019&...]`; `query` is the raw
    /// `key=value&...` text after `?` (empty when absent).
    Sim { scenario: String, query: String },
    /// A recorded transcript acting as the VM: `replay:FILE`.
    Replay { path: PathBuf },
}

/// The accepted forms, shown with every bad-target error.
pub const ACCEPTED_FORMS: &str = "accepted targets:
  COM1                          a Windows serial port (115200 8N1)
  /dev/ttyS0                    a serial device (115200 8N1)
  serial:///dev/ttyUSB0?baud=115200&parity=none&data=8&stop=1&flow=none
                                a serial port with explicit settings
  tcp://HOST:PORT               raw TCP (QEMU -serial tcp:, ser2net tcp)
  telnet://HOST:PORT            telnet (ser2net telnet, QEMU telnet mode)
  rfc2217://HOST:PORT?baud=115200&parity=none&data=8&stop=1
                                telnet that also sets the line (ser2net telnet(rfc2217))
  azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME
                                Azure Serial Console (token: SACDOC_AZURE_TOKEN or az login)
  unix:PATH                     a Unix socket (QEMU -serial unix:)
  pipe:NAME                     a Windows named pipe \\\\.\\pipe\\NAME (Hyper-V COM port)
  exec:COMMAND                  a relay run under a pty, e.g. exec:virsh console myvm
  sim:SCENARIO[?profile=ws2019] the built-in simulated Windows Server
  replay:FILE                   a recorded transcript acting as the VM";

/// A target string that is not one of the accepted forms.
#[derive(Debug, thiserror::Error)]
#[error("bad target {input:?}: {reason}\n{ACCEPTED_FORMS}")]
pub struct TargetError {
    pub input: String,
    pub reason: String,
}

pub use crate::transport::OpenError;

fn bad(input: &str, reason: impl Into<String>) -> TargetError {
    TargetError { input: input.to_string(), reason: reason.into() }
}

/// `COM1` .. `COM256`, any case, also `\\.\COM10`.
fn windows_com_name(s: &str) -> Option<String> {
    let name = s.strip_prefix(r"\\.\").unwrap_or(s);
    let digits = name.get(..3).filter(|p| p.eq_ignore_ascii_case("com")).map(|_| &name[3..])?;
    let n: u16 = digits.parse().ok().filter(|n| (1..=256).contains(n))?;
    if digits.starts_with('0') {
        return None;
    }
    Some(format!("COM{n}"))
}

/// `HOST:PORT` or `[v6]:PORT`, with an optional trailing `/`.
fn host_port(input: &str, rest: &str) -> Result<(String, u16), TargetError> {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (h, p) =
            v6.split_once(']').ok_or_else(|| bad(input, "an IPv6 address needs a closing ']'"))?;
        let p = p.strip_prefix(':').ok_or_else(|| bad(input, "a port is needed after ']:'"))?;
        (h, p)
    } else {
        rest.rsplit_once(':').ok_or_else(|| bad(input, "a port is needed: HOST:PORT"))?
    };
    if host.is_empty() {
        return Err(bad(input, "the host is empty"));
    }
    if host.contains('/') || host.contains('?') {
        return Err(bad(input, format!("{host:?} is not a host name")));
    }
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| bad(input, format!("{port:?} is not a port number (1-65535)")))?;
    Ok((host.to_string(), port))
}

/// `PATH[?key=value&...]` after `serial://` or `serial:`.
fn serial(input: &str, rest: &str) -> Result<Target, TargetError> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err(bad(input, "the serial device is missing, e.g. serial:///dev/ttyS0"));
    }
    let path = windows_com_name(path).unwrap_or_else(|| path.to_string());
    let settings = line_settings(input, query)?;
    Ok(Target::Serial { path, settings })
}

/// `HOST:PORT[?key=value&...]` after `rfc2217://`.
fn rfc2217(input: &str, rest: &str) -> Result<Target, TargetError> {
    let (addr, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (host, port) = host_port(input, addr)?;
    let settings = line_settings(input, query)?;
    Ok(Target::Rfc2217 { host, port, settings })
}

/// `SUBSCRIPTION/RESOURCE_GROUP/VM_NAME` after `azure://`.
fn azure(input: &str, rest: &str) -> Result<Target, TargetError> {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let parts: Vec<&str> = rest.split('/').collect();
    let [subscription, resource_group, vm] = parts.as_slice() else {
        return Err(bad(
            input,
            "write it as azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME (the subscription id, \
             e.g. from `az account show --query id`)",
        ));
    };
    for (what, v) in
        [("subscription", subscription), ("resource group", resource_group), ("VM name", vm)]
    {
        if v.trim().is_empty() {
            return Err(bad(input, format!("the {what} is empty")));
        }
        if v.contains(['?', '#', ' ']) {
            return Err(bad(input, format!("{v:?} is not a valid {what}")));
        }
    }
    Ok(Target::Azure {
        subscription: subscription.to_string(),
        resource_group: resource_group.to_string(),
        vm: vm.to_string(),
    })
}

/// `key=value&...` line settings (baud, parity, data, stop, flow) over the defaults.
fn line_settings(input: &str, query: &str) -> Result<SerialSettings, TargetError> {
    let mut settings = SerialSettings::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| bad(input, format!("{pair:?} should be key=value")))?;
        let wrong = |what: &str| bad(input, format!("{key}={value:?}: {what}"));
        match key.to_ascii_lowercase().as_str() {
            "baud" => {
                settings.baud =
                    value.parse().ok().filter(|b| *b > 0).ok_or_else(|| {
                        wrong("the speed must be a positive number such as 115200")
                    })?
            }
            "parity" => {
                settings.parity =
                    Parity::parse(value).ok_or_else(|| wrong("use none, odd or even"))?
            }
            "data" => {
                settings.data_bits = value
                    .parse()
                    .ok()
                    .filter(|d| (5..=8).contains(d))
                    .ok_or_else(|| wrong("use 5, 6, 7 or 8"))?
            }
            "stop" => {
                settings.stop_bits = value
                    .parse()
                    .ok()
                    .filter(|s| *s == 1 || *s == 2)
                    .ok_or_else(|| wrong("use 1 or 2"))?
            }
            "flow" => {
                settings.flow =
                    Flow::parse(value).ok_or_else(|| wrong("use none, software or hardware"))?
            }
            _ => {
                return Err(bad(
                    input,
                    format!(
                        "unknown serial setting {key:?} (known: baud, parity, data, stop, flow)"
                    ),
                ))
            }
        }
    }
    Ok(settings)
}

/// A path after `unix:` or `replay:`; `unix:///tmp/x` is read as `/tmp/x`.
fn path_after(input: &str, rest: &str, example: &str) -> Result<PathBuf, TargetError> {
    let rest = match rest.strip_prefix("//") {
        Some(r) if r.starts_with('/') => r,
        _ => rest,
    };
    if rest.is_empty() {
        return Err(bad(input, format!("the path is missing, e.g. {example}")));
    }
    Ok(PathBuf::from(rest))
}

/// Splits `scheme:rest`, matching the scheme in any case.
fn scheme(s: &str) -> Option<(String, &str)> {
    let (scheme, rest) = s.split_once(':')?;
    // Letters, then letters or digits ("rfc2217").
    let ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| (scheme.to_ascii_lowercase(), rest))
}

impl std::str::FromStr for Target {
    type Err = TargetError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let s = input.trim();
        if s.is_empty() {
            return Err(bad(input, "the target is empty"));
        }
        if let Some(path) = windows_com_name(s) {
            return Ok(Target::Serial { path, settings: SerialSettings::default() });
        }
        if s.starts_with('/') {
            if s.contains('?') {
                return Err(bad(
                    input,
                    "settings need the serial:// form, e.g. serial:///dev/ttyS0?baud=9600",
                ));
            }
            return Ok(Target::Serial { path: s.to_string(), settings: SerialSettings::default() });
        }
        let Some((scheme, rest)) = scheme(s) else {
            return Err(bad(input, hint_for_unknown(s)));
        };
        match scheme.as_str() {
            "serial" => serial(input, rest.strip_prefix("//").unwrap_or(rest)),
            "tcp" | "telnet" => {
                let rest = rest
                    .strip_prefix("//")
                    .ok_or_else(|| bad(input, format!("write it as {scheme}://HOST:PORT")))?;
                let (host, port) = host_port(input, rest)?;
                Ok(if scheme == "tcp" {
                    Target::Tcp { host, port }
                } else {
                    Target::Telnet { host, port }
                })
            }
            "rfc2217" => {
                let rest = rest
                    .strip_prefix("//")
                    .ok_or_else(|| bad(input, "write it as rfc2217://HOST:PORT?baud=115200"))?;
                rfc2217(input, rest)
            }
            "azure" => {
                let rest = rest.strip_prefix("//").ok_or_else(|| {
                    bad(input, "write it as azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME")
                })?;
                azure(input, rest)
            }
            "unix" => {
                Ok(Target::Unix { path: path_after(input, rest, "unix:/run/vm/console.sock")? })
            }
            "pipe" => {
                let name = rest.strip_prefix(r"\\.\pipe\").unwrap_or(rest);
                if name.is_empty() || name.contains('\\') || name.contains('/') {
                    return Err(bad(input, "a pipe name is needed, e.g. pipe:vm-com1"));
                }
                Ok(Target::Pipe { name: name.to_string() })
            }
            "exec" => {
                let command = rest.trim();
                if command.is_empty() {
                    return Err(bad(input, "a command is needed, e.g. exec:virsh console myvm"));
                }
                Ok(Target::Exec { command: command.to_string() })
            }
            "sim" => {
                let (scenario, query) = rest.split_once('?').unwrap_or((rest, ""));
                if scenario.is_empty() {
                    return Err(bad(input, "a scenario name is needed, e.g. sim:healthy"));
                }
                Ok(Target::Sim { scenario: scenario.to_string(), query: query.to_string() })
            }
            "replay" => {
                Ok(Target::Replay { path: path_after(input, rest, "replay:session.cast")? })
            }
            _ => Err(bad(input, hint_for_unknown(s))),
        }
    }
}

/// A reason that guesses what the user meant.
fn hint_for_unknown(s: &str) -> String {
    if s.starts_with("tty") {
        return format!("not a known form; did you mean /dev/{s}?");
    }
    if let Some((host, port)) = s.rsplit_once(':') {
        if !host.is_empty() && port.parse::<u16>().is_ok() {
            return format!("not a known form; did you mean tcp://{s} or telnet://{s}?");
        }
    }
    if s.to_ascii_lowercase().starts_with("com") {
        return "COM ports are COM1 to COM256".to_string();
    }
    "not a known form".to_string()
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Serial { path, settings } => {
                let plain = *settings == SerialSettings::default()
                    && (path.starts_with('/') || windows_com_name(path).as_deref() == Some(path));
                if plain {
                    return write!(f, "{path}");
                }
                write!(f, "serial://{path}{}", settings_query(settings))
            }
            Target::Rfc2217 { host, port, settings } if host.contains(':') => {
                write!(f, "rfc2217://[{host}]:{port}{}", settings_query(settings))
            }
            Target::Rfc2217 { host, port, settings } => {
                write!(f, "rfc2217://{host}:{port}{}", settings_query(settings))
            }
            Target::Azure { subscription, resource_group, vm } => {
                write!(f, "azure://{subscription}/{resource_group}/{vm}")
            }
            Target::Tcp { host, port } if host.contains(':') => write!(f, "tcp://[{host}]:{port}"),
            Target::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Target::Telnet { host, port } if host.contains(':') => {
                write!(f, "telnet://[{host}]:{port}")
            }
            Target::Telnet { host, port } => write!(f, "telnet://{host}:{port}"),
            Target::Unix { path } => write!(f, "unix:{}", path.display()),
            Target::Pipe { name } => write!(f, "pipe:{name}"),
            Target::Exec { command } => write!(f, "exec:{command}"),
            Target::Sim { scenario, query } if query.is_empty() => write!(f, "sim:{scenario}"),
            Target::Sim { scenario, query } => write!(f, "sim:{scenario}?{query}"),
            Target::Replay { path } => write!(f, "replay:{}", path.display()),
        }
    }
}

/// `?key=value&...` for the settings that differ from the defaults (empty when none do).
fn settings_query(settings: &SerialSettings) -> String {
    let d = SerialSettings::default();
    let mut q = Vec::new();
    if settings.baud != d.baud {
        q.push(format!("baud={}", settings.baud));
    }
    if settings.parity != d.parity {
        q.push(format!("parity={}", settings.parity.as_str()));
    }
    if settings.data_bits != d.data_bits {
        q.push(format!("data={}", settings.data_bits));
    }
    if settings.stop_bits != d.stop_bits {
        q.push(format!("stop={}", settings.stop_bits));
    }
    if settings.flow != d.flow {
        q.push(format!("flow={}", settings.flow.as_str()));
    }
    if q.is_empty() {
        String::new()
    } else {
        format!("?{}", q.join("&"))
    }
}

impl Target {
    /// The target used when none is given: COM1 on Windows, `/dev/ttyS0` elsewhere.
    pub fn default_for_platform() -> Target {
        let path = if cfg!(windows) { "COM1" } else { "/dev/ttyS0" };
        Target::Serial { path: path.to_string(), settings: SerialSettings::default() }
    }

    /// True for links that can be lost and opened again (not the simulator or a replay, whose
    /// reopening would start over).
    pub fn can_reconnect(&self) -> bool {
        !matches!(self, Target::Sim { .. } | Target::Replay { .. })
    }

    /// Checks what can be checked without opening the link (the scenario exists, the transcript
    /// or device is there), so a bad target is reported before anyone is asked for a password.
    pub fn preflight(&self) -> Result<(), OpenError> {
        let fail = |reason: String| OpenError::new(self.to_string(), reason);
        match self {
            Target::Sim { scenario, query } => {
                crate::sim::prepare(scenario, query).map(|_| ()).map_err(|e| fail(e.to_string()))
            }
            Target::Replay { path } => crate::transcript::read(path)
                .map(|_| ())
                .map_err(|e| fail(format!("not a readable transcript: {e}"))),
            Target::Serial { path, .. } if path.starts_with('/') => {
                if std::path::Path::new(path).exists() {
                    return Ok(());
                }
                let ports: Vec<String> = serialport::available_ports()
                    .map(|v| v.into_iter().map(|p| p.port_name).collect())
                    .unwrap_or_default();
                let here = if ports.is_empty() {
                    "no serial port was found on this machine".to_string()
                } else {
                    format!("serial ports here: {}", ports.join(", "))
                };
                Err(fail(format!("no such device; {here}")))
            }
            Target::Unix { path } if !path.exists() => {
                Err(fail("no such socket (is the VM running with -serial unix:...?)".into()))
            }
            _ => Ok(()),
        }
    }

    /// Opens the link with the Azure settings of the process environment. The caller wraps it in
    /// a recorder.
    pub fn open(&self) -> Result<Box<dyn Link>, OpenError> {
        let env = crate::config::Env::from_process();
        let settings = match self {
            Target::Azure { .. } => crate::config::azure_settings(&env)
                .map_err(|e| OpenError::new(self.to_string(), e))?,
            _ => crate::transport::azure::AzureSettings::default(),
        };
        self.open_with(&settings)
    }

    /// Opens the link; `azure` is used by `azure://` targets only.
    pub fn open_with(
        &self,
        azure_settings: &crate::transport::azure::AzureSettings,
    ) -> Result<Box<dyn Link>, OpenError> {
        use crate::transcript::replay;
        use crate::transport::*;
        let name = self.to_string();
        let fail = |e: BoxError| OpenError::new(name.clone(), e);
        Ok(match self {
            Target::Serial { path, settings } => Box::new(
                serial::SerialLink::open(path, settings, name.clone())
                    .map_err(|e| fail(e.into()))?,
            ),
            Target::Tcp { host, port } => {
                Box::new(tcp::TcpLink::open(host, *port, name.clone()).map_err(|e| fail(e.into()))?)
            }
            Target::Telnet { host, port } => Box::new(
                telnet::TelnetLink::open(host, *port, name.clone()).map_err(|e| fail(e.into()))?,
            ),
            Target::Rfc2217 { host, port, settings } => Box::new(
                rfc2217::Rfc2217Link::open(host, *port, settings, name.clone())
                    .map_err(|e| fail(e.into()))?,
            ),
            Target::Azure { subscription, resource_group, vm } => {
                let vm = azure::AzureVm {
                    subscription: subscription.clone(),
                    resource_group: resource_group.clone(),
                    vm: vm.clone(),
                };
                Box::new(
                    azure::AzureLink::open(&vm, azure_settings, name.clone())
                        .map_err(|e| fail(e.into()))?,
                )
            }
            Target::Unix { path } => {
                Box::new(unix::UnixLink::open(path, name.clone()).map_err(|e| fail(e.into()))?)
            }
            Target::Pipe { name: pipe_name } => {
                Box::new(pipe::PipeLink::open(pipe_name, name.clone()).map_err(|e| fail(e.into()))?)
            }
            Target::Exec { command } => {
                Box::new(exec::ExecLink::open(command, name.clone()).map_err(|e| fail(e.into()))?)
            }
            Target::Sim { scenario, query } => {
                Box::new(crate::sim::open(scenario, query).map_err(|e| fail(e.into()))?)
            }
            Target::Replay { path } => Box::new(
                replay::ReplayLink::open(path, replay::ReplayOptions::default())
                    .map_err(|e| fail(e.into()))?,
            ),
        })
    }
}

impl crate::transport::Connector for Target {
    fn open(&self) -> Result<Box<dyn Link>, OpenError> {
        Target::open(self)
    }
    fn can_reconnect(&self) -> bool {
        Target::can_reconnect(self)
    }
}

/// A target with the settings resolved for it: what a session opens (and reopens).
#[derive(Debug, Clone)]
pub struct Console {
    pub target: Target,
    pub azure: crate::transport::azure::AzureSettings,
}

impl std::fmt::Display for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.target.fmt(f)
    }
}

impl crate::transport::Connector for Console {
    fn open(&self) -> Result<Box<dyn Link>, OpenError> {
        self.target.open_with(&self.azure)
    }
    fn can_reconnect(&self) -> bool {
        self.target.can_reconnect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2217_and_azure_forms_parse_and_print_back() {
        let t: Target = "RFC2217://ts1:7001?baud=9600&parity=even".parse().unwrap();
        let Target::Rfc2217 { host, port, settings } = &t else { panic!("{t:?}") };
        assert_eq!(
            (host.as_str(), *port, settings.baud, settings.parity),
            ("ts1", 7001, 9600, Parity::Even)
        );
        assert_eq!(t.to_string(), "rfc2217://ts1:7001?baud=9600&parity=even");
        assert_eq!(
            "rfc2217://[::1]:7001".parse::<Target>().unwrap().to_string(),
            "rfc2217://[::1]:7001"
        );
        let a: Target = "azure://0000-11/rg-web/web01/".parse().unwrap();
        assert_eq!(
            a,
            Target::Azure {
                subscription: "0000-11".into(),
                resource_group: "rg-web".into(),
                vm: "web01".into()
            }
        );
        assert_eq!(a.to_string().parse::<Target>().unwrap(), a);
        assert!(a.can_reconnect());
        for (bad_input, reason) in [
            ("azure://sub/vm", "azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME"),
            ("azure://sub//vm", "the resource group is empty"),
            ("azure:sub/rg/vm", "write it as azure://"),
            ("rfc2217://ts1:7001?baud=fast", "positive number"),
            ("rfc2217://ts1", "a port is needed"),
        ] {
            let e = bad_input.parse::<Target>().unwrap_err().to_string();
            assert!(e.contains(reason), "{bad_input}: {e}");
        }
    }
}
