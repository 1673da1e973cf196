//! Real and virtual serial ports (COM1, /dev/ttyS0, a USB adapter, a hypervisor's pty) through the
//! `serialport` crate. EMS is configured for 115200 8N1 without flow control almost everywhere, so
//! that is the default.

use std::io::{self, Read, Write};
use std::time::Instant;

use serialport::SerialPort;

use super::{Control, ControlError, Link, READ_TIMEOUT, WRITE_TIMEOUT};

#[cfg(unix)]
type NativePort = serialport::TTYPort;
#[cfg(windows)]
type NativePort = serialport::COMPort;

/// Parity bit setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parity {
    None,
    Odd,
    Even,
}

/// Flow control setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    None,
    /// XON/XOFF.
    Software,
    /// RTS/CTS.
    Hardware,
}

/// Line settings of a serial port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialSettings {
    pub baud: u32,
    pub parity: Parity,
    /// 5 to 8.
    pub data_bits: u8,
    /// 1 or 2.
    pub stop_bits: u8,
    pub flow: Flow,
}

impl Default for SerialSettings {
    /// 115200 8N1, no flow control: what `bcdedit /emssettings EMSBAUDRATE:115200` gives.
    fn default() -> Self {
        SerialSettings {
            baud: 115_200,
            parity: Parity::None,
            data_bits: 8,
            stop_bits: 1,
            flow: Flow::None,
        }
    }
}

impl Parity {
    /// The word used in target strings (`parity=none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Parity::None => "none",
            Parity::Odd => "odd",
            Parity::Even => "even",
        }
    }
    /// Parses `none`/`odd`/`even` (or `n`/`o`/`e`), any case.
    pub fn parse(s: &str) -> Option<Parity> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "n" => Some(Parity::None),
            "odd" | "o" => Some(Parity::Odd),
            "even" | "e" => Some(Parity::Even),
            _ => None,
        }
    }
}

impl Flow {
    /// The word used in target strings (`flow=none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::None => "none",
            Flow::Software => "software",
            Flow::Hardware => "hardware",
        }
    }
    /// Parses `none`/`software`/`hardware` (or `xonxoff`/`rtscts`), any case.
    pub fn parse(s: &str) -> Option<Flow> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "off" => Some(Flow::None),
            "software" | "xonxoff" | "xon/xoff" => Some(Flow::Software),
            "hardware" | "rtscts" | "rts/cts" => Some(Flow::Hardware),
            _ => None,
        }
    }
}

/// Why a serial port could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    /// The port accepted the request but reads back other values (a pty forces 8 data bits
    /// and no parity; some adapters cannot do every speed).
    #[error("the port did not take the line settings: {}", wrong.join("; "))]
    NotTaken { wrong: Vec<String> },
    #[error("{0} baud is not possible")]
    Baud(u32),
    #[error("{0} data bits is not possible (use 5, 6, 7 or 8)")]
    DataBits(u8),
    #[error("{0} stop bits is not possible (use 1 or 2)")]
    StopBits(u8),
    /// The port would not open; `hint` names the usual cause for the error's kind. The error
    /// stands in the middle of the message, before the advice, so it is not a separate source.
    #[error("{path}: {error}: {hint}")]
    Open { path: String, error: serialport::Error, hint: &'static str },
}

/// An open serial port.
pub struct SerialLink {
    port: NativePort,
    name: String,
    settings: SerialSettings,
}

/// The `serialport` values for `settings`, or why they are impossible.
fn native(
    settings: &SerialSettings,
) -> Result<
    (serialport::DataBits, serialport::StopBits, serialport::Parity, serialport::FlowControl),
    SerialError,
> {
    let data_bits = match settings.data_bits {
        5 => serialport::DataBits::Five,
        6 => serialport::DataBits::Six,
        7 => serialport::DataBits::Seven,
        8 => serialport::DataBits::Eight,
        n => return Err(SerialError::DataBits(n)),
    };
    let stop_bits = match settings.stop_bits {
        1 => serialport::StopBits::One,
        2 => serialport::StopBits::Two,
        n => return Err(SerialError::StopBits(n)),
    };
    let parity = match settings.parity {
        Parity::None => serialport::Parity::None,
        Parity::Odd => serialport::Parity::Odd,
        Parity::Even => serialport::Parity::Even,
    };
    let flow = match settings.flow {
        Flow::None => serialport::FlowControl::None,
        Flow::Software => serialport::FlowControl::Software,
        Flow::Hardware => serialport::FlowControl::Hardware,
    };
    Ok((data_bits, stop_bits, parity, flow))
}

impl SerialSettings {
    /// Checks the values a serial line can take: a baud rate above zero, 5 to 8 data bits, 1 or
    /// 2 stop bits. What a dialog calls before sending them.
    pub fn validate(&self) -> Result<(), SerialError> {
        if self.baud == 0 {
            return Err(SerialError::Baud(self.baud));
        }
        native(self).map(|_| ())
    }
}

impl std::fmt::Display for SerialSettings {
    /// `115200 8N1 flow none`, the way terminal programs print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = match self.parity {
            Parity::None => 'N',
            Parity::Odd => 'O',
            Parity::Even => 'E',
        };
        write!(
            f,
            "{} {}{}{} flow {}",
            self.baud,
            self.data_bits,
            p,
            self.stop_bits,
            self.flow.as_str()
        )
    }
}

impl SerialLink {
    /// Opens `path` (`COM1`, `/dev/ttyS0`, a pty slave, ...) with `settings`. `name` is what
    /// [`Link::describe`] reports.
    pub fn open(path: &str, settings: &SerialSettings, name: String) -> Result<Self, SerialError> {
        let (data_bits, stop_bits, parity, flow) = native(settings)?;
        let port = serialport::new(path, settings.baud)
            .data_bits(data_bits)
            .stop_bits(stop_bits)
            .parity(parity)
            .flow_control(flow)
            .timeout(READ_TIMEOUT)
            .open_native()
            .map_err(|e| open_error(path, e))?;
        Ok(SerialLink { port, name, settings: *settings })
    }
}

impl SerialLink {
    /// The settings the port reports now.
    fn read_back(&self) -> Option<SerialSettings> {
        let data_bits = match self.port.data_bits().ok()? {
            serialport::DataBits::Five => 5,
            serialport::DataBits::Six => 6,
            serialport::DataBits::Seven => 7,
            serialport::DataBits::Eight => 8,
        };
        let parity = match self.port.parity().ok()? {
            serialport::Parity::None => Parity::None,
            serialport::Parity::Odd => Parity::Odd,
            serialport::Parity::Even => Parity::Even,
        };
        let stop_bits = match self.port.stop_bits().ok()? {
            serialport::StopBits::One => 1,
            serialport::StopBits::Two => 2,
        };
        let flow = match self.port.flow_control().ok()? {
            serialport::FlowControl::None => Flow::None,
            serialport::FlowControl::Software => Flow::Software,
            serialport::FlowControl::Hardware => Flow::Hardware,
        };
        let baud = self.port.baud_rate().ok()?;
        Some(SerialSettings { baud, parity, data_bits, stop_bits, flow })
    }
}

/// What differs between the settings asked for and those the port is at, in words.
fn differences(asked: &SerialSettings, got: &SerialSettings) -> Vec<String> {
    let mut out = Vec::new();
    let mut diff = |what: &str, a: String, g: String| {
        if a != g {
            out.push(format!("asked for {a} {what}, the port is at {g}"));
        }
    };
    diff("baud", asked.baud.to_string(), got.baud.to_string());
    diff("data bits", asked.data_bits.to_string(), got.data_bits.to_string());
    diff("parity", asked.parity.as_str().into(), got.parity.as_str().into());
    diff("stop bits", asked.stop_bits.to_string(), got.stop_bits.to_string());
    diff("flow control", asked.flow.as_str().into(), got.flow.as_str().into());
    out
}

/// Turns a `serialport` open error into advice: the usual causes are a wrong name, a port held by
/// another program (a hypervisor console, minicom, screen) and missing permissions.
fn open_error(path: &str, e: serialport::Error) -> SerialError {
    let hint = match e.kind() {
        serialport::ErrorKind::NoDevice => {
            "the port is busy (another program such as screen, minicom or a console relay holds \
             it; close it and retry)"
        }
        serialport::ErrorKind::Io(io::ErrorKind::NotFound) => {
            "no such device (check the name; on Linux list /dev/ttyS* and /dev/ttyUSB*)"
        }
        serialport::ErrorKind::Io(io::ErrorKind::PermissionDenied) => {
            "permission denied (on Linux add yourself to the dialout group, or run with access \
             to the device)"
        }
        _ => "check the port name and that nothing else uses it",
    };
    SerialError::Open { path: path.to_string(), error: e, hint }
}

impl Read for SerialLink {
    #[cfg(unix)]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::fd::AsRawFd;
        super::fd::read(self.port.as_raw_fd(), buf, READ_TIMEOUT)
    }

    #[cfg(not(unix))]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.port.read(buf)
    }
}

impl Write for SerialLink {
    /// Writes, waiting through short write timeouts (flow control, a full buffer) up to
    /// [`WRITE_TIMEOUT`] before reporting the port as stuck.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let deadline = Instant::now() + WRITE_TIMEOUT;
        loop {
            match self.port.write(buf) {
                Err(e) if super::is_no_data(&e) && Instant::now() < deadline => continue,
                Err(e) if super::is_no_data(&e) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "{} accepted no data for {} s (flow control holding the line?)",
                            self.name,
                            WRITE_TIMEOUT.as_secs()
                        ),
                    ))
                }
                other => return other,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.port.flush() {
            Err(e) if super::is_no_data(&e) => Ok(()),
            other => other,
        }
    }
}

impl Link for SerialLink {
    fn describe(&self) -> String {
        self.name.clone()
    }

    /// Sets the break condition, holds it for `duration`, and clears it (clearing is tried even
    /// if the wait was cut short, so the line is never left in break).
    fn send_break(&mut self, duration: std::time::Duration) -> Result<(), ControlError> {
        let fail = |e: serialport::Error| ControlError::failed(&self.name, Control::Break, e);
        self.port.set_break().map_err(fail)?;
        std::thread::sleep(duration);
        self.port.clear_break().map_err(fail)
    }

    fn line_settings(&self) -> Option<SerialSettings> {
        Some(self.settings)
    }

    /// Applies every value, in the order a terminal program does (framing, then speed); on a
    /// failure the settings kept are the ones read back from the port where it can say.
    fn set_line_settings(&mut self, settings: &SerialSettings) -> Result<(), ControlError> {
        let what = Control::LineSettings;
        settings.validate().map_err(|e| ControlError::failed(&self.name, what, e))?;
        let (data_bits, stop_bits, parity, flow) =
            native(settings).map_err(|e| ControlError::failed(&self.name, what, e))?;
        let r = self
            .port
            .set_data_bits(data_bits)
            .and_then(|_| self.port.set_parity(parity))
            .and_then(|_| self.port.set_stop_bits(stop_bits))
            .and_then(|_| self.port.set_flow_control(flow))
            .and_then(|_| self.port.set_baud_rate(settings.baud));
        if let Err(e) = r {
            return Err(ControlError::failed(&self.name, what, e));
        }
        // What the port is at now, as it reads back: the settings kept and reported.
        let actual = self.read_back().unwrap_or(*settings);
        self.settings = actual;
        let wrong = differences(settings, &actual);
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(ControlError::failed(&self.name, what, SerialError::NotTaken { wrong }))
        }
    }
}
