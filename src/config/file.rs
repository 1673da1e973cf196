//! The configuration file: defaults for every console and named consoles, like PuTTY's saved
//! sessions and tio's profiles.
//!
//! ```toml
//! [defaults]
//! timeout = 60
//!
//! [consoles.web01]
//! target = "telnet://consoles:2001"
//! user = "admin"
//! domain = "CONTOSO"
//! password_file = "/home/me/.config/sacdoc/web01.password"   # or password_env = "WEB01_PW"
//! profile = "ws2019"
//! reconnect = true
//!
//! [consoles.lab-com3]
//! target = "COM3"
//! baud = 9600
//! ```
//!
//! `sacdoc doctor web01` then connects to `telnet://consoles:2001` as `CONTOSO\admin`. A flag or
//! a `SACDOC_*` variable still wins over the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Settings of one console, or the defaults of all of them. Every field is optional: what is not
/// set falls back to `[defaults]`, then to sacdoc's own default.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleProfile {
    /// Where the console is, in any TARGET form (`COM1`, `tcp://HOST:PORT`, ...).
    pub target: Option<String>,
    pub user: Option<String>,
    pub domain: Option<String>,
    /// The password itself. Allowed, but the file must then be readable by its owner only.
    pub password: Option<String>,
    /// A file whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// An environment variable holding the password.
    pub password_env: Option<String>,
    /// Console style: `ws2022` (streaming) or `ws2019`/`ws2016` (painted).
    pub profile: Option<String>,
    /// Serial line settings, for serial ports and RFC 2217 console servers.
    pub baud: Option<u32>,
    pub parity: Option<String>,
    pub data: Option<u8>,
    pub stop: Option<u8>,
    pub flow: Option<String>,
    /// Record sessions (default true).
    pub record: Option<bool>,
    pub reconnect: Option<bool>,
    pub keep_channel: Option<bool>,
    /// Seconds without progress before a step or a command is given up.
    pub timeout: Option<u64>,
    /// Seconds: the longest time one command may take in all.
    pub max_time: Option<u64>,
    /// Bytes: the largest output accepted from one command.
    pub output_limit: Option<u64>,
    /// Bytes: the largest transcript; recording stops there with a note.
    pub transcript_cap: Option<u64>,
}

impl ConsoleProfile {
    /// This profile with every unset field taken from `base`.
    pub fn over(&self, base: &ConsoleProfile) -> ConsoleProfile {
        macro_rules! pick {
            ($($f:ident),*) => { ConsoleProfile { $($f: self.$f.clone().or_else(|| base.$f.clone())),* } };
        }
        pick!(
            target,
            user,
            domain,
            password,
            password_file,
            password_env,
            profile,
            baud,
            parity,
            data,
            stop,
            flow,
            record,
            reconnect,
            keep_channel,
            timeout,
            max_time,
            output_limit,
            transcript_cap
        )
    }
}

/// How long transcripts are kept (`[transcripts]`), applied each time a session starts recording
/// into the transcripts folder: every session is recorded, and an afternoon's work leaves dozens.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// At most N transcripts, the newest, counting the one of the session starting.
    pub keep: Option<usize>,
    /// Delete transcripts last written more than this many days ago.
    pub older_than_days: Option<u64>,
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub defaults: ConsoleProfile,
    #[serde(default)]
    pub consoles: BTreeMap<String, ConsoleProfile>,
    #[serde(default)]
    pub transcripts: Retention,
}

/// The file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid (fix it, or move it away)")]
    Parse {
        path: PathBuf,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error(
        "console {name:?} in {path} has no target: add target = \"COM1\" (or tcp://HOST:PORT, ...)"
    )]
    NoTarget { name: String, path: PathBuf },
    #[error("{path} holds a password but can be read by other users: run `chmod 600 {path}`")]
    Exposed { path: PathBuf },
}

impl ConfigFile {
    /// Parses the text of a configuration file (`path` only names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
        let file: ConfigFile = toml::from_str(text)
            .map_err(|e| ConfigError::Parse { path: path.into(), source: Box::new(e) })?;
        for (name, c) in &file.consoles {
            if c.target.is_none() {
                return Err(ConfigError::NoTarget { name: name.clone(), path: path.into() });
            }
        }
        Ok(file)
    }

    /// Reads `path`; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(source) => return Err(ConfigError::Read { path: path.into(), source }),
        };
        let file = ConfigFile::parse(&text, path)?;
        if file.holds_password() && readable_by_others(path) {
            return Err(ConfigError::Exposed { path: path.into() });
        }
        Ok(file)
    }

    fn holds_password(&self) -> bool {
        self.defaults.password.is_some() || self.consoles.values().any(|c| c.password.is_some())
    }

    /// The named console merged over `[defaults]`, if there is one by that name.
    pub fn console(&self, name: &str) -> Option<ConsoleProfile> {
        self.consoles.get(name).map(|c| c.over(&self.defaults))
    }
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    // The user's profile folder (%APPDATA%) is private to the user by default on Windows.
    false
}

/// Where the configuration file is by default: `~/.config/sacdoc/config.toml` on Linux,
/// `%APPDATA%\sacdoc\config\config.toml` on Windows, `~/Library/Application Support/sacdoc/` on
/// macOS.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "sacdoc").map(|d| d.config_dir().join("config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_fields_fall_back_to_defaults() {
        let f = ConfigFile::parse(
            "[defaults]\nuser = \"admin\"\ntimeout = 90\n\n[consoles.web01]\ntarget = \"COM3\"\nbaud = 9600\nuser = \"ops\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let c = f.console("web01").unwrap();
        assert_eq!(c.target.as_deref(), Some("COM3"));
        assert_eq!(c.user.as_deref(), Some("ops"));
        assert_eq!(c.timeout, Some(90));
        assert_eq!(c.baud, Some(9600));
        assert!(f.console("nosuch").is_none());
    }

    #[test]
    fn unknown_keys_and_consoles_without_target_are_refused() {
        let e = ConfigFile::parse("[defaults]\ntimout = 5\n", Path::new("c.toml")).unwrap_err();
        assert!(format!("{:#}", anyhow::Error::new(e)).contains("timout"));
        let e = ConfigFile::parse("[consoles.x]\nuser = \"a\"\n", Path::new("c.toml")).unwrap_err();
        assert!(e.to_string().contains("has no target"), "{e}");
    }

    #[test]
    fn a_missing_file_is_empty_and_a_password_in_a_shared_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert_eq!(ConfigFile::load(&p).unwrap(), ConfigFile::default());
        std::fs::write(&p, "[consoles.a]\ntarget = \"COM1\"\npassword = \"x\"\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(ConfigFile::load(&p), Err(ConfigError::Exposed { .. })));
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(ConfigFile::load(&p).unwrap().console("a").is_some());
    }
}
