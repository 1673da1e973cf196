//! What both ends of a telnet connection (RFC 854) share: the command and option bytes, and the
//! splitting of a received byte stream into serial data, option commands and subnegotiations.
//! The client ([`super::TelnetCodec`]) and the simulator's server
//! ([`crate::sim::telnetd::TelnetServer`]) differ only in what they agree to and what they keep.

/// Telnet command and option bytes.
pub mod code {
    pub const IAC: u8 = 255;
    pub const DONT: u8 = 254;
    pub const DO: u8 = 253;
    pub const WONT: u8 = 252;
    pub const WILL: u8 = 251;
    pub const SB: u8 = 250;
    pub const SE: u8 = 240;
    /// Break (RFC 854): the server is to send a break on its serial line.
    pub const BRK: u8 = 243;
    pub const BINARY: u8 = 0;
    pub const ECHO: u8 = 1;
    pub const SGA: u8 = 3;
    /// RFC 2217 COM-PORT-OPTION.
    pub const COM_PORT: u8 = 44;
}
use code::*;

const CR: u8 = b'\r';
const NUL: u8 = 0;

/// One meaningful piece of a received telnet stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A serial data byte (`IAC IAC` already turned into one 0xFF, CR NUL padding dropped).
    Data(u8),
    /// `IAC verb option` with verb WILL, WONT, DO or DONT.
    Command(u8, u8),
    /// `IAC SB`: a subnegotiation begins.
    SubStart,
    /// A byte of the subnegotiation (the option first; `IAC IAC` unescaped).
    SubData(u8),
    /// `IAC SE`: the subnegotiation is complete.
    SubEnd,
}

/// Where the decoder is within the byte stream.
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

/// Splits received bytes into [`Event`]s; sequences split across reads are carried over.
#[derive(Debug, Clone, Copy, Default)]
pub struct IacDecoder {
    state: State,
}

impl IacDecoder {
    /// Takes one received byte. `binary` says whether the peer sends BINARY, in which case a NUL
    /// after CR is data rather than padding.
    pub fn feed(&mut self, b: u8, binary: bool) -> Option<Event> {
        let (next, event) = match self.state {
            State::Data | State::Cr if b == IAC => (State::Iac, None),
            State::Cr if b == NUL => (State::Data, None),
            State::Data | State::Cr => {
                let next = if b == CR && !binary { State::Cr } else { State::Data };
                (next, Some(Event::Data(b)))
            }
            State::Iac => match b {
                IAC => (State::Data, Some(Event::Data(IAC))),
                WILL | WONT | DO | DONT => (State::Verb(b), None),
                SB => (State::Sub, Some(Event::SubStart)),
                // NOP, DM, BRK, IP, AO, AYT, EC, EL, GA and a stray SE carry no serial data.
                _ => (State::Data, None),
            },
            State::Verb(verb) => (State::Data, Some(Event::Command(verb, b))),
            State::Sub if b == IAC => (State::SubIac, None),
            State::Sub => (State::Sub, Some(Event::SubData(b))),
            State::SubIac if b == SE => (State::Data, Some(Event::SubEnd)),
            // IAC IAC inside a subnegotiation is one 0xFF data byte; other commands are dropped.
            State::SubIac if b == IAC => (State::Sub, Some(Event::SubData(IAC))),
            State::SubIac => (State::Sub, None),
        };
        self.state = next;
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(input: &[u8], binary: bool) -> Vec<Event> {
        let mut d = IacDecoder::default();
        input.iter().filter_map(|&b| d.feed(b, binary)).collect()
    }

    #[test]
    fn data_commands_and_subnegotiations_are_told_apart() {
        let input = [b'a', IAC, IAC, IAC, DO, ECHO, IAC, SB, 44, IAC, IAC, 7, IAC, SE, IAC, 241];
        assert_eq!(
            events(&input, false),
            [
                Event::Data(b'a'),
                Event::Data(IAC),
                Event::Command(DO, ECHO),
                Event::SubStart,
                Event::SubData(44),
                Event::SubData(IAC),
                Event::SubData(7),
                Event::SubEnd,
            ]
        );
    }

    #[test]
    fn cr_nul_is_padding_unless_binary() {
        assert_eq!(events(b"\r\0x", false), [Event::Data(b'\r'), Event::Data(b'x')]);
        let bin = events(b"\r\0", true);
        assert_eq!(bin, [Event::Data(b'\r'), Event::Data(0)]);
    }
}
