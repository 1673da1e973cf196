//! Processes and sockets: what `tasklist`, `netstat` and SAC's `t`/`k` read.

/// One running process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub image: String,
    /// `Services` (session 0) or `Console` / `RDP-Tcp#N`.
    pub session_name: String,
    pub session: u32,
    pub mem_kb: u64,
    /// The svchost group (or own-process service name) it hosts; empty for plain processes.
    pub host: String,
    /// Whether `netstat -b` can name its image. False for System-owned (HTTP.sys, SMB) sockets
    /// and protected processes, which print `Can not obtain ownership information`.
    pub ownership_visible: bool,
}

/// Transport protocol of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
}

/// TCP state, as netstat spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpState {
    Listening,
    Established,
    TimeWait,
    CloseWait,
    SynSent,
    FinWait1,
    FinWait2,
    LastAck,
    /// UDP has no state.
    None,
}

impl TcpState {
    pub fn word(self) -> &'static str {
        match self {
            TcpState::Listening => "LISTENING",
            TcpState::Established => "ESTABLISHED",
            TcpState::TimeWait => "TIME_WAIT",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::SynSent => "SYN_SENT",
            TcpState::FinWait1 => "FIN_WAIT_1",
            TcpState::FinWait2 => "FIN_WAIT_2",
            TcpState::LastAck => "LAST_ACK",
            TcpState::None => "",
        }
    }
    /// PowerShell's `Get-NetTCPConnection` State names.
    pub fn ps_name(self) -> &'static str {
        match self {
            TcpState::Listening => "Listen",
            TcpState::Established => "Established",
            TcpState::TimeWait => "TimeWait",
            TcpState::CloseWait => "CloseWait",
            TcpState::SynSent => "SynSent",
            TcpState::FinWait1 => "FinWait1",
            TcpState::FinWait2 => "FinWait2",
            TcpState::LastAck => "LastAck",
            TcpState::None => "",
        }
    }
    pub fn from_word(w: &str) -> Option<TcpState> {
        Some(match w.to_ascii_uppercase().as_str() {
            "LISTENING" => TcpState::Listening,
            "ESTABLISHED" => TcpState::Established,
            "TIME_WAIT" => TcpState::TimeWait,
            "CLOSE_WAIT" => TcpState::CloseWait,
            "SYN_SENT" => TcpState::SynSent,
            "FIN_WAIT_1" => TcpState::FinWait1,
            "FIN_WAIT_2" => TcpState::FinWait2,
            "LAST_ACK" => TcpState::LastAck,
            _ => return None,
        })
    }
}

/// One socket: a listener or a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    pub proto: Proto,
    /// `0.0.0.0`, `10.0.0.4`, `[::]`, `[::1]` (IPv6 in brackets, as netstat prints it).
    pub local_addr: String,
    pub local_port: u16,
    /// `0.0.0.0`/`[::]` with port 0 for TCP listeners; `*` with port 0 for UDP.
    pub remote_addr: String,
    pub remote_port: u16,
    pub state: TcpState,
    pub pid: u32,
    /// The service tag netstat -b prints as a component line (svchost-hosted services).
    pub service: Option<String>,
}

impl Socket {
    pub fn is_v6(&self) -> bool {
        self.local_addr.starts_with('[')
    }
    /// `addr:port` as netstat prints the local address.
    pub fn local(&self) -> String {
        format!("{}:{}", self.local_addr, self.local_port)
    }
    /// `addr:port` as netstat prints the foreign address (`*:*` for UDP).
    pub fn remote(&self) -> String {
        if self.proto == Proto::Udp {
            "*:*".into()
        } else {
            format!("{}:{}", self.remote_addr, self.remote_port)
        }
    }
    pub fn is_listener(&self) -> bool {
        self.state == TcpState::Listening || self.proto == Proto::Udp
    }
    /// Whether binding `other` would collide with this socket (same protocol and port, same
    /// family, and one of them on the wildcard address or both on the same one).
    pub fn collides(&self, proto: Proto, addr: &str, port: u16) -> bool {
        if self.proto != proto || self.local_port != port || !self.is_listener() {
            return false;
        }
        if self.is_v6() != addr.starts_with('[') {
            return false;
        }
        let wild = |a: &str| a == "0.0.0.0" || a == "[::]";
        wild(&self.local_addr) || wild(addr) || self.local_addr.eq_ignore_ascii_case(addr)
    }
}

/// A listening endpoint spec: `tcp 0.0.0.0:3389`, `udp [::]:3389`; `{rdp}` = RDP port, `{ip}` =
/// the machine's IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenSpec {
    pub proto: Proto,
    pub addr: String,
    pub port: u16,
}

/// Parses a listen spec, substituting `{rdp}` with `rdp_port` and `{ip}` with `ip`.
pub fn parse_listen(spec: &str, rdp_port: u16, ip: &str) -> Option<ListenSpec> {
    let (proto, rest) = spec.trim().split_once(' ')?;
    let proto = match proto.to_ascii_lowercase().as_str() {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        _ => return None,
    };
    let rest = rest.trim().replace("{rdp}", &rdp_port.to_string()).replace("{ip}", ip);
    let (addr, port) = rest.rsplit_once(':')?;
    Some(ListenSpec { proto, addr: addr.to_string(), port: port.parse().ok()? })
}

pub use crate::rng::Rng;
