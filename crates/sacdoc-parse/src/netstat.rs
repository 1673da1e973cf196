//! `netstat` parser: `-ano`, `-anob`, `-abno`, `-an`, `-b` without `-n`, `-p tcp|udp`, and the
//! Windows XP `-anbv` layout with module chains.
//!
//! A real `-anob` sample (kellyjonbrazil/jc tests/fixtures/windows/windows-10/netstat-aonb.out):
//!
//! ```text
//!   Proto  Local Address          Foreign Address        State           PID
//!   TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712
//!   RpcSs
//!  [svchost.exe]
//!   TCP    0.0.0.0:445            0.0.0.0:0              LISTENING       4
//!  Can not obtain ownership information
//!   UDP    [fe80::244e:2f1e:2096:62b2%9]:1900  *:*                                    8844
//! ```
//!
//! Rows are read by tokens, never by column offsets or header words: the title, the header, the
//! state words and the ownership-failure line are translated (German prints `ABHÖREN`), and long
//! IPv6 or host names push the columns right. Owner lines are told apart by indentation: two
//! spaces for a component (service tag or, on XP, a module path), one space for the `[image]`
//! line or the failure text.

mod state;

use serde::Serialize;

use super::text::{self, Joined, Ledger};
use super::Unparsed;

pub use state::normalise_state;

/// Everything `netstat` printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Netstat {
    pub connections: Vec<Connection>,
    /// The title line (`Active Connections`, `Aktive Verbindungen`, `活动连接`), as printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The column header line, as printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Prompt and command-echo lines of the input (see [`crate::prompt`]), with line numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<crate::Command>,
    /// The runs of output between those commands (empty without a command line).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<crate::Run>,
    pub unparsed: Vec<Unparsed>,
    /// Every non-blank input line the grammar consumed (rows, owner lines, title, header); with
    /// `unparsed` it accounts for every non-blank line of the input exactly once.
    #[serde(skip)]
    pub consumed_lines: Vec<usize>,
}

/// One socket row with its owner lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Connection {
    /// 1-based line number of the row.
    pub line: usize,
    pub proto: String,
    pub local_address: String,
    /// Numeric port, or null when netstat printed `*` or a service name (`https`).
    pub local_port: Option<u16>,
    pub local_port_raw: String,
    pub foreign_address: String,
    pub foreign_port: Option<u16>,
    pub foreign_port_raw: String,
    /// Normalised English state (`LISTENING`, `ESTABLISHED`, ...); null for UDP.
    pub state: Option<String>,
    /// The state word as printed (`ABHÖREN`).
    pub state_raw: Option<String>,
    pub pid: Option<u32>,
    /// Service tag line of `-b` (`TermService`).
    pub component: Option<String>,
    /// Executable of `-b`, without brackets (`svchost.exe`).
    pub image: Option<String>,
    /// The translated "Can not obtain ownership information" line, as printed.
    pub owner_error: Option<String>,
    /// XP-style module chain lines (`c:\windows\system32\WS2_32.dll`, `-- unknown component(s) --`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<String>,
    /// Offload state column of `-t` (`InHost`), when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offload_state: Option<String>,
}

impl Connection {
    /// True for a TCP socket waiting for connections, whatever language the state was printed in.
    pub fn is_listening(&self) -> bool {
        self.proto.eq_ignore_ascii_case("TCP") && self.state.as_deref() == Some("LISTENING")
    }
}

impl Netstat {
    /// The TCP listeners on `port` (every local address: `0.0.0.0`, `::`, a specific IP).
    pub fn listeners_on(&self, port: u16) -> Vec<&Connection> {
        self.connections.iter().filter(|c| c.is_listening() && c.local_port == Some(port)).collect()
    }

    /// Every row owned by `pid`.
    pub fn by_pid(&self, pid: u32) -> Vec<&Connection> {
        self.connections.iter().filter(|c| c.pid == Some(pid)).collect()
    }
}

/// Parses `netstat` output. Never panics; lines outside the grammar land in `unparsed`.
pub fn parse(input: &str) -> Netstat {
    let ledger = Ledger::new(input);
    let joined = ledger.joined(continues_row);
    Parser { ledger, out: Netstat::default(), open: None, pending: Vec::new() }.run(&joined)
}

struct Parser<'a> {
    ledger: Ledger<'a>,
    out: Netstat,
    /// Index of the connection owner lines attach to.
    open: Option<usize>,
    /// Non-row lines seen while no record was open: title/header candidates until a row comes.
    pending: Vec<Joined>,
}

impl Parser<'_> {
    fn run(mut self, joined: &[Joined]) -> Netstat {
        for j in joined {
            if j.is_blank() {
                // XP prints a blank line after every record; modern output has none inside the
                // table. Either way nothing attaches across a blank line.
                self.open = None;
                continue;
            }
            if let Some(conn) = parse_row(&j.text, j.number) {
                self.resolve_pending();
                self.ledger.take(j);
                self.out.connections.push(conn);
                self.open = Some(self.out.connections.len() - 1);
                continue;
            }
            if self.attach_owner(j) {
                self.ledger.take(j);
                continue;
            }
            self.open = None;
            self.pending.push(j.clone());
        }
        if self.out.connections.is_empty() {
            // A table with no rows (`-p udp` on a host without UDP sockets) still has its
            // title and header.
            self.resolve_pending();
        }
        for j in std::mem::take(&mut self.pending) {
            self.ledger.reject(&j);
        }
        let (commands, runs) = (self.ledger.commands().to_vec(), self.ledger.runs());
        let (consumed, unparsed) = self.ledger.finish();
        self.out.consumed_lines = consumed;
        self.out.unparsed = unparsed;
        self.out.commands = commands;
        self.out.runs = runs;
        self.out
    }

    /// Lines seen before a row: the last indented one with three or more fields is the header,
    /// an unindented line right before it is the title; anything else is unparsed.
    fn resolve_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let header_at = pending
            .last()
            .filter(|l| indent(&l.text) >= 1 && text::fields(&l.text).len() >= 3)
            .map(|_| pending.len() - 1);
        let title_at = header_at.and_then(|h| h.checked_sub(1)).filter(|&t| {
            let t = &pending[t].text;
            indent(t) == 0 && !t.contains([':', '>', '\\', '['])
        });
        for (i, j) in pending.iter().enumerate() {
            if Some(i) == header_at {
                self.ledger.take(j);
                self.out.header.get_or_insert_with(|| j.text.clone());
            } else if Some(i) == title_at {
                self.ledger.take(j);
                self.out.title.get_or_insert_with(|| j.text.trim().to_string());
            } else {
                self.ledger.reject(j);
            }
        }
    }

    /// Attaches an owner line of `-b` to the open record. Returns false when the line is not one.
    fn attach_owner(&mut self, j: &Joined) -> bool {
        let Some(index) = self.open else { return false };
        let Some(conn) = self.out.connections.get_mut(index) else { return false };
        let n = indent(&j.text);
        let body = j.text.trim();
        let bracketed = body.len() >= 2 && body.starts_with('[') && body.ends_with(']');
        match (n, bracketed) {
            (1 | 2, true) => {
                conn.image = Some(body[1..body.len() - 1].to_string());
                self.open = None;
            }
            (2, false) => {
                if looks_like_module(body) || conn.component.is_some() {
                    conn.modules.push(body.to_string());
                } else {
                    conn.component = Some(body.to_string());
                }
            }
            (1, false) => {
                conn.owner_error = Some(body.to_string());
                self.open = None;
            }
            _ => return false,
        }
        true
    }
}

/// Whether `next` is the rest of a row the console wrapped at 80 columns. A line that is a
/// complete row by itself (padded captures are wider than 80) only takes a bare PID from the
/// next line; an incomplete one takes whatever makes it a row.
fn continues_row(cur: &str, next: &text::Line<'_>) -> bool {
    if is_row_start(next.text) {
        return false;
    }
    match parse_row(cur, 0) {
        Some(row) => row.pid.is_none() && is_number(next.text.trim()),
        None => parse_row(&format!("{cur}{}", next.raw), 0).is_some(),
    }
}

/// Leading spaces (and tabs) of a line.
fn indent(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

/// An XP module-chain line: a path or the `-- unknown component(s) --` marker.
fn looks_like_module(body: &str) -> bool {
    body.starts_with("--") || body.contains('\\') || body.contains('/')
}

/// True when a line begins with a protocol token (`TCP`, `UDP`, `TCPv6`, `UDPv6`).
fn is_row_start(line: &str) -> bool {
    line.split_whitespace().next().is_some_and(proto_token)
}

fn proto_token(t: &str) -> bool {
    ["TCP", "UDP", "TCPV6", "UDPV6"].iter().any(|p| t.eq_ignore_ascii_case(p))
}

/// Parses one row: `proto local foreign [state] [pid] [offload]`.
fn parse_row(line: &str, number: usize) -> Option<Connection> {
    let toks: Vec<&str> = line.split_whitespace().collect();
    let (&proto, rest) = toks.split_first()?;
    if !proto_token(proto) || rest.len() < 2 {
        return None;
    }
    let (local_address, local_port_raw) = split_endpoint(rest[0])?;
    let (foreign_address, foreign_port_raw) = split_endpoint(rest[1])?;
    let mut tail = &rest[2..];
    let is_tcp = proto.to_ascii_uppercase().starts_with("TCP");
    let mut state_raw = None;
    if let Some((&first, more)) = tail.split_first() {
        if !is_number(first) {
            state_raw = Some(first.to_string());
            tail = more;
        }
    }
    let mut pid = None;
    if let Some((&first, more)) = tail.split_first() {
        if is_number(first) {
            pid = Some(first.parse::<u32>().ok()?);
            tail = more;
        }
    }
    let mut offload_state = None;
    if let Some((&first, more)) = tail.split_first() {
        if pid.is_some() && state_raw.is_some() && !is_number(first) {
            offload_state = Some(first.to_string());
            tail = more;
        }
    }
    if !tail.is_empty() {
        return None;
    }
    let local_port = local_port_raw.parse::<u16>().ok();
    let foreign_port = foreign_port_raw.parse::<u16>().ok();
    let state = match &state_raw {
        Some(raw) => Some(normalise_state(raw, is_tcp && foreign_port == Some(0))),
        None if is_tcp && foreign_port == Some(0) => Some("LISTENING".to_string()),
        None => None,
    };
    Some(Connection {
        line: number,
        proto: proto.to_ascii_uppercase(),
        local_address,
        local_port,
        local_port_raw,
        foreign_address,
        foreign_port,
        foreign_port_raw,
        state: if is_tcp || state_raw.is_some() { state } else { None },
        state_raw,
        pid,
        component: None,
        image: None,
        owner_error: None,
        modules: Vec::new(),
        offload_state,
    })
}

fn is_number(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// `0.0.0.0:135` -> (`0.0.0.0`, `135`); `[fe80::1%9]:1900` -> (`fe80::1%9`, `1900`);
/// `*:*` -> (`*`, `*`); `LAPTOP-6LNI85PH:0` and `a23-57-5-23:https` keep names.
fn split_endpoint(tok: &str) -> Option<(String, String)> {
    if let Some(inner) = tok.strip_prefix('[') {
        let (addr, port) = inner.split_once("]:")?;
        if addr.is_empty() || port.is_empty() {
            return None;
        }
        return Some((addr.to_string(), port.to_string()));
    }
    let (addr, port) = tok.rsplit_once(':')?;
    if addr.is_empty() || port.is_empty() || addr.contains(['[', ']']) {
        return None;
    }
    Some((addr.to_string(), port.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_forms() {
        assert_eq!(split_endpoint("[::]:0"), Some(("::".into(), "0".into())));
        assert_eq!(split_endpoint("[fe80::1%9]:1900"), Some(("fe80::1%9".into(), "1900".into())));
        assert_eq!(split_endpoint("*:*"), Some(("*".into(), "*".into())));
        assert_eq!(split_endpoint("47:https"), Some(("47".into(), "https".into())));
        assert_eq!(split_endpoint("nocolon"), None);
        assert_eq!(split_endpoint("[::]"), None);
    }

    #[test]
    fn row_shapes() {
        let r = parse_row(
            "  UDP    0.0.0.0:53             *:*                                    4808",
            7,
        );
        let r = r.expect("udp row");
        assert_eq!((r.pid, r.state.as_deref(), r.foreign_port), (Some(4808), None, None));
        assert!(parse_row("  TCP    0.0.0.0:1  0.0.0.0:0  LISTENING  12  extra  more", 1).is_none());
        assert!(parse_row("  TCP    0.0.0.0:1", 1).is_none());
        let t = parse_row("  TCP  1.2.3.4:5  6.7.8.9:10  ESTABLISHED  44  InHost", 1);
        assert_eq!(t.and_then(|c| c.offload_state).as_deref(), Some("InHost"));
    }
}
