//! The indented `LABEL : value` fields of an `sc` service block and the meaning of each.

use serde::Serialize;

use super::{ScService, ServiceState, StartType};

/// A number and the constant name printed after it (`20  WIN32_SHARE_PROCESS`, `1   NORMAL`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodedValue {
    pub code: u32,
    pub text: String,
}

/// `STATE : 4  RUNNING`: the number, its meaning, and the name as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateValue {
    pub code: u32,
    /// `None` for a number outside 1..=7.
    pub state: Option<ServiceState>,
    pub text: String,
}

/// `START_TYPE : 2   AUTO_START  (DELAYED)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartTypeValue {
    pub code: u32,
    pub start_type: Option<StartType>,
    /// The `(DELAYED)` qualifier of a delayed automatic start.
    pub delayed: bool,
    pub text: String,
}

/// One field as printed, with the key it was given (`state`, `binary_path`, ... or `other`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScField {
    pub label: String,
    pub value: String,
    pub key: &'static str,
    pub line: usize,
}

/// An indented `LABEL<pad>: value` line. The label may be empty (a continued dependency list
/// prints `<pad>: TermDD`).
pub fn field_line(text: &str) -> Option<(&str, &str)> {
    if !text.starts_with(char::is_whitespace) {
        return None;
    }
    let body = text.trim_start();
    let colon = body.find(':')?;
    let label = body[..colon].trim_end();
    // Labels are single tokens, or a token and a parenthesized unit (`RESET_PERIOD (in seconds)`).
    if label.split_whitespace().count() > 4 {
        return None;
    }
    let value = body[colon + 1..].trim();
    Some((label, value))
}

/// English labels, which most captures show.
fn key_of_label(label: &str) -> Option<&'static str> {
    Some(match label.to_ascii_uppercase().as_str() {
        "TYPE" => "service_type",
        "STATE" => "state",
        "WIN32_EXIT_CODE" => "win32_exit_code",
        "SERVICE_EXIT_CODE" => "service_exit_code",
        "CHECKPOINT" => "checkpoint",
        "WAIT_HINT" => "wait_hint",
        "PID" => "pid",
        "FLAGS" => "flags",
        "START_TYPE" => "start_type",
        "ERROR_CONTROL" => "error_control",
        "BINARY_PATH_NAME" => "binary_path",
        "LOAD_ORDER_GROUP" => "load_order_group",
        "TAG" => "tag",
        "DISPLAY_NAME" => "display_name",
        "DEPENDENCIES" => "dependencies",
        "SERVICE_START_NAME" => "start_name",
        _ => return None,
    })
}

/// `<number><spaces><CONSTANT_NAME>[  (QUALIFIER)]`.
fn coded(value: &str) -> Option<(&str, &str, Option<&str>)> {
    let mut parts = value.splitn(2, char::is_whitespace);
    let num = parts.next()?;
    let rest = parts.next()?.trim();
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let (name, qualifier) = match rest.find('(') {
        Some(p) => {
            (rest[..p].trim(), Some(rest[p..].trim_matches(|c| c == '(' || c == ')').trim()))
        }
        None => (rest, None),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some((num, name, qualifier))
}

const TYPE_WORDS: &[&str] =
    &["WIN32", "DRIVER", "PROCESS", "USER_", "INTERACTIVE", "ADAPTER", "RECOGNIZER"];
const ERROR_WORDS: &[&str] = &["IGNORE", "NORMAL", "SEVERE", "CRITICAL"];

/// What a value's shape says it is, when the label is not one we know.
fn key_of_value(s: &ScService, value: &str) -> Option<&'static str> {
    if let Some((_, name, _)) = coded(value) {
        if ServiceState::from_name(name).is_some() && name != "DISABLED" {
            return Some("state");
        }
        if StartType::from_name(name).is_some() {
            return Some("start_type");
        }
        if ERROR_WORDS.contains(&name) {
            return Some("error_control");
        }
        if TYPE_WORDS.iter().any(|w| name.contains(w)) {
            return Some("service_type");
        }
    }
    if exit_code(value).is_some() {
        return Some(if s.win32_exit_code.is_none() {
            "win32_exit_code"
        } else {
            "service_exit_code"
        });
    }
    if hex(value).is_some() {
        return Some(if s.checkpoint.is_none() { "checkpoint" } else { "wait_hint" });
    }
    // Plain values by position: after `sc qc`'s error control, after `sc queryex`'s wait hint.
    let order: &[&str] = if s.start_type.is_some() {
        &["binary_path", "load_order_group", "tag", "display_name", "dependencies", "start_name"]
    } else if s.state.is_some() {
        &["pid", "flags"]
    } else {
        &[]
    };
    order.iter().copied().find(|k| !s.fields.iter().any(|f| f.key == *k))
}

/// `0  (0x0)` → 0.
fn exit_code(value: &str) -> Option<u32> {
    let (num, paren) = value.split_once(char::is_whitespace)?;
    let paren = paren.trim();
    if !(paren.starts_with("(0x") && paren.ends_with(')')) {
        return None;
    }
    num.parse().ok()
}

/// `0x0` → 0.
fn hex(value: &str) -> Option<u32> {
    let h = value.strip_prefix("0x").or_else(|| value.strip_prefix("0X"))?;
    u32::from_str_radix(h, 16).ok()
}

/// Files one field into the service; false when the value does not fit the field's shape.
pub fn apply(s: &mut ScService, label: &str, value: &str, line: usize) -> bool {
    if label.is_empty() {
        // A continuation of a list value: only dependencies are printed that way.
        let continues_deps = s.fields.last().is_some_and(|f| f.key == "dependencies");
        if continues_deps && !value.is_empty() {
            s.dependencies.push(value.to_string());
            s.fields.push(field(label, value, "dependencies", line));
            return true;
        }
        return false;
    }
    let key = key_of_label(label).or_else(|| key_of_value(s, value)).unwrap_or("other");
    let ok = match key {
        "service_type" => set_coded(&mut s.service_type, value, 16),
        "error_control" => set_coded(&mut s.error_control, value, 10),
        "state" => match coded(value) {
            Some((num, name, _)) => num.parse::<u32>().ok().is_some_and(|code| {
                s.state = Some(StateValue {
                    code,
                    state: ServiceState::from_code(code),
                    text: name.to_string(),
                });
                true
            }),
            None => false,
        },
        "start_type" => match coded(value) {
            Some((num, _, qualifier)) => num.parse::<u32>().ok().is_some_and(|code| {
                s.start_type = Some(StartTypeValue {
                    code,
                    start_type: StartType::from_code(code),
                    delayed: qualifier.is_some_and(|q| q.eq_ignore_ascii_case("DELAYED")),
                    text: value.to_string(),
                });
                true
            }),
            None => false,
        },
        "win32_exit_code" => set(&mut s.win32_exit_code, exit_code(value)),
        "service_exit_code" => set(&mut s.service_exit_code, exit_code(value)),
        "checkpoint" => set(&mut s.checkpoint, hex(value)),
        "wait_hint" => set(&mut s.wait_hint, hex(value)),
        "pid" => set(&mut s.pid, value.parse().ok()),
        "tag" => set(&mut s.tag, value.parse().ok()),
        "flags" => set(&mut s.flags, Some(value.to_string())),
        "binary_path" => set(&mut s.binary_path, Some(value.to_string())),
        "load_order_group" => set(&mut s.load_order_group, Some(value.to_string())),
        "display_name" => set(&mut s.display_name, Some(value.to_string())),
        "start_name" => set(&mut s.start_name, Some(value.to_string())),
        "dependencies" => {
            if !value.is_empty() {
                s.dependencies.push(value.to_string());
            }
            true
        }
        _ => true,
    };
    if ok {
        s.fields.push(field(label, value, key, line));
    }
    ok
}

fn field(label: &str, value: &str, key: &'static str, line: usize) -> ScField {
    ScField { label: label.to_string(), value: value.to_string(), key, line }
}

fn set<T>(slot: &mut Option<T>, v: Option<T>) -> bool {
    match v {
        Some(v) => {
            *slot = Some(v);
            true
        }
        None => false,
    }
}

fn set_coded(slot: &mut Option<CodedValue>, value: &str, radix: u32) -> bool {
    match coded(value) {
        Some((num, name, _)) => match u32::from_str_radix(num, radix) {
            Ok(code) => {
                *slot = Some(CodedValue { code, text: name.to_string() });
                true
            }
            Err(_) => false,
        },
        None => false,
    }
}
