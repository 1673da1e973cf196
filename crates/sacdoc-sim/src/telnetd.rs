//! The server side of telnet (RFC 854) as ser2net speaks it in `telnet` mode, for the simulator's
//! `telnet://` listener: a client of a real console server sees negotiation and IAC escaping around
//! the serial bytes, so the simulator must show them too.
//!
//! On connect the server offers `WILL ECHO`, `WILL SUPPRESS-GO-AHEAD` and `DO SUPPRESS-GO-AHEAD`
//! (the console echoes, and nobody sends go-aheads). It agrees to BINARY in either direction when
//! the client asks, refuses every other option, and does not answer a request that matches the
//! current state (RFC 854's rule against negotiation loops). Data it sends has 0xFF doubled; data
//! it receives loses every IAC sequence, `IAC IAC` becomes one 0xFF, and unless the client sends
//! BINARY a NUL right after a CR is padding (RFC 854 "CR NUL") and is dropped.
//!
//! GUESS: ser2net does not turn a CR it sends into CR NUL (it passes serial bytes through with
//! only IAC doubled); the simulator does the same.

use code::*;
/// Telnet command and option bytes, shared with the client side.
pub use sacdoc_link::telnet::code;
use sacdoc_link::telnet::proto::{Event, IacDecoder};

/// One option's state on one side: off, asked for (our request not yet answered) or on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Opt {
    #[default]
    Off,
    Asked,
    On,
}

/// The server's telnet state for one connection, without I/O.
#[derive(Debug, Clone)]
pub struct TelnetServer {
    iac: IacDecoder,
    /// Options the server performs (ECHO, SGA, BINARY when the client says DO).
    local: [Opt; 256],
    /// Options the client performs (SGA, BINARY when it says WILL).
    remote: [Opt; 256],
}

impl Default for TelnetServer {
    fn default() -> Self {
        TelnetServer { iac: IacDecoder::default(), local: [Opt::Off; 256], remote: [Opt::Off; 256] }
    }
}

impl TelnetServer {
    /// A new connection's state; send [`TelnetServer::greeting`] first.
    pub fn new() -> TelnetServer {
        TelnetServer::default()
    }

    /// The offers ser2net makes as a connection opens: `WILL ECHO, WILL SGA, DO SGA`.
    pub fn greeting(&mut self) -> Vec<u8> {
        self.local[usize::from(ECHO)] = Opt::Asked;
        self.local[usize::from(SGA)] = Opt::Asked;
        self.remote[usize::from(SGA)] = Opt::Asked;
        vec![IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, SGA]
    }

    /// True when the server performs `option` (the client agreed).
    pub fn local_enabled(&self, option: u8) -> bool {
        self.local[usize::from(option)] == Opt::On
    }

    /// True when the client performs `option` (it offered and the server agreed).
    pub fn remote_enabled(&self, option: u8) -> bool {
        self.remote[usize::from(option)] == Opt::On
    }

    /// Decodes bytes from the client: serial data is appended to `data`, answers to its option
    /// requests to `reply`. Sequences split across calls are carried over.
    pub fn decode(&mut self, input: &[u8], data: &mut Vec<u8>, reply: &mut Vec<u8>) {
        for &b in input {
            match self.iac.feed(b, self.remote_enabled(BINARY)) {
                Some(Event::Data(d)) => data.push(d),
                Some(Event::Command(verb, option)) => self.negotiate(verb, option, reply),
                // No subnegotiation is agreed to, so whatever one carries is dropped.
                Some(Event::SubStart | Event::SubData(_) | Event::SubEnd) | None => {}
            }
        }
    }

    /// Answers one `IAC verb option` from the client.
    fn negotiate(&mut self, verb: u8, option: u8, reply: &mut Vec<u8>) {
        let i = usize::from(option);
        match verb {
            WILL => match self.remote[i] {
                Opt::On => {}
                Opt::Asked => self.remote[i] = Opt::On,
                Opt::Off if matches!(option, SGA | BINARY) => {
                    self.remote[i] = Opt::On;
                    reply.extend_from_slice(&[IAC, DO, option]);
                }
                Opt::Off => reply.extend_from_slice(&[IAC, DONT, option]),
            },
            WONT => {
                if self.remote[i] == Opt::On {
                    reply.extend_from_slice(&[IAC, DONT, option]);
                }
                self.remote[i] = Opt::Off;
            }
            DO => match self.local[i] {
                Opt::On => {}
                Opt::Asked => self.local[i] = Opt::On,
                Opt::Off if matches!(option, ECHO | SGA | BINARY) => {
                    self.local[i] = Opt::On;
                    reply.extend_from_slice(&[IAC, WILL, option]);
                }
                Opt::Off => reply.extend_from_slice(&[IAC, WONT, option]),
            },
            DONT => {
                if self.local[i] == Opt::On {
                    reply.extend_from_slice(&[IAC, WONT, option]);
                }
                self.local[i] = Opt::Off;
            }
            _ => {}
        }
    }

    /// Encodes serial data for the client: 0xFF is doubled.
    pub fn encode(&self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            out.push(b);
            if b == IAC {
                out.push(IAC);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(t: &mut TelnetServer, input: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (mut data, mut reply) = (Vec::new(), Vec::new());
        t.decode(input, &mut data, &mut reply);
        (data, reply)
    }

    #[test]
    fn acknowledgements_of_the_greeting_are_not_answered() {
        let mut t = TelnetServer::new();
        assert_eq!(t.greeting(), [IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, SGA]);
        let (data, reply) = feed(&mut t, &[IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, SGA]);
        assert!(data.is_empty() && reply.is_empty(), "{reply:?}");
        assert!(t.local_enabled(ECHO) && t.local_enabled(SGA) && t.remote_enabled(SGA));
    }

    #[test]
    fn binary_is_accepted_and_other_options_refused() {
        let mut t = TelnetServer::new();
        let _ = t.greeting();
        let (_, reply) = feed(&mut t, &[IAC, WILL, BINARY, IAC, DO, BINARY, IAC, WILL, 24]);
        assert_eq!(reply, [IAC, DO, BINARY, IAC, WILL, BINARY, IAC, DONT, 24]);
        let (_, again) = feed(&mut t, &[IAC, WILL, BINARY]);
        assert!(again.is_empty(), "a request matching the state is not answered");
        let (_, refused) = feed(&mut t, &[IAC, DO, 31]);
        assert_eq!(refused, [IAC, WONT, 31]);
    }

    #[test]
    fn cr_nul_is_padding_until_the_client_sends_binary() {
        let mut t = TelnetServer::new();
        let (data, _) = feed(&mut t, b"dir\r");
        let (more, _) = feed(&mut t, &[0, b'x', IAC, IAC, IAC, 241, b'y']);
        assert_eq!([data, more].concat(), b"dir\rx\xffy");
        let _ = feed(&mut t, &[IAC, WILL, BINARY]);
        let (bin, _) = feed(&mut t, b"\r\0");
        assert_eq!(bin, b"\r\0");
    }

    #[test]
    fn subnegotiations_vanish_and_iac_is_doubled_on_output() {
        let mut t = TelnetServer::new();
        let (data, reply) = feed(&mut t, &[b'a', IAC, SB, 24, 0, IAC, IAC, IAC, SE, b'b']);
        assert_eq!((data.as_slice(), reply.len()), (&b"ab"[..], 0));
        let mut out = Vec::new();
        t.encode(&[b'x', 0xFF, b'y'], &mut out);
        assert_eq!(out, [b'x', 0xFF, 0xFF, b'y']);
    }
}
