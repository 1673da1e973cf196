//! The simulated registry: keys in a case-insensitive tree, values in insertion order (as
//! `reg query` prints them), the short root names (`HKLM`, ...) and the `CurrentControlSet` link.
//!
//! Paths are given as typed (`HKLM\SYSTEM\CurrentControlSet\...`, `HKEY_LOCAL_MACHINE\...`,
//! `HKLM:\...` from PowerShell); every method canonicalizes them first.

use std::collections::BTreeMap;

/// One registry value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RegValue {
    Sz(String),
    ExpandSz(String),
    Dword(u32),
    Qword(u64),
    Binary(Vec<u8>),
    MultiSz(Vec<String>),
    None(Vec<u8>),
}

impl RegValue {
    /// The type token `reg query` prints (`REG_SZ`, `REG_DWORD`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            RegValue::Sz(_) => "REG_SZ",
            RegValue::ExpandSz(_) => "REG_EXPAND_SZ",
            RegValue::Dword(_) => "REG_DWORD",
            RegValue::Qword(_) => "REG_QWORD",
            RegValue::Binary(_) => "REG_BINARY",
            RegValue::MultiSz(_) => "REG_MULTI_SZ",
            RegValue::None(_) => "REG_NONE",
        }
    }

    /// The data as `reg query` prints it: DWORD/QWORD as lower-case `0x` hex without padding,
    /// binary as upper-case hex pairs, multi-strings joined by the two characters `\0`
    /// (wine-mirror/wine programs/reg/tests/query.c; command-outputs.md section 3).
    pub fn display(&self) -> String {
        match self {
            RegValue::Sz(s) | RegValue::ExpandSz(s) => s.clone(),
            RegValue::Dword(v) => format!("0x{v:x}"),
            RegValue::Qword(v) => format!("0x{v:x}"),
            RegValue::Binary(b) | RegValue::None(b) => {
                b.iter().map(|x| format!("{x:02X}")).collect()
            }
            RegValue::MultiSz(items) => items.join("\\0"),
        }
    }

    /// The value as a number, for DWORD/QWORD values.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            RegValue::Dword(v) => Some(u64::from(*v)),
            RegValue::Qword(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as text, for string values.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            RegValue::Sz(s) | RegValue::ExpandSz(s) => Some(s),
            _ => None,
        }
    }

    /// Parses `reg add /t TYPE /d DATA` input. `sep` is the `/s` separator for REG_MULTI_SZ.
    pub fn parse_typed(ty: &str, data: &str, sep: &str) -> Result<RegValue, RegTypeError> {
        let ty = ty.to_ascii_uppercase();
        let num = |d: &str| -> Option<u64> {
            let d = d.trim();
            if d.is_empty() {
                return Some(0);
            }
            match d.strip_prefix("0x").or_else(|| d.strip_prefix("0X")) {
                Some(h) => u64::from_str_radix(h, 16).ok(),
                None => d.parse().ok(),
            }
        };
        Ok(match ty.as_str() {
            "REG_SZ" => RegValue::Sz(data.into()),
            "REG_EXPAND_SZ" => RegValue::ExpandSz(data.into()),
            "REG_DWORD" | "REG_DWORD_LITTLE_ENDIAN" => match num(data) {
                Some(v) if v <= u64::from(u32::MAX) => RegValue::Dword(v as u32),
                _ => return Err(RegTypeError::Syntax),
            },
            "REG_QWORD" => RegValue::Qword(num(data).ok_or(RegTypeError::Syntax)?),
            "REG_BINARY" | "REG_NONE" => {
                let mut bytes = Vec::new();
                let d = data.trim();
                if !d.len().is_multiple_of(2) {
                    return Err(RegTypeError::Syntax);
                }
                for i in (0..d.len()).step_by(2) {
                    let pair = d.get(i..i + 2).ok_or(RegTypeError::Syntax)?;
                    bytes.push(u8::from_str_radix(pair, 16).map_err(|_| RegTypeError::Syntax)?);
                }
                if ty == "REG_NONE" {
                    RegValue::None(bytes)
                } else {
                    RegValue::Binary(bytes)
                }
            }
            "REG_MULTI_SZ" => RegValue::MultiSz(if data.is_empty() {
                Vec::new()
            } else {
                data.split(sep).map(String::from).collect()
            }),
            _ => return Err(RegTypeError::UnknownType(ty)),
        })
    }
}

/// Why `reg add` data does not fit its type; the message is reg.exe's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegTypeError {
    #[error("ERROR: Invalid syntax.")]
    Syntax,
    /// Not a registry type; the name as upper-cased.
    #[error("ERROR: Invalid key name.\r\nType \"REG ADD /?\" for usage.\r\n{0}")]
    UnknownType(String),
}

/// One key: its path with the stored case and its values in insertion order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyData {
    pub path: String,
    pub values: Vec<(String, RegValue)>,
}

/// A detached subtree (a hive file's contents), keyed by the lower-case path relative to its root.
pub type Hive = BTreeMap<String, KeyData>;

/// The whole registry.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    keys: BTreeMap<String, KeyData>,
}

/// The registry roots, long and short names.
const ROOTS: &[(&str, &str)] = &[
    ("HKLM", "HKEY_LOCAL_MACHINE"),
    ("HKCU", "HKEY_CURRENT_USER"),
    ("HKCR", "HKEY_CLASSES_ROOT"),
    ("HKU", "HKEY_USERS"),
    ("HKCC", "HKEY_CURRENT_CONFIG"),
];

/// Expands the root of a typed key (`HKLM\x`, `HKLM:\x`, `hkey_local_machine\x`) into its long
/// name, keeps the rest as typed and drops a trailing backslash. `None` for an unknown root.
pub fn expand_root(typed: &str) -> Option<String> {
    let t = typed.trim().trim_end_matches('\\');
    let (root, rest) = match t.find('\\') {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, ""),
    };
    let root = root.trim_end_matches(':');
    let root = root.strip_prefix("Registry::").unwrap_or(root);
    let long = ROOTS.iter().find_map(|(short, long)| {
        (root.eq_ignore_ascii_case(short) || root.eq_ignore_ascii_case(long)).then_some(*long)
    })?;
    // Collapse doubled separators as reg.exe does not accept them; keep case as typed.
    let rest: Vec<&str> = rest.split('\\').filter(|p| !p.is_empty()).collect();
    if rest.is_empty() {
        Some(long.to_string())
    } else {
        Some(format!("{long}\\{}", rest.join("\\")))
    }
}

/// The canonical form of a key: long root, `CurrentControlSet` resolved to `ControlSet001`.
/// The case of the rest stays as typed; lookups lower-case it.
pub fn canonical(typed: &str) -> Option<String> {
    let full = expand_root(typed)?;
    let mut parts: Vec<String> = full.split('\\').map(String::from).collect();
    if parts.len() >= 3
        && parts[0] == "HKEY_LOCAL_MACHINE"
        && parts[1].eq_ignore_ascii_case("SYSTEM")
        && parts[2].eq_ignore_ascii_case("CurrentControlSet")
    {
        parts[2] = "ControlSet001".into();
    }
    Some(parts.join("\\"))
}

fn lc(s: &str) -> String {
    s.to_lowercase()
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    fn id(key: &str) -> Option<String> {
        canonical(key).map(|c| lc(&c))
    }

    /// Whether the key exists.
    pub fn key_exists(&self, key: &str) -> bool {
        Self::id(key).is_some_and(|k| self.keys.contains_key(&k) || is_root(&k))
    }

    /// Creates the key and its missing parents (stored case: as given where new).
    pub fn create_key(&mut self, key: &str) -> bool {
        let Some(canon) = canonical(key) else { return false };
        let parts: Vec<&str> = canon.split('\\').collect();
        for n in 2..=parts.len() {
            let path = parts[..n].join("\\");
            self.keys
                .entry(lc(&path))
                .or_insert_with(|| KeyData { path: path.clone(), values: Vec::new() });
        }
        true
    }

    /// A value; `name` "" is the default value.
    pub fn get(&self, key: &str, name: &str) -> Option<&RegValue> {
        let k = self.keys.get(&Self::id(key)?)?;
        k.values.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// A DWORD/QWORD value as a number.
    pub fn get_u64(&self, key: &str, name: &str) -> Option<u64> {
        self.get(key, name).and_then(RegValue::as_u64)
    }

    /// Sets a value, creating the key. Replacing keeps the value's position.
    pub fn set(&mut self, key: &str, name: &str, value: RegValue) -> bool {
        if !self.create_key(key) {
            return false;
        }
        let Some(id) = Self::id(key) else { return false };
        let Some(k) = self.keys.get_mut(&id) else { return false };
        match k.values.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(slot) => slot.1 = value,
            None => k.values.push((name.to_string(), value)),
        }
        true
    }

    /// Deletes a value; false when it did not exist.
    pub fn delete_value(&mut self, key: &str, name: &str) -> bool {
        let Some(k) = Self::id(key).and_then(|id| self.keys.get_mut(&id)) else { return false };
        let before = k.values.len();
        k.values.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        before != k.values.len()
    }

    /// Deletes every value of a key; false when the key does not exist.
    pub fn delete_all_values(&mut self, key: &str) -> bool {
        match Self::id(key).and_then(|id| self.keys.get_mut(&id)) {
            Some(k) => {
                k.values.clear();
                true
            }
            None => false,
        }
    }

    /// Deletes a key and all its subkeys; false when it did not exist.
    pub fn delete_key(&mut self, key: &str) -> bool {
        let Some(id) = Self::id(key) else { return false };
        if !self.keys.contains_key(&id) {
            return false;
        }
        let prefix = format!("{id}\\");
        self.keys.retain(|k, _| k != &id && !k.starts_with(&prefix));
        true
    }

    /// The stored path of a key (stored case), e.g. for subkey lines.
    pub fn stored_path(&self, key: &str) -> Option<String> {
        let id = Self::id(key)?;
        self.keys
            .get(&id)
            .map(|k| k.path.clone())
            .or_else(|| is_root(&id).then(|| canonical(key)).flatten())
    }

    /// Names of the immediate subkeys, in the registry's (alphabetical) order.
    pub fn subkeys(&self, key: &str) -> Vec<String> {
        let Some(id) = Self::id(key) else { return Vec::new() };
        let prefix = format!("{id}\\");
        self.keys
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('\\'))
            .filter_map(|(_, d)| d.path.rsplit('\\').next().map(String::from))
            .collect()
    }

    /// The values of a key in insertion order.
    pub fn values(&self, key: &str) -> Vec<(String, RegValue)> {
        Self::id(key)
            .and_then(|id| self.keys.get(&id))
            .map(|k| k.values.clone())
            .unwrap_or_default()
    }

    /// Copies a subtree out (for `reg unload`, `reg save`-like operations).
    pub fn export_subtree(&self, key: &str) -> Hive {
        let mut out = Hive::new();
        let Some(id) = Self::id(key) else { return out };
        let Some(root_path) = self.stored_path(key) else { return out };
        let prefix = format!("{id}\\");
        for (k, d) in
            self.keys.range(id.clone()..).take_while(|(k, _)| *k == &id || k.starts_with(&prefix))
        {
            let rel = if *k == id { String::new() } else { k[prefix.len()..].to_string() };
            let rel_path =
                d.path.get(root_path.len()..).unwrap_or("").trim_start_matches('\\').to_string();
            out.insert(rel, KeyData { path: rel_path, values: d.values.clone() });
        }
        out
    }

    /// Mounts a detached subtree under `key` (for `reg load`), replacing what was there.
    pub fn import_subtree(&mut self, key: &str, hive: &Hive) -> bool {
        let Some(canon) = canonical(key) else { return false };
        self.delete_key(key);
        self.create_key(key);
        for d in hive.values() {
            let path =
                if d.path.is_empty() { canon.clone() } else { format!("{canon}\\{}", d.path) };
            self.create_key(&path);
            if let Some(k) = self.keys.get_mut(&lc(&path)) {
                k.values = d.values.clone();
            }
        }
        true
    }

    /// Every key path at or under `key` (stored case), depth-first in registry order.
    pub fn walk(&self, key: &str) -> Vec<String> {
        let Some(id) = Self::id(key) else { return Vec::new() };
        let prefix = format!("{id}\\");
        self.keys
            .range(id.clone()..)
            .take_while(|(k, _)| *k == &id || k.starts_with(&prefix))
            .map(|(_, d)| d.path.clone())
            .collect()
    }
}

fn is_root(id: &str) -> bool {
    ROOTS.iter().any(|(_, long)| long.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_control_set_aliases_control_set_001() {
        let mut r = Registry::new();
        r.set("HKLM\\SYSTEM\\CurrentControlSet\\Services\\gpsvc", "Start", RegValue::Dword(2));
        assert_eq!(
            r.get("hkey_local_machine\\system\\controlset001\\services\\GPSVC", "start"),
            Some(&RegValue::Dword(2))
        );
        assert_eq!(r.subkeys("HKLM\\SYSTEM\\ControlSet001\\Services"), vec!["gpsvc".to_string()]);
        assert!(r.delete_key("HKLM\\SYSTEM\\CurrentControlSet\\Services"));
        assert!(!r.key_exists("HKLM\\SYSTEM\\ControlSet001\\Services\\gpsvc"));
    }

    #[test]
    fn subtree_round_trip_keeps_case_and_values() {
        let mut r = Registry::new();
        r.set("HKLM\\A\\B\\Cee", "x", RegValue::Sz("1".into()));
        let h = r.export_subtree("HKLM\\A");
        r.import_subtree("HKLM\\Z", &h);
        assert_eq!(
            r.stored_path("hklm\\z\\b\\cee").as_deref(),
            Some("HKEY_LOCAL_MACHINE\\Z\\B\\Cee")
        );
        assert_eq!(r.get("HKLM\\Z\\B\\Cee", "X"), Some(&RegValue::Sz("1".into())));
    }
}
