//! What a session needs to connect, resolved once (flag > environment > prompt or scenario
//! default) so nothing downstream sees an unsettled option.

use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use sacdoc_link::Connector;

/// A password. Never printed: `Debug` and `Display` show a placeholder.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The password itself, for typing it into the login prompt only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The account used to log in to cmd channels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    /// Empty for a local account.
    pub domain: String,
    pub password: Secret,
}

/// Which output style the cmd channel uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Server 2022 and later: text and CRLF streamed as printed.
    Stream,
    /// Server 2016/2019: an 80x24 screen painted with cursor positioning, no scrollback; fast
    /// output skips screens.
    Painted,
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Profile::Stream => "stream (Server 2022 style)",
            Profile::Painted => "painted 80x24 (Server 2016/2019 style)",
        })
    }
}

/// Everything [`super::Session::connect`] needs.
#[derive(Debug, Clone)]
pub struct ConnectConfig {
    /// The console to open (and to reopen after a loss): the binary's parsed target.
    pub target: Arc<dyn Connector>,
    pub credentials: Credentials,
    /// Where the asciicast transcript goes.
    pub record: Recording,
    /// Leave the cmd channel open at the end (it is closed with `exit` otherwise).
    pub keep_channel: bool,
    /// Longest wait without progress for any one step (a prompt; a command's output, which may
    /// take as long as it keeps coming).
    pub timeout: Duration,
    /// Longest time one command may take in all, if capped (`--max-time`).
    pub max_time: Option<Duration>,
    /// Reconnect when the link drops.
    pub reconnect: bool,
    /// Largest output accepted from one command, in bytes.
    pub output_limit: u64,
    /// Largest transcript file, in bytes: past it a marker says so and recording stops.
    pub transcript_cap: u64,
    /// The output style, when known in advance; detected otherwise.
    pub profile: Option<Profile>,
    /// Set by the operator's Ctrl+C: the command running on the VM is stopped and cleaned up.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Told of every loss and reconnect of the link (with `reconnect`), for the operator.
    pub link_events: Option<LinkEvents>,
}

/// Something told of every [`sacdoc_link::reconnect::LinkEvent`], from the thread doing the I/O.
#[derive(Clone)]
pub struct LinkEvents(pub Arc<dyn Fn(&sacdoc_link::reconnect::LinkEvent) + Send + Sync>);

impl std::fmt::Debug for LinkEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkEvents")
    }
}

impl ConnectConfig {
    /// A configuration with the defaults for everything but the target and the account.
    pub fn new(target: impl Connector + 'static, credentials: Credentials) -> ConnectConfig {
        ConnectConfig {
            target: Arc::new(target),
            credentials,
            record: Recording::Off,
            keep_channel: false,
            timeout: Duration::from_secs(60),
            max_time: None,
            reconnect: false,
            output_limit: 16 * 1024 * 1024,
            transcript_cap: sacdoc_transcript::DEFAULT_TRANSCRIPT_CAP,
            profile: None,
            cancel: None,
            link_events: None,
        }
    }
}

/// Where a session is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recording {
    /// Not recorded (`--no-record`).
    Off,
    /// A new file, named by date, time and target, in this folder (the default: sacdoc's
    /// transcripts folder).
    InFolder(PathBuf),
    /// This file (`--record PATH`); an existing non-empty file is never overwritten.
    Path(PathBuf),
}
