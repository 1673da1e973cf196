//! PowerShell values as the simulator models them: strings, numbers, booleans, dates and objects
//! with ordered properties and a view that says how Out-Default shows them.

use crate::machine::clock::civil;

/// How an object is shown when nothing formats it explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// `Status   Name               DisplayName` table (ServiceController).
    Service,
    /// `Thumbprint  Subject` table grouped by PSParentPath (X509Certificate2).
    Cert,
    /// `Mode  LastWriteTime  Length Name` (FileInfo).
    File,
    /// Table when 4 properties or fewer, list otherwise (PSCustomObject and the rest).
    Auto,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Str(String),
    Int(i64),
    Bool(bool),
    /// Unix seconds, shown as `1/15/2026 8:00:45 AM`.
    Date(i64),
    /// An enum: shown by name, serialized by number in JSON.
    Enum(String, i64),
    List(Vec<Value>),
    Obj(Obj),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Obj {
    pub type_name: String,
    pub props: Vec<(String, Value)>,
    pub view: View,
    /// Properties `Format-List` shows without a property list (`None`: all).
    pub list_props: Option<Vec<&'static str>>,
}

impl Obj {
    pub fn new(type_name: &str, view: View) -> Obj {
        Obj { type_name: type_name.into(), props: Vec::new(), view, list_props: None }
    }
    pub fn with(mut self, name: &str, v: Value) -> Obj {
        self.props.push((name.to_string(), v));
        self
    }
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.props.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }
}

/// `M/d/yyyy h:mm:ss tt` (en-US).
pub fn us_date(unix: i64) -> String {
    civil(unix).us_short()
}

impl Value {
    pub fn s(text: impl Into<String>) -> Value {
        Value::Str(text.into())
    }

    /// The text PowerShell shows for the value in a table cell or list line.
    pub fn display(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => if *b { "True" } else { "False" }.into(),
            Value::Date(d) => us_date(*d),
            Value::Enum(n, _) => n.clone(),
            Value::List(items) => {
                format!("{{{}}}", items.iter().map(Value::display).collect::<Vec<_>>().join(", "))
            }
            Value::Obj(o) => match o.get("Name") {
                Some(n) if o.type_name.contains("ServiceController") => n.display(),
                _ => o.type_name.clone(),
            },
        }
    }

    /// Property access (`$_.Status`); `Null` when absent.
    pub fn prop(&self, name: &str) -> Value {
        match self {
            Value::Obj(o) => o.get(name).cloned().unwrap_or(Value::Null),
            Value::Str(s) if name.eq_ignore_ascii_case("Length") => {
                Value::Int(s.chars().count() as i64)
            }
            _ => Value::Null,
        }
    }

    /// Loose comparison as PowerShell's `-eq` does for the simulator's types (case-insensitive).
    pub fn loose_eq(&self, rhs: &str) -> bool {
        match self {
            Value::Int(i) => rhs.trim().parse::<i64>().is_ok_and(|r| r == *i),
            Value::Enum(n, v) => n.eq_ignore_ascii_case(rhs) || rhs.trim().parse::<i64>() == Ok(*v),
            Value::List(items) => items.iter().any(|x| x.loose_eq(rhs)),
            other => other.display().eq_ignore_ascii_case(rhs),
        }
    }

    /// A number for ordering comparisons.
    pub fn num(&self) -> Option<f64> {
        match self {
            Value::Int(i) | Value::Enum(_, i) => Some(*i as f64),
            Value::Date(d) => Some(*d as f64),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}
