//! Telnet (RFC 854): ser2net and QEMU in telnet mode put option negotiation and IAC escaping around
//! the serial bytes. The link answers negotiation, strips it from the data and escapes what it
//! sends, so the layers above see the serial line exactly as a raw link would show it.
//!
//! Policy: the server may ECHO, SUPPRESS-GO-AHEAD and send BINARY; we do SUPPRESS-GO-AHEAD and
//! BINARY; everything else is refused. QEMU offers `WILL ECHO, WILL SGA, WILL BINARY, DO BINARY`
//! on connect, which ends up binary both ways. An option request that matches the current state is
//! not answered (RFC 854's rule against negotiation loops).

use std::io::{self, Read, Write};

use super::tcp;
use super::Link;

/// Telnet command and option bytes used here.
pub mod code {
    pub const IAC: u8 = 255;
    pub const DONT: u8 = 254;
    pub const DO: u8 = 253;
    pub const WONT: u8 = 252;
    pub const WILL: u8 = 251;
    pub const SB: u8 = 250;
    pub const SE: u8 = 240;
    pub const BINARY: u8 = 0;
    pub const ECHO: u8 = 1;
    pub const SGA: u8 = 3;
}
use code::*;

const CR: u8 = b'\r';
const NUL: u8 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Data,
    /// The previous data byte was CR: a NUL right after it is padding (RFC 854 "CR NUL").
    Cr,
    Iac,
    Verb(u8),
    Sub,
    SubIac,
}

/// The telnet state machine, without I/O: bytes from the server in, serial data and replies out.
#[derive(Debug, Clone)]
pub struct TelnetCodec {
    state: State,
    /// Options the server performs (it said WILL and we agreed).
    remote: [bool; 256],
    /// Options we perform (the server said DO and we agreed).
    local: [bool; 256],
}

impl Default for TelnetCodec {
    fn default() -> Self {
        TelnetCodec { state: State::Data, remote: [false; 256], local: [false; 256] }
    }
}

impl TelnetCodec {
    pub fn new() -> Self {
        Self::default()
    }

    /// True when the server performs `option` (e.g. [`code::ECHO`]).
    pub fn remote_enabled(&self, option: u8) -> bool {
        self.remote[usize::from(option)]
    }

    /// True when we perform `option` (e.g. [`code::BINARY`]).
    pub fn local_enabled(&self, option: u8) -> bool {
        self.local[usize::from(option)]
    }

    /// Decodes bytes received from the server: serial data is appended to `data`, answers to
    /// option requests to `reply` (to be sent back). Sequences split across calls are carried over.
    pub fn decode(&mut self, input: &[u8], data: &mut Vec<u8>, reply: &mut Vec<u8>) {
        for &b in input {
            self.state = match self.state {
                State::Data | State::Cr if b == IAC => State::Iac,
                State::Cr if b == NUL => State::Data,
                State::Data | State::Cr => {
                    data.push(b);
                    if b == CR && !self.remote_enabled(BINARY) {
                        State::Cr
                    } else {
                        State::Data
                    }
                }
                State::Iac => match b {
                    IAC => {
                        data.push(IAC);
                        State::Data
                    }
                    WILL | WONT | DO | DONT => State::Verb(b),
                    SB => State::Sub,
                    // NOP, DM, BRK, IP, AO, AYT, EC, EL, GA and stray SE carry no serial data.
                    _ => State::Data,
                },
                State::Verb(verb) => {
                    self.negotiate(verb, b, reply);
                    State::Data
                }
                State::Sub if b == IAC => State::SubIac,
                State::Sub => State::Sub,
                State::SubIac if b == SE => State::Data,
                State::SubIac => State::Sub,
            };
        }
    }

    /// Answers one `IAC verb option` from the server.
    fn negotiate(&mut self, verb: u8, option: u8, reply: &mut Vec<u8>) {
        let i = usize::from(option);
        match verb {
            WILL => {
                if self.remote[i] {
                    return;
                }
                let accept = matches!(option, ECHO | SGA | BINARY);
                self.remote[i] = accept;
                reply.extend_from_slice(&[IAC, if accept { DO } else { DONT }, option]);
            }
            WONT if self.remote[i] => {
                self.remote[i] = false;
                reply.extend_from_slice(&[IAC, DONT, option]);
            }
            DO => {
                if self.local[i] {
                    return;
                }
                let accept = matches!(option, SGA | BINARY);
                self.local[i] = accept;
                reply.extend_from_slice(&[IAC, if accept { WILL } else { WONT }, option]);
            }
            DONT if self.local[i] => {
                self.local[i] = false;
                reply.extend_from_slice(&[IAC, WONT, option]);
            }
            _ => {}
        }
    }

    /// Encodes serial data for the server: 0xFF is doubled, and unless we send BINARY a CR not
    /// followed by LF in the same buffer becomes CR NUL (RFC 854), which the server strips again.
    pub fn encode(&self, input: &[u8], out: &mut Vec<u8>) {
        let binary = self.local_enabled(BINARY);
        for (i, &b) in input.iter().enumerate() {
            out.push(b);
            if b == IAC {
                out.push(IAC);
            } else if b == CR && !binary && input.get(i + 1) != Some(&b'\n') {
                out.push(NUL);
            }
        }
    }
}

/// A telnet connection to a console server.
pub struct TelnetLink<S: Read + Write + Send = std::net::TcpStream> {
    stream: S,
    codec: TelnetCodec,
    /// Decoded serial data not yet handed to the caller.
    pending: Vec<u8>,
    raw: Box<[u8; 4096]>,
    name: String,
}

impl TelnetLink<std::net::TcpStream> {
    /// Connects to `host:port`; `name` is what [`Link::describe`] reports.
    pub fn open(host: &str, port: u16, name: String) -> Result<Self, String> {
        Ok(Self::over(tcp::connect(host, port)?, name))
    }
}

impl<S: Read + Write + Send> TelnetLink<S> {
    /// Speaks telnet over an already open byte stream, which must have the link read timeout.
    pub fn over(stream: S, name: String) -> Self {
        TelnetLink {
            stream,
            codec: TelnetCodec::new(),
            pending: Vec::new(),
            raw: Box::new([0; 4096]),
            name,
        }
    }

    /// The negotiation state so far.
    pub fn codec(&self) -> &TelnetCodec {
        &self.codec
    }

    fn take_pending(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        n
    }
}

impl<S: Read + Write + Send> Read for TelnetLink<S> {
    /// Reads until some serial data arrived: a packet holding only negotiation is answered and
    /// the read goes on, so `Ok(0)` still only means the server closed the connection.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if !self.pending.is_empty() {
            return Ok(self.take_pending(buf));
        }
        loop {
            let n = self.stream.read(&mut self.raw[..])?;
            if n == 0 {
                return Ok(0);
            }
            let mut reply = Vec::new();
            self.codec.decode(&self.raw[..n], &mut self.pending, &mut reply);
            if !reply.is_empty() {
                self.stream.write_all(&reply)?;
            }
            if !self.pending.is_empty() {
                return Ok(self.take_pending(buf));
            }
        }
    }
}

impl<S: Read + Write + Send> Write for TelnetLink<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 8);
        self.codec.encode(buf, &mut out);
        self.stream.write_all(&out)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl<S: Read + Write + Send> Link for TelnetLink<S> {
    fn describe(&self) -> String {
        self.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(codec: &mut TelnetCodec, input: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (mut data, mut reply) = (Vec::new(), Vec::new());
        codec.decode(input, &mut data, &mut reply);
        (data, reply)
    }

    #[test]
    fn qemu_greeting_ends_binary_both_ways() {
        let mut c = TelnetCodec::new();
        let greeting = [IAC, WILL, ECHO, IAC, WILL, SGA, IAC, WILL, BINARY, IAC, DO, BINARY];
        let (data, reply) = decode_all(&mut c, &greeting);
        assert!(data.is_empty());
        assert_eq!(reply, [IAC, DO, ECHO, IAC, DO, SGA, IAC, DO, BINARY, IAC, WILL, BINARY]);
        assert!(c.remote_enabled(ECHO) && c.remote_enabled(BINARY) && c.local_enabled(BINARY));
    }

    #[test]
    fn refuses_unknown_options_and_does_not_loop() {
        let mut c = TelnetCodec::new();
        // DO TERMINAL-TYPE (24), WILL LINEMODE (34)
        let (_, reply) = decode_all(&mut c, &[IAC, DO, 24, IAC, WILL, 34]);
        assert_eq!(reply, [IAC, WONT, 24, IAC, DONT, 34]);
        // A repeated WILL ECHO after agreeing gets no answer.
        let (_, r1) = decode_all(&mut c, &[IAC, WILL, ECHO]);
        let (_, r2) = decode_all(&mut c, &[IAC, WILL, ECHO]);
        assert_eq!(r1, [IAC, DO, ECHO]);
        assert!(r2.is_empty());
        let (_, r3) = decode_all(&mut c, &[IAC, WONT, ECHO]);
        assert_eq!(r3, [IAC, DONT, ECHO]);
        assert!(!c.remote_enabled(ECHO));
    }

    #[test]
    fn strips_commands_subnegotiation_and_cr_nul_split_anywhere() {
        let stream: Vec<u8> = [
            b"SAC>".as_slice(),
            &[IAC, SB, 24, 1, IAC, IAC, 7, IAC, SE],
            b"a\r",
            &[NUL],
            b"b\r\n",
            &[IAC, IAC, IAC, 241 /* NOP */],
            b"z",
        ]
        .concat();
        let want: Vec<u8> = [b"SAC>a\rb\r\n".as_slice(), &[0xFF], b"z"].concat();
        for cut in 0..=stream.len() {
            let mut c = TelnetCodec::new();
            let (mut a, _) = decode_all(&mut c, &stream[..cut]);
            let (b, _) = decode_all(&mut c, &stream[cut..]);
            a.extend(b);
            assert_eq!(a, want, "cut at {cut}");
        }
    }

    #[test]
    fn encode_doubles_iac_and_pads_bare_cr_until_binary() {
        let mut c = TelnetCodec::new();
        let mut out = Vec::new();
        c.encode(&[b'x', 0xFF, b'\r', b'\r', b'\n'], &mut out);
        assert_eq!(out, [b'x', 0xFF, 0xFF, b'\r', 0, b'\r', b'\n']);
        decode_all(&mut c, &[IAC, DO, BINARY]);
        out.clear();
        c.encode(b"\r", &mut out);
        assert_eq!(out, b"\r");
    }
}
