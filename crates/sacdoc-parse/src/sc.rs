//! `sc query`, `sc queryex`, `sc qc` (and `sc start`/`stop`, which print the same block), and the
//! `[SC] <Operation> FAILED <code>:` errors.
//!
//! A real capture (`sc.exe qc usosvc`, redstackio/redstack-vault `codes/code-ef1be4a3.md`):
//!
//! ```text
//! [SC] QueryServiceConfig SUCCESS
//!
//! SERVICE_NAME: usosvc
//!         TYPE               : 20  WIN32_SHARE_PROCESS
//!         START_TYPE         : 2   AUTO_START  (DELAYED)
//!         ERROR_CONTROL      : 1   NORMAL
//! ```
//!
//! Parsed by structure, not by English words: a field is an indented `LABEL : value` line and
//! its meaning comes from the English label when there is one, else from the shape of the value
//! (`4  RUNNING` is a state: the number and the constant name after it are never translated;
//! `0  (0x0)` is an exit code; `0x0` a checkpoint or wait hint), else from its position in the
//! block. The error word after the operation is translated (`FAILED`, `FEHLER`, `失败`,
//! `échec(s)`); the code after it is not, and is what [`ScError::code`] holds.

use serde::Serialize;

use crate::text::Ledger;
use crate::text::{fields, Joined, Line};
use crate::Unparsed;

mod fields;

pub use fields::{CodedValue, ScField, StartTypeValue, StateValue};

/// What `sc` printed: service blocks, `[SC] ... SUCCESS` lines and `[SC] ... FAILED n:` errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScOutput {
    pub services: Vec<ScService>,
    /// `[SC] QueryServiceConfig SUCCESS` and the like.
    pub statuses: Vec<ScStatus>,
    pub errors: Vec<ScError>,
    /// Prompt and command-echo lines of the input (see [`crate::prompt`]), with line numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<crate::Command>,
    /// The runs of output between those commands (empty without a command line).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<crate::Run>,
    pub unparsed: Vec<Unparsed>,
    /// Numbers of the input lines whose content is in the fields above (not serialized).
    #[serde(skip)]
    pub consumed_lines: Vec<usize>,
}

/// `[SC] <operation> <word>`: a status line without an error code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScStatus {
    pub operation: String,
    /// The word after the operation as printed (`SUCCESS`, localized elsewhere).
    pub text: String,
    pub line: usize,
}

/// `[SC] <operation> FAILED <code>:` and the message printed after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScError {
    /// e.g. `OpenService`, `EnumQueryServicesStatus:OpenService`, `StartService`.
    pub operation: String,
    /// The Win32 error code (1060: no such service, 5: access denied, 1056: already running).
    pub code: u32,
    /// The message lines after the code line, joined with a space (translated).
    pub message: String,
    pub line: usize,
}

/// Service states, numbered as `SERVICE_STATUS.dwCurrentState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceState {
    Stopped = 1,
    StartPending = 2,
    StopPending = 3,
    Running = 4,
    ContinuePending = 5,
    PausePending = 6,
    Paused = 7,
}

impl ServiceState {
    /// Every state, in number order.
    pub const ALL: [ServiceState; 7] = [
        ServiceState::Stopped,
        ServiceState::StartPending,
        ServiceState::StopPending,
        ServiceState::Running,
        ServiceState::ContinuePending,
        ServiceState::PausePending,
        ServiceState::Paused,
    ];

    /// From the number `sc` prints.
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// From a constant name: `RUNNING`/`STOP_PENDING` (sc) or `Running`/`StopPending`
    /// (PowerShell's `ServiceControllerStatus`), case-insensitive.
    pub fn from_name(name: &str) -> Option<Self> {
        use ServiceState::*;
        let n: String = name.chars().filter(|c| *c != '_').collect::<String>().to_ascii_lowercase();
        Some(match n.as_str() {
            "stopped" => Stopped,
            "startpending" => StartPending,
            "stoppending" => StopPending,
            "running" => Running,
            "continuepending" => ContinuePending,
            "pausepending" => PausePending,
            "paused" => Paused,
            _ => return None,
        })
    }

    /// The number (`4` for running).
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// Start types, numbered as the `Start` registry value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StartType {
    Boot = 0,
    System = 1,
    Auto = 2,
    Demand = 3,
    Disabled = 4,
}

impl StartType {
    /// Every start type, in number order.
    pub const ALL: [StartType; 5] = [
        StartType::Boot,
        StartType::System,
        StartType::Auto,
        StartType::Demand,
        StartType::Disabled,
    ];

    /// From the number `sc qc` prints.
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// From `AUTO_START`/`DEMAND_START`/`DISABLED` (sc) or `Automatic`/`Manual`/`Disabled`
    /// (PowerShell's `ServiceStartMode`), case-insensitive.
    pub fn from_name(name: &str) -> Option<Self> {
        use StartType::*;
        let n: String = name.chars().filter(|c| *c != '_').collect::<String>().to_ascii_lowercase();
        Some(match n.as_str() {
            "bootstart" | "boot" => Boot,
            "systemstart" | "system" => System,
            "autostart" | "automatic" | "auto" => Auto,
            "demandstart" | "manual" | "demand" => Demand,
            "disabled" => Disabled,
            _ => return None,
        })
    }

    /// The number (`2` for automatic).
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// One `SERVICE_NAME:` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScService {
    pub name: String,
    pub display_name: Option<String>,
    /// `TYPE`: the hexadecimal type bits (`20` = share process) and the name printed after them.
    pub service_type: Option<CodedValue>,
    pub state: Option<StateValue>,
    /// The accepted controls printed under the state: `STOPPABLE`, `NOT_PAUSABLE`, ...
    pub controls: Vec<String>,
    pub win32_exit_code: Option<u32>,
    pub service_exit_code: Option<u32>,
    pub checkpoint: Option<u32>,
    pub wait_hint: Option<u32>,
    /// `sc queryex`: the hosting process (0 when stopped).
    pub pid: Option<u32>,
    pub flags: Option<String>,
    pub start_type: Option<StartTypeValue>,
    pub error_control: Option<CodedValue>,
    pub binary_path: Option<String>,
    pub load_order_group: Option<String>,
    pub tag: Option<u32>,
    pub dependencies: Vec<String>,
    pub start_name: Option<String>,
    /// Every field as printed, in order, with the meaning given to it.
    pub fields: Vec<ScField>,
    pub line: usize,
}

impl ScService {
    /// The state number (`4` = running), if a state was printed.
    pub fn state_code(&self) -> Option<u32> {
        self.state.as_ref().map(|s| s.code)
    }

    /// The start type number (`2` = automatic), if a start type was printed.
    pub fn start_type_code(&self) -> Option<u32> {
        self.start_type.as_ref().map(|s| s.code)
    }
}

impl ScOutput {
    /// The block of service `name` (case-insensitive, as Windows compares service names).
    pub fn service(&self, name: &str) -> Option<&ScService> {
        self.services.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// The PID `sc queryex` reported for service `name` (`None` when not printed or 0).
    pub fn pid_of(&self, name: &str) -> Option<u32> {
        self.service(name).and_then(|s| s.pid).filter(|p| *p != 0)
    }

    /// True when an error said the service does not exist (1060).
    pub fn service_missing(&self) -> bool {
        self.errors.iter().any(|e| e.code == 1060)
    }
}

/// Parses `sc` output. Never fails: lines that fit no shape are kept in `unparsed`.
pub fn parse(input: &str) -> ScOutput {
    let mut ledger = Ledger::new(input);
    let joined = ledger.joined(continues);
    let mut p = Parser { out: ScOutput::default(), pending_error: false };
    for j in &joined {
        if j.is_blank() {
            p.blank();
            continue;
        }
        if p.line(j) {
            ledger.take(j);
        } else {
            ledger.reject(j);
        }
    }
    let (commands, runs) = (ledger.commands().to_vec(), ledger.runs());
    let (consumed, unparsed) = ledger.finish();
    let mut out = p.out;
    out.consumed_lines = consumed;
    out.unparsed = unparsed;
    out.commands = commands;
    out.runs = runs;
    out
}

/// A line the console wrapped at 80 columns continues on a line that has no shape of its own.
fn continues(_cur: &str, next: &Line<'_>) -> bool {
    let t = next.text;
    !(t.starts_with("[SC]")
        || top_label(t).is_some()
        || fields::field_line(t).is_some()
        || controls_line(t).is_some()
        || unindented_field(t).is_some()
        || unindented_controls(t).is_some())
}

/// A field line that lost its indentation (pasted through something that trims lines): its
/// label is a constant padded to the colon (`TYPE               : 10  WIN32_OWN_PROCESS`), or a
/// list continuation with no label (`: TcpIp`). A top label (`SERVICE_NAME: x`) has no padding.
/// Returns the line as sc printed it, indented, for [`fields::field_line`].
fn unindented_field(text: &str) -> Option<String> {
    if text.starts_with(char::is_whitespace) {
        return None;
    }
    let colon = text.find(':')?;
    let label = &text[..colon];
    // Labels are constants (`SERVICE_START_NAME`, `RESET_PERIOD (in seconds)`), padded with
    // at least one space (the longest, SERVICE_START_NAME, has exactly one).
    let first = label.split_whitespace().next().unwrap_or("");
    let constant = !first.is_empty()
        && first.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let padded = label.ends_with(' ') && constant && label.split_whitespace().count() <= 4;
    let continuation = label.is_empty() && !text[colon + 1..].trim().is_empty();
    (padded || continuation).then(|| format!("        {text}"))
}

/// The flags line `(STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)` at the left margin.
fn unindented_controls(text: &str) -> Option<Vec<String>> {
    if text.starts_with(char::is_whitespace) {
        return None;
    }
    let inner = text.strip_prefix('(')?.strip_suffix(')')?;
    let words: Vec<&str> = inner.split(',').map(str::trim).collect();
    // Flag names are constants: upper-case letters and underscores.
    words
        .iter()
        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .then(|| words.iter().map(|w| w.to_string()).collect())
}

/// `SERVICE_NAME: TermService`: a label in column 0, a colon, a value.
fn top_label(text: &str) -> Option<(&str, &str)> {
    if text.starts_with(char::is_whitespace) || text.starts_with('[') {
        return None;
    }
    let colon = text.find(':')?;
    let label = &text[..colon];
    // One letter before a colon is a drive (`C:\...`) or an SDDL part (`D:(A;;...)` from
    // `sc sdshow`), never a field label.
    if label.chars().count() < 2 || label.contains(char::is_whitespace) {
        return None;
    }
    Some((label, text[colon + 1..].trim()))
}

/// `(STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)` on its own indented line.
fn controls_line(text: &str) -> Option<Vec<String>> {
    if !text.starts_with(char::is_whitespace) {
        return None;
    }
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
}

/// `[SC] OpenService FAILED 1060:` → (operation, code); `[SC] X SUCCESS` → (operation, word).
enum ScLine<'a> {
    Error(&'a str, u32),
    Status(&'a str, &'a str),
}

fn sc_line(text: &str) -> Option<ScLine<'_>> {
    let rest = text.strip_prefix("[SC]")?.trim();
    let body = rest.trim_end_matches(':').trim_end();
    let words = fields(body);
    if let [_, .., (word_at, _), (_, code)] = words.as_slice() {
        if let Ok(code) = code.parse::<u32>() {
            // Operation: everything before the translated error word.
            return Some(ScLine::Error(body[..*word_at].trim_end(), code));
        }
    }
    let (op, word) = body.rsplit_once(char::is_whitespace)?;
    Some(ScLine::Status(op.trim_end(), word))
}

struct Parser {
    out: ScOutput,
    /// The last thing read was an error line whose message has not been read yet.
    pending_error: bool,
}

impl Parser {
    /// A blank line ends an error message that has begun.
    fn blank(&mut self) {
        if self.out.errors.last().is_some_and(|e| !e.message.is_empty()) {
            self.pending_error = false;
        }
    }

    /// Reads one logical line; false when it fits no shape.
    fn line(&mut self, j: &Joined) -> bool {
        let text = j.text.as_str();
        if let Some(sc) = sc_line(text) {
            self.pending_error = false;
            match sc {
                ScLine::Error(op, code) => {
                    self.out.errors.push(ScError {
                        operation: op.to_string(),
                        code,
                        message: String::new(),
                        line: j.number,
                    });
                    self.pending_error = true;
                }
                ScLine::Status(op, word) => self.out.statuses.push(ScStatus {
                    operation: op.to_string(),
                    text: word.to_string(),
                    line: j.number,
                }),
            }
            return true;
        }
        if self.pending_error && !text.starts_with(char::is_whitespace) && top_label(text).is_none()
        {
            if let Some(e) = self.out.errors.last_mut() {
                if !e.message.is_empty() {
                    e.message.push(' ');
                }
                e.message.push_str(text.trim());
                return true;
            }
        }
        self.pending_error = false;
        if self.out.services.last().is_some() {
            // Lines of the open service that lost their indentation.
            if let Some(indented) = unindented_field(text) {
                if let Some((label, value)) = fields::field_line(&indented) {
                    if let Some(s) = self.out.services.last_mut() {
                        return fields::apply(s, label, value, j.number);
                    }
                }
            }
            if let Some(controls) = unindented_controls(text) {
                if let Some(s) = self.out.services.last_mut().filter(|s| s.state.is_some()) {
                    s.controls.extend(controls);
                    return true;
                }
            }
        }
        if let Some((label, value)) = top_label(text) {
            return self.top(label, value, j.number);
        }
        if let Some(controls) = controls_line(text) {
            return match self.out.services.last_mut() {
                Some(s) if s.state.is_some() => {
                    s.controls.extend(controls);
                    true
                }
                _ => false,
            };
        }
        if let Some((label, value)) = fields::field_line(text) {
            return match self.out.services.last_mut() {
                Some(s) => fields::apply(s, label, value, j.number),
                None => false,
            };
        }
        false
    }

    fn top(&mut self, label: &str, value: &str, line: usize) -> bool {
        let upper = label.to_ascii_uppercase();
        let fresh =
            self.out.services.last().map(|s| s.fields.is_empty() && s.display_name.is_none());
        if upper == "DISPLAY_NAME" || (fresh == Some(true) && upper != "SERVICE_NAME") {
            // GUESS: a second column-0 label right after the service name is its display name
            // (`sc query` enumerations); with a translated label this also catches
            // `sc qdescription`'s DESCRIPTION line.
            if let Some(s) = self.out.services.last_mut() {
                if s.display_name.is_none() && upper != "DESCRIPTION" {
                    s.display_name = Some(value.to_string());
                    return true;
                }
                s.fields.push(ScField {
                    label: label.to_string(),
                    value: value.to_string(),
                    key: if upper == "DESCRIPTION" { "description" } else { "other" },
                    line,
                });
                return true;
            }
        }
        self.out.services.push(ScService { name: value.to_string(), line, ..ScService::default() });
        true
    }
}
