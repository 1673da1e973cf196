//! Telnet (RFC 854): ser2net and QEMU in telnet mode put option negotiation and IAC escaping around
//! the serial bytes. The link answers negotiation, strips it from the data and escapes what it
//! sends, so the layers above see the serial line exactly as a raw link would show it.
//!
//! Policy: the server may ECHO, SUPPRESS-GO-AHEAD and send BINARY; we do SUPPRESS-GO-AHEAD and
//! BINARY; everything else is refused. QEMU offers `WILL ECHO, WILL SGA, WILL BINARY, DO BINARY`
//! on connect, which ends up binary both ways. An option request that matches the current state is
//! not answered (RFC 854's rule against negotiation loops).
//!
//! For RFC 2217 ([`super::rfc2217`]) the codec can also agree to COM-PORT-OPTION (44) both ways
//! and keeps the server's subnegotiations for the caller; plain telnet refuses it.

use std::io::{self, Read, Write};

use super::busy::BusyWatch;
use super::tcp;
use super::{Control, ControlError, Link};

pub mod proto;

use code::*;
pub use proto::code;
use proto::{Event, IacDecoder};

const CR: u8 = b'\r';
const NUL: u8 = 0;

/// Subnegotiations kept for the caller, at most this many bytes each (RFC 2217 ones are short).
const SUB_MAX: usize = 64;

/// The telnet state machine, without I/O: bytes from the server in, serial data and replies out.
#[derive(Debug, Clone)]
pub struct TelnetCodec {
    iac: IacDecoder,
    /// Options the server performs (it said WILL and we agreed).
    remote: [bool; 256],
    /// Options we perform (the server said DO and we agreed).
    local: [bool; 256],
    /// Agree to COM-PORT-OPTION (RFC 2217).
    com_port: bool,
    /// The subnegotiation being received: option byte first, then its data (IAC IAC unescaped).
    sub: Vec<u8>,
    /// Complete COM-PORT-OPTION subnegotiations received, oldest first.
    subs: Vec<Vec<u8>>,
    /// The server's last answer about COM-PORT-OPTION: DO (true) or DONT (false).
    com_port_answer: Option<bool>,
}

impl Default for TelnetCodec {
    fn default() -> Self {
        TelnetCodec {
            iac: IacDecoder::default(),
            remote: [false; 256],
            local: [false; 256],
            com_port: false,
            sub: Vec::new(),
            subs: Vec::new(),
            com_port_answer: None,
        }
    }
}

impl TelnetCodec {
    pub fn new() -> Self {
        Self::default()
    }

    /// A codec that also agrees to COM-PORT-OPTION (RFC 2217) and keeps its subnegotiations.
    pub fn with_com_port() -> Self {
        TelnetCodec { com_port: true, ..Self::default() }
    }

    /// Records that we asked for `option` ourselves (`IAC WILL option` sent), so the server's
    /// `DO option` is taken as its agreement and not answered again.
    pub fn offered_local(&mut self, option: u8) {
        self.local[usize::from(option)] = true;
    }

    /// The server's answer to our `WILL COM-PORT-OPTION`: `Some(true)` for DO, `Some(false)` for
    /// DONT, `None` while it has not answered.
    pub fn com_port_answer(&self) -> Option<bool> {
        self.com_port_answer
    }

    /// Takes the COM-PORT-OPTION subnegotiations received so far (each without the option byte:
    /// the command code, then its value).
    pub fn take_subnegotiations(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.subs)
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
            match self.iac.feed(b, self.remote_enabled(BINARY)) {
                Some(Event::Data(d)) => data.push(d),
                Some(Event::Command(verb, option)) => self.negotiate(verb, option, reply),
                Some(Event::SubStart) => self.sub.clear(),
                Some(Event::SubData(d)) => self.sub_push(d),
                Some(Event::SubEnd) => self.sub_end(),
                None => {}
            }
        }
    }

    fn sub_push(&mut self, b: u8) {
        if self.sub.len() < SUB_MAX {
            self.sub.push(b);
        }
    }

    /// Keeps a finished COM-PORT-OPTION subnegotiation; others carry nothing we use.
    fn sub_end(&mut self) {
        if self.com_port && self.sub.first() == Some(&COM_PORT) {
            self.subs.push(self.sub[1..].to_vec());
        }
        self.sub.clear();
    }

    /// Answers one `IAC verb option` from the server.
    fn negotiate(&mut self, verb: u8, option: u8, reply: &mut Vec<u8>) {
        let i = usize::from(option);
        if option == COM_PORT && matches!(verb, DO | DONT) {
            self.com_port_answer = Some(verb == DO && self.com_port);
        }
        match verb {
            WILL => {
                if self.remote[i] {
                    return;
                }
                let accept =
                    matches!(option, ECHO | SGA | BINARY) || (self.com_port && option == COM_PORT);
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
                let accept =
                    matches!(option, SGA | BINARY) || (self.com_port && option == COM_PORT);
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
    /// Turns ser2net's "Port already in use" + close into a clear error.
    watch: BusyWatch,
}

impl TelnetLink<std::net::TcpStream> {
    /// Connects to `host:port`; `name` is what [`Link::describe`] reports.
    pub fn open(host: &str, port: u16, name: String) -> Result<Self, tcp::TcpError> {
        Ok(Self::over(tcp::connect(host, port)?, name))
    }
}

impl<S: Read + Write + Send> TelnetLink<S> {
    /// Speaks telnet over an already open byte stream, which must have the link read timeout.
    pub fn over(stream: S, name: String) -> Self {
        Self::with_codec(stream, TelnetCodec::new(), name)
    }

    /// Like [`TelnetLink::over`] with a codec set up by the caller (RFC 2217).
    pub fn with_codec(stream: S, codec: TelnetCodec, name: String) -> Self {
        TelnetLink {
            stream,
            codec,
            pending: Vec::new(),
            raw: Box::new([0; 4096]),
            name,
            watch: BusyWatch::new(),
        }
    }

    /// The codec, to read or change the negotiation state.
    pub fn codec_mut(&mut self) -> &mut TelnetCodec {
        &mut self.codec
    }

    /// Sends telnet commands as they are (no escaping): negotiation and subnegotiation.
    pub fn send_command(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Reads from the server once (waiting at most the stream's read timeout), answering
    /// negotiation and keeping serial data for later reads. `Ok(false)` means the server closed
    /// the connection.
    pub fn pump(&mut self) -> io::Result<bool> {
        let n = match self.stream.read(&mut self.raw[..]) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(e) if super::is_no_data(&e) => return Ok(true),
            Err(e) => return Err(self.watch.on_error(&self.name, e)),
        };
        let before = self.pending.len();
        let mut reply = Vec::new();
        self.codec.decode(&self.raw[..n], &mut self.pending, &mut reply);
        self.watch.saw(&self.pending[before..]);
        if !reply.is_empty() {
            self.stream.write_all(&reply).map_err(|e| self.watch.on_error(&self.name, e))?;
        }
        Ok(true)
    }

    /// What reading after the server closed returns (a clear error after a "port in use" line).
    pub fn closed(&self) -> io::Result<usize> {
        self.watch.on_close(&self.name)
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
            let n = match self.stream.read(&mut self.raw[..]) {
                Ok(n) => n,
                Err(e) => return Err(self.watch.on_error(&self.name, e)),
            };
            if n == 0 {
                return self.closed();
            }
            let mut reply = Vec::new();
            self.codec.decode(&self.raw[..n], &mut self.pending, &mut reply);
            self.watch.saw(&self.pending);
            if !reply.is_empty() {
                // The server may already be gone (a refusal and a close): keep the data.
                if let Err(e) = self.stream.write_all(&reply) {
                    if self.pending.is_empty() {
                        return Err(self.watch.on_error(&self.name, e));
                    }
                }
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

    /// Sends `IAC BRK` (RFC 854). How long the break lasts is the server's business (ser2net
    /// holds it for a fixed time), so `duration` is not sent: telnet has no way to say it.
    fn send_break(&mut self, _duration: std::time::Duration) -> Result<(), ControlError> {
        self.send_command(&[IAC, BRK])
            .map_err(|e| ControlError::failed(&self.name, Control::Break, e))
    }

    fn set_line_settings(
        &mut self,
        _settings: &super::serial::SerialSettings,
    ) -> Result<(), ControlError> {
        Err(ControlError::unsupported(
            &self.name,
            Control::LineSettings,
            "plain telnet cannot set the serial line (connect with rfc2217://HOST:PORT to a \
             console server that speaks RFC 2217, or set the speed on the server)",
        ))
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
