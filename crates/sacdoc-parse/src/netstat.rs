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

use super::text::{self, Joined};
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
///
/// This is [`Stream`] fed every line of `input`, its events collected; use the stream itself
/// to read an output of any size while holding one record at a time.
pub fn parse(input: &str) -> Netstat {
    let mut sink = Collect::default();
    let mut stream = Stream::new();
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    for line in text::lines(input) {
        stream.push_line(line.raw, &mut sink);
    }
    let last = stream.line_count();
    stream.finish(&mut sink);
    let mut out = sink.out;
    out.unparsed.sort_by_key(|u| u.line);
    sink.consumed.sort_unstable();
    sink.consumed.dedup();
    out.consumed_lines = sink.consumed;
    out.runs = crate::prompt::runs_of(&out.commands, last);
    out
}

/// What the [`Stream`] reports, in input order (a connection once its owner lines are read).
pub trait Sink {
    /// A connection with its owner lines.
    fn connection(&mut self, c: Connection);
    /// The title line (`Active Connections`, translated), trimmed.
    fn title(&mut self, line: usize, text: &str);
    /// The column header line.
    fn header(&mut self, line: usize, text: &str);
    /// A line outside the grammar.
    fn unparsed(&mut self, u: Unparsed);
    /// A prompt or echoed command line (see [`crate::prompt`]).
    fn command(&mut self, c: crate::Command);
    /// Physical lines `first..=last` were used by a record, title, header or command.
    fn consumed(&mut self, _first: usize, _last: usize) {}
}

/// Collects the stream's events into a [`Netstat`].
#[derive(Default)]
struct Collect {
    out: Netstat,
    consumed: Vec<usize>,
}

impl Sink for Collect {
    fn connection(&mut self, c: Connection) {
        self.out.connections.push(c);
    }
    fn title(&mut self, _line: usize, text: &str) {
        self.out.title.get_or_insert_with(|| text.to_string());
    }
    fn header(&mut self, _line: usize, text: &str) {
        self.out.header.get_or_insert_with(|| text.to_string());
    }
    fn unparsed(&mut self, u: Unparsed) {
        self.out.unparsed.push(u);
    }
    fn command(&mut self, c: crate::Command) {
        self.out.commands.push(c);
    }
    fn consumed(&mut self, first: usize, last: usize) {
        self.consumed.extend(first..=last);
    }
}

/// Incremental `netstat` parser: push physical lines one at a time, receive connections as soon
/// as their owner lines are read. Holds one logical line, one open connection and at most two
/// lines that may turn out to be the title and header: memory does not grow with the input.
///
/// ```
/// use sacdoc_parse::netstat::{Connection, Sink, Stream};
/// use sacdoc_parse::{Command, Unparsed};
/// #[derive(Default)]
/// struct Count(usize);
/// impl Sink for Count {
///     fn connection(&mut self, _: Connection) { self.0 += 1; }
///     fn title(&mut self, _: usize, _: &str) {}
///     fn header(&mut self, _: usize, _: &str) {}
///     fn unparsed(&mut self, _: Unparsed) {}
///     fn command(&mut self, _: Command) {}
/// }
/// let mut n = Count::default();
/// let mut s = Stream::new();
/// for l in ["  TCP    0.0.0.0:3389   0.0.0.0:0   LISTENING   416", " [svchost.exe]"] {
///     s.push_line(l, &mut n);
/// }
/// s.finish(&mut n);
/// assert_eq!(n.0, 1);
/// ```
#[derive(Default)]
pub struct Stream {
    /// Physical lines pushed so far.
    number: usize,
    /// The logical line being assembled: raw text of its physical lines joined (reused).
    buf: String,
    /// First and last physical line of `buf`; `first == 0` when there is none.
    first: usize,
    last: usize,
    /// Display width of the last physical line of `buf` (wrapping happens at 80 cells).
    last_width: usize,
    /// Where each physical line after the first starts in `buf` (only for wrapped lines).
    cuts: Vec<(usize, usize)>,
    /// The connection owner lines attach to.
    open: Option<Connection>,
    /// Non-row lines seen while no record was open: title/header candidates (the last two),
    /// with the cuts of their physical lines.
    pending: Vec<(Joined, Vec<(usize, usize)>)>,
    seen_row: bool,
    /// The line in `buf` was a prompt or command line (shown as blank): it ends the record.
    buf_is_command: bool,
    /// Blank lines since the open record's last line.
    gap: usize,
}

impl Stream {
    /// A stream at the start of an input.
    pub fn new() -> Self {
        Self::default()
    }

    /// Physical lines pushed so far.
    pub fn line_count(&self) -> usize {
        self.number
    }

    /// Pushes the next physical line (without its terminator; a BOM already removed).
    pub fn push_line(&mut self, raw: &str, sink: &mut impl Sink) {
        self.number += 1;
        let number = self.number;
        let mut raw = raw;
        let mut is_command = false;
        if let Some((p, c)) = crate::prompt::command_line(raw.trim_end()) {
            is_command = true;
            sink.command(crate::Command {
                line: number,
                prompt: p.to_string(),
                command: c.to_string(),
            });
            sink.consumed(number, number);
            raw = "";
        }
        if self.first != 0 {
            let blank = raw.trim().is_empty();
            let line = text::Line { number, text: raw.trim_end(), raw };
            if self.last_width >= text::DEFAULT_WIDTH && !blank && continues_row(&self.buf, &line) {
                self.cuts.push((number, self.buf.len()));
                self.buf.push_str(raw);
                self.last = number;
                self.last_width = width(raw);
                return;
            }
            self.logical(sink);
        }
        self.buf.clear();
        self.buf.push_str(raw);
        self.buf_is_command = is_command;
        self.cuts.clear();
        self.first = number;
        self.last = number;
        self.last_width = width(raw);
    }

    /// Ends the input: the open connection, title and header candidates are settled.
    pub fn finish(mut self, sink: &mut impl Sink) {
        if self.first != 0 {
            self.logical(sink);
        }
        self.close(sink);
        if !self.seen_row {
            // A table with no rows (`-p udp` on a host without UDP sockets) still has its
            // title and header.
            self.resolve_pending(sink, false);
        }
        for (j, cuts) in std::mem::take(&mut self.pending) {
            reject(&j, &cuts, sink);
        }
    }

    fn close(&mut self, sink: &mut impl Sink) {
        if let Some(c) = self.open.take() {
            sink.connection(c);
        }
    }

    /// Reads the logical line in `buf`.
    fn logical(&mut self, sink: &mut impl Sink) {
        // The buffer is lent out and given back, so its capacity is reused line after line.
        let buf = std::mem::take(&mut self.buf);
        self.logical_text(buf.trim_end(), sink);
        self.buf = buf;
    }

    fn logical_text(&mut self, text: &str, sink: &mut impl Sink) {
        let (first, last) = (self.first, self.last);
        self.first = 0;
        if text.trim_start().is_empty() {
            // XP prints a blank line after every record (its last owner line closes it);
            // modern output has none inside the table, but a paste that doubled every line
            // break puts one between a row and its owner lines: those still attach across one
            // blank line. A prompt or command line ends the record.
            if self.buf_is_command {
                self.close(sink);
            }
            self.gap += 1;
            return;
        }
        if let Some(conn) = parse_row(text, first) {
            self.close(sink);
            self.resolve_pending(sink, true);
            sink.consumed(first, last);
            self.open = Some(conn);
            self.seen_row = true;
            self.gap = 0;
            return;
        }
        let gap = std::mem::take(&mut self.gap);
        if gap > 1 {
            self.close(sink);
        }
        // An owner line pasted through something that trimmed lines sits at the left margin,
        // right under its row: read it at the indentation netstat gave it (one space for the
        // `[image]` and the failure text, two for a one-word service tag).
        let shaped;
        let text = if gap == 0 && indent(text) == 0 && self.open.is_some() {
            let body = text.trim();
            // A service tag is one ASCII name (`RpcSs`, `CDPUserSvc_46a8de2e`); the failure
            // text is a sentence, in some languages one run of letters (`无法获取所有权信息`).
            let tag = body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-' | b'.'));
            let pad = if tag { "  " } else { " " };
            shaped = format!("{pad}{body}");
            shaped.as_str()
        } else {
            text
        };
        match attach_owner(self.open.as_mut(), text) {
            Some(ends_record) => {
                sink.consumed(first, last);
                if ends_record {
                    self.close(sink);
                }
                return;
            }
            None => self.close(sink),
        }
        if self.pending.len() == 2 {
            // Only the last two lines before a row can be its title and header.
            let (old, cuts) = self.pending.remove(0);
            reject(&old, &cuts, sink);
        }
        let j = Joined { number: first, last, text: text.to_string() };
        self.pending.push((j, self.cuts.clone()));
    }

    /// Lines seen before a row: the last indented one with three or more fields is the header,
    /// an unindented line right before it is the title; anything else is unparsed.
    fn resolve_pending(&mut self, sink: &mut impl Sink, row_follows: bool) {
        let pending = std::mem::take(&mut self.pending);
        let header_at = pending
            .last()
            // Indented with three or more labels; at the left margin (a paste that trimmed
            // lines) four or more, right before a row.
            .filter(|(l, _)| {
                let n = text::fields(&l.text).len();
                (indent(&l.text) >= 1 && n >= 3) || (row_follows && n >= 4)
            })
            .map(|_| pending.len() - 1);
        let title_at = header_at.and_then(|h| h.checked_sub(1)).filter(|&t| {
            let t = &pending[t].0.text;
            indent(t) == 0 && !t.contains([':', '>', '\\', '['])
        });
        for (i, (j, cuts)) in pending.iter().enumerate() {
            if Some(i) == header_at {
                sink.consumed(j.number, j.last);
                sink.header(j.number, &j.text);
            } else if Some(i) == title_at {
                sink.consumed(j.number, j.last);
                sink.title(j.number, j.text.trim());
            } else {
                reject(j, cuts, sink);
            }
        }
    }
}

/// Attaches an owner line of `-b` to the open record: `Some(true)` when the line ends the
/// record (the `[image]` line or the ownership failure), `Some(false)` when more may follow,
/// `None` when the line is not an owner line.
fn attach_owner(open: Option<&mut Connection>, text: &str) -> Option<bool> {
    let conn = open?;
    let n = indent(text);
    let body = text.trim();
    let bracketed = body.len() >= 2 && body.starts_with('[') && body.ends_with(']');
    match (n, bracketed) {
        (1 | 2, true) => {
            conn.image = Some(body[1..body.len() - 1].to_string());
            Some(true)
        }
        (2, false) => {
            if looks_like_module(body) || conn.component.is_some() {
                conn.modules.push(body.to_string());
            } else {
                conn.component = Some(body.to_string());
            }
            Some(false)
        }
        (1, false) => {
            conn.owner_error = Some(body.to_string());
            Some(true)
        }
        _ => None,
    }
}

/// Keeps every non-blank physical line of a logical line in `unparsed`; a line joined after
/// console wrapping is given back as its physical lines, split at `cuts`.
fn reject(j: &Joined, cuts: &[(usize, usize)], sink: &mut impl Sink) {
    let mut push = |line: usize, part: &str| {
        let t = part.trim_end();
        if !t.trim_start().is_empty() {
            sink.unparsed(Unparsed { line, text: t.to_string() });
        }
    };
    let mut start = (j.number, 0);
    for &(n, at) in cuts {
        push(start.0, j.text.get(start.1..at).unwrap_or(""));
        start = (n, at);
    }
    push(start.0, j.text.get(start.1..).unwrap_or(""));
}

/// Width of a raw physical line in console cells; a line shorter than 80 bytes is narrower
/// than 80 cells (no character is wider than its UTF-8 length), which spares the count.
fn width(raw: &str) -> usize {
    if raw.len() < text::DEFAULT_WIDTH || raw.is_ascii() {
        raw.len()
    } else {
        text::display_width(raw)
    }
}

/// Whether `next` is the rest of a row the console wrapped at 80 columns. A line that is a
/// complete row by itself (padded captures are wider than 80) only takes a bare PID from the
/// next line; an incomplete one takes whatever makes it a row.
fn continues_row(cur: &str, next: &text::Line<'_>) -> bool {
    if is_row_start(next.text) {
        return false;
    }
    // Checked on the borrowed tokens first: most wrapped-width lines are followed by an owner
    // line, and only an incomplete row (or one missing its PID) can take the next line.
    match row_parts(cur) {
        Some(row) => row.pid.is_none() && is_number(next.text.trim()),
        None => row_parts(&format!("{cur}{}", next.raw)).is_some(),
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

/// The tokens of a row, borrowed from the line: `proto local foreign [state] [pid] [offload]`.
struct RowParts<'a> {
    proto: &'a str,
    local: (&'a str, &'a str),
    foreign: (&'a str, &'a str),
    state: Option<&'a str>,
    pid: Option<u32>,
    offload: Option<&'a str>,
}

/// Reads a row's tokens without allocating; `None` when the line is not a row.
fn row_parts(line: &str) -> Option<RowParts<'_>> {
    // Rows are padded with long runs of spaces: an ASCII line is split byte-wise (much faster
    // than the Unicode-aware split, which other lines still get, NBSP padding included).
    if line.is_ascii() {
        row_parts_of(AsciiTokens(line.as_bytes(), line))
    } else {
        row_parts_of(line.split_whitespace())
    }
}

/// Space-separated tokens of an ASCII line, skipping each run of padding in one step
/// (`split_ascii_whitespace` visits every padding space as an empty token).
struct AsciiTokens<'a>(&'a [u8], &'a str);

impl<'a> Iterator for AsciiTokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.0;
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
        let len =
            bytes[start..].iter().position(u8::is_ascii_whitespace).unwrap_or(bytes.len() - start);
        let offset = self.1.len() - bytes.len();
        self.0 = &bytes[start + len..];
        // ASCII line: every byte offset is a char boundary.
        self.1.get(offset + start..offset + start + len)
    }
}

fn row_parts_of<'a>(mut toks: impl Iterator<Item = &'a str>) -> Option<RowParts<'a>> {
    let proto = toks.next()?;
    if !proto_token(proto) {
        return None;
    }
    let local = split_endpoint_str(toks.next()?)?;
    let foreign = split_endpoint_str(toks.next()?)?;
    let mut tail = [None; 3];
    for slot in tail.iter_mut() {
        *slot = toks.next();
    }
    if toks.next().is_some() {
        return None;
    }
    let mut tail = tail.into_iter().flatten().peekable();
    let state = tail.next_if(|t| !is_number(t));
    let pid = match tail.next_if(|t| is_number(t)) {
        Some(p) => Some(p.parse::<u32>().ok()?),
        None => None,
    };
    let offload =
        if pid.is_some() && state.is_some() { tail.next_if(|t| !is_number(t)) } else { None };
    if tail.next().is_some() {
        return None;
    }
    Some(RowParts { proto, local, foreign, state, pid, offload })
}

/// Parses one row: `proto local foreign [state] [pid] [offload]`.
fn parse_row(line: &str, number: usize) -> Option<Connection> {
    let RowParts { proto, local, foreign, state: state_raw, pid, offload } = row_parts(line)?;
    let is_tcp = proto.len() >= 3 && proto[..3].eq_ignore_ascii_case("TCP");
    let local_port = local.1.parse::<u16>().ok();
    let foreign_port = foreign.1.parse::<u16>().ok();
    let state = match state_raw {
        Some(raw) => Some(normalise_state(raw, is_tcp && foreign_port == Some(0))),
        None if is_tcp && foreign_port == Some(0) => Some("LISTENING".to_string()),
        None => None,
    };
    Some(Connection {
        line: number,
        proto: proto.to_ascii_uppercase(),
        local_address: local.0.to_string(),
        local_port,
        local_port_raw: local.1.to_string(),
        foreign_address: foreign.0.to_string(),
        foreign_port,
        foreign_port_raw: foreign.1.to_string(),
        state: if is_tcp || state_raw.is_some() { state } else { None },
        state_raw: state_raw.map(str::to_string),
        pid,
        component: None,
        image: None,
        owner_error: None,
        modules: Vec::new(),
        offload_state: offload.map(str::to_string),
    })
}

fn is_number(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// `0.0.0.0:135` -> (`0.0.0.0`, `135`); `[fe80::1%9]:1900` -> (`fe80::1%9`, `1900`);
/// `*:*` -> (`*`, `*`); `LAPTOP-6LNI85PH:0` and `a23-57-5-23:https` keep names.
fn split_endpoint_str(tok: &str) -> Option<(&str, &str)> {
    if let Some(inner) = tok.strip_prefix('[') {
        let (addr, port) = inner.split_once("]:")?;
        if addr.is_empty() || port.is_empty() {
            return None;
        }
        return Some((addr, port));
    }
    let (addr, port) = tok.rsplit_once(':')?;
    if addr.is_empty() || port.is_empty() || addr.contains(['[', ']']) {
        return None;
    }
    Some((addr, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_forms() {
        assert_eq!(split_endpoint_str("[::]:0"), Some(("::", "0")));
        assert_eq!(split_endpoint_str("[fe80::1%9]:1900"), Some(("fe80::1%9", "1900")));
        assert_eq!(split_endpoint_str("*:*"), Some(("*", "*")));
        assert_eq!(split_endpoint_str("47:https"), Some(("47", "https")));
        assert_eq!(split_endpoint_str("nocolon"), None);
        assert_eq!(split_endpoint_str("[::]"), None);
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
