//! RFC 2217 (telnet COM-PORT-OPTION): a console server (ser2net with `telnet(rfc2217)`, Moxa,
//! Digi, Lantronix) whose serial line's speed and framing we set from here. Without it a
//! console server's port keeps whatever speed its configuration says, and a line at 9600 baud
//! while EMS talks at 115200 shows only garbage.
//!
//! `rfc2217://HOST:PORT?baud=115200&parity=none&data=8&stop=1&flow=none`: on connect the link
//! offers `WILL COM-PORT-OPTION`, waits for the server's `DO`, sends SET-BAUDRATE, SET-DATASIZE,
//! SET-PARITY, SET-STOPSIZE and SET-CONTROL, and waits for the server to answer each (the command
//! code plus 100, with the value it actually set). A value the server did not take is an error that says
//! what the line is at; so is a server that refuses the option (plain telnet).
//!
//! After that the link is a [`TelnetLink`]: negotiation and notifications (NOTIFY-LINESTATE,
//! NOTIFY-MODEMSTATE) are consumed, serial data is passed on unchanged.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use super::serial::{Flow, Parity, SerialSettings};
use super::telnet::code::{COM_PORT, IAC, SB, SE, WILL};
use super::telnet::{TelnetCodec, TelnetLink};
use super::{tcp, BoxError, Control, ControlError, Link};

/// How long the server may take to agree to the option and to answer each setting.
pub const NEGOTIATION_TIMEOUT: Duration = Duration::from_secs(5);

/// RFC 2217 command codes (client to server; the server answers with the code + 100).
pub mod command {
    pub const SET_BAUDRATE: u8 = 1;
    pub const SET_DATASIZE: u8 = 2;
    pub const SET_PARITY: u8 = 3;
    pub const SET_STOPSIZE: u8 = 4;
    pub const SET_CONTROL: u8 = 5;
    pub const NOTIFY_LINESTATE: u8 = 6;
    pub const NOTIFY_MODEMSTATE: u8 = 7;
    /// SET-CONTROL values that turn the break condition on and off (RFC 2217).
    pub const CONTROL_BREAK_ON: u8 = 5;
    pub const CONTROL_BREAK_OFF: u8 = 6;
    /// Added to a command code in the server's answer.
    pub const SERVER_OFFSET: u8 = 100;
}
use command::*;

/// One setting request: command code and value bytes.
fn requests(s: &SerialSettings) -> Vec<(u8, Vec<u8>)> {
    let parity = match s.parity {
        Parity::None => 1,
        Parity::Odd => 2,
        Parity::Even => 3,
    };
    let control = match s.flow {
        Flow::None => 1,
        Flow::Software => 2,
        Flow::Hardware => 3,
    };
    vec![
        (SET_BAUDRATE, s.baud.to_be_bytes().to_vec()),
        (SET_DATASIZE, vec![s.data_bits]),
        (SET_PARITY, vec![parity]),
        (SET_STOPSIZE, vec![s.stop_bits]),
        (SET_CONTROL, vec![control]),
    ]
}

/// `IAC SB COM-PORT-OPTION code value IAC SE`, with 0xFF in the value doubled.
pub fn subnegotiation(code: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![IAC, SB, COM_PORT, code];
    for &b in value {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    out.extend_from_slice(&[IAC, SE]);
    out
}

/// A value as the user would write it, for error messages.
fn describe_value(code: u8, value: &[u8]) -> String {
    match (code, value) {
        (SET_BAUDRATE, [a, b, c, d]) => format!("{} baud", u32::from_be_bytes([*a, *b, *c, *d])),
        (SET_DATASIZE, [n]) => format!("{n} data bits"),
        (SET_PARITY, [p]) => match p {
            1 => "parity none".into(),
            2 => "parity odd".into(),
            3 => "parity even".into(),
            4 => "parity mark".into(),
            5 => "parity space".into(),
            _ => format!("parity code {p}"),
        },
        (SET_STOPSIZE, [n]) => match n {
            3 => "1.5 stop bits".into(),
            _ => format!("{n} stop bit(s)"),
        },
        (SET_CONTROL, [c]) => match c {
            1 => "no flow control".into(),
            2 => "XON/XOFF flow control".into(),
            3 => "RTS/CTS flow control".into(),
            _ => format!("control code {c}"),
        },
        _ => format!("{value:?}"),
    }
}

/// Why an RFC 2217 link could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum Rfc2217Error {
    #[error(transparent)]
    Connect(#[from] tcp::TcpError),
    #[error("{host}:{port}")]
    Negotiate {
        host: String,
        port: u16,
        #[source]
        source: NegotiateError,
    },
}

/// Why the server did not set the line as asked.
#[derive(Debug, thiserror::Error)]
pub enum NegotiateError {
    /// Sending a request failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// No answer to `WILL COM-PORT-OPTION`.
    #[error(
        "{wait}: the server does not speak RFC 2217; use telnet://HOST:PORT (and set the \
         speed on the server), or enable it (ser2net: accepter telnet(rfc2217),PORT)"
    )]
    NoOption { wait: WaitError },
    #[error(
        "the server refused COM-PORT-OPTION (it does not speak RFC 2217): use \
         telnet://HOST:PORT and set the speed on the server, or enable it \
         (ser2net: accepter telnet(rfc2217),PORT)"
    )]
    Refused,
    /// Some settings were not answered; `missing` describes them.
    #[error("{wait} (not confirmed: {})", missing.join(", "))]
    NotConfirmed { wait: WaitError, missing: Vec<String> },
    /// The server answered with other values; `wrong` says what was asked and what the line is at.
    #[error(
        "the console server did not take the line settings: {} (is the port's speed \
         locked in the server's configuration, or the adapter unable to do it?)",
        wrong.join("; ")
    )]
    NotTaken { wrong: Vec<String> },
}

/// Waiting for the server's answer ended without it; `what` names the wait ("to WILL
/// COM-PORT-OPTION").
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("no answer {what} within {secs} s")]
    Timeout { what: &'static str, secs: u64 },
    /// The server refused the connection before closing it (another user holds the port).
    #[error(transparent)]
    Refused(io::Error),
    #[error("the console server closed the connection {what}")]
    Closed { what: &'static str },
    #[error("{error} {what}")]
    Io { error: io::Error, what: &'static str },
}

/// A console-server port whose line settings were set over RFC 2217.
pub struct Rfc2217Link {
    inner: TelnetLink<std::net::TcpStream>,
    settings: SerialSettings,
}

impl Rfc2217Link {
    /// Connects to `host:port` and sets the line to `settings`; `name` is what
    /// [`Link::describe`] reports.
    pub fn open(
        host: &str,
        port: u16,
        settings: &SerialSettings,
        name: String,
    ) -> Result<Self, Rfc2217Error> {
        let stream = tcp::connect(host, port)?;
        let inner = TelnetLink::with_codec(stream, TelnetCodec::with_com_port(), name);
        let mut link = Rfc2217Link { inner, settings: *settings };
        link.negotiate(settings).map_err(|source| Rfc2217Error::Negotiate {
            host: host.to_string(),
            port,
            source,
        })?;
        Ok(link)
    }

    /// The line settings the server confirmed.
    pub fn settings(&self) -> SerialSettings {
        self.settings
    }

    /// Reads from the server until `done` holds, for at most [`NEGOTIATION_TIMEOUT`].
    fn wait_for(
        &mut self,
        what: &'static str,
        mut done: impl FnMut(&mut Self) -> bool,
    ) -> Result<(), WaitError> {
        let deadline = Instant::now() + NEGOTIATION_TIMEOUT;
        while !done(self) {
            if Instant::now() >= deadline {
                return Err(WaitError::Timeout { what, secs: NEGOTIATION_TIMEOUT.as_secs() });
            }
            match self.inner.pump() {
                Ok(true) => {}
                Ok(false) => {
                    return Err(match self.inner.closed() {
                        Err(e) => WaitError::Refused(e),
                        Ok(_) => WaitError::Closed { what },
                    })
                }
                Err(error) => return Err(WaitError::Io { error, what }),
            }
        }
        Ok(())
    }

    /// Offers COM-PORT-OPTION, sets the line and checks every answer.
    pub fn negotiate(&mut self, settings: &SerialSettings) -> Result<(), NegotiateError> {
        if self.inner.codec_mut().com_port_answer() != Some(true) {
            self.inner.codec_mut().offered_local(COM_PORT);
            self.inner.send_command(&[IAC, WILL, COM_PORT])?;
            self.wait_for("to WILL COM-PORT-OPTION", |l| {
                l.inner.codec_mut().com_port_answer().is_some()
            })
            .map_err(|wait| NegotiateError::NoOption { wait })?;
            if self.inner.codec_mut().com_port_answer() != Some(true) {
                return Err(NegotiateError::Refused);
            }
        }
        let wanted = requests(settings);
        let mut out = Vec::new();
        for (code, value) in &wanted {
            out.extend(subnegotiation(*code, value));
        }
        self.inner.send_command(&out)?;
        let mut answers: Vec<Option<Vec<u8>>> = vec![None; wanted.len()];
        let codes: Vec<u8> = wanted.iter().map(|w| w.0).collect();
        self.wait_for("to the line settings", |l| {
            for sub in l.inner.codec_mut().take_subnegotiations() {
                let Some((&code, value)) = sub.split_first() else { continue };
                let Some(asked) = code.checked_sub(SERVER_OFFSET) else { continue };
                if let Some(i) = codes.iter().position(|c| *c == asked) {
                    answers[i] = Some(value.to_vec());
                }
            }
            answers.iter().all(Option::is_some)
        })
        .map_err(|wait| {
            let missing: Vec<String> = wanted
                .iter()
                .zip(&answers)
                .filter(|(_, a)| a.is_none())
                .map(|((c, v), _)| describe_value(*c, v))
                .collect();
            NegotiateError::NotConfirmed { wait, missing }
        })?;
        let mut wrong = Vec::new();
        for ((code, value), answer) in wanted.iter().zip(&answers) {
            let got = answer.as_deref().unwrap_or_default();
            if got != value.as_slice() {
                wrong.push(format!(
                    "asked for {}, the line is at {}",
                    describe_value(*code, value),
                    describe_value(*code, got)
                ));
            }
        }
        if !wrong.is_empty() {
            return Err(NegotiateError::NotTaken { wrong });
        }
        self.settings = *settings;
        Ok(())
    }
}

impl Read for Rfc2217Link {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = self.inner.read(buf);
        // Line and modem state notifications carry nothing the session uses.
        let _ = self.inner.codec_mut().take_subnegotiations();
        r
    }
}

impl Write for Rfc2217Link {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Rfc2217Link {
    /// Sends one SET-CONTROL request and waits for the server's answer (SET-CONTROL + 100).
    /// Serial data arriving meanwhile is kept for later reads.
    fn control(&mut self, value: u8, what: &'static str) -> Result<(), ControlError> {
        let name = self.inner.describe();
        let fail = |e: BoxError| ControlError::failed(&name, Control::Break, e);
        // Earlier notifications must not be taken for the answer.
        let _ = self.inner.codec_mut().take_subnegotiations();
        self.inner
            .send_command(&subnegotiation(SET_CONTROL, &[value]))
            .map_err(|e| fail(e.into()))?;
        let mut answered = false;
        self.wait_for(what, |l| {
            for sub in l.inner.codec_mut().take_subnegotiations() {
                if sub.first() == Some(&(SET_CONTROL + SERVER_OFFSET)) {
                    answered = true;
                }
            }
            answered
        })
        .map_err(|e| fail(e.into()))
    }
}

impl Link for Rfc2217Link {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    /// SET-CONTROL BREAK-ON, `duration`, SET-CONTROL BREAK-OFF, each confirmed by the server.
    /// BREAK-OFF is sent even when BREAK-ON was not confirmed, so the line is not left in break.
    fn send_break(&mut self, duration: Duration) -> Result<(), ControlError> {
        let on = self.control(CONTROL_BREAK_ON, "to SET-CONTROL BREAK-ON");
        if on.is_ok() {
            std::thread::sleep(duration);
        }
        let off = self.control(CONTROL_BREAK_OFF, "to SET-CONTROL BREAK-OFF");
        on.and(off)
    }

    fn line_settings(&self) -> Option<SerialSettings> {
        Some(self.settings)
    }

    /// Sends the five settings again and checks every answer, as on connect.
    fn set_line_settings(&mut self, settings: &SerialSettings) -> Result<(), ControlError> {
        let name = self.inner.describe();
        settings.validate().map_err(|e| ControlError::failed(&name, Control::LineSettings, e))?;
        self.negotiate(settings).map_err(|e| ControlError::failed(name, Control::LineSettings, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_follow_rfc2217_codes_and_escape_iac() {
        let s = SerialSettings::default();
        let r = requests(&s);
        assert_eq!(r[0], (SET_BAUDRATE, vec![0, 1, 0xC2, 0]));
        assert_eq!(r[2], (SET_PARITY, vec![1]));
        assert_eq!(r[4], (SET_CONTROL, vec![1]));
        // 0x00FF00FF baud would need escaping.
        assert_eq!(
            subnegotiation(SET_BAUDRATE, &[0, 0xFF, 0, 0xFF]),
            vec![IAC, SB, COM_PORT, 1, 0, 0xFF, 0xFF, 0, 0xFF, 0xFF, IAC, SE]
        );
        assert_eq!(describe_value(SET_BAUDRATE, &9600u32.to_be_bytes()), "9600 baud");
    }
}
