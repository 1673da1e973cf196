//! The websocket to the serial console relay, as a [`Link`].

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use tungstenite::protocol::frame::CloseFrame;
use tungstenite::{Message, WebSocket};

use super::net::{encode, Net, Url};
use super::{arm, AzureError, AzureVm, Endpoints, Token};
use crate::{final_error, is_no_data, no_data, Link, READ_TIMEOUT, WRITE_TIMEOUT};

/// How long the relay may take to accept the websocket and send its first message.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);

/// Substrings of a close reason that mean another user took the console over.
/// GUESS: the relay's exact wording is not documented; `SACDOC_AZURE_TAKEOVER_TEXT` adds one.
pub const TAKEOVER_WORDS: &[&str] =
    &["another user", "another session", "taken over", "took over", "takeover", "new connection"];

/// How the client talks to the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureOptions {
    /// The newer flow (`&new=1`): the relay's first message is a handshake, answered with the
    /// token and not shown. Off: the older flow, where it is console output.
    pub first_message_is_handshake: bool,
    /// Send each byte as its own message, as `az serial-console` does with keys. Off: one message
    /// per write. GUESS: the relay accepts several bytes per message (the portal pastes text).
    pub byte_per_message: bool,
    /// Extra text that marks a takeover in a close reason.
    pub takeover_text: Option<String>,
}

impl Default for AzureOptions {
    fn default() -> Self {
        AzureOptions {
            first_message_is_handshake: true,
            byte_per_message: false,
            takeover_text: None,
        }
    }
}

/// The console of one Azure VM.
pub struct AzureLink {
    ws: WebSocket<Net>,
    token: Token,
    vm: AzureVm,
    opts: AzureOptions,
    /// The relay's first message has been seen.
    greeted: bool,
    pending: Vec<u8>,
    /// Set once the relay closed: the error (or end) every later read reports.
    closed: Option<(io::ErrorKind, String, bool)>,
    name: String,
    /// The connection string (without the token), for admin commands.
    connection: String,
    /// Trusted roots and proxy, for admin commands sent later.
    endpoints: super::Endpoints,
}

impl AzureLink {
    /// Connects with the configured token (else the Azure CLI's), endpoints and options.
    pub fn open(
        vm: &AzureVm,
        settings: &super::AzureSettings,
        name: String,
    ) -> Result<AzureLink, AzureError> {
        let token = settings.token()?;
        Self::open_with(vm, &settings.endpoints, token, settings.options.clone(), name)
    }

    /// Connects: management calls, websocket, token, handshake.
    pub fn open_with(
        vm: &AzureVm,
        ep: &Endpoints,
        token: Token,
        opts: AzureOptions,
        name: String,
    ) -> Result<AzureLink, AzureError> {
        let connection = arm::connection_string(ep, &token, vm)?;
        let scrub = token.clone();
        let relay = move |m: String| AzureError::Relay(scrub.redact(&m));
        let sep = if connection.contains('?') { '&' } else { '?' };
        let mut url_text = format!("{connection}{sep}authorization={}", encode(token.expose()));
        if opts.first_message_is_handshake {
            url_text.push_str("&new=1");
        }
        let url = Url::parse(&url_text).map_err(|e| relay(e.to_string()))?;
        let net = Net::connect(&url, HANDSHAKE_TIMEOUT, ep).map_err(|e| relay(e.to_string()))?;
        let (ws, _resp) = match tungstenite::client::client(url_text.as_str(), net) {
            Ok(ok) => ok,
            Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(resp))) => {
                let status = resp.status().as_u16();
                let what = "the serial console relay".to_string();
                return Err(match status {
                    401 => AzureError::TokenRejected { status, what },
                    403 => {
                        AzureError::Forbidden { what, vm: vm.to_string(), detail: String::new() }
                    }
                    _ => relay(format!("the websocket was refused with HTTP {status}")),
                });
            }
            Err(e) => return Err(relay(format!("websocket handshake: {e}"))),
        };
        let mut link = AzureLink {
            ws,
            token,
            vm: vm.clone(),
            opts,
            greeted: false,
            pending: Vec::new(),
            closed: None,
            name,
            connection,
            endpoints: ep.clone(),
        };
        link.send_token().map_err(|e| relay(format!("sending the token: {e}")))?;
        if link.opts.first_message_is_handshake {
            link.wait_greeting()?;
        }
        let tcp = link.ws.get_ref().tcp();
        tcp.set_read_timeout(Some(READ_TIMEOUT))
            .and_then(|()| tcp.set_write_timeout(Some(WRITE_TIMEOUT)))
            .map_err(|e| relay(e.to_string()))?;
        Ok(link)
    }

    /// The endpoints this link was opened with (roots, proxy), for admin commands.
    pub fn endpoints(&self) -> &super::Endpoints {
        &self.endpoints
    }

    /// The connection string (without the token), for admin commands.
    pub fn connection_string(&self) -> &str {
        &self.connection
    }

    /// The token this link uses (for admin commands on the same session).
    pub fn token(&self) -> &Token {
        &self.token
    }

    fn send_token(&mut self) -> Result<(), tungstenite::Error> {
        self.ws.send(Message::text(self.token.expose().to_string()))
    }

    /// Waits for the relay's first message (the handshake), failing clearly when it closes.
    fn wait_greeting(&mut self) -> Result<(), AzureError> {
        let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
        self.ws.get_ref().tcp().set_read_timeout(Some(READ_TIMEOUT)).ok();
        while !self.greeted && Instant::now() < deadline {
            match self.pump() {
                Ok(()) => {}
                Err(e) if is_no_data(&e) => {}
                Err(e) => {
                    return Err(match self.closed.as_ref() {
                        Some((_, _, true)) => {
                            AzureError::TakenOver { vm: self.vm.to_string(), reason: String::new() }
                        }
                        _ => AzureError::Relay(self.token.redact(&e.to_string())),
                    })
                }
            }
            if self.closed.is_some() && !self.greeted {
                return Err(AzureError::Relay(
                    "the relay closed the console before it was ready: is the VM running?".into(),
                ));
            }
        }
        // No greeting in time: the first message that comes later is taken as the handshake.
        Ok(())
    }

    /// Reads one websocket message (waiting at most the socket's read timeout).
    fn pump(&mut self) -> io::Result<()> {
        match self.ws.read() {
            Ok(Message::Text(t)) => self.incoming(t.as_bytes()),
            Ok(Message::Binary(b)) => self.incoming(&b),
            Ok(Message::Close(frame)) => {
                self.on_close(frame);
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(tungstenite::Error::Io(e)) if is_no_data(&e) => Err(no_data()),
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                if self.closed.is_none() {
                    self.closed = Some((io::ErrorKind::UnexpectedEof, String::new(), false));
                }
                Ok(())
            }
            Err(e) => {
                let msg =
                    self.token.redact(&format!("{}: the relay connection failed: {e}", self.name));
                self.closed = Some((io::ErrorKind::ConnectionReset, msg.clone(), false));
                Err(io::Error::new(io::ErrorKind::ConnectionReset, msg))
            }
        }
    }

    fn incoming(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.greeted {
            self.greeted = true;
            if self.opts.first_message_is_handshake {
                return self
                    .send_token()
                    .map_err(|e| io::Error::other(self.token.redact(&e.to_string())));
            }
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }

    /// Classifies the relay's close frame.
    fn on_close(&mut self, frame: Option<CloseFrame>) {
        let reason = frame.as_ref().map(|f| f.reason.to_string()).unwrap_or_default();
        let lower = reason.to_ascii_lowercase();
        let extra = self.opts.takeover_text.as_deref().map(str::to_ascii_lowercase);
        let takeover = TAKEOVER_WORDS.iter().any(|w| lower.contains(w))
            || extra.is_some_and(|t| lower.contains(&t));
        self.closed = Some(if takeover {
            let e = AzureError::TakenOver {
                vm: self.vm.to_string(),
                reason: format!(" (the relay said: {:?})", self.token.redact(&reason)),
            };
            (io::ErrorKind::ConnectionAborted, e.to_string(), true)
        } else if reason.is_empty() {
            (io::ErrorKind::UnexpectedEof, String::new(), false)
        } else {
            let msg = format!(
                "{}: the serial console relay closed the connection: {}",
                self.name,
                self.token.redact(&reason)
            );
            (io::ErrorKind::ConnectionAborted, msg, false)
        });
    }

    fn take_pending(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        n
    }

    /// What a read returns once the relay has closed.
    fn closed_result(&self) -> io::Result<usize> {
        match &self.closed {
            Some((_, msg, _)) if msg.is_empty() => Ok(0),
            Some((kind, msg, true)) => Err(final_error(*kind, msg.clone())),
            Some((kind, msg, false)) => Err(io::Error::new(*kind, msg.clone())),
            None => Ok(0),
        }
    }
}

impl Read for AzureLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.pending.is_empty() {
                return Ok(self.take_pending(buf));
            }
            if self.closed.is_some() {
                return self.closed_result();
            }
            self.pump()?;
        }
    }
}

impl Write for AzureLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed.is_some() {
            return match self.closed_result() {
                Err(e) => Err(e),
                Ok(_) => {
                    Err(io::Error::new(io::ErrorKind::BrokenPipe, "the relay closed the console"))
                }
            };
        }
        let chunks: Vec<&[u8]> =
            if self.opts.byte_per_message { buf.chunks(1).collect() } else { vec![buf] };
        for chunk in chunks {
            let msg = match std::str::from_utf8(chunk) {
                Ok(text) => Message::text(text.to_string()),
                Err(_) => Message::binary(chunk.to_vec()),
            };
            self.ws.send(msg).map_err(|e| {
                io::Error::other(self.token.redact(&format!("{}: sending: {e}", self.name)))
            })?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.ws.flush().map_err(|e| io::Error::other(self.token.redact(&e.to_string())))
    }
}

impl Link for AzureLink {
    fn describe(&self) -> String {
        self.name.clone()
    }
}

impl Drop for AzureLink {
    /// Says goodbye so the relay frees the console at once.
    fn drop(&mut self) {
        if self.closed.is_none() {
            let _ = self.ws.close(None);
            let _ = self.ws.flush();
        }
    }
}
