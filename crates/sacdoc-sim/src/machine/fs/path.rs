//! Windows path handling for the simulated file system: drive letters, `\` and `/`, `.` and `..`,
//! relative paths against the shell's current directory, case-insensitive keys.

/// Resolves `typed` against `cwd` into a canonical absolute path such as `C:\temp\x.txt` or `C:\`.
/// Quotes around the path are dropped; the case of each component is kept as typed.
pub fn resolve(cwd: &str, typed: &str) -> Result<String, super::FsError> {
    let t = typed.trim().trim_matches('"').replace('/', "\\");
    if t.is_empty() {
        return Err(super::FsError::PathNotFound);
    }
    let cwd_drive = drive_of(cwd).unwrap_or_else(|| "C:".into());
    let (drive, rest, absolute) = if t.len() >= 2 && t.as_bytes()[1] == b':' {
        let d = t[..2].to_ascii_uppercase();
        let r = t[2..].to_string();
        let abs = r.starts_with('\\');
        (d, r, abs)
    } else if t.starts_with('\\') {
        (cwd_drive.clone(), t.clone(), true)
    } else {
        (cwd_drive.clone(), t.clone(), false)
    };
    let mut parts: Vec<String> = Vec::new();
    if !absolute {
        let base =
            if drive.eq_ignore_ascii_case(&cwd_drive) { cwd.to_string() } else { drive.clone() };
        parts.extend(components(&base));
    }
    for c in rest.split('\\') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other.trim_end_matches([' ', '.']).to_string()),
        }
    }
    Ok(join(&drive, &parts))
}

fn drive_of(p: &str) -> Option<String> {
    (p.len() >= 2 && p.as_bytes()[1] == b':').then(|| p[..2].to_ascii_uppercase())
}

/// The components after the drive of an absolute path.
pub fn components(p: &str) -> Vec<String> {
    let rest = if p.len() >= 2 && p.as_bytes()[1] == b':' { &p[2..] } else { p };
    rest.split('\\').filter(|c| !c.is_empty()).map(str::to_string).collect()
}

/// Builds `C:\a\b` (or `C:\` when there are no components).
pub fn join(drive: &str, parts: &[String]) -> String {
    if parts.is_empty() {
        format!("{drive}\\")
    } else {
        format!("{drive}\\{}", parts.join("\\"))
    }
}

/// The map key of a canonical path: lower case.
pub fn key(canonical: &str) -> String {
    canonical.to_lowercase()
}

/// The parent of a canonical path; `None` for a drive root.
pub fn parent(canonical: &str) -> Option<String> {
    let drive = drive_of(canonical)?;
    let mut parts = components(canonical);
    if parts.is_empty() {
        return None;
    }
    parts.pop();
    Some(join(&drive, &parts))
}

/// The last component (the whole path for a root).
pub fn leaf(canonical: &str) -> String {
    components(canonical).pop().unwrap_or_else(|| canonical.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_like_cmd() {
        let cwd = "C:\\Windows\\system32";
        assert_eq!(resolve(cwd, "c:/temp/").unwrap(), "C:\\temp");
        assert_eq!(resolve(cwd, "..\\x").unwrap(), "C:\\Windows\\x");
        assert_eq!(resolve(cwd, "\\temp\\a.txt").unwrap(), "C:\\temp\\a.txt");
        assert_eq!(resolve(cwd, "F:\\boot\\bcd").unwrap(), "F:\\boot\\bcd");
        assert_eq!(resolve(cwd, "\"C:\\Program Files\"").unwrap(), "C:\\Program Files");
        assert_eq!(resolve(cwd, "c:\\").unwrap(), "C:\\");
        assert_eq!(parent("C:\\temp").as_deref(), Some("C:\\"));
        assert_eq!(parent("C:\\"), None);
        assert_eq!(leaf("C:\\temp\\A.txt"), "A.txt");
    }
}
